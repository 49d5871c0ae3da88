"""The one task runner: order, worker counts, errors, and the same numbers on any backend."""

from __future__ import annotations

import pytest
from pandas.testing import assert_frame_equal

from cashless.errors import ScenarioError, UsageError
from cashless.sim import run, simulate_day
from cashless.sim.parallel import check_workers, progress_bar, run_tasks
from cashless.sim.scenario import preset, to_toml, with_overrides

TINY = {"market.stalls_scale": 0.03}


@pytest.fixture(scope="module")
def tiny():
    return with_overrides(preset("dien-bien"), TINY)


def test_results_come_back_in_task_order_on_two_workers():
    tasks = [(k, 2) for k in range(6)]
    assert run_tasks(pow, tasks, workers=2) == [k * k for k in range(6)]
    assert run_tasks(pow, tasks) == [k * k for k in range(6)]
    assert run_tasks(pow, []) == []


def test_the_same_seed_gives_the_same_replications_on_one_or_two_workers(tiny):
    one = run(tiny, replications=2, seed=9, workers=1)
    two = run(tiny, replications=2, seed=9, workers=2)
    assert_frame_equal(one.replications, two.replications)
    assert_frame_equal(one.summary, two.summary)
    other = run(tiny, replications=2, seed=10)
    assert not one.replications.equals(other.replications)


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2", None])
def test_bad_worker_counts_are_usage_errors_naming_the_field_once(workers):
    with pytest.raises(UsageError) as info:
        check_workers(workers)
    assert info.value.field == "workers"
    assert str(info.value).count("workers") == 1
    with pytest.raises(UsageError):
        run_tasks(pow, [(2, 2)], workers=workers)


def test_run_rejects_bad_arguments_with_cashless_errors(tiny):
    with pytest.raises(UsageError) as info:
        run(tiny, replications=0)
    assert str(info.value) == "replications must be a whole number >= 1, got 0"
    with pytest.raises(UsageError, match="seed"):
        run(tiny, replications=1, seed=-3)
    with pytest.raises(UsageError, match="workers"):
        run(tiny, replications=2, workers=0)
    with pytest.raises(ScenarioError, match="no preset or file named 'nowhere'"):
        run("nowhere", replications=1)
    with pytest.raises(UsageError, match="scenario must be a Scenario"):
        simulate_day("dien-bien", 1)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="seed"):
        simulate_day(tiny, "one")  # type: ignore[arg-type]


def test_run_loads_a_scenario_file(tmp_path, tiny):
    path = tmp_path / "tiny.toml"
    path.write_text(to_toml(tiny), encoding="utf-8")
    by_file = run(path, replications=1, seed=4)
    assert by_file.scenario == tiny
    assert_frame_equal(by_file.replications, run(tiny, replications=1, seed=4).replications)


def test_a_disabled_progress_bar_is_inert():
    with progress_bar(3, enabled=False) as bar:
        bar.update(3)
    assert not hasattr(bar, "n")  # no tqdm object behind it


def test_a_bad_client_is_a_cashless_error():
    pytest.importorskip("dask.distributed")
    from cashless.errors import ClusterError

    with pytest.raises(ClusterError, match="not a Dask scheduler address: 'nowhere'"):
        run_tasks(pow, [(2, 2)], client="nowhere")
    with pytest.raises(UsageError, match="got int"):
        run_tasks(pow, [(2, 2)], client=8786)


@pytest.mark.parametrize("address", ["foo", "tcp://", "tcp://host", "http://h:1", "h:99999", ""])
def test_a_malformed_address_is_refused_before_any_client_is_built(address, monkeypatch):
    pytest.importorskip("dask.distributed")
    import dask.distributed

    from cashless.errors import ClusterError

    def no_client(*args, **kwargs):
        raise AssertionError("a Client was built")

    monkeypatch.setattr(dask.distributed, "Client", no_client)
    with pytest.raises(ClusterError, match="not a Dask scheduler address"):
        run_tasks(pow, [(2, 2)], client=address)


def test_a_scheduler_without_workers_fails_within_the_timeout():
    pytest.importorskip("dask.distributed")
    import time

    from dask.distributed import LocalCluster

    from cashless.errors import ClusterError

    with LocalCluster(
        n_workers=0,
        processes=False,
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address=":0",
        protocol="tcp://",
    ) as cluster:
        started = time.monotonic()
        with pytest.raises(ClusterError, match="has no workers") as info:
            run_tasks(pow, [(2, 2)], client=cluster.scheduler_address, connect_timeout=1.5)
        assert time.monotonic() - started < 10
        assert "\n" not in str(info.value)


def test_nothing_listening_and_a_foreign_server_are_cluster_errors():
    pytest.importorskip("dask.distributed")
    import socket
    import threading
    import time

    from cashless.errors import ClusterError

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ClusterError, match="cannot reach"):
        run_tasks(pow, [(2, 2)], client=f"tcp://127.0.0.1:{port}", connect_timeout=1)
    assert time.monotonic() - started < 10

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def answer_http() -> None:
        for _ in range(5):
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 4)

    threading.Thread(target=answer_http, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    started = time.monotonic()
    try:
        with pytest.raises(ClusterError):
            run_tasks(pow, [(2, 2)], client=address, connect_timeout=1.5)
    finally:
        server.close()
    assert time.monotonic() - started < 15


def test_a_cluster_runs_tasks_in_order_and_results_time_out_clearly():
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=1,
        processes=False,
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address=":0",
        protocol="tcp://",
    ) as cluster:
        tasks = [(k, 2) for k in range(5)]
        assert run_tasks(pow, tasks, client=cluster.scheduler_address) == [k * k for k in range(5)]
