"""A registry as offices keep it: an Excel workbook (``.xlsx``) or a CSV file -> rows of cells.

CSV stays standard library (UTF-8 with or without BOM, ``,`` or ``;``); an ``.xlsx`` needs
the ``excel`` extra (openpyxl), asked for only when one is read or written. Each cell keeps
whether the spreadsheet stored it as a *number*: an account number Excel turned into a
number has lost its leading zeros or its last digits, and :mod:`cashless.stalls.registry`
explains that instead of printing a wrong code. Empty rows and trailing empty columns are
dropped here; which column is which is the registry's business.

>>> table = read_table(b"\\xef\\xbb\\xbfS\\xe1\\xbb\\x91 qu\\xe1\\xba\\xa7y;Ng\\xc3\\xa2n h\\xc3\\xa0ng;;\\n"
...                    b"A01;VCB;;\\n;;;\\n", source="x.csv")
>>> table.header, table.rows
(('Số quầy', 'Ngân hàng'), (Row(line=2, cells=(Cell(text='A01', number=False), Cell(text='VCB', number=False))),))
"""

from __future__ import annotations

import csv
import io
import os
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from cashless._io import CSV_FIELD_LIMIT, Problem, atomic_path
from cashless.errors import CsvError, RegistryError, require_extra
from cashless.stalls.messages import say

if TYPE_CHECKING:
    from cashless.banks import Bank

__all__ = [
    "XLSX_SUFFIXES",
    "Cell",
    "Row",
    "Table",
    "csv_text_rows",
    "read_table",
    "read_table_file",
    "table_csv",
    "table_xlsx",
    "tables_xlsx",
    "write_template",
]

#: Workbook suffixes read with openpyxl; anything else is read as CSV.
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (Excel 97-2003)


class Cell(NamedTuple):
    """One cell as text (NFC, stripped); ``number`` when the spreadsheet stored a number."""

    text: str
    number: bool = False


class Row(NamedTuple):
    """A non-empty row: its line (the spreadsheet's row number) and its cells."""

    line: int
    cells: tuple[Cell, ...]


class Table(NamedTuple):
    """The header (as the file writes it) and the rows under it, trailing empties dropped."""

    header_line: int
    header: tuple[str, ...]
    rows: tuple[Row, ...]


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("\u00a0", " ").strip()


def _number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _cell(value: object) -> Cell:
    if value is None:
        return Cell("")
    if isinstance(value, bool):
        return Cell(str(value).upper())
    if isinstance(value, (int, float)):
        return Cell(_number_text(value), True)
    if isinstance(value, (datetime, date, time)):
        return Cell(value.isoformat())
    return Cell(_clean(str(value)))


def _table(records: Iterable[tuple[int, Sequence[Cell]]], source: str, lang: str | None) -> Table:
    header: list[Cell] | None = None
    header_line = 0
    rows: list[Row] = []
    for line, cells in records:
        if not any(cell.text for cell in cells):
            continue
        if header is None:
            header, header_line = list(cells), line
            continue
        rows.append(Row(line, tuple(cells)))
    if header is None:
        raise _error(source, [Problem(1, "-", say("registry.empty_file", lang))], lang)
    width = max(
        [i + 1 for i, cell in enumerate(header) if cell.text]
        + [i + 1 for row in rows for i, cell in enumerate(row.cells) if cell.text]
    )
    pad = Cell("")
    return Table(
        header_line,
        tuple(cell.text for cell in header[:width]) + ("",) * max(0, width - len(header)),
        tuple(
            Row(row.line, tuple(row.cells[:width]) + (pad,) * max(0, width - len(row.cells)))
            for row in rows
        ),
    )


def _error(source: str, problems: Sequence[Problem], lang: str | None) -> RegistryError:
    from cashless.stalls.registry import registry_error

    return registry_error(source, problems, lang)


def csv_text_rows(
    data: bytes | str,
    source: str,
    lang: str | None,
    error: Callable[[str, Sequence[Problem], str | None], CsvError] | None = None,
) -> list[tuple[int, list[str]]]:
    """The rows of a CSV file as offices save it, each with its line: UTF-8 with or without
    a BOM, ``,`` or ``;`` (whichever the first line uses more), cells as written.

    A UTF-16 file, bytes that are not UTF-8 and a broken quote are one problem with its
    line, raised as ``error(source, problems, lang)`` (a :class:`RegistryError` by
    default); the bank-credit reader of ``fees`` passes its own.

    >>> csv_text_rows("Số quầy;Tên\\nA01;Rau\\n", "stalls.csv", "en")
    [(1, ['Số quầy', 'Tên']), (2, ['A01', 'Rau'])]
    """
    fail = error or _error
    if isinstance(data, bytes):
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise fail(source, [Problem(1, "-", say("registry.utf16", lang))], lang)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            reason = say("registry.not_utf8", lang, byte=f"0x{data[exc.start]:02x}")
            raise fail(source, [Problem(line, "-", reason)], lang) from None
    else:
        text = data.removeprefix("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    if csv.field_size_limit() < CSV_FIELD_LIMIT:  # a stray quote is reported, not a crash
        csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for record in reader:
            rows.append((line, record))
            line = reader.line_num + 1
    except csv.Error as exc:
        reason = say("registry.not_csv", lang, error=str(exc))
        raise fail(source, [Problem(line, "-", reason)], lang) from None
    return rows


def _csv_records(data: bytes | str, source: str, lang: str | None) -> list[tuple[int, list[Cell]]]:
    return [
        (line, [Cell(_clean(value)) for value in record])
        for line, record in csv_text_rows(data, source, lang)
    ]


def _xlsx_records(data: bytes, source: str, lang: str | None) -> list[tuple[int, list[Cell]]]:
    require_extra("excel", "openpyxl")
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return _sheet_records(book)
        finally:
            book.close()
    # openpyxl reads lazily, so a damaged workbook fails while opening or while reading its
    # rows, in many ways: zip (BadZipFile, zlib.error, EOFError, NotImplementedError for an
    # unknown compression, RuntimeError when encrypted), XML (ParseError is a SyntaxError),
    # or its own KeyError/ValueError/TypeError
    except _DAMAGED_WORKBOOK as exc:
        reason = say("registry.not_xlsx", lang, error=str(exc) or type(exc).__name__)
        raise _error(source, [Problem(1, "-", reason)], lang) from exc


_DAMAGED_WORKBOOK = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    SyntaxError,
    OSError,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
)


def _sheet_records(book: Any) -> list[tuple[int, list[Cell]]]:
    from cashless.stalls.registry import header_columns

    sheets = [sheet for sheet in book.worksheets if sheet.sheet_state == "visible"]
    chosen: list[tuple[int, list[Cell]]] = []
    for sheet in sheets or book.worksheets:
        records = [
            (index, [_cell(value) for value in values])
            for index, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
        header = next((cells for _, cells in records if any(c.text for c in cells)), [])
        if len(header_columns([cell.text for cell in header])) >= 2:
            return records
        chosen = chosen or records
    return chosen


def read_table(data: bytes | str, *, source: str = "<registry>", lang: str | None = None) -> Table:
    """Read a registry file's contents (``bytes``, or CSV text) into a :class:`Table`.

    A workbook is recognised by its content (a zip) or by the suffix of ``source``; its
    first visible sheet whose header names at least two registry columns is read (the
    template's instructions sheet is skipped). Raises :class:`~cashless.errors.RegistryError`
    for a file that cannot be read, an old ``.xls``, bad UTF-8 or an empty file.
    """
    if isinstance(data, bytes) and data.startswith(_OLE_MAGIC):
        raise _error(source, [Problem(1, "-", say("registry.xls", lang))], lang)
    if isinstance(data, bytes) and (
        data.startswith(_ZIP_MAGIC) or Path(source).suffix.lower() in XLSX_SUFFIXES
    ):
        return _table(_xlsx_records(data, source, lang), source, lang)
    return _table(_csv_records(data, source, lang), source, lang)


def read_table_file(path: str | os.PathLike[str], *, lang: str | None = None) -> Table:
    """Read the registry file at ``path`` (see :func:`read_table`); the source is the path."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RegistryError(
            say("registry.unreadable", lang, error=exc.strerror or str(exc)), source=str(path)
        ) from exc
    return read_table(data, source=str(path), lang=lang)


def write_template(
    path: str | os.PathLike[str], *, banks: Sequence[Bank], lang: str | None = None
) -> Path:
    """Write a fill-in registry workbook: headers, Text-formatted columns, a bank list.

    The first sheet is the table to fill (account and stall columns formatted as Text so
    Excel keeps leading zeros and long numbers; the bank column offers the bank list); the
    second holds the instructions; a hidden third the banks the list draws from.
    """
    require_extra("excel", "openpyxl")
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from cashless.stalls.registry import TEMPLATE_COLUMNS

    book = Workbook()
    table = book.active
    assert table is not None
    table.title = say("template.sheet", lang)
    headers = [say(f"template.column.{column}", lang) for column in TEMPLATE_COLUMNS]
    table.append(headers)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    widths = {"stall_id": 10, "stall_name": 22, "vendor_name": 30, "bank": 22, "account": 20}
    for index, column in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = table.cell(row=1, column=index)
        cell.font, cell.fill = bold, fill
        letter = cell.column_letter
        table.column_dimensions[letter].width = widths.get(column, 16)
        if column in ("stall_id", "account"):
            for row in range(2, 1001):
                table.cell(row=row, column=index).number_format = "@"
    table.freeze_panes = "A2"
    listing = book.create_sheet(say("template.banks_sheet", lang))
    for bank in banks:
        listing.append([bank.short_name, bank.bin, bank.name])
    listing.sheet_state = "hidden"
    bank_column = table.cell(row=1, column=TEMPLATE_COLUMNS.index("bank") + 1).column_letter
    validation = DataValidation(
        type="list",
        formula1=f"='{listing.title}'!$A$1:$A${len(banks)}",
        allow_blank=True,
        showErrorMessage=False,  # a bank written another way is still matched when read
        promptTitle=say("template.column.bank", lang),
        prompt=say("template.bank_prompt", lang),
    )
    validation.showInputMessage = True
    validation.add(f"{bank_column}2:{bank_column}1000")
    table.add_data_validation(validation)
    guide = book.create_sheet(say("template.guide_sheet", lang))
    guide.column_dimensions["A"].width = 110
    for line in say("template.guide", lang).split("\n"):
        guide.append([line])
        guide.cell(row=guide.max_row, column=1).alignment = Alignment(wrap_text=True)
    guide.cell(row=1, column=1).font = Font(bold=True, size=13)
    with atomic_path(path) as tmp:
        book.save(tmp)
    return Path(path)


def table_csv(header: Sequence[str], body: Sequence[Sequence[str]]) -> bytes:
    """CSV bytes with a BOM (Excel opens it with its accents)."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(body)
    return text.getvalue().encode("utf-8-sig")


def table_xlsx(
    header: Sequence[str], body: Sequence[Sequence[str]], *, numeric: Iterable[int] | None = None
) -> bytes:
    """An XLSX workbook of the table (``numeric`` columns as numbers, by default the sixth
    on, as in the audit report; header frozen). See :func:`tables_xlsx`.
    """
    columns = range(5, len(header)) if numeric is None else numeric
    return tables_xlsx([(None, header, body, columns)])


def tables_xlsx(
    sheets: Sequence[tuple[str | None, Sequence[str], Sequence[Sequence[str]], Iterable[int]]],
) -> bytes:
    """An XLSX workbook, one sheet per ``(title, header, body, numeric columns)``: whole
    numbers in the numeric columns stored as numbers (so Excel sums them), the header
    frozen, columns as wide as their text (at most 40).

    >>> data = tables_xlsx([("Quầy", ["stall", "paid"], [["A01", "50000"]], [1])])
    >>> data[:2]
    b'PK'
    """
    require_extra("excel", "openpyxl")
    from openpyxl import Workbook

    book = Workbook()
    for index, (title, header, body, numeric) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        assert sheet is not None
        if title:
            sheet.title = title
        numbers = set(numeric)
        sheet.append(list(header))
        for row in body:
            sheet.append(
                [
                    int(cell) if i in numbers and cell.lstrip("-").isdigit() else cell
                    for i, cell in enumerate(row)
                ]
            )
        for column, name in zip(sheet.columns, header, strict=False):
            width = max(len(name), *(len(str(c.value or "")) for c in column))
            sheet.column_dimensions[column[0].column_letter].width = min(40, width + 2)
        sheet.freeze_panes = "A2"
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
