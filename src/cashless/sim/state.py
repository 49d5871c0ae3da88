"""The explicit state of one market day: what payments read (``Rates``, ``Stalls``) and
what they write (``Ledger``), and the vocabularies of methods, outcomes, causes, parties.

``Rates`` is frozen: every probability and time law of a scenario, resolved once per day
(stress multipliers applied, lognormals as ``(mu, sigma)``). ``Ledger`` is the only
mutable money state: drawers, accounts, goods handed over, events and counters. The
payment functions (:mod:`cashless.sim.payments`) import this module, never the model.

>>> from cashless.sim.params import Scenario
>>> r = Rates.from_scenario(Scenario())
>>> round(r.cash_change.mean(), 6), r.max_attempts
(22.0, 2)
>>> led = Ledger.opening([0, 0, 0, 0, 0, 0, 1, 0, 0], 2)
>>> led.event(0.0, 1, "mistype_over", 5_000, "shopper", "vendor", "static_qr")
>>> led.events["amount"], led.drawers[1]
([5000], [0, 0, 0, 0, 0, 0, 1, 0, 0])
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from cashless.sim.params import Scenario

__all__ = [
    "CAUSES",
    "LOST_CAUSES",
    "METHODS",
    "OUTCOMES",
    "PARTIES",
    "Cause",
    "Ledger",
    "Lognormal",
    "LostCause",
    "Method",
    "Outcome",
    "Party",
    "Rates",
    "Stalls",
]

Method = Literal["cash", "static_qr", "dynamic_qr"]
Outcome = Literal[
    "paid",
    "unpaid",
    "fake_screenshot",
    "fraud_refused",
    "lost_balk",
    "lost_qr_failed_no_cash",
    "lost_qr_failed_left",
    "lost_no_cash_at_cash_stall",
    "lost_no_cash",
    "lost_no_change",
]
# Why a sale was lost: the outcome names without "lost_" (results key on these).
LostCause = Literal[
    "balk",
    "qr_failed_no_cash",
    "qr_failed_left",
    "no_cash_at_cash_stall",
    "no_cash",
    "no_change",
]
Cause = Literal[
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
]
Party = Literal["vendor", "shopper", "fraudster"]

METHODS: tuple[Method, ...] = get_args(Method)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
LOST_CAUSES: tuple[LostCause, ...] = get_args(LostCause)
CAUSES: tuple[Cause, ...] = get_args(Cause)
PARTIES: tuple[Party, ...] = get_args(Party)
_Z95 = 1.6448536269514722


@dataclass(frozen=True, slots=True)
class Lognormal:
    """A lognormal time law as ``(mu, sigma)`` of its log; a draw is ``exp(mu + sigma z)``.

    >>> Lognormal.from_mean_sd(0.0, 1.0).draw(0.3)
    0.0
    >>> round(Lognormal.from_median_p95(3.0, 15.0).draw(0.0), 9)
    3.0
    """

    mu: float
    sigma: float

    @classmethod
    def from_mean_sd(cls, mean: float, sd: float) -> Lognormal:
        """By mean and sd; a mean of 0 gives mu = -inf (every draw is 0)."""
        if mean <= 0:
            return cls(-math.inf, 0.0)
        s2 = math.log1p((sd / mean) ** 2)
        return cls(math.log(mean) - s2 / 2, math.sqrt(s2))

    @classmethod
    def from_median_p95(cls, median: float, p95: float) -> Lognormal:
        """By median and 95th percentile."""
        return cls(math.log(median), math.log(p95 / median) / _Z95)

    def draw(self, z: float) -> float:
        """The value at standard normal ``z``."""
        return math.exp(self.mu + self.sigma * z)

    def mean(self) -> float:
        """The law's mean."""
        return math.exp(self.mu + self.sigma * self.sigma / 2)


def _ln(p: Any, name: str) -> Lognormal:
    return Lognormal.from_mean_sd(getattr(p, name + "_time_mean"), getattr(p, name + "_time_sd"))


@dataclass(frozen=True, slots=True)
class Rates:
    """Every probability and time law one day of a scenario uses (stress applied)."""

    cash_exact: Lognormal
    cash_change: Lognormal
    note_check: Lognormal
    change_fetch: Lognormal
    static_qr: Lognormal
    dynamic_qr: Lognormal
    vendor_key: Lognormal
    phone_check: Lognormal
    retry: Lognormal
    notify: Lognormal
    glance_time: float
    pending_wait: float
    app_ready_prob: float
    app_ready_time_factor: float
    skip_queue: int
    skip_p: float
    max_attempts: int
    qr_fallback_cash_p: float
    exact_threshold: int
    exact_small: float
    exact_large: float
    rounding_limit: int
    confusion_p: float
    confusion_slope: float
    confusion_unpaid_share: float
    wrong_change_p: float
    wrong_change_over_share: float
    wrong_note_cum: tuple[float, ...]
    counterfeit_p: float
    counterfeit_detect: float
    fake_screenshot_p: float
    qr_tech_p: float
    qr_fail_p: float
    unverified_accept_p: float
    pending_p: float
    outage_fail_share: float
    mistype_p: float
    mistype_under: float
    slip_median_share: float
    slip_sigma: float
    key_error_p: float
    key_error_under: float
    key_notice: float
    locked_app_share: float
    dynamic_edit_p: float
    phone_detect: float
    over_notice_speaker: float
    over_notice_phone: float
    over_notice_payer: float
    over_return_p: float
    sticker_refund: float
    over_transfer_p: float
    cash_out: tuple[int, ...]
    pending_next_day_share: float
    pending_same_day_share: float
    pending_fast_s: tuple[float, float]
    pending_slow_s: tuple[float, float]
    pending_after_outage_s: float
    pending_reversal_p: float

    @classmethod
    def from_scenario(cls, sc: Scenario) -> Rates:
        """Resolve the scenario's parameters for one day."""
        p, e, b, inf = sc.payments, sc.errors, sc.baskets, sc.infrastructure
        st = e.stress_multiplier
        tech = min(1.0, e.qr_technical_fail_prob * st)
        w = e.wrong_change_note_weights
        total = sum(w)
        cum = tuple(sum(w[: k + 1]) / total for k in range(len(w)))
        return cls(
            cash_exact=_ln(p, "cash_exact"),
            cash_change=_ln(p, "cash_change"),
            note_check=_ln(p, "note_check"),
            change_fetch=_ln(p, "change_fetch"),
            static_qr=_ln(p, "static_qr"),
            dynamic_qr=_ln(p, "dynamic_qr"),
            vendor_key=_ln(p, "vendor_key"),
            phone_check=_ln(p, "phone_check"),
            retry=_ln(p, "retry"),
            notify=Lognormal.from_median_p95(p.notify_median, p.notify_p95),
            glance_time=p.glance_time,
            pending_wait=p.pending_wait,
            app_ready_prob=p.app_ready_prob,
            app_ready_time_factor=p.app_ready_time_factor,
            skip_queue=p.skip_verification_queue,
            skip_p=p.skip_verification_prob,
            max_attempts=max(1, p.max_qr_attempts),
            qr_fallback_cash_p=p.qr_fallback_cash_prob,
            exact_threshold=b.exact_threshold,
            exact_small=b.exact_prob_small,
            exact_large=b.exact_prob_large,
            rounding_limit=p.change_rounding_limit,
            confusion_p=e.confusion_prob,
            confusion_slope=e.confusion_queue_slope,
            confusion_unpaid_share=e.confusion_unpaid_share,
            wrong_change_p=e.wrong_change_prob,
            wrong_change_over_share=e.wrong_change_over_share,
            wrong_note_cum=cum,
            counterfeit_p=e.counterfeit_prob,
            counterfeit_detect=e.counterfeit_detect_prob,
            fake_screenshot_p=e.fake_screenshot_prob,
            qr_tech_p=tech,
            qr_fail_p=min(1.0, tech + e.qr_user_fail_prob),
            unverified_accept_p=e.unverified_failure_accept_prob,
            pending_p=min(1.0, e.pending_prob * st),
            outage_fail_share=inf.outage_fail_share,
            mistype_p=e.mistype_prob,
            mistype_under=e.mistype_under_share,
            slip_median_share=e.mistype_slip_median_share,
            slip_sigma=e.mistype_slip_sigma,
            key_error_p=e.key_error_prob,
            key_error_under=e.key_error_under_share,
            key_notice=e.key_error_notice_prob,
            locked_app_share=p.dynamic_locked_app_share,
            dynamic_edit_p=p.dynamic_edit_prob,
            phone_detect=e.phone_detect_prob,
            over_notice_speaker=e.overpay_notice_speaker_prob,
            over_notice_phone=e.overpay_notice_phone_prob,
            over_notice_payer=e.overpay_notice_payer_prob,
            over_return_p=e.overpay_return_prob,
            sticker_refund=e.sticker_refund_prob,
            over_transfer_p=e.over_transfer_prob,
            cash_out=tuple(int(x) for x in e.over_transfer_amounts),
            pending_next_day_share=e.pending_next_day_share,
            pending_same_day_share=e.pending_same_day_share,
            pending_fast_s=(e.pending_fast_min_s, e.pending_fast_max_s),
            pending_slow_s=(e.pending_fast_max_s, e.pending_same_day_max_s),
            pending_after_outage_s=e.pending_after_outage_s,
            pending_reversal_p=e.pending_reversal_prob,
        )


@dataclass(frozen=True, slots=True)
class Stalls:
    """What each stall is, fixed for the day (one list entry per stall)."""

    category: list[int]
    qr: list[bool]
    dynamic: list[bool]
    speaker: list[bool]
    kind: list[Method]
    swap_time: list[float]  # when the static sticker is pasted over (inf: never)


def _event_columns() -> dict[str, list[Any]]:
    return {k: [] for k in ("t", "stall", "event", "amount", "bearer", "beneficiary", "method")}


@dataclass(slots=True)
class Ledger:
    """The day's money and counts (int VND), written by the payments as they happen.

    ``sent`` is what shoppers' accounts sent, ``received`` what vendors' accounts got,
    ``fraud_received`` what fraudsters' accounts got; ``events`` holds one column per
    field of a settlement-error event (who lost how much to whom).
    """

    float_counts: list[int]
    drawers: list[list[int]]
    goods: list[int]
    received: list[int]
    fake_pile: list[int]
    swap_fixed: list[bool]
    goods_shoppers: int = 0
    sent: int = 0
    refunded: int = 0
    fraud_received: int = 0
    confiscated: int = 0
    wallet_start: int = 0
    wallet_end: int = 0
    pending: list[tuple[int, int, float, bool, str]] = field(default_factory=list)
    counters: Counter[str] = field(default_factory=Counter)
    events: dict[str, list[Any]] = field(default_factory=_event_columns)

    @classmethod
    def opening(cls, drawer_float: list[int] | tuple[int, ...], n_stalls: int) -> Ledger:
        """Every drawer holds the opening float; nothing has happened yet."""
        return cls(
            float_counts=list(drawer_float),
            drawers=[list(drawer_float) for _ in range(n_stalls)],
            goods=[0] * n_stalls,
            received=[0] * n_stalls,
            fake_pile=[0] * n_stalls,
            swap_fixed=[False] * n_stalls,
        )

    def event(
        self,
        t: float,
        s: int,
        name: Cause,
        amount: int,
        bearer: Party,
        beneficiary: Party,
        method: str,
    ) -> None:
        """Book one settlement-error event (money moving from ``bearer`` to ``beneficiary``)."""
        ev = self.events
        ev["t"].append(t)
        ev["stall"].append(s)
        ev["event"].append(name)
        ev["amount"].append(amount)
        ev["bearer"].append(bearer)
        ev["beneficiary"].append(beneficiary)
        ev["method"].append(method)

    def count(self, name: str) -> None:
        """Count an operational occurrence (fallbacks, fetches of change, failures...)."""
        self.counters[name] += 1
