"""Paired comparisons of two scenarios under common random numbers: the causal answers.

Replication ``i`` of both scenarios runs on child ``i`` of ``SeedSequence(seed)``, and
every draw sits in a named slot (:mod:`cashless.sim.draws`), so the two days differ only
by what the scenarios change. The effect of the change is the mean of the paired
differences ``alternative[i] - baseline[i]`` with its 95 % t-interval
(:func:`cashless.sim.stats.paired_difference`), far narrower than two separate intervals.

>>> from cashless.sim.scenario import preset, with_overrides
>>> tiny = {"market.stalls_scale": 0.02}
>>> c = compare(with_overrides(preset("cash-only"), tiny),
...             with_overrides(preset("qr-first"), tiny), replications=2, seed=1)
>>> list(c.table.columns)
['baseline', 'alternative', 'difference', 'ci_low', 'ci_high', 'n']
>>> int(c.table.loc["all.transactions", "n"])
2
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cashless.errors import UsageError, require_extra

require_extra("sim", "numpy", "simpy", "pandas")

import pandas as pd  # noqa: E402

from cashless.sim.params import Scenario  # noqa: E402
from cashless.sim.replicate import RunResult, run  # noqa: E402
from cashless.sim.results import COMPARE_METRICS, METRIC_NAMES  # noqa: E402
from cashless.sim.scenario import load_scenario, with_overrides  # noqa: E402
from cashless.sim.stats import paired_difference  # noqa: E402

__all__ = ["Comparison", "compare"]


@dataclass(frozen=True)
class Comparison:
    """Two scenarios run on the same seeds, and their paired differences.

    ``table`` is indexed by metric with columns ``baseline`` and ``alternative`` (means),
    ``difference`` (mean of alternative - baseline over paired replications), its 95 %
    interval ``ci_low``/``ci_high`` and ``n`` (pairs where both sides are defined).
    """

    baseline: RunResult
    alternative: RunResult
    table: pd.DataFrame


def compare(
    baseline: Scenario | str | os.PathLike[str],
    alternative: Scenario | str | os.PathLike[str],
    *,
    overrides: Mapping[str, Any] | None = None,
    replications: int = 10,
    seed: int = 0,
    workers: int = 1,
    metrics: Sequence[str] = COMPARE_METRICS,
    progress: bool = False,
) -> Comparison:
    """Run both scenarios on the same seeds and report paired differences with 95 % CIs.

    ``overrides`` (dotted keys) apply to both sides. ``metrics`` are names of
    :data:`~cashless.sim.results.METRIC_NAMES` (default
    :data:`~cashless.sim.results.COMPARE_METRICS`). Raises
    :class:`~cashless.errors.ScenarioError` for a bad scenario or key and
    :class:`~cashless.errors.UsageError` for an unknown metric or a bad count.
    """
    unknown = [m for m in metrics if m not in METRIC_NAMES]
    if unknown:
        raise UsageError(f"unknown metric {unknown[0]!r}", field="metrics")
    sides = []
    for spec in (baseline, alternative):
        sc = load_scenario(spec)
        sides.append(with_overrides(sc, overrides) if overrides else sc)
    a, b = (
        run(sc, replications=replications, seed=seed, workers=workers, progress=progress)
        for sc in sides
    )
    rows = []
    for m in metrics:
        d = paired_difference(a.replications[m], b.replications[m])
        rows.append(
            {
                "metric": m,
                "baseline": float(a.replications[m].mean()),
                "alternative": float(b.replications[m].mean()),
                "difference": d.mean,
                "ci_low": d.ci_low,
                "ci_high": d.ci_high,
                "n": d.n,
            }
        )
    return Comparison(a, b, pd.DataFrame(rows).set_index("metric"))
