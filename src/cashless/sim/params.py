"""The scenario tree: frozen dataclasses holding every model parameter.

Each field carries metadata: ``source`` (where the default comes from, cited like
``market-sim §5.1``, a heading of docs/references.md; ``[A]`` marks one of its
assumptions), ``sweep`` (the range worth exploring) and ``kind`` (the check applied on
construction). Time is in seconds, money in ``int`` VND.

>>> Payments().qr_share
0.4
>>> Payments(qr_share=1.5)
Traceback (most recent call last):
...
cashless.errors.ScenarioError: payments.qr_share must be a probability in [0, 1], got 1.5
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from cashless.errors import ScenarioError

__all__ = [
    "MAX_SHOPPERS_PER_DAY",
    "SMALLEST_NOTE",
    "Arrivals",
    "Baskets",
    "Errors",
    "Infrastructure",
    "Market",
    "Payments",
    "Scenario",
    "StallCategory",
    "default_categories",
]


def _f(
    default: Any, source: str, sweep: tuple | None = None, kind: str = "nonneg", doc: str = ""
) -> Any:
    """A dataclass field with its provenance (``source``), sweep range and check kind."""
    meta = {"source": source, "sweep": sweep, "kind": kind, "doc": doc}
    if isinstance(default, tuple):
        return field(default_factory=lambda: default, metadata=meta)
    return field(default=default, metadata=meta)


#: The smallest Vietnamese note: every amount of money is a multiple of it.
SMALLEST_NOTE = 1000
#: Shoppers of one simulated day (visitors times demand): about 5 KB of memory each.
MAX_SHOPPERS_PER_DAY = 200_000

# Upper bounds that keep a scenario physical and a market day in memory and in time.
# By field name first, then by the end of the name, then by kind. A value above its
# bound is a ScenarioError naming the key, never an overflow, a hang or a crash.
_MAX_BY_NAME: dict[str, float] = {
    "open_hour": 24.0,
    "close_hour": 48.0,  # a market open past midnight closes before the next evening
    "stalls_scale": 20.0,
    "stalls": 5_000,
    "servers": 10,
    "visitors_per_day": float(MAX_SHOPPERS_PER_DAY),
    "demand_multiplier": 10.0,
    "multiplier": 10.0,
    "visit_multiplier": 5.0,
    "stress_multiplier": 100.0,
    "outage_rate_per_day": 48.0,
    "max_qr_attempts": 20,
    "balk_queue": 10_000,
    "skip_verification_queue": 10_000,
    "sticker_swap_cluster_size": 1_000,
    "sticker_max_days_undetected": 3_650.0,
    "sticker_audit_interval_days": 3_650.0,
    "sticker_swap_per_stall_month": 31.0,
    "confusion_queue_slope": 100.0,
    "no_qr_factor": 100.0,
    "app_ready_time_factor": 100.0,
}
_MAX_BY_SUFFIX: tuple[tuple[str, float], ...] = (
    ("_sigma", 3.0),  # a log-sd of 3 is a factor of 20 per sd: wider is no market
    ("_share", 1e3),
    ("_days", 3_650.0),
    ("_per_day", 1e5),
)
_MAX_SECONDS = 86_400.0  # any duration: at most a day
_MAX_BY_KIND: dict[str, float] = {"money": 1_000_000_000, "int": 1_000_000}
_MAX_NUMBER = 1e6  # any other number: far above every default, far below an overflow


def _limit(name: str, kind: str) -> float:
    if name in _MAX_BY_NAME:
        return _MAX_BY_NAME[name]
    for suffix, bound in _MAX_BY_SUFFIX:
        if name.endswith(suffix):
            return bound
    if kind in _MAX_BY_KIND:
        return _MAX_BY_KIND[kind]
    return _MAX_SECONDS if _is_duration(name) else _MAX_NUMBER


def _is_duration(name: str) -> bool:
    return any(part in name for part in ("time", "wait", "_s", "_mean", "_sd", "_median", "_p95"))


def _check_bound(key: str, name: str, kind: str, value: float) -> None:
    bound = _limit(name, kind)
    if value > bound:
        shown = f"{bound:,.0f}" if float(bound).is_integer() else f"{bound:g}"
        raise ScenarioError(f"must be at most {shown}, got {value!r}", field=key)
    if kind == "money" and value % SMALLEST_NOTE:
        raise ScenarioError(
            f"must be a multiple of {SMALLEST_NOTE:,} VND (the smallest note), got {value!r}",
            field=key,
        )


def _check(obj: Any, section: str) -> None:
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        kind = f.metadata.get("kind")
        key = f"{section}.{f.name}"
        if kind in (None, "any"):
            continue
        if kind == "str":
            if not isinstance(value, str):
                raise ScenarioError(f"must be text, got {value!r}", field=key)
            continue
        if kind in ("int", "money"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ScenarioError(f"must be a non-negative integer, got {value!r}", field=key)
            _check_bound(key, f.name, kind, value)
            continue
        if kind == "bool":
            if not isinstance(value, bool):
                raise ScenarioError(f"must be true or false, got {value!r}", field=key)
            continue
        if kind in ("prob", "nonneg", "pos"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
                raise ScenarioError(f"must be a finite number, got {value!r}", field=key)
            if kind == "prob" and not 0.0 <= value <= 1.0:
                raise ScenarioError(f"must be a probability in [0, 1], got {value!r}", field=key)
            if kind == "nonneg" and value < 0:
                raise ScenarioError(f"must be >= 0, got {value!r}", field=key)
            if kind == "pos" and value <= 0:
                raise ScenarioError(f"must be > 0, got {value!r}", field=key)
            _check_bound(key, f.name, kind, value)


def _finite(x: Any) -> bool:
    if isinstance(x, int) and not isinstance(x, bool):
        return abs(x) < 1e300  # math.isfinite would raise OverflowError past a float
    return isinstance(x, float) and math.isfinite(x)


class _Section:
    _section = ""

    def __post_init__(self) -> None:
        _check(self, self._section)


@dataclass(frozen=True)
class Market(_Section):
    """Opening hours, size and queue behaviour of the market."""

    _section = "market"
    open_hour: float = _f(
        5.0,
        "[A] market-sim §5.1 (05:00-19:00, verify with the market board)",
        (4.5, 5.5),
        "nonneg",
        "opening time, hours after midnight",
    )
    close_hour: float = _f(19.0, "[A] market-sim §5.1", (18.5, 19.5), "pos", "closing time (hours)")
    stalls_scale: float = _f(
        1.0,
        "model control: scales stall counts and visitors alike",
        None,
        "pos",
        "shrink (<1) or grow the market, same load per stall",
    )
    balk_queue: int = _f(
        5, "[A] market-sim §5.1", (3, 8), "int", "shoppers waiting at which a newcomer may balk"
    )
    balk_prob: float = _f(
        0.3,
        "[A] market-sim §5.1",
        (0.0, 0.6),
        "prob",
        "probability of balking to a competitor stall of the same category",
    )
    walk_time_mean: float = _f(
        60.0, "[A] walking between stalls, exponential mean (s)", (20.0, 180.0), "nonneg"
    )
    drawer_float: tuple = _f(
        (40, 30, 20, 20, 10, 6, 2, 0, 0),
        "[A] notes 1k..500k per drawer at opening (1,100,000 VND; "
        "~1 % of change sales then need a fetch, market-sim §5.3)",
        None,
        "any",
    )
    count_time_base: float = _f(
        120.0, "[A] end-of-day cash count, fixed part (s)", (60.0, 300.0), "nonneg"
    )
    count_time_per_note: float = _f(
        1.5, "[A] end-of-day cash count per note (s)", (1.0, 3.0), "nonneg"
    )

    @property
    def hours(self) -> float:
        """Opening hours per day."""
        return self.close_hour - self.open_hour

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.close_hour <= self.open_hour:
            raise ScenarioError("must be after market.open_hour", field="market.close_hour")
        d = self.drawer_float
        if len(d) != 9 or any(type(n) is not int or n < 0 for n in d):
            raise ScenarioError(
                "must be 9 non-negative note counts (1k, 2k, 5k, 10k, 20k, 50k, 100k, 200k, 500k)",
                field="market.drawer_float",
            )


@dataclass(frozen=True)
class StallCategory(_Section):
    """One kind of stall: count, demand, basket and selection time.

    ``basket_*`` is a lognormal price by median and log-sd (market-sim §5.2); ``select_*``
    the selection + weighing + bagging time (market-sim §5.3), lognormal by mean and sd,
    or exponential.
    """

    _section = "categories"
    name: str = _f("vegetables", "category label", None, "str")
    stalls: int = _f(90, "[A] market-sim §5.1", None, "int")
    two_server_share: float = _f(
        0.0, "[A] market-sim §5.1 (30 % of meat/fish stalls)", None, "prob"
    )
    servers: int = _f(
        1, "[A] market-sim §5.1 (sellers per stall; 1 + two_server_share)", (1, 3), "int"
    )
    visit_prob: float = _f(0.8, "[A] market-sim §5.1", None, "prob")
    basket_median: int = _f(25_000, "market-sim §5.2", None, "money")
    basket_sigma: float = _f(0.8, "market-sim §5.2", None, "nonneg")
    select_mean: float = _f(45.0, "[A] market-sim §5.3", None, "nonneg")
    select_sd: float = _f(25.0, "[A] market-sim §5.3", None, "nonneg")
    select_dist: str = _f("lognormal", "lognormal | exponential (queue checks)", None, "str")
    no_qr_factor: float = _f(
        1.0,
        "[A] market-sim §5.4: multiplies the share of stalls WITHOUT QR "
        "(1 - payments.qr_stall_share); 3 gives 70 % QR at the 90 % default",
        None,
        "nonneg",
    )

    def __post_init__(self) -> None:
        _check(self, f"categories.{self.name}")
        if self.select_dist not in ("lognormal", "exponential"):
            raise ScenarioError(
                f"must be 'lognormal' or 'exponential', got {self.select_dist!r}",
                field=f"categories.{self.name}.select_dist",
            )
        if self.servers < 1:
            raise ScenarioError("must be >= 1", field=f"categories.{self.name}.servers")


def default_categories() -> tuple[StallCategory, ...]:
    """The eight categories of a Chợ Điện Biên-like market (400 stalls), market-sim §5.1.

    Baskets from market-sim §5.2, selection times from market-sim §5.3.
    """
    c = StallCategory
    return (
        c("vegetables", 90, 0.0, 1, 0.80, 25_000, 0.8, 45.0, 25.0, no_qr_factor=3.0),
        c("meat", 40, 0.3, 1, 0.45, 100_000, 0.6, 90.0, 45.0),
        c("fish", 35, 0.3, 1, 0.35, 90_000, 0.6, 120.0, 60.0),
        c("poultry", 20, 0.0, 1, 0.15, 80_000, 0.6, 90.0, 45.0),
        c("dry_goods", 55, 0.0, 1, 0.30, 60_000, 0.9, 45.0, 25.0),
        c("cooked_food", 40, 0.0, 1, 0.25, 30_000, 0.5, 60.0, 30.0),
        c("clothing", 100, 0.0, 1, 0.10, 200_000, 0.7, 240.0, 150.0, no_qr_factor=2.0),
        c("misc", 20, 0.0, 1, 0.05, 50_000, 0.7, 60.0, 30.0),
    )


_HOURLY = (0.04, 0.11, 0.14, 0.12, 0.08, 0.06, 0.04, 0.03, 0.03, 0.04, 0.06, 0.10, 0.10, 0.05)


@dataclass(frozen=True)
class Arrivals(_Section):
    """Non-homogeneous Poisson arrivals of shoppers."""

    _section = "arrivals"
    visitors_per_day: float = _f(7000.0, "[A] market-sim §5.1", (4000.0, 12000.0), "nonneg")
    demand_multiplier: float = _f(
        1.0, "market-sim §5.1 Tết: x1.25 season, x2.5 peak day", (0.8, 2.5), "nonneg"
    )
    profile: str = _f("hourly", "hourly (shares below) | flat (homogeneous Poisson)", None, "str")
    hourly_shares: tuple = _f(_HOURLY, "[A] market-sim §5.1 (05:00 ... 18:00)", None, "any")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.profile not in ("hourly", "flat"):
            raise ScenarioError(
                f"must be 'hourly' or 'flat', got {self.profile!r}", field="arrivals.profile"
            )
        s = self.hourly_shares
        if any(not _finite(x) or x < 0 for x in s) or (s and sum(s) <= 0):
            raise ScenarioError("must be non-negative numbers", field="arrivals.hourly_shares")
        shoppers = self.visitors_per_day * self.demand_multiplier
        if shoppers > MAX_SHOPPERS_PER_DAY:
            raise ScenarioError(
                f"times arrivals.demand_multiplier makes {shoppers:,.0f} shoppers a day; at most "
                f"{MAX_SHOPPERS_PER_DAY:,} fit a simulated day in memory",
                field="arrivals.visitors_per_day",
            )


@dataclass(frozen=True)
class Baskets(_Section):
    """Prices, cash tender and wallets."""

    _section = "baskets"
    multiplier: float = _f(1.0, "market-sim §5.1 Tết baskets x1.5", (0.7, 1.5), "pos")
    visit_multiplier: float = _f(
        1.0, "[A] market-sim §5.1 stalls visited x0.7-1.3", (0.7, 1.3), "nonneg"
    )
    price_rounding: int = _f(
        1000, "market-sim §5.2 round prices to 1,000 VND (a multiple of the 1k note)", None, "money"
    )
    exact_prob_small: float = _f(0.30, "[A] market-sim §5.2 baskets < 50k", (0.1, 0.5), "prob")
    exact_prob_large: float = _f(0.15, "[A] market-sim §5.2", (0.05, 0.3), "prob")
    exact_threshold: int = _f(50_000, "market-sim §5.2", None, "money")
    cash_buffer_median: int = _f(
        150_000,
        "[A] cash a cash payer carries beyond the planned spend (median)",
        (50_000, 500_000),
        "money",
    )
    qr_user_wallet_median: int = _f(
        200_000,
        "[A] cash buffer of a QR user (median), on top of the spend expected at stalls without QR",
        (0, 300_000),
        "money",
    )
    wallet_sigma: float = _f(0.7, "[A] log-sd of cash carried", None, "nonneg")
    wallet_small_notes: tuple = _f(
        (1.0, 1.0, 1.0, 1.0, 0.5),
        "[A] Poisson means of loose 1k, 2k, 5k, 10k, 20k notes in a wallet",
        ((0.5, 0.5, 0.5, 0.5, 0.25), (2.0, 2.0, 2.0, 2.0, 1.0)),
        "any",
    )
    wallet_500k_from: int = _f(
        1_000_000,
        "[A] cash carried from which one 500k note is among it",
        (600_000, 2_000_000),
        "money",
    )
    wallet_200k_from: int = _f(
        400_000,
        "[A] remaining cash from which one 200k note is among it",
        (250_000, 800_000),
        "money",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        small = self.wallet_small_notes
        if len(small) != 5 or any(not _finite(x) or x < 0 for x in small):
            raise ScenarioError(
                "must be 5 non-negative means (1k, 2k, 5k, 10k, 20k notes)",
                field="baskets.wallet_small_notes",
            )
        if self.price_rounding < 1000 or self.price_rounding % 1000:
            # Change is made in notes, the smallest being 1,000 VND (market-sim §3.5).
            raise ScenarioError(
                f"must be a positive multiple of 1000, got {self.price_rounding}",
                field="baskets.price_rounding",
            )


@dataclass(frozen=True)
class Payments(_Section):
    """Who pays how, and how long each step takes (lognormal by mean and sd)."""

    _section = "payments"
    qr_stall_share: float = _f(0.90, "[A] market-sim §5.4 analogues 80-96 %", (0.5, 1.0), "prob")
    qr_share: float = _f(
        0.40, "[A] market-sim §5.4 shoppers paying QR where accepted", (0.0, 0.9), "prob"
    )
    dynamic_share: float = _f(
        0.15, "[A] market-sim §5.4 dynamic QR among QR stalls", (0.0, 1.0), "prob"
    )
    speaker_share: float = _f(
        0.25, "[A] market-sim §5.4 sound box among QR stalls", (0.0, 1.0), "prob"
    )
    skip_verification_prob: float = _f(0.3, "[A] market-sim §5.4", (0.0, 0.8), "prob")
    skip_verification_queue: int = _f(3, "[A] market-sim §5.4 waiting shoppers", None, "int")
    cash_exact_time_mean: float = _f(10.0, "[A] market-sim §5.3", (6.0, 15.0))
    cash_exact_time_sd: float = _f(5.0, "[A] market-sim §5.3")
    cash_change_time_mean: float = _f(
        22.0, "[A] market-sim §5.3 (Bundesbank 18.1-18.7 s mix)", (15.0, 30.0)
    )
    cash_change_time_sd: float = _f(10.0, "[A] market-sim §5.3")
    note_check_time_mean: float = _f(6.0, "[A] market-sim §5.3 note >= 200k checked")
    note_check_time_sd: float = _f(3.0, "[A] market-sim §5.3")
    change_fetch_time_mean: float = _f(
        120.0, "[A] market-sim §5.3 vendor runs out of change", (60.0, 180.0)
    )
    change_fetch_time_sd: float = _f(60.0, "[A] market-sim §5.3")
    change_rounding_limit: int = _f(
        2000, "[A] shortfall of change the shopper forgoes", (0, 5000), "money"
    )
    static_qr_time_mean: float = _f(30.0, "[A] market-sim §5.3 (> NFC 11.8-14 s)", (15.0, 45.0))
    static_qr_time_sd: float = _f(12.0, "[A] market-sim §5.3")
    dynamic_qr_time_mean: float = _f(20.0, "[A] market-sim §5.3", (12.0, 30.0))
    dynamic_qr_time_sd: float = _f(8.0, "[A] market-sim §5.3")
    vendor_key_time_mean: float = _f(5.0, "[A] market-sim §5.3 (0 with a scale/POS)", (0.0, 10.0))
    vendor_key_time_sd: float = _f(2.0, "[A] market-sim §5.3")
    notify_median: float = _f(3.0, "[A] market-sim §5.3 credit -> notification", (1.0, 10.0), "pos")
    notify_p95: float = _f(15.0, "[A] market-sim §5.3", None, "pos")
    phone_check_time_mean: float = _f(8.0, "[A] market-sim §2.5 own phone", (4.0, 15.0))
    phone_check_time_sd: float = _f(4.0, "[A] market-sim §2.5")
    glance_time: float = _f(3.0, "[A] market-sim §2.5 look at the customer's screen")
    retry_time_mean: float = _f(20.0, "[A] market-sim §5.3 QR retry", (10.0, 40.0))
    retry_time_sd: float = _f(8.0, "[A] market-sim §5.3")
    max_qr_attempts: int = _f(2, "market-sim §5.3 after 2 failures: cash or leave", None, "int")
    pending_wait: float = _f(
        60.0, "[A] market-sim §5.3 vendor waits for a pending credit, then trusts", (0.0, 180.0)
    )
    app_ready_prob: float = _f(
        0.5,
        "[A] market-sim §8 share of QR payers who waited and opened the app while queueing",
        (0.0, 1.0),
        "prob",
    )
    app_ready_time_factor: float = _f(
        0.5,
        "[A] market-sim §8 customer-side QR time of a prepared payer, as a share "
        "(Hangzhou buses: 1.64 s prepared vs 10.94 s)",
        (0.15, 1.0),
        "prob",
    )
    qr_fallback_cash_prob: float = _f(
        0.6,
        "[A] market-sim §5.3 after the last failed QR attempt the shopper pays cash (if the "
        "wallet allows), else leaves",
        (0.3, 1.0),
        "prob",
    )
    dynamic_locked_app_share: float = _f(
        0.5,
        "[A] market-sim §8 payers whose app locks a dynamic code's amount (NAPAS IBFT: "
        "apps may let the payer edit it)",
        (0.0, 1.0),
        "prob",
    )
    dynamic_edit_prob: float = _f(
        0.02,
        "[A] a payer with an unlocked app retypes a dynamic code's amount (then it can be "
        "mistyped like a static one)",
        (0.0, 0.1),
        "prob",
    )


@dataclass(frozen=True)
class Errors(_Section):
    """Settlement-error probabilities (market-sim §5.5); all [A] unless stated."""

    _section = "errors"
    wrong_change_prob: float = _f(
        0.007, "[A] market-sim §2.1 per change sale", (0.002, 0.02), "prob"
    )
    confusion_prob: float = _f(
        0.001, "[A] paid-or-not confusion per cash sale, idle stall", (0.0, 0.005), "prob"
    )
    confusion_queue_slope: float = _f(0.5, "[A] relative increase per waiting shopper", (0.0, 2.0))
    counterfeit_prob: float = _f(5e-6, "[A] market-sim §2.2 per note >= 50k", (1e-6, 2e-5), "prob")
    counterfeit_detect_prob: float = _f(0.5, "[A] market-sim §2.2", (0.2, 0.9), "prob")
    mistype_prob: float = _f(0.015, "[A] market-sim §2.4 static QR", (0.005, 0.03), "prob")
    mistype_under_share: float = _f(0.6, "[A] market-sim §5.5", None, "prob")
    phone_detect_prob: float = _f(
        0.7, "[A] market-sim §5.5 own phone catches an under-payment", (0.4, 0.9), "prob"
    )
    key_error_prob: float = _f(
        0.005, "[A] market-sim §5.5 vendor keys dynamic QR", (0.0, 0.02), "prob"
    )
    key_error_notice_prob: float = _f(0.5, "[A] market-sim §5.5 customer notices", None, "prob")
    fake_screenshot_prob: float = _f(
        0.001, "[A] market-sim §2.4 attempts per QR payment", (0.0002, 0.005), "prob"
    )
    sticker_swap_per_stall_month: float = _f(
        0.001, "[A] market-sim §2.4 printed static QR (a rate: swaps per stall-month)", (0.0, 0.01)
    )
    sticker_swap_share_at_open: float = _f(
        0.0, "[A] share of static stalls swapped overnight", (0.0, 0.1), "prob"
    )
    sticker_self_scan_prob: float = _f(
        0.5, "[A] market-sim §5.5 next-morning self-scan finds a swap", (0.0, 0.9), "prob"
    )
    sticker_audit_interval_days: float = _f(
        0.0,
        "[A] days between organiser audits of every sticker (cashless verify); 0 = never",
        (0.0, 30.0),
        "nonneg",
    )
    sticker_refund_prob: float = _f(
        0.5, "[A] market-sim §2.4 vendor bears a detected swap payment", None, "prob"
    )
    qr_technical_fail_prob: float = _f(
        0.008, "[A] market-sim §2.3 UPI TD proxy", (0.003, 0.025), "prob"
    )
    qr_user_fail_prob: float = _f(0.03, "[A] market-sim §2.3 UPI BD proxy", (0.01, 0.07), "prob")
    unverified_failure_accept_prob: float = _f(
        0.5,
        "[A] market-sim §5.5 'did they pay?': a technical failure the unverifying vendor accepts",
        (0.0, 1.0),
        "prob",
    )
    pending_prob: float = _f(
        0.005, "[A] market-sim §2.3 credit not notified within 60 s", (0.001, 0.02), "prob"
    )
    pending_next_day_share: float = _f(
        0.01, "[A] market-sim §5.5 (80 % < 10 min, 19 % same day)", None, "prob"
    )
    pending_same_day_share: float = _f(0.19, "[A] market-sim §5.5", None, "prob")
    pending_reversal_prob: float = _f(
        0.05, "[A] pending transfer finally reversed", (0.0, 0.2), "prob"
    )
    over_transfer_prob: float = _f(
        0.01, "[A] market-sim §2.4 cash-out by over-transfer", None, "prob"
    )
    stress_multiplier: float = _f(
        1.0, "market-sim §2.3 Tết: failure and pending rates x2-3", (1.0, 3.0), "pos"
    )
    confusion_unpaid_share: float = _f(
        0.5,
        "[A] in a paid-or-not confusion, share where the goods leave unpaid (else paid twice)",
        (0.2, 0.8),
        "prob",
    )
    wrong_change_over_share: float = _f(
        0.5, "[A] wrong change: share given too much (else too little)", (0.3, 0.7), "prob"
    )
    wrong_change_note_weights: tuple = _f(
        (0.30, 0.20, 0.20, 0.15, 0.10, 0.05),
        "[A] market-sim §5.5 which note (1k..50k) a wrong change is off by; small notes likelier",
        ((1 / 6,) * 6, (0.5, 0.2, 0.15, 0.1, 0.04, 0.01)),
        "any",
    )
    mistype_slip_median_share: float = _f(
        0.2,
        "[A] mistyped static-QR amount: the slip as a share of the price (median; a digit "
        "slip scales with the price)",
        (0.05, 0.9),
        "pos",
    )
    mistype_slip_sigma: float = _f(
        1.0, "[A] log-sd of the mistyped slip's share of the price", (0.3, 1.5), "nonneg"
    )
    key_error_under_share: float = _f(
        0.5, "[A] vendor keying error: share too low (else too high)", (0.3, 0.7), "prob"
    )
    overpay_notice_speaker_prob: float = _f(
        0.5,
        "[A] market-sim §8 a speaker announces an over-payment ('received 75,000') and "
        "the vendor notices",
        (0.1, 0.9),
        "prob",
    )
    overpay_notice_phone_prob: float = _f(
        0.3, "[A] the vendor's own phone shows an over-payment and they notice", (0.05, 0.7), "prob"
    )
    overpay_notice_payer_prob: float = _f(
        0.1,
        "[A] the payer notices an over-payment on their confirmation screen",
        (0.0, 0.4),
        "prob",
    )
    overpay_return_prob: float = _f(
        0.8,
        "[A] a noticed over-payment is returned (Civil Code 2015 art. 579-580, market-sim §8)",
        (0.5, 1.0),
        "prob",
    )
    over_transfer_amounts: tuple = _f(
        (50_000, 100_000, 200_000),
        "[A] market-sim §5.5 cash taken out by an over-transfer (equally likely)",
        ((20_000, 50_000, 100_000), (100_000, 200_000, 500_000)),
        "any",
    )
    sticker_swap_cluster_size: int = _f(
        1,
        "[A] market-sim §8 stalls one fraud account pastes over in one night (clustered attacks)",
        (1, 6),
        "int",
    )
    sticker_max_days_undetected: float = _f(
        365.0, "[A] a swap nobody finds stays at most this long (days)", (90.0, 730.0), "pos"
    )
    pending_fast_min_s: float = _f(
        60.0, "[A] market-sim §5.5 a pending credit lands in [min, max] s (80 %)", (30.0, 120.0)
    )
    pending_fast_max_s: float = _f(
        600.0, "[A] market-sim §5.5 pending within 10 min", (300.0, 900.0), "pos"
    )
    pending_same_day_max_s: float = _f(
        20_600.0,
        "[A] market-sim §5.5 a same-day pending credit lands by (s)",
        (7200.0, 40000.0),
        "pos",
    )
    pending_after_outage_s: float = _f(
        60.0, "[A] a credit pending in an outage lands this long after it ends (s)", (0.0, 600.0)
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        w = self.wrong_change_note_weights
        if len(w) != 6 or any(not _finite(x) or x < 0 for x in w) or sum(w) <= 0:
            raise ScenarioError(
                "must be 6 non-negative weights (1k, 2k, 5k, 10k, 20k, 50k)",
                field="errors.wrong_change_note_weights",
            )
        a = self.over_transfer_amounts
        if not a or any(type(x) is not int or x <= 0 or x % 1000 for x in a):
            raise ScenarioError(
                "must be positive multiples of 1000 VND", field="errors.over_transfer_amounts"
            )
        if not self.pending_fast_min_s <= self.pending_fast_max_s <= self.pending_same_day_max_s:
            raise ScenarioError(
                "must satisfy pending_fast_min_s <= pending_fast_max_s <= pending_same_day_max_s",
                field="errors.pending_fast_max_s",
            )
        if self.sticker_swap_cluster_size < 1:
            raise ScenarioError("must be >= 1", field="errors.sticker_swap_cluster_size")


@dataclass(frozen=True)
class Infrastructure(_Section):
    """Bank/NAPAS outages: transfers fail or pend and sound boxes are silent."""

    _section = "infrastructure"
    outages: tuple = _f((), "fixed windows (start_s, duration_s) from opening", None, "any")
    outage_rate_per_day: float = _f(1 / 30, "[A] market-sim §2.3 random outages", (0.0, 0.2))
    outage_median_s: float = _f(1200.0, "[A] market-sim §2.3 lognormal median 20 min", None, "pos")
    outage_p95_s: float = _f(10800.0, "[A] market-sim §2.3 95th percentile 3 h", None, "pos")
    outage_fail_share: float = _f(
        0.7, "[A] attempts failing (the rest pend) in an outage", None, "prob"
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        for w in self.outages:
            if (
                not isinstance(w, (tuple, list))
                or len(w) != 2
                or any(not _finite(x) or x < 0 for x in w)
            ):
                raise ScenarioError(
                    "must be (start_s, duration_s) pairs", field="infrastructure.outages"
                )


@dataclass(frozen=True)
class Scenario:
    """A whole market day. Build one with :func:`cashless.sim.scenario.preset`."""

    name: str = "dien-bien"
    description: str = "Chợ Điện Biên-like central market, normal weekday (market-sim §5)"
    market: Market = field(default_factory=Market)
    categories: tuple = field(default_factory=default_categories)
    arrivals: Arrivals = field(default_factory=Arrivals)
    baskets: Baskets = field(default_factory=Baskets)
    payments: Payments = field(default_factory=Payments)
    errors: Errors = field(default_factory=Errors)
    infrastructure: Infrastructure = field(default_factory=Infrastructure)

    def __post_init__(self) -> None:
        if not self.categories:
            raise ScenarioError("a scenario needs at least one stall category", field="categories")
        names = [c.name for c in self.categories]
        if len(set(names)) != len(names):
            raise ScenarioError("names must be unique", field="categories")
        a = self.arrivals
        if a.profile == "hourly" and len(a.hourly_shares) != round(self.market.hours):
            raise ScenarioError(
                f"has {len(a.hourly_shares)} values for {self.market.hours:g} opening hours",
                field="arrivals.hourly_shares",
            )
