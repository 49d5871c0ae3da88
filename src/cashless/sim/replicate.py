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

import dataclasses
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
    CAUSES,
    HEADLINE_METRICS,
    METRIC_NAMES,
    DayResult,
    build_day_result,
    summarize,
)
from cashless.sim.scenario import load_scenario  # noqa: E402
from cashless.sim.stats import half_width, poisson_interval  # noqa: E402
from cashless.sim.swaps import SwapChain, carried_swap_share, morning_find_prob  # noqa: E402

__all__ = [
    "RunResult",
    "check_replications",
    "check_seed",
    "replication_seeds",
    "run",
    "run_until",
    "simulate_day",
    "simulate_swap_chain",
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
        ``cash``, ``cash_ci``, ``qr``, ``qr_ci``, ``all``, ``all_ci``. The cash and QR
        columns of queue and volume rows are descriptive
        (:data:`~cashless.sim.results.DESCRIPTIVE_METRICS`): they say where each method is
        used, not what it causes; :func:`cashless.sim.compare.compare` answers that.
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

    def rare_events(self) -> pd.DataFrame:
        """Settlement-error events per day by cause with exact Poisson 95 % intervals.

        One row per cause: ``events`` (over all replications), ``days``, ``per_day`` and
        its interval ``ci_low``/``ci_high`` (:func:`~cashless.sim.stats.poisson_interval`).
        A cause never seen reads 0 with an upper end of 3.689 / days: rates below it
        cannot be told from zero with this many days (``detectable`` is False), so the
        table never shows a bare ``0 ± 0``.
        """
        days = len(self.replications)
        rows = []
        for cause in CAUSES:
            count = int(self.replications[f"all.events.{cause}"].sum())
            low, high = poisson_interval(count, float(days))
            rows.append(
                {
                    "cause": cause,
                    "events": count,
                    "days": days,
                    "per_day": count / days,
                    "ci_low": low,
                    "ci_high": high,
                    "detectable": count > 0,
                }
            )
        return pd.DataFrame(rows).set_index("cause")


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


def run_until(
    scenario: Scenario | str | os.PathLike[str],
    metric: str,
    target_half_width: float,
    *,
    seed: int | np.random.SeedSequence = 0,
    min_replications: int = 5,
    max_replications: int = 200,
    batch: int = 5,
    workers: int = 1,
) -> RunResult:
    """Replicate until the 95 % half-width of ``metric``'s mean is <= ``target_half_width``.

    Starts with ``min_replications`` days and adds ``batch`` at a time (replication ``i``
    always runs on child ``i`` of ``seed``, so a longer run extends a shorter one) up to
    ``max_replications``; the result says how many it took
    (``len(result.replications)``). Raises :class:`~cashless.errors.UsageError` for an
    unknown metric or a target that is not positive.
    """
    if metric not in METRIC_NAMES:
        raise UsageError(f"unknown metric {metric!r}", field="metric")
    if not (isinstance(target_half_width, (int, float)) and target_half_width > 0):
        raise UsageError(f"must be > 0, got {target_half_width!r}", field="target_half_width")
    check_replications(min_replications)
    check_replications(max_replications)
    check_replications(batch)
    scenario = load_scenario(scenario)
    check_seed(seed)
    seeds = replication_seeds(seed, max_replications)
    rows: list[dict[str, float]] = []
    n = min(min_replications, max_replications)
    while True:
        new = run_tasks(
            _replicate, [(scenario, s, False) for s in seeds[len(rows) : n]], workers=workers
        )
        rows += [metrics for metrics, _ in new]
        values = [r[metric] for r in rows if r[metric] == r[metric]]
        sd = float(np.std(values, ddof=1)) if len(values) > 1 else math.nan
        if half_width(sd, len(values)) <= target_half_width or n >= max_replications:
            break
        n = min(n + batch, max_replications)
    reps = pd.DataFrame(rows, columns=list(METRIC_NAMES))
    reps.insert(0, "replication", range(len(rows)))
    return RunResult(scenario, reps, summarize(reps.drop(columns="replication")))


def simulate_swap_chain(
    scenario: Scenario | str | os.PathLike[str], days: int, seed: int = 0
) -> SwapChain:
    """Run one market (the stalls of day 0) over ``days`` consecutive days.

    A sticker still swapped at a day's end stays into the next morning unless the morning
    check finds it (:func:`cashless.sim.swaps.morning_find_prob`); the result holds the
    share of static stalls opening swapped each day and the steady state predicted for
    the same stalls by :func:`cashless.sim.swaps.carried_swap_share`.
    """
    sc = load_scenario(scenario)
    check_replications(days)
    check_seed(seed)
    seeds = replication_seeds(seed, days + 1)
    first = draw_day(sc, seeds[0])
    morning = np.random.Generator(np.random.PCG64(seeds[days]))
    p = morning_find_prob(sc)
    carried: list[bool] = [False] * len(first.stall_u)
    shares: list[float] = []
    predicted = math.nan
    for d in range(days):
        draws = dataclasses.replace(draw_day(sc, seeds[d]), stall_u=first.stall_u)
        day = Day(sc, draws, carried=carried)
        st = day.stalls
        static = [s for s, k in enumerate(st.kind) if k == "static_qr"]
        if d == 0:
            predicted = float(
                np.mean(
                    [carried_swap_share(sc, st.category[s], speaker=st.speaker[s]) for s in static]
                )
            )
        shares.append(float(np.mean([carried[s] for s in static])) if static else math.nan)
        rec = day.run()
        found = morning.random(len(carried)) < p
        carried = [
            t <= rec.end and not fixed and not f
            for t, fixed, f in zip(st.swap_time, rec.ledger.swap_fixed, found, strict=True)
        ]
    return SwapChain(tuple(shares), predicted)
