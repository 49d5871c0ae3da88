"""Who owes what for a period: one amount for every stall, or a schedule per stall or category.

The schedule is a CSV file with the columns ``amount`` and ``stall_id`` or ``category``
(either, per row): a stall's own row wins over its category's, and ``--amount`` is the
fee of every stall the schedule does not name. An amount of 0 exempts a stall.

>>> from cashless.stalls.registry import parse_registry
>>> registry = parse_registry("stall_id,stall_name,vendor_name,bank,account,category\\n"
...     "A01,Rau,Lan,VCB,0011001234567,rau\\nB01,Cá,Hoa,VCB,0011001234568,cá\\n")
>>> fee_amounts(registry, 50000, "stall_id,category,amount\\n,cá,80000\\n")
{'A01': 50000, 'B01': 80000}
"""

from __future__ import annotations

import os

from cashless._io import Problem, csv_error, read_csv, read_input
from cashless.errors import CsvError, UsageError
from cashless.payload.text import fold
from cashless.stalls.messages import say
from cashless.stalls.registry import Registry, canonical_stall_id

__all__ = ["SCHEDULE_COLUMNS", "fee_amounts", "load_schedule"]

SCHEDULE_COLUMNS = ("stall_id", "category", "amount")


def _category(text: str) -> str:
    return " ".join(fold(text).lower().split())


def fee_amounts(
    registry: Registry,
    amount: int | None,
    schedule: str | bytes | None = None,
    *,
    source: str = "<schedule>",
    lang: str | None = None,
    unpriced: str = "fees.no_amount",
) -> dict[str, int]:
    """Stall id -> fee for every stall of ``registry`` (exempt stalls left out).

    Raises :class:`~cashless.errors.CsvError` for bad schedule rows (all at once) and
    :class:`~cashless.errors.UsageError` naming the stalls left without a fee, in the
    words of message ``unpriced`` (the command's names its options; the web page's its
    fields).
    """
    if amount is not None and (isinstance(amount, bool) or amount <= 0):
        raise UsageError(f"must be a positive whole number of dong, not {amount!r}", field="amount")
    by_stall: dict[str, int] = {}
    by_category: dict[str, int] = {}
    if schedule is not None:
        table = read_csv(
            schedule, source=source, error=CsvError, columns=SCHEDULE_COLUMNS, required=("amount",)
        )
        problems = list(table.problems)
        stalls = {canonical_stall_id(s.stall_id) for s in registry}
        categories = {_category(s.category) for s in registry}
        for row in table.rows:
            named, category, text = (
                row.cells["stall_id"],
                row.cells["category"],
                row.cells["amount"],
            )
            digits = text.replace(".", "").replace(",", "").replace(" ", "")
            if not digits.isdigit():
                problems.append(
                    Problem(row.line, "amount", say("credits.amount_bad", lang, value=text))
                )
                continue
            if named:
                if canonical_stall_id(named) not in stalls:
                    problems.append(
                        Problem(
                            row.line, "stall_id", say("fees.schedule_unknown", lang, value=named)
                        )
                    )
                    continue
                by_stall[canonical_stall_id(named)] = int(digits)
            elif category:
                if _category(category) not in categories:
                    problems.append(
                        Problem(
                            row.line,
                            "category",
                            say("fees.schedule_category", lang, value=category),
                        )
                    )
                    continue
                by_category[_category(category)] = int(digits)
            else:
                problems.append(Problem(row.line, "stall_id", say("fees.schedule_key", lang)))
        if problems:
            error = csv_error(CsvError, source, problems)
            error.code = "schedule"
            raise error
    amounts: dict[str, int] = {}
    missing: list[str] = []
    for stall in registry:
        key = canonical_stall_id(stall.stall_id)
        value = by_stall.get(key, by_category.get(_category(stall.category), amount))
        if value is None:
            missing.append(stall.stall_id)
        elif value > 0:
            amounts[stall.stall_id] = value
    if missing:
        raise UsageError(say(unpriced, lang, stalls=", ".join(missing)), field="amount")
    return amounts


def load_schedule(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a schedule file, or a :class:`~cashless.errors.CsvError` saying why not."""
    return read_input(path, error=CsvError, what="schedule")
