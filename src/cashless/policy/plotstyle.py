"""Labels, colours and number formats shared by the figures of :mod:`cashless.policy.plots`.

>>> label("qr.wait_p95_s")
'95th-percentile wait (s), QR'
>>> label("payments.qr_share")
'QR share'
>>> fmt_value(0.45, "payments.qr_share"), fmt_value(7000.0)
('45%', '7,000')
>>> fmt_value(((7200.0, 5040.0),), "infrastructure.outages")
'84 min from 07:00'
>>> cause_colour("mistype_over") == cause_colour("mistype_over")
True
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cashless.errors import require_extra

require_extra("plots", "matplotlib")  # imported lazily, but a bare install should hear of it now

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "GROUP_LABELS",
    "INDEX_COLOURS",
    "METRIC_LABELS",
    "cause_colour",
    "colours",
    "figure",
    "finite",
    "fmt_value",
    "is_share",
    "label",
    "percent_axis",
    "point_label",
]

# One label per name of cashless.sim.results.HEADLINE_METRICS (a test checks them all).
METRIC_LABELS = {
    "transactions": "stall transactions per day",
    "throughput_per_hour": "transactions per hour",
    "peak_stall_throughput_per_hour": "peak transactions per stall-hour",
    "wait_mean_s": "mean wait (s)",
    "wait_p95_s": "95th-percentile wait (s)",
    "service_mean_s": "mean service time (s)",
    "lost_sales": "lost sales per day",
    "errors_per_1000": "settlement errors per 1,000 payments",
    "loss_per_million_vnd": "loss per million VND of sales",
    "reconciliation_gap_vnd": "reconciliation gap (VND)",
}
GROUP_LABELS = {"all": "all payments", "cash": "cash", "qr": "QR"}
# Sobol indices: first order and total, the same in every figure.
INDEX_COLOURS = {"S1": "#4c72b0", "ST": "#dd8452"}


def label(name: str) -> str:
    """Human label of a metric (``"qr.wait_mean_s"``) or a dotted scenario key.

    >>> label("all.loss_per_million_vnd.sticker_swap")
    'loss per million VND of sales: sticker swap'
    >>> label("all.vendor_net_loss_per_million_vnd"), label("qr.payment_time_mean_s")
    ('vendor net loss per million VND', 'payment time mean (s)')
    """
    group, _, metric = name.partition(".")
    base, _, detail = metric.partition(".")
    if group in GROUP_LABELS and base in METRIC_LABELS:
        text = METRIC_LABELS[base]
        if detail.startswith("bearer."):
            text += f", borne by {detail.removeprefix('bearer.')}s"
        elif detail:
            text += f": {detail.replace('_', ' ')}"
        return text if group == "all" else f"{text}, {GROUP_LABELS[group]}"
    leaf = name.rsplit(".", 1)[-1].replace("_", " ")
    leaf = re.sub(r"\bvnd\b", "VND", leaf.replace("qr", "QR").replace(" s ", " (s) "))
    return re.sub(r" s$", " (s)", leaf)


def figure(width: float, height: float) -> Figure:
    """A new Figure (not registered with pyplot) with constrained layout."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def colours(n: int = 10) -> list[Any]:
    """The style's colour cycle, or ``n`` colours of tab20 when the cycle is too short."""
    import matplotlib as mpl

    cycle = list(mpl.rcParams["axes.prop_cycle"].by_key().get("color", ["C0", "C1", "C2"]))
    if n <= len(cycle):
        return cycle
    cmap = mpl.colormaps["tab20"]
    return [cmap(k % 20) for k in range(n)]


def cause_colour(cause: str) -> Any:
    """The one colour of a cause (a loss or a lost sale), the same in every figure.

    The causes the simulator names (:data:`cashless.sim.results.CAUSES`, in order) take
    tab20's colours; any other cause a colour of tab20b chosen by its name, so it too is
    stable across figures, processes and runs.
    """
    import matplotlib as mpl

    from cashless.sim.results import CAUSES

    if cause in CAUSES:
        return mpl.colormaps["tab20"](CAUSES.index(cause) % 20)
    return mpl.colormaps["tab20b"](zlib.crc32(cause.encode("utf-8")) % 20)


def point_label(row: Any, keys: Sequence[str]) -> str:
    """ "QR share 45%, speaker share 100%": a grid point's settings from a summary row."""
    parts = [
        f"{label(k)} {fmt_value(row[k], k)}"
        for k in keys
        if row[k] is not None and row[k] == row[k]
    ]
    return ", ".join(parts) or "as given"


def is_share(key: str) -> bool:
    """Whether a dotted key holds a share or probability (shown in per cent)."""
    return "_share" in key or key.endswith("_prob")


def percent_axis(ax: Any, key: str) -> None:
    """Label the x axis in per cent when ``key`` is a share."""
    if is_share(key):
        from matplotlib.ticker import PercentFormatter

        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0))


def fmt_value(value: Any, key: str = "", *, open_hour: float | None = None) -> str:
    """A setting as text: shares in per cent, numbers with thousands separators.

    Outage windows (``(start_s, duration_s)`` pairs from opening) read in words, with
    clock times from ``open_hour`` (default: the scenario tree's opening hour):

    >>> fmt_value(((3600.0, 1800.0), (36000.0, 600.0)), open_hour=5.0)
    '30 min from 06:00; 10 min from 15:00'
    >>> fmt_value((), "infrastructure.outages"), fmt_value((1, 2, 3))
    ('no outage', '1, 2, 3')
    """
    if isinstance(value, (tuple, list)):
        return _fmt_sequence(value, key, open_hour)
    if isinstance(value, float) and is_share(key):
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:,g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def finite(value: Any) -> float:
    """``float(value)``, with NaN (undefined metric) read as 0 for stacking."""
    value = float(value)
    return value if value == value else 0.0


def _fmt_sequence(value: Sequence[Any], key: str, open_hour: float | None) -> str:
    windows = all(
        isinstance(w, (tuple, list)) and len(w) == 2 and all(_is_number(x) for x in w)
        for w in value
    )
    if not value:
        return "no outage" if key.endswith("outages") else "none"
    if windows:
        if open_hour is None:
            from cashless.sim.params import Market

            open_hour = Market().open_hour
        parts = []
        for start, duration in value:
            clock = (open_hour * 3600.0 + float(start)) / 60.0
            hours, minutes = divmod(round(clock), 60)
            parts.append(f"{float(duration) / 60:,.0f} min from {hours % 24:02d}:{minutes:02d}")
        return "; ".join(parts)
    text = ", ".join(fmt_value(v) for v in value)
    return text if len(text) <= 40 else f"{len(value)} values"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
