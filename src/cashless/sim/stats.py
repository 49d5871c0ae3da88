"""95 % Student t-intervals of replication means, and of paired differences.

The only copy in cashless: :func:`cashless.sim.results.summarize`, the sweep summaries
and :func:`cashless.policy.sweeps.difference` all read their intervals from here.
Standard library only (the inputs are short: one value per replication).

>>> round(t_quantile_975(4), 4), round(t_quantile_975(120), 4)
(2.7764, 1.9799)
>>> mean_interval([2.0, 4.0, 9.0]).n
3
>>> d = paired_difference([10.0, 12.0, 11.0], [12.0, 15.0, 13.0])
>>> round(d.mean, 3), round(d.ci_low, 3), round(d.ci_high, 3)
(2.333, 0.899, 3.768)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

from cashless.errors import UsageError

__all__ = [
    "SUMMARY_COLUMNS",
    "Interval",
    "half_width",
    "mean_interval",
    "paired_difference",
    "t_quantile_975",
]

# Two-sided 95 % Student t quantiles, dof 1..30 (exact to 4 decimals).
_T975 = (
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
    2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
    2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
)  # fmt: skip
_Z975 = 1.959963984540054


class Interval(NamedTuple):
    """Mean, sample sd, count and 95 % t-interval of some values (NaN where undefined)."""

    mean: float
    sd: float
    n: int
    ci_low: float
    ci_high: float


# Columns of every summary table, in order (RunResult.summary, SweepResult.summary).
SUMMARY_COLUMNS: tuple[str, ...] = Interval._fields


def t_quantile_975(dof: int) -> float:
    """The 0.975 quantile of Student's t with ``dof`` degrees of freedom (NaN below 1).

    >>> t_quantile_975(1), round(t_quantile_975(10**6), 3)
    (12.7062, 1.96)
    """
    if dof < 1:
        return math.nan
    if dof <= 30:
        return _T975[dof - 1]
    z, v = _Z975, float(dof)  # Cornish-Fisher expansion, error < 1e-5 beyond 30 dof
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
    )


def half_width(sd: float, n: int) -> float:
    """Half-width of the 95 % t-interval of a mean of ``n`` values with sample sd ``sd``.

    NaN with fewer than two values.

    >>> round(half_width(1.0, 5), 4), half_width(1.0, 1)
    (1.2416, nan)
    """
    if n < 2:
        return math.nan
    return t_quantile_975(n - 1) * sd / math.sqrt(n)


def mean_interval(values: Iterable[float]) -> Interval:
    """Mean and 95 % t-interval of ``values``; NaN values are left out of ``n``.

    >>> mean_interval([1.0, float("nan"), 3.0])[:3]
    (2.0, 1.4142135623730951, 2)
    """
    xs = [float(x) for x in values]
    xs = [x for x in xs if x == x]
    n = len(xs)
    if n == 0:
        return Interval(math.nan, math.nan, 0, math.nan, math.nan)
    mean = math.fsum(xs) / n
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1)) if n > 1 else math.nan
    half = half_width(sd, n)
    return Interval(mean, sd, n, mean - half, mean + half)


def paired_difference(base: Iterable[float], other: Iterable[float]) -> Interval:
    """Mean of ``other[i] - base[i]`` over paired replications, with its 95 % t-interval.

    Replication ``i`` of both sides must share its seed (common random numbers), so
    the interval is much narrower than comparing two separate intervals. Pairs with a
    NaN on either side are left out. Raises :class:`~cashless.errors.UsageError` when
    the two sides differ in length.
    """
    a, b = list(base), list(other)
    if len(a) != len(b):
        raise UsageError(f"needs paired values, got {len(a)} and {len(b)}")
    return mean_interval(float(y) - float(x) for x, y in zip(a, b, strict=True))
