"""Stall registry: a CSV of a market's stalls -> validated :class:`Stall` records.

Columns (header names, any order; ``,`` or ``;`` separated; UTF-8 with or without BOM):

``stall_id``, ``stall_name``, ``vendor_name``, ``bank``, ``account`` are required;
``amount`` (whole VND), ``purpose`` and ``category`` are optional columns and may be
left empty. ``bank`` is a BIN, a bank code or a short name from the bank directory.

Every row is checked and every problem is reported together, each a
:class:`cashless._io.Problem` (line, column, reason), in one
:class:`~cashless.errors.RegistryError`; ``skip_bad=True`` keeps the good
rows and returns the problems instead. Each stall carries its VietQR ``payload`` and a
short ``check_code`` printed beside the QR code, so a sticker pasted over the code shows
a code that no longer matches.

>>> header = "stall_id,stall_name,vendor_name,bank,account\\n"
>>> registry = parse_registry(header + "A01,Rau sạch,Nguyễn Thị Trâm,VCB,0011001234567\\n")
>>> stall = registry["A01"]
>>> stall.bank.short_name, stall.check_code
('Vietcombank', 'PXC-DHC')
>>> stall.payload[-33:]
'5802VN5915NGUYEN THI TRAM6304560F'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from os import PathLike

from cashless._io import CsvTable, Problem, csv_error, read_csv, read_csv_file
from cashless.banks import Bank, lookup_bank
from cashless.errors import CashlessError, RegistryError, UnknownStallError
from cashless.payload.spec import max_length
from cashless.payload.text import fold, nfc
from cashless.payload.vietqr import VietQR

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "Registry",
    "Stall",
    "check_code",
    "load_registry",
    "parse_registry",
]

COLUMNS = (
    "stall_id",
    "stall_name",
    "vendor_name",
    "bank",
    "account",
    "amount",
    "purpose",
    "category",
)
REQUIRED_COLUMNS = COLUMNS[:5]
_ACCOUNT = re.compile(r"[A-Za-z0-9]+")
# Whole dong, optionally grouped by thousands with one separator: 50000, 50.000, 50,000.
_AMOUNT = re.compile(r"\d+|\d{1,3}(?:([., \u00a0])\d{3})(?:\1\d{3})*")
# Crockford base 32: no I, L, O, U, so the code reads aloud without ambiguity.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Payload field path -> registry column, to place codec errors on the right column.
_PATH_COLUMNS = {"38.01.01": "account", "54": "amount", "59": "vendor_name", "62.08": "purpose"}


def check_code(payload: str) -> str:
    """A 6-character code derived from the payload (SHA-256, Crockford base 32), as ``ABC-DEF``.

    It detects accidental and casual swaps (one in a billion for an unrelated payload);
    it is not a cryptographic signature.

    >>> check_code("HELLO")
    '6WS-WV5'
    """
    number = int.from_bytes(hashlib.sha256(payload.encode("utf-8")).digest()[:4], "big") >> 2
    chars = "".join(_CROCKFORD[(number >> shift) & 31] for shift in (25, 20, 15, 10, 5, 0))
    return f"{chars[:3]}-{chars[3:]}"


@dataclass(frozen=True)
class Stall:
    """One validated stall; ``payload`` and ``check_code`` are derived on creation.

    The payload pays ``account`` at ``bank``, names the vendor (folded to upper-case ASCII,
    as bank systems write account holders) and carries ``amount`` and ``purpose`` when set.
    Creating a Stall raises a :class:`~cashless.errors.CashlessError` if the payload
    cannot be built (e.g. a purpose over 25 characters).
    """

    stall_id: str
    stall_name: str
    vendor_name: str
    bank: Bank
    account: str
    amount: int | None = None
    purpose: str | None = None
    category: str = ""
    line: int = 0
    payload: str = field(init=False, compare=False)
    check_code: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        code = VietQR(
            bin=self.bank.bin,
            account=self.account,
            amount=self.amount,
            purpose=self.purpose,
            merchant_name=fold(self.vendor_name).upper() or None,
        )
        payload = code.build()
        object.__setattr__(self, "payload", payload)
        object.__setattr__(self, "check_code", check_code(payload))


@dataclass(frozen=True)
class Registry:
    """The stalls of one file (in file order) and the problems found in it."""

    source: str
    stalls: tuple[Stall, ...]
    problems: tuple[Problem, ...] = ()

    def __iter__(self) -> Iterator[Stall]:
        return iter(self.stalls)

    def __len__(self) -> int:
        return len(self.stalls)

    def __getitem__(self, stall_id: str) -> Stall:
        """The stall with this id (case-insensitive).

        Raises :class:`~cashless.errors.UnknownStallError` naming the registry's source.
        """
        found = self.get(stall_id)
        if found is None:
            raise UnknownStallError(f"no stall has the id {stall_id!r}", source=self.source)
        return found

    def get(self, stall_id: str) -> Stall | None:
        """The stall with this id (case-insensitive), or None."""
        key = nfc(stall_id).strip().casefold()
        return next((s for s in self.stalls if s.stall_id.casefold() == key), None)

    def by_check_code(self, code: str) -> Stall | None:
        """The stall whose printed check code is ``code`` (dash and case optional), or None."""
        key = code.replace("-", "").strip().upper()
        return next((s for s in self.stalls if s.check_code.replace("-", "") == key), None)

    def by_payload(self, payload: str) -> Stall | None:
        """The stall whose payload is exactly ``payload``, or None."""
        return next((s for s in self.stalls if s.payload == payload), None)

    def by_account(self, bin: str, account: str) -> list[Stall]:
        """Stalls paid into this bank account (BIN and account number)."""
        return [s for s in self.stalls if s.bank.bin == bin and s.account == account]


def _amount(text: str) -> tuple[int | None, str | None]:
    if not text:
        return None, None
    if not _AMOUNT.fullmatch(text):
        return None, f"{text!r} is not a whole number of dong (e.g. 50000 or 50.000)"
    value = int(re.sub(r"\D", "", text))
    if value <= 0:
        return None, f"{text!r}: the amount must be more than 0"
    if len(str(value)) > max_length("54"):
        return None, f"{text!r}: more than {max_length('54')} digits, the limit of VietQR field 54"
    return value, None


def _account(text: str) -> str | None:
    if not text:
        return "empty; give the bank account number"
    limit = max_length("38.01.01")
    if len(text) > limit:
        return f"{text!r} is {len(text)} characters, the limit is {limit}"
    if not _ACCOUNT.fullmatch(text):
        bad = "".join(sorted({c for c in text if not (c.isascii() and c.isalnum())}))
        return f"{text!r} holds {bad!r}; only letters A-Z and digits are allowed"
    return None


def _check_row(
    cells: dict[str, str], line: int, seen: dict[str, int]
) -> tuple[Stall | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(column: str, reason: str) -> None:
        problems.append(Problem(line, column, reason))

    for column in ("stall_id", "stall_name", "vendor_name"):
        if not cells[column]:
            bad(column, "empty")
    for column, value in cells.items():
        if any(unicodedata.category(c) == "Cc" for c in value):
            bad(column, f"{value!r} holds a control character")
    stall_id = cells["stall_id"]
    key = stall_id.casefold()
    if stall_id and key in seen:
        bad("stall_id", f"duplicate stall id {stall_id!r} (first on line {seen[key]})")
    elif stall_id:
        seen[key] = line
    bank = None
    if not cells["bank"]:
        bad("bank", "empty; give a BIN, bank code or short name")
    else:
        try:
            bank = lookup_bank(cells["bank"])
        except CashlessError as exc:
            bad("bank", exc.reason)
    account_problem = _account(cells["account"])
    if account_problem:
        bad("account", account_problem)
    amount, amount_problem = _amount(cells["amount"])
    if amount_problem:
        bad("amount", amount_problem)
    if problems or bank is None:
        return None, problems
    try:
        stall = Stall(
            stall_id=stall_id,
            stall_name=cells["stall_name"],
            vendor_name=cells["vendor_name"],
            bank=bank,
            account=cells["account"],
            amount=amount,
            purpose=cells["purpose"] or None,
            category=cells["category"],
            line=line,
        )
    except CashlessError as exc:
        bad(_PATH_COLUMNS.get(exc.field or "", "payload"), str(exc))
        return None, problems
    return stall, problems


def parse_registry(
    text: str | bytes, *, source: str = "<registry>", skip_bad: bool = False
) -> Registry:
    """Validate registry CSV text (``bytes`` are decoded as UTF-8, BOM allowed).

    Raises :class:`~cashless.errors.RegistryError` (``source=source``) listing every
    problem, unless ``skip_bad`` is true: then the good rows come back with
    ``registry.problems`` set. Problems of the file as a whole (encoding, empty, missing
    or unknown columns) always raise.
    """
    table = read_csv(
        text,
        source=source,
        error=RegistryError,
        columns=COLUMNS,
        required=REQUIRED_COLUMNS,
        other_columns="refuse",
    )
    return _validate(table, source, skip_bad)


def load_registry(path: str | PathLike[str], *, skip_bad: bool = False) -> Registry:
    """Read and validate a registry CSV file; see :func:`parse_registry`."""
    table = read_csv_file(
        path,
        error=RegistryError,
        columns=COLUMNS,
        required=REQUIRED_COLUMNS,
        other_columns="refuse",
    )
    return _validate(table, str(path), skip_bad)


def _validate(table: CsvTable, source: str, skip_bad: bool) -> Registry:
    problems = list(table.problems)
    stalls: list[Stall] = []
    seen: dict[str, int] = {}
    for line, cells in table.rows:
        stall, row_problems = _check_row(cells, line, seen)
        problems.extend(row_problems)
        if stall is not None:
            stalls.append(stall)
    problems.sort(key=lambda problem: problem.line)
    if not stalls and not problems:
        empty = Problem(table.header_line, "-", "no stalls: the file has only a header")
        raise csv_error(RegistryError, source, [empty])
    if problems and not skip_bad:
        raise csv_error(RegistryError, source, problems)
    return Registry(source, tuple(stalls), tuple(problems))
