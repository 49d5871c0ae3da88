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
from collections.abc import Callable, Iterable
from typing import NamedTuple

from cashless.errors import UsageError

__all__ = [
    "SUMMARY_COLUMNS",
    "Interval",
    "half_width",
    "mean_interval",
    "paired_difference",
    "poisson_interval",
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


def _poisson_cdf(k: int, mu: float) -> float:
    """P(X <= k) for X ~ Poisson(mu), summed in log space (k up to a few thousand)."""
    if mu <= 0:
        return 1.0
    log_term = -mu
    total = math.exp(log_term)
    for j in range(1, k + 1):
        log_term += math.log(mu) - math.log(j)
        total += math.exp(log_term)
    return min(1.0, total)


def _solve(f: Callable[[float], float], target: float, lo: float, hi: float) -> float:
    """Bisection for a decreasing function ``f`` on [lo, hi]."""
    for _ in range(200):
        mid = (lo + hi) / 2
        if f(mid) > target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def poisson_interval(count: int, exposure: float = 1.0) -> tuple[float, float]:
    """Exact (Garwood) 95 % interval of a Poisson rate: ``count`` events in ``exposure``.

    With no events the lower end is 0 and the upper end, 3.689 / exposure, is the
    smallest rate these observations could have told from zero: the detection bound.

    >>> low, high = poisson_interval(0, 10.0)
    >>> low, round(high, 4)
    (0.0, 0.3689)
    >>> [round(x, 3) for x in poisson_interval(5)]
    [1.623, 11.668]
    """
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise UsageError(f"must be a whole number >= 0, got {count!r}", field="count")
    if not exposure > 0:
        raise UsageError(f"must be > 0, got {exposure!r}", field="exposure")
    top = count + 10.0 * math.sqrt(count + 1.0) + 20.0
    # upper: P(X <= count; mu) = 0.025; lower: P(X >= count; mu) = 0.025
    upper = _solve(lambda mu: _poisson_cdf(count, mu), 0.025, 0.0, top)
    lower = 0.0 if count == 0 else _solve(lambda mu: _poisson_cdf(count - 1, mu), 0.975, 0.0, top)
    return lower / exposure, upper / exposure
