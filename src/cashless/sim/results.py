"""From raw day records to DataFrames, headline metrics, ledgers and summaries.

Metrics (:data:`METRIC_NAMES`) are ``"{group}.{metric}"`` with group ``all``, ``cash``
(transactions finally paid in cash, fallbacks included) or ``qr`` (static + dynamic).
``transactions`` counts goods handed over; ``peak_stall_throughput_per_hour`` is the
busiest hour's transactions per stall; waits and service times cover every shopper who
queued (balked ones excluded); ``lost_sales`` counts balks, failed QR without cash, too
little cash and no change; ``errors_per_1000`` and ``loss_per_million_vnd`` use the
settlement-error events of the group's method (gross amounts, whoever bears them);
``reconciliation_gap_vnd`` is takings expected minus cash kept and transfers received.

>>> HEADLINE_METRICS[:2]
('transactions', 'throughput_per_hour')
>>> import pandas as pd
>>> summarize(pd.DataFrame({"x": [1.0, 2.0, 3.0]})).loc["x", ["mean", "n"]].tolist()
[2.0, 3.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from cashless.errors import require_extra

require_extra("sim", "numpy", "simpy", "pandas")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from cashless.sim.cash import value  # noqa: E402
from cashless.sim.stats import SUMMARY_COLUMNS, half_width  # noqa: E402

__all__ = [
    "CAUSES",
    "GROUPS",
    "HANDED_OVER",
    "HEADLINE_METRICS",
    "LOST",
    "METRIC_NAMES",
    "DayResult",
    "build_day_result",
    "conservation_residuals",
    "summarize",
]

HANDED_OVER = ("paid", "unpaid", "fake_screenshot")
LOST = ("lost_balk", "lost_failed", "lost_no_cash", "lost_no_change")
CAUSES = (
    "wrong_change_over",
    "wrong_change_under",
    "change_rounding",
    "counterfeit_accepted",
    "counterfeit_detected",
    "confusion_unpaid",
    "confusion_paid_twice",
    "mistype_under",
    "mistype_over",
    "key_error_under",
    "key_error_over",
    "fake_screenshot",
    "sticker_swap",
    "pending_reversed",
    "unverified_failed",
)
GROUPS = ("all", "cash", "qr")
# The ten headline metrics, measured per group ("cash.wait_mean_s"): the one list that
# the results, the CLI's table, the sweeps' tables and the plots' labels all key on.
HEADLINE_METRICS: tuple[str, ...] = (
    "transactions",
    "throughput_per_hour",
    "peak_stall_throughput_per_hour",
    "wait_mean_s",
    "wait_p95_s",
    "service_mean_s",
    "lost_sales",
    "errors_per_1000",
    "loss_per_million_vnd",
    "reconciliation_gap_vnd",
)
_EXTRA = (
    "all.sales_vnd",
    "all.qr_share",
    "all.cash_fallbacks",
    "all.balks",
    "all.qr_failures",
    "all.pending_transfers",
    "all.change_fetches",
    "all.change_roundings",
    "all.fraud_gain_per_million_vnd",
    "all.in_transit_vnd",
    "all.count_time_mean_s",
    "all.littles_law_residual",
)
METRIC_NAMES: tuple[str, ...] = (
    *(f"{g}.{m}" for g in GROUPS for m in HEADLINE_METRICS),
    *(f"all.loss_per_million_vnd.{c}" for c in CAUSES),
    "all.loss_per_million_vnd.bearer.vendor",
    "all.loss_per_million_vnd.bearer.shopper",
    *_EXTRA,
)


def summarize(df: pd.DataFrame, by: str | list[str] | None = None) -> pd.DataFrame:
    """Mean, sd, n and the 95 % t-interval of every numeric column (per group with ``by``)."""
    if by is not None:
        parts = {key: summarize(g.drop(columns=by)) for key, g in df.groupby(by, sort=True)}
        return pd.concat(parts, names=[*([by] if isinstance(by, str) else by), "metric"])
    num = df.select_dtypes("number")
    n = num.count().astype(float)
    mean = num.mean()
    sd = num.std(ddof=1)
    half = pd.Series([half_width(s, int(k)) for s, k in zip(sd, n, strict=True)], index=n.index)
    out = pd.DataFrame(
        dict(zip(SUMMARY_COLUMNS, (mean, sd, n, mean - half, mean + half), strict=True))
    )
    out.index.name = "metric"
    return out


@dataclass(frozen=True)
class DayResult:
    """One simulated day: records, settlement, queue trace, headline metrics, ledger.

    ``ledger`` holds the money totals measured on drawers, wallets and accounts (int VND);
    :func:`conservation_residuals` checks them against each other and against the events.
    """

    transactions: pd.DataFrame
    events: pd.DataFrame
    stalls: pd.DataFrame
    queue_trace: pd.DataFrame
    metrics: dict[str, float]
    ledger: dict[str, int] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)


def _net(ev: pd.DataFrame, party: str) -> int:
    loss = ev.loc[ev["bearer"] == party, "amount"].sum()
    gain = ev.loc[ev["beneficiary"] == party, "amount"].sum()
    return int(loss) - int(gain)


def conservation_residuals(day: DayResult) -> dict[str, int]:
    """Money identities of a day; every value is 0 when money is conserved to the dong.

    * ``goods``: prices of goods handed over = cash kept + transfers received + in transit
      + the vendors' net loss by the events;
    * ``shoppers``: what shoppers' wallets and accounts gave up = goods they took + their
      net loss by the events;
    * ``money``: what shoppers gave up = cash kept + fake notes held + notes confiscated +
      transfers received + in transit + transfers to fraudsters' accounts;
    * ``zero_sum``: the events' losses equal their gains (fraudsters and the pending
      transfers included).
    """
    g, ev = day.ledger, day.events
    vendor = _net(ev, "vendor")
    shopper = _net(ev, "shopper")
    fraud = _net(ev, "fraudster")
    return {
        "goods": g["goods"] - (g["cash_kept"] + g["transfers_received"] + g["in_transit"] + vendor),
        "shoppers": g["shopper_outflow"] - (g["goods_shoppers"] + shopper),
        "money": g["shopper_outflow"]
        - (
            g["cash_kept"]
            + g["fake_notes"]
            + g["confiscated"]
            + g["transfers_received"]
            + g["in_transit"]
            + g["fraud_transfers"]
        ),
        "zero_sum": vendor + shopper + fraud,
    }


def _group_metrics(
    tx: pd.DataFrame, ev: pd.DataFrame, hours: float, n_stalls: int, gap: float
) -> dict[str, float]:
    done = tx[tx["outcome"].isin(HANDED_OVER)]
    queued = tx[tx["outcome"] != "lost_balk"]
    n = len(done)
    sales = int(done["price"].sum())
    if n:
        hour = (done["t_arrive"] // 3600).astype(int)
        peak = hour.value_counts().max() / max(1, n_stalls)
    else:
        peak = 0.0
    waits = queued["wait"].to_numpy()
    return {
        "transactions": float(n),
        "throughput_per_hour": n / hours,
        "peak_stall_throughput_per_hour": float(peak),
        "wait_mean_s": float(waits.mean()) if len(waits) else math.nan,
        "wait_p95_s": float(np.percentile(waits, 95)) if len(waits) else math.nan,
        "service_mean_s": float(queued["service"].mean()) if len(queued) else math.nan,
        "lost_sales": float(tx["outcome"].isin(LOST).sum()),
        "errors_per_1000": 1000.0 * len(ev) / n if n else math.nan,
        "loss_per_million_vnd": 1e6 * float(ev["amount"].sum()) / sales if sales else math.nan,
        "reconciliation_gap_vnd": float(gap),
    }


def build_day_result(raw: dict[str, Any], keep_records: bool = True) -> DayResult:
    """Assemble DataFrames, settlement and metrics from :meth:`Day.run` output."""
    day = raw["day"]
    sc = day.sc
    names = [c.name for c in sc.categories]
    tx = pd.DataFrame(raw["tx"])
    tx["category"] = (
        pd.Categorical.from_codes(tx["category"].to_numpy(dtype=int), categories=names)
        if len(tx)
        else []
    )
    tx["price"] = tx["price"].astype("int64")
    ev = pd.DataFrame(raw["ev"], columns=list(raw["ev"]))
    ev["amount"] = ev["amount"].astype("int64")
    end, hours = raw["end"], sc.market.hours
    n = len(day.res)
    fv = value(list(sc.market.drawer_float))
    cash = [value(d) - fv for d in day.drawers]
    notes = [sum(d) for d in day.drawers]
    served = tx[tx["outcome"] != "lost_balk"]
    soj = (served["wait"] + served["service"]).groupby(served["stall"]).sum()
    soj = soj.reindex(range(n), fill_value=0.0).to_numpy()
    st = pd.DataFrame(
        {
            "stall": range(n),
            "category": pd.Categorical.from_codes(day.stall_cat, categories=names),
            "servers": [r.capacity for r in day.res],
            "qr": day.qr,
            "dynamic": day.dynamic,
            "speaker": day.speaker,
            "swapped": [t <= end for t in day.swap_time],
            "expected": day.goods,
            "cash_kept": cash,
            "fake_notes": day.fake_pile,
            "transfers": day.received,
            "in_transit": raw["transit"],
        }
    )
    st["gap"] = st["expected"] - st["cash_kept"] - st["transfers"]
    vend = ev[ev["bearer"] == "vendor"].groupby(["stall", "event"])["amount"].sum()
    vgain = ev[ev["beneficiary"] == "vendor"].groupby(["stall", "event"])["amount"].sum()
    net = vend.sub(vgain, fill_value=0).unstack(fill_value=0) if len(ev) else pd.DataFrame()
    for cause in CAUSES:
        col = net[cause] if cause in net else pd.Series(dtype="int64")
        st[f"gap_{cause}"] = col.reindex(range(n), fill_value=0).astype("int64").to_numpy()
    st["gap_in_transit"] = st["in_transit"]
    st["count_time_s"] = [
        sc.market.count_time_base + sc.market.count_time_per_note * k for k in notes
    ]
    st["L"] = np.asarray(day.area) / end
    st["arrival_rate"] = np.asarray(day.joined) / end
    st["W"] = np.divide(soj, day.joined, out=np.zeros(n), where=np.asarray(day.joined) > 0)
    trace = pd.DataFrame(raw["trace"], columns=["t", "category", "queue_length"])
    trace["category"] = pd.Categorical.from_codes(
        trace["category"].to_numpy(dtype=int), categories=names
    )
    is_qr = tx["method"] != "cash"
    ev_qr = ev["method"] != "cash"
    gap_all = float(st["gap"].sum())
    vnet = (
        ev.loc[ev["bearer"] == "vendor"]
        .groupby(ev_qr)["amount"]
        .sum()
        .sub(ev.loc[ev["beneficiary"] == "vendor"].groupby(ev_qr)["amount"].sum(), fill_value=0)
    )
    metrics: dict[str, float] = {}
    for g, mask, emask, gap in (
        ("all", slice(None), slice(None), gap_all),
        ("cash", ~is_qr, ~ev_qr, float(vnet.get(False, 0))),
        ("qr", is_qr, ev_qr, float(vnet.get(True, 0)) + float(st["in_transit"].sum())),
    ):
        m = _group_metrics(tx[mask], ev[emask], hours, n, gap)
        metrics.update({f"{g}.{k}": v for k, v in m.items()})
    done = tx[tx["outcome"].isin(HANDED_OVER)]
    sales = float(done["price"].sum())
    per_m = 1e6 / sales if sales else math.nan
    by_cause = ev.groupby("event")["amount"].sum()
    for cause in CAUSES:
        metrics[f"all.loss_per_million_vnd.{cause}"] = float(by_cause.get(cause, 0)) * per_m
    by_bearer = ev.groupby("bearer")["amount"].sum()
    for who in ("vendor", "shopper"):
        metrics[f"all.loss_per_million_vnd.bearer.{who}"] = float(by_bearer.get(who, 0)) * per_m
    c = raw["counters"]
    little = np.abs(st["L"] - st["arrival_rate"] * st["W"])
    metrics.update(
        {
            "all.sales_vnd": sales,
            "all.qr_share": float((done["method"] != "cash").mean()) if len(done) else math.nan,
            "all.cash_fallbacks": float(c.get("cash_fallback", 0)),
            "all.balks": float(c.get("balked", 0)),
            "all.qr_failures": float(c.get("qr_failed", 0) + c.get("qr_failed_outage", 0)),
            "all.pending_transfers": float(c.get("pending", 0)),
            "all.change_fetches": float(c.get("change_fetched", 0)),
            "all.change_roundings": float(c.get("change_rounded", 0)),
            "all.fraud_gain_per_million_vnd": float(
                ev.loc[ev["beneficiary"] == "fraudster", "amount"].sum()
            )
            * per_m,
            "all.in_transit_vnd": float(st["in_transit"].sum()),
            "all.count_time_mean_s": float(st["count_time_s"].mean()),
            "all.littles_law_residual": float(little.max()) if n else 0.0,
        }
    )
    ledger = {
        "goods": int(sum(day.goods)),
        "goods_shoppers": int(day.goods_shoppers),
        "cash_kept": int(sum(cash)),
        "fake_notes": int(sum(day.fake_pile)),
        "confiscated": int(day.confiscated),
        "transfers_received": int(sum(day.received)),
        "in_transit": int(sum(raw["transit"])),
        "fraud_transfers": int(day.fraud_received),
        "shopper_outflow": int(day.wallet_start - day.wallet_end + day.sent - day.refunded),
    }
    if not keep_records:
        tx, ev, st, trace = tx.iloc[:0], ev.iloc[:0], st.iloc[:0], trace.iloc[:0]
    return DayResult(tx, ev, st, trace, metrics, ledger, dict(c))
