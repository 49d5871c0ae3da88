"""Sticker swaps: the morning carry-over follows from the model's own in-day detection."""

from __future__ import annotations

import numpy as np
import pytest

from cashless.sim import preset, run, with_overrides
from cashless.sim.params import Scenario
from cashless.sim.replicate import simulate_swap_chain
from cashless.sim.stats import half_width
from cashless.sim.swaps import carried_swap_share, detection_probabilities, morning_find_prob

RISKY = {
    "errors.sticker_swap_per_stall_month": 0.3,  # high hazard, so a small market shows it
    "errors.sticker_self_scan_prob": 0.0,
    "errors.phone_detect_prob": 0.02,  # vendors who hardly check: swaps outlive the day
    "payments.speaker_share": 0.0,
    "market.stalls_scale": 0.25,
}


@pytest.mark.parametrize(
    ("interval", "self_scan", "expected"),
    [
        (0.0, 0.0, 0.0),  # nobody ever checks
        (1.0, 0.0, 1.0),  # a daily audit finds every swap next morning
        (7.0, 0.0, 1 / 7),
        (0.0, 0.5, 0.5),
        (2.0, 0.5, 0.75),  # either finds it
    ],
)
def test_morning_find_probability(interval: float, self_scan: float, expected: float) -> None:
    sc = with_overrides(
        Scenario(),
        {
            "errors.sticker_audit_interval_days": interval,
            "errors.sticker_self_scan_prob": self_scan,
        },
    )
    assert morning_find_prob(sc) == pytest.approx(expected)


def test_in_day_detection_makes_carry_over_small() -> None:
    sc = with_overrides(preset("dien-bien"), {"errors.sticker_swap_per_stall_month": 0.03})
    h = 0.001
    q_open, q_day = detection_probabilities(sc, 0, speaker=True)
    assert q_open > 0.99 and 0.5 < q_day < q_open  # a late swap has fewer payments left
    # the old formula ignored in-day detection: h (1 - p) / p = h with p = 0.5
    assert carried_swap_share(sc, 0, speaker=True) < 0.1 * h
    assert carried_swap_share(sc, 0, speaker=False) > carried_swap_share(sc, 0, speaker=True)
    never = with_overrides(
        sc, {"errors.sticker_self_scan_prob": 0.0, "errors.phone_detect_prob": 0.0}
    )
    # nobody ever finds it: capped at h x sticker_max_days_undetected
    assert carried_swap_share(never, 6, speaker=False) == pytest.approx(h * 365)


@pytest.mark.slow
def test_swap_steady_state_matches_a_multi_day_simulation() -> None:
    sc = with_overrides(
        preset("dien-bien"),
        {
            "market.stalls_scale": 0.1,
            "payments.qr_share": 0.05,  # few payments a day: in-day detection is partial
            "payments.speaker_share": 0.0,
            "errors.phone_detect_prob": 0.3,
            "errors.sticker_swap_per_stall_month": 6.0,
            "errors.sticker_self_scan_prob": 0.3,
        },
    )
    for seed in (1, 2):
        chain = simulate_swap_chain(sc, 30, seed)
        days = np.array(chain.opened_swapped[5:])  # from empty to steady: drop a burn-in
        batches = [b.mean() for b in np.array_split(days, 5)]
        half = half_width(float(np.std(batches, ddof=1)), 5)
        assert abs(float(np.mean(batches)) - chain.predicted) <= half, (batches, chain.predicted)
        assert 0.05 < chain.predicted < 0.4


def test_more_frequent_audits_cut_swap_losses() -> None:
    losses = []
    for interval in (0.0, 30.0, 1.0):
        scenario = with_overrides(
            preset("dien-bien"), {**RISKY, "errors.sticker_audit_interval_days": interval}
        )
        result = run(scenario, replications=3, seed=7)
        losses.append(result.summary.loc["all.loss_per_million_vnd.sticker_swap", "mean"])
    never, monthly, daily = losses
    assert never > monthly > daily
    # with vendors who check (the defaults) the same swaps are found the same day
    checked = {k: v for k, v in RISKY.items() if k.startswith(("errors.sticker", "market"))}
    caught = [
        run(
            with_overrides(
                preset("dien-bien"), {**checked, "errors.sticker_audit_interval_days": i}
            ),
            replications=3,
            seed=7,
        ).summary.loc["all.loss_per_million_vnd.sticker_swap", "mean"]
        for i in (0.0, 1.0)
    ]
    assert caught[0] < 0.2 * never and caught[0] - caught[1] < 0.1 * (never - daily)
