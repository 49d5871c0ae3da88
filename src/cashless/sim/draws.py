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
    "KE",
    "KP",
    "STREAMS",
    "DayDraws",
    "draw_day",
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
)
KP = 8  # normal draws per (shopper, category) for payment times
KE = 14  # uniform draws per (shopper, category) for payment decisions and errors
_BIG = (100_000, 50_000, 20_000, 10_000)
_BIG_IDX = (6, 5, 4, 3)
_SMALL_MEANS = np.array([1.0, 1.0, 1.0, 1.0, 0.5])  # [A] loose 1k, 2k, 5k, 10k, 20k notes


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
    stall_u: np.ndarray
    fraud_u: np.ndarray
    outages: list[tuple[float, float]]


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
    lognormal buffer. Composition: one 500k from 1,000,000 VND, at most one
    200k, the rest in 100k, 50k, 20k and 10k notes, plus a few loose small notes.
    """
    b = sc.baskets
    buffer = np.where(qr_user, b.qr_user_wallet_median, b.cash_buffer_median)
    amount = buffer * np.exp(b.wallet_sigma * z) + np.where(qr_user, planned[1], planned[0])
    amount = (amount // 10_000).astype(np.int64) * 10_000
    wallet = np.zeros((len(z), 9), dtype=np.int64)
    wallet[:, 8] = amount >= 1_000_000
    amount -= 500_000 * wallet[:, 8]
    wallet[:, 7] = amount >= 400_000
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
    ``v_start[i]:v_start[i + 1]`` are shopper ``i``'s rows. Which visits exist depends only
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
    wallet_z, small = g.standard_normal(n), g.poisson(_SMALL_MEANS, (n, 5))
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
    pay_z = rngs["payment"].standard_normal((v, KP))
    err_u = rngs["errors"].random((v, KE))
    n_stalls = sum(stall_counts(sc))
    stall_u = rngs["stalls"].random((n_stalls, 4))
    fraud_u = rngs["fraud"].random((n_stalls, 3))
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
