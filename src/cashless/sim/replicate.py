"""Replications: one day per child seed, in this process or on the task runner's workers.

Replication ``i`` always runs on child ``i`` of ``SeedSequence(seed)``, so results do not
depend on the number of workers.

>>> from cashless.sim.scenario import preset, with_overrides
>>> tiny = with_overrides(preset("dien-bien"), {"market.stalls_scale": 0.02})
>>> day = simulate_day(tiny, 3)
>>> int(day.metrics["all.transactions"]) == int(day.transactions["outcome"].isin(
...     ["paid", "unpaid", "fake_screenshot"]).sum())
True
>>> r = run(tiny, replications=2, seed=1)
>>> int(r.summary.loc["all.transactions", "n"])
2
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from cashless.errors import UsageError, require_extra

require_extra("sim", "numpy", "simpy", "pandas")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from cashless.sim.draws import draw_day, fresh_seed  # noqa: E402
from cashless.sim.model import Day  # noqa: E402
from cashless.sim.parallel import run_tasks  # noqa: E402
from cashless.sim.params import Scenario  # noqa: E402
from cashless.sim.results import (  # noqa: E402
    HEADLINE_METRICS,
    METRIC_NAMES,
    DayResult,
    build_day_result,
    summarize,
)
from cashless.sim.scenario import load_scenario  # noqa: E402

__all__ = [
    "RunResult",
    "check_replications",
    "check_seed",
    "replication_seeds",
    "run",
    "simulate_day",
]


def replication_seeds(
    seed: int | np.random.SeedSequence, replications: int
) -> list[np.random.SeedSequence]:
    """Child seeds of ``seed``, one per replication (the same whatever the worker count).

    >>> [s.spawn_key for s in replication_seeds(5, 2)]
    [(0,), (1,)]
    """
    return fresh_seed(seed).spawn(replications)


def check_replications(replications: object) -> int:
    """``replications`` as an int >= 1, or :class:`~cashless.errors.UsageError`.

    >>> check_replications(0)
    Traceback (most recent call last):
    cashless.errors.UsageError: replications must be a whole number >= 1, got 0
    """
    if not isinstance(replications, int) or isinstance(replications, bool) or replications < 1:
        raise UsageError(f"must be a whole number >= 1, got {replications!r}", field="replications")
    return replications


def check_seed(seed: object) -> None:
    """Raise :class:`~cashless.errors.UsageError` unless ``seed`` is an int >= 0 or a SeedSequence.

    >>> check_seed(-1)
    Traceback (most recent call last):
    cashless.errors.UsageError: seed must be an integer >= 0 or a SeedSequence, got -1
    """
    if isinstance(seed, np.random.SeedSequence):
        return
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise UsageError(f"must be an integer >= 0 or a SeedSequence, got {seed!r}", field="seed")


def simulate_day(scenario: Scenario, seed: int | np.random.SeedSequence) -> DayResult:
    """Simulate one market day of ``scenario`` with ``seed``; a top-level, picklable call."""
    if not isinstance(scenario, Scenario):
        raise UsageError(f"must be a Scenario, got {type(scenario).__name__}", field="scenario")
    check_seed(seed)
    day = Day(scenario, draw_day(scenario, seed))
    return build_day_result(day.run())


def _replicate(
    scenario: Scenario, seed: np.random.SeedSequence, keep: bool
) -> tuple[dict[str, float], DayResult | None]:
    day = simulate_day(scenario, seed)
    return day.metrics, (day if keep else None)


@dataclass(frozen=True)
class RunResult:
    """Replications of one scenario.

    ``replications`` has one row per replication (column ``replication`` plus one column
    per metric of :data:`~cashless.sim.results.METRIC_NAMES`); ``summary`` is indexed by
    metric with columns mean, sd, n, ci_low, ci_high; ``days`` holds each
    :class:`~cashless.sim.results.DayResult` when kept.
    """

    scenario: Scenario
    replications: pd.DataFrame
    summary: pd.DataFrame
    days: tuple[DayResult, ...] | None = None

    def comparison(self) -> pd.DataFrame:
        """Cash versus QR (and all): mean and 95 % CI half-width of each headline metric.

        One row per name of :data:`~cashless.sim.results.HEADLINE_METRICS`; columns
        ``cash``, ``cash_ci``, ``qr``, ``qr_ci``, ``all``, ``all_ci``.
        """
        rows = []
        for metric in HEADLINE_METRICS:
            row: dict[str, Any] = {"metric": metric}
            for group in ("cash", "qr", "all"):
                s = self.summary.loc[f"{group}.{metric}"]
                row[group] = s["mean"]
                row[f"{group}_ci"] = (s["ci_high"] - s["mean"]) if s["n"] > 1 else math.nan
            rows.append(row)
        return pd.DataFrame(rows).set_index("metric")


def run(
    scenario: Scenario | str | os.PathLike[str],
    replications: int = 10,
    seed: int | np.random.SeedSequence = 0,
    workers: int = 1,
    progress: bool = False,
    keep_days: bool = False,
) -> RunResult:
    """Simulate ``replications`` days and summarise them with 95 % confidence intervals.

    ``scenario`` is a :class:`Scenario`, a preset name or a ``.toml`` file (see
    :func:`~cashless.sim.scenario.load_scenario`). ``workers=1`` runs in this process;
    more use local worker processes (:func:`~cashless.sim.parallel.run_tasks`); the
    results are the same. ``progress`` shows a bar on a terminal or in a notebook.
    Raises :class:`~cashless.errors.ScenarioError` for a bad scenario and
    :class:`~cashless.errors.UsageError` for a bad count.
    """
    scenario = load_scenario(scenario)
    check_replications(replications)
    check_seed(seed)
    seeds = replication_seeds(seed, replications)
    outputs = run_tasks(
        _replicate,
        [(scenario, s, keep_days) for s in seeds],
        workers=workers,
        progress=progress,
    )
    reps = pd.DataFrame([metrics for metrics, _ in outputs], columns=list(METRIC_NAMES))
    reps.insert(0, "replication", range(replications))
    summary = summarize(reps.drop(columns="replication"))
    days = tuple(day for _, day in outputs if day is not None) if keep_days else None
    return RunResult(scenario, reps, summary, days)
