"""Provenance of every number in the scenario tree: unit, evidence grade, source, sweep.

Each parameter's ``source`` and ``sweep`` are written next to its field
(:mod:`cashless.sim.params`); this module adds the ``evidence`` grade, graded against
the tables of market-sim §5 and the additions of market-sim §8:

* ``measured``: observed in a Vietnamese market like the one modelled (none yet: the
  reference has no local stopwatch, basket or error counts, market-sim §7);
* ``analogue``: measured elsewhere and carried over (Bundesbank checkout times, UPI
  failure rates, ECB counterfeits, price observations behind the basket medians);
* ``assumption``: chosen by the modeller, including model controls and design choices.

It also gives every numeric parameter without a sweep range on its field one here
(per category, relative to the category's own value), so a global sensitivity analysis
can reach every number. Per-category rows are per field per category.

>>> from cashless.sim.params import Scenario
>>> rows = {r["key"]: r for r in provenance_rows(Scenario())}
>>> rows["payments.cash_change_time_mean"]["evidence"], rows["payments.static_qr_time_mean"]["sweep_low"]
('analogue', 8.0)
>>> rows["categories.meat.basket_median"]["unit"], rows["categories.fish.basket_median"]["evidence"]
('VND', 'assumption')
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from cashless.sim.params import Scenario, StallCategory

__all__ = ["EVIDENCE_GRADES", "Evidence", "provenance_rows"]

Evidence = Literal["measured", "analogue", "assumption"]
EVIDENCE_GRADES: tuple[Evidence, ...] = ("measured", "analogue", "assumption")
SECTIONS = ("market", "arrivals", "baskets", "payments", "errors", "infrastructure")

# Parameters resting on a measurement made elsewhere (everything else is an assumption).
_ANALOGUE: dict[str, str] = {
    "arrivals.demand_multiplier": "market-sim §3.7 Go! Thanh Hóa Tết footfall",
    "baskets.multiplier": "market-sim §3.7 Tết spending",
    "payments.cash_change_time_mean": "market-sim §1 Bundesbank 2023 cash 18.1-18.7 s",
    "payments.cash_exact_time_mean": "market-sim §1 Bundesbank 2023 (cash < €10: 15.2 s)",
    "payments.qr_stall_share": "market-sim §3.2 analogues 80-96 % of stalls",
    "errors.qr_technical_fail_prob": "market-sim §2.3 UPI technical declines",
    "errors.qr_user_fail_prob": "market-sim §2.3 UPI business declines",
    "errors.counterfeit_prob": "market-sim §2.2 ECB 16 per million notes",
    "errors.stress_multiplier": "market-sim §2.3 Tết congestion reports",
    "infrastructure.outage_rate_per_day": "market-sim §2.3 UPI and NAPAS outages",
    "infrastructure.outage_median_s": "market-sim §2.3 NAPAS 60-min windows",
    "infrastructure.outage_p95_s": "market-sim §2.3 UPI 5-h degradation",
    "payments.app_ready_time_factor": "market-sim §8 Hangzhou buses 1.64 s vs 10.94 s",
}
_ANALOGUE_CATEGORY: dict[tuple[str, str], str] = {
    ("vegetables", "basket_median"): "market-sim §3.5 bunch 12-30k, tomatoes 60-70k/kg",
    ("meat", "basket_median"): "market-sim §3.5 pork 130-160k/kg, beef 200-260k/kg",
    ("poultry", "basket_median"): "market-sim §3.5 chicken 70-85k/kg",
}
# Sweep ranges for numbers whose field has none, or a wider one than the field's.
_SWEEPS: dict[str, tuple[Any, Any]] = {
    "market.stalls_scale": (0.25, 1.0),
    "baskets.price_rounding": (1_000, 5_000),
    "baskets.exact_threshold": (20_000, 100_000),
    "baskets.wallet_sigma": (0.4, 1.0),
    "payments.skip_verification_queue": (1, 6),
    "payments.static_qr_time_mean": (8.0, 45.0),  # from 8 s: the evidence points lower
    "payments.notify_p95": (8.0, 60.0),
    "payments.note_check_time_mean": (3.0, 10.0),
    "payments.glance_time": (1.0, 6.0),
    "payments.max_qr_attempts": (1, 4),
    "errors.mistype_under_share": (0.3, 0.7),
    "errors.key_error_notice_prob": (0.2, 0.8),
    "errors.sticker_refund_prob": (0.2, 0.8),
    "errors.pending_next_day_share": (0.0, 0.05),
    "errors.pending_same_day_share": (0.05, 0.3),
    "errors.over_transfer_prob": (0.0, 0.03),
    "infrastructure.outage_median_s": (600.0, 3600.0),
    "infrastructure.outage_p95_s": (3600.0, 18000.0),
    "infrastructure.outage_fail_share": (0.4, 0.9),
    "infrastructure.outages": ((), ((7200.0, 3600.0),)),
}
_UNITS: tuple[tuple[str, str], ...] = (
    ("_per_stall_month", "1/stall-month"),
    ("_per_day", "1/day"),
    ("_prob", "probability"),
    ("_share", "share"),
    ("_at_open", "share"),
    ("_factor", "factor"),
    ("_sigma", "log-sd"),
    ("multiplier", "factor"),
    ("_days", "days"),
    ("_hour", "hour of day"),
    ("_slope", "per waiting shopper"),
    ("_attempts", "count"),
    ("_queue", "shoppers"),
    ("_size", "stalls"),
)


def _unit(name: str, kind: str, value: Any) -> str:
    if kind == "money":
        return "VND"
    if name.endswith("_factor"):
        return "factor"
    if kind == "prob" and "_share" not in name:
        return "probability"
    if name.endswith("_undetected"):
        return "days"
    for suffix, unit in _UNITS:
        if name.endswith(suffix):
            return unit
    if name in ("drawer_float",):
        return "notes (1k..500k)"
    if name == "wallet_small_notes":
        return "notes (Poisson means)"
    if name in ("over_transfer_amounts",):
        return "VND"
    if name == "wrong_change_note_weights":
        return "weights (1k..50k)"
    if name == "hourly_shares":
        return "share per hour"
    if name == "outages":
        return "(start s, duration s)"
    if name in ("stalls", "servers", "stalls_scale"):
        return "count" if name != "stalls_scale" else "factor"
    if name == "visitors_per_day":
        return "shoppers/day"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "flag"
    return "s"


def _rotate(shares: tuple[float, ...], by: int) -> tuple[float, ...]:
    return tuple(shares[(k - by) % len(shares)] for k in range(len(shares))) if shares else shares


def _default_sweep(key: str, name: str, value: Any, kind: str) -> tuple[Any, Any] | None:
    if key in _SWEEPS:
        return _SWEEPS[key]
    if name == "drawer_float":
        return tuple(n // 2 for n in value), tuple(2 * n for n in value)
    if name == "hourly_shares":
        return _rotate(value, -1), _rotate(value, 1)  # the peak an hour earlier / later
    if isinstance(value, (bool, str)):
        return None
    if name.endswith("_time_sd"):
        return 0.5 * value, 1.5 * value
    return None


def _category_sweep(name: str, value: Any) -> tuple[Any, Any] | None:
    if name == "stalls":
        return max(1, round(0.7 * value)), round(1.3 * value)
    if name == "visit_prob":
        return 0.7 * value, min(1.0, 1.3 * value)
    if name == "basket_median":
        return round(0.7 * value, -3), round(1.3 * value, -3)
    if name == "basket_sigma":
        return max(0.0, value - 0.2), value + 0.2
    if name in ("select_mean", "select_sd"):
        return 0.5 * value, 1.5 * value
    if name == "two_server_share":
        return 0.0, max(0.3, min(1.0, 2 * value))
    if name == "no_qr_factor":
        return 1.0, max(3.0, value)
    if name == "servers":
        return 1, 3
    return None


def _row(
    key: str, f: dataclasses.Field[Any], value: Any, sweep: Any, evidence: str, src: str
) -> dict[str, Any]:
    low, high = sweep if sweep else (None, None)
    return {
        "key": key,
        "value": value,
        "unit": _unit(f.name, f.metadata.get("kind", ""), value),
        "evidence": evidence,
        "source": src,
        "assumption": evidence == "assumption",
        "sweep_low": low,
        "sweep_high": high,
        "doc": f.metadata.get("doc", ""),
    }


def provenance_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """One row per parameter: key, value, unit, evidence, source, assumption, sweep_low,
    sweep_high, doc. Every numeric parameter has a sweep range."""
    rows = []
    for sect in SECTIONS:
        obj = getattr(scenario, sect)
        for f in dataclasses.fields(obj):
            key = f"{sect}.{f.name}"
            value = getattr(obj, f.name)
            source = f.metadata.get("source", "")
            sweep = f.metadata.get("sweep")
            if key in _SWEEPS or sweep is None:
                sweep = _default_sweep(key, f.name, value, f.metadata.get("kind", ""))
            evidence = "analogue" if key in _ANALOGUE else "assumption"
            if key in _ANALOGUE:
                source = f"{source}; {_ANALOGUE[key]}" if source else _ANALOGUE[key]
            rows.append(_row(key, f, value, sweep, evidence, source))
    for cat in scenario.categories:
        for f in dataclasses.fields(StallCategory):
            key = f"categories.{cat.name}.{f.name}"
            value = getattr(cat, f.name)
            source = f.metadata.get("source", "")
            sweep = f.metadata.get("sweep") or _category_sweep(f.name, value)
            analogue = _ANALOGUE_CATEGORY.get((cat.name, f.name))
            evidence = "analogue" if analogue else "assumption"
            rows.append(_row(key, f, value, sweep, evidence, analogue or source))
    return rows
