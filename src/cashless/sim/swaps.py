"""Sticker swaps across days: the morning carry-over from the model's own detection.

A printed static code is pasted over at ``sticker_swap_per_stall_month / 30`` per
stall-day (``sticker_swap_cluster_size`` adjacent stalls at once, same marginal rate).
During the day the model finds a swap at the first QR payment the vendor verifies well:
a speaker names the wrong account every time, the own phone with ``phone_detect_prob``,
a glance never. Each morning a swap still in place is found by the vendor's self-scan or
an organiser's audit (every ``sticker_audit_interval_days``; 0 = never) with probability
``p``. So a stall's state at opening is a two-state Markov chain whose steady state

    pi = a / (1 - (1 - q_open)(1 - p) + a),    a = h (1 - q_day)(1 - p)

uses the in-day detection probabilities of a swap present from opening (``q_open``) and
of one pasted at a uniform time of day (``q_day``), both from the model's own rules: QR
payments at the stall arrive as the day's Poisson profile with the expected rate of the
stall's category. :func:`simulate_swap_chain` runs the day model over consecutive days
(one market, swaps carried from one evening to the next morning) to check this.

>>> from cashless.sim.params import Errors
>>> from cashless.sim.scenario import preset, with_overrides
>>> sc = with_overrides(preset("dien-bien"), {"errors.sticker_swap_per_stall_month": 0.03})
>>> 0.0 < carried_swap_share(sc, 0, speaker=False) < 0.001
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from cashless.sim.draws import stall_counts
from cashless.sim.params import Scenario

__all__ = ["SwapChain", "carried_swap_share", "detection_probabilities", "morning_find_prob"]

_GRID = 200  # points of the swap-time average over the day


def morning_find_prob(sc: Scenario) -> float:
    """Probability that a swap still in place is found before the next opening."""
    e = sc.errors
    interval = e.sticker_audit_interval_days
    audit = 1.0 / interval if interval >= 1.0 else (1.0 if interval > 0 else 0.0)
    return 1.0 - (1.0 - e.sticker_self_scan_prob) * (1.0 - audit)


def _qr_payments_per_stall(sc: Scenario, category: int) -> float:
    """Expected QR payments a day at one QR stall of ``category``."""
    counts = stall_counts(sc)
    n = counts[category]
    if n == 0:
        return 0.0
    base = sum(c.stalls for c in sc.categories)
    scale = sum(counts) / base if base else 0.0
    visitors = sc.arrivals.visitors_per_day * sc.arrivals.demand_multiplier * scale
    visit = min(1.0, sc.categories[category].visit_prob * sc.baskets.visit_multiplier)
    return visitors * visit * sc.payments.qr_share / n


def _remaining_shares(sc: Scenario) -> tuple[float, ...]:
    """Share of the day's arrivals still to come, at ``_GRID`` evenly spaced times."""
    a = sc.arrivals
    flat = a.profile == "flat" or not a.hourly_shares
    return _remaining(() if flat else tuple(a.hourly_shares), sc.market.hours)


@lru_cache(maxsize=64)
def _remaining(hourly_shares: tuple[float, ...], hours: float) -> tuple[float, ...]:
    if not hourly_shares:
        return tuple(1.0 - (k + 0.5) / _GRID for k in range(_GRID))
    total = sum(hourly_shares)
    shares = [x / total for x in hourly_shares]
    after = [sum(shares[h + 1 :]) for h in range(len(shares))]
    out = []
    for k in range(_GRID):
        t = (k + 0.5) / _GRID * hours
        h = min(int(t), len(shares) - 1)
        out.append(after[h] + shares[h] * (h + 1 - t))
    return tuple(out)


def detection_probabilities(sc: Scenario, category: int, speaker: bool) -> tuple[float, float]:
    """(q_open, q_day): in-day detection of a swap present at opening / pasted during the day."""
    lam = _qr_payments_per_stall(sc, category)
    d = 1.0 if speaker else sc.errors.phone_detect_prob
    q_open = 1.0 - math.exp(-lam * d)
    rest = _remaining_shares(sc)
    q_day = 1.0 - sum(math.exp(-lam * d * r) for r in rest) / len(rest)
    return q_open, q_day


def carried_swap_share(sc: Scenario, category: int, *, speaker: bool) -> float:
    """Steady-state probability that a static stall of ``category`` opens swapped.

    Capped at ``h x sticker_max_days_undetected`` (somebody complains eventually).
    """
    e = sc.errors
    h = min(1.0, e.sticker_swap_per_stall_month / 30.0)
    if h <= 0.0:
        return 0.0
    p = morning_find_prob(sc)
    q_open, q_day = detection_probabilities(sc, category, speaker)
    a = h * (1.0 - q_day) * (1.0 - p)
    denominator = 1.0 - (1.0 - q_open) * (1.0 - p) + a
    pi = a / denominator if denominator > 0 else 1.0
    return min(pi, h * e.sticker_max_days_undetected, 1.0)


@dataclass(frozen=True)
class SwapChain:
    """Consecutive days of one market: the share of static stalls opening swapped each day,
    and the steady state :func:`carried_swap_share` predicts for the same stalls."""

    opened_swapped: tuple[float, ...]
    predicted: float
