"""`cashless simulate` and `cashless scenarios`, run in-process."""

from __future__ import annotations

import pandas as pd
import pytest

from cashless.cli import main
from cashless.sim import METRIC_NAMES, PRESETS, from_toml, preset

SMALL = ["--set", "market.stalls_scale=0.05"]


def test_scenarios_lists_every_preset(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for name in PRESETS:
        assert name in out
    assert main(["scenarios", "list"]) == 0
    assert capsys.readouterr().out == out


def test_scenarios_show_and_write_round_trip(capsys, tmp_path):
    assert main(["scenarios", "show", "tet-peak-day"]) == 0
    assert from_toml(capsys.readouterr().out) == preset("tet-peak-day")
    path = tmp_path / "outage.toml"
    assert main(["scenarios", "show", "outage", "-o", str(path)]) == 0
    assert capsys.readouterr().out == f"wrote {path}\n"
    assert from_toml(path) == preset("outage")
    assert [p.name for p in tmp_path.iterdir()] == ["outage.toml"]  # no temp file left


def test_simulate_prints_a_cash_versus_qr_table(capsys, tmp_path):
    out_csv = tmp_path / "results.csv"
    code = main(["simulate", "--replications", "2", "--seed", "4", *SMALL, "-o", str(out_csv)])
    assert code == 0
    out = capsys.readouterr().out
    assert "scenario dien-bien" in out
    header = next(line for line in out.splitlines() if line.startswith("metric"))
    assert header.split() == ["metric", "cash", "QR", "all"]
    for label in ("mean wait (s)", "errors / 1,000 tx", "loss / 1M VND sales", "lost sales"):
        assert label in out
    df = pd.read_csv(out_csv)
    assert list(df["replication"]) == [0, 1]
    assert set(METRIC_NAMES) <= set(df.columns)


def test_simulate_from_a_toml_file_with_overrides(capsys, tmp_path):
    path = tmp_path / "mine.toml"
    assert main(["scenarios", "show", "cash-only", "--output", str(path)]) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "simulate",
                "--scenario",
                str(path),
                "--replications",
                "1",
                *SMALL,
                "--set",
                "payments.qr_share=0.9",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "scenario cash-only" in out
    qr_row = next(line for line in out.splitlines() if line.startswith("transactions / day"))
    assert qr_row.split()[-2] == "0"  # no stall takes QR in this scenario


@pytest.mark.parametrize(
    "argv, message",
    [
        (["simulate", "--scenario", "nowhere"], "--scenario: no preset or file named 'nowhere'"),
        (["simulate", "--set", "payments.qr_share=2", *SMALL], "payments.qr_share"),
        (["simulate", "--set", "payments.bogus=1"], "payments.bogus"),
        (["simulate", "--set", "novalue"], "--set: expects KEY=VALUE"),
        (["simulate", "--replications", "0"], "--replications: must be at least 1"),
        (
            ["scenarios", "show", "outage", "-o", "outage.txt"],
            "--output: 'outage.txt' must end in .toml",
        ),
    ],
)
def test_simulate_errors_are_one_line(capsys, argv, message):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_missing_toml_file_is_an_error(capsys, tmp_path):
    assert main(["simulate", "--scenario", str(tmp_path / "none.toml")]) == 1
    assert "none.toml" in capsys.readouterr().err


def test_the_table_labels_every_headline_metric():
    from cashless.cli.simulation import METRIC_FORMATS
    from cashless.sim.results import HEADLINE_METRICS

    assert tuple(METRIC_FORMATS) == HEADLINE_METRICS


def test_scenarios_show_applies_set(capsys):
    assert main(["scenarios", "show", "outage", "--set", "payments.qr_share=0.7"]) == 0
    scenario = from_toml(capsys.readouterr().out)
    assert scenario.payments.qr_share == 0.7 and scenario.name == "outage"
