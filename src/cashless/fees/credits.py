"""Bank credits in: the generic CSV/XLSX, any bank's export through a column mapping, and
payment-notification webhook JSON (one file, or a folder of them).

The generic file has the header ``time,amount,description,reference,account,name``:
``time`` ISO 8601 (a time without an offset is Vietnam time, UTC+07:00), ``amount`` whole
dong (negative for money leaving the account: a reversal), ``description`` the transfer
note as the bank shows it, ``reference`` the bank's transaction id, ``account`` and
``name`` the payer's account and name when the bank shows them (may be empty). Columns
are found by name ignoring case and accents; rows above the header (a bank's title
lines) are skipped. Another bank's export is read with a :class:`ColumnMap`
(``--map time="Ngày giao dịch",credit="Số tiền ghi có",...``). No bank's own column
names are built in: none could be confirmed from public documentation (see
``fees/README.md``).

Every bad row is reported with its line, all at once, in one
:class:`~cashless.errors.CsvError` (code ``credits``); nothing of a bad file is returned.

>>> text = "time,amount,description,reference\\n2026-12-03 08:15,50000,CDBA012612U,FT1\\n"
>>> [(c.time, c.amount, c.reference) for c in parse_credits(text, source="x.csv")]
[('2026-12-03T08:15:00+07:00', 50000, 'FT1')]
>>> parse_credits("time,amount,description,reference\\n2026-12-03,5O000,x,FT1\\n", source="x.csv", lang="en")
Traceback (most recent call last):
cashless.errors.CsvError: x.csv: 1 problem: line 2, amount: '5O000' is not a whole number of dong
"""

from __future__ import annotations

import io
import json
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from cashless._io import Problem, csv_error, read_input
from cashless.errors import CsvError, UsageError, require_extra
from cashless.payload.text import fold
from cashless.stalls.messages import say
from cashless.stalls.workbook import csv_text_rows

__all__ = [
    "COLUMNS",
    "REQUIRED",
    "VIETNAM",
    "ColumnMap",
    "Credit",
    "parse_credits",
    "parse_map",
    "parse_time",
    "parse_webhooks",
    "read_credit_files",
    "read_credits",
]

COLUMNS = ("time", "amount", "description", "reference", "account", "name")
REQUIRED = ("time", "amount", "description", "reference")
#: Vietnam time: a time written without an offset is read in it.
VIETNAM = timezone(timedelta(hours=7))
_XLSX = (".xlsx", ".xlsm")
_JSON = (".json",)
_HEADER_SEARCH_ROWS = 30
_AMOUNT = re.compile(r"([+-]?)(\d+|\d{1,3}(?:([., ])\d{3})(?:\3\d{3})*)(?:[.,]0{1,2})?")
_CURRENCY = re.compile(r"\s*(?:vnđ|vnd|đồng|dong|đ)\.?$", re.IGNORECASE)


@dataclass(frozen=True)
class Credit:
    """One bank credit (or, with a negative amount, a debit such as a reversal).

    ``time`` is ISO 8601 with its offset; ``source`` and ``line`` say where it was read.
    """

    time: str
    amount: int
    description: str
    reference: str
    account: str = ""
    name: str = ""
    source: str = ""
    line: int = 0

    def content(self) -> tuple[str, int, str, str, str, str]:
        """What identifies the credit, whatever file it was read from."""
        return (self.time, self.amount, self.description, self.reference, self.account, self.name)


@dataclass(frozen=True)
class ColumnMap:
    """Which column of a bank's export holds each generic field.

    ``credit`` and ``debit`` name two amount columns (money in, money out) for exports
    that split them; ``time_format`` is a :func:`datetime.strptime` format for times
    that are not ISO 8601 (``%d/%m/%Y %H:%M:%S``).
    """

    columns: Mapping[str, str]
    time_format: str | None = None

    def name_of(self, field: str) -> str:
        return self.columns.get(field, field)


GENERIC = ColumnMap({})
_MAP_FIELDS = (*COLUMNS, "credit", "debit")


def parse_map(text: str | None, time_format: str | None = None) -> ColumnMap:
    """``'time=Ngày GD,amount=Số tiền'`` -> a :class:`ColumnMap` (``--map``).

    >>> parse_map("time=Ngày GD, credit=Ghi có").columns
    {'time': 'Ngày GD', 'credit': 'Ghi có'}
    """
    columns: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        field, sep, column = item.partition("=")
        field = field.strip().lower()
        if not sep or field not in _MAP_FIELDS or not column.strip():
            raise UsageError(
                f"expects FIELD=COLUMN with FIELD one of {', '.join(_MAP_FIELDS)}, got {item!r}",
                source="--map",
            )
        columns[field] = column.strip().strip('"')
    if "amount" in columns and ({"credit", "debit"} & set(columns)):
        raise UsageError("give amount, or credit and debit, not both", source="--map")
    return ColumnMap(columns, time_format)


def _key(text: str) -> str:
    return " ".join(
        re.sub(r"[^a-z0-9]+", " ", fold(unicodedata.normalize("NFC", text)).lower()).split()
    )


def parse_time(text: str, time_format: str | None = None) -> str | None:
    """An ISO 8601 time (or one in ``time_format``) as ISO 8601 with an offset; None if bad.

    >>> parse_time("2026-12-03T01:15:00Z"), parse_time("03/12/2026")
    ('2026-12-03T01:15:00+00:00', None)
    """
    value = text.strip()
    try:
        if time_format:
            moment = datetime.strptime(value, time_format)
        else:
            if value.endswith(("Z", "z")):
                value = value[:-1] + "+00:00"
            moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    return moment.isoformat()


def _amount(text: str) -> int | None:
    value = _CURRENCY.sub("", text.strip()).strip()
    match = _AMOUNT.fullmatch(value)
    if match is None:
        return None
    number = int(re.sub(r"\D", "", match.group(2)))
    return -number if match.group(1) == "-" else number


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def _csv_rows(data: bytes | str, source: str, lang: str | None) -> list[tuple[int, list[str]]]:
    return [
        (line, [_cell_text(cell) for cell in record])
        for line, record in csv_text_rows(data, source, lang, _error)
    ]


def _xlsx_rows(data: bytes, source: str, lang: str | None) -> list[tuple[int, list[str]]]:
    require_extra("excel", "openpyxl")
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        reason = say("registry.not_xlsx", lang, error=str(exc) or type(exc).__name__)
        raise _error(source, [Problem(1, "-", reason)], lang) from None
    try:
        sheet = book.worksheets[0]
        return [
            (index, [_cell_text(value) for value in values])
            for index, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        book.close()


def _error(source: str, problems: Sequence[Problem], lang: str | None) -> CsvError:
    error = csv_error(CsvError, source, problems)
    error.code = "credits"
    return error


def _find_header(
    rows: list[tuple[int, list[str]]], mapping: ColumnMap, source: str, lang: str | None
) -> tuple[int, dict[str, int]]:
    """The header row (the first naming every required column) and each field's position."""
    split = bool({"credit", "debit"} & set(mapping.columns))
    amounts = ("credit", "debit") if split else ("amount",)
    wanted = ("time", "description", "reference")
    for index, (_line, cells) in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        keys = [_key(cell) for cell in cells]
        positions = {
            field: keys.index(_key(mapping.name_of(field)))
            for field in (*wanted, *amounts, "account", "name")
            if _key(mapping.name_of(field)) in keys
        }
        if all(field in positions for field in wanted) and any(f in positions for f in amounts):
            return index, positions
    first = next((line for line, cells in rows if any(cells)), 1)
    names = ", ".join(mapping.name_of(field) for field in (*wanted, *amounts))
    raise _error(source, [Problem(first, "-", say("credits.no_header", lang, columns=names))], lang)


def _table_credits(
    rows: list[tuple[int, list[str]]], mapping: ColumnMap, source: str, lang: str | None
) -> list[Credit]:
    if not any(any(cells) for _, cells in rows):
        raise _error(source, [Problem(1, "-", say("credits.empty", lang))], lang)
    header_at, positions = _find_header(rows, mapping, source, lang)
    split = bool({"credit", "debit"} & set(mapping.columns))
    width = len(rows[header_at][1])
    credits: list[Credit] = []
    problems: list[Problem] = []

    def cell(cells: list[str], field: str) -> str:
        position = positions.get(field)
        return cells[position] if position is not None and position < len(cells) else ""

    for line, cells in rows[header_at + 1 :]:
        if not any(cells):
            continue
        bad: list[Problem] = []

        def problem(
            field: str, key: str, bad: list[Problem] = bad, line: int = line, **fields: object
        ) -> None:
            bad.append(Problem(line, mapping.name_of(field), say(key, lang, **fields)))

        if len(cells) > width and any(cells[width:]):
            bad.append(
                Problem(line, "-", say("credits.fields", lang, count=len(cells), header=width))
            )
        time_text = cell(cells, "time")
        time = parse_time(time_text, mapping.time_format) if time_text else None
        if not time_text:
            problem("time", "credits.empty")
        elif time is None:
            problem("time", "credits.time_bad", value=time_text)
        amount = _row_amount(cells, cell, problem, split)
        reference = cell(cells, "reference")
        if not reference:
            problem("reference", "credits.empty")
        for field in COLUMNS:
            if any(unicodedata.category(c) == "Cc" for c in cell(cells, field)):
                problem(field, "credits.control")
        if bad or time is None or amount is None:
            problems.extend(bad)
            continue
        credits.append(
            Credit(
                time,
                amount,
                cell(cells, "description"),
                reference,
                cell(cells, "account").replace(" ", ""),
                cell(cells, "name"),
                source,
                line,
            )
        )
    if problems:
        raise _error(source, problems, lang)
    return credits


def _row_amount(
    cells: list[str],
    cell: Callable[[list[str], str], str],
    problem: Callable[..., None],
    split: bool,
) -> int | None:
    fields = ("credit", "debit") if split else ("amount",)
    total = 0
    for field in fields:
        text = cell(cells, field)
        if not text:
            continue
        value = _amount(text)
        if value is None:
            problem(field, "credits.amount_bad", value=text)
            return None
        total += -abs(value) if field == "debit" else (abs(value) if split else value)
    if total == 0:
        shown = " / ".join(cell(cells, field) for field in fields)
        problem(
            fields[0], "credits.amount_zero" if shown.strip(" /") else "credits.empty", value=shown
        )
        return None
    return total


def parse_credits(
    data: bytes | str,
    *,
    source: str,
    mapping: ColumnMap | None = None,
    lang: str | None = None,
) -> list[Credit]:
    """Read a credits table's contents: CSV text or bytes, or an ``.xlsx`` workbook's bytes."""
    if isinstance(data, bytes) and (
        data.startswith(b"PK\x03\x04") or Path(source).suffix.lower() in _XLSX
    ):
        rows = _xlsx_rows(data, source, lang)
    else:
        rows = _csv_rows(data, source, lang)
    return _table_credits(rows, mapping or GENERIC, source, lang)


def _webhook_items(value: object) -> list[object]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and isinstance(value.get("data"), list):
        return list(value["data"])
    return [value]


def parse_webhooks(data: bytes | str, *, source: str, lang: str | None = None) -> list[Credit]:
    """Payment notifications as notification services post them (SePay's webhook shape).

    One object, a list of them, or ``{"data": [...]}``. Used fields: ``transactionDate``,
    ``transferAmount``, ``transferType`` (``in``, or ``out`` for money leaving),
    ``content``, ``code`` (a payment code the service found, added to the note),
    ``referenceCode`` (else ``id``). ``line`` is the notification's place in the file.

    >>> note = '{"id": 9, "gateway": "Vietcombank", "transactionDate": "2026-12-03 08:15:00",'
    >>> note += ' "accountNumber": "0123", "code": null, "content": "CDBA012612U",'
    >>> note += ' "transferType": "in", "transferAmount": 50000, "referenceCode": "MBVCB.1"}'
    >>> [(c.amount, c.reference, c.description) for c in parse_webhooks(note, source="n.json")]
    [(50000, 'MBVCB.1', 'CDBA012612U')]
    """
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _error(
            source, [Problem(1, "-", say("credits.json_bad", lang, error=str(exc)))], lang
        ) from None
    credits: list[Credit] = []
    problems: list[Problem] = []
    for number, item in enumerate(_webhook_items(value), start=1):
        if not isinstance(item, dict):
            problems.append(Problem(number, "-", say("credits.json_object", lang)))
            continue
        bad: list[Problem] = []
        time_text = str(item.get("transactionDate") or "")
        time = parse_time(time_text) if time_text else None
        if time is None:
            bad.append(
                Problem(number, "transactionDate", say("credits.time_bad", lang, value=time_text))
            )
        raw = item.get("transferAmount")
        amount = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        if isinstance(raw, float) and raw.is_integer():
            amount = int(raw)
        if isinstance(raw, str):
            amount = _amount(raw)
        if not amount or amount < 0:
            bad.append(
                Problem(number, "transferAmount", say("credits.amount_bad", lang, value=raw))
            )
        kind = str(item.get("transferType") or "in").lower()
        if kind not in ("in", "out"):
            bad.append(
                Problem(number, "transferType", say("credits.transfer_type", lang, value=kind))
            )
        reference = str(item.get("referenceCode") or item.get("id") or "").strip()
        if not reference:
            bad.append(Problem(number, "referenceCode", say("credits.empty", lang)))
        if bad or time is None or amount is None:
            problems.extend(bad)
            continue
        note = str(item.get("content") or "").strip()
        code = str(item.get("code") or "").strip()
        if code and code not in note:
            note = f"{note} {code}".strip()
        credits.append(
            Credit(
                time, amount if kind == "in" else -amount, note, reference, "", "", source, number
            )
        )
    if problems:
        raise _error(source, problems, lang)
    return credits


def read_credits(
    path: str | os.PathLike[str], *, mapping: ColumnMap | None = None, lang: str | None = None
) -> list[Credit]:
    """Read one credits file: ``.json`` (webhooks), ``.xlsx`` or CSV; a folder of ``.json``."""
    source = os.fsdecode(path)
    if os.path.isdir(path):
        credits: list[Credit] = []
        for file in sorted(Path(path).iterdir()):
            if file.suffix.lower() in _JSON and not file.name.startswith("."):
                credits += parse_webhooks(
                    read_input(file, error=CsvError), source=str(file), lang=lang
                )
        if not credits:
            raise _error(source, [Problem(1, "-", say("credits.no_json", lang))], lang)
        return credits
    data = read_input(path, error=CsvError)
    if Path(source).suffix.lower() in _JSON:
        return parse_webhooks(data, source=source, lang=lang)
    return parse_credits(data, source=source, mapping=mapping, lang=lang)


def read_credit_files(
    paths: Iterable[str | os.PathLike[str]],
    *,
    mapping: ColumnMap | None = None,
    lang: str | None = None,
) -> list[Credit]:
    """Read every file first; the first bad file raises and nothing is returned."""
    credits: list[Credit] = []
    for path in paths:
        credits += read_credits(path, mapping=mapping, lang=lang)
    return credits
