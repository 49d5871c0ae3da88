"""Figures from simulation and sweep results (matplotlib).

Every function builds a :class:`matplotlib.figure.Figure` directly (no pyplot, so no
GUI backend is touched), labels its axes and returns the figure; show it in a
notebook by making it the last expression of a cell, or save it with
``fig.savefig("out.png")``.

- :func:`throughput_and_wait`: throughput and mean / 95th-percentile wait against a
  swept key (QR share by default), with 95 % confidence bands.
- :func:`losses_by_cause`: losses per million VND of sales by cause, stacked, cash
  beside QR.
- :func:`queue_over_day`: mean queue length over the day per stall category.
- :func:`metric_vs`: one metric against a swept key, with confidence bands.
- :func:`metric_bars`: means with confidence intervals for a few scenarios side by side.
- :func:`tornado`: how a headline metric moves across the ``[A]`` assumptions'
  sweep ranges (from :func:`cashless.policy.sweeps.sensitivity`).
- :func:`heatmap`: one metric over a two-key sweep, each cell with its interval.
- :func:`morris_screen`, :func:`sobol_bars`, :func:`flip_points`: the global
  sensitivity results of :mod:`cashless.policy.sensitivity`.

Each cause has one colour in every figure (:func:`cashless.policy.plotstyle.cause_colour`).
A sweep that moved a key the figure does not show is refused rather than averaged over:
pass it as ``hue``, pick one of its values with ``where={key: value}``, or draw a
:func:`heatmap`.

>>> import pandas as pd
>>> trace = pd.DataFrame({"t": [0, 300, 0, 300], "category": ["veg", "veg", "fish", "fish"],
...                       "queue_length": [0.0, 1.5, 0.0, 2.0]})
>>> fig = queue_over_day(trace)
>>> fig.axes[0].get_ylabel()
'mean queue length (customers)'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cashless.errors import require_extra

require_extra("plots", "matplotlib")

from cashless._io import atomic_path, check_output  # noqa: E402
from cashless.errors import OutputError, UsageError  # noqa: E402
from cashless.policy.plotstyle import (  # noqa: E402
    GROUP_LABELS,
    INDEX_COLOURS,
    cause_colour,
    colours,
    figure,
    finite,
    fmt_value,
    label,
    percent_axis,
    point_label,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = [
    "flip_points",
    "heatmap",
    "losses_by_cause",
    "metric_bars",
    "metric_vs",
    "morris_screen",
    "queue_over_day",
    "save_demo_figures",
    "savefigure",
    "sobol_bars",
    "throughput_and_wait",
    "tornado",
]

_SUMMARY = ("mean", "sd", "n", "ci_low", "ci_high")  # cashless.sim.stats.SUMMARY_COLUMNS
_FIGURE_SUFFIXES = (".png", ".pdf", ".svg", ".eps", ".ps")
_TORNADO_COLUMNS = {"parameter", "low", "high", "metric", "baseline", "at_low", "at_high", "swing"}
_LOSS_KEY = re.compile(r"^(cash|qr)\.loss_per_million_vnd\.(?!bearer\.)(.+)$")


def throughput_and_wait(
    result: Any,
    x: str = "payments.qr_share",
    *,
    hue: str | None = None,
    group: str = "all",
    throughput: str = "throughput_per_hour",
    where: Mapping[str, Any] | None = None,
) -> Figure:
    """Throughput (left) and mean and 95th-percentile wait (right) against ``x``.

    ``result`` is a :class:`cashless.policy.sweeps.SweepResult` (or its ``summary``)
    that swept ``x``; ``hue`` names a second swept key drawn as separate lines;
    ``where`` fixes any other swept key. Shaded bands are the 95 % confidence
    intervals over replications.
    """
    summary = _shown(_sweep_summary(result), [x, hue], where)
    fig = figure(10, 4)
    ax_t, ax_w = fig.subplots(1, 2)
    palette = colours()
    hue_values = _unique(summary[hue]) if hue else [None]
    for k, value in enumerate(hue_values):
        rows = summary if hue is None else summary[_equal(summary[hue], value)]
        colour = palette[k % len(palette)]
        suffix = "" if hue is None else f"{label(hue)} = {fmt_value(value, hue)}"
        _line(ax_t, rows, x, f"{group}.{throughput}", colour, "-", suffix or None)
        _line(ax_w, rows, x, f"{group}.wait_mean_s", colour, "-", _join("mean", suffix))
        _line(
            ax_w,
            rows,
            x,
            f"{group}.wait_p95_s",
            colour,
            "--",
            _join("95th pct.", suffix),
            band_alpha=0.08,
        )
    ax_t.set_ylabel(label(f"{group}.{throughput}"))
    ax_t.set_title("Throughput")
    ax_w.set_ylabel("wait before service (s)")
    ax_w.set_title(f"Waiting, {GROUP_LABELS.get(group, group)}")
    for ax in (ax_t, ax_w):
        ax.set_xlabel(label(x))
        percent_axis(ax, x)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    if hue is not None:
        ax_t.legend(fontsize="small")
    ax_w.legend(fontsize="small")
    return fig


def metric_vs(
    result: Any,
    x: str,
    metric: str,
    *,
    hue: str | None = None,
    where: Mapping[str, Any] | None = None,
) -> Figure:
    """One metric against a swept key, a line per value of ``hue``, with 95 % CI bands.

    ``where`` fixes any other swept key (see the module's note on collapsing).
    """
    summary = _shown(_sweep_summary(result), [x, hue], where)
    fig = figure(6.5, 4)
    ax = fig.subplots()
    palette = colours()
    for k, value in enumerate(_unique(summary[hue]) if hue else [None]):
        rows = summary if hue is None else summary[_equal(summary[hue], value)]
        name = None if hue is None else f"{label(hue)} = {fmt_value(value, hue)}"
        _line(ax, rows, x, metric, palette[k % len(palette)], "-", name)
    ax.set_xlabel(label(x))
    ax.set_ylabel(label(metric))
    percent_axis(ax, x)
    ax.grid(alpha=0.3)
    if hue is not None:
        ax.legend(fontsize="small")
    return fig


def losses_by_cause(
    result: Any, x: str | None = None, *, where: Mapping[str, Any] | None = None
) -> Figure:
    """Losses per million VND of sales by cause, stacked: cash bars beside QR bars.

    Each method's losses are per million VND of that method's own sales. ``result`` is
    a sweep result (:func:`cashless.policy.sweeps.sweep`) with ``x`` the swept key, giving
    one pair of bars per value of ``x`` (``x=None`` for a one-point sweep; ``where``
    fixes any other swept key), or a :class:`cashless.sim.replicate.RunResult` run with
    ``keep_days=True``. Each cause keeps its colour (:func:`~cashless.policy.plotstyle.cause_colour`);
    causes that never occur are left out of the legend. The black error bar on each
    stack is the 95 % interval of the method's total loss.
    """
    import numpy as np

    summary = getattr(result, "summary", result)
    if "metric" in getattr(summary, "columns", ()):  # a sweep: never average over a key
        result = _shown(summary, [x], where)
    elif where:
        raise UsageError("where applies to sweep results only", field="where")
    frames = _loss_frames(result, x)
    totals = _loss_totals(result, x, len(frames))
    causes: list[str] = []
    for _, means in frames:
        for key, value in means.items():
            m = _LOSS_KEY.match(key)
            if m and m.group(2) not in causes and finite(value) != 0.0:
                causes.append(m.group(2))
    fig = figure(max(6.0, 1.4 * len(frames) + 4), 4.2)
    ax = fig.subplots()
    width = 0.38
    positions = np.arange(len(frames), dtype=float)
    offsets = {"cash": -width / 2 - 0.01, "qr": width / 2 + 0.01}
    for method, hatch in (("cash", ""), ("qr", "//")):
        bottom = np.zeros(len(frames))
        for cause in causes:
            heights = np.array(
                [
                    finite(means.get(f"{method}.loss_per_million_vnd.{cause}", 0.0))
                    for _, means in frames
                ]
            )
            if not heights.any():
                continue
            ax.bar(
                positions + offsets[method],
                heights,
                width,
                bottom=bottom,
                color=cause_colour(cause),
                hatch=hatch,
                edgecolor="white",
                linewidth=0.5,
                label=cause.replace("_", " "),
            )
            bottom += heights
        if not bottom.any():  # keep the method's place visible even without losses
            ax.bar(positions + offsets[method], bottom, width, color="none")
        low, high = totals[method]
        if np.isfinite(low).any():
            ax.errorbar(
                positions + offsets[method],
                bottom,
                yerr=np.nan_to_num(np.vstack([bottom - low, high - bottom]).clip(min=0)),
                fmt="none",
                ecolor="black",
                capsize=3,
                linewidth=1,
                label="_total 95% interval",
            )
    if x is None:
        ax.set_xticks([offsets["cash"], offsets["qr"]], ["cash", "QR"])
        ax.set_xlabel("payment method")
    else:
        ax.set_xticks(positions, [fmt_value(v, x) for v, _ in frames])
        ax.set_xlabel(f"{label(x)}  (left bar cash, right bar QR, hatched)")
    ax.set_ylabel("loss per million VND of sales (VND)")
    ax.set_title("Settlement losses by cause")
    ax.grid(axis="y", alpha=0.3)
    handles, names = ax.get_legend_handles_labels()
    unique = dict(zip(names, handles, strict=True))
    if unique:
        ax.legend(
            unique.values(),
            unique.keys(),
            title="cause",
            fontsize="small",
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
        )
    return fig


def _loss_totals(result: Any, x: str | None, n: int) -> dict[str, tuple[Any, Any]]:
    """95 % interval (low, high arrays) of each method's total loss per million, per bar."""
    import numpy as np

    summary = getattr(result, "summary", result)
    out = {}
    for method in ("cash", "qr"):
        name = f"{method}.loss_per_million_vnd"
        if "metric" in getattr(summary, "columns", ()):
            rows = summary[summary["metric"] == name]
            if x is not None and x in rows.columns:
                rows = rows.set_index(rows[x].map(_key)).reindex(
                    [_key(v) for v in _unique(summary[x])]
                )
            low = rows["ci_low"].astype(float).to_numpy() if len(rows) else np.full(n, np.nan)
            high = rows["ci_high"].astype(float).to_numpy() if len(rows) else np.full(n, np.nan)
        elif name in getattr(summary, "index", ()):
            low = np.array([float(summary.loc[name, "ci_low"])])
            high = np.array([float(summary.loc[name, "ci_high"])])
        else:
            low = high = np.full(n, np.nan)
        out[method] = (
            low if len(low) == n else np.full(n, np.nan),
            high if len(high) == n else np.full(n, np.nan),
        )
    return out


def _loss_frames(result: Any, x: str | None) -> list[tuple[Any, dict[str, float]]]:
    summary = getattr(result, "summary", result)
    if "metric" in getattr(summary, "columns", ()):  # a sweep
        if x is None:
            if summary["point"].nunique() != 1:
                raise UsageError("this sweep has several points: name the swept key as x")
            groups = [(None, summary)]
        else:
            groups = list(_by_value(summary, x))
        frames = [
            (v, dict(zip(rows["metric"], rows["mean"].astype(float), strict=True)))
            for v, rows in groups
        ]
    else:  # a RunResult: one scenario
        if x is not None:
            raise UsageError("x applies to sweep results only")
        frames = [(None, {str(k): float(v) for k, v in summary["mean"].items()})]
        days = getattr(result, "days", None)
        if days and not any(_LOSS_KEY.match(k) for k in frames[0][1]):
            from cashless.policy.sweeps import method_losses

            per_day = [method_losses(day) for day in days]
            for key in per_day[0]:
                values = [finite(d[key]) for d in per_day]
                frames[0][1][key] = sum(values) / len(values)
    if not any(_LOSS_KEY.match(k) for _, means in frames for k in means):
        raise UsageError(
            "no '<cash|qr>.loss_per_million_vnd.<cause>' metrics: use a sweep "
            "result or run(..., keep_days=True)"
        )
    return frames


def queue_over_day(trace: Any, *, open_hour: float | None = None) -> Figure:
    """Mean queue length over the day, one line per stall category.

    ``trace`` is a ``queue_trace`` DataFrame (columns ``t`` in seconds from opening,
    ``category``, ``queue_length``), a day result with one, or several of either
    (averaged at each sample time). With ``open_hour`` the x axis shows clock time.
    """
    frame = _queue_frame(trace)
    mean = frame.groupby(["category", "t"], sort=True)["queue_length"].mean().reset_index()
    fig = figure(9, 4)
    ax = fig.subplots()
    palette = colours()
    for k, (category, rows) in enumerate(mean.groupby("category", sort=False)):
        hours = rows["t"].to_numpy(dtype=float) / 3600 + (open_hour or 0.0)
        ax.plot(hours, rows["queue_length"], color=palette[k % len(palette)], label=str(category))
    ax.set_xlabel("time of day (h)" if open_hour is not None else "hours since opening")
    ax.set_ylabel("mean queue length (customers)")
    ax.set_title("Queues over the day")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(title="stall category", fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def tornado(table: pd.DataFrame, metric: str | None = None, *, top: int = 12) -> Figure:
    """Tornado chart: the metric at the low and high end of each assumption's range.

    ``table`` is the output of :func:`cashless.policy.sweeps.sensitivity`; ``metric``
    picks one of its metrics (default: the first). The widest swings are on top.
    """
    missing = _TORNADO_COLUMNS - set(getattr(table, "columns", ()))
    if missing:
        raise UsageError(
            "expected the table of cashless.policy.sweeps.sensitivity, "
            f"missing {', '.join(sorted(missing))}"
        )
    if len(table) == 0:
        raise UsageError("the sensitivity table is empty")
    metric = metric if metric is not None else str(table["metric"].iloc[0])
    rows = table[table["metric"] == metric].sort_values("swing", ascending=False).head(top)
    if rows.empty:
        raise UsageError(f"no rows for metric {metric!r}")
    rows = rows.iloc[::-1]
    baseline = float(rows["baseline"].iloc[0])
    fig = figure(9, 0.45 * len(rows) + 1.6)
    ax = fig.subplots()
    palette = colours()
    y = range(len(rows))
    lows = rows["at_low"].astype(float).to_numpy()
    highs = rows["at_high"].astype(float).to_numpy()
    ax.barh(y, lows - baseline, left=baseline, color=palette[0], label="low end of range")
    ax.barh(y, highs - baseline, left=baseline, color=palette[1], label="high end of range")
    ax.axvline(baseline, color="black", linewidth=1)
    ax.set_yticks(
        list(y),
        [
            f"{p}  [{fmt_value(lo)} – {fmt_value(hi)}]"
            for p, lo, hi in zip(rows["parameter"], rows["low"], rows["high"], strict=True)
        ],
        fontsize="small",
    )
    ax.set_xlabel(f"{label(metric)}  (baseline {baseline:,.4g})")
    ax.set_ylabel("assumption [sweep range]")
    ax.set_title("Which assumptions move the result")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def heatmap(
    result: Any,
    x: str,
    y: str,
    metric: str,
    *,
    where: Mapping[str, Any] | None = None,
    cmap: str = "viridis",
) -> Figure:
    """One metric over a two-key sweep: a cell per pair of settings, mean ± CI half-width.

    ``x`` and ``y`` are the two swept keys, each on its own axis (list-valued settings
    such as outage windows read in words); ``where`` fixes any third swept key.
    """
    import numpy as np

    if x == y:
        raise UsageError("needs two different swept keys", field="y")
    summary = _shown(_sweep_summary(result), [x, y], where)
    for key in (x, y):
        if key not in summary.columns:
            raise UsageError(f"the result did not sweep {key!r}")
    rows = summary[summary["metric"] == metric]
    if rows.empty:
        raise UsageError(f"no metric {metric!r} in the result")
    xs, ys = _ordered(rows[x]), _ordered(rows[y])
    means = np.full((len(ys), len(xs)), np.nan)
    halves = np.full((len(ys), len(xs)), np.nan)
    for _, row in rows.iterrows():
        i = [_key(v) for v in ys].index(_key(row[y]))
        j = [_key(v) for v in xs].index(_key(row[x]))
        means[i, j] = float(row["mean"])
        halves[i, j] = float(row["ci_high"]) - float(row["mean"])
    fig = figure(max(5.0, 1.1 * len(xs) + 3), max(3.5, 0.6 * len(ys) + 2))
    ax = fig.subplots()
    image = ax.imshow(means, cmap=cmap, aspect="auto", origin="lower")
    finite_means = means[np.isfinite(means)]
    middle = float(finite_means.mean()) if finite_means.size else 0.0
    for i in range(len(ys)):
        for j in range(len(xs)):
            if np.isfinite(means[i, j]):
                text = f"{means[i, j]:,.3g}"
                if np.isfinite(halves[i, j]):
                    text += f"\n± {halves[i, j]:,.2g}"
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize="small",
                    color="white" if means[i, j] < middle else "black",
                )
    ax.set_xticks(range(len(xs)), [fmt_value(v, x) for v in xs], rotation=15, ha="right")
    ax.set_yticks(range(len(ys)), [fmt_value(v, y) for v in ys])
    ax.set_xlabel(label(x))
    ax.set_ylabel(label(y))
    ax.set_title(f"{label(metric)}: mean ± 95% CI half-width")
    fig.colorbar(image, ax=ax, label=label(metric))
    return fig


def morris_screen(result: Any, metric: str | None = None, *, top: int = 10) -> Figure:
    """Morris screening: ``mu_star`` (influence) against ``sigma`` (interactions, curvature).

    ``result`` is a :class:`cashless.policy.sensitivity.MorrisResult` or its table. Each
    factor is a point with its ``mu_star`` interval as a horizontal bar; the ``top``
    most influential are named. Grey lines mark sigma/mu* = 0.1, 0.5 and 1: points
    above the steepest act through interactions or non-linearly.
    """
    import numpy as np

    rows = _index_rows(result, metric, {"parameter", "mu_star", "mu_star_conf", "sigma"})
    if rows["sigma"].isna().all() and rows["mu_star"].notna().any():
        return _mu_star_bars(rows.dropna(subset=["mu_star"]), top)
    rows = rows.dropna(subset=["mu_star", "sigma"]).sort_values("mu_star", ascending=False)
    if rows.empty:
        raise UsageError("the Morris indices of this metric are undefined")
    fig = figure(8, 5.5)
    ax = fig.subplots()
    mu = rows["mu_star"].astype(float).to_numpy()
    sigma = rows["sigma"].astype(float).to_numpy()
    conf = np.nan_to_num(rows["mu_star_conf"].astype(float).to_numpy())
    palette = colours()
    ax.errorbar(mu, sigma, xerr=conf, fmt="o", color=palette[0], ecolor="grey", capsize=2)
    reach = float(max(mu.max() + conf.max(), sigma.max(), 1e-12)) * 1.05
    for ratio in (0.1, 0.5, 1.0):
        ax.plot([0, reach], [0, ratio * reach], color="grey", linewidth=0.7, linestyle=":")
        ax.annotate(f"σ/μ* = {ratio:g}", (reach, min(ratio * reach, reach)), fontsize="x-small",
                    color="grey", ha="right", va="bottom")  # fmt: skip
    for name, m, s in zip(rows["parameter"].head(top), mu[:top], sigma[:top], strict=False):
        ax.annotate(str(name), (m, s), textcoords="offset points", xytext=(4, 3),
                    fontsize="x-small")  # fmt: skip
    metric_name = str(rows["metric"].iloc[0]) if "metric" in rows.columns else (metric or "")
    ax.set_xlim(0, reach)
    ax.set_ylim(0, reach)
    ax.set_xlabel(f"μ*: mean |elementary effect| on {label(metric_name)}")
    ax.set_ylabel("σ: spread of the elementary effects")
    ax.set_title("Morris screening (bars: 95% bootstrap interval of μ*)")
    ax.grid(alpha=0.3)
    return fig


def _mu_star_bars(rows: pd.DataFrame, top: int) -> Figure:
    """Group screening has no sigma: mu* bars with their intervals, largest on top."""
    import numpy as np

    rows = rows.sort_values("mu_star", ascending=False).head(top).iloc[::-1]
    fig = figure(8, 0.4 * len(rows) + 1.8)
    ax = fig.subplots()
    conf = np.nan_to_num(rows["mu_star_conf"].astype(float).to_numpy())
    ax.barh(range(len(rows)), rows["mu_star"].astype(float), xerr=conf, color=colours()[0],
            ecolor="black", capsize=3)  # fmt: skip
    ax.set_yticks(range(len(rows)), list(rows["parameter"]), fontsize="small")
    metric_name = str(rows["metric"].iloc[0]) if "metric" in rows.columns else ""
    ax.set_xlabel(f"μ*: mean |elementary effect| on {label(metric_name)}")
    ax.set_ylabel("parameter group")
    ax.set_xlim(left=0)
    ax.set_title("Morris group screening (bars: 95% bootstrap interval of μ*)")
    ax.grid(axis="x", alpha=0.3)
    return fig


def sobol_bars(result: Any, metric: str | None = None) -> Figure:
    """First-order (S1) and total (ST) Sobol indices per factor, with 95 % intervals.

    ``result`` is a :class:`cashless.policy.sensitivity.SobolResult` or its table.
    """
    import numpy as np

    rows = _index_rows(result, metric, {"parameter", "S1", "S1_conf", "ST", "ST_conf"})
    rows = rows.sort_values("ST", ascending=False, na_position="last")
    positions = np.arange(len(rows), dtype=float)
    fig = figure(max(5.0, 1.2 * len(rows) + 2.5), 4.2)
    ax = fig.subplots()
    width = 0.38
    for offset, name in ((-width / 2, "S1"), (width / 2, "ST")):
        values = rows[name].astype(float).to_numpy()
        conf = np.nan_to_num(rows[f"{name}_conf"].astype(float).to_numpy())
        ax.bar(positions + offset, np.nan_to_num(values), width, color=INDEX_COLOURS[name],
               label={"S1": "first order S1", "ST": "total ST"}[name])  # fmt: skip
        ax.errorbar(positions + offset, np.nan_to_num(values), yerr=conf, fmt="none",
                    ecolor="black", capsize=3, linewidth=1)  # fmt: skip
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(positions, list(rows["parameter"]), rotation=20, ha="right")
    metric_name = str(rows["metric"].iloc[0]) if "metric" in rows.columns else (metric or "")
    ax.set_ylabel(f"share of the variance of {label(metric_name)}")
    ax.set_xlabel("parameter")
    ax.set_title("Sobol indices (bars: 95% bootstrap intervals)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def flip_points(flips: Any) -> Figure:
    """Each paired difference against the key that moves it, where it changes sign.

    ``flips`` is a :class:`cashless.policy.sensitivity.FlipPoint` or a list of them; one
    panel each: the mean difference (alternative − baseline) with its 95 % band, the
    zero line, the estimated flip value (dashed) and the range it lies in (shaded).
    """
    import numpy as np

    items = list(flips) if isinstance(flips, (list, tuple)) else [flips]
    needed = {"value", "mean", "ci_low", "ci_high"}
    if not items or not all(
        needed <= set(getattr(getattr(f, "table", None), "columns", ())) for f in items
    ):
        raise UsageError("expected FlipPoint results of cashless.policy.sensitivity.flip_point")
    columns = min(2, len(items))
    nrows = (len(items) + columns - 1) // columns
    fig = figure(6.0 * columns, 3.8 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, columns)).ravel()
    palette = colours()
    for ax, flip in zip(axes, items, strict=False):
        rows = flip.table.sort_values("value")
        xs = rows["value"].astype(float).to_numpy()
        ax.plot(xs, rows["mean"].astype(float), "-o", color=palette[0], markersize=3,
                label=f"{flip.alternative} − {flip.baseline}")  # fmt: skip
        ax.fill_between(xs, rows["ci_low"].astype(float), rows["ci_high"].astype(float),
                        color=palette[0], alpha=0.2, linewidth=0, label="95% interval")  # fmt: skip
        ax.axhline(0, color="black", linewidth=0.8)
        if flip.status == "flip" and flip.value is not None:
            ax.axvline(flip.value, color=palette[3 % len(palette)], linestyle="--",
                       label=f"flip ≈ {flip.value:,.4g}")  # fmt: skip
            lo, hi = flip.bracket
            ax.axvspan(xs.min() if lo is None else lo, xs.max() if hi is None else hi,
                       color=palette[3 % len(palette)], alpha=0.1)  # fmt: skip
            ax.set_title(f"flips at {flip.value:,.4g}" + ("" if flip.significant else " (n.s.)"),
                         fontsize="medium")  # fmt: skip
        else:
            ax.set_title("no flip in range", fontsize="medium")
        ax.set_xlabel(label(flip.key))
        percent_axis(ax, flip.key)
        ax.set_ylabel(f"Δ {label(flip.metric)}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="x-small")
    for ax in axes[len(items) :]:
        ax.set_visible(False)
    return fig


def _index_rows(result: Any, metric: str | None, needed: set[str]) -> pd.DataFrame:
    table = getattr(result, "table", result)
    missing = needed - set(getattr(table, "columns", ()))
    if missing:
        raise UsageError(f"expected a sensitivity table, missing {', '.join(sorted(missing))}")
    if "metric" in table.columns:
        metric = metric if metric is not None else str(table["metric"].iloc[0])
        table = table[table["metric"] == metric]
    if len(table) == 0:
        raise UsageError(f"no rows for metric {metric!r}")
    return table


def _ordered(values: Iterable[Any]) -> list[Any]:
    unique = _unique(values)
    if all(_is_number(v) for v in unique):
        return sorted(unique)
    return unique


def metric_bars(
    result: Any, metrics: Sequence[str], *, labels: Sequence[str] | None = None
) -> Figure:
    """Bars of each metric's mean per grid point, with 95 % confidence intervals.

    One panel per metric. ``labels`` names the points (default: their settings), for
    sweeps over explicit points such as "baseline", "outage", "Tết".
    """
    import numpy as np

    summary = _sweep_summary(result)
    points = _unique(summary["point"])
    if labels is None:
        keys = [c for c in summary.columns if c not in {"point", "metric", *_SUMMARY}]
        labels = [point_label(summary[summary["point"] == p].iloc[0], keys) for p in points]
    if len(labels) != len(points):
        raise UsageError(f"{len(labels)} labels for {len(points)} grid points")
    fig = figure(max(4.0, 0.9 * len(points) + 1.5) * len(metrics), 4)
    axes = np.atleast_1d(fig.subplots(1, len(metrics)))
    palette = colours()
    for ax, metric in zip(axes, metrics, strict=True):
        rows = summary[summary["metric"] == metric].set_index("point").reindex(points)
        if rows["mean"].isna().all():
            raise UsageError(f"no metric {metric!r} in the result")
        means = rows["mean"].astype(float).to_numpy()
        errors = np.vstack(
            [
                means - rows["ci_low"].astype(float).to_numpy(),
                rows["ci_high"].astype(float).to_numpy() - means,
            ]
        )
        positions = np.arange(len(points))
        ax.bar(positions, means, 0.6, color=[palette[k % len(palette)] for k in positions])
        ax.errorbar(
            positions,
            means,
            yerr=np.nan_to_num(errors),
            fmt="none",
            ecolor="black",
            capsize=4,
            linewidth=1,
        )
        ax.set_xticks(positions, list(labels), rotation=20, ha="right")
        ax.set_ylabel(label(metric))
        ax.set_xlabel("scenario")
        ax.grid(axis="y", alpha=0.3)
    return fig


def save_demo_figures(result: Any, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Save the figures of one scenario's run into ``out_dir``; return their paths.

    Writes ``losses_cash_vs_qr.png`` from ``result.summary`` and, when the run kept
    its days (``keep_days=True``), ``queue_over_day.png``. Each file is written to a
    temporary name first and then moved into place.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"{os.fspath(out_dir)!r}: cannot make the folder: {reason}") from None
    figures = [("losses_cash_vs_qr.png", losses_by_cause(result))]
    days = getattr(result, "days", None)
    if days:
        scenario = getattr(result, "scenario", None)
        open_hour = scenario.market.open_hour if scenario is not None else None
        figures.append(("queue_over_day.png", queue_over_day(days, open_hour=open_hour)))
    return [savefigure(fig, out / name) for name, fig in figures]


def savefigure(fig: Figure, path: str | os.PathLike[str], *, dpi: int = 150) -> Path:
    """Save ``fig`` atomically; the format follows the file extension (png, pdf, svg).

    Raises :class:`~cashless.errors.OutputError` for another suffix or a missing folder.
    """
    target = check_output(path, suffixes=_FIGURE_SUFFIXES, flag="path")
    fmt = target.suffix.lstrip(".").lower()
    try:
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"{os.fspath(path)!r}: cannot write: {reason}", source="path") from None
    return target


# -- helpers -------------------------------------------------------------------


def _sweep_summary(result: Any) -> pd.DataFrame:
    summary = getattr(result, "summary", result)
    if "metric" not in getattr(summary, "columns", ()):
        raise UsageError("expected a sweep result (cashless.policy.sweeps.SweepResult)")
    return summary


def _line(
    ax: Any,
    rows: pd.DataFrame,
    x: str,
    metric: str,
    colour: str,
    style: str,
    name: str | None,
    band_alpha: float = 0.18,
) -> None:
    part = rows[rows["metric"] == metric]
    if part.empty:
        raise UsageError(f"no metric {metric!r} in the result")
    if x not in part.columns:
        raise UsageError(f"the result did not sweep {x!r}")
    values = list(part[x])
    if all(_is_number(v) for v in values):
        part = part.sort_values(x, kind="stable")
        xs = part[x].astype(float).to_numpy()
    else:  # list-valued settings (outage windows): one tick each, labelled in words
        order = _unique(values)
        xs = [float(order.index(v)) for v in values]
        ax.set_xticks(range(len(order)), [fmt_value(v, x) for v in order], rotation=15, ha="right")
    ax.plot(
        xs, part["mean"].astype(float), style, color=colour, marker="o", markersize=3, label=name
    )
    ax.fill_between(
        xs,
        part["ci_low"].astype(float),
        part["ci_high"].astype(float),
        color=colour,
        alpha=band_alpha,
        linewidth=0,
    )


def _by_value(summary: pd.DataFrame, x: str) -> Iterable[tuple[Any, pd.DataFrame]]:
    if x not in summary.columns:
        raise UsageError(f"the result did not sweep {x!r}")
    for value in _unique(summary[x]):
        yield value, summary[_equal(summary[x], value)]


def _unique(values: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _queue_frame(trace: Any) -> pd.DataFrame:
    import pandas as pd

    if isinstance(trace, pd.DataFrame):
        missing = {"t", "category", "queue_length"} - set(trace.columns)
        if missing:
            raise UsageError(f"the queue trace lacks the column(s) {', '.join(sorted(missing))}")
        return trace
    if hasattr(trace, "queue_trace"):
        return _queue_frame(trace.queue_trace)
    if isinstance(trace, Sequence) and not isinstance(trace, (str, bytes)):
        frames = [_queue_frame(item) for item in trace]
        if frames:
            return pd.concat(frames, ignore_index=True)
    raise UsageError("expected a queue_trace DataFrame, a day result, or a list of them")


def _swept_keys(summary: pd.DataFrame) -> list[str]:
    return [c for c in summary.columns if c not in {"point", "metric", *_SUMMARY}]


def _shown(
    summary: pd.DataFrame, shown: Sequence[str | None], where: Mapping[str, Any] | None
) -> pd.DataFrame:
    """The rows a figure may draw: ``where`` applied; no other swept key left varying."""
    if where is not None and not isinstance(where, Mapping):
        raise UsageError(f"must map swept keys to values, got {where!r}", field="where")
    for key, value in (where or {}).items():
        if key not in summary.columns:
            raise UsageError(f"the result did not sweep {key!r}", field="where")
        summary = summary[_equal(summary[key], value)]
        if summary.empty:
            raise UsageError(f"no grid point has {key} = {value!r}", field="where")
    for key in _swept_keys(summary):
        if key in shown or key in (where or {}):
            continue
        values = _unique(summary[key])
        if len(values) > 1:
            raise UsageError(
                f"the sweep also varies {key} ({', '.join(fmt_value(v, key) for v in values)}): "
                f"pass it as hue=, fix it with where={{{key!r}: ...}}, or draw a heatmap"
            )
    return summary


def _equal(column: pd.Series, value: Any) -> pd.Series:
    return column.map(lambda v: _key(v) == _key(value)).astype(bool)


def _key(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_key(v) for v in value)
    if isinstance(value, tuple):
        return tuple(_key(v) for v in value)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _join(first: str, second: str) -> str:
    return f"{first}, {second}" if second else first
