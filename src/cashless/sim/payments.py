"""Payment at the stall: cash from the wallet with change from the drawer, or a QR transfer.

Each function returns the payment duration (s), the method actually used and the outcome,
and books every money movement on the :class:`cashless.sim.model.Day` ledgers and every
settlement error as an event (name, amount, who loses, who gains). The uniforms ``u`` and
normals ``z`` are the transaction's pre-drawn slot (see :mod:`cashless.sim.draws`); a
sub-decision reuses ``u[k] / p``, which is uniform and independent of ``u[k] < p``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from cashless.sim.cash import DENOMS, exact_notes, greedy, max_payable, tender_paid, value

if TYPE_CHECKING:
    from cashless.sim.model import Day

__all__ = ["pay_cash", "pay_qr"]

_exp = math.exp
_SLIPS = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000)  # [A] size of a mistyped amount
_WRONG_NOTE_CUM = (0.30, 0.50, 0.70, 0.85, 0.95, 1.0)  # [A] 1k..50k, small notes likelier
_CASH_OUT = (50_000, 100_000, 200_000)  # market-sim §2.4 over-transfer cash-out
SPEAKER, PHONE, GLANCE = 0, 1, 2


def _note_index(v: float) -> int:
    for k, c in enumerate(_WRONG_NOTE_CUM):
        if v < c:
            return k
    return 5


def pay_cash(
    d: Day,
    s: int,
    wallet: list[int],
    price: int,
    nq: int,
    now: float,
    z: list[float],
    u: list[float],
    exact_u: float,
) -> tuple[float, str]:
    """Cash payment; returns (duration, outcome)."""
    drawer = d.drawers[s]
    pc = d.confusion_p * (1.0 + d.confusion_slope * nq)
    twice = False
    if u[9] < pc:
        if u[9] / pc < 0.5:  # goods leave unpaid in the confusion
            d.event(now, s, "confusion_unpaid", price, "vendor", "shopper", "cash")
            d.goods[s] += price
            d.goods_shoppers += price
            return _exp(d.mu_cash_exact + d.sg_cash_exact * z[0]), "unpaid"
        twice = True
    small = price < d.exact_threshold
    exact = exact_u < (d.exact_small if small else d.exact_large)
    notes, paid = tender_paid(wallet, price, exact)
    if notes is None:
        return 0.0, "lost_no_cash"
    fake = 0
    nbig = notes[5] + notes[6] + notes[7] + notes[8]
    pf = nbig * d.counterfeit_p
    if nbig and u[10] < pf:
        i = max(k for k in (5, 6, 7, 8) if notes[k])
        if u[10] / pf < d.counterfeit_detect:
            wallet[i] -= 1
            d.confiscated += DENOMS[i]
            d.event(now, s, "counterfeit_detected", DENOMS[i], "shopper", "fraudster", "cash")
            notes, paid = tender_paid(wallet, price, exact)
            if notes is None:
                return 0.0, "lost_no_cash"
        else:
            fake = i + 1
    change = paid - price
    if fake and change > value(drawer) + paid - DENOMS[fake - 1]:
        d.count("no_change")
        return 0.0, "lost_no_change"  # nobody can break the note this early
    for k, n in enumerate(notes):
        if n:
            wallet[k] -= n
            drawer[k] += n
    if fake:  # the fake is set aside, worthless, and never given as change
        drawer[fake - 1] -= 1
        d.fake_pile[s] += DENOMS[fake - 1]
        d.event(now, s, "counterfeit_accepted", DENOMS[fake - 1], "vendor", "fraudster", "cash")
    if change == 0:
        dur = _exp(d.mu_cash_exact + d.sg_cash_exact * z[0])
    else:
        dur = _exp(d.mu_cash_change + d.sg_cash_change * z[0])
        if notes[7] or notes[8]:
            dur += _exp(d.mu_note_check + d.sg_note_check * z[1])
        ch = exact_notes(drawer, change)
        if ch is None:
            got = max_payable(drawer, change, d.rounding_limit)
            if got is not None:
                short, ch = got
                d.event(now, s, "change_rounding", short, "shopper", "vendor", "cash")
                d.count("change_rounded")
            else:
                dur += _exp(d.mu_change_fetch + d.sg_change_fetch * z[2])
                d.count("change_fetched")
                ch = _fetch_change(drawer, change, d.float_counts)
        if u[8] < d.wrong_change_p:
            v = u[8] / d.wrong_change_p
            k = _note_index((v * 2.0) % 1.0)
            if v < 0.5:
                if drawer[k] > ch[k]:
                    ch[k] += 1
                    d.event(now, s, "wrong_change_over", DENOMS[k], "vendor", "shopper", "cash")
            else:
                k = next((j for j in (k, 0, 1, 2, 3, 4, 5) if ch[j]), -1)
                if k >= 0:
                    ch[k] -= 1
                    d.event(now, s, "wrong_change_under", DENOMS[k], "shopper", "vendor", "cash")
        for k, n in enumerate(ch):
            if n:
                drawer[k] -= n
                wallet[k] += n
    if twice:
        again = exact_notes(wallet, price)
        if again is not None:
            for k in range(9):
                wallet[k] -= again[k]
                drawer[k] += again[k]
            d.event(now, s, "confusion_paid_twice", price, "shopper", "vendor", "cash")
    d.goods[s] += price
    d.goods_shoppers += price
    return dur, "paid"


def _fetch_change(drawer: list[int], change: int, target: list[int]) -> list[int]:
    """The vendor has a neighbour break the smallest note that covers ``change``.

    The neighbour hands back the change due and, from the rest, small notes (1k-20k) up to
    the opening float ``target``, then larger notes [A]. With no single note large enough
    the whole drawer is changed (rare). Value is conserved.
    """
    i = next((k for k in range(9) if drawer[k] and DENOMS[k] >= change), -1)
    if i >= 0:
        drawer[i] -= 1
        rest = DENOMS[i] - change
    else:
        rest = value(drawer) - change
        drawer[:] = [0] * 9
    ch = greedy(change)
    for k in range(9):
        drawer[k] += ch[k]
    for k in range(5):
        n = min(max(0, target[k] - drawer[k] + ch[k]), rest // DENOMS[k])
        drawer[k] += n
        rest -= n * DENOMS[k]
    extra = greedy(rest)
    for k in range(9):
        drawer[k] += extra[k]
    return ch


def _slip(v: float, price: int, under: bool) -> int:
    dlt = _SLIPS[min(5, int(v * 6.0))]
    return min(dlt, price - 1_000) if under else dlt


def pay_qr(
    d: Day,
    s: int,
    wallet: list[int],
    price: int,
    nq: int,
    now: float,
    z: list[float],
    u: list[float],
    exact_u: float,
) -> tuple[float, str, str]:
    """QR payment (static or dynamic by stall); returns (duration, method, outcome).

    After ``max_qr_attempts`` failures the shopper pays cash if the wallet allows.
    """
    t = d.t
    dynamic = d.dynamic[s]
    method = "dynamic_qr" if dynamic else "static_qr"
    outages = d.outages
    out = bool(outages) and d.in_outage(now)
    if d.speaker[s] and not out:
        mode = SPEAKER
    elif nq >= d.skip_queue and u[1] < d.skip_p:
        mode = GLANCE
    else:
        mode = PHONE
    cust = t["dynamic_qr"] if dynamic else t["static_qr"]
    dur = _exp(cust[0] + cust[1] * z[0])
    if dynamic:
        dur += _exp(t["vendor_key"][0] + t["vendor_key"][1] * z[1])
    if u[0] < d.fake_screenshot_p:  # a fraudster shows a fake "success" screen
        dur += d.glance_time
        if mode == GLANCE:
            d.event(now, s, "fake_screenshot", price, "vendor", "fraudster", method)
            d.goods[s] += price
            return dur, method, "fake_screenshot"
        return dur, method, "fraud_refused"
    pending = False
    ok = False
    for k in range(d.max_attempts):
        if k:
            dur += _exp(t["retry"][0] + t["retry"][1] * z[4 + (k & 1)])
        uk = u[2 + k % 3]
        if outages and d.in_outage(now + dur):
            if uk < d.outage_fail_share:
                d.count("qr_failed_outage")
                continue
            pending = ok = True
            break
        if uk < d.qr_fail_p:
            d.count("qr_failed")
            if mode == GLANCE and uk < d.qr_tech_p and u[12] < d.unverified_accept_p:
                # "did they pay?": the app still spins, the busy vendor waves them on
                dur += d.glance_time
                d.event(now + dur, s, "unverified_failed", price, "vendor", "shopper", method)
                d.goods[s] += price
                d.goods_shoppers += price
                return dur, method, "unpaid"
            continue
        ok = True
        pending = u[5] < d.pending_p
        break
    if not ok:
        zc = [z[7], *z[1:7], z[0]]  # fresh normal for the cash time
        cdur, outcome = pay_cash(d, s, wallet, price, nq, now + dur, zc, u, exact_u)
        if outcome == "lost_no_cash":
            return dur, method, "lost_failed"
        d.count("cash_fallback")
        return dur + cdur, "cash", outcome
    if mode == SPEAKER:
        vdur = 0.0
    elif mode == PHONE:
        vdur = max(
            _exp(t["phone_check"][0] + t["phone_check"][1] * z[3]),
            _exp(t["notify"][0] + t["notify"][1] * z[6]),
        )
    else:
        vdur = d.glance_time
    dur += vdur
    if pending and mode != GLANCE:
        dur += d.pending_wait  # then the vendor trusts the customer's screen
    d.goods[s] += price
    d.goods_shoppers += price
    when = now + dur
    if not dynamic and d.swap_time[s] <= when and not d.swap_fixed[s]:
        d.sent += price
        d.fraud_received += price
        caught = mode == SPEAKER or (mode == PHONE and u[7] < d.phone_detect)
        if caught:
            d.swap_fixed[s] = True
            if u[13] >= d.sticker_refund:  # the shopper pays again, to the right account
                d.sent += price
                d.received[s] += price
                d.event(when, s, "sticker_swap", price, "shopper", "fraudster", method)
                return dur + _exp(t["retry"][0] + t["retry"][1] * z[5]), method, "paid"
        d.event(when, s, "sticker_swap", price, "vendor", "fraudster", method)
        return dur, method, "paid"
    amount = price
    err_p = d.key_error_p if dynamic else d.mistype_p
    if u[6] < err_p:
        v = u[6] / err_p
        under = v < d.mistype_under if not dynamic else v < 0.5
        slip = _slip(u[10], price, under)
        if dynamic and u[7] < d.key_notice:
            dur += _exp(t["vendor_key"][0] + t["vendor_key"][1] * z[1])  # re-keyed
        elif slip > 0:
            name = "key_error" if dynamic else "mistype"
            if not under:
                amount += slip
                d.event(when, s, name + "_over", slip, "shopper", "vendor", method)
            elif not dynamic and (mode == SPEAKER or (mode == PHONE and u[7] < d.phone_detect)):
                dur += _exp(t["retry"][0] + t["retry"][1] * z[5])  # tops up the difference
            else:
                amount -= slip
                d.event(when, s, name + "_under", slip, "vendor", "shopper", method)
    if u[8] < d.over_transfer_p:
        extra = _CASH_OUT[min(2, int(u[8] / d.over_transfer_p * 3.0))]
        notes = exact_notes(d.drawers[s], extra)
        if notes is not None:
            drawer = d.drawers[s]
            for k in range(9):
                drawer[k] -= notes[k]
                wallet[k] += notes[k]
            amount += extra
            dur += _exp(t["cash_exact"][0] + t["cash_exact"][1] * z[7])
            d.count("cash_out")
    d.sent += amount
    if pending:
        d.add_pending(s, amount, when, u[11], u[12], method)
    else:
        d.received[s] += amount
    return dur, method, "paid"
