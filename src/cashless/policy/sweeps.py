"""Parameter sweeps: one scenario, many settings, many replications.

:func:`sweep` runs the market day of :mod:`cashless.sim` at every point of a grid of
dotted scenario keys (``"payments.qr_share"``), ``replications`` times each, on local
processes (``workers=``) or on a Dask cluster (``client=`` a ``dask.distributed.Client``
or a scheduler address such as ``"tcp://10.0.0.5:8786"``). The numbers depend only on
the seed, never on the backend or the number of workers.

Seeds use common random numbers: replication *i* gets the same seed at every grid
point (the seed :func:`cashless.sim.replicate.run` would give it), so differences between
points come from the settings, not from luck, and a sweep point reproduces
``run(with_overrides(scenario, point), replications, seed)`` exactly.

>>> for point in grid_points({"payments.qr_share": [0.0, 0.5], "payments.speaker_share": [1.0]}):
...     print(point)
{'payments.qr_share': 0.0, 'payments.speaker_share': 1.0}
{'payments.qr_share': 0.5, 'payments.speaker_share': 1.0}
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cashless.errors import ScenarioError, UsageError
from cashless.sim.parallel import check_workers, run_tasks
from cashless.sim.replicate import (
    check_replications,
    check_seed,
    replication_seeds,
    simulate_day,
)
from cashless.sim.results import CAUSES, HANDED_OVER, DayResult
from cashless.sim.scenario import load_scenario, parameter_table, with_overrides
from cashless.sim.stats import SUMMARY_COLUMNS, half_width, paired_difference

if TYPE_CHECKING:
    import pandas as pd
    from numpy.random import SeedSequence

    from cashless.sim.scenario import Scenario

__all__ = [
    "SweepResult",
    "day_metrics",
    "difference",
    "grid_points",
    "method_losses",
    "sensitivity",
    "summarize_long",
    "sweep",
]


@dataclass(frozen=True)
class SweepResult:
    """What :func:`sweep` returns.

    ``replications``: one row per grid point and replication; columns ``point``, one
    column per swept key, ``replication``, then one column per metric.
    ``summary``: one row per grid point and metric; columns ``point``, the swept keys,
    ``metric``, ``mean``, ``sd``, ``n``, ``ci_low``, ``ci_high`` (95 % t-interval).
    ``keys``: the swept dotted keys; ``points``: the settings of each point.
    """

    replications: pd.DataFrame
    summary: pd.DataFrame
    keys: tuple[str, ...]
    points: tuple[dict[str, Any], ...]

    def metric(self, name: str) -> pd.DataFrame:
        """Summary rows of one metric, one per grid point (UsageError if unknown)."""
        rows = self.summary[self.summary["metric"] == name]
        if rows.empty:
            raise UsageError(f"no metric {name!r} in this sweep")
        return rows.reset_index(drop=True)


def grid_points(
    grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Expand a grid into a list of override dicts.

    A mapping ``{key: values}`` gives the Cartesian product (first key slowest); a
    sequence of mappings is taken as the explicit list of points.
    """
    if isinstance(grid, Mapping):
        keys = list(grid)
        values = []
        for key in keys:
            options = grid[key]
            if isinstance(options, (str, bytes)) or not isinstance(options, Sequence):
                raise ScenarioError("must be given a list of settings in the grid", field=key)
            if len(options) == 0:
                raise ScenarioError("has no values in the grid", field=key)
            values.append(list(options))
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]
    if isinstance(grid, (str, bytes)) or not isinstance(grid, Sequence):
        raise UsageError(
            f"must map keys to lists of values, or list points; got {type(grid).__name__}",
            field="grid",
        )
    if not all(isinstance(point, Mapping) for point in grid):
        raise UsageError("points must be mappings of dotted keys to values", field="grid")
    points = [dict(point) for point in grid]
    if not points:
        raise UsageError("has no points", field="grid")
    return points


def sweep(
    scenario: Scenario | str | os.PathLike[str],
    grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]] | None = None,
    *,
    replications: int = 10,
    seed: int = 0,
    workers: int = 1,
    client: Any = None,
    progress: bool = False,
) -> SweepResult:
    """Run ``replications`` market days at every grid point and summarise them.

    ``scenario`` is a :class:`~cashless.sim.scenario.Scenario`, a preset name or a
    ``.toml`` file (see :func:`~cashless.sim.scenario.load_scenario`); ``grid`` maps
    dotted keys to lists of values (or lists explicit points, see :func:`grid_points`;
    ``None`` runs the scenario as it is). ``workers`` local
    processes run the days unless ``client`` (a ``dask.distributed.Client`` or a
    scheduler address string; needs the ``dask`` extra) is given. ``progress`` shows a
    bar on a terminal or in a notebook, never in a log file.

    Raises :class:`~cashless.errors.ScenarioError` for a bad scenario or grid key,
    :class:`~cashless.errors.UsageError` for a bad count or seed and
    :class:`~cashless.errors.ClusterError` when the scheduler cannot be reached.

    A tiny sweep (a quarter-size market, two days per point) — slow to run, so it is
    shown rather than executed::

        result = sweep("dien-bien", {"payments.qr_share": [0.0, 0.9],
                                     "market.stalls_scale": [0.25]}, replications=2)
        result.metric("all.wait_mean_s")[["payments.qr_share", "mean", "ci_low", "ci_high"]]
    """
    import pandas as pd

    scenario = load_scenario(scenario)
    check_replications(replications)
    check_seed(seed)
    if client is None:
        check_workers(workers)
    points = grid_points({} if grid is None else grid)
    keys = tuple(dict.fromkeys(key for point in points for key in point))
    # Build (and so validate) every scenario before any work starts.
    scenarios = [with_overrides(scenario, point) if point else scenario for point in points]
    seeds = replication_seeds(seed, replications)
    tasks = [(p, i) for p in range(len(points)) for i in range(replications)]
    args = [(scenarios[p], seeds[i]) for p, i in tasks]

    outputs = run_tasks(day_metrics, args, workers=workers, client=client, progress=progress)

    rows = []
    for (p, i), metrics in zip(tasks, outputs, strict=True):
        row: dict[str, Any] = {"point": p}
        row.update({key: points[p].get(key) for key in keys})
        row["replication"] = i
        row.update(metrics)
        rows.append(row)
    frame = pd.DataFrame(rows)
    metric_names = [c for c in frame.columns if c not in {"point", "replication", *keys}]
    summary = summarize_long(frame, ["point", *keys], metric_names)
    return SweepResult(frame, summary, keys, tuple(points))


def day_metrics(scenario: Scenario, seed: SeedSequence | int) -> dict[str, float]:
    """Simulate one market day and return its flat metrics (the unit of work of a sweep).

    Adds ``cash.loss_per_million_vnd.<cause>`` and ``qr.loss_per_million_vnd.<cause>``
    (see :func:`method_losses`) when the simulator does not report them itself.
    """
    day = simulate_day(scenario, seed)
    metrics = dict(day.metrics)
    for key, value in method_losses(day).items():
        metrics.setdefault(key, value)
    return metrics


def method_losses(day: DayResult) -> dict[str, float]:
    """Losses by cause per million VND of each method's own sales, cash and QR.

    ``day`` is a :class:`cashless.sim.results.DayResult`. A cause's loss is the sum of
    its events' amounts paid with that method (static and dynamic QR count as QR),
    over the prices of that method's goods handed over — the definitions behind the
    simulator's ``cash.loss_per_million_vnd`` and ``qr.loss_per_million_vnd``, so the
    causes of a method add up to its total.
    """
    tx, ev = day.transactions, day.events
    done = tx[tx["outcome"].isin(HANDED_OVER)]
    out: dict[str, float] = {}
    for group, is_group in (("cash", lambda m: m == "cash"), ("qr", lambda m: m != "cash")):
        sales = float(done.loc[is_group(done["method"]), "price"].sum())
        amounts = ev.loc[is_group(ev["method"])].groupby("event")["amount"].sum()
        for cause in CAUSES:
            loss = float(amounts.get(cause, 0))
            out[f"{group}.loss_per_million_vnd.{cause}"] = 1e6 * loss / sales if sales else math.nan
    return out


def summarize_long(frame: pd.DataFrame, by: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """Mean, sd, n and 95 % t confidence interval of each metric per group, one row each.

    Missing values (a metric undefined on a day, e.g. QR waits with no QR sales) are
    left out of ``n``. With fewer than two values the sd and interval are NaN.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"point": [0, 0, 0], "wait": [1.0, 2.0, 3.0]})
    >>> row = summarize_long(df, ["point"], ["wait"]).iloc[0]
    >>> float(round(row["ci_low"], 2)), float(round(row["ci_high"], 2))
    (-0.48, 4.48)
    """
    import pandas as pd

    by = list(by)
    long = frame[[*by, *metrics]].melt(id_vars=by, value_vars=list(metrics), var_name="metric")
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype(float)
    # Group on the integer-like ids only (grid values may be tuples); keep the rest.
    group_cols = [c for c in by if c == "point"] or by
    stats = (
        long.groupby([*group_cols, "metric"], sort=False)["value"]
        .agg(["mean", "std", "count"])
        .rename(columns={"std": "sd", "count": "n"})
        .reset_index()
    )
    if len(group_cols) < len(by):
        labels = frame[by].drop_duplicates(subset=group_cols)
        stats = labels.merge(stats, on=group_cols, how="right")
    stats["n"] = stats["n"].astype(int)
    half = pd.Series(
        [half_width(sd, n) for sd, n in zip(stats["sd"], stats["n"], strict=True)],
        index=stats.index,
        dtype=float,
    )
    stats["ci_low"] = stats["mean"] - half
    stats["ci_high"] = stats["mean"] + half
    order = {name: k for k, name in enumerate(metrics)}
    stats["_order"] = stats["metric"].map(order)
    stats = stats.sort_values([*group_cols, "_order"], kind="stable").drop(columns="_order")
    return stats[[*by, "metric", *SUMMARY_COLUMNS]].reset_index(drop=True)


def difference(
    result: SweepResult,
    metric: str,
    base: Mapping[str, Any] | int,
    other: Mapping[str, Any] | int,
) -> dict[str, float]:
    """Paired difference ``other - base`` of a metric, replication by replication.

    Points are chosen by index or by their settings (``{"payments.qr_share": 0.9}``).
    With common random numbers the paired interval is much narrower than comparing
    two separate intervals. Returns ``base``, ``other`` (means), ``mean``, ``sd``,
    ``n``, ``ci_low`` and ``ci_high`` of the difference (95 % t-interval).
    """
    frame = result.replications
    if metric not in frame.columns:
        raise UsageError(f"no metric {metric!r} in this sweep")
    a = frame[frame["point"] == _find_point(result, base)].set_index("replication")[metric]
    b = frame[frame["point"] == _find_point(result, other)].set_index("replication")[metric]
    b = b.reindex(a.index)
    diff = paired_difference(a.astype(float), b.astype(float))
    return {"base": float(a.mean()), "other": float(b.mean()), **diff._asdict()}


def _find_point(result: SweepResult, which: Mapping[str, Any] | int) -> int:
    if isinstance(which, int) and not isinstance(which, bool):
        if not 0 <= which < len(result.points):
            raise UsageError(f"no grid point {which}; this sweep has {len(result.points)}")
        return which
    if not isinstance(which, Mapping):
        raise UsageError(f"a grid point is an index or a mapping of settings, got {which!r}")
    found = [
        p
        for p, point in enumerate(result.points)
        if all(point.get(k, _MISSING) == v for k, v in which.items())
    ]
    if len(found) != 1:
        raise UsageError(f"{len(found)} grid points match {dict(which)!r}; need exactly one")
    return found[0]


_MISSING = object()


def sensitivity(
    scenario: Scenario | str | os.PathLike[str],
    metrics: Sequence[str],
    *,
    keys: Sequence[str] | None = None,
    replications: int = 10,
    seed: int = 0,
    workers: int = 1,
    client: Any = None,
    progress: bool = False,
) -> pd.DataFrame:
    """One-at-a-time sensitivity over the sweep ranges of the ``[A]`` assumptions.

    Each assumption (from :func:`cashless.sim.scenario.parameter_table`, or only
    ``keys``) is set to the low and the high end of its sweep range with everything
    else at the scenario's value. Returns one row per parameter and metric: columns
    ``parameter``, ``low``, ``high`` (the settings), ``metric``, ``baseline``,
    ``at_low``, ``at_high`` (means over replications) and ``swing`` =
    ``|at_high - at_low|``, sorted by metric then swing, largest first — the input of
    :func:`cashless.policy.plots.tornado`.
    """
    import pandas as pd

    scenario = load_scenario(scenario)
    table = {row["key"]: row for row in parameter_table(scenario)}
    chosen = list(keys) if keys is not None else [k for k, r in table.items() if r["assumption"]]
    ranges = []
    for key in chosen:
        row = table.get(key)
        if row is None:
            raise ScenarioError("is not a scenario parameter", field=key)
        low, high = row.get("sweep_low"), row.get("sweep_high")
        if _is_number(low) and _is_number(high) and low != high:
            ranges.append((key, low, high))
    if not ranges:
        raise UsageError("name no assumption with a numeric sweep range", field="keys")
    points: list[dict[str, Any]] = [{}]
    for key, low, high in ranges:
        points += [{key: low}, {key: high}]
    result = sweep(
        scenario,
        points,
        replications=replications,
        seed=seed,
        workers=workers,
        client=client,
        progress=progress,
    )
    means = result.summary.set_index(["point", "metric"])["mean"]
    rows = []
    for metric in metrics:
        if (0, metric) not in means.index:
            raise UsageError(f"no metric {metric!r} in the simulation results")
        for k, (key, low, high) in enumerate(ranges):
            at_low, at_high = means[(2 * k + 1, metric)], means[(2 * k + 2, metric)]
            rows.append(
                {
                    "parameter": key,
                    "low": low,
                    "high": high,
                    "metric": metric,
                    "baseline": means[(0, metric)],
                    "at_low": at_low,
                    "at_high": at_high,
                    "swing": abs(at_high - at_low),
                }
            )
    out = pd.DataFrame(rows)
    order = {m: k for k, m in enumerate(metrics)}
    out["_order"] = out["metric"].map(order)
    out = out.sort_values(["_order", "swing"], ascending=[True, False], kind="stable")
    return out.drop(columns="_order").reset_index(drop=True)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
