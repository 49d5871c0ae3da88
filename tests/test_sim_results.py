"""Summaries, t quantiles, kept days and the progress bar."""

from __future__ import annotations

import pandas as pd
import pytest

from cashless.sim import preset, run, with_overrides
from cashless.sim.results import summarize
from cashless.sim.stats import t_quantile_975


@pytest.mark.parametrize(
    "dof, value",
    [
        (1, 12.7062),
        (9, 2.2622),
        (30, 2.0423),
        (31, 2.0395),
        (40, 2.0211),
        (120, 1.9799),
        (100_000, 1.9600),
    ],
)
def test_t_quantiles(dof, value):
    assert t_quantile_975(dof) == pytest.approx(value, abs=1e-4)


def test_summarize_overall_and_by_group():
    df = pd.DataFrame({"scenario": ["a", "a", "b", "b", "b"], "x": [1.0, 2, 3, 4, 5]})
    s = summarize(df.drop(columns="scenario")).loc["x"]
    assert (s["mean"], s["n"]) == (3.0, 5.0)
    half = 2.7764 * s["sd"] / 5**0.5
    assert (s["ci_low"], s["ci_high"]) == pytest.approx((3.0 - half, 3.0 + half), abs=1e-3)
    by = summarize(df, by="scenario")
    assert by.loc[("b", "x"), "mean"] == 4.0
    assert by.loc[("a", "x"), "n"] == 2.0


def test_keep_days_and_progress_bar(capsys):
    sc = with_overrides(preset("dien-bien"), {"market.stalls_scale": 0.03})
    r = run(sc, replications=2, seed=5, keep_days=True, progress=True)
    assert len(r.days) == 2
    assert r.days[1].metrics == pytest.approx(r.replications.iloc[1, 1:].to_dict(), nan_ok=True)
    assert capsys.readouterr().out == ""  # the bar goes to stderr, nothing to stdout
    assert run(sc, replications=1).days is None
