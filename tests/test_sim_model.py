"""The market model: money conservation, reproducibility, workers, directions of effects."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cashless.sim import (
    PRESETS,
    conservation_residuals,
    preset,
    run,
    simulate_day,
    with_overrides,
)
from cashless.sim.draws import draw_day
from cashless.sim.results import CAUSES, METRIC_NAMES

SIM_SRC = Path(__file__).resolve().parents[1] / "src" / "cashless" / "sim"


def small(name: str = "dien-bien", scale: float = 0.1, **over) -> object:
    return with_overrides(preset(name), {"market.stalls_scale": scale, **over})


ERROR_PRONE = {
    "errors.wrong_change_prob": 0.2,
    "errors.confusion_prob": 0.05,
    "errors.counterfeit_prob": 0.05,
    "errors.mistype_prob": 0.2,
    "errors.key_error_prob": 0.3,
    "errors.key_error_notice_prob": 0.3,
    "errors.fake_screenshot_prob": 0.05,
    "errors.sticker_swap_share_at_open": 0.3,
    "errors.pending_prob": 0.3,
    "errors.pending_reversal_prob": 0.3,
    "errors.over_transfer_prob": 0.2,
    "payments.dynamic_share": 0.4,
    "payments.skip_verification_prob": 0.8,
    "payments.skip_verification_queue": 0,
    "infrastructure.outages": [[7200, 3600]],
    "payments.change_rounding_limit": 5000,
    "payments.dynamic_locked_app_share": 0.3,
    "payments.dynamic_edit_prob": 0.5,
    "payments.qr_fallback_cash_prob": 0.5,
    "errors.qr_user_fail_prob": 0.2,
    "errors.overpay_notice_payer_prob": 0.3,
    "errors.sticker_swap_cluster_size": 3,
}


def _check_day(day) -> None:
    assert conservation_residuals(day) == {"goods": 0, "shoppers": 0, "money": 0, "zero_sum": 0}
    st = day.stalls
    causes = st[[f"gap_{c}" for c in CAUSES]].sum(axis=1) + st["gap_in_transit"]
    assert (st["gap"] == causes).all(), "each stall's gap is fully attributed to causes"
    ev = day.events
    assert (ev["amount"] > 0).all()
    assert set(ev["event"]) <= set(CAUSES)
    assert set(ev["bearer"]) <= {"vendor", "shopper"}
    assert set(ev["beneficiary"]) <= {"vendor", "shopper", "fraudster"}
    assert ev["amount"].dtype == np.int64 and day.transactions["price"].dtype == np.int64


@pytest.mark.parametrize("name", PRESETS)
def test_money_is_conserved_in_every_preset(name):
    for seed in (0, 1):
        _check_day(simulate_day(small(name), seed))


def test_money_is_conserved_when_every_error_happens():
    sc = small(scale=0.2, **ERROR_PRONE)
    seen: set[str] = set()
    for seed in range(3):
        day = simulate_day(sc, seed)
        _check_day(day)
        seen |= set(day.events["event"])
    assert seen == set(CAUSES), f"never produced: {set(CAUSES) - seen}"


def test_day_result_shapes():
    day = simulate_day(small(), 5)
    tx = day.transactions
    for col in ("t_arrive", "stall", "category", "method", "price", "wait", "service", "outcome"):
        assert col in tx
    assert set(tx["method"]) <= {"cash", "static_qr", "dynamic_qr"}
    assert (tx["price"] % 1000 == 0).all() and (tx["price"] > 0).all()
    assert (tx["wait"] >= 0).all()
    assert set(day.metrics) == set(METRIC_NAMES)
    trace = day.queue_trace
    assert list(trace.columns) == ["t", "category", "queue_length"]
    assert np.allclose(np.diff(np.unique(trace["t"])), 300.0)
    assert {"expected", "cash_kept", "transfers", "gap", "count_time_s"} <= set(day.stalls)
    assert (day.stalls["count_time_s"] > 0).all()


def test_same_seed_same_results_and_seeds_differ():
    sc = small()
    a, b, c = simulate_day(sc, 11), simulate_day(sc, 11), simulate_day(sc, 12)
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.stalls, b.stalls)
    assert a.metrics == b.metrics
    assert not a.transactions["t_arrive"].equals(c.transactions["t_arrive"])


def test_seed_sequence_is_not_consumed():
    seq = np.random.SeedSequence(99)
    sc = small(scale=0.05)
    assert simulate_day(sc, seq).metrics == simulate_day(sc, seq).metrics


@pytest.mark.slow
def test_workers_do_not_change_results():
    sc = small(scale=0.05)
    one = run(sc, replications=4, seed=3, workers=1)
    two = run(sc, replications=4, seed=3, workers=2)
    pd.testing.assert_frame_equal(one.replications, two.replications)
    pd.testing.assert_frame_equal(one.summary, two.summary)
    assert list(one.replications["replication"]) == [0, 1, 2, 3]
    first = simulate_day(sc, np.random.SeedSequence(3).spawn(4)[0]).metrics
    assert one.replications.iloc[0][list(METRIC_NAMES)].to_dict() == pytest.approx(
        first, nan_ok=True
    )


def test_policy_change_does_not_shift_other_streams():
    base = small()
    other = with_overrides(
        base,
        {"payments.qr_share": 0.8, "payments.dynamic_share": 0.9, "errors.wrong_change_prob": 0.1},
    )
    a, b = draw_day(base, 4), draw_day(other, 4)
    for name in (
        "arrival_times",
        "prices",
        "visits",
        "select",
        "walk",
        "pay_z",
        "err_u",
        "choice",
        "stall_u",
    ):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert b.qr_user.sum() > a.qr_user.sum()


def test_run_summary_has_confidence_intervals():
    r = run(small(scale=0.05), replications=3, seed=0)
    s = r.summary.loc["all.wait_mean_s"]
    assert s["n"] == 3 and s["ci_low"] <= s["mean"] <= s["ci_high"]
    table = r.comparison()
    assert {"cash", "qr", "all", "cash_ci"} <= set(table.columns)
    assert table.loc["transactions", "all"] == pytest.approx(
        table.loc["transactions", "cash"] + table.loc["transactions", "qr"]
    )


def test_wrong_change_scales_with_cash_share():
    counts, cash = [], []
    for share in (0.0, 0.8):
        sc = small(scale=0.25, **{"payments.qr_share": share, "errors.wrong_change_prob": 0.05})
        day = simulate_day(sc, 2)
        counts.append(int(day.events["event"].str.startswith("wrong_change").sum()))
        cash.append(int((day.transactions["method"] == "cash").sum()))
    assert cash[0] > 1.5 * cash[1]
    assert counts[0] > 1.4 * counts[1] > 0
    rate = [c / n for c, n in zip(counts, cash, strict=True)]
    assert rate[1] == pytest.approx(rate[0], rel=0.35)  # per cash sale: unchanged


def test_outage_raises_cash_fallback_and_lost_sales():
    base = run(small(scale=0.25), replications=2, seed=8).summary["mean"]
    out = run(small("outage", scale=0.25), replications=2, seed=8).summary["mean"]
    assert out["all.cash_fallbacks"] > base["all.cash_fallbacks"] + 10
    failed = ("all.lost_sales.qr_failed_left", "all.lost_sales.qr_failed_no_cash")
    assert sum(out[k] for k in failed) > sum(base[k] for k in failed)
    assert out["all.qr_failures"] > 3 * base["all.qr_failures"]


def test_dynamic_qr_has_no_mistyped_amounts():
    base = simulate_day(small(scale=0.25, **{"errors.mistype_prob": 0.05}), 6)
    dyn = simulate_day(small("dynamic-qr", scale=0.25, **{"errors.mistype_prob": 0.05}), 6)
    assert base.events["event"].str.startswith("mistype").sum() > 0
    assert dyn.events["event"].str.startswith("mistype").sum() == 0
    assert (dyn.transactions.query("method != 'cash'")["method"] == "dynamic_qr").all()


def test_sticker_swap_pays_fraudsters_and_cash_only_has_no_qr():
    swap = simulate_day(small("sticker-swap", scale=0.25), 1)
    assert swap.metrics["all.fraud_gain_per_million_vnd"] > 0
    assert (swap.events.query("event == 'sticker_swap'")["beneficiary"] == "fraudster").all()
    cash = simulate_day(small("cash-only"), 1)
    assert cash.metrics["qr.transactions"] == 0
    assert (cash.transactions["method"] == "cash").all()


def test_more_demand_lengthens_waits_and_littles_law_holds():
    waits = []
    for mult in (1.0, 1.25, 2.5):
        sc = small(scale=0.25, **{"arrivals.demand_multiplier": mult})
        day = simulate_day(sc, 4)
        waits.append(day.metrics["all.wait_mean_s"])
        st = day.stalls
        # Little: time-average number at each stall = arrival rate x mean time in system
        np.testing.assert_allclose(st["L"], st["arrival_rate"] * st["W"], rtol=1e-9, atol=1e-9)
        assert st["L"].sum() > 0
    assert waits[0] < waits[1] < waits[2]


def test_stalls_scale_shrinks_market_and_demand_together():
    full, tenth = draw_day(preset("dien-bien"), 0), draw_day(small(scale=0.1), 0)
    assert tenth.n_shoppers == pytest.approx(full.n_shoppers / 10, rel=0.1)
    assert abs(tenth.stall_u.shape[0] - 40) <= 2  # each category rounded, at least 1


def test_sim_never_imports_the_payments_column():
    allowed = ("cashless.sim", "cashless.errors")
    for path in SIM_SRC.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("cashless"):
                    assert name.startswith(allowed), f"{path.name} imports {name}"
