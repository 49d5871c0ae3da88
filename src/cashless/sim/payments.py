"""Payment at the stall: cash from the wallet with change from the drawer, or a QR transfer.

Each function returns the payment duration (s, selection excluded), the method actually
used and the outcome. It reads the day's :class:`~cashless.sim.state.Rates` and
:class:`~cashless.sim.state.Stalls`, books every money movement on the
:class:`~cashless.sim.state.Ledger` and every settlement error as an event (name,
amount, who loses, who gains). Visit ``v`` reads its own row of each named slot table
of :mod:`cashless.sim.draws`; a sub-decision reads ``u / p`` of its slot, which is
uniform and independent of ``u < p``.

Amount errors treat both sides alike: a short payment is collected when the vendor
notices it (the speaker always announces the amount; the own phone with
``phone_detect_prob``); an over-payment is noticed by the vendor (speaker or phone) or
by the payer on their confirmation screen, each with its own probability, and a noticed
one is returned with ``overpay_return_prob`` (Civil Code 2015 art. 579-580, market-sim §8).
"""

from __future__ import annotations

import math

from cashless.sim.cash import DENOMS, exact_notes, greedy, max_payable, tender_paid, value
from cashless.sim.draws import (
    KU,
    KZ,
    U_AMOUNT_ERROR,
    U_APP_READY,
    U_CONFUSION,
    U_COUNTERFEIT,
    U_DYNAMIC_EDIT,
    U_FAKE_SCREENSHOT,
    U_FALLBACK_CASH,
    U_KEY_NOTICE,
    U_LOCKED_APP,
    U_OVER_NOTICE_PAYER,
    U_OVER_NOTICE_VENDOR,
    U_OVER_RETURN,
    U_OVER_TRANSFER,
    U_PENDING,
    U_PENDING_REVERSAL,
    U_PENDING_WHEN,
    U_SKIP_CHECK,
    U_STICKER_REFUND,
    U_SWAP_DETECT,
    U_UNDER_DETECT,
    U_UNVERIFIED_ACCEPT,
    U_WRONG_CHANGE,
    U_WRONG_NOTE,
    Z_CASH_OUT,
    Z_CASH_TIME,
    Z_CHANGE_FETCH,
    Z_NOTE_CHECK,
    Z_NOTIFY,
    Z_PHONE_CHECK,
    Z_QR_TIME,
    Z_REFUND,
    Z_REKEY,
    Z_SLIP,
    Z_SWAP_REPAY,
    Z_TOP_UP,
    Z_VENDOR_KEY,
    FlatDraws,
)
from cashless.sim.state import Ledger, Method, Outcome, Rates, Stalls

__all__ = ["in_outage", "pay_cash", "pay_qr", "slip_size"]

_exp = math.exp
SPEAKER, PHONE, GLANCE = 0, 1, 2  # how the vendor verifies a transfer


def in_outage(outages: list[tuple[float, float]], t: float) -> bool:
    """True while a bank/NAPAS outage is on at time ``t``."""
    return any(a <= t < b for a, b in outages)


def _note_index(v: float, cum: tuple[float, ...]) -> int:
    for k, c in enumerate(cum):
        if v < c:
            return k
    return len(cum) - 1


def slip_size(price: int, share: float, under: bool) -> int:
    """A mistyped amount's difference: ``share`` of the price, whole thousands, >= 1,000.

    An under-payment leaves at least 1,000 VND paid.

    >>> slip_size(25_000, 0.2, False), slip_size(25_000, 3.0, True), slip_size(1_000, 0.5, True)
    (5000, 24000, 0)
    """
    slip = max(1_000, round(price * share / 1_000) * 1_000)
    return min(slip, price - 1_000) if under else slip


def pay_cash(
    r: Rates,
    led: Ledger,
    fd: FlatDraws,
    v: int,
    s: int,
    wallet: list[int],
    price: int,
    nq: int,
    now: float,
) -> tuple[float, Outcome]:
    """Cash payment of visit ``v`` at stall ``s``; returns (duration, outcome)."""
    u, z = fd.u, fd.z
    bu, bz = KU * v, KZ * v
    drawer = led.drawers[s]
    pc = r.confusion_p * (1.0 + r.confusion_slope * nq)
    twice = False
    uc = u[bu + U_CONFUSION]
    if uc < pc:
        if uc / pc < r.confusion_unpaid_share:  # goods leave unpaid in the confusion
            led.event(now, s, "confusion_unpaid", price, "vendor", "shopper", "cash")
            led.goods[s] += price
            led.goods_shoppers += price
            law = r.cash_exact
            return _exp(law.mu + law.sigma * z[bz + Z_CASH_TIME]), "unpaid"
        twice = True
    small = price < r.exact_threshold
    exact = fd.exact_u[v] < (r.exact_small if small else r.exact_large)
    notes, paid = tender_paid(wallet, price, exact)
    if notes is None:
        return 0.0, "lost_no_cash"
    fake = 0
    nbig = notes[5] + notes[6] + notes[7] + notes[8]
    pf = nbig * r.counterfeit_p
    uf = u[bu + U_COUNTERFEIT]
    if nbig and uf < pf:
        i = max(k for k in (5, 6, 7, 8) if notes[k])
        if uf / pf < r.counterfeit_detect:
            wallet[i] -= 1
            led.confiscated += DENOMS[i]
            led.event(now, s, "counterfeit_detected", DENOMS[i], "shopper", "fraudster", "cash")
            notes, paid = tender_paid(wallet, price, exact)
            if notes is None:
                return 0.0, "lost_no_cash"
        else:
            fake = i + 1
    change = paid - price
    if fake and change > value(drawer) + paid - DENOMS[fake - 1]:
        led.count("no_change")
        return 0.0, "lost_no_change"  # nobody can break the note this early
    for k, n in enumerate(notes):
        if n:
            wallet[k] -= n
            drawer[k] += n
    if fake:  # the fake is set aside, worthless, and never given as change
        drawer[fake - 1] -= 1
        led.fake_pile[s] += DENOMS[fake - 1]
        led.event(now, s, "counterfeit_accepted", DENOMS[fake - 1], "vendor", "fraudster", "cash")
    zc = z[bz + Z_CASH_TIME]
    if change == 0:
        dur = _exp(r.cash_exact.mu + r.cash_exact.sigma * zc)
    else:
        dur = _exp(r.cash_change.mu + r.cash_change.sigma * zc)
        if notes[7] or notes[8]:
            dur += _exp(r.note_check.mu + r.note_check.sigma * z[bz + Z_NOTE_CHECK])
        ch = exact_notes(drawer, change)
        if ch is None:
            got = max_payable(drawer, change, r.rounding_limit)
            if got is not None:
                short, ch = got
                led.event(now, s, "change_rounding", short, "shopper", "vendor", "cash")
                led.count("change_rounded")
            else:
                dur += _exp(r.change_fetch.mu + r.change_fetch.sigma * z[bz + Z_CHANGE_FETCH])
                led.count("change_fetched")
                ch = _fetch_change(drawer, change, led.float_counts)
        uw = u[bu + U_WRONG_CHANGE]
        if uw < r.wrong_change_p:
            k = _note_index(u[bu + U_WRONG_NOTE], r.wrong_note_cum)
            if uw / r.wrong_change_p < r.wrong_change_over_share:
                if drawer[k] > ch[k]:
                    ch[k] += 1
                    led.event(now, s, "wrong_change_over", DENOMS[k], "vendor", "shopper", "cash")
            else:
                k = next((j for j in (k, 0, 1, 2, 3, 4, 5) if ch[j]), -1)
                if k >= 0:
                    ch[k] -= 1
                    led.event(now, s, "wrong_change_under", DENOMS[k], "shopper", "vendor", "cash")
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
            led.event(now, s, "confusion_paid_twice", price, "shopper", "vendor", "cash")
    led.goods[s] += price
    led.goods_shoppers += price
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


def _add_pending(
    r: Rates,
    led: Ledger,
    outages: list[tuple[float, float]],
    s: int,
    amount: int,
    t: float,
    u_when: float,
    u_rev: float,
    method: str,
) -> None:
    """A transfer whose credit is late: when it lands, or whether it is reversed."""
    nxt, same = r.pending_next_day_share, r.pending_same_day_share
    if u_when < nxt:
        t_credit = math.inf
    elif u_when < nxt + same:
        lo, hi = r.pending_slow_s
        t_credit = t + lo + (hi - lo) * (u_when - nxt) / same
    else:
        lo, hi = r.pending_fast_s
        t_credit = t + lo + (hi - lo) * (u_when - nxt - same) / (1.0 - nxt - same)
    for a, b in outages:
        if a <= t < b:
            t_credit = max(t_credit, b + r.pending_after_outage_s)
    led.pending.append((s, amount, t_credit, u_rev < r.pending_reversal_p, method))
    led.count("pending")


def pay_qr(
    r: Rates,
    led: Ledger,
    st: Stalls,
    outages: list[tuple[float, float]],
    fd: FlatDraws,
    v: int,
    s: int,
    wallet: list[int],
    price: int,
    nq: int,
    now: float,
    waited: bool,
) -> tuple[float, Method, Outcome]:
    """QR payment (static or dynamic by stall); returns (duration, method, outcome).

    A payer who ``waited`` in the queue may have opened the app already
    (``payments.app_ready_prob``) and is faster. After ``max_qr_attempts`` failures the
    shopper pays cash (if the wallet allows) with ``qr_fallback_cash_prob``, else leaves.
    """
    u, z = fd.u, fd.z
    bu, bz = KU * v, KZ * v
    dynamic = st.dynamic[s]
    method: Method = "dynamic_qr" if dynamic else "static_qr"
    out = bool(outages) and in_outage(outages, now)
    if st.speaker[s] and not out:
        mode = SPEAKER
    elif nq >= r.skip_queue and u[bu + U_SKIP_CHECK] < r.skip_p:
        mode = GLANCE
    else:
        mode = PHONE
    law = r.dynamic_qr if dynamic else r.static_qr
    dur = _exp(law.mu + law.sigma * z[bz + Z_QR_TIME])
    if waited and u[bu + U_APP_READY] < r.app_ready_prob:
        dur *= r.app_ready_time_factor
    if dynamic:
        dur += _exp(r.vendor_key.mu + r.vendor_key.sigma * z[bz + Z_VENDOR_KEY])
    if u[bu + U_FAKE_SCREENSHOT] < r.fake_screenshot_p:  # a fake "success" screen
        dur += r.glance_time
        if mode == GLANCE:
            led.event(now, s, "fake_screenshot", price, "vendor", "fraudster", method)
            led.goods[s] += price
            return dur, method, "fake_screenshot"
        return dur, method, "fraud_refused"
    pending = False
    ok = False
    nv, au, az, retry = fd.n_visits, fd.attempt_u, fd.attempt_z, r.retry
    for k in range(r.max_attempts):
        if k:
            dur += _exp(retry.mu + retry.sigma * az[k * nv + v])
        uk = au[k * nv + v]
        if outages and in_outage(outages, now + dur):
            if uk < r.outage_fail_share:
                led.count("qr_failed_outage")
                continue
            pending = ok = True
            break
        if uk < r.qr_fail_p:
            led.count("qr_failed")
            if (
                mode == GLANCE
                and uk < r.qr_tech_p
                and u[bu + U_UNVERIFIED_ACCEPT] < r.unverified_accept_p
            ):
                # "did they pay?": the app still spins, the busy vendor waves them on
                dur += r.glance_time
                led.event(now + dur, s, "unverified_failed", price, "vendor", "shopper", method)
                led.goods[s] += price
                led.goods_shoppers += price
                return dur, method, "unpaid"
            continue
        ok = True
        pending = u[bu + U_PENDING] < r.pending_p
        break
    if not ok:
        if u[bu + U_FALLBACK_CASH] >= r.qr_fallback_cash_p:
            return dur, method, "lost_qr_failed_left"
        cdur, outcome = pay_cash(r, led, fd, v, s, wallet, price, nq, now + dur)
        if outcome == "lost_no_cash":
            return dur, method, "lost_qr_failed_no_cash"
        led.count("cash_fallback")
        return dur + cdur, "cash", outcome
    if mode == SPEAKER:
        vdur = 0.0
    elif mode == PHONE:
        vdur = max(
            _exp(r.phone_check.mu + r.phone_check.sigma * z[bz + Z_PHONE_CHECK]),
            _exp(r.notify.mu + r.notify.sigma * z[bz + Z_NOTIFY]),
        )
    else:
        vdur = r.glance_time
    dur += vdur
    if pending and mode != GLANCE:
        dur += r.pending_wait  # then the vendor trusts the customer's screen
    led.goods[s] += price
    led.goods_shoppers += price
    when = now + dur
    if not dynamic and st.swap_time[s] <= when and not led.swap_fixed[s]:
        led.sent += price
        led.fraud_received += price
        if mode == SPEAKER or (mode == PHONE and u[bu + U_SWAP_DETECT] < r.phone_detect):
            led.swap_fixed[s] = True
            if u[bu + U_STICKER_REFUND] >= r.sticker_refund:  # pays again, to the vendor
                led.sent += price
                led.received[s] += price
                led.event(when, s, "sticker_swap", price, "shopper", "fraudster", method)
                return dur + _exp(retry.mu + retry.sigma * z[bz + Z_SWAP_REPAY]), method, "paid"
        led.event(when, s, "sticker_swap", price, "vendor", "fraudster", method)
        return dur, method, "paid"
    amount = price
    typed = not dynamic or (
        u[bu + U_LOCKED_APP] >= r.locked_app_share and u[bu + U_DYNAMIC_EDIT] < r.dynamic_edit_p
    )
    err_p = r.mistype_p if typed else r.key_error_p
    ue = u[bu + U_AMOUNT_ERROR]
    if ue < err_p:
        under = ue / err_p < (r.mistype_under if typed else r.key_error_under)
        share = r.slip_median_share * _exp(r.slip_sigma * z[bz + Z_SLIP])
        slip = slip_size(price, share, under)
        name = "mistype" if typed else "key_error"
        if not typed and u[bu + U_KEY_NOTICE] < r.key_notice:
            dur += _exp(r.vendor_key.mu + r.vendor_key.sigma * z[bz + Z_REKEY])  # re-keyed
        elif slip > 0 and under:
            if mode == SPEAKER or (mode == PHONE and u[bu + U_UNDER_DETECT] < r.phone_detect):
                dur += _exp(retry.mu + retry.sigma * z[bz + Z_TOP_UP])  # tops up
                led.count("underpay_collected")
            else:
                amount -= slip
                led.event(when, s, name + "_under", slip, "vendor", "shopper", method)  # type: ignore[arg-type]
        elif slip > 0:
            uo = u[bu + U_OVER_NOTICE_VENDOR]
            noticed = (
                (mode == SPEAKER and uo < r.over_notice_speaker)
                or (mode == PHONE and uo < r.over_notice_phone)
                or u[bu + U_OVER_NOTICE_PAYER] < r.over_notice_payer
            )
            if noticed and u[bu + U_OVER_RETURN] < r.over_return_p:
                # the vendor transfers the difference back: net, the price is paid
                dur += _exp(retry.mu + retry.sigma * z[bz + Z_REFUND])
                led.count("overpay_returned")
            else:
                amount += slip
                led.event(when, s, name + "_over", slip, "shopper", "vendor", method)  # type: ignore[arg-type]
    ux = u[bu + U_OVER_TRANSFER]
    if ux < r.over_transfer_p:
        amounts = r.cash_out
        extra = amounts[min(len(amounts) - 1, int(ux / r.over_transfer_p * len(amounts)))]
        drawer = led.drawers[s]
        notes = exact_notes(drawer, extra)
        if notes is not None:
            for k in range(9):
                drawer[k] -= notes[k]
                wallet[k] += notes[k]
            amount += extra
            dur += _exp(r.cash_exact.mu + r.cash_exact.sigma * z[bz + Z_CASH_OUT])
            led.count("cash_out")
    led.sent += amount
    if pending:
        _add_pending(
            r,
            led,
            outages,
            s,
            amount,
            when,
            u[bu + U_PENDING_WHEN],
            u[bu + U_PENDING_REVERSAL],
            method,
        )
    else:
        led.received[s] += amount
    return dur, method, "paid"
