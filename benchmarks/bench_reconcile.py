"""Reconciliation speed: matching per 10,000 credits, against a plain dict lookup.

A simulated fee cycle (cashless.fees.simulate) is scaled until it holds at least 10,000
credits; :func:`cashless.fees.matching.match_credits` matches them all (codes tolerant of
case, spaces, bank words and truncation, then payer and amount, duplicates, reversals,
statuses). The baseline, in the same run, is what the simplest tool does: split each note
into words and look each word up in a dict of exact codes. Also timed: the whole
``reconcile`` (import into SQLite in one transaction, match, store), run twice (the second
import adds nothing). Best of ``--repeat`` runs.

    .venv/bin/python benchmarks/bench_reconcile.py [--credits 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from pathlib import Path

from cashless.fees.codes import payment_code
from cashless.fees.credits import Credit
from cashless.fees.matching import Entry, Fee, Payer, match_credits
from cashless.fees.reconcile import issue_fees, reconcile
from cashless.fees.simulate import simulate_fee_cycle
from cashless.stalls.market import init_market


def _best(function, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credits", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    stalls = max(400, int(args.credits / 0.99))
    cycle = simulate_fee_cycle(stalls=stalls, seed=0)
    # stall ids S001.. grow to 5 digits past 999: fine for codes (<= 25 characters)
    fees = [
        Fee(cycle.period, s, a, payment_code(cycle.prefix, s, cycle.period))
        for s, a in cycle.amounts.items()
    ]
    payers = {
        r["stall_id"]: Payer(r["account"], r["vendor_name"])
        for r in csv.DictReader(io.StringIO(cycle.registry_csv))
    }
    entries = [
        Entry(i, c.time, c.amount, c.description, c.reference, c.account, c.name)
        for i, c in enumerate(cycle.credits)
    ]
    count = len(entries)
    per = 10_000 / count

    exact = {f.code: f.stall_id for f in fees}

    def baseline() -> None:
        found = 0
        for entry in entries:
            for word in entry.description.replace(".", " ").split():
                if word in exact:
                    found += 1
                    break

    def matching() -> None:
        match_credits(cycle.prefix, fees, payers, entries)

    base = _best(baseline, args.repeat) * per
    ours = _best(matching, args.repeat) * per
    print(f"credits: {count} ({stalls} stalls); times per 10,000 credits, best of {args.repeat}")
    print(f"  dict lookup of exact codes (baseline)  {base * 1000:8.1f} ms")
    print(f"  match_credits                          {ours * 1000:8.1f} ms   ({ours / base:.1f}x)")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "stalls.csv").write_text(cycle.registry_csv, encoding="utf-8")
        credits = [Credit(*c.content(), source="sim", line=i) for i, c in enumerate(cycle.credits)]
        with init_market(root / "m.db", root / "stalls.csv", market_id="SIM") as market:
            issue_fees(
                market,
                cycle.period,
                cycle.amounts,
                bank="VCB",
                account="0011009999999",
                holder="BQL",
            )
            start = time.perf_counter()
            reconcile(market, cycle.period, credits)
            first = (time.perf_counter() - start) * per
            start = time.perf_counter()
            reconcile(market, cycle.period, credits)
            again = (time.perf_counter() - start) * per
    print(
        f"  reconcile (import + match + store)     {first * 1000:8.1f} ms   ({first / base:.1f}x)"
    )
    print(f"  reconcile again (nothing new)          {again * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
