"""Global sensitivity of the simulator: Morris screening, Sobol indices, flip points.

- :func:`morris` screens every numeric parameter that has a sweep range (read from the
  scenario's parameter table, so new parameters join by themselves) and ranks them by
  ``mu_star``, the mean absolute elementary effect over the whole range.
- :func:`sobol` estimates first-order and total Sobol indices (Saltelli sampling) of a
  few parameters, usually the Morris leaders (:meth:`MorrisResult.leaders`).
- :func:`flip_point` finds where a paired difference (alternative − baseline, e.g.
  ``qr-first`` against ``cash-only`` on the mean wait) changes sign as one parameter
  moves across its range, or says honestly that it does not.

Every point of a design runs the same replication seeds (common random numbers), so the
differences between points come from the parameters, not from luck. Days go through
:func:`cashless.sim.parallel.run_tasks`: the numbers depend on ``seed`` only, never on
the number of workers or on a Dask cluster. Each result carries its :class:`RunCost`
(model days and CPU seconds). Needs the ``sensitivity`` extra (SALib).

The machinery runs on any :class:`Model`; :class:`Ishigami`, whose indices are known in
closed form, checks it:

>>> res = sobol(Ishigami(), ["y"], base_samples=256, replications=1, seed=1)
>>> st = res.table.set_index("parameter")["ST"]
>>> bool(abs(st["x1"] - Ishigami().indices()["ST"]["x1"]) < 0.1)
True
>>> res.cost.model_days
1280
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from cashless.errors import CashlessError, ScenarioError, UsageError, require_extra

require_extra("sensitivity", "SALib")

import numpy as np  # noqa: E402

from cashless.policy.sweeps import day_metrics  # noqa: E402
from cashless.sim.parallel import check_workers, run_tasks  # noqa: E402
from cashless.sim.replicate import (  # noqa: E402
    check_replications,
    check_seed,
    replication_seeds,
    simulate_day,
)
from cashless.sim.results import CAUSES, METRIC_NAMES  # noqa: E402
from cashless.sim.scenario import Scenario, load_scenario, parameter_table, with_overrides  # noqa: E402
from cashless.sim.stats import paired_difference  # noqa: E402

if TYPE_CHECKING:
    import pandas as pd
    from numpy.random import SeedSequence

__all__ = [
    "Factor",
    "FlipPoint",
    "Ishigami",
    "Model",
    "MorrisResult",
    "RunCost",
    "ScenarioModel",
    "SobolResult",
    "as_model",
    "factors",
    "flip_point",
    "morris",
    "sobol",
]


@dataclass(frozen=True)
class Factor:
    """One parameter moved by a design: its dotted key and the range it moves over.

    ``integer`` factors (stall servers, money) are rounded to a multiple of ``step``
    before a day runs; ``evidence`` is the parameter's evidence grade when the scenario
    tree gives one.
    """

    key: str
    low: float
    high: float
    integer: bool = False
    evidence: str = ""
    step: int = 1

    def value(self, x: float) -> float | int:
        """The setting to run at ``x`` (rounded for an integer factor).

        >>> Factor("categories.meat.servers", 1, 3, integer=True).value(2.4)
        2
        >>> Factor("baskets.exact_threshold", 5000, 50000, integer=True, step=1000).value(46667.0)
        47000
        """
        return round(x / self.step) * self.step if self.integer else float(x)


@runtime_checkable
class Model(Protocol):
    """What the designs run: named factors and a seeded evaluation.

    ``__call__(point, seed)`` returns the metrics of one replication with ``point``'s
    settings; it must depend only on its arguments (a picklable, module-level object
    when it runs on workers). ``metric_names()`` lists the metrics it can return.
    """

    def factors(self) -> list[Factor]:
        """Every factor with a range."""
        ...

    def check(self, point: Mapping[str, float]) -> None:
        """Raise a :class:`~cashless.errors.CashlessError` if ``point`` cannot run."""
        ...

    def metric_names(self) -> Sequence[str]:
        """The metrics ``__call__`` returns."""
        ...

    def __call__(self, point: Mapping[str, float], seed: SeedSequence) -> Mapping[str, float]:
        """The metrics of one replication at ``point``."""
        ...


@dataclass(frozen=True)
class ScenarioModel:
    """The market simulator as a :class:`Model`: one market day per call.

    Factors are the scenario's numeric parameters with a numeric sweep range, read from
    :func:`cashless.sim.scenario.parameter_table`; metrics those of
    :func:`cashless.policy.sweeps.day_metrics`.
    """

    scenario: Scenario
    method_losses: bool = True  # add the per-method losses by cause (costs a pandas pass)

    def factors(self) -> list[Factor]:
        """Every numeric parameter with a sweep range, in the parameter table's order."""
        out = []
        for row in parameter_table(self.scenario):
            span = _sweep_range(row)
            if span is not None and _is_number(row.get("value")):
                out.append(_factor(row, *span))
        return out

    def check(self, point: Mapping[str, float]) -> None:
        """Build the scenario at ``point`` (raises :class:`ScenarioError` if it is bad)."""
        with_overrides(self.scenario, point)

    def metric_names(self) -> Sequence[str]:
        """:data:`cashless.sim.results.METRIC_NAMES` and the per-method losses by cause."""
        by_method = [f"{g}.loss_per_million_vnd.{c}" for g in ("cash", "qr") for c in CAUSES]
        return (*METRIC_NAMES, *by_method)

    def __call__(self, point: Mapping[str, float], seed: SeedSequence) -> Mapping[str, float]:
        """One market day at ``point``'s settings."""
        scenario = with_overrides(self.scenario, point) if point else self.scenario
        if self.method_losses:
            return day_metrics(scenario, seed)
        return simulate_day(scenario, seed).metrics


@dataclass(frozen=True)
class Ishigami:
    """The Ishigami function, a standard test of sensitivity methods (no randomness).

    ``y = sin x1 + a sin² x2 + b x3⁴ sin x1`` with ``x1, x2, x3`` uniform on [-π, π];
    :meth:`indices` gives its Sobol indices in closed form.

    >>> round(Ishigami().indices()["S1"]["x1"], 4)
    0.3139
    """

    a: float = 7.0
    b: float = 0.1

    def factors(self) -> list[Factor]:
        """``x1``, ``x2``, ``x3`` on [-π, π]."""
        return [Factor(f"x{k}", -math.pi, math.pi) for k in (1, 2, 3)]

    def check(self, point: Mapping[str, float]) -> None:
        """Every key must be ``x1``, ``x2`` or ``x3``."""
        unknown = set(point) - {"x1", "x2", "x3"}
        if unknown:
            raise UsageError(f"unknown factor {sorted(unknown)[0]!r}")

    def metric_names(self) -> Sequence[str]:
        """One output, ``y``."""
        return ("y",)

    def __call__(self, point: Mapping[str, float], seed: SeedSequence) -> Mapping[str, float]:
        """``y`` at ``point`` (missing factors at 0)."""
        x1, x2, x3 = (float(point.get(k, 0.0)) for k in ("x1", "x2", "x3"))
        return {"y": math.sin(x1) + self.a * math.sin(x2) ** 2 + self.b * x3**4 * math.sin(x1)}

    def indices(self) -> dict[str, dict[str, float]]:
        """Exact ``S1`` and ``ST`` of each factor."""
        a, b, pi = self.a, self.b, math.pi
        v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
        v2 = a**2 / 8
        v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
        total = v1 + v2 + v13
        return {
            "S1": {"x1": v1 / total, "x2": v2 / total, "x3": 0.0},
            "ST": {"x1": (v1 + v13) / total, "x2": v2 / total, "x3": v13 / total},
        }


@dataclass(frozen=True)
class RunCost:
    """What a design cost: model days run, CPU seconds spent in them, wall time.

    ``cpu_seconds`` adds the CPU time of every day, measured where it ran (a worker
    process or a Dask worker), so it does not depend on the number of workers.

    >>> print(RunCost(model_days=120, points=60, replications=2, cpu_seconds=30.0,
    ...               wall_seconds=16.0))
    120 model days (60 points × 2 replications), 30.0 CPU-s (4.0 days per CPU-s), 16.0 s wall
    """

    model_days: int
    points: int
    replications: int
    cpu_seconds: float
    wall_seconds: float

    def __str__(self) -> str:
        rate = self.model_days / self.cpu_seconds if self.cpu_seconds > 0 else math.inf
        return (
            f"{self.model_days:,} model days ({self.points:,} points × {self.replications} "
            f"replications), {self.cpu_seconds:,.1f} CPU-s ({rate:,.1f} days per CPU-s), "
            f"{self.wall_seconds:,.1f} s wall"
        )

    def __add__(self, other: RunCost) -> RunCost:
        return RunCost(
            self.model_days + other.model_days,
            self.points + other.points,
            max(self.replications, other.replications),
            self.cpu_seconds + other.cpu_seconds,
            self.wall_seconds + other.wall_seconds,
        )


@dataclass(frozen=True)
class MorrisResult:
    """Morris screening: one row per metric and factor, most influential first.

    ``table`` columns: ``metric``, ``parameter``, ``low``, ``high``, ``evidence``,
    ``mu`` (mean elementary effect, signed), ``mu_star`` (mean absolute effect),
    ``mu_star_conf`` (half-width of its 95 % bootstrap interval), ``sigma`` (spread of
    the effects: interactions or non-linearity) and ``rank`` (1 = largest ``mu_star``).
    Effects are per unit of the normalised range, so they compare across factors in the
    metric's own unit. ``outputs`` holds the replication-mean metrics at every design
    point, beside the settings.
    """

    table: pd.DataFrame
    factors: tuple[Factor, ...]
    outputs: pd.DataFrame
    cost: RunCost
    notes: tuple[str, ...] = ()

    def leaders(self, metric: str, k: int) -> list[str]:
        """The ``k`` factors with the largest ``mu_star`` for ``metric``.

        Raises :class:`~cashless.errors.UsageError` for an unknown metric or a ``k``
        outside 1..number of factors.
        """
        rows = self.table[self.table["metric"] == metric]
        if rows.empty:
            raise UsageError(f"no metric {metric!r} in this Morris result", field="metric")
        _check_count(k, len(rows), "k")
        return list(rows.sort_values("rank", kind="stable")["parameter"].head(k))


@dataclass(frozen=True)
class SobolResult:
    """Sobol indices: one row per metric and factor.

    ``table`` columns: ``metric``, ``parameter``, ``low``, ``high``, ``S1`` (first
    order: the share of the metric's variance due to the factor alone), ``S1_conf``,
    ``ST`` (total: alone and with others), ``ST_conf`` (half-widths of 95 % bootstrap
    intervals). Variance shares are of the replication-mean metric over the factors'
    ranges, with the other parameters at the scenario's values.
    """

    table: pd.DataFrame
    factors: tuple[Factor, ...]
    outputs: pd.DataFrame
    cost: RunCost
    base_samples: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlipPoint:
    """Where ``alternative − baseline`` of ``metric`` changes sign as ``key`` moves.

    ``table``: one row per value tried (sorted): ``value``, ``baseline``,
    ``alternative`` (replication means), ``mean``, ``ci_low``, ``ci_high`` (the paired
    difference and its 95 % t-interval) and ``n``. ``status`` is ``"flip"`` or
    ``"no flip in range"``; ``value`` the estimated root (linear between the closest
    values on either side); ``bracket`` the values nearest the root on either side at
    which the interval excludes zero (``None`` on a side where no value does), so the
    flip lies within it; ``significant`` is whether both sides of ``bracket`` exist.
    """

    key: str
    metric: str
    baseline: str
    alternative: str
    low: float
    high: float
    table: pd.DataFrame
    status: str
    value: float | None
    bracket: tuple[float | None, float | None]
    significant: bool
    sign_changes: int
    cost: RunCost

    def describe(self) -> str:
        """The finding in one sentence, with its interval, "under these assumptions"."""
        what = f"{self.metric}, {self.alternative} − {self.baseline}"
        span = f"{self.key} from {self.low:,.4g} to {self.high:,.4g}"
        rows = self.table
        first, last = rows.iloc[0], rows.iloc[-1]

        def at(row: Any) -> str:
            return (
                f"{row['mean']:+,.4g} [{row['ci_low']:+,.4g}, {row['ci_high']:+,.4g}] "
                f"at {row['value']:,.4g}"
            )

        if self.status != "flip":
            sign = "positive" if first["mean"] > 0 else "negative"
            sure = _excludes_zero(rows)
            certainty = (
                "its 95 % interval excludes zero at every value tried"
                if sure.all()
                else f"its 95 % interval excludes zero at {int(sure.sum())} of {len(rows)} values"
            )
            return (
                f"{what}: no flip in range ({span}); the difference stays {sign}, "
                f"{at(first)} to {at(last)}; {certainty}; under these assumptions."
            )
        lo, hi = self.bracket
        where = (
            f"between {lo:,.4g} and {hi:,.4g} (95 % intervals exclude zero on either side)"
            if self.significant
            else (
                f"but not significantly: the interval includes zero on "
                f"{'both sides' if lo is None and hi is None else 'one side'}"
            )
        )
        more = f"; {self.sign_changes} sign changes in range" if self.sign_changes > 1 else ""
        return (
            f"{what}: changes sign at {self.key} ≈ {self.value:,.4g} {where}; "
            f"{at(first)}, {at(last)}{more}; under these assumptions."
        )


def factors(
    model: Model | Scenario | str | os.PathLike[str],
    keys: Sequence[str] | None = None,
    *,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    exclude: Sequence[str] = (),
) -> list[Factor]:
    """The factors a design moves: every one with a range, or those named by ``keys``.

    ``exclude`` leaves keys out of "every one" (a model control such as the market's
    size, held fixed on purpose).

    ``ranges`` replaces or adds a ``(low, high)`` range for a numeric parameter (e.g.
    static-QR time from 8 s). Raises :class:`~cashless.errors.ScenarioError` for a key
    that is not a parameter, :class:`~cashless.errors.UsageError` for one without a
    numeric range or a bad range.

    >>> [f.key for f in factors(Ishigami(), ["x3", "x1"])]
    ['x3', 'x1']
    >>> factors(Ishigami(), ["x4"])
    Traceback (most recent call last):
    cashless.errors.ScenarioError: x4 is not a parameter of this model
    """
    model = as_model(model)
    known = {f.key: f for f in model.factors()}
    if ranges is not None and not isinstance(ranges, Mapping):
        raise UsageError("must map dotted keys to (low, high)", field="ranges")
    extra = dict(ranges or {})
    if any(not isinstance(k, str) for k in extra):
        raise UsageError("must map dotted keys to (low, high)", field="ranges")
    for key, span in extra.items():
        low, high = _check_range(key, span)
        if key in known:
            known[key] = dataclasses.replace(known[key], low=low, high=high)
        else:
            known[key] = _new_factor(model, key, low, high)
    if isinstance(exclude, str) or not isinstance(exclude, Sequence):
        raise UsageError(f"must be a list of dotted keys, got {exclude!r}", field="exclude")
    for key in exclude:
        if key not in known:
            _explain_missing(model, key)
    if keys is None:
        return [f for f in known.values() if f.key not in exclude]
    if isinstance(keys, str) or not isinstance(keys, Sequence):
        raise UsageError(f"must be a list of dotted keys, got {keys!r}", field="keys")
    if not keys:
        raise UsageError("names no parameter", field="keys")
    chosen = []
    for key in dict.fromkeys(keys):
        if key not in known:
            _explain_missing(model, key)
        chosen.append(known[key])
    return chosen


def as_model(model: Model | Scenario | str | os.PathLike[str]) -> Model:
    """A :class:`Model`: itself, or a :class:`ScenarioModel` of a scenario, preset or file."""
    if isinstance(model, Model) and not isinstance(model, (str, os.PathLike)):
        return model
    return ScenarioModel(load_scenario(model))


def morris(
    model: Model | Scenario | str | os.PathLike[str],
    metrics: Sequence[str],
    *,
    keys: Sequence[str] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    exclude: Sequence[str] = (),
    groups: bool = False,
    trajectories: int = 10,
    levels: int = 4,
    replications: int = 2,
    seed: int = 0,
    workers: int = 1,
    client: Any = None,
    progress: bool = False,
) -> MorrisResult:
    """Morris elementary-effects screening of ``metrics`` over the factors' ranges.

    ``trajectories`` one-at-a-time paths of ``levels`` levels through the factors
    (every numeric parameter with a sweep range, less ``exclude``, unless ``keys``
    narrows it; see :func:`factors`), each point run ``replications`` times with the same seeds. Costs
    ``trajectories × (factors + 1) × replications`` model days. With ``groups`` the
    factors move in groups, one per scenario section or stall category
    (``payments``, ``categories.meat``): ``trajectories × (groups + 1) ×
    replications`` days, each row of the table a group (``members`` factors, ``sigma``
    undefined), to screen many parameters cheaply.

    >>> res = morris(Ishigami(), ["y"], trajectories=20, replications=1, seed=3)
    >>> res.table["parameter"].tolist()
    ['x1', 'x2', 'x3']
    >>> res.cost.model_days
    80
    """
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    model = as_model(model)
    metrics = _check_metrics(model, metrics)
    chosen, skipped = _movable(
        model, factors(model, keys, ranges=ranges, exclude=exclude), explicit=keys is not None
    )
    model = _lean(model, metrics)
    _check_count(trajectories, None, "trajectories", minimum=2)
    _check_count(levels, None, "levels", minimum=2)
    if levels % 2:
        raise UsageError(f"must be even, got {levels}", field="levels")
    check_seed(seed)
    if groups and len({_group(f.key) for f in chosen}) < 2:
        raise UsageError("needs factors in at least two groups", field="groups")
    chosen, design = _valid_design(
        model,
        chosen,
        lambda fs: sample.sample(_problem(fs, groups), trajectories, num_levels=levels, seed=seed),
        skipped,
        explicit=keys is not None,
    )
    problem = _problem(chosen, groups)
    names = list(dict.fromkeys(problem.get("groups", problem["names"])))
    outputs, cost = _evaluate(
        model, chosen, design, metrics, replications, seed, workers, client, progress
    )
    rows, notes = [], list(skipped)
    for metric in metrics:
        stats = _indices(
            outputs,
            metric,
            _MORRIS,
            len(names),
            notes,
            lambda y: analyze.analyze(
                problem, design, y, num_levels=levels, seed=seed, num_resamples=500
            ),
        )
        order = _ranks(np.asarray(stats["mu_star"], dtype=float))
        for j, name in enumerate(names):
            members = [f for f in chosen if (_group(f.key) if groups else f.key) == name]
            row: dict[str, Any] = {"metric": metric, "parameter": name}
            if groups:
                row.update(low=math.nan, high=math.nan, evidence="", members=len(members))
            else:
                row.update(low=members[0].low, high=members[0].high, evidence=members[0].evidence)
            row.update({k: float(stats[k][j]) for k in _MORRIS})
            row["rank"] = order[j]
            rows.append(row)
    table = _sorted(rows, metrics, "rank", ascending=True)
    return MorrisResult(table, tuple(chosen), outputs, cost, tuple(notes))


def sobol(
    model: Model | Scenario | str | os.PathLike[str],
    metrics: Sequence[str],
    *,
    keys: Sequence[str] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    exclude: Sequence[str] = (),
    base_samples: int = 64,
    replications: int = 2,
    seed: int = 0,
    workers: int = 1,
    client: Any = None,
    progress: bool = False,
) -> SobolResult:
    """First-order and total Sobol indices of ``metrics`` by Saltelli sampling.

    ``keys`` names the factors (typically :meth:`MorrisResult.leaders`); the others stay
    at the scenario's values. ``base_samples`` (a power of two) Sobol-sequence rows give
    ``base_samples × (factors + 2)`` points, each run ``replications`` times with the
    same seeds. Intervals are 95 % bootstrap half-widths.
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    model = as_model(model)
    metrics = _check_metrics(model, metrics)
    chosen, skipped = _movable(
        model, factors(model, keys, ranges=ranges, exclude=exclude), explicit=keys is not None
    )
    model = _lean(model, metrics)
    _check_count(base_samples, None, "base_samples", minimum=2)
    if base_samples & (base_samples - 1):
        raise UsageError(f"must be a power of two, got {base_samples}", field="base_samples")
    check_seed(seed)
    chosen, design = _valid_design(
        model,
        chosen,
        lambda fs: sample.sample(_problem(fs), base_samples, calc_second_order=False, seed=seed),
        skipped,
        explicit=keys is not None,
    )
    problem = _problem(chosen)
    outputs, cost = _evaluate(
        model, chosen, design, metrics, replications, seed, workers, client, progress
    )
    rows, notes = [], list(skipped)
    for metric in metrics:
        stats = _indices(
            outputs,
            metric,
            _SOBOL,
            len(chosen),
            notes,
            lambda y: analyze.analyze(
                problem, y, calc_second_order=False, seed=seed, num_resamples=500
            ),
            needs_variation=True,
        )
        for j, f in enumerate(chosen):
            row = {"metric": metric, "parameter": f.key, "low": f.low, "high": f.high}
            row.update({name: float(stats[name][j]) for name in _SOBOL})
            rows.append(row)
    table = _sorted(rows, metrics, "ST", ascending=False)
    return SobolResult(table, tuple(chosen), outputs, cost, base_samples, tuple(notes))


def flip_point(
    baseline: Model | Scenario | str | os.PathLike[str],
    alternative: Model | Scenario | str | os.PathLike[str],
    metric: str,
    key: str,
    *,
    values: Sequence[float] | None = None,
    low: float | None = None,
    high: float | None = None,
    grid: int = 5,
    refine: int = 2,
    replications: int = 4,
    seed: int = 0,
    workers: int = 1,
    client: Any = None,
    progress: bool = False,
) -> FlipPoint:
    """Where ``alternative − baseline`` of ``metric`` changes sign as ``key`` moves.

    ``key`` is set to the same value on both sides; at each value both run the same
    ``replications`` seeds and the paired difference gets a 95 % t-interval. The values
    are ``values``, or ``grid`` evenly spaced ones over ``low``..``high`` (default: the
    key's sweep range); a sign change between neighbours is then narrowed by ``refine``
    bisection steps. The first sign change is reported (``sign_changes`` counts them).

    >>> class Shifted(Ishigami):  # Ishigami plus x1 - 1: the difference is x1 - 1
    ...     def __call__(self, point, seed):
    ...         return {"y": super().__call__(point, seed)["y"] + point["x1"] - 1.0}
    >>> f = flip_point(Ishigami(), Shifted(), "y", "x1", replications=2, refine=0)
    >>> f.status, round(f.value, 6)
    ('flip', 1.0)
    """
    base_model, alt_model = as_model(baseline), as_model(alternative)
    if values is not None:
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise UsageError("must be a list of numbers", field="values")
        if not all(_is_number(v) and math.isfinite(v) for v in values):
            raise UsageError(f"must all be finite numbers, got {list(values)!r}", field="values")
        lo, hi = _check_range("values", (min(values, default=0), max(values, default=0)))
        (span,) = factors(base_model, [key], ranges={key: (lo, hi)})
        tried = [span.value(v) for v in values]
    else:
        if low is None or high is None:
            (swept,) = factors(base_model, [key])
            low = swept.low if low is None else low
            high = swept.high if high is None else high
        (span,) = factors(base_model, [key], ranges={key: (low, high)})
        _check_count(grid, None, "grid", minimum=2)
        lo, hi = span.low, span.high
        tried = [span.value(x) for x in np.linspace(lo, hi, grid)]
    _check_count(refine, None, "refine", minimum=0)
    metrics = _check_metrics(base_model, [metric])
    _check_metrics(alt_model, metrics)
    base_model, alt_model = _lean(base_model, metrics), _lean(alt_model, metrics)
    check_replications(replications)
    check_seed(seed)
    for side in (base_model, alt_model):
        for v in tried:
            side.check({key: v})
    seeds = replication_seeds(seed, replications)
    found: dict[float, dict[str, float]] = {}
    cost = RunCost(0, 0, replications, 0.0, 0.0)

    def evaluate(batch: Sequence[float]) -> None:
        nonlocal cost
        batch = [v for v in dict.fromkeys(batch) if v not in found]
        if not batch:
            return
        tasks = [
            (side, {key: v}, s, metrics)
            for v in batch
            for side in (base_model, alt_model)
            for s in seeds
        ]
        start = time.perf_counter()
        out = run_tasks(
            _one_day, tasks, workers=workers, client=client, progress=progress, desc="flip point"
        )
        wall = time.perf_counter() - start
        cpu = sum(c for _, c in out)
        cost = cost + RunCost(len(tasks), 2 * len(batch), replications, cpu, wall)
        per = len(seeds)
        for k, v in enumerate(batch):
            chunk = out[2 * per * k : 2 * per * (k + 1)]
            a = [m[metric] for m, _ in chunk[:per]]
            b = [m[metric] for m, _ in chunk[per:]]
            d = paired_difference(a, b)
            found[v] = {
                "baseline": float(np.mean(a)),
                "alternative": float(np.mean(b)),
                **{name: float(x) for name, x in d._asdict().items()},
            }

    if client is None:
        check_workers(workers)
    evaluate(tried)
    for _ in range(refine):
        pair = _first_sign_change(found)
        if pair is None:
            break
        mid = span.value((pair[0] + pair[1]) / 2)
        if mid in pair:
            break
        evaluate([mid])
    return _flip_result(found, key, metric, base_model, alt_model, lo, hi, cost)


# -- the shared machinery -----------------------------------------------------------

_MORRIS = ("mu", "mu_star", "mu_star_conf", "sigma")
_SOBOL = ("S1", "S1_conf", "ST", "ST_conf")


def _indices(
    outputs: pd.DataFrame,
    metric: str,
    columns: Sequence[str],
    size: int,
    notes: list[str],
    analyse: Callable[[np.ndarray], Mapping[str, Any]],
    *,
    needs_variation: bool = False,
) -> Mapping[str, Any]:
    """SALib's indices of one metric, or NaN in every column with a note saying why: a
    metric undefined at some point, or (``needs_variation``, Sobol) one that never varies.
    """
    y = outputs[metric].to_numpy(dtype=float)
    if not np.isfinite(y).all():
        notes.append(_undefined(metric, y))
    elif needs_variation and np.ptp(y) == 0:
        notes.append(f"{metric} does not vary over these ranges: indices undefined")
    else:
        return analyse(y)
    return {name: np.full(size, np.nan) for name in columns}


def _one_day(
    model: Model, point: Mapping[str, float], seed: SeedSequence, metrics: Sequence[str]
) -> tuple[dict[str, float], float]:
    """One replication at one point: the asked metrics and the CPU seconds it took."""
    start = time.process_time()
    out = model(point, seed)
    cpu = time.process_time() - start
    return {m: float(out.get(m, math.nan)) for m in metrics}, cpu


def _evaluate(
    model: Model,
    chosen: Sequence[Factor],
    design: np.ndarray,
    metrics: Sequence[str],
    replications: int,
    seed: int,
    workers: int,
    client: Any,
    progress: bool,
) -> tuple[pd.DataFrame, RunCost]:
    import pandas as pd

    check_replications(replications)
    if client is None:
        check_workers(workers)
    points = [{f.key: f.value(x) for f, x in zip(chosen, row, strict=True)} for row in design]
    for k, point in enumerate(points):  # every scenario is valid before any day runs
        try:
            model.check(point)
        except CashlessError as exc:
            raise UsageError(f"design point {k} ({point}) cannot run: {exc}") from None
    seeds = replication_seeds(seed, replications)
    tasks = [(model, point, s, metrics) for point in points for s in seeds]
    start = time.perf_counter()
    out = run_tasks(_one_day, tasks, workers=workers, client=client, progress=progress)
    wall = time.perf_counter() - start
    values = np.array([[m[name] for name in metrics] for m, _ in out], dtype=float)
    means = values.reshape(len(points), replications, len(metrics)).mean(axis=1)
    frame = pd.DataFrame(points)
    for j, name in enumerate(metrics):
        frame[name] = means[:, j]
    cost = RunCost(len(tasks), len(points), replications, sum(c for _, c in out), wall)
    return frame, cost


def _movable(
    model: Model, chosen: Sequence[Factor], *, explicit: bool
) -> tuple[list[Factor], list[str]]:
    """The factors whose ranges every scenario can take, alone and in pairs; notes on the rest.

    A range no scenario can take on its own cannot be screened: when the caller named
    the keys that is an error; when screening everything the factor is left out with a
    note. Ranges that clash with each other are found later, on the design itself
    (:func:`_valid_design`).
    """
    kept, notes = [], []
    for f in chosen:
        problem = _clash(model, {f.key: f.value(f.low)}, {f.key: f.value(f.high)})
        if problem is None:
            kept.append(f)
        elif explicit:
            raise UsageError(f"cannot move over {f.low:g}..{f.high:g}: {problem}", field=f.key)
        else:
            notes.append(f"{f.key} left out: cannot move over {f.low:g}..{f.high:g} ({problem})")
    if not kept:
        raise UsageError("no factor can move over its range", field="keys")
    return kept, notes


def _valid_design(
    model: Model,
    chosen: list[Factor],
    sample: Any,
    notes: list[str],
    *,
    explicit: bool,
) -> tuple[list[Factor], np.ndarray]:
    """A design (``sample(chosen)``) whose every point can run.

    When points fail, the factors that make them fail (those whose reset to the
    scenario's value mends a failing point) are found on a few such points; the one
    found most often (the later on a tie) is left out with a note, or, when the caller
    named the keys, the clash is an error. Then the design is drawn again.
    """
    while True:
        design = sample(chosen)
        points = [{f.key: f.value(x) for f, x in zip(chosen, row, strict=True)} for row in design]
        failing = [(p, e) for p in points if (e := _clash(model, p)) is not None]
        if not failing:
            return chosen, design
        count: dict[str, int] = {}
        for point, _ in failing[:5]:
            for f in chosen:
                if _clash(model, {k: v for k, v in point.items() if k != f.key}) is None:
                    count[f.key] = count.get(f.key, 0) + 1
        problem = failing[0][1]
        if not count:
            raise UsageError(f"design point {failing[0][0]} cannot run: {problem}")
        if explicit:
            names = ", ".join(sorted(count))
            raise UsageError(f"the ranges of {names} clash: {problem}", field="keys")
        worst = max(reversed([f.key for f in chosen if f.key in count]), key=lambda k: count[k])
        others = ", ".join(k for k in count if k != worst) or "the others"
        notes.append(f"{worst} left out: its range clashes with {others} ({problem})")
        chosen = [f for f in chosen if f.key != worst]
        if not chosen:
            raise UsageError("no factor can move over its range", field="keys")


def _clash(model: Model, *points: Mapping[str, float]) -> str | None:
    for point in points:
        try:
            model.check(point)
        except CashlessError as exc:
            return str(exc)
    return None


def _problem(chosen: Sequence[Factor], groups: bool = False) -> dict[str, Any]:
    problem: dict[str, Any] = {
        "num_vars": len(chosen),
        "names": [f.key for f in chosen],
        "bounds": [[f.low, f.high] for f in chosen],
    }
    if groups:
        problem["groups"] = [_group(f.key) for f in chosen]
    return problem


def _group(key: str) -> str:
    """A factor's group: its key without the last part (``payments``, ``categories.meat``)."""
    return key.rpartition(".")[0] or key


def _check_metrics(model: Model, metrics: Sequence[str]) -> list[str]:
    if isinstance(metrics, str) or not isinstance(metrics, Sequence) or not metrics:
        raise UsageError("must be a non-empty list of metric names", field="metrics")
    known = set(model.metric_names())
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise UsageError(f"no metric {unknown[0]!r} in the model's results", field="metrics")
    return list(dict.fromkeys(metrics))


def _lean(model: Model, metrics: Sequence[str]) -> Model:
    """The simulator without the per-method loss pass when no metric asked needs it."""
    if isinstance(model, ScenarioModel) and all(m in METRIC_NAMES for m in metrics):
        return dataclasses.replace(model, method_losses=False)
    return model


def _check_count(value: object, most: int | None, name: str, *, minimum: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise UsageError(f"must be a whole number >= {minimum}, got {value!r}", field=name)
    if most is not None and value > most:
        raise UsageError(f"must be at most {most} (the factors screened), got {value}", field=name)
    return value


def _check_range(key: str, span: object) -> tuple[float, float]:
    if (
        isinstance(span, (str, bytes))
        or not isinstance(span, Sequence)
        or len(span) != 2
        or not all(_is_number(x) and math.isfinite(x) for x in span)
    ):
        raise UsageError(f"needs a range (low, high) of two numbers, got {span!r}", field=key)
    low, high = float(span[0]), float(span[1])
    if not low < high:
        raise UsageError(f"needs low < high, got ({low:g}, {high:g})", field=key)
    return low, high


def _sweep_range(row: Mapping[str, Any]) -> tuple[float, float] | None:
    """A parameter row's numeric sweep range (``sweep_low``/``sweep_high`` or ``sweep``)."""
    if "sweep_low" in row or "sweep_high" in row:
        span: Any = (row.get("sweep_low"), row.get("sweep_high"))
    else:
        span = row.get("sweep")
    if isinstance(span, Mapping):
        span = (span.get("low"), span.get("high"))
    if not isinstance(span, (tuple, list)) or len(span) != 2:
        return None
    low, high = span
    if not (_is_number(low) and _is_number(high)) or not low < high:
        return None
    return float(low), float(high)


def _new_factor(model: Model, key: str, low: float, high: float) -> Factor:
    if isinstance(model, ScenarioModel):
        row = next((r for r in parameter_table(model.scenario) if r["key"] == key), None)
        if row is None:
            raise ScenarioError("is not a scenario parameter", field=key)
        if not _is_number(row["value"]):
            raise UsageError(f"is not numeric ({row['value']!r}): it has no range", field=key)
        return _factor(row, low, high)
    raise ScenarioError("is not a parameter of this model", field=key)


def _factor(row: Mapping[str, Any], low: float, high: float) -> Factor:
    """A parameter row's factor; an integer one steps by the largest power of ten (up to
    1,000) dividing its value and both range ends, so money stays in whole notes."""
    value = row["value"]
    integer = isinstance(value, int)
    step = 1
    if integer:
        ends = (value, low, high)
        while step < 1000 and all(float(x) % (step * 10) == 0 for x in ends):
            step *= 10
    return Factor(row["key"], low, high, integer, str(row.get("evidence") or ""), step)


def _explain_missing(model: Model, key: str) -> None:
    if isinstance(model, ScenarioModel):
        row = next((r for r in parameter_table(model.scenario) if r["key"] == key), None)
        if row is None:
            raise ScenarioError("is not a scenario parameter", field=key)
        raise UsageError(
            "has no numeric sweep range; give one with ranges={key: (low, high)}", field=key
        )
    raise ScenarioError("is not a parameter of this model", field=key)


def _ranks(values: np.ndarray) -> list[int]:
    """1 for the largest value, ties sharing the better rank; NaN ranks last."""
    filled = np.where(np.isnan(values), -np.inf, values)
    return [int((filled > v).sum()) + 1 for v in filled]


def _sorted(
    rows: list[dict[str, Any]], metrics: Sequence[str], by: str, *, ascending: bool
) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(rows)
    frame["_order"] = frame["metric"].map({m: k for k, m in enumerate(metrics)})
    frame = frame.sort_values(
        ["_order", by], ascending=[True, ascending], kind="stable", na_position="last"
    )
    return frame.drop(columns="_order").reset_index(drop=True)


def _undefined(metric: str, y: np.ndarray) -> str:
    bad = int((~np.isfinite(y)).sum())
    return f"{metric} is undefined at {bad} of {len(y)} points (e.g. no QR sales): no indices"


def _excludes_zero(rows: pd.DataFrame) -> Any:
    return (rows["ci_low"] > 0) | (rows["ci_high"] < 0)


def _sign(x: float) -> int:
    return 0 if x == 0 or x != x else (1 if x > 0 else -1)


def _first_sign_change(found: Mapping[float, Mapping[str, float]]) -> tuple[float, float] | None:
    xs = sorted(found)
    signs = [_sign(found[x]["mean"]) for x in xs]
    for k in range(len(xs) - 1):
        if signs[k] * signs[k + 1] < 0:
            return xs[k], xs[k + 1]
    return None


def _flip_result(
    found: Mapping[float, Mapping[str, float]],
    key: str,
    metric: str,
    base: Model,
    alt: Model,
    low: float,
    high: float,
    cost: RunCost,
) -> FlipPoint:
    import pandas as pd

    xs = sorted(found)
    table = pd.DataFrame([{"value": x, **found[x]} for x in xs])
    table = table[["value", "baseline", "alternative", "mean", "ci_low", "ci_high", "n"]]
    signs = [_sign(v) for v in table["mean"]]
    nonzero = [s for s in signs if s]
    changes = sum(1 for a, b in itertools.pairwise(nonzero) if a != b)
    pair = _first_sign_change(found)
    exact = [x for x in xs if _sign(found[x]["mean"]) == 0 and found[x]["n"] > 0]
    names = (_name(base), _name(alt))
    if pair is None and not exact:
        return FlipPoint(
            key, metric, *names, low, high, table, "no flip in range", None, (None, None),
            False, 0, cost,
        )  # fmt: skip
    if pair is None:
        root = exact[0]
    else:
        (x0, x1), (y0, y1) = pair, (found[pair[0]]["mean"], found[pair[1]]["mean"])
        root = x0 + (x1 - x0) * y0 / (y0 - y1)
    sure = table[_excludes_zero(table)]
    below, above = sure[sure["value"] < root], sure[sure["value"] > root]
    lo = float(below["value"].iloc[-1]) if len(below) else None
    hi = float(above["value"].iloc[0]) if len(above) else None
    significant = (
        lo is not None
        and hi is not None
        and _sign(float(below["mean"].iloc[-1])) != _sign(float(above["mean"].iloc[0]))
    )
    return FlipPoint(
        key, metric, *names, low, high, table, "flip", float(root), (lo, hi), significant,
        max(changes, 1), cost,
    )  # fmt: skip


def _name(model: Model) -> str:
    if isinstance(model, ScenarioModel):
        return model.scenario.name
    return type(model).__name__


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
