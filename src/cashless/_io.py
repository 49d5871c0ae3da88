"""Files in and out: atomic writes, output checks, and the one CSV reader with its ``Problem``.

Writes go to a temporary file beside the target, then a rename, so a failure never leaves
half of one. :func:`read_csv` reads the bank directory and the stall registry alike: UTF-8
(with or without BOM), ``,`` or ``;``, every problem reported as a :class:`Problem`.

>>> import pathlib, tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     target = pathlib.Path(folder) / "out.txt"
...     with atomic_path(target) as tmp:
...         _ = tmp.write_text("done")
...     print(target.read_text(), sorted(p.name for p in pathlib.Path(folder).iterdir()))
done ['out.txt']
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple, TypeVar

from cashless.errors import CsvError, OutputError

__all__ = [
    "CsvRow",
    "CsvTable",
    "Problem",
    "atomic_path",
    "check_output",
    "csv_error",
    "read_csv",
    "read_csv_file",
    "write_bytes",
    "write_text",
]

_Error = TypeVar("_Error", bound=CsvError)


class Problem(NamedTuple):
    """One problem in an input file: 1-based line number (1 = header), column and reason.

    >>> print(Problem(3, "account", "must be digits"))
    line 3, account: must be digits
    """

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.reason}"


def check_output(
    path: str | os.PathLike[str], *, suffixes: tuple[str, ...], flag: str = "--output"
) -> Path:
    """Check, before any work, that ``path`` can be written: its suffix and its folder.

    ``suffixes`` are lower-case with the dot (``(".pdf",)``); an empty tuple allows any.
    Raises :class:`~cashless.errors.OutputError` naming ``flag`` and the user's path.

    >>> check_output("out.pdf", suffixes=(".pdf",)).name
    'out.pdf'
    >>> check_output("out.png", suffixes=(".pdf",))
    Traceback (most recent call last):
    cashless.errors.OutputError: --output: 'out.png' must end in .pdf
    """
    target = Path(path)
    if suffixes and target.suffix.lower() not in suffixes:
        raise OutputError(f"{str(path)!r} must end in {' or '.join(suffixes)}", source=flag)
    if not target.parent.is_dir():
        raise OutputError(
            f"{str(path)!r}: the folder {str(target.parent)!r} does not exist", source=flag
        )
    return target


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary name beside ``path``; on success it replaces ``path``, on error it goes.

    The file is made readable by others (0644), as a normal file would be: ``mkstemp``
    alone would leave a printed sheet or a results table private to its writer. When the
    folder does not exist or ``path`` cannot be replaced (a folder, no permission), raises
    :class:`~cashless.errors.OutputError` naming the user's path; errors raised by the
    caller's own block pass through unchanged.
    """
    target = Path(path)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _output_error(path, exc) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _output_error(path, exc) from exc


def _output_error(path: str | os.PathLike[str], exc: OSError) -> OutputError:
    return OutputError(f"cannot write {str(path)!r}: {exc.strerror or exc}")


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (no newline translation); return the path."""
    return write_bytes(path, text.encode("utf-8"))


class CsvRow(NamedTuple):
    """One row of a CSV file: the line it starts on and its value for every known column.

    Values are NFC-normalised and stripped; a known column absent from the header is ``""``.
    """

    line: int
    cells: dict[str, str]


@dataclass(frozen=True)
class CsvTable:
    """A CSV file read by :func:`read_csv`.

    ``columns`` are the header's names (NFC, stripped, lower case) in file order;
    ``problems`` the rows the reader itself set aside (a wrong number of fields).
    """

    columns: tuple[str, ...]
    header_line: int
    rows: tuple[CsvRow, ...]
    problems: tuple[Problem, ...]


def csv_error(error: type[_Error], source: str, problems: Sequence[Problem]) -> _Error:
    """One ``error`` listing every problem of the file ``source``, in line order.

    >>> from cashless.errors import RegistryError
    >>> print(csv_error(RegistryError, "stalls.csv", [Problem(2, "bank", "empty")]))
    stalls.csv: 1 problem: line 2, bank: empty
    """
    ordered = sorted(problems, key=lambda problem: problem.line)
    count = f"{len(ordered)} problem" + ("s" if len(ordered) != 1 else "")
    listing = "; ".join(str(problem) for problem in ordered)
    return error(f"{count}: {listing}", problems=ordered, source=source)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _decode(data: bytes) -> tuple[str, None] | tuple[None, Problem]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, Problem(1, "-", "the file is UTF-16; save it as 'CSV UTF-8'")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        return None, Problem(
            line, "-", f"not UTF-8 text (byte 0x{byte:02x}); save the file as 'CSV UTF-8'"
        )


def read_csv(
    data: str | bytes,
    *,
    source: str,
    error: type[CsvError],
    columns: Sequence[str],
    required: Sequence[str],
    other_columns: Literal["ignore", "refuse"] = "ignore",
) -> CsvTable:
    """Read CSV text or UTF-8 bytes (BOM allowed), ``,`` or ``;`` separated, with a header.

    The header is the first non-blank row; its names are matched to ``columns`` ignoring
    case and spaces, in any order. Blank rows are skipped. Problems of the file as a whole
    (encoding, no header, a ``required`` column missing, a column given twice, an unknown
    column when ``other_columns="refuse"``) raise one ``error`` with ``source=source``;
    a row with more or fewer fields than the header goes to ``problems``.

    >>> from cashless.errors import RegistryError
    >>> table = read_csv("\\ufeffID;Name\\n\\n7; Lan \\n", source="x.csv", error=RegistryError,
    ...                  columns=("id", "name", "note"), required=("id",))
    >>> table.rows
    (CsvRow(line=3, cells={'id': '7', 'name': 'Lan', 'note': ''}),)
    >>> read_csv("name\\nLan\\n", source="x.csv", error=RegistryError, columns=("id", "name"),
    ...          required=("id",))
    Traceback (most recent call last):
    cashless.errors.RegistryError: x.csv: 1 problem: line 1, id: missing column
    """
    if isinstance(data, bytes):
        text, problem = _decode(data)
        if problem is not None:
            raise csv_error(error, source, [problem])
        assert text is not None
    else:
        text = data.removeprefix("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        header: list[str] | None = None
        for record in reader:
            if any(cell.strip() for cell in record):
                header = record
                break
            line = reader.line_num + 1
        if header is None:
            expected = ", ".join(columns)
            empty = Problem(1, "-", f"the file is empty; expected a header row: {expected}")
            raise csv_error(error, source, [empty])
        header_line = line
        names = [_nfc(cell).lower() for cell in header]
        _check_header(names, header_line, source, error, columns, required, other_columns)
        positions = {name: names.index(name) for name in columns if name in names}
        rows: list[CsvRow] = []
        problems: list[Problem] = []
        line = reader.line_num + 1
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(names):
                fields = f"{len(record)} field" + ("s" if len(record) != 1 else "")
                reason = f"{fields}, the header has {len(names)}"
                problems.append(Problem(start, "-", reason))
                continue
            cells = dict.fromkeys(columns, "")
            cells.update((name, _nfc(record[position])) for name, position in positions.items())
            rows.append(CsvRow(start, cells))
    except csv.Error as exc:
        raise csv_error(error, source, [Problem(line, "-", f"not readable as CSV: {exc}")]) from exc
    return CsvTable(tuple(names), header_line, tuple(rows), tuple(problems))


def _check_header(
    names: list[str],
    line: int,
    source: str,
    error: type[CsvError],
    columns: Sequence[str],
    required: Sequence[str],
    other_columns: str,
) -> None:
    problems = [Problem(line, name, "missing column") for name in required if name not in names]
    expected = ", ".join(columns)
    for name in dict.fromkeys(names):
        if name not in columns:
            if other_columns == "refuse":
                problems.append(Problem(line, name or "-", f"unknown column; expected {expected}"))
        elif names.count(name) > 1:
            problems.append(Problem(line, name, "column given twice"))
    if problems:
        raise csv_error(error, source, problems)


def read_csv_file(
    path: str | os.PathLike[str],
    *,
    error: type[CsvError],
    columns: Sequence[str],
    required: Sequence[str],
    other_columns: Literal["ignore", "refuse"] = "ignore",
) -> CsvTable:
    """Read the CSV file at ``path`` (see :func:`read_csv`); the source named is the user's path.

    A file that cannot be read raises ``error`` too.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise error(f"cannot read the file: {exc.strerror or exc}", source=str(path)) from exc
    return read_csv(
        data,
        source=str(path),
        error=error,
        columns=columns,
        required=required,
        other_columns=other_columns,
    )
