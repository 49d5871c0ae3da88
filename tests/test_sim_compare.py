"""Paired comparisons (common random numbers), the replication-count helper, rare events,
and the `cashless compare` and `scenarios show --format json` commands."""

from __future__ import annotations

import json
import math

import pytest

from cashless.cli import main
from cashless.cli.compare import COMPARE_LABELS
from cashless.errors import UsageError
from cashless.sim import preset, run, with_overrides
from cashless.sim.compare import compare
from cashless.sim.replicate import run_until
from cashless.sim.results import COMPARE_METRICS
from cashless.sim.stats import poisson_interval

TINY = {"market.stalls_scale": 0.05}


def test_compare_pairs_replications_and_narrows_the_interval() -> None:
    base = with_overrides(preset("dien-bien"), TINY)
    faster = with_overrides(base, {"payments.static_qr_time_mean": 12.0})
    c = compare(base, faster, replications=4, seed=2)
    row = c.table.loc["static_qr.payment_time_s"]
    assert row["ci_high"] < 0, "faster static QR pays faster, and the interval says so"
    # the same seeds on both sides: the paired interval is narrower than the separate ones
    wait = c.table.loc["all.wait_mean_s"]
    separate = c.baseline.summary.loc["all.wait_mean_s"]
    assert wait["ci_high"] - wait["ci_low"] < separate["ci_high"] - separate["ci_low"]
    same = compare(base, base, replications=3, seed=2).table
    assert (same["difference"].fillna(0) == 0).all()


def test_compare_rejects_unknown_metrics() -> None:
    with pytest.raises(UsageError, match="unknown metric"):
        compare("cash-only", "qr-first", metrics=["all.nope"], replications=1)


def test_labels_cover_the_compare_metrics() -> None:
    assert tuple(COMPARE_LABELS) == COMPARE_METRICS


def test_cli_compare_prints_paired_differences(capsys) -> None:
    code = main(
        [
            "compare",
            "cash-only",
            "qr-first",
            "--set",
            "market.stalls_scale=0.03",
            "--replications",
            "3",
            "--seed",
            "1",
            "--no-progress",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "B - A" in out and "95 % CI" in out
    line = next(x for x in out.splitlines() if x.startswith("mean wait (s)"))
    assert line.count("[") == 1 and line.rstrip().endswith("]")


def test_cli_scenarios_show_json_lists_every_parameter(capsys) -> None:
    assert main(["scenarios", "show", "dien-bien", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    params = doc["parameters"]
    numeric = [p for p in params if not isinstance(p["value"], (str, bool))]
    assert len(numeric) > 150
    for p in numeric:
        assert p["sweep"] is not None, p["key"]
        assert p["evidence"] in ("measured", "analogue", "assumption"), p["key"]
        assert p["unit"] and p["source"], p["key"]


def test_run_until_stops_at_the_target_half_width() -> None:
    sc = with_overrides(preset("dien-bien"), TINY)
    loose = run_until(sc, "all.wait_mean_s", 1e9, seed=3, min_replications=3)
    assert len(loose.replications) == 3
    tight = run_until(
        sc, "all.wait_mean_s", 1e-9, seed=3, min_replications=3, max_replications=7, batch=2
    )
    assert len(tight.replications) == 7
    # replication i is the same day in both: a longer run extends a shorter one
    assert tight.replications["all.wait_mean_s"][:3].tolist() == pytest.approx(
        loose.replications["all.wait_mean_s"].tolist()
    )
    with pytest.raises(UsageError):
        run_until(sc, "all.nope", 1.0)


def test_rare_events_have_poisson_intervals_not_zero_plus_minus_zero() -> None:
    r = run(with_overrides(preset("dien-bien"), TINY), replications=3, seed=1)
    table = r.rare_events()
    unseen = table[table["events"] == 0]
    assert len(unseen) > 0
    assert unseen["ci_high"].tolist() == pytest.approx([poisson_interval(0, 3.0)[1]] * len(unseen))
    assert (unseen["ci_high"] > 0).all() and not unseen["detectable"].any()
    seen = table[table["events"] > 0]
    assert (seen["ci_low"] < seen["per_day"]).all() and (seen["per_day"] < seen["ci_high"]).all()


@pytest.mark.parametrize("count", [0, 1, 4, 30])
def test_poisson_interval_covers_at_nominal_rate(count: int) -> None:
    low, high = poisson_interval(count)

    # exact interval: P(X >= count | low) = P(X <= count | high) = 2.5 %
    def cdf(k: int, mu: float) -> float:
        return sum(math.exp(-mu) * mu**j / math.factorial(j) for j in range(k + 1))

    assert cdf(count, high) == pytest.approx(0.025, abs=1e-6)
    if count:
        assert 1 - cdf(count - 1, low) == pytest.approx(0.025, abs=1e-6)
