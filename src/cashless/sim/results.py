"""From a day's records to DataFrames, metrics, ledgers and summaries.

Metrics (:data:`METRIC_NAMES`) are ``"{group}.{metric}"``; docs/metrics.md gives every
one with its unit and meaning. Group ``all`` is the whole market; ``cash`` (goods
finally paid in cash, fallbacks included) and ``qr`` (static + dynamic) split it by the
method used. Splits of queue and volume metrics by method describe *where* each method
is used (different stalls, categories and baskets), not what the method causes: they
are listed in :data:`DESCRIPTIVE_METRICS`; causal answers come from paired scenario
comparisons (:mod:`cashless.sim.compare`). Comparable per method: the pure payment time
(``cash.payment_time_s``, ``static_qr.payment_time_s``..., selection excluded) and the
stall capacity it implies. Loss is reported gross (every settlement-error amount,
whoever bears it) and net by party (``vendor``, ``shopper``: what they lost minus what
they gained; ``fraud_take``: what left the market to fraudsters). Lost sales are split
by cause (``all.lost_sales.<cause>``), never by payment method.

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
from cashless.sim.model import DayRecords  # noqa: E402
from cashless.sim.state import CAUSES, LOST_CAUSES  # noqa: E402
from cashless.sim.stats import SUMMARY_COLUMNS, half_width  # noqa: E402

__all__ = [
    "CAUSES",
    "COMPARE_METRICS",
    "DESCRIPTIVE_METRICS",
    "GROUPS",
    "HANDED_OVER",
    "HEADLINE_METRICS",
    "LOST",
    "LOST_CAUSES",
    "METRIC_NAMES",
    "PAYMENT_METHODS",
    "DayResult",
    "build_day_result",
    "conservation_residuals",
    "summarize",
]

HANDED_OVER = ("paid", "unpaid", "fake_screenshot")
LOST = tuple(f"lost_{c}" for c in LOST_CAUSES)
GROUPS = ("all", "cash", "qr")
PAYMENT_METHODS = ("cash", "static_qr", "dynamic_qr", "qr")
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
# Per-method rows that describe where a method is used rather than what it causes.
DESCRIPTIVE_METRICS: frozenset[str] = frozenset(
    f"{g}.{m}"
    for g in ("cash", "qr")
    for m in (
        "transactions",
        "throughput_per_hour",
        "peak_stall_throughput_per_hour",
        "wait_mean_s",
        "wait_p95_s",
        "service_mean_s",
    )
)
_PARTY = ("vendor_net_loss_per_million_vnd", "shopper_net_loss_per_million_vnd")
_EXTRA = (
    "all.sales_vnd",
    "all.qr_share",
    "all.cash_fallbacks",
    "all.balks",
    "all.qr_failures",
    "all.pending_transfers",
    "all.change_fetches",
    "all.change_roundings",
    "all.overpayments_returned",
    "all.underpayments_collected",
    "all.fraud_gain_per_million_vnd",
    "all.in_transit_vnd",
    "all.count_time_mean_s",
    "all.hours_open",
    "all.littles_law_residual",
)
METRIC_NAMES: tuple[str, ...] = (
    *(f"{g}.{m}" for g in GROUPS for m in HEADLINE_METRICS),
    *(f"{g}.{m}" for g in GROUPS for m in (*_PARTY, "fraud_take_per_million_vnd")),
    *(f"{m}.payment_time_s" for m in PAYMENT_METHODS),
    *(f"{m}.stall_capacity_per_hour" for m in PAYMENT_METHODS),
    *(f"all.lost_sales.{c}" for c in LOST_CAUSES),
    *(f"all.loss_per_million_vnd.{c}" for c in CAUSES),
    *(f"all.events.{c}" for c in CAUSES),
    "all.loss_per_million_vnd.bearer.vendor",
    "all.loss_per_million_vnd.bearer.shopper",
    *_EXTRA,
)
# What a paired comparison reports by default (market-wide answers, comparable per method).
COMPARE_METRICS: tuple[str, ...] = (
    "all.transactions",
    "all.throughput_per_hour",
    "all.wait_mean_s",
    "all.wait_p95_s",
    "all.lost_sales",
    "all.loss_per_million_vnd",
    "all.vendor_net_loss_per_million_vnd",
    "all.shopper_net_loss_per_million_vnd",
    "all.fraud_take_per_million_vnd",
    "all.reconciliation_gap_vnd",
    "cash.payment_time_s",
    "static_qr.payment_time_s",
    "dynamic_qr.payment_time_s",
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


@dataclass(frozen=True)
class _Arrays:
    """A day's records as numpy columns: the metrics are computed on these, not on pandas."""

    method: np.ndarray
    outcome: np.ndarray
    price: np.ndarray
    t_arrive: np.ndarray
    wait: np.ndarray
    service: np.ndarray
    payment: np.ndarray
    amount: np.ndarray
    bearer: np.ndarray
    beneficiary: np.ndarray
    ev_method: np.ndarray


_TX_FLOAT = ("t_arrive", "wait", "service", "payment")
_TX_INT = ("shopper", "stall", "category", "price")


def _tx_frame(rec: DayRecords, names: list[str]) -> pd.DataFrame:
    """The transactions, numeric columns converted once with their dtype (no inference)."""
    if not rec.tx["price"]:  # no visit: the columns as pandas infers them from empty lists
        empty = pd.DataFrame(rec.tx)
        empty["category"] = []
        empty["price"] = empty["price"].astype("int64")
        return empty
    cols: dict[str, Any] = {}
    for k, values in rec.tx.items():
        if k in _TX_FLOAT:
            cols[k] = np.fromiter(values, dtype=np.float64, count=len(values))
        elif k in _TX_INT:
            cols[k] = np.fromiter(values, dtype=np.int64, count=len(values))
        else:
            cols[k] = values
    codes = cols["category"]
    cols["category"] = pd.Categorical.from_codes(codes, categories=names)
    return pd.DataFrame(cols)


def _arrays(tx: pd.DataFrame, ev: pd.DataFrame) -> _Arrays:
    def obj(col: str, df: pd.DataFrame) -> np.ndarray:
        return df[col].to_numpy(dtype=object)

    return _Arrays(
        method=obj("method", tx),
        outcome=obj("outcome", tx),
        price=tx["price"].to_numpy(dtype=np.int64),
        t_arrive=tx["t_arrive"].to_numpy(dtype=float),
        wait=tx["wait"].to_numpy(dtype=float),
        service=tx["service"].to_numpy(dtype=float),
        payment=tx["payment"].to_numpy(dtype=float),
        amount=ev["amount"].to_numpy(dtype=np.int64),
        bearer=obj("bearer", ev),
        beneficiary=obj("beneficiary", ev),
        ev_method=obj("method", ev),
    )


def _party_net(a: _Arrays, emask: np.ndarray, party: str) -> float:
    amount = a.amount[emask]
    return float(amount[a.bearer[emask] == party].sum()) - float(
        amount[a.beneficiary[emask] == party].sum()
    )


def _group_metrics(
    a: _Arrays,
    mask: np.ndarray,
    emask: np.ndarray,
    done_all: np.ndarray,
    queued_all: np.ndarray,
    hours: float,
    n_stalls: int,
    gap: float,
    lost: float,
) -> dict[str, float]:
    done = done_all & mask
    queued = queued_all & mask
    n = int(done.sum())
    sales = int(a.price[done].sum())
    peak = (
        np.bincount((a.t_arrive[done] // 3600).astype(np.int64)).max() / max(1, n_stalls)
        if n
        else 0.0
    )
    waits = a.wait[queued]
    per_m = 1e6 / sales if sales else math.nan
    n_ev = int(emask.sum())
    return {
        "transactions": float(n),
        "throughput_per_hour": n / hours,
        "peak_stall_throughput_per_hour": float(peak),
        "wait_mean_s": float(waits.mean()) if len(waits) else math.nan,
        "wait_p95_s": float(np.percentile(waits, 95)) if len(waits) else math.nan,
        "service_mean_s": float(a.service[queued].mean()) if len(waits) else math.nan,
        "lost_sales": lost,
        "errors_per_1000": 1000.0 * n_ev / n if n else math.nan,
        "loss_per_million_vnd": float(a.amount[emask].sum()) * per_m,
        "reconciliation_gap_vnd": float(gap),
        "vendor_net_loss_per_million_vnd": _party_net(a, emask, "vendor") * per_m,
        "shopper_net_loss_per_million_vnd": _party_net(a, emask, "shopper") * per_m,
        "fraud_take_per_million_vnd": -_party_net(a, emask, "fraudster") * per_m,
    }


def _method_metrics(a: _Arrays) -> dict[str, float]:
    """Pure payment time per method (paid visits, selection excluded) and the capacity of
    one seller who only took that method, at the market's mean selection time."""
    paid = a.outcome == "paid"
    select = float((a.service[paid] - a.payment[paid]).mean()) if paid.any() else math.nan
    out: dict[str, float] = {}
    for m in PAYMENT_METHODS:
        rows = paid & ((a.method != "cash") if m == "qr" else (a.method == m))
        pay = float(a.payment[rows].mean()) if rows.any() else math.nan
        out[f"{m}.payment_time_s"] = pay
        out[f"{m}.stall_capacity_per_hour"] = 3600.0 / (pay + select) if rows.any() else math.nan
    return out


def build_day_result(rec: DayRecords, keep_records: bool = True) -> DayResult:
    """Assemble DataFrames, settlement and metrics from a day's :class:`DayRecords`."""
    sc = rec.scenario
    led = rec.ledger
    names = [c.name for c in sc.categories]
    tx = _tx_frame(rec, names)
    ev = pd.DataFrame(led.events, columns=list(led.events))
    ev["amount"] = ev["amount"].astype("int64")
    end = rec.end
    hours = end / 3600.0  # hours open: from opening to the last departure (closing rule)
    n = len(rec.servers)
    fv = value(list(sc.market.drawer_float))
    cash = [value(d) - fv for d in led.drawers]
    notes = [sum(d) for d in led.drawers]
    a = _arrays(tx, ev)
    queued_all = a.outcome != "lost_balk"
    tx_stall = tx["stall"].to_numpy(dtype=np.int64)
    soj = np.bincount(
        tx_stall[queued_all], weights=(a.wait + a.service)[queued_all], minlength=n
    ).astype(float)
    stalls = rec.stalls
    st = pd.DataFrame(
        {
            "stall": range(n),
            "category": pd.Categorical.from_codes(stalls.category, categories=names),
            "servers": rec.servers,
            "qr": stalls.qr,
            "dynamic": stalls.dynamic,
            "speaker": stalls.speaker,
            "swapped": [t <= end for t in stalls.swap_time],
            "swap_found": led.swap_fixed,
            "expected": led.goods,
            "cash_kept": cash,
            "fake_notes": led.fake_pile,
            "transfers": led.received,
            "in_transit": rec.transit,
        }
    )
    st["gap"] = st["expected"] - st["cash_kept"] - st["transfers"]
    cause_index = {c: k for k, c in enumerate(CAUSES)}
    ev_cause = np.asarray([cause_index[e] for e in led.events["event"]], dtype=np.int64)
    ev_stall = np.asarray(led.events["stall"], dtype=np.int64)
    net = np.zeros((n, len(CAUSES)), dtype=np.int64)  # vendors' net loss by stall and cause
    lose, gain = a.bearer == "vendor", a.beneficiary == "vendor"
    np.add.at(net, (ev_stall[lose], ev_cause[lose]), a.amount[lose])
    np.subtract.at(net, (ev_stall[gain], ev_cause[gain]), a.amount[gain])
    for k, cause in enumerate(CAUSES):
        st[f"gap_{cause}"] = net[:, k]
    st["gap_in_transit"] = st["in_transit"]
    st["count_time_s"] = [
        sc.market.count_time_base + sc.market.count_time_per_note * k for k in notes
    ]
    st["L"] = np.asarray(rec.areas) / end
    st["arrival_rate"] = np.asarray(rec.joined) / end
    st["W"] = np.divide(soj, rec.joined, out=np.zeros(n), where=np.asarray(rec.joined) > 0)
    trace = pd.DataFrame(rec.trace, columns=["t", "category", "queue_length"])
    trace["category"] = pd.Categorical.from_codes(
        trace["category"].to_numpy(dtype=int), categories=names
    )
    is_qr = a.method != "cash"
    ev_qr = a.ev_method != "cash"
    done_all = tx["outcome"].isin(HANDED_OVER).to_numpy()
    gap_all = float(st["gap"].sum())
    vendor_net = {qr: _party_net(a, ev_qr if qr else ~ev_qr, "vendor") for qr in (False, True)}
    lost_mask = tx["outcome"].isin(LOST).to_numpy()
    n_lost = float(lost_mask.sum())
    everything = np.ones(len(a.method), dtype=bool)
    every_event = np.ones(len(a.amount), dtype=bool)
    metrics: dict[str, float] = {}
    for g, mask, emask, gap, lost in (
        ("all", everything, every_event, gap_all, n_lost),
        ("cash", ~is_qr, ~ev_qr, vendor_net[False], math.nan),
        ("qr", is_qr, ev_qr, vendor_net[True] + float(sum(rec.transit)), math.nan),
    ):
        m = _group_metrics(a, mask, emask, done_all, queued_all, hours, n, gap, lost)
        metrics.update({f"{g}.{k}": v for k, v in m.items()})
    metrics.update(_method_metrics(a))
    lost_counts = dict(zip(*np.unique(a.outcome[lost_mask], return_counts=True), strict=True))
    for why in LOST_CAUSES:
        metrics[f"all.lost_sales.{why}"] = float(lost_counts.get(f"lost_{why}", 0))
    sales = float(a.price[done_all].sum())
    per_m = 1e6 / sales if sales else math.nan
    by_cause = np.bincount(ev_cause, weights=a.amount, minlength=len(CAUSES))
    n_cause = np.bincount(ev_cause, minlength=len(CAUSES))
    for k, cause in enumerate(CAUSES):
        metrics[f"all.loss_per_million_vnd.{cause}"] = float(by_cause[k]) * per_m
        metrics[f"all.events.{cause}"] = float(n_cause[k])
    for who in ("vendor", "shopper"):
        borne = float(a.amount[a.bearer == who].sum())
        metrics[f"all.loss_per_million_vnd.bearer.{who}"] = borne * per_m
    c = dict(led.counters)
    little = np.abs(st["L"] - st["arrival_rate"] * st["W"])
    metrics.update(
        {
            "all.sales_vnd": sales,
            "all.qr_share": float(is_qr[done_all].mean()) if done_all.any() else math.nan,
            "all.cash_fallbacks": float(c.get("cash_fallback", 0)),
            "all.balks": float(c.get("balked", 0)),
            "all.qr_failures": float(c.get("qr_failed", 0) + c.get("qr_failed_outage", 0)),
            "all.pending_transfers": float(c.get("pending", 0)),
            "all.change_fetches": float(c.get("change_fetched", 0)),
            "all.change_roundings": float(c.get("change_rounded", 0)),
            "all.overpayments_returned": float(c.get("overpay_returned", 0)),
            "all.underpayments_collected": float(c.get("underpay_collected", 0)),
            "all.fraud_gain_per_million_vnd": float(a.amount[a.beneficiary == "fraudster"].sum())
            * per_m,
            "all.in_transit_vnd": float(st["in_transit"].sum()),
            "all.count_time_mean_s": float(st["count_time_s"].mean()),
            "all.hours_open": hours,
            "all.littles_law_residual": float(little.max()) if n else 0.0,
        }
    )
    ledger = {
        "goods": int(sum(led.goods)),
        "goods_shoppers": int(led.goods_shoppers),
        "cash_kept": int(sum(cash)),
        "fake_notes": int(sum(led.fake_pile)),
        "confiscated": int(led.confiscated),
        "transfers_received": int(sum(led.received)),
        "in_transit": int(sum(rec.transit)),
        "fraud_transfers": int(led.fraud_received),
        "shopper_outflow": int(led.wallet_start - led.wallet_end + led.sent - led.refunded),
    }
    if not keep_records:
        tx, ev, st, trace = tx.iloc[:0], ev.iloc[:0], st.iloc[:0], trace.iloc[:0]
    return DayResult(tx, ev, st, trace, metrics, ledger, c)
