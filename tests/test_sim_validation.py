"""The model reduced to one queue reproduces queueing theory (market-sim §6).

Each check runs ONE long day of :func:`cashless.sim.scenario.queue_scenario` (one stall,
homogeneous Poisson arrivals, exponential or lognormal selection time, zero payment time,
no errors, no balking) through the same model code as every other scenario. The mean wait
gets a 95 % confidence interval by batch means (first 5 % dropped as warm-up, 10 batches of
~7,600 customers, Student t with 9 dof); the closed form must lie inside it, and the
interval must be narrow enough (width < 25 % of the value) for the check to mean something.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cashless.sim import queue_scenario, simulate_day
from cashless.sim.stats import half_width


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Erlang C mean wait via the stable Erlang B recursion (market-sim §6.1)."""
    a = lam / mu
    rho = a / c
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    p_wait = b / (1 - rho + rho * b)
    return p_wait / (c * mu - lam)


def pk_wait(lam: float, mean: float, scv: float) -> float:
    """Pollaczek-Khinchine mean wait of M/G/1."""
    rho = lam * mean
    return rho * mean * (1 + scv) / (2 * (1 - rho))


def test_closed_forms_reproduce_the_reference_table():
    # market-sim §6.2
    assert erlang_c_wait(2.5, 1.0, 3) == pytest.approx(1.404494, abs=1e-6)
    assert erlang_c_wait(2.0, 1.0, 3) == pytest.approx(0.444444, abs=1e-6)
    assert erlang_c_wait(1.5, 1.0, 2) == pytest.approx(1.285714, abs=1e-6)
    assert erlang_c_wait(0.8, 1.0, 1) == pytest.approx(4.0)
    assert pk_wait(0.8, 1.0, math.exp(0.25) - 1) == pytest.approx(2.568051, abs=1e-6)


def batch_means_ci(waits: np.ndarray, batches: int = 10) -> tuple[float, float, float]:
    w = waits[len(waits) // 20 :]
    means = np.array([b.mean() for b in np.array_split(w, batches)])
    half = half_width(float(means.std(ddof=1)), batches)
    return float(w.mean()), float(means.mean() - half), float(means.mean() + half)


def one_queue_wait(
    lam_per_min: float, servers: int, cv: float | None, customers: int, seed: int = 0
) -> tuple[float, float, float]:
    mean_s = 60.0  # mu = 1 per minute
    hours = customers / (lam_per_min * 60.0)
    sc = queue_scenario(lam_per_min / 60.0, mean_s, servers, hours=hours, service_cv=cv)
    day = simulate_day(sc, seed)
    tx = day.transactions.sort_values("t_arrive")
    assert (tx["outcome"] == "paid").all()
    assert (tx["service"] > 0).all()
    assert day.events.empty
    st = day.stalls
    np.testing.assert_allclose(st["L"], st["arrival_rate"] * st["W"], rtol=1e-9)
    mean, lo, hi = batch_means_ci(tx["wait"].to_numpy() / 60.0)  # minutes
    return mean, lo, hi


@pytest.mark.slow
@pytest.mark.parametrize(
    "lam, servers, reference",
    [
        (0.8, 1, 4.0),  # M/M/1, rho 0.8: Wq = rho / (mu - lambda)
        (2.5, 3, 1.404494),  # M/M/3 benchmark of market-sim §6.2 and market-sim §6.3 (Erlang C)
    ],
)
def test_mm_c_mean_wait_matches_erlang_c(lam, servers, reference):
    assert erlang_c_wait(lam, 1.0, servers) == pytest.approx(reference, abs=1e-6)
    mean, lo, hi = one_queue_wait(lam, servers, None, 80_000)
    assert lo <= reference <= hi, (mean, lo, hi)
    assert hi - lo < 0.25 * reference  # tight enough to tell a 15 % bias


@pytest.mark.slow
def test_lognormal_service_matches_pollaczek_khinchine():
    sigma = 0.5
    cv = math.sqrt(math.exp(sigma**2) - 1)
    reference = pk_wait(0.8, 1.0, cv**2)  # 2.568051 min (market-sim §6.2)
    mean, lo, hi = one_queue_wait(0.8, 1, cv, 80_000)
    assert lo <= reference <= hi, (mean, lo, hi)
    assert hi - lo < 0.25 * reference
    # and it is told apart from the exponential case (Wq = 4.0) by the same test
    assert not lo <= 4.0 <= hi


def test_reduced_model_demand_sensitivity():
    # market-sim §6.2: the M/M/3 stall's wait rises sharply from lambda 2.0 to 2.5 (x3.2 in theory)
    low = one_queue_wait(2.0, 3, None, 10_000, seed=1)[0]
    high = one_queue_wait(2.5, 3, None, 10_000, seed=1)[0]
    assert 2.0 < high / low < 5.0
