"""The one copy of the t-interval and of the paired difference."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cashless.errors import UsageError
from cashless.sim.results import summarize
from cashless.sim.stats import (
    SUMMARY_COLUMNS,
    half_width,
    mean_interval,
    paired_difference,
    t_quantile_975,
)


def test_mean_interval_matches_a_hand_computation():
    # 2, 4, 9: mean 5, sd sqrt(13), t(0.975, 2) = 4.302653
    got = mean_interval([2.0, 4.0, 9.0])
    half = 4.302653 * math.sqrt(13) / math.sqrt(3)
    assert (got.mean, got.n) == (5.0, 3)
    assert got.sd == pytest.approx(math.sqrt(13))
    assert (got.ci_low, got.ci_high) == pytest.approx((5.0 - half, 5.0 + half), rel=1e-4)


def test_fewer_than_two_values_give_no_interval():
    one = mean_interval([3.0])
    assert (one.mean, one.n) == (3.0, 1)
    assert math.isnan(one.sd) and math.isnan(one.ci_low) and math.isnan(one.ci_high)
    none = mean_interval([float("nan")])
    assert none.n == 0 and math.isnan(none.mean)
    assert math.isnan(half_width(1.0, 1)) and math.isnan(t_quantile_975(0))


def test_paired_difference_is_the_interval_of_the_differences():
    base = [10.0, 12.0, 11.0, 13.0, float("nan")]
    other = [12.0, 15.0, 13.0, 14.0, 1.0]
    got = paired_difference(base, other)
    # differences 2, 3, 2, 1 (the pair with a NaN is left out): mean 2, sd sqrt(2/3)
    assert (got.mean, got.n) == (2.0, 4)
    half = 3.182446 * math.sqrt(2 / 3) / 2
    assert (got.ci_low, got.ci_high) == pytest.approx((2.0 - half, 2.0 + half), rel=1e-4)
    # Pairing removes the spread the two sides share: much narrower than either side.
    assert got.ci_high - got.ci_low < mean_interval(base).ci_high - mean_interval(base).ci_low


def test_paired_difference_needs_pairs():
    with pytest.raises(UsageError, match="needs paired values, got 2 and 3"):
        paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])


def test_summarize_reads_its_interval_from_stats():
    frame = pd.DataFrame({"x": [1.0, 4.0, 2.0, 8.0], "y": [0.5, float("nan"), 0.7, 0.9]})
    summary = summarize(frame)
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    for column in ("x", "y"):
        expected = mean_interval(frame[column])
        assert summary.loc[column].tolist() == pytest.approx(list(expected), nan_ok=True)
