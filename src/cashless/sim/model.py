"""The SimPy model of one market day: shoppers, stalls (``simpy.Resource``), ledgers.

:class:`Day` holds the state of one replication in plain lists (no pandas in the event
loop); :meth:`Day.run` runs the day to the last departure and returns the raw columns
that :mod:`cashless.sim.results` turns into DataFrames.

>>> from cashless.sim.scenario import preset, with_overrides
>>> from cashless.sim.draws import draw_day
>>> sc = with_overrides(preset("dien-bien"), {"market.stalls_scale": 0.03})
>>> day = Day(sc, draw_day(sc, 7))
>>> raw = day.run()
>>> len(raw["tx"]["price"]) > 100
True
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Generator
from typing import Any

from cashless.errors import require_extra

require_extra("sim", "numpy", "simpy", "pandas")

import simpy  # noqa: E402

from cashless.sim.cash import value  # noqa: E402
from cashless.sim.draws import KE, KP, DayDraws, lognormal_params, stall_counts  # noqa: E402
from cashless.sim.params import Errors, Scenario  # noqa: E402
from cashless.sim.payments import pay_cash, pay_qr  # noqa: E402

__all__ = ["MAX_DAYS_UNDETECTED", "TRACE_INTERVAL_S", "Day", "carried_swap_share"]

TRACE_INTERVAL_S = 300.0
_TIMES = (
    "cash_exact",
    "cash_change",
    "note_check",
    "change_fetch",
    "static_qr",
    "dynamic_qr",
    "vendor_key",
    "phone_check",
    "retry",
)
_TX_COLS = (
    "t_arrive",
    "shopper",
    "stall",
    "category",
    "intended",
    "method",
    "price",
    "wait",
    "service",
    "outcome",
)
_EV_COLS = ("t", "stall", "event", "amount", "bearer", "beneficiary", "method")


# A swap nobody has found stays until someone checks: at worst about a year [A].
MAX_DAYS_UNDETECTED = 365


def carried_swap_share(errors: Errors) -> float:
    """Share of static-QR stalls that open with a sticker swapped on an earlier day.

    Swaps happen at ``sticker_swap_per_stall_month / 30`` per stall-day; each morning a
    swap is found by the vendor's own scan or by an organiser's audit (every
    ``sticker_audit_interval_days``; 0 = never) with probability p. In steady state a stall
    opens swapped with probability h (1 - p) / p, capped at h x 365 when nobody checks.

    >>> from cashless.sim.params import Errors
    >>> round(carried_swap_share(Errors(sticker_swap_per_stall_month=0.03,
    ...       sticker_self_scan_prob=0.0, sticker_audit_interval_days=7)), 6)
    0.006
    """
    h = errors.sticker_swap_per_stall_month / 30.0
    interval = errors.sticker_audit_interval_days
    audit = 1.0 / interval if interval >= 1.0 else (1.0 if interval > 0 else 0.0)
    p = 1.0 - (1.0 - errors.sticker_self_scan_prob) * (1.0 - audit)
    if p <= 0.0:
        return h * MAX_DAYS_UNDETECTED
    return min(h * MAX_DAYS_UNDETECTED, h * (1.0 - p) / p)


class Day:
    """One replication's state: stalls, drawers, accounts, records."""

    def __init__(self, sc: Scenario, draws: DayDraws) -> None:
        self.sc = sc
        self.dr = draws
        p, e, m = sc.payments, sc.errors, sc.market
        self.env = simpy.Environment()
        self.close_s = m.hours * 3600.0
        self.t = {
            k: lognormal_params(getattr(p, k + "_time_mean"), getattr(p, k + "_time_sd"))
            for k in _TIMES
        }
        sig = math.log(p.notify_p95 / p.notify_median) / 1.6448536269514722
        self.t["notify"] = (math.log(p.notify_median), sig)
        # The cash path reads its (mu, sigma) pairs as plain attributes: one lookup, not two.
        self.mu_cash_exact, self.sg_cash_exact = self.t["cash_exact"]
        self.mu_cash_change, self.sg_cash_change = self.t["cash_change"]
        self.mu_note_check, self.sg_note_check = self.t["note_check"]
        self.mu_change_fetch, self.sg_change_fetch = self.t["change_fetch"]
        self.glance_time = p.glance_time
        self.pending_wait = p.pending_wait
        self.skip_queue, self.skip_p = p.skip_verification_queue, p.skip_verification_prob
        self.max_attempts = max(1, p.max_qr_attempts)
        b = sc.baskets
        self.exact_threshold, self.exact_small, self.exact_large = (
            b.exact_threshold,
            b.exact_prob_small,
            b.exact_prob_large,
        )
        self.rounding_limit = p.change_rounding_limit
        st = e.stress_multiplier
        self.confusion_p, self.confusion_slope = e.confusion_prob, e.confusion_queue_slope
        self.wrong_change_p = e.wrong_change_prob
        self.counterfeit_p, self.counterfeit_detect = e.counterfeit_prob, e.counterfeit_detect_prob
        self.fake_screenshot_p = e.fake_screenshot_prob
        self.qr_tech_p = min(1.0, e.qr_technical_fail_prob * st)
        self.qr_fail_p = min(1.0, self.qr_tech_p + e.qr_user_fail_prob)
        self.unverified_accept_p = e.unverified_failure_accept_prob
        self.pending_p = min(1.0, e.pending_prob * st)
        self.outage_fail_share = sc.infrastructure.outage_fail_share
        self.mistype_p, self.mistype_under = e.mistype_prob, e.mistype_under_share
        self.key_error_p, self.key_notice = e.key_error_prob, e.key_error_notice_prob
        self.phone_detect, self.sticker_refund = e.phone_detect_prob, e.sticker_refund_prob
        self.over_transfer_p = e.over_transfer_prob
        self.outages = draws.outages
        self._setup_stalls()
        self._flatten()
        # ledgers (int VND)
        self.goods_shoppers = 0
        self.sent = self.refunded = self.fraud_received = self.confiscated = 0
        self.wallet_start = self.wallet_end = 0
        self.pending: list[tuple[int, int, float, bool, str]] = []
        self.counters: Counter[str] = Counter()
        self.rec: list[tuple[Any, ...]] = []
        self.ev: dict[str, list[Any]] = {k: [] for k in _EV_COLS}
        self.trace: list[tuple[float, int, float]] = []

    def _setup_stalls(self) -> None:
        sc, dr = self.sc, self.dr
        p = sc.payments
        env = self.env
        self.cat_stalls: list[list[int]] = []
        self.stall_cat: list[int] = []
        self.res: list[simpy.Resource] = []
        self.qr: list[bool] = []
        self.dynamic: list[bool] = []
        self.speaker: list[bool] = []
        self.swap_time: list[float] = []
        su, fu = dr.stall_u.tolist(), dr.fraud_u.tolist()
        swap_day = sc.errors.sticker_swap_per_stall_month / 30.0
        swapped_at_open = min(
            1.0, sc.errors.sticker_swap_share_at_open + carried_swap_share(sc.errors)
        )
        s = 0
        for j, (cat, n) in enumerate(zip(sc.categories, stall_counts(sc), strict=False)):
            self.cat_stalls.append(list(range(s, s + n)))
            for _ in range(n):
                u = su[s]
                servers = cat.servers + (1 if u[0] < cat.two_server_share else 0)
                self.res.append(simpy.Resource(env, capacity=servers))
                self.stall_cat.append(j)
                qr = u[1] < 1.0 - (1.0 - p.qr_stall_share) * cat.no_qr_factor
                dyn = qr and u[2] < p.dynamic_share
                self.qr.append(qr)
                self.dynamic.append(dyn)
                self.speaker.append(qr and u[3] < p.speaker_share)
                f = fu[s]
                when = math.inf
                if qr and not dyn:
                    if f[0] < swapped_at_open:
                        when = 0.0
                    elif f[1] < swap_day:
                        when = f[2] * self.close_s
                self.swap_time.append(when)
                s += 1
        n = s
        self.stall_kind = [
            ("dynamic_qr" if d else "static_qr") if q else "cash"
            for q, d in zip(self.qr, self.dynamic, strict=False)
        ]
        self.swap_fixed = [False] * n
        self.float_counts = list(sc.market.drawer_float)
        self.drawers = [list(sc.market.drawer_float) for _ in range(n)]
        self.float_value = value(list(sc.market.drawer_float)) * n
        self.fake_pile = [0] * n
        self.goods = [0] * n
        self.received = [0] * n
        self.in_system = [0] * n
        self.area = [0.0] * n
        self.last = [0.0] * n
        self.joined = [0] * n

    # -- bookkeeping used by cashless.sim.payments -------------------------------------
    def event(
        self, t: float, s: int, name: str, amount: int, bearer: str, beneficiary: str, method: str
    ) -> None:
        """Book one settlement-error event (money moving from ``bearer`` to ``beneficiary``)."""
        ev = self.ev
        ev["t"].append(t)
        ev["stall"].append(s)
        ev["event"].append(name)
        ev["amount"].append(amount)
        ev["bearer"].append(bearer)
        ev["beneficiary"].append(beneficiary)
        ev["method"].append(method)

    def count(self, name: str) -> None:
        """Count an operational occurrence (fallbacks, fetches of change, failures...)."""
        self.counters[name] += 1

    def in_outage(self, t: float) -> bool:
        """True while a bank/NAPAS outage is on at time ``t``."""
        return any(a <= t < b for a, b in self.outages)

    def add_pending(
        self, s: int, amount: int, t: float, u_when: float, u_rev: float, method: str
    ) -> None:
        """A transfer whose credit is late: when it lands, or whether it is reversed."""
        e = self.sc.errors
        if u_when < e.pending_next_day_share:
            t_credit = math.inf
        elif u_when < e.pending_next_day_share + e.pending_same_day_share:
            t_credit = t + 600.0 + 20_000.0 * u_when
        else:
            t_credit = t + 60.0 + 540.0 * u_when
        for a, b in self.outages:
            if a <= t < b:
                t_credit = max(t_credit, b + 60.0)
        self.pending.append((s, amount, t_credit, u_rev < e.pending_reversal_prob, method))
        self.count("pending")

    # -- processes ----------------------------------------------------------------------
    def _source(self) -> Generator[Any, Any, None]:
        env = self.env
        timeout = env.timeout
        process = env.process
        shopper = self._shopper
        for i, t in enumerate(self.dr.arrival_times.tolist()):
            yield timeout(t - env.now)
            process(shopper(i))

    def _sampler(self) -> Generator[Any, Any, None]:
        env = self.env
        queues = [
            (j, [self.res[s].queue for s in stalls])
            for j, stalls in enumerate(self.cat_stalls)
            if stalls
        ]
        trace = self.trace
        while env.now <= self.close_s:
            now = env.now
            for j, qs in queues:
                trace.append((now, j, sum(map(len, qs)) / len(qs)))
            yield env.timeout(TRACE_INTERVAL_S)

    def _flatten(self) -> None:
        """The day's draws as flat Python lists (fast to index in the event loop).

        Per-visit numbers stay one flat list per kind (floats are not tracked by the
        garbage collector, nested lists would be); a visit reads its slice.
        """
        dr = self.dr
        self.v_start = dr.v_start.tolist()
        self.v_cat = dr.v_cat.tolist()
        self.v_price = dr.prices.tolist()
        self.v_exact = dr.exact_u.tolist()
        self.v_choice = dr.choice.ravel().tolist()
        self.v_select = dr.select.tolist()
        self.v_walk = dr.walk.tolist()
        self.v_z = dr.pay_z.ravel().tolist()
        self.v_u = dr.err_u.ravel().tolist()
        self.wallets = dr.wallets.ravel().tolist()
        self.qr_user = dr.qr_user.tolist()

    def _shopper(
        self, i: int
    ) -> Generator[Any, Any, None]:  # the hot path, kept in one frame on purpose
        start, stop = self.v_start[i], self.v_start[i + 1]
        if start == stop:
            return
        env = self.env
        cats = self.cat_stalls
        wallet = self.wallets[9 * i : 9 * i + 9]
        self.wallet_start += value(wallet)
        qr_user = self.qr_user[i]
        res_all, kind = self.res, self.stall_kind
        balk_q, balk_p = self.sc.market.balk_queue, self.sc.market.balk_prob
        rec = self.rec.append
        in_system, area, last, joined = self.in_system, self.area, self.last, self.joined
        v_cat, v_price, v_choice = self.v_cat, self.v_price, self.v_choice
        v_walk, v_z, v_u, v_exact, v_select = (
            self.v_walk,
            self.v_z,
            self.v_u,
            self.v_exact,
            self.v_select,
        )
        timeout = env.timeout
        for v in range(start, stop):
            if v > start:
                yield timeout(v_walk[v])
            j = v_cat[v]
            ch = v_choice[4 * v : 4 * v + 4]
            stalls = cats[j]
            ns = len(stalls)
            k = int(ch[0] * ns)
            s = stalls[k]
            res = res_all[s]
            t0 = env.now
            price = v_price[v]
            intended = kind[s] if qr_user else "cash"
            if len(res.queue) >= balk_q and ch[2] < balk_p:
                self.counters["balked"] += 1
                if ns > 1:
                    k2 = int(ch[1] * (ns - 1))
                    s = stalls[k2 + 1 if k2 >= k else k2]
                    res = res_all[s]
                    intended = kind[s] if qr_user else "cash"
                if len(res.queue) >= balk_q and ch[3] < balk_p:
                    self._record(t0, i, s, j, intended, intended, price, 0.0, 0.0, "lost_balk")
                    continue
            area[s] += in_system[s] * (t0 - last[s])
            last[s] = t0
            in_system[s] += 1
            joined[s] += 1
            req = res.request()
            yield req
            t1 = env.now
            nq = len(res.queue)
            z = v_z[KP * v : KP * v + KP]
            u = v_u[KE * v : KE * v + KE]
            if intended == "cash":
                dur, outcome = pay_cash(self, s, wallet, price, nq, t1, z, u, v_exact[v])
                method = "cash"
            else:
                dur, method, outcome = pay_qr(self, s, wallet, price, nq, t1, z, u, v_exact[v])
            dur += v_select[v]
            yield timeout(dur)
            res.release(req)
            t2 = env.now
            area[s] += in_system[s] * (t2 - last[s])
            last[s] = t2
            in_system[s] -= 1
            rec((t0, i, s, j, intended, method, price, t1 - t0, dur, outcome))
        self.wallet_end += value(wallet)

    def _record(
        self,
        t0: float,
        i: int,
        s: int,
        j: int,
        intended: str,
        method: str,
        price: int,
        wait: float,
        service: float,
        outcome: str,
    ) -> None:
        self.rec.append((t0, i, s, j, intended, method, price, wait, service, outcome))

    def run(self) -> dict[str, Any]:
        """Run to the last departure; settle at close; return raw columns and ledgers."""
        env = self.env
        env.process(self._source())
        env.process(self._sampler())
        env.run()
        end = max(env.now, self.close_s)
        for s in range(len(self.res)):
            self.area[s] += self.in_system[s] * (end - self.last[s])
        transit = [0] * len(self.res)
        for s, amount, t_credit, reversed_, method in self.pending:
            if t_credit > end:
                transit[s] += amount
            elif reversed_:
                self.refunded += amount
                self.event(t_credit, s, "pending_reversed", amount, "vendor", "shopper", method)
            else:
                self.received[s] += amount
        cols = list(zip(*self.rec, strict=False)) if self.rec else [()] * len(_TX_COLS)
        tx = {k: list(v) for k, v in zip(_TX_COLS, cols, strict=False)}
        return {
            "tx": tx,
            "ev": self.ev,
            "trace": self.trace,
            "end": end,
            "transit": transit,
            "counters": dict(self.counters),
            "day": self,
        }
