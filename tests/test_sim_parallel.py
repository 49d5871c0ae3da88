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
