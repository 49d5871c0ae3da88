"""The SimPy model of one market day: shoppers, stalls (``simpy.Resource``), ledgers.

:class:`Day` runs one replication: it resolves the scenario into
:class:`~cashless.sim.state.Rates`, draws the stalls (:class:`~cashless.sim.state.Stalls`),
opens a :class:`~cashless.sim.state.Ledger`, runs shoppers through the stalls and returns
a :class:`DayRecords`, the seam to :mod:`cashless.sim.results`.

Closing rule: shoppers arrive only while the market is open (``market.open_hour`` to
``market.close_hour``); every shopper who arrived finishes the round of stalls they came
for, so the day ends at the last departure (``end`` >= closing time); transfers still
pending then are counted in transit.

>>> from cashless.sim.scenario import preset, with_overrides
>>> from cashless.sim.draws import draw_day
>>> sc = with_overrides(preset("dien-bien"), {"market.stalls_scale": 0.03})
>>> rec = Day(sc, draw_day(sc, 7)).run()
>>> len(rec.tx["price"]) > 100 and rec.end >= rec.close_s
True
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from cashless.errors import require_extra

require_extra("sim", "numpy", "simpy", "pandas")

import numpy as np  # noqa: E402
import simpy  # noqa: E402

from cashless.sim.cash import DENOMS  # noqa: E402
from cashless.sim.draws import DayDraws, FlatDraws, flat_view, stall_counts  # noqa: E402
from cashless.sim.params import Scenario  # noqa: E402
from cashless.sim.payments import pay_cash, pay_qr  # noqa: E402
from cashless.sim.state import Ledger, Method, Rates, Stalls  # noqa: E402
from cashless.sim.swaps import carried_swap_share  # noqa: E402

__all__ = ["TRACE_INTERVAL_S", "TX_COLUMNS", "Day", "DayRecords"]

TRACE_INTERVAL_S = 300.0
TX_COLUMNS = (
    "t_arrive",
    "shopper",
    "stall",
    "category",
    "intended",
    "method",
    "price",
    "wait",
    "service",
    "payment",
    "outcome",
)


@dataclass(frozen=True)
class DayRecords:
    """What one day leaves behind: the seam between the model and the results.

    ``tx`` has one list per name of :data:`TX_COLUMNS` (``service`` = selection +
    ``payment``); ``ledger`` the money; ``stalls`` and ``servers`` what each stall was;
    ``transit`` the pending credits per stall still in transit at ``end``; ``areas`` and
    ``joined`` each stall's integral of shoppers present and count of shoppers queued;
    ``trace`` the mean queue length per category every :data:`TRACE_INTERVAL_S`.
    """

    scenario: Scenario
    tx: dict[str, list[Any]]
    ledger: Ledger
    stalls: Stalls
    servers: list[int]
    transit: list[int]
    areas: list[float]
    joined: list[int]
    trace: list[tuple[float, int, float]]
    end: float
    close_s: float


class Day:
    """One replication: the event loop over a day's draws.

    ``carried`` (one flag per stall) says which stalls open with a sticker swapped on an
    earlier day; by default each static stall opens swapped with its steady-state
    probability (:func:`cashless.sim.swaps.carried_swap_share`).
    """

    def __init__(self, sc: Scenario, draws: DayDraws, carried: list[bool] | None = None) -> None:
        self.sc = sc
        self.dr = draws
        self.rates = Rates.from_scenario(sc)
        self.env = simpy.Environment()
        self.close_s = sc.market.hours * 3600.0
        self.outages = draws.outages
        self.flat = FlatDraws.of(draws)
        self._setup_stalls(carried)
        n = len(self.capacity)
        self.ledger = Ledger.opening(sc.market.drawer_float, n)
        # Each stall is a FIFO multi-server queue: ``busy`` sellers and a line of waiting
        # SimPy events. A shopper who finds a free seller takes it without an event (most
        # do), which is where simpy.Resource spends its time; the order served is the same.
        self.busy = [0] * n
        self.queues: list[deque[simpy.Event]] = [deque() for _ in range(n)]
        self.in_system = [0] * n
        self.area = [0.0] * n
        self.last = [0.0] * n
        self.joined = [0] * n
        # one flat list, len(TX_COLUMNS) values per visit: no tuple survives per record
        self.rec: list[Any] = []
        self.trace: list[tuple[float, int, float]] = []

    def _setup_stalls(self, carried: list[bool] | None) -> None:
        sc, dr = self.sc, self.dr
        p, e = sc.payments, sc.errors
        self.cat_stalls: list[list[int]] = []
        self.capacity: list[int] = []
        category: list[int] = []
        qrs: list[bool] = []
        dynamic: list[bool] = []
        speaker: list[bool] = []
        swap_time: list[float] = []
        su, fu = dr.stall_u.tolist(), dr.fraud_u.tolist()
        swap_day = min(1.0, e.sticker_swap_per_stall_month / 30.0)
        k = e.sticker_swap_cluster_size
        steady: dict[tuple[int, bool], float] = {}
        s = 0
        for j, (cat, n) in enumerate(zip(sc.categories, stall_counts(sc), strict=True)):
            self.cat_stalls.append(list(range(s, s + n)))
            for _ in range(n):
                two, u_qr, u_dyn, u_speak = su[s]
                self.capacity.append(cat.servers + (two < cat.two_server_share))
                category.append(j)
                qr = u_qr < 1.0 - (1.0 - p.qr_stall_share) * cat.no_qr_factor
                dyn = qr and u_dyn < p.dynamic_share
                loud = qr and u_speak < p.speaker_share
                qrs.append(qr)
                dynamic.append(dyn)
                speaker.append(loud)
                when = float("inf")
                if qr and not dyn:
                    # one fraud account pastes over k adjacent stalls in one night
                    lead = fu[s - s % k]
                    if carried is not None:
                        old = carried[s]
                    else:
                        if (j, loud) not in steady:
                            steady[j, loud] = carried_swap_share(sc, j, speaker=loud)
                        old = fu[s][0] < steady[j, loud]
                    if old or lead[1] < e.sticker_swap_share_at_open:
                        when = 0.0
                    elif lead[2] < swap_day:
                        when = lead[3] * self.close_s
                swap_time.append(when)
                s += 1
        kind: list[Method] = [
            ("dynamic_qr" if d else "static_qr") if q else "cash"
            for q, d in zip(qrs, dynamic, strict=True)
        ]
        self.stalls = Stalls(category, qrs, dynamic, speaker, kind, swap_time)

    # -- processes ----------------------------------------------------------------------
    def _source(self) -> Generator[Any, Any, None]:
        env = self.env
        timeout = env.timeout
        process = env.process
        shopper = self._shopper
        v_start = self.v_start
        for i, t in enumerate(self.dr.arrival_times.tolist()):
            yield timeout(t - env.now)
            if v_start[i] < v_start[i + 1]:  # a shopper visiting no stall needs no process
                process(shopper(i))

    def _sampler(self) -> Generator[Any, Any, None]:
        env = self.env
        queues = [
            (j, [self.queues[s] for s in stalls])
            for j, stalls in enumerate(self.cat_stalls)
            if stalls
        ]
        trace = self.trace
        while env.now <= self.close_s:
            now = env.now
            for j, qs in queues:
                trace.append((now, j, sum(map(len, qs)) / len(qs)))
            yield env.timeout(TRACE_INTERVAL_S)

    def _shopper(self, i: int) -> Generator[Any, Any, None]:  # the hot path: one frame
        start, stop = self.v_start[i], self.v_start[i + 1]
        env = self.env
        cats = self.cat_stalls
        wallets = self.wallets
        wallet = wallets[9 * i : 9 * i + 9]
        qr_user = self.qr_user[i]
        queues, busy, capacity, kind = self.queues, self.busy, self.capacity, self.stalls.kind
        event = env.event
        balk_q, balk_p = self.sc.market.balk_queue, self.sc.market.balk_prob
        rec = self.rec.extend
        in_system, area, last, joined = self.in_system, self.area, self.last, self.joined
        v_cat, v_price, v_choice, v_walk, v_select = (
            self.v_cat,
            self.v_price,
            self.v_choice,
            self.v_walk,
            self.v_select,
        )
        rates, ledger, stalls, outages, flat = (
            self.rates,
            self.ledger,
            self.stalls,
            self.outages,
            self.flat,
        )
        timeout = env.timeout
        for v in range(start, stop):
            if v > start:
                yield timeout(v_walk[v])
            j = v_cat[v]
            c = 4 * v
            cs = cats[j]
            ns = len(cs)
            k = int(v_choice[c] * ns)
            s = cs[k]
            line = queues[s]
            t0 = env.now
            price = v_price[v]
            intended = kind[s] if qr_user else "cash"
            if len(line) >= balk_q and v_choice[c + 2] < balk_p:
                ledger.counters["balked"] += 1
                if ns > 1:
                    k2 = int(v_choice[c + 1] * (ns - 1))
                    s = cs[k2 + 1 if k2 >= k else k2]
                    line = queues[s]
                    intended = kind[s] if qr_user else "cash"
                if len(line) >= balk_q and v_choice[c + 3] < balk_p:
                    rec((t0, i, s, j, intended, intended, price, 0.0, 0.0, 0.0, "lost_balk"))
                    continue
            area[s] += in_system[s] * (t0 - last[s])
            last[s] = t0
            in_system[s] += 1
            joined[s] += 1
            if busy[s] < capacity[s]:
                busy[s] += 1
                t1 = t0
            else:
                turn = event()
                line.append(turn)
                yield turn  # the seller is handed over by the shopper leaving
                t1 = env.now
            nq = len(line)
            if intended == "cash":
                pay, outcome = pay_cash(rates, ledger, flat, v, s, wallet, price, nq, t1)
                method: str = "cash"
                if outcome == "lost_no_cash" and qr_user:
                    outcome = "lost_no_cash_at_cash_stall"  # a QR user at a stall without QR
            else:
                pay, method, outcome = pay_qr(
                    rates, ledger, stalls, outages, flat, v, s, wallet, price, nq, t1, t1 > t0
                )
            dur = pay + v_select[v]
            yield timeout(dur)
            if line:
                line.popleft().succeed()
            else:
                busy[s] -= 1
            t2 = t1 + dur  # env.now, exactly: the timeout was scheduled at t1
            area[s] += in_system[s] * (t2 - last[s])
            last[s] = t2
            in_system[s] -= 1
            rec((t0, i, s, j, intended, method, price, t1 - t0, dur, pay, outcome))
        wallets[9 * i : 9 * i + 9] = wallet  # what the shopper takes home

    def _flatten(self) -> None:
        """The day's other per-visit draws as flat views; the wallets as one flat list."""
        dr = self.dr
        self.v_start = flat_view(dr.v_start)
        self.v_cat = flat_view(dr.v_cat)
        self.v_price = flat_view(dr.prices)
        self.v_choice = flat_view(dr.choice)
        self.v_select = flat_view(dr.select)
        self.v_walk = flat_view(dr.walk)
        self.wallets = dr.wallets.ravel().tolist()  # shoppers' wallets, written back at home
        self.qr_user = flat_view(dr.qr_user)

    def run(self) -> DayRecords:
        """Run to the last departure (the closing rule above); settle pending credits."""
        self._flatten()
        env = self.env
        env.process(self._source())
        env.process(self._sampler())
        env.run()
        end = max(env.now, self.close_s)
        led = self.ledger
        for s in range(len(self.capacity)):
            self.area[s] += self.in_system[s] * (end - self.last[s])
        denoms = np.asarray(DENOMS, dtype=np.int64)
        present = np.diff(self.dr.v_start) > 0
        led.wallet_start = int((self.dr.wallets[present] @ denoms).sum())
        if present.any():
            home = np.asarray(self.wallets, dtype=np.int64).reshape(-1, 9)
            led.wallet_end = int((home[present] @ denoms).sum())
        transit = [0] * len(self.capacity)
        for s, amount, t_credit, reversed_, method in led.pending:
            if t_credit > end:
                transit[s] += amount
            elif reversed_:
                led.refunded += amount
                led.event(t_credit, s, "pending_reversed", amount, "vendor", "shopper", method)
            else:
                led.received[s] += amount
        width = len(TX_COLUMNS)
        tx = {k: self.rec[c::width] for c, k in enumerate(TX_COLUMNS)}
        return DayRecords(
            scenario=self.sc,
            tx=tx,
            ledger=led,
            stalls=self.stalls,
            servers=list(self.capacity),
            transit=transit,
            areas=self.area,
            joined=self.joined,
            trace=self.trace,
            end=end,
            close_s=self.close_s,
        )
