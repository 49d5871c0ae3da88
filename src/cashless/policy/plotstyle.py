"""Labels, colours and number formats shared by the figures of :mod:`cashless.policy.plots`.

>>> label("qr.wait_p95_s")
'95th-percentile wait (s), QR'
>>> label("payments.qr_share")
'QR share'
>>> fmt_value(0.45, "payments.qr_share"), fmt_value(7000.0)
('45%', '7,000')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cashless.errors import require_extra

require_extra("plots", "matplotlib")  # imported lazily, but a bare install should hear of it now

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "GROUP_LABELS",
    "METRIC_LABELS",
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


def label(name: str) -> str:
    """Human label of a metric (``"qr.wait_mean_s"``) or a dotted scenario key.

    >>> label("all.loss_per_million_vnd.sticker_swap")
    'loss per million VND of sales: sticker swap'
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
    return leaf.replace("qr", "QR").replace(" s ", " (s) ")


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


def fmt_value(value: Any, key: str = "") -> str:
    """A setting as text: shares in per cent, numbers with thousands separators."""
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
