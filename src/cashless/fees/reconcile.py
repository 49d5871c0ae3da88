"""The two jobs the commands run: issue a period's fees, and reconcile credits against them.

:func:`issue_fees` makes each stall's payment code and dynamic VietQR (the market's own
account, the fee, the code in 62.08), stores them, and returns the slips to print.
:func:`reconcile` imports credits (idempotently), matches every stored credit
(:func:`cashless.fees.matching.match_credits`), stores the matching and returns the
period's :class:`Report`. The market's own account comes from ``--bank``/``--account``
(``--holder``): stored in the market database on first use, reused afterwards.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cashless.banks import lookup_bank
from cashless.errors import UsageError
from cashless.fees.codes import code_stall, payment_code
from cashless.fees.credits import Credit
from cashless.fees.matching import FeeResult, Matched, Payer, match_credits
from cashless.fees.slips import Slip, dong
from cashless.fees.store import FeeAccount, FeeBook
from cashless.payload.vietqr import VietQR
from cashless.stalls.market import Market
from cashless.stalls.messages import say
from cashless.stalls.registry import payload_name

__all__ = ["RESULT_SUFFIXES", "Report", "issue_fees", "reconcile", "report_file", "set_fee_account"]

RESULT_SUFFIXES = (".csv", ".xlsx")


def set_fee_account(
    book: FeeBook,
    *,
    bank: str | None,
    account: str | None,
    holder: str | None,
    prefix: str | None,
    lang: str | None = None,
) -> FeeAccount:
    """The account fees are paid into: set from the options when given, else the stored one."""
    stored = book.account()
    if bank is None and account is None and holder is None and prefix is None:
        if stored is None:
            raise UsageError(say("fees.no_account", lang), source="--account")
        return stored
    if (bank is None or account is None) and stored is None:
        raise UsageError(say("fees.no_account", lang), source="--account")
    bin_ = lookup_bank(bank).bin if bank is not None else stored.bin  # type: ignore[union-attr]
    number = "".join(account.split()) if account is not None else stored.account  # type: ignore[union-attr]
    name = holder if holder is not None else (stored.holder if stored else "")
    head = prefix or (stored.prefix if stored else book.market.market_id)
    payment_code(head, "A", "2000-01")  # checks the prefix
    VietQR(bin=bin_, account=number).build()  # checks the account
    return book.set_account(bin_, number, name, head)


def issue_fees(
    market: Market,
    period: str,
    amounts: Mapping[str, int],
    *,
    bank: str | None = None,
    account: str | None = None,
    holder: str | None = None,
    prefix: str | None = None,
    lang: str | None = None,
) -> list[Slip]:
    """Make and store the fees of ``period`` (stall id -> amount); return their slips."""
    book = FeeBook(market)
    paid_to = set_fee_account(
        book, bank=bank, account=account, holder=holder, prefix=prefix, lang=lang
    )
    bank_name = lookup_bank(paid_to.bin).short_name
    registry = market.registry()
    seen: dict[str, str] = {}
    slips: list[Slip] = []
    for stall in registry:
        if stall.stall_id not in amounts:
            continue
        key = code_stall(stall.stall_id)
        if key in seen:
            raise UsageError(
                f"stalls {seen[key]} and {stall.stall_id} give the same payment code part {key}",
                field="stall_id",
            )
        seen[key] = stall.stall_id
        amount = amounts[stall.stall_id]
        code = payment_code(paid_to.prefix, stall.stall_id, period)
        payload = VietQR(
            bin=paid_to.bin,
            account=paid_to.account,
            amount=amount,
            purpose=code,
            merchant_name=payload_name(paid_to.holder) if paid_to.holder else None,
        ).build()
        slips.append(
            Slip(
                stall.stall_id,
                stall.stall_name,
                period,
                amount,
                code,
                payload,
                bank_name,
                paid_to.account,
                paid_to.holder,
            )
        )
    book.issue(period, [(s.stall_id, s.amount, s.code, s.payload) for s in slips])
    return slips


@dataclass
class Report:
    """A period's reconciliation: per stall and per credit, with the credits as read."""

    period: str
    stalls: list[FeeResult]
    credits: list[Matched]
    details: dict[int, Credit] = field(repr=False)
    names: dict[str, str] = field(repr=False)
    new: int = 0
    known: int = 0

    @property
    def all_clear(self) -> bool:
        """Every fee paid exactly and every credit matched."""
        return all(s.status == "paid" for s in self.stalls) and all(
            c.status == "matched" for c in self.credits
        )

    def stall_table(self, lang: str | None = None) -> list[list[str]]:
        """Header, then a row per stall: stall, name, status, expected, received, credits."""
        columns = ("stall", "name", "status", "expected", "received", "credits")
        rows = [[say(f"reconcile.column.{c}", lang) for c in columns]]
        for s in self.stalls:
            rows.append(
                [
                    s.stall_id,
                    self.names.get(s.stall_id, ""),
                    say(f"reconcile.status.{s.status}", lang),
                    str(s.expected),
                    str(s.received),
                    str(s.credits),
                ]
            )
        return rows

    def credit_table(self, lang: str | None = None) -> list[list[str]]:
        """Header, then a row per credit: reference, time, amount, stall, status, how, notes."""
        columns = ("reference", "time", "amount", "stall", "status", "how", "notes", "description")
        rows = [[say(f"reconcile.column.{c}", lang) for c in columns]]
        for c in self.credits:
            detail = self.details[c.id]
            notes = ", ".join(say(f"reconcile.flag.{f}", lang) for f in c.flags if f != "duplicate")
            rows.append(
                [
                    c.reference,
                    detail.time,
                    str(detail.amount),
                    c.stall_id or "-",
                    say(f"reconcile.credit.{c.status}", lang),
                    say(f"reconcile.how.{c.how}", lang) if c.how != "none" else "-",
                    notes,
                    detail.description,
                ]
            )
        return rows

    def summary(self, lang: str | None = None) -> str:
        """Two lines: the period's totals and stalls by status, then the credits by status."""
        counts = Counter(say(f"reconcile.status.{s.status}", lang) for s in self.stalls)
        credit_counts = Counter(say(f"reconcile.credit.{c.status}", lang) for c in self.credits)
        head = say(
            "reconcile.summary",
            lang,
            period=self.period,
            stalls=len(self.stalls),
            expected=dong(sum(s.expected for s in self.stalls)),
            received=dong(sum(s.received for s in self.stalls)),
            counts=", ".join(f"{n} {k}" for k, n in counts.items()),
        )
        tail = say(
            "reconcile.credits_summary",
            lang,
            credits=len(self.credits),
            counts=", ".join(f"{n} {k}" for k, n in credit_counts.items()),
        )
        return f"{head}\n{tail}"

    def to_json(self) -> dict[str, Any]:
        """The shape of ``cashless reconcile --json``."""
        return {
            "stalls": [
                {
                    "stall_id": s.stall_id,
                    "status": s.status,
                    "expected": s.expected,
                    "received": s.received,
                }
                for s in self.stalls
            ],
            "credits": [
                {"reference": c.reference, "status": c.status, "stall_id": c.stall_id}
                for c in self.credits
            ],
        }


def reconcile(
    market: Market, period: str, credits: Sequence[Credit] = (), *, lang: str | None = None
) -> Report:
    """Import ``credits`` (what is stored already is skipped), match everything, report ``period``."""
    book = FeeBook(market)
    fees = book.fees()
    if not any(f.period == period for f in fees):
        raise UsageError(say("reconcile.no_fees", lang, period=period), source="--period")
    paid_to = book.account()
    assert paid_to is not None  # fees are issued only with an account
    new, known = book.import_credits(credits)
    registry = market.registry()
    payers = {s.stall_id: Payer(s.account, s.bank_app_name) for s in registry}
    matching = match_credits(paid_to.prefix, fees, payers, book.entries())
    book.save_matching(matching.credits)
    return Report(
        period,
        [f for f in matching.fees if f.period == period],
        [m for m in matching.credits if m.period == period],
        book.credit_details(),
        {s.stall_id: s.stall_name for s in registry},
        new,
        known,
    )


def report_file(report: Report, suffix: str, lang: str | None = None) -> bytes:
    """The per-stall and per-credit tables as ``.csv`` (one after the other) or ``.xlsx``.

    The CSV carries a byte-order mark, so that Excel opens its Vietnamese as UTF-8.
    """
    stalls, credits = report.stall_table(lang), report.credit_table(lang)
    if suffix.lower() == ".csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerows(stalls)
        writer.writerow([])
        writer.writerows(credits)
        return text.getvalue().encode("utf-8-sig")
    if suffix.lower() != ".xlsx":
        raise UsageError(f"must be .csv or .xlsx, not {suffix!r}", field="suffix")
    from cashless.stalls.workbook import tables_xlsx

    return tables_xlsx(
        [
            (say("reconcile.sheet.stalls", lang), stalls[0], stalls[1:], (3, 4, 5)),
            (say("reconcile.sheet.credits", lang), credits[0], credits[1:], (2,)),
        ]
    )
