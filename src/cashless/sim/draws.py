"""Random numbers for one market day, drawn in numpy batches from separate streams.

Each purpose has its own stream spawned from the replication's ``SeedSequence`` in a
fixed order (:data:`STREAMS`). Per shopper and category the model reads a fixed slot
of numbers whether it uses them or not, so changing one policy (say the QR share)
leaves every other draw where it was (common random numbers across scenarios).

>>> from cashless.sim.scenario import preset, with_overrides
>>> small = with_overrides(preset("dien-bien"), {"market.stalls_scale": 0.05})
>>> d = draw_day(small, 1)
>>> d.n_shoppers == len(d.arrival_times) and d.prices.shape == (d.v_start[-1],)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cashless.errors import require_extra

require_extra("sim", "numpy", "simpy", "pandas")

import numpy as np  # noqa: E402

from cashless.sim.params import Scenario  # noqa: E402

__all__ = [
    "FRAUD_SLOTS",
    "KU",
    "KZ",
    "NORMAL_SLOTS",
    "STALL_SLOTS",
    "STREAMS",
    "UNIFORM_SLOTS",
    "DayDraws",
    "FlatDraws",
    "attempt_width",
    "draw_day",
    "flat_view",
    "fresh_seed",
    "lognormal_params",
    "stall_counts",
]

STREAMS = (
    "arrivals",
    "shoppers",
    "baskets",
    "choice",
    "service",
    "payment",
    "errors",
    "stalls",
    "outages",
    "fraud",
    "attempt_u",
    "attempt_z",
)
# Named slot tables: per (shopper, category) visit the model reads one row of each, one
# column per decision, whether the visit needs it or not (common random numbers). No
# column serves two decisions; a sub-decision reads ``u / p`` of its own column, which is
# uniform and independent of ``u < p``. QR attempts have their own tables, one row per
# attempt up to ``payments.max_qr_attempts`` (so attempts never share a draw).
UNIFORM_SLOTS = (
    "confusion",  # paid-or-not confusion (cash); / p: unpaid or paid twice
    "counterfeit",  # a fake note among the tender; / p: detected
    "wrong_change",  # wrong change; / p: too much or too little
    "wrong_change_note",  # which note it is off by
    "fake_screenshot",  # a fraudster's fake success screen (QR)
    "skip_check",  # a busy vendor only glances at the customer's screen
    "app_ready",  # the payer opened the app while queueing
    "unverified_accept",  # "did they pay?": a failed transfer waved through
    "pending",  # the credit is late
    "pending_when",  # when it lands
    "pending_reversal",  # whether it is finally reversed
    "swap_detect",  # the vendor's phone shows the wrong account name
    "sticker_refund",  # the payer of a detected swap pays again
    "amount_error",  # mistyped / mis-keyed amount; / p: under or over
    "locked_app",  # the payer's app locks a dynamic code's amount
    "dynamic_edit",  # the payer retypes an unlocked dynamic amount
    "key_notice",  # the payer notices a mis-keyed dynamic amount
    "under_detect",  # the vendor's phone shows a short payment
    "over_notice_vendor",  # the vendor notices an over-payment
    "over_notice_payer",  # the payer notices their own over-payment
    "over_return",  # a noticed over-payment is returned
    "over_transfer",  # cash-out by over-transfer; / p: the amount
    "fallback_cash",  # after the last failed attempt: cash, or leave
)
NORMAL_SLOTS = (
    "cash_time",  # cash payment (exact or with change)
    "note_check",  # checking a large note
    "change_fetch",  # fetching change from a neighbour
    "qr_time",  # customer side of a QR payment
    "vendor_key",  # vendor keys a dynamic amount
    "phone_check",  # vendor checks their own phone
    "notify",  # credit-to-notification latency
    "slip",  # size of a mistyped amount
    "rekey",  # vendor re-keys a dynamic amount
    "top_up",  # the payer tops up a short payment
    "refund",  # the vendor returns an over-payment
    "swap_repay",  # the payer of a detected swap pays again
    "cash_out",  # handing out the cash of an over-transfer
)
STALL_SLOTS = ("two_server", "qr", "dynamic", "speaker")
FRAUD_SLOTS = ("carried", "overnight", "today", "when")
(
    U_CONFUSION,
    U_COUNTERFEIT,
    U_WRONG_CHANGE,
    U_WRONG_NOTE,
    U_FAKE_SCREENSHOT,
    U_SKIP_CHECK,
    U_APP_READY,
    U_UNVERIFIED_ACCEPT,
    U_PENDING,
    U_PENDING_WHEN,
    U_PENDING_REVERSAL,
    U_SWAP_DETECT,
    U_STICKER_REFUND,
    U_AMOUNT_ERROR,
    U_LOCKED_APP,
    U_DYNAMIC_EDIT,
    U_KEY_NOTICE,
    U_UNDER_DETECT,
    U_OVER_NOTICE_VENDOR,
    U_OVER_NOTICE_PAYER,
    U_OVER_RETURN,
    U_OVER_TRANSFER,
    U_FALLBACK_CASH,
) = range(len(UNIFORM_SLOTS))
(
    Z_CASH_TIME,
    Z_NOTE_CHECK,
    Z_CHANGE_FETCH,
    Z_QR_TIME,
    Z_VENDOR_KEY,
    Z_PHONE_CHECK,
    Z_NOTIFY,
    Z_SLIP,
    Z_REKEY,
    Z_TOP_UP,
    Z_REFUND,
    Z_SWAP_REPAY,
    Z_CASH_OUT,
) = range(len(NORMAL_SLOTS))
KU = len(UNIFORM_SLOTS)  # width of the per-visit uniform table
KZ = len(NORMAL_SLOTS)  # width of the per-visit normal table
_BIG = (100_000, 50_000, 20_000, 10_000)
_BIG_IDX = (6, 5, 4, 3)


def attempt_width(sc: Scenario) -> int:
    """Rows of the attempt tables: one per QR attempt the scenario allows."""
    return max(1, sc.payments.max_qr_attempts)


def lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    """(mu, sigma) of a lognormal with this mean and sd; mean 0 gives mu = -inf (always 0).

    >>> mu, s = lognormal_params(22.0, 10.0)
    >>> round(math.exp(mu + s * s / 2), 6)
    22.0
    """
    if mean <= 0:
        return -math.inf, 0.0
    s2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - s2 / 2, math.sqrt(s2)


def fresh_seed(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    """A SeedSequence that has not spawned yet (spawning mutates the caller's copy)."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(
            seed.entropy, spawn_key=seed.spawn_key, pool_size=seed.pool_size
        )
    return np.random.SeedSequence(int(seed))


def stall_counts(sc: Scenario) -> list[int]:
    """Stalls per category after ``market.stalls_scale`` (at least one if any)."""
    k = sc.market.stalls_scale
    return [max(1, round(c.stalls * k)) if c.stalls > 0 else 0 for c in sc.categories]


@dataclass(frozen=True, slots=True)
class DayDraws:
    """Pre-drawn arrays for one day, built by :func:`draw_day` (which documents them)."""

    n_shoppers: int
    arrival_times: np.ndarray
    qr_user: np.ndarray
    visits: np.ndarray
    v_shopper: np.ndarray
    v_cat: np.ndarray
    v_start: np.ndarray
    prices: np.ndarray
    exact_u: np.ndarray
    wallets: np.ndarray
    choice: np.ndarray
    select: np.ndarray
    walk: np.ndarray
    pay_z: np.ndarray
    err_u: np.ndarray
    attempt_u: np.ndarray
    attempt_z: np.ndarray
    stall_u: np.ndarray
    fraud_u: np.ndarray
    outages: list[tuple[float, float]]


def flat_view(a: np.ndarray) -> memoryview:
    """``a``'s values in row-major order, without a copy; indexing yields Python numbers.

    Cheaper than ``a.ravel().tolist()`` for a table the day mostly does not read: nothing
    is converted up front and the garbage collector never walks it.

    >>> v = flat_view(np.arange(6.0).reshape(2, 3))
    >>> v[4], type(v[4]).__name__, len(v)
    (4.0, 'float', 6)
    """
    return np.ascontiguousarray(a).reshape(-1).data


@dataclass(frozen=True, slots=True)
class FlatDraws:
    """A day's per-visit draws as flat views of the numpy tables (see :func:`flat_view`).

    Visit ``v`` reads ``u[KU * v + U_NAME]``, ``z[KZ * v + Z_NAME]`` and, for QR attempt
    ``k``, ``attempt_u[k * n_visits + v]`` and ``attempt_z[k * n_visits + v]``.
    """

    n_visits: int
    u: memoryview
    z: memoryview
    attempt_u: memoryview
    attempt_z: memoryview
    exact_u: memoryview

    @classmethod
    def of(cls, d: DayDraws) -> FlatDraws:
        """Flat views of a :class:`DayDraws`."""
        return cls(
            n_visits=len(d.prices),
            u=flat_view(d.err_u),
            z=flat_view(d.pay_z),
            attempt_u=flat_view(d.attempt_u),
            attempt_z=flat_view(d.attempt_z),
            exact_u=flat_view(d.exact_u),
        )


def _arrivals(sc: Scenario, rng: np.random.Generator) -> np.ndarray:
    base = sum(c.stalls for c in sc.categories)
    scale = sum(stall_counts(sc)) / base if base else 0.0
    total = sc.arrivals.visitors_per_day * sc.arrivals.demand_multiplier * scale
    horizon = sc.market.hours * 3600.0
    if sc.arrivals.profile == "flat":
        n = rng.poisson(total)
        return np.sort(rng.uniform(0.0, horizon, n))
    shares = np.asarray(sc.arrivals.hourly_shares, dtype=float)
    counts = rng.poisson(total * shares / shares.sum())
    starts = np.repeat(np.arange(len(shares)) * 3600.0, counts)
    return np.sort(starts + rng.uniform(0.0, 3600.0, counts.sum()))


def _wallets(
    sc: Scenario,
    qr_user: np.ndarray,
    z: np.ndarray,
    small: np.ndarray,
    planned: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """Cash carried, as notes [A].

    A cash payer brings the planned spend plus a lognormal buffer; a QR user brings the
    planned spend at the share of each category's stalls without QR, plus a smaller
    lognormal buffer. Composition: one 500k from ``baskets.wallet_500k_from``, at most one
    200k from ``baskets.wallet_200k_from``, the rest in 100k, 50k, 20k and 10k notes, plus
    loose small notes (``baskets.wallet_small_notes``).
    """
    b = sc.baskets
    buffer = np.where(qr_user, b.qr_user_wallet_median, b.cash_buffer_median)
    amount = buffer * np.exp(b.wallet_sigma * z) + np.where(qr_user, planned[1], planned[0])
    amount = (amount // 10_000).astype(np.int64) * 10_000
    wallet = np.zeros((len(z), 9), dtype=np.int64)
    wallet[:, 8] = amount >= b.wallet_500k_from
    amount -= 500_000 * wallet[:, 8]
    wallet[:, 7] = amount >= b.wallet_200k_from
    amount -= 200_000 * wallet[:, 7]
    for d, i in zip(_BIG, _BIG_IDX, strict=False):
        wallet[:, i] += amount // d
        amount %= d
    wallet[:, :5] += small
    return wallet


def draw_day(sc: Scenario, seed: int | np.random.SeedSequence) -> DayDraws:
    """Draw every random number a day of ``sc`` needs (see module docstring).

    Per-visit arrays (``prices``, ``choice``, ``select``, ``walk``, ``pay_z``, ``err_u``...)
    have one row per stall visit, shoppers in arrival order and each shopper's visits in
    visiting order; ``v_shopper``/``v_cat`` say whose visit and which category,
    ``v_start[i]:v_start[i + 1]`` are shopper ``i``'s rows; ``pay_z`` and ``err_u`` have
    the columns :data:`NORMAL_SLOTS` and :data:`UNIFORM_SLOTS`, ``attempt_u`` and
    ``attempt_z`` one row per QR attempt and one column per visit. Which visits exist depends only
    on the arrivals and the visit probabilities, so payment policies never shift a draw.
    """
    rngs = {
        name: np.random.Generator(np.random.PCG64(child))
        for name, child in zip(STREAMS, fresh_seed(seed).spawn(len(STREAMS)), strict=True)
    }
    arrival_times = _arrivals(sc, rngs["arrivals"])
    n = len(arrival_times)
    c = len(sc.categories)
    g = rngs["shoppers"]
    qr_user = g.random(n) < sc.payments.qr_share
    small_means = np.asarray(sc.baskets.wallet_small_notes, dtype=float)
    wallet_z, small = g.standard_normal(n), g.poisson(small_means, (n, 5))
    vp = np.array([min(1.0, x.visit_prob * sc.baskets.visit_multiplier) for x in sc.categories])
    has = np.array([k > 0 for k in stall_counts(sc)])
    visits = (g.random((n, c)) < vp) & has
    order = np.argsort(np.where(visits, g.random((n, c)), 2.0), axis=1, kind="stable")
    count = visits.sum(axis=1)
    rows = np.repeat(np.arange(n), count)
    cols = order[np.arange(c) < count[:, None]]
    v = len(rows)
    g = rngs["baskets"]
    med = np.array([x.basket_median for x in sc.categories], dtype=float)[cols]
    sig = np.array([x.basket_sigma for x in sc.categories])[cols]
    raw = med * sc.baskets.multiplier * np.exp(sig * g.standard_normal(v))
    step = sc.baskets.price_rounding
    prices = np.maximum(np.rint(raw / step), 1).astype(np.int64) * step
    exact_u = g.random(v)
    no_qr = np.array(
        [min(1.0, (1.0 - sc.payments.qr_stall_share) * x.no_qr_factor) for x in sc.categories]
    )[cols]
    planned = np.bincount(rows, weights=prices, minlength=n)
    planned_cash = np.bincount(rows, weights=prices * no_qr, minlength=n)
    wallets = _wallets(sc, qr_user, wallet_z, small, (planned, planned_cash))
    choice = rngs["choice"].random((v, 4))
    g = rngs["service"]
    select = _select_times(sc, cols, g.standard_normal(v), g.standard_exponential(v))
    walk = g.standard_exponential(v) * sc.market.walk_time_mean
    pay_z = rngs["payment"].standard_normal((v, KZ))
    err_u = rngs["errors"].random((v, KU))
    # One row per attempt: attempt k reads row k whatever the number of attempts allowed.
    attempt_u = rngs["attempt_u"].random((attempt_width(sc), v))
    attempt_z = rngs["attempt_z"].standard_normal((attempt_width(sc), v))
    n_stalls = sum(stall_counts(sc))
    stall_u = rngs["stalls"].random((n_stalls, len(STALL_SLOTS)))
    fraud_u = rngs["fraud"].random((n_stalls, len(FRAUD_SLOTS)))
    outages = _outages(sc, rngs["outages"])
    return DayDraws(
        n_shoppers=n,
        arrival_times=arrival_times,
        qr_user=qr_user,
        visits=visits,
        v_shopper=rows,
        v_cat=cols,
        v_start=np.concatenate([[0], np.cumsum(count)]),
        prices=prices,
        exact_u=exact_u,
        wallets=wallets,
        choice=choice,
        select=select,
        walk=walk,
        pay_z=pay_z,
        err_u=err_u,
        attempt_u=attempt_u,
        attempt_z=attempt_z,
        stall_u=stall_u,
        fraud_u=fraud_u,
        outages=outages,
    )


def _select_times(sc: Scenario, cols: np.ndarray, z: np.ndarray, e: np.ndarray) -> np.ndarray:
    mu = np.empty(len(sc.categories))
    sg = np.empty(len(sc.categories))
    expo = np.zeros(len(sc.categories), dtype=bool)
    for j, cat in enumerate(sc.categories):
        mu[j], sg[j] = lognormal_params(cat.select_mean, cat.select_sd)
        expo[j] = cat.select_dist == "exponential"
    means = np.array([cat.select_mean for cat in sc.categories])
    lognormal = np.exp(mu[cols] + sg[cols] * z)
    return np.where(expo[cols], e * means[cols], lognormal)


def _outages(sc: Scenario, g: np.random.Generator) -> list[tuple[float, float]]:
    inf = sc.infrastructure
    windows = [(float(s), float(s) + float(d)) for s, d in inf.outages]
    rate = inf.outage_rate_per_day * sc.errors.stress_multiplier
    k = g.poisson(rate)
    starts = g.uniform(0.0, sc.market.hours * 3600.0, k)
    sigma = math.log(inf.outage_p95_s / inf.outage_median_s) / 1.6448536269514722
    durations = inf.outage_median_s * np.exp(sigma * g.standard_normal(k))
    windows += [(float(s), float(s + t)) for s, t in zip(starts, durations, strict=False)]
    return sorted(windows)
