"""Sticker audits: how often stickers are checked sets how many open the day swapped."""

from __future__ import annotations

import pytest

from cashless.sim import preset, run, with_overrides
from cashless.sim.model import MAX_DAYS_UNDETECTED, carried_swap_share
from cashless.sim.params import Errors

RISKY = {
    "errors.sticker_swap_per_stall_month": 0.3,  # high hazard, so a small market shows it
    "errors.sticker_self_scan_prob": 0.0,
    "market.stalls_scale": 0.25,
}


@pytest.mark.parametrize(
    ("interval", "self_scan", "expected_days"),
    [
        (0.0, 0.0, MAX_DAYS_UNDETECTED),  # nobody ever checks: capped
        (1.0, 0.0, 0.0),  # a daily audit finds every swap next morning
        (7.0, 0.0, 6.0),  # geometric: (1 - p) / p with p = 1/7
        (0.0, 0.5, 1.0),  # self-scan alone, p = 0.5
        (2.0, 0.5, 1 / 3),  # either finds it: p = 1 - 0.5 * 0.5
    ],
)
def test_carried_share_is_hazard_times_days_undetected(
    interval: float, self_scan: float, expected_days: float
) -> None:
    errors = Errors(
        sticker_swap_per_stall_month=0.003,
        sticker_self_scan_prob=self_scan,
        sticker_audit_interval_days=interval,
    )
    assert carried_swap_share(errors) == pytest.approx(0.0001 * expected_days)


def test_more_frequent_audits_cut_swap_losses() -> None:
    losses = []
    for interval in (0.0, 30.0, 1.0):
        scenario = with_overrides(
            preset("dien-bien"), {**RISKY, "errors.sticker_audit_interval_days": interval}
        )
        result = run(scenario, replications=4, seed=7)
        losses.append(result.summary.loc["all.loss_per_million_vnd.sticker_swap", "mean"])
    never, monthly, daily = losses
    assert never > monthly > daily
    assert never > 10 * daily
