"""Credits -> stalls: who paid which fee, and how each credit and each fee ends.

A pure function (:func:`match_credits`) of the fees issued, the stalls' own accounts and
names, and the credits; the same inputs give the same answer, so storing it again
changes nothing. In order:

1. **Duplicates**: a credit whose reference (and sign) an earlier credit already has is a
   ``duplicate`` and counts for nothing.
2. **By payment code** (:class:`cashless.fees.codes.CodeBook`): the whole code anywhere in
   the note, in any case, with spaces or the bank's words around it, or cut short at the
   end of the note when that leaves one issued code.
3. **By payer and amount**, for a credit without a usable code (none, or a mistyped one):
   the payer's account (the stall's registered account, or one that paid a stall's code
   before) or the payer's name as the bank shows it must point to stalls, and the amount
   must be the fee or what is still owed; exactly one fee must fit.
4. **Reversals** (a negative amount) undo the credit whose reference their note names, or
   the fee whose code it carries.

Each credit then ends as exactly one of ``matched`` (brings its fee to exactly the
amount), ``partial`` (leaves some owed), ``over_paid`` (takes it past the amount),
``duplicate`` or ``unknown``; a reversal tied to its fee counts as ``matched``. Each fee
ends ``paid``, ``partly_paid``, ``over_paid`` or ``unpaid``. ``flags`` say what a person
should look at: ``mistyped_code``, ``no_code``, ``truncated``, ``late`` (after the
period's month), ``reversal``, ``reversed``.

>>> from cashless.fees.codes import payment_code
>>> fees = [Fee("2026-12", "A01", 50000, payment_code("CDB", "A01", "2026-12"))]
>>> credits = [Entry(1, "2026-12-02T08:00:00+07:00", 50000, "CDBA012612U", "FT1")]
>>> result = match_credits("CDB", fees, {}, credits)
>>> result.credits[0].status, result.fees[0].status
('matched', 'paid')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from cashless.fees.codes import CodeBook, compact, parse_period

__all__ = [
    "CREDIT_STATUSES",
    "FEE_STATUSES",
    "CreditStatus",
    "Entry",
    "Fee",
    "FeeResult",
    "FeeStatus",
    "Matched",
    "Matching",
    "Payer",
    "match_credits",
    "period_of",
]

CreditStatus = Literal["matched", "partial", "over_paid", "duplicate", "unknown"]
FeeStatus = Literal["paid", "partly_paid", "over_paid", "unpaid"]
CREDIT_STATUSES: tuple[CreditStatus, ...] = (
    "matched",
    "partial",
    "over_paid",
    "duplicate",
    "unknown",
)
FEE_STATUSES: tuple[FeeStatus, ...] = ("paid", "partly_paid", "over_paid", "unpaid")


@dataclass(frozen=True)
class Fee:
    """One stall's fee for one period, as issued."""

    period: str
    stall_id: str
    amount: int
    code: str


@dataclass(frozen=True)
class Payer:
    """How a stall's own payments look: its registered account and holder name."""

    account: str
    name: str


@dataclass(frozen=True)
class Entry:
    """A stored credit as matching sees it (``id`` orders credits of the same time)."""

    id: int
    time: str
    amount: int
    description: str
    reference: str
    account: str = ""
    name: str = ""


@dataclass(frozen=True)
class Matched:
    """How one credit ended."""

    id: int
    reference: str
    status: CreditStatus
    stall_id: str | None
    period: str | None
    how: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeeResult:
    """How one fee ended: what was expected, what was received, by how many credits."""

    period: str
    stall_id: str
    expected: int
    received: int
    status: FeeStatus
    credits: int


@dataclass
class Matching:
    """The whole answer: one :class:`Matched` per credit, one :class:`FeeResult` per fee."""

    credits: list[Matched]
    fees: list[FeeResult]
    by_id: dict[int, Matched] = field(default_factory=dict, repr=False)


def _month_end(period: str) -> date:
    year, month = parse_period(period)
    return date(year + month // 12, month % 12 + 1, 1)


def period_of(day: date, periods: Sequence[str]) -> str | None:
    """The period a credit of ``day`` belongs to when nothing else says: the latest issued
    period that started on or before it, else the earliest.

    >>> period_of(date(2027, 1, 5), ["2026-11", "2026-12"])
    '2026-12'
    """
    ordered = sorted(periods)
    started = [p for p in ordered if date(*parse_period(p), 1) <= day]
    return started[-1] if started else (ordered[0] if ordered else None)


def _fee_status(expected: int, received: int) -> FeeStatus:
    if received <= 0:
        return "unpaid"
    if received < expected:
        return "partly_paid"
    return "paid" if received == expected else "over_paid"


def match_credits(
    prefix: str,
    fees: Iterable[Fee],
    payers: Mapping[str, Payer],
    credits: Iterable[Entry],
) -> Matching:
    """Match every credit to a fee and give every credit and fee its status (see above)."""
    fee_list = list(fees)
    by_fee = {(f.stall_id, f.period): f for f in fee_list}
    periods = sorted({f.period for f in fee_list})
    book = CodeBook(prefix, by_fee, [f.code for f in by_fee.values()])
    ends = {p: _month_end(p) for p in periods}
    ordered = sorted(credits, key=lambda c: (c.time, c.id))
    days = {c.id: date.fromisoformat(c.time[:10]) for c in ordered}
    home = {c.id: period_of(days[c.id], periods) for c in ordered}
    assigned: dict[int, tuple[str, str]] = {}
    how: dict[int, str] = {}
    flags: dict[int, list[str]] = {c.id: [] for c in ordered}
    duplicate_of: dict[int, int] = {}
    first: dict[tuple[str, bool], int] = {}
    for credit in ordered:
        key = (credit.reference, credit.amount > 0)
        if key in first:
            duplicate_of[credit.id] = first[key]
        else:
            first[key] = credit.id
    live = [c for c in ordered if c.id not in duplicate_of]
    # 2. payment codes
    for credit in live:
        if credit.amount <= 0:
            continue
        found = book.find(credit.description, prefer=home[credit.id])
        if found.how in ("code", "truncated") and found.stall_id and found.period:
            assigned[credit.id] = (found.stall_id, found.period)
            how[credit.id] = found.how
            if found.how == "truncated":
                flags[credit.id].append("truncated")
        else:
            flags[credit.id].append("mistyped_code" if found.how == "mistyped" else "no_code")
    # 3. payer and amount
    by_account: dict[str, set[str]] = {}
    by_name: dict[str, set[str]] = {}
    for stall_id, payer in payers.items():
        if payer.account:
            by_account.setdefault(payer.account, set()).add(stall_id)
        if payer.name:
            by_name.setdefault(compact(payer.name), set()).add(stall_id)
    for credit in live:
        if credit.id in assigned and credit.account:
            by_account.setdefault(credit.account, set()).add(assigned[credit.id][0])
    received: dict[tuple[str, str], int] = {}
    for credit in live:
        if credit.id in assigned:
            slot = assigned[credit.id]
            received[slot] = received.get(slot, 0) + credit.amount
    for credit in live:
        if credit.amount <= 0 or credit.id in assigned:
            continue
        stalls = set(by_account.get(credit.account, ())) if credit.account else set()
        if not stalls and credit.name:
            stalls = set(by_name.get(compact(credit.name), ()))
        fits = []
        for stall_id in sorted(stalls):
            issued = [p for p in periods if (stall_id, p) in by_fee]
            period = period_of(days[credit.id], issued)
            if period is None:
                continue
            fee = by_fee[stall_id, period]
            owed = fee.amount - received.get((stall_id, period), 0)
            if credit.amount in (fee.amount, owed):
                fits.append((stall_id, period))
        if len(fits) == 1:
            assigned[credit.id] = fits[0]
            how[credit.id] = "payer"
            received[fits[0]] = received.get(fits[0], 0) + credit.amount
    # 4. reversals
    by_reference = {compact(c.reference): c.id for c in live if c.amount > 0 and c.reference}
    for credit in live:
        if credit.amount >= 0:
            continue
        flags[credit.id].append("reversal")
        note = compact(credit.description)
        original = next((i for r, i in by_reference.items() if r and r in note), None)
        if original is not None and original in assigned:
            assigned[credit.id] = assigned[original]
            flags[original].append("reversed")
        else:
            found = book.find(credit.description, prefer=home[credit.id])
            if found.stall_id and found.period and found.how in ("code", "truncated"):
                assigned[credit.id] = (found.stall_id, found.period)
        if credit.id in assigned:
            how[credit.id] = "reversal"
    # statuses, in time order per fee
    results: dict[int, Matched] = {}
    totals: dict[tuple[str, str], int] = {}
    counts: dict[tuple[str, str], int] = {}
    for credit in ordered:
        if credit.id in duplicate_of:
            continue
        place = assigned.get(credit.id)
        if place is None:
            results[credit.id] = Matched(
                credit.id,
                credit.reference,
                "unknown",
                None,
                home[credit.id],
                "none",
                tuple(flags[credit.id]),
            )
            continue
        slot = place
        expected = by_fee[slot].amount
        before = totals.get(slot, 0)
        after = before + credit.amount
        totals[slot] = after
        counts[slot] = counts.get(slot, 0) + 1
        status: CreditStatus
        if credit.amount < 0 or after == expected:
            status = "matched"
        else:
            status = "partial" if after < expected else "over_paid"
        if days[credit.id] >= ends[slot[1]] and credit.amount > 0:
            flags[credit.id].append("late")
        results[credit.id] = Matched(
            credit.id,
            credit.reference,
            status,
            slot[0],
            slot[1],
            how[credit.id],
            tuple(flags[credit.id]),
        )
    for credit in ordered:
        if credit.id in duplicate_of:
            origin = results[duplicate_of[credit.id]]
            results[credit.id] = Matched(
                credit.id,
                credit.reference,
                "duplicate",
                origin.stall_id,
                origin.period,
                origin.how,
                ("duplicate",),
            )
    fee_results = [
        FeeResult(
            f.period,
            f.stall_id,
            f.amount,
            totals.get((f.stall_id, f.period), 0),
            _fee_status(f.amount, totals.get((f.stall_id, f.period), 0)),
            counts.get((f.stall_id, f.period), 0),
        )
        for f in fee_list
    ]
    matched = [results[c.id] for c in ordered]
    return Matching(matched, fee_results, {m.id: m for m in matched})
