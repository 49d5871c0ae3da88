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
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cashless.errors import require_extra

require_extra("plots", "matplotlib")

from cashless._io import atomic_path, check_output  # noqa: E402
from cashless.errors import OutputError, UsageError  # noqa: E402
from cashless.policy.plotstyle import (  # noqa: E402
    GROUP_LABELS,
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
    "losses_by_cause",
    "metric_bars",
    "metric_vs",
    "queue_over_day",
    "save_demo_figures",
    "savefigure",
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
) -> Figure:
    """Throughput (left) and mean and 95th-percentile wait (right) against ``x``.

    ``result`` is a :class:`cashless.policy.sweeps.SweepResult` (or its ``summary``)
    that swept ``x``; ``hue`` names a second swept key drawn as separate lines.
    Shaded bands are the 95 % confidence intervals over replications.
    """
    summary = _sweep_summary(result)
    fig = figure(10, 4)
    ax_t, ax_w = fig.subplots(1, 2)
    palette = colours()
    hue_values = _unique(summary[hue]) if hue else [None]
    for k, value in enumerate(hue_values):
        rows = summary if hue is None else summary[summary[hue] == value]
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


def metric_vs(result: Any, x: str, metric: str, *, hue: str | None = None) -> Figure:
    """One metric against a swept key, a line per value of ``hue``, with 95 % CI bands."""
    summary = _sweep_summary(result)
    fig = figure(6.5, 4)
    ax = fig.subplots()
    palette = colours()
    for k, value in enumerate(_unique(summary[hue]) if hue else [None]):
        rows = summary if hue is None else summary[summary[hue] == value]
        name = None if hue is None else f"{label(hue)} = {fmt_value(value, hue)}"
        _line(ax, rows, x, metric, palette[k % len(palette)], "-", name)
    ax.set_xlabel(label(x))
    ax.set_ylabel(label(metric))
    percent_axis(ax, x)
    ax.grid(alpha=0.3)
    if hue is not None:
        ax.legend(fontsize="small")
    return fig


def losses_by_cause(result: Any, x: str | None = None) -> Figure:
    """Losses per million VND of sales by cause, stacked: cash bars beside QR bars.

    Each method's losses are per million VND of that method's own sales. ``result`` is
    a sweep result (:func:`cashless.policy.sweeps.sweep`) with ``x`` the swept key, giving
    one pair of bars per value of ``x`` (``x=None`` for a one-point sweep), or a
    :class:`cashless.sim.replicate.RunResult` run with ``keep_days=True``. Causes that never
    occur are left out of the legend.
    """
    import numpy as np

    frames = _loss_frames(result, x)
    causes: list[str] = []
    for _, means in frames:
        for key, value in means.items():
            m = _LOSS_KEY.match(key)
            if m and m.group(2) not in causes and finite(value) != 0.0:
                causes.append(m.group(2))
    fig = figure(max(6.0, 1.4 * len(frames) + 4), 4.2)
    ax = fig.subplots()
    palette = colours(len(causes))
    width = 0.38
    positions = np.arange(len(frames), dtype=float)
    offsets = {"cash": -width / 2 - 0.01, "qr": width / 2 + 0.01}
    for method, hatch in (("cash", ""), ("qr", "//")):
        bottom = np.zeros(len(frames))
        for c, cause in enumerate(causes):
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
                color=palette[c],
                hatch=hatch,
                edgecolor="white",
                linewidth=0.5,
                label=cause.replace("_", " "),
            )
            bottom += heights
        if not bottom.any():  # keep the method's place visible even without losses
            ax.bar(positions + offsets[method], bottom, width, color="none")
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
    part = part.sort_values(x, kind="stable")
    xs = part[x].astype(float).to_numpy()
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
        yield value, summary[summary[x] == value]


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


def _join(first: str, second: str) -> str:
    return f"{first}, {second}" if second else first
