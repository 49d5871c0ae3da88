"""Replications: one day per child seed, in-process or in a process pool.

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
import multiprocessing
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cashless.sim.draws import draw_day, fresh_seed
from cashless.sim.model import Day
from cashless.sim.params import Scenario
from cashless.sim.results import METRIC_NAMES, DayResult, build_day_result, summarize

__all__ = ["COMPARISON_ROWS", "RunResult", "replication_seeds", "run", "simulate_day"]

COMPARISON_ROWS = ("transactions", "throughput_per_hour", "peak_stall_throughput_per_hour",
                   "wait_mean_s", "wait_p95_s", "service_mean_s", "lost_sales",
                   "errors_per_1000", "loss_per_million_vnd", "reconciliation_gap_vnd")


def replication_seeds(seed: int | np.random.SeedSequence,
                      replications: int) -> list[np.random.SeedSequence]:
    """Child seeds of ``seed``, one per replication (the same whatever the worker count).

    >>> [s.spawn_key for s in replication_seeds(5, 2)]
    [(0,), (1,)]
    """
    return fresh_seed(seed).spawn(replications)


def simulate_day(scenario: Scenario, seed: int | np.random.SeedSequence) -> DayResult:
    """Simulate one market day of ``scenario`` with ``seed``; a top-level, picklable call."""
    day = Day(scenario, draw_day(scenario, seed))
    return build_day_result(day.run())


def _one(args: tuple[Scenario, np.random.SeedSequence, bool]) -> tuple[dict, DayResult | None]:
    scenario, seed, keep = args
    res = simulate_day(scenario, seed)
    return res.metrics, (res if keep else None)


@dataclass(frozen=True)
class RunResult:
    """Replications of one scenario.

    ``replications`` has one row per replication (column ``replication`` plus one column
    per metric of :data:`METRIC_NAMES`); ``summary`` is indexed by metric with columns
    mean, sd, n, ci_low, ci_high; ``days`` holds each :class:`DayResult` when kept.
    """

    scenario: Scenario
    replications: pd.DataFrame
    summary: pd.DataFrame
    days: tuple[DayResult, ...] | None = None

    def comparison(self) -> pd.DataFrame:
        """Cash versus QR (and all): mean and 95 % CI half-width of each headline metric."""
        rows = []
        for m in COMPARISON_ROWS:
            row = {"metric": m}
            for g in ("cash", "qr", "all"):
                s = self.summary.loc[f"{g}.{m}"]
                row[g] = s["mean"]
                half = (s["ci_high"] - s["mean"]) if s["n"] > 1 else math.nan
                row[f"{g}_ci"] = half
            rows.append(row)
        return pd.DataFrame(rows).set_index("metric")


def _iterate(tasks: list, workers: int) -> Iterator[tuple[dict, DayResult | None]]:
    if workers <= 1 or len(tasks) <= 1:
        yield from map(_one, tasks)
        return
    # forkserver: forking a parent that runs threads (tqdm, dask) is unsafe
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else None
    ctx = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        yield from pool.map(_one, tasks, chunksize=max(1, len(tasks) // (4 * workers)))


def run(scenario: Scenario, replications: int = 10, seed: int | np.random.SeedSequence = 0,
        workers: int = 1, progress: bool = False, keep_days: bool = False) -> RunResult:
    """Simulate ``replications`` days and summarise them with 95 % confidence intervals.

    ``workers=1`` runs in this process; more uses a process pool; the results are the same.
    ``progress`` shows a tqdm bar on stderr (the CLI turns it on only for a terminal).
    """
    if replications < 1:
        raise ValueError("replications must be >= 1")
    seeds = replication_seeds(seed, replications)
    tasks = [(scenario, s, keep_days) for s in seeds]
    it = _iterate(tasks, workers)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, total=replications, file=sys.stderr, unit="day", leave=False)
    metrics, days = [], []
    for m, d in it:
        metrics.append(m)
        days.append(d)
    reps = pd.DataFrame(metrics, columns=list(METRIC_NAMES))
    reps.insert(0, "replication", range(replications))
    summary = summarize(reps.drop(columns="replication"))
    return RunResult(scenario, reps, summary, tuple(days) if keep_days else None)
