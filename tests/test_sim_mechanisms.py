"""Mechanisms of the payment path: independent QR attempts, amount errors on both sides,
dynamic-QR editing, prepared payers, the cash fallback, clustered swaps, net loss by party."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cashless.sim import preset, simulate_day, with_overrides
from cashless.sim.draws import (
    FRAUD_SLOTS,
    NORMAL_SLOTS,
    STALL_SLOTS,
    UNIFORM_SLOTS,
    attempt_width,
    draw_day,
)
from cashless.sim.payments import slip_size
from cashless.sim.results import LOST_CAUSES

QUIET = {  # no error but the one under test
    "errors.fake_screenshot_prob": 0.0,
    "errors.qr_technical_fail_prob": 0.0,
    "errors.qr_user_fail_prob": 0.0,
    "errors.pending_prob": 0.0,
    "errors.mistype_prob": 0.0,
    "errors.key_error_prob": 0.0,
    "errors.over_transfer_prob": 0.0,
    "errors.sticker_swap_per_stall_month": 0.0,
    "infrastructure.outage_rate_per_day": 0.0,
}


def small(name: str = "dien-bien", scale: float = 0.1, **over) -> object:
    return with_overrides(preset(name), {"market.stalls_scale": scale, **QUIET, **over})


def test_slot_tables_name_every_column_once() -> None:
    import cashless.sim.draws as draws

    for names, prefix in ((UNIFORM_SLOTS, "U_"), (NORMAL_SLOTS, "Z_")):
        assert len(set(names)) == len(names)
        consts = {k: v for k, v in vars(draws).items() if k.startswith(prefix) and k.isupper()}
        assert sorted(consts.values()) == list(range(len(names)))
    sc = small(**{"payments.max_qr_attempts": 5})
    d = draw_day(sc, 3)
    assert attempt_width(sc) == 5
    assert d.attempt_u.shape == d.attempt_z.shape == (5, len(d.prices))
    assert d.err_u.shape[1] == len(UNIFORM_SLOTS) and d.pay_z.shape[1] == len(NORMAL_SLOTS)
    assert d.stall_u.shape[1] == len(STALL_SLOTS) and d.fraud_u.shape[1] == len(FRAUD_SLOTS)
    # attempt k reads the same numbers whatever the number of attempts allowed
    three = draw_day(with_overrides(sc, {"payments.max_qr_attempts": 3}), 3)
    np.testing.assert_array_equal(three.attempt_u, d.attempt_u[:3])


def _all_failed_share(attempts: int, seeds: range) -> tuple[float, int]:
    sc = small(
        "qr-first",
        scale=0.1,
        **{
            "errors.qr_user_fail_prob": 0.5,
            "payments.max_qr_attempts": attempts,
            "payments.dynamic_share": 0.0,
        },
    )
    failed = tried = 0
    for seed in seeds:
        day = simulate_day(sc, seed)
        tx = day.transactions
        qr = tx[(tx["intended"] != "cash") & (tx["outcome"] != "lost_balk")]
        tried += len(qr)
        c = day.counters
        failed += (
            c.get("cash_fallback", 0)
            + int((qr["outcome"] == "lost_qr_failed_left").sum())
            + int((qr["outcome"] == "lost_qr_failed_no_cash").sum())
        )
    return failed / tried, tried


@pytest.mark.parametrize("attempts", [1, 3, 4, 6])
def test_qr_attempts_fail_independently(attempts: int) -> None:
    # the old slots (u[2 + k % 3]) reused attempt 1's draw from attempt 4 on: 0.125 at 3, 4, 6
    share, n = _all_failed_share(attempts, range(3))
    expected = 0.5**attempts
    assert abs(share - expected) < 4 * math.sqrt(expected * (1 - expected) / n) + 1e-9, (
        share,
        expected,
        n,
    )


def test_more_attempts_fail_less() -> None:
    shares = [_all_failed_share(k, range(2))[0] for k in (3, 4, 6)]
    assert shares[0] > shares[1] > shares[2]
    assert shares[2] < 0.05


def test_slip_scales_with_the_price() -> None:
    assert slip_size(200_000, 0.1, False) == 20_000
    assert slip_size(20_000, 0.1, False) == 2_000
    sc = small(**{"errors.mistype_prob": 0.3, "errors.mistype_slip_sigma": 0.0})
    day = simulate_day(sc, 1)
    ev = day.events[day.events["event"] == "mistype_over"]
    assert len(ev) > 5
    # sigma 0: every over-typed slip is the median share (0.2) of its price
    tx = day.transactions
    paid = tx[(tx["method"] == "static_qr") & (tx["outcome"] == "paid")]
    prices = set(paid["price"])
    assert all(any(slip_size(p, 0.2, False) == a for p in prices) for a in ev["amount"])
    assert ev["amount"].nunique() > 1, "slips vary with the price"


def _mistype_events(**over) -> tuple[int, int, int]:
    sc = small("qr-first", **{"errors.mistype_prob": 0.2, **over})
    over_n = under_n = returned = 0
    for seed in (1, 2):
        day = simulate_day(sc, seed)
        names = day.events["event"]
        over_n += int((names == "mistype_over").sum())
        under_n += int((names == "mistype_under").sum())
        returned += day.counters.get("overpay_returned", 0)
    return over_n, under_n, returned


def test_over_payments_are_returned_when_noticed() -> None:
    never = {
        "errors.overpay_notice_speaker_prob": 0.0,
        "errors.overpay_notice_phone_prob": 0.0,
        "errors.overpay_notice_payer_prob": 0.0,
    }
    kept, _, none_returned = _mistype_events(**never)
    assert kept > 20 and none_returned == 0
    always = {**never, "errors.overpay_notice_payer_prob": 1.0, "errors.overpay_return_prob": 1.0}
    over_n, _, returned = _mistype_events(**always)
    assert over_n == 0 and returned == kept  # the same slips (common random numbers)
    # the speaker collects every short payment; silence (no speaker, no phone) none
    _, under_loud, _ = _mistype_events(
        **{"payments.speaker_share": 1.0, "infrastructure.outage_rate_per_day": 0.0}
    )
    assert under_loud == 0


def test_dynamic_amounts_are_mistyped_only_when_the_payer_edits() -> None:
    base = {"payments.dynamic_share": 1.0, "errors.mistype_prob": 0.3}
    locked = small("qr-first", **base, **{"payments.dynamic_locked_app_share": 1.0})
    edited = small(
        "qr-first",
        **base,
        **{"payments.dynamic_locked_app_share": 0.0, "payments.dynamic_edit_prob": 1.0},
    )
    a, b = simulate_day(locked, 2).events, simulate_day(edited, 2).events
    assert not a["event"].str.startswith("mistype").any()
    assert b["event"].str.startswith("mistype").sum() > 10
    assert set(b.loc[b["event"].str.startswith("mistype"), "method"]) == {"dynamic_qr"}


def test_prepared_payers_pay_faster_and_fallback_choice() -> None:
    slow = small("qr-first", **{"payments.app_ready_prob": 0.0})
    fast = small(
        "qr-first", **{"payments.app_ready_prob": 1.0, "payments.app_ready_time_factor": 0.2}
    )
    assert (
        simulate_day(fast, 1).metrics["static_qr.payment_time_s"]
        < simulate_day(slow, 1).metrics["static_qr.payment_time_s"]
    )
    failing = {"errors.qr_user_fail_prob": 0.6}
    stay = simulate_day(small("qr-first", **failing, **{"payments.qr_fallback_cash_prob": 1.0}), 1)
    leave = simulate_day(small("qr-first", **failing, **{"payments.qr_fallback_cash_prob": 0.0}), 1)
    assert stay.metrics["all.lost_sales.qr_failed_left"] == 0
    assert leave.counters.get("cash_fallback", 0) == 0
    assert leave.metrics["all.lost_sales.qr_failed_left"] > 10


def test_swaps_come_in_clusters() -> None:
    sc = small(
        **{
            "errors.sticker_swap_share_at_open": 0.3,
            "errors.sticker_swap_cluster_size": 4,
            "payments.dynamic_share": 0.0,
            "payments.qr_stall_share": 1.0,
        },
        scale=0.2,
    )
    st = simulate_day(sc, 4).stalls
    groups = st.groupby(st["stall"] // 4)["swapped"]
    assert st["swapped"].any()
    assert (groups.nunique() == 1).all()


def test_lost_sales_by_cause_and_net_loss_by_party() -> None:
    for name in ("dien-bien", "cash-only", "qr-first"):
        day = simulate_day(small(name, **{"errors.mistype_prob": 0.05}), 2)
        m = day.metrics
        assert m["all.lost_sales"] == sum(m[f"all.lost_sales.{c}"] for c in LOST_CAUSES)
        assert math.isnan(m["cash.lost_sales"]) and math.isnan(m["qr.lost_sales"])
        # what vendors and shoppers lose net is what fraudsters take (money conserved)
        net = m["all.vendor_net_loss_per_million_vnd"] + m["all.shopper_net_loss_per_million_vnd"]
        assert net == pytest.approx(m["all.fraud_take_per_million_vnd"], abs=1e-6)
        assert m["all.loss_per_million_vnd"] >= abs(m["all.vendor_net_loss_per_million_vnd"])
    cash_only = simulate_day(small("cash-only"), 2).metrics
    assert cash_only["all.lost_sales.qr_failed_left"] == 0
    tx = simulate_day(small(**{"baskets.qr_user_wallet_median": 0}), 2).transactions
    at_cash = tx[tx["outcome"] == "lost_no_cash_at_cash_stall"]
    assert len(at_cash) > 0 and (at_cash["intended"] == "cash").all()


def test_closing_rule_throughput_over_hours_open() -> None:
    day = simulate_day(small(), 3)
    m = day.metrics
    assert m["all.hours_open"] >= preset("dien-bien").market.hours
    assert m["all.throughput_per_hour"] == pytest.approx(
        m["all.transactions"] / m["all.hours_open"]
    )
    first = day.transactions.groupby("shopper")["t_arrive"].min()
    assert first.max() < preset("dien-bien").market.hours * 3600  # nobody arrives after close
