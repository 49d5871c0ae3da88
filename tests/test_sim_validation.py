"""The model reduced to one queue reproduces queueing theory (market-sim §6), over many
configurations and seeds, and metamorphic relations hold on the full model.

Each configuration runs several independent days (seeds) of
:func:`cashless.sim.scenario.queue_scenario` (one stall, homogeneous Poisson arrivals,
zero payment time unless stated, no errors, no balking) through the same model code as
every other scenario. Each day gives one estimate (customers arriving in the first hours
dropped as warm-up); the replications give a 95 % t-interval. A single interval missing
its reference is allowed (5 % do by design); the coverage over all intervals of a test
must be near the nominal 95 %, and every estimate must be within a stated relative error,
so no check can pass on one lucky seed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cashless.sim import preset, queue_scenario, simulate_day, with_overrides
from cashless.sim.stats import mean_interval

WARM_UP_S = 4 * 3600.0
HOURS = 48.0


def erlang_c(lam: float, mu: float, c: int) -> tuple[float, float]:
    """(P(wait), Wq) of M/M/c via the stable Erlang B recursion (market-sim §6.1)."""
    a = lam / mu
    rho = a / c
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    p_wait = b / (1 - rho + rho * b)
    return p_wait, p_wait / (c * mu - lam)


def pk_wait(lam: float, mean: float, second_moment: float) -> float:
    """Pollaczek-Khinchine mean wait of M/G/1 from the service's first two moments."""
    rho = lam * mean
    return lam * second_moment / (2 * (1 - rho))


def test_closed_forms_reproduce_the_reference_table():
    # market-sim §6.2
    assert erlang_c(2.5, 1.0, 3)[1] == pytest.approx(1.404494, abs=1e-6)
    assert erlang_c(2.0, 1.0, 3)[1] == pytest.approx(0.444444, abs=1e-6)
    assert erlang_c(1.5, 1.0, 2)[1] == pytest.approx(1.285714, abs=1e-6)
    assert erlang_c(0.8, 1.0, 1)[1] == pytest.approx(4.0)
    scv = math.exp(0.25) - 1
    assert pk_wait(0.8, 1.0, 1.0 + scv) == pytest.approx(2.568051, abs=1e-6)


def _day_estimates(sc, seed: int) -> dict[str, float]:
    day = simulate_day(sc, seed)
    tx = day.transactions
    assert (tx["outcome"] == "paid").all() and day.events.empty
    st = day.stalls
    np.testing.assert_allclose(st["L"], st["arrival_rate"] * st["W"], rtol=1e-9)
    kept = tx[tx["t_arrive"] >= WARM_UP_S]
    wait_min = kept["wait"].to_numpy() / 60.0
    lam = len(kept) / ((tx["t_arrive"].max() - WARM_UP_S) / 60.0)  # per minute
    return {
        "wq": float(wait_min.mean()),
        "p_wait": float((wait_min > 0).mean()),
        "lq": lam * float(wait_min.mean()),  # Little's law on the queue
        "s1": float(kept["service"].mean()) / 60.0,
        "s2": float((kept["service"] ** 2).mean()) / 3600.0,
        "lam": lam,
    }


def _replicate(sc, seeds: range) -> dict[str, list[float]]:
    rows = [_day_estimates(sc, s) for s in seeds]
    return {k: [r[k] for r in rows] for k in rows[0]}


MMC = [(c, rho) for c in (1, 2, 3, 4) for rho in (0.5, 0.8)]


@pytest.mark.slow
def test_mm_c_matches_erlang_c_over_servers_loads_and_seeds():
    covered, total = 0, 0
    for c, rho in MMC:
        lam = rho * c  # per minute, mean service 1 min
        sc = queue_scenario(lam / 60.0, 60.0, c, hours=HOURS)
        est = _replicate(sc, range(6))
        p_wait, wq = erlang_c(lam, 1.0, c)
        for name, ref in (("wq", wq), ("p_wait", p_wait), ("lq", lam * wq)):
            iv = mean_interval(est[name])
            total += 1
            covered += iv.ci_low <= ref <= iv.ci_high
            assert iv.mean == pytest.approx(ref, rel=0.2), (c, rho, name, iv, ref)
    assert covered / total >= 0.8, f"coverage {covered}/{total}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("law", "cv"), [("deterministic", 0.0), ("lognormal", math.sqrt(math.exp(0.25) - 1))]
)
def test_mg1_matches_pollaczek_khinchine_for_two_service_laws(law: str, cv: float):
    covered = 0
    for rho in (0.5, 0.8):
        sc = queue_scenario(rho / 60.0, 60.0, 1, hours=HOURS, service_cv=cv)
        est = _replicate(sc, range(6))
        ref = pk_wait(rho, 1.0, 1.0 + cv * cv)
        iv = mean_interval(est["wq"])
        covered += iv.ci_low <= ref <= iv.ci_high
        assert iv.mean == pytest.approx(ref, rel=0.2), (law, rho, iv, ref)
        # and it is told apart from the exponential law at the same load
        assert not iv.ci_low <= erlang_c(rho, 1.0, 1)[1] <= iv.ci_high
    assert covered >= 1


@pytest.mark.slow
def test_payment_path_on_matches_pollaczek_khinchine_from_simulated_moments():
    base = queue_scenario(0.6 / 60.0, 45.0, 1, hours=HOURS, service_cv=0.5)
    sc = with_overrides(
        base,
        {
            "payments.cash_exact_time_mean": 10.0,
            "payments.cash_exact_time_sd": 5.0,
            "payments.cash_change_time_mean": 22.0,
            "payments.cash_change_time_sd": 10.0,
        },
    )
    est = _replicate(sc, range(6))
    lam = float(np.mean(est["lam"]))
    s1, s2 = float(np.mean(est["s1"])), float(np.mean(est["s2"]))
    assert s1 > 0.75 + 10 / 60  # the payment time is on
    ref = pk_wait(lam, s1, s2)
    iv = mean_interval(est["wq"])
    assert iv.mean == pytest.approx(ref, rel=0.2)
    assert iv.ci_low - 0.1 * ref <= ref <= iv.ci_high + 0.1 * ref


def test_reduced_model_demand_sensitivity():
    # market-sim §6.2: the M/M/3 stall's wait rises sharply from lambda 2.0 to 2.5 (x3.2)
    low = mean_interval(_replicate(queue_scenario(2.0 / 60, 60.0, 3, hours=24.0), range(2))["wq"])
    high = mean_interval(_replicate(queue_scenario(2.5 / 60, 60.0, 3, hours=24.0), range(2))["wq"])
    assert 2.0 < high.mean / low.mean < 5.0


# -- metamorphic relations on the full model (common random numbers, several seeds) ------

SMALL = {"market.stalls_scale": 0.1}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_more_servers_wait_less(seed: int):
    sc = with_overrides(preset("tet-peak-day"), SMALL)
    more = with_overrides(sc, {f"categories.{c.name}.servers": 2 for c in sc.categories})
    a, b = simulate_day(sc, seed).metrics, simulate_day(more, seed).metrics
    assert b["all.wait_mean_s"] < a["all.wait_mean_s"]
    assert b["all.wait_p95_s"] <= a["all.wait_p95_s"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_faster_qr_pays_faster(seed: int):
    sc = with_overrides(preset("qr-first"), SMALL)
    fast = with_overrides(
        sc, {"payments.static_qr_time_mean": 12.0, "payments.dynamic_qr_time_mean": 10.0}
    )
    a, b = simulate_day(sc, seed).metrics, simulate_day(fast, seed).metrics
    assert b["static_qr.payment_time_s"] < a["static_qr.payment_time_s"]
    assert b["qr.payment_time_s"] < a["qr.payment_time_s"]


@pytest.mark.parametrize("name", ["dien-bien", "qr-first", "tet-peak-day"])
def test_zero_error_rates_give_zero_loss(name: str):
    sc = with_overrides(preset(name), SMALL)
    zero = {
        f"errors.{k}": 0.0
        for k in (
            "wrong_change_prob",
            "confusion_prob",
            "counterfeit_prob",
            "mistype_prob",
            "key_error_prob",
            "fake_screenshot_prob",
            "sticker_swap_per_stall_month",
            "pending_prob",
            "qr_technical_fail_prob",
        )
    }
    zero["payments.change_rounding_limit"] = 0
    zero["infrastructure.outage_rate_per_day"] = 0.0
    for seed in (1, 2):
        day = simulate_day(with_overrides(sc, zero), seed)
        m = day.metrics
        assert day.events.empty, day.events["event"].value_counts()
        assert m["all.loss_per_million_vnd"] == 0.0
        assert m["all.fraud_take_per_million_vnd"] == 0.0
        assert m["all.reconciliation_gap_vnd"] == 0.0
