"""Files in and out: safe outputs, output checks, and the one CSV reader with its ``Problem``.

An output is written under a temporary name beside its target, flushed to disk, then
renamed over it, so a failure or a kill never leaves half a file, and the next write to the
same target removes what a killed one left. Only a regular file (or a new name) is ever
replaced: a symbolic link is followed to its target, an existing file keeps its mode, a
read-only file is refused, and a character device or a FIFO (``/dev/null``, a named pipe)
receives the bytes as a stream and stays what it was; a folder, a block device or a socket
is refused. :func:`atomic_paths` writes several files so that all appear or none.
:func:`read_csv` reads the bank directory and the stall registry alike: UTF-8 (with or
without BOM), ``,`` or ``;``, every problem reported as a :class:`Problem`.

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
import re
import secrets
import shutil
import stat
import tempfile
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple, TypeVar

from cashless.errors import CashlessError, CsvError, OutputError

__all__ = [
    "CSV_FIELD_LIMIT",
    "CsvRow",
    "CsvTable",
    "Problem",
    "atomic_path",
    "atomic_paths",
    "check_output",
    "csv_error",
    "output_kind",
    "read_csv",
    "read_csv_file",
    "read_input",
    "same_file",
    "write_bytes",
    "write_text",
]

_Error = TypeVar("_Error", bound=CsvError)

#: The largest CSV field read: far above any real cell (a name, an account), far below
#: what would exhaust memory. Python's csv module stops at 128 KiB by default and says
#: only ``field larger than field limit``; here the limit is deliberate and reported.
CSV_FIELD_LIMIT = 1 << 20

# Temporary names: ".<target name>.<pid>-<random>.tmp", a file, or a folder for a group.
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-[0-9a-f]{8}\.tmp$")
# What earlier versions left (tempfile.mkstemp): ".<target name>.<8 random>.tmp".
_LEGACY_TEMP = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")
_LEGACY_AGE_S = 600.0


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


# -- outputs -------------------------------------------------------------------------


def output_kind(path: str | os.PathLike[str]) -> Literal["new", "file", "stream", "other"]:
    """What writing ``path`` (symbolic links followed) would replace or feed.

    ``"new"`` (nothing there yet), ``"file"`` (a regular file), ``"stream"`` (a
    character device or a FIFO: written to, never replaced) or ``"other"`` (a folder, a
    block device, a socket: refused).

    >>> output_kind("/dev/null"), output_kind("/")
    ('stream', 'other')
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "new"
    except OSError:
        return "other"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "stream"
    return "other"


def _describe(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISBLK(mode):
        return "a block device (a disk)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_output(
    path: str | os.PathLike[str], *, suffixes: tuple[str, ...], flag: str = "--output"
) -> Path:
    """Check, before any work, that ``path`` can be written: suffix, folder, what is there.

    ``suffixes`` are lower-case with the dot (``(".pdf",)``); an empty tuple allows any.
    Refused: a missing or unwritable folder, a folder, a block device or a socket at
    ``path``, a read-only file. Raises :class:`~cashless.errors.OutputError` naming
    ``flag`` and the user's path.

    >>> check_output("out.pdf", suffixes=(".pdf",)).name
    'out.pdf'
    >>> check_output("out.png", suffixes=(".pdf",))
    Traceback (most recent call last):
    cashless.errors.OutputError: --output: 'out.png' must end in .pdf
    """
    shown = _shown(path)
    target = Path(path)
    if suffixes and target.suffix.lower() not in suffixes:
        raise OutputError(f"{shown} must end in {' or '.join(suffixes)}", source=flag)
    real = Path(os.path.realpath(target))
    kind = output_kind(real)
    if kind == "other":
        try:
            what = _describe(os.stat(real).st_mode)
        except OSError as exc:
            what = f"not usable ({exc.strerror or exc})"
        raise OutputError(f"{shown} is {what}, not a file to write", source=flag)
    if kind == "stream":
        if not os.access(real, os.W_OK):
            raise OutputError(f"cannot write {shown}: permission denied", source=flag)
        return target
    if not real.parent.is_dir():
        raise OutputError(f"{shown}: the folder {str(target.parent)!r} does not exist", source=flag)
    if kind == "file" and not _writable_file(real):
        raise OutputError(f"{shown} is read-only; it is left as it is", source=flag)
    if not os.access(real.parent, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot write {shown}: the folder {str(target.parent)!r} is read-only", source=flag
        )
    return target


def _shown(path: str | os.PathLike[str]) -> str:
    """The user's path quoted for a message, control characters escaped."""
    return repr(os.fsdecode(path))


def _writable_file(path: Path) -> bool:
    # A file without any write bit was made read-only on purpose: refused even for root.
    mode = path.stat().st_mode
    return bool(mode & 0o222) and os.access(path, os.W_OK)


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether ``a`` and ``b`` name one existing file (links, ``..`` and hard links seen through).

    >>> same_file("/dev/null", "/dev/../dev/null"), same_file("/dev/null", "/no/such")
    (True, False)
    """
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def _clean_stale(target: Path) -> None:
    """Remove what killed writers of ``target`` left beside it (their process is gone)."""
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        match = _TEMP.match(entry.name)
        if match is not None:
            if match["name"] != target.name or _alive(int(match["pid"])):
                continue
        else:
            legacy = _LEGACY_TEMP.match(entry.name)
            if legacy is None or legacy["name"] != target.name:
                continue
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime < _LEGACY_AGE_S:
                    continue
            except OSError:
                continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
        except OSError:
            pass


class _Slot:
    """One output being written: where the caller writes, and how it is committed."""

    def __init__(self, path: str | os.PathLike[str], *, folder: bool) -> None:
        self.user = path
        self.target = Path(os.path.realpath(path))
        self.kind = output_kind(self.target)
        self.mode: int | None = None
        self._made: Path | None = None
        if self.kind == "other":
            try:
                what = _describe(os.stat(self.target).st_mode)
            except OSError as exc:
                what = f"not usable ({exc.strerror or exc})"
            raise OutputError(f"cannot write {_shown(path)}: it is {what}")
        try:
            if self.kind == "stream":
                # Never replaced: written in a private folder, then copied into the stream.
                self._made = Path(tempfile.mkdtemp(prefix="cashless-"))
                self.tmp = self._made / (Path(path).name or "output")
            else:
                if self.kind == "file":
                    if not _writable_file(self.target):
                        raise OutputError(f"cannot write {_shown(path)}: the file is read-only")
                    self.mode = stat.S_IMODE(self.target.stat().st_mode)
                _clean_stale(self.target)
                temp = _temp_name(self.target)
                if folder:
                    temp.mkdir()
                    self._made = temp
                    self.tmp = temp / self.target.name
                else:
                    # 0o666 less the umask, as a file made by any program (mkstemp: 0600).
                    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
                    self._made = temp
                    self.tmp = temp
        except OSError as exc:
            self.discard()
            raise _output_error(path, exc) from None

    def prepare(self) -> None:
        """After the caller wrote ``tmp``: its mode, and its bytes on disk."""
        if self.kind == "stream":
            return
        if self.mode is not None:
            os.chmod(self.tmp, self.mode)
        fd = os.open(self.tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def commit(self) -> None:
        """Put ``tmp`` in place: a rename for a file, a copy into a stream."""
        if self.kind == "stream":
            fd = os.open(self.target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
            with open(fd, "wb") as out, open(self.tmp, "rb") as data:
                shutil.copyfileobj(data, out)
        else:
            os.replace(self.tmp, self.target)
            _sync_folder(self.target.parent)
        self.discard()

    def discard(self) -> None:
        """Remove what this slot made (nothing left of it once committed or failed)."""
        made, self._made = self._made, None
        if made is None:
            return
        if made.is_dir():
            shutil.rmtree(made, ignore_errors=True)
        else:
            made.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the rename itself is atomic
    finally:
        os.close(fd)


def _translate(exc: BaseException, slots: Sequence[_Slot]) -> BaseException | None:
    """An error about a temporary name, said of the user's path (``None``: leave it)."""
    for slot in slots:
        names = {str(slot.tmp), os.fspath(slot.tmp.parent)}
        if isinstance(exc, OSError) and (exc.filename in (None, "", *names)):
            return _output_error(slot.user, exc)
        if isinstance(exc, CashlessError) and any(name in str(exc) for name in names):
            reason = exc.reason
            for name in names:
                reason = reason.replace(name, os.fsdecode(slot.user))
            return type(exc)(reason, field=exc.field, source=exc.source, code=exc.code)
    return None


@contextmanager
def atomic_paths(*paths: str | os.PathLike[str]) -> Iterator[list[Path]]:
    """Temporary paths for several outputs; on success all replace their targets, else none.

    Each temporary path has its target's file name (in a private folder beside it), so a
    writer that goes by the suffix writes the right format. Everything is written and
    flushed to disk before the first rename; were a later rename to fail, the files
    already renamed are put back as they were.
    """
    slots: list[_Slot] = []
    try:
        for path in paths:
            slots.append(_Slot(path, folder=True))
        yield [slot.tmp for slot in slots]
        for slot in slots:
            slot.prepare()
        _commit_all(slots)
    except BaseException as exc:
        for slot in slots:
            slot.discard()
        better = _translate(exc, slots)
        if better is not None:
            raise better from exc
        raise


def _commit_all(slots: Sequence[_Slot]) -> None:
    done: list[tuple[_Slot, Path | None]] = []
    try:
        for slot in slots:
            backup = None
            if slot.kind == "file":
                backup = slot.target.with_name(_temp_name(slot.target).name)
                try:
                    os.link(slot.target, backup)
                except OSError:
                    backup = None
            done.append((slot, backup))
            slot.commit()
    except OSError:
        for slot, backup in done[:-1]:
            if backup is not None:
                os.replace(backup, slot.target)
            elif slot.kind == "new":
                slot.target.unlink(missing_ok=True)
        raise
    finally:
        for _, backup in done:
            if backup is not None:
                backup.unlink(missing_ok=True)


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary name beside ``path``; on success it replaces ``path``, on error it goes.

    See the module's introduction for what may be at ``path``. A new file is made as any
    program makes one (0666 less the umask); an existing one keeps its mode. When the
    folder does not exist or ``path`` cannot be written, raises
    :class:`~cashless.errors.OutputError` naming the user's path; an ``OSError`` about
    the temporary file in the caller's block becomes one too, and other errors of the
    caller's block pass through unchanged.
    """
    slot = _Slot(path, folder=False)
    try:
        yield slot.tmp
        slot.prepare()
        slot.commit()
    except BaseException as exc:
        slot.discard()
        better = _translate(exc, [slot])
        if better is not None:
            raise better from exc
        raise


def _output_error(path: str | os.PathLike[str], exc: OSError) -> OutputError:
    return OutputError(f"cannot write {_shown(path)}: {exc.strerror or exc}")


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (no newline translation); return the path."""
    return write_bytes(path, text.encode("utf-8"))


# -- inputs --------------------------------------------------------------------------


def read_input(
    path: str | os.PathLike[str], *, error: type[CashlessError], what: str = "file"
) -> bytes:
    """The bytes of the input file ``path``, or ``error`` naming it and saying why not.

    >>> read_input("/no/such.csv", error=CsvError)
    Traceback (most recent call last):
    cashless.errors.CsvError: /no/such.csv: cannot read the file: the folder '/no' does not exist
    """
    source = os.fsdecode(path)
    try:
        if os.path.isdir(path):
            raise error(f"cannot read the {what}: it is a folder", source=source)
        with open(path, "rb") as stream:
            return stream.read()
    except FileNotFoundError:
        folder = os.path.dirname(source)
        why = (
            f"the folder {folder!r} does not exist"
            if folder and not os.path.isdir(folder)
            else "it does not exist"
        )
        raise error(f"cannot read the {what}: {why}", source=source) from None
    except PermissionError:
        raise error(f"cannot read the {what}: permission denied", source=source) from None
    except OSError as exc:
        raise error(f"cannot read the {what}: {exc.strerror or exc}", source=source) from None
    except MemoryError:
        raise error(f"cannot read the {what}: too large to fit in memory", source=source) from None


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
    a row with more or fewer fields than the header goes to ``problems``, and so does a
    row holding a control character or a lone surrogate, or a quoted field that runs over
    lines holding the separator or over 5 lines or more (a stray quote, which would
    otherwise swallow the rows after it).

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
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
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
            if line - start > 1 and _runaway(record, delimiter, line - start):
                problems.append(_runaway_quote(start, line - 1))
                continue
            if len(record) != len(names):
                fields = f"{len(record)} field" + ("s" if len(record) != 1 else "")
                reason = f"{fields}, the header has {len(names)}"
                problems.append(Problem(start, "-", reason))
                continue
            cells = dict.fromkeys(columns, "")
            cells.update((name, _nfc(record[position])) for name, position in positions.items())
            bad = [_bad_characters(start, name, value) for name, value in cells.items()]
            if any(bad):
                problems.extend(problem for problem in bad if problem is not None)
                continue
            rows.append(CsvRow(start, cells))
    except csv.Error as exc:
        if "field limit" in str(exc):
            reason = (
                f'a field longer than {CSV_FIELD_LIMIT:,} characters: a quote (") opened on '
                f"line {line} is probably never closed"
            )
        else:
            reason = f"not readable as CSV: {exc}"
        raise csv_error(error, source, [Problem(line, "-", reason)]) from None
    return CsvTable(tuple(names), header_line, tuple(rows), tuple(problems))


def _runaway(record: list[str], delimiter: str, lines: int) -> bool:
    """A quoted field over several lines that looks like swallowed rows, not a long name."""
    for cell in record:
        inner = cell.splitlines()[1:]
        if len(inner) >= _MAX_FIELD_LINES or any(delimiter in part for part in inner):
            return True
    return False


_MAX_FIELD_LINES = 5


def _runaway_quote(start: int, end: int) -> Problem:
    return Problem(
        start,
        "-",
        f'a quoted field runs over lines {start}-{end}: a quote (") opened on line {start} '
        "is probably never closed, so the rows after it were read as one field",
    )


_BAD_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _bad_characters(line: int, column: str, value: str) -> Problem | None:
    match = _BAD_CHARACTER.search(value)
    if match is None:
        return None
    char = match.group()
    what = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
    return Problem(
        line, column, f"holds {what} (U+{ord(char):04X}) at character {match.start() + 1}"
    )


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

    A file that cannot be read raises ``error`` too, saying why (:func:`read_input`).
    """
    data = read_input(path, error=error)
    return read_csv(
        data,
        source=os.fsdecode(path),
        error=error,
        columns=columns,
        required=required,
        other_columns=other_columns,
    )
