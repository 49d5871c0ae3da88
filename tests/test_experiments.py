"""Sweeps: grids, seeds, backends (1 and 2 local workers, Dask), summaries, files, CLI."""

from __future__ import annotations

import io
import math
import sys

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cashless.cli import main
from cashless.cli.experiments import parse_grid_option
from cashless.errors import CashlessError, OutputError, ScenarioError, UsageError
from cashless.policy.sweeps import (
    grid_points,
    sensitivity,
    summarize_long,
    sweep,
)
from cashless.policy.tables import check_output_path, write_table
from cashless.sim.replicate import replication_seeds, run
from cashless.sim.scenario import preset, with_overrides

# A market small enough that one day takes a fraction of a second.
TINY = {"market.stalls_scale": 0.1}
GRID = {"payments.qr_share": [0.0, 0.8]}


@pytest.fixture(scope="module")
def tiny():
    return with_overrides(preset("dien-bien"), TINY)


@pytest.fixture(scope="module")
def local_one(tiny):
    return sweep(tiny, GRID, replications=2, seed=11, workers=1)


# -- grids ---------------------------------------------------------------------


def test_grid_points_is_the_product_with_the_first_key_slowest():
    points = grid_points({"a.x": [1, 2], "b.y": ["p", "q", "r"]})
    assert len(points) == 6
    assert points[0] == {"a.x": 1, "b.y": "p"}
    assert points[2] == {"a.x": 1, "b.y": "r"}
    assert points[3] == {"a.x": 2, "b.y": "p"}


def test_grid_points_accepts_explicit_points():
    assert grid_points([{"a.x": 1}, {"b.y": 2}]) == [{"a.x": 1}, {"b.y": 2}]


@pytest.mark.parametrize(
    ("grid", "error"),
    [
        ({"a.x": []}, ScenarioError),
        ({"a.x": 0.5}, ScenarioError),
        ({"a.x": "abc"}, ScenarioError),
        ([], UsageError),
        (5, UsageError),
        ([1, 2], UsageError),
    ],
)
def test_grid_points_rejects_empty_or_scalar_values(grid, error):
    with pytest.raises(error):
        grid_points(grid)


def test_replication_seeds_match_spawned_children():
    import numpy as np

    spawned = np.random.SeedSequence(5).spawn(3)
    ours = replication_seeds(5, 3)
    assert [s.generate_state(4).tolist() for s in ours] == [
        s.generate_state(4).tolist() for s in spawned
    ]


# -- summaries against a hand computation ---------------------------------------


def test_summary_interval_matches_hand_computation():
    # point 0: 2, 4, 9 -> mean 5, sd sqrt(13), t(0.975, 2) = 4.302653
    # point 1: 10, 12, 11, 13, 9 -> mean 11, sd sqrt(2.5), t(0.975, 4) = 2.776445
    frame = pd.DataFrame(
        {
            "point": [0, 0, 0, 1, 1, 1, 1, 1],
            "x": [0.1] * 3 + [0.2] * 5,
            "m": [2.0, 4.0, 9.0, 10.0, 12.0, 11.0, 13.0, 9.0],
        }
    )
    summary = summarize_long(frame, ["point", "x"], ["m"]).set_index("point")
    half0 = 4.302653 * math.sqrt(13) / math.sqrt(3)
    half1 = 2.776445 * math.sqrt(2.5) / math.sqrt(5)
    assert summary.loc[0, "mean"] == pytest.approx(5.0)
    assert summary.loc[0, "sd"] == pytest.approx(math.sqrt(13))
    assert summary.loc[0, "n"] == 3
    assert summary.loc[0, "ci_low"] == pytest.approx(5.0 - half0, rel=1e-4)
    assert summary.loc[0, "ci_high"] == pytest.approx(5.0 + half0, rel=1e-4)
    assert summary.loc[1, "ci_low"] == pytest.approx(11.0 - half1, rel=1e-4)
    assert summary.loc[1, "ci_high"] == pytest.approx(11.0 + half1, rel=1e-4)
    assert summary.loc[1, "x"] == 0.2


def test_summary_leaves_out_missing_values_and_needs_two_for_an_interval():
    frame = pd.DataFrame({"point": [0, 0, 0, 1], "m": [1.0, float("nan"), 3.0, 7.0]})
    summary = summarize_long(frame, ["point"], ["m"]).set_index("point")
    assert summary.loc[0, "n"] == 2
    assert summary.loc[0, "mean"] == pytest.approx(2.0)
    # t(0.975, 1) = 12.706205
    # values 1 and 3: sd sqrt(2), n 2, half-width 12.706205 * sqrt(2) / sqrt(2)
    assert summary.loc[0, "ci_high"] == pytest.approx(2.0 + 12.706205, rel=1e-4)
    assert summary.loc[1, "n"] == 1
    assert math.isnan(summary.loc[1, "ci_low"])


# -- sweeps on every backend give the same numbers ------------------------------


def test_sweep_shape_and_columns(local_one):
    frame = local_one.replications
    assert len(frame) == 4
    assert list(frame.columns[:3]) == ["point", "payments.qr_share", "replication"]
    assert frame["payments.qr_share"].tolist() == [0.0, 0.0, 0.8, 0.8]
    assert frame["replication"].tolist() == [0, 1, 0, 1]
    assert "all.wait_mean_s" in frame.columns
    summary = local_one.metric("all.wait_mean_s")
    assert summary["n"].tolist() == [2, 2]
    assert (summary["ci_low"] <= summary["mean"]).all()
    assert (summary["mean"] <= summary["ci_high"]).all()
    with pytest.raises(UsageError):
        local_one.metric("no.such_metric")


def test_settings_change_the_outcome(local_one):
    # With no customer preferring QR there are no QR transactions at all.
    qr = local_one.metric("qr.transactions").set_index("payments.qr_share")["mean"]
    assert qr[0.0] == 0
    assert qr[0.8] > 0


def test_sweep_point_reproduces_run_with_the_same_seed(tiny, local_one):
    # Common random numbers: replication i uses run()'s seed i at every point.
    alone = run(with_overrides(tiny, {"payments.qr_share": 0.8}), replications=2, seed=11)
    ours = local_one.replications[local_one.replications["point"] == 1]
    for metric in ("all.transactions", "all.wait_mean_s", "qr.transactions"):
        assert ours[metric].tolist() == alone.replications[metric].tolist()


def test_two_local_workers_give_identical_numbers(tiny, local_one):
    two = sweep(tiny, GRID, replications=2, seed=11, workers=2)
    assert_frame_equal(two.replications, local_one.replications)
    assert_frame_equal(two.summary, local_one.summary)


def test_another_seed_gives_other_numbers(tiny, local_one):
    other = sweep(tiny, GRID, replications=2, seed=12)
    assert other.replications["all.wait_mean_s"].tolist() != (
        local_one.replications["all.wait_mean_s"].tolist()
    )


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("dask.distributed")
    # Threads are enough to check identity and start fast; the benchmark uses processes.
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster


def test_dask_cluster_gives_identical_numbers_by_client_and_by_address(
    tiny, local_one, dask_cluster
):
    from dask.distributed import Client

    with Client(dask_cluster, set_as_default=False) as client:
        by_client = sweep(tiny, GRID, replications=2, seed=11, client=client)
        # Both workers took part.
        assert len(client.scheduler_info()["workers"]) == 2
    by_address = sweep(tiny, GRID, replications=2, seed=11, client=dask_cluster.scheduler_address)
    assert_frame_equal(by_client.replications, local_one.replications)
    assert_frame_equal(by_address.replications, local_one.replications)
    assert_frame_equal(by_address.summary, local_one.summary)


def test_cli_sweep_on_a_dask_scheduler(tmp_path, capsys, local_one, dask_cluster):
    out = tmp_path / "r.csv"
    assert (
        main(
            [
                "sweep",
                "--grid",
                "market.stalls_scale=0.1",
                "--grid",
                "payments.qr_share=0,0.8",
                "--replications",
                "2",
                "--seed",
                "11",
                "--scheduler",
                dask_cluster.scheduler_address,
                "-o",
                str(out),
            ]
        )
        == 0
    )
    capsys.readouterr()
    rows = pd.read_csv(out)
    assert rows["all.wait_mean_s"].tolist() == pytest.approx(
        local_one.replications["all.wait_mean_s"].tolist(), rel=1e-12
    )


def test_progress_bar_is_silent_when_not_a_terminal(tiny, capsys):
    sweep(tiny, replications=1, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_shows_on_a_terminal_unless_turned_off(tiny, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    sweep(tiny, replications=1, progress=False)
    assert terminal.getvalue() == ""
    sweep(tiny, replications=1, progress=True)
    assert "market days" in terminal.getvalue()
    assert "1/1" in terminal.getvalue()


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"grid": {"payments.no_such_key": [1]}}, ScenarioError, "payments.no_such_key"),
        ({"replications": 0}, UsageError, "replications"),
        ({"workers": 0}, UsageError, "workers"),
        ({"workers": 1.5}, UsageError, "workers"),
        ({"seed": -1}, UsageError, "seed"),
    ],
)
def test_bad_arguments_raise_the_right_error_naming_the_field_once(tiny, kwargs, error, field):
    with pytest.raises(error) as info:
        sweep(tiny, **kwargs)
    assert info.value.field == field
    assert str(info.value).count(field) == 1


def test_unknown_preset_name_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="no preset or file named 'no-such-preset'"):
        sweep("no-such-preset", replications=1)


def test_sweep_reads_a_scenario_file_by_path(tmp_path, tiny):
    from cashless.sim.scenario import to_toml

    path = tmp_path / "tiny.toml"
    path.write_text(to_toml(tiny), encoding="utf-8")
    by_path = sweep(path, replications=1, seed=2)
    by_name = sweep(str(path), replications=1, seed=2)
    direct = sweep(tiny, replications=1, seed=2)
    assert_frame_equal(by_path.replications, direct.replications)
    assert_frame_equal(by_name.replications, direct.replications)


def test_unreachable_scheduler_is_a_cluster_error(tiny):
    pytest.importorskip("dask.distributed")
    import socket

    import dask

    from cashless.errors import ClusterError

    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "1s"}),
        pytest.raises(ClusterError, match="cannot reach the Dask scheduler"),
    ):
        sweep(tiny, replications=1, client=f"tcp://127.0.0.1:{port}")


def test_method_losses_add_up_to_each_method_total(tiny):
    from cashless.policy.sweeps import method_losses
    from cashless.sim.replicate import simulate_day

    day = simulate_day(with_overrides(tiny, {"payments.qr_share": 0.6}), 4)
    losses = method_losses(day)
    for group in ("cash", "qr"):
        parts = [v for k, v in losses.items() if k.startswith(f"{group}.")]
        assert sum(parts) == pytest.approx(day.metrics[f"{group}.loss_per_million_vnd"])
    assert sum(losses.values()) > 0  # the day had some losses, so the check is not 0 == 0


def test_difference_is_the_paired_interval_of_stats(local_one):
    from cashless.policy.sweeps import difference
    from cashless.sim.stats import paired_difference

    got = difference(local_one, "all.wait_mean_s", {"payments.qr_share": 0.0}, 1)
    frame = local_one.replications
    base = frame[frame["point"] == 0]["all.wait_mean_s"].tolist()
    other = frame[frame["point"] == 1]["all.wait_mean_s"].tolist()
    assert got == {
        "base": pytest.approx(sum(base) / 2),
        "other": pytest.approx(sum(other) / 2),
        **paired_difference(base, other)._asdict(),
    }
    assert got["n"] == 2 and got["ci_low"] <= got["mean"] <= got["ci_high"]
    with pytest.raises(UsageError, match="no metric"):
        difference(local_one, "no.such_metric", 0, 1)
    with pytest.raises(UsageError, match="no grid point 7"):
        difference(local_one, "all.wait_mean_s", 0, 7)
    with pytest.raises(UsageError, match="0 grid points match"):
        difference(local_one, "all.wait_mean_s", 0, {"payments.qr_share": 0.5})


# -- sensitivity ---------------------------------------------------------------


def test_sensitivity_rows_per_assumption(tiny):
    keys = ["payments.static_qr_time_mean", "arrivals.visitors_per_day"]
    table = sensitivity(tiny, ["all.wait_mean_s"], keys=keys, replications=1, seed=3)
    assert sorted(table["parameter"]) == sorted(keys)
    assert (table["swing"] == (table["at_high"] - table["at_low"]).abs()).all()
    assert table["swing"].is_monotonic_decreasing
    visitors = table.set_index("parameter").loc["arrivals.visitors_per_day"]
    assert visitors["low"] < visitors["high"]
    # More visitors, more waiting (common random numbers make this a clean comparison).
    assert visitors["at_high"] > visitors["at_low"]


def test_sensitivity_rejects_unknown_keys(tiny):
    with pytest.raises(ScenarioError):
        sensitivity(tiny, ["all.wait_mean_s"], keys=["payments.nope"], replications=1)


# -- files -----------------------------------------------------------------------


def test_write_table_csv_round_trip_leaves_no_temp_files(tmp_path, local_one):
    target = write_table(local_one.summary, tmp_path / "summary.csv")
    back = pd.read_csv(target)
    assert len(back) == len(local_one.summary)
    assert list(back.columns) == list(local_one.summary.columns)
    assert [p.name for p in tmp_path.iterdir()] == ["summary.csv"]


def test_output_path_checks(tmp_path):
    with pytest.raises(OutputError, match=r"\.csv or \.parquet") as info:
        check_output_path(tmp_path / "r.xlsx", flag="--summary-output")
    assert info.value.source == "--summary-output"
    assert str(info.value).count("--summary-output") == 1
    with pytest.raises(OutputError, match="does not exist"):
        check_output_path(tmp_path / "missing" / "r.csv")
    with pytest.raises(OutputError, match="does not exist"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "missing" / "r.csv")
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        with pytest.raises(OutputError, match="pyarrow"):
            check_output_path(tmp_path / "r.parquet")
    else:
        assert check_output_path(tmp_path / "r.parquet").name == "r.parquet"


# -- CLI -------------------------------------------------------------------------


def test_parse_grid_option_literals():
    assert parse_grid_option("a.b=1,2.5,true,abc,'x y'") == ("a.b", [1, 2.5, True, "abc", "x y"])
    assert parse_grid_option("k=[[1,2],[3,4]],[]") == ("k", [((1, 2), (3, 4)), ()])
    for bad in ("novalue", "=1,2", "k=1,,2"):
        with pytest.raises(CashlessError):  # UsageError or ScenarioError: the CLI's to choose
            parse_grid_option(bad)


def test_cli_sweep_writes_both_files(tmp_path, capsys):
    out, summary = tmp_path / "r.csv", tmp_path / "s.csv"
    status = main(
        [
            "sweep",
            "--scenario",
            "dien-bien",
            "--grid",
            "market.stalls_scale=0.1",
            "--grid",
            "payments.qr_share=0,0.8",
            "--replications",
            "2",
            "--seed",
            "11",
            "-o",
            str(out),
            "--summary-output",
            str(summary),
        ]
    )
    captured = capsys.readouterr()
    assert status == 0, captured.err
    rows = pd.read_csv(out)
    assert len(rows) == 4
    assert rows["payments.qr_share"].tolist() == [0.0, 0.0, 0.8, 0.8]
    assert set(pd.read_csv(summary)["metric"]) >= {"all.wait_mean_s", "qr.transactions"}
    assert f"wrote {out} (4 rows)" in captured.out
    assert "wait_mean_s" in captured.out


def test_cli_sweep_matches_the_library(tmp_path, capsys, local_one):
    out = tmp_path / "r.csv"
    assert (
        main(
            [
                "sweep",
                "--grid",
                "market.stalls_scale=0.1",
                "--grid",
                "payments.qr_share=0,0.8",
                "--replications",
                "2",
                "--seed",
                "11",
                "--workers",
                "2",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    capsys.readouterr()
    rows = pd.read_csv(out)
    expected = local_one.replications
    assert rows["all.wait_mean_s"].tolist() == pytest.approx(
        expected["all.wait_mean_s"].tolist(), rel=1e-12
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--scenario", "nowhere"], "no preset or file"),
        (["--grid", "payments.qr_share"], "KEY=V1,V2"),
        (["--grid", "payments.qr_share=0.1", "--grid", "payments.qr_share=0.2"], "twice"),
        (["-o", "results.xlsx"], ".csv or .parquet"),
    ],
)
def test_cli_errors_are_one_line_and_exit_1(argv, message, capsys):
    assert main(["sweep", "--replications", "1", *argv]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_cli_scenario_from_toml_file(tmp_path, capsys):
    from cashless.sim.scenario import to_toml

    path = tmp_path / "small.toml"
    path.write_text(to_toml(with_overrides(preset("dien-bien"), TINY)), encoding="utf-8")
    out = tmp_path / "r.csv"
    assert main(["sweep", "--scenario", str(path), "--replications", "1", "-o", str(out)]) == 0
    capsys.readouterr()
    assert len(pd.read_csv(out)) == 1


def test_importing_the_sweep_and_plot_modules_stays_light():
    import subprocess

    # The sweep module needs the simulator (numpy, pandas) but not Dask, matplotlib or tqdm
    # until they are used; the CLI loads none of them before a command runs.
    code = (
        "import sys, cashless.policy.sweeps, cashless.policy.plots; "
        "print(sorted(m for m in ('dask', 'distributed', 'matplotlib', 'tqdm') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
    code = (
        "import sys, cashless.cli; cashless.cli.build_parser(); "
        "print(sorted(m for m in ('numpy', 'pandas', 'dask', 'matplotlib', 'segno', 'PIL') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


SMALL_SWEEP = ["sweep", "--set", "market.stalls_scale=0.02", "--replications", "1"]


def test_cli_sweep_refuses_a_read_only_summary_before_work_and_writes_neither(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.csv").write_text("old r")
    (tmp_path / "s.csv").write_text("old s")
    (tmp_path / "s.csv").chmod(0o444)
    assert main([*SMALL_SWEEP, "-o", "r.csv", "--summary-output", "s.csv"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("cashless: --summary-output: 's.csv' is read-only")
    assert (tmp_path / "r.csv").read_text() == "old r"
    assert (tmp_path / "s.csv").read_text() == "old s"


def test_cli_sweep_writes_a_table_to_stdout_with_dash(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([*SMALL_SWEEP, "-o", "-", "--summary-output", "s.csv"]) == 0
    out, err = capsys.readouterr()
    table = pd.read_csv(io.StringIO(out))
    assert len(table) == 1 and "point" in table.columns
    assert "mean ± 95% CI" in err and "wrote -" in err and "wrote s.csv" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.csv"]
    assert main([*SMALL_SWEEP, "-o", "-", "--summary-output", "-"]) == 1
    assert "only one output can go to stdout" in capsys.readouterr().err
