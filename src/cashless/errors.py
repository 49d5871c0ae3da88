"""Exceptions raised by cashless: one tree, rooted in :class:`ValueError`.

Every error is a :class:`CashlessError`, so a caller can catch one type. Each carries a
stable ``code`` (for programs) and keeps apart *what* is wrong from *where it came from*:

- ``field``: the EMV path (``"38.01.00"``), the dotted scenario key (``"market.stalls"``)
  or the column of a file;
- ``source``: the file or command-line flag the value came from (``"stalls.csv"``,
  ``"--set"``);
- ``position``: the character position in a payload; ``line``: the line in a file.

``str(exc)`` names each of them once: ``"<source>: line N: <field> <reason> (at position P)"``.

>>> try:
...     raise LengthError("31 characters, the limit is 25", field="62.08")
... except CashlessError as exc:
...     print(exc.code, exc.field, "|", exc)
length 62.08 | 62.08 31 characters, the limit is 25
>>> print(ScenarioError("must be >= 1", field="market.stalls", source="--set"))
--set: market.stalls must be >= 1

The tree::

    CashlessError (ValueError)
    ├── FormatError, LengthError, CharsetError, ChecksumError   payload rules
    ├── NotVietQRError                 a sound payload of another scheme
    ├── UnknownBankError               no bank matches a BIN, code or name
    ├── CsvError                       a CSV file with bad rows (``problems``)
    │   ├── DirectoryError             the bank directory CSV
    │   └── RegistryError              a market's stall registry
    ├── UnknownStallError              no stall in the registry has that id
    ├── LayoutError                    a card or sheet cannot be laid out (fonts, sizes)
    ├── ScenarioError                  a simulation scenario key or value
    ├── UsageError                     an argument given to a command or function
    ├── OutputError                    an output path that cannot be written
    └── ClusterError                   a distributed scheduler that cannot be used
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.util import find_spec
from typing import Any

__all__ = [
    "CashlessError",
    "CharsetError",
    "ChecksumError",
    "ClusterError",
    "CsvError",
    "DirectoryError",
    "FormatError",
    "LayoutError",
    "LengthError",
    "NotVietQRError",
    "OutputError",
    "RegistryError",
    "ScenarioError",
    "UnknownBankError",
    "UnknownStallError",
    "UsageError",
    "require_extra",
]


class CashlessError(ValueError):
    """Base of every error raised by cashless."""

    code = "invalid"

    def __init__(
        self,
        reason: str,
        *,
        field: str | None = None,
        source: str | None = None,
        position: int | None = None,
        line: int | None = None,
        code: str | None = None,
    ) -> None:
        self.reason = reason
        self.field = field
        self.source = source
        self.position = position
        self.line = line
        if code is not None:
            self.code = code
        super().__init__(self._render())

    def _render(self) -> str:
        parts = []
        if self.source:
            parts.append(f"{self.source}: ")
        if self.line is not None:
            parts.append(f"line {self.line}: ")
        if self.field and self.field != self.source:
            parts.append(f"{self.field} ")
        parts.append(self.reason)
        if self.position is not None:
            parts.append(f" (at position {self.position})")
        return "".join(parts)

    def with_source(self, source: str) -> CashlessError:
        """Set the file or flag the value came from (when not set yet); return ``self``."""
        if self.source is None:
            self.source = source
            self.args = (self._render(),)
        return self


class FormatError(CashlessError):
    """The text is not laid out as the standard requires (TLV structure, digits, IDs)."""

    code = "format"


class LengthError(CashlessError):
    """A value is longer (or shorter) than its field allows."""

    code = "length"


class CharsetError(CashlessError):
    """A value holds characters its field does not allow (e.g. accents in an ``ans`` field)."""

    code = "charset"


class ChecksumError(CashlessError):
    """The CRC (ID 63) does not match the payload."""

    code = "checksum"


class UnknownBankError(CashlessError):
    """No bank in the directory matches the BIN, code or name given.

    ``query`` is what was asked for; ``suggestions`` the short names of close matches.
    """

    code = "unknown-bank"
    query: str
    suggestions: tuple[str, ...]

    def __init__(
        self, reason: str, *, query: object = "", suggestions: Sequence[str] = (), **kwargs: Any
    ) -> None:
        self.query = str(query)
        self.suggestions = tuple(suggestions)
        super().__init__(reason, **kwargs)


class NotVietQRError(CashlessError):
    """A well-formed EMV payload that belongs to another scheme (VNPAY-QR, a foreign QR, ...)."""

    code = "not-vietqr"
    scheme: str

    def __init__(self, reason: str, *, scheme: str = "other", **kwargs: Any) -> None:
        self.scheme = scheme
        super().__init__(reason, **kwargs)


class CsvError(CashlessError):
    """A CSV file has bad rows; ``problems`` lists every one of them (line, column, reason).

    ``heading`` is the line above a listing of the problems in the reader's language
    (``"3 lỗi:"``); ``None`` lets the CLI write its own (English) one.
    """

    code = "csv"
    problems: list[Any]
    heading: str | None

    def __init__(
        self,
        reason: str,
        *,
        problems: Sequence[Any] = (),
        heading: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.problems = list(problems)
        self.heading = heading
        super().__init__(reason, **kwargs)


class DirectoryError(CsvError):
    """The bank directory CSV (bundled or the user's) has bad rows."""

    code = "bank-directory"


class RegistryError(CsvError):
    """A market's stall registry has bad rows."""

    code = "registry"


class UnknownStallError(CashlessError):
    """No stall in the registry has the id asked for."""

    code = "unknown-stall"


class LayoutError(CashlessError):
    """A card or sheet cannot be laid out: a font lacks letters, text or a code does not fit."""

    code = "layout"


class ScenarioError(CashlessError):
    """A simulation scenario has an unknown key or a value out of range."""

    code = "scenario"


class UsageError(CashlessError):
    """An argument is out of range or does not fit the others (a flag, a keyword argument)."""

    code = "usage"


class OutputError(CashlessError):
    """An output path cannot be written: no such folder, wrong suffix, not a regular file."""

    code = "output"


class ClusterError(CashlessError):
    """A distributed scheduler cannot be reached or used."""

    code = "cluster"


def require_extra(extra: str, *modules: str) -> None:
    """Raise one :class:`ImportError` naming ``extra`` when any of ``modules`` is missing.

    Modules of a room that needs third-party libraries call this first, so that a bare
    install says what to install instead of failing deep inside an import.

    >>> require_extra("core", "json")
    >>> require_extra("print", "no_such_module_here")
    Traceback (most recent call last):
    ImportError: this part of cashless needs the 'print' extra (no_such_module_here is missing): pip install 'cashless[print]'
    """
    missing = [name for name in modules if not _importable(name)]
    if missing:
        raise ImportError(
            f"this part of cashless needs the {extra!r} extra ({', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing): pip install 'cashless[{extra}]'",
            name=missing[0],
        )


def _importable(name: str) -> bool:
    try:
        return find_spec(name) is not None
    except (ImportError, ValueError):  # ValueError: a module set to None in sys.modules
        return False
