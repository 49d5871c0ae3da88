"""Stall registry: a market office's table of stalls (Excel or CSV) -> validated :class:`Stall` s.

The file is read as the office keeps it (:mod:`cashless.stalls.workbook`: ``.xlsx``, or
CSV in UTF-8 with ``,`` or ``;``). Columns are found by their header in Vietnamese or
English, ignoring accents, case and spacing (``Số tài khoản``, ``so tai khoan``,
``account``); ``stall_id`` (Số quầy), ``stall_name`` (Tên quầy), ``vendor_name`` (Chủ tài
khoản), ``bank`` (Ngân hàng) and ``account`` (Số tài khoản) are required; ``amount`` (Số
tiền), ``purpose`` (Nội dung) and ``category`` (Ngành hàng) are optional. Other columns
are noted and ignored.

What an office writes is tidied, each change noted: stall ids take one form (``Quầy b07``
-> ``B07``), spaces, dots and dashes leave account numbers, amounts may carry ``đ`` or
``VND`` and thousands separators, banks are found as people write them
(:func:`cashless.banks.lookup_bank`), and a holder name over 25 characters is shortened for
VietQR field 59 (``NGUYEN T H P THAO``) or left out. What cannot be tidied is a problem:
every one is reported at once, naming the line and the column as the file names it, in
one :class:`~cashless.errors.RegistryError`; ``skip_bad=True`` keeps the good rows. An
account Excel turned into a number (``1.23457E+13``, or a numeric cell) is refused with
the way to fix it. Messages come from :mod:`cashless.stalls.messages` (``lang``).

>>> header = "stall_id,stall_name,vendor_name,bank,account\\n"
>>> registry = parse_registry(header + "A01,Rau sạch,Nguyễn Thị Trâm,VCB,0011001234567\\n")
>>> stall = registry["A01"]
>>> stall.bank.short_name, stall.check_code
('Vietcombank', 'PXC-DHC')
>>> stall.payload[-33:]
'5802VN5915NGUYEN THI TRAM6304560F'
>>> text = "Số quầy;Tên quầy;Chủ tài khoản;Ngân hàng;Số tài khoản;Số tiền\\n"
>>> registry = parse_registry(text + "Quầy b07;Cá;Nguyễn Thị Hoàng Phương Thảo;BVBank;1010 2020 3030;50.000đ\\n",
...                           lang="en")
>>> stall = registry["B07"]
>>> stall.stall_id, stall.account, stall.amount, stall.merchant_name, stall.bank.bin
('B07', '101020203030', 50000, 'NGUYEN T H P THAO', '970454')
>>> len(registry.notes)
5
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from os import PathLike

from cashless._io import Problem
from cashless.banks import Bank
from cashless.banks.directory import match_bank
from cashless.errors import CashlessError, RegistryError, UnknownStallError
from cashless.payload.spec import max_length
from cashless.payload.text import fold, nfc
from cashless.payload.vietqr import VietQR
from cashless.stalls.messages import language, say
from cashless.stalls.workbook import Cell, Table, read_table, read_table_file

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "TEMPLATE_COLUMNS",
    "Registry",
    "Stall",
    "canonical_stall_id",
    "check_code",
    "describe",
    "header_columns",
    "load_registry",
    "parse_registry",
    "payload_name",
    "pays_as",
    "registry_error",
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
#: The columns of ``cashless template``, in order.
TEMPLATE_COLUMNS = COLUMNS
# Header spellings (folded, lower case, words separated by one space) -> column.
_HEADERS = {
    "stall_id": ("stall id", "stall", "stall no", "so quay", "ma quay", "quay", "so sap", "kiot"),
    "stall_name": ("stall name", "ten quay", "ten sap", "ten cua hang", "mat hang"),
    "vendor_name": (
        "vendor name",
        "vendor",
        "holder",
        "account holder",
        "account name",
        "holder name",
        "chu tai khoan",
        "ten chu tai khoan",
        "ten tai khoan",
        "chu tk",
        "chu quay",
        "nguoi ban",
        "ho ten",
        "ho va ten",
    ),
    "bank": ("bank", "bank name", "ngan hang", "ten ngan hang", "nh"),
    "account": (
        "account",
        "account number",
        "account no",
        "so tai khoan",
        "so tk",
        "stk",
        "tai khoan",
    ),
    "amount": ("amount", "so tien", "so tien vnd", "so tien d", "gia", "gia tien", "price"),
    "purpose": ("purpose", "noi dung", "noi dung chuyen khoan", "noi dung ck", "message"),
    "category": ("category", "nganh hang", "nhom hang", "loai hang", "loai", "nhom"),
}
_HEADER_KEYS = {spelling: column for column, names in _HEADERS.items() for spelling in names}
_HEADER_KEYS.update({column.replace("_", " "): column for column in COLUMNS})
_ACCOUNT = re.compile(r"[A-Za-z0-9]+")
_ACCOUNT_JOINERS = re.compile(r"[\s.\-]+")
# Excel's scientific notation of a long number: 1.23457E+13, 1,23457E+13 (comma locales).
_SCIENTIFIC = re.compile(r"\d+(?:[.,]\d+)?[eE]\+?\d+")
# Whole dong, optionally grouped by thousands with one separator: 50000, 50.000, 50,000.
_AMOUNT = re.compile(r"\d+|\d{1,3}(?:([., ])\d{3})(?:\1\d{3})*")
_CURRENCY = re.compile(r"\s*(?:vnđ|vnd|đồng|dong|đ|d)\.?$", re.IGNORECASE)
_STALL_PREFIX = re.compile(r"^(?:quầy|quay|sạp|sap|ki[ -]?ốt|kiot|stall|no\.?)\s*", re.IGNORECASE)
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


def payload_name(vendor_name: str) -> str | None:
    """The holder name for VietQR field 59: folded capitals, shortened to fit 25 characters.

    Bank apps show the holder from their own account lookup; field 59 is optional in a
    personal-account VietQR. A name over the limit keeps its surname and given name and
    writes the middle names as initials; when even that is too long it is left out (None).

    >>> payload_name("Nguyễn Thị Trâm")
    'NGUYEN THI TRAM'
    >>> payload_name("Nguyễn Thị Hoàng Phương Thảo")
    'NGUYEN T H P THAO'
    >>> payload_name("Công Tằng Tôn Nữ Thị Hoàng Anh Khuê Phương Nguyệt Minh Thảo") is None
    True
    """
    full = " ".join(fold(vendor_name).upper().split())
    limit = max_length("59")
    if len(full) <= limit:
        return full or None
    words = full.split()
    if len(words) >= 3:
        short = " ".join([words[0], *(word[0] for word in words[1:-1]), words[-1]])
        if len(short) <= limit:
            return short
    return None


def canonical_stall_id(text: str) -> str:
    """One form for a stall id: no ``Quầy``/``Sạp``/``Stall`` prefix, no spaces, capitals.

    >>> canonical_stall_id("Quầy b07"), canonical_stall_id(" a 01 "), canonical_stall_id("12")
    ('B07', 'A01', '12')
    """
    text = nfc(text).strip()
    stripped = _STALL_PREFIX.sub("", text) or text
    return "".join(stripped.split()).upper()


@dataclass(frozen=True)
class Stall:
    """One validated stall; ``payload``, ``check_code`` and the names are derived on creation.

    The payload pays ``account`` at ``bank`` and carries ``amount`` and ``purpose`` when
    set, and :func:`payload_name` of the vendor as field 59 (``merchant_name``; None when
    too long even shortened). ``bank_app_name`` is the full name in capitals, as bank apps
    show the holder. Creating a Stall raises a :class:`~cashless.errors.CashlessError` if
    the payload cannot be built (e.g. a purpose over 25 characters).
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
    merchant_name: str | None = field(init=False, compare=False)
    bank_app_name: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        name = payload_name(self.vendor_name)
        code = VietQR(
            bin=self.bank.bin,
            account=self.account,
            amount=self.amount,
            purpose=self.purpose,
            merchant_name=name,
        )
        payload = code.build()
        object.__setattr__(self, "payload", payload)
        object.__setattr__(self, "check_code", check_code(payload))
        object.__setattr__(self, "merchant_name", name)
        object.__setattr__(self, "bank_app_name", " ".join(fold(self.vendor_name).upper().split()))


@dataclass(frozen=True)
class Registry:
    """The stalls of one file (in file order), the problems found and the changes made.

    ``problems`` are the rows left out (with ``skip_bad``); ``notes`` every change made
    to what the file says (a tidied account, a shortened name, a bank found by alias),
    each a :class:`cashless._io.Problem` with the line and the file's column name.
    """

    source: str
    stalls: tuple[Stall, ...]
    problems: tuple[Problem, ...] = ()
    notes: tuple[Problem, ...] = ()

    def __iter__(self) -> Iterator[Stall]:
        return iter(self.stalls)

    def __len__(self) -> int:
        return len(self.stalls)

    def __getitem__(self, stall_id: str) -> Stall:
        """The stall with this id (any case; ``Quầy b07`` finds ``B07``).

        Raises :class:`~cashless.errors.UnknownStallError` naming the registry's source.
        """
        found = self.get(stall_id)
        if found is None:
            raise UnknownStallError(f"no stall has the id {stall_id!r}", source=self.source)
        return found

    def get(self, stall_id: str) -> Stall | None:
        """The stall with this id (compared in :func:`canonical_stall_id` form), or None."""
        key = canonical_stall_id(stall_id)
        return next((s for s in self.stalls if canonical_stall_id(s.stall_id) == key), None)

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


def _header_key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(nfc(text)).lower()).split())


def header_columns(header: Sequence[str]) -> dict[int, str]:
    """Position -> registry column for the header cells that name one.

    >>> header_columns(["Số quầy", "TÊN QUẦY", "Ghi chú", "so_tai_khoan"])
    {0: 'stall_id', 1: 'stall_name', 3: 'account'}
    """
    found: dict[int, str] = {}
    for position, text in enumerate(header):
        column = _HEADER_KEYS.get(_header_key(text))
        if column is not None:
            found[position] = column
    return found


def registry_error(
    source: str, problems: Sequence[Problem], lang: str | None = None
) -> RegistryError:
    """One :class:`~cashless.errors.RegistryError` listing every problem, in line order.

    >>> print(registry_error("stalls.csv", [Problem(2, "Ngân hàng", "empty")], "en"))
    stalls.csv: 1 problem: line 2, Ngân hàng: empty
    """
    said = _said_in(language(lang))
    ordered = [said(*problem) for problem in sorted(problems, key=lambda problem: problem.line)]
    listing = "; ".join(str(problem) for problem in ordered)
    key = "registry.problem" if len(ordered) == 1 else "registry.problems"
    reason = say(key, lang, count=len(ordered), listing=listing)
    heading_key = "registry.heading.one" if len(ordered) == 1 else "registry.heading.many"
    heading = say(heading_key, lang, count=len(ordered))
    return RegistryError(reason, problems=ordered, source=source, heading=heading)


@functools.cache
def _said_in(lang: str) -> type[Problem]:
    """A :class:`Problem` that prints itself in ``lang`` (``dòng 3, ...``); equal to a Problem."""

    def text(problem: Problem) -> str:
        return describe(problem, lang)

    return type("Problem", (Problem,), {"__slots__": (), "__str__": text})


def describe(problem: Problem, lang: str | None = None) -> str:
    """A problem or note as a person reads it: ``dòng 3, Số tài khoản: ...``.

    >>> describe(Problem(3, "Số tiền", "x"), "vi")
    'dòng 3, Số tiền: x'
    """
    return say("registry.at", lang, line=problem.line, column=problem.column, reason=problem.reason)


class _Row:
    """One row being checked: its cells by column, and what was found wrong or changed."""

    def __init__(self, line: int, cells: dict[str, Cell], names: dict[str, str], lang: str | None):
        self.line, self.cells, self.names, self.lang = line, cells, names, lang
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []

    def text(self, column: str) -> str:
        return self.cells.get(column, Cell("")).text

    def bad(self, column: str, key: str, **fields: object) -> None:
        reason = say(key, self.lang, **fields)
        self.problems.append(Problem(self.line, self.names.get(column, column), reason))

    def note(self, column: str, key: str, **fields: object) -> None:
        reason = say(key, self.lang, **fields)
        self.notes.append(Problem(self.line, self.names.get(column, column), reason))


def _amount(row: _Row) -> int | None:
    cell = row.cells.get("amount", Cell(""))
    text = cell.text
    if not text:
        return None
    digits = text if cell.number else _CURRENCY.sub("", text).strip()
    if not _AMOUNT.fullmatch(digits):
        row.bad("amount", "registry.amount_bad", value=text)
        return None
    digit_text = re.sub(r"\D", "", digits).lstrip("0")
    # check the length before int(): Python refuses to read numbers of over 4,300 digits
    if len(digit_text) > max_length("54"):
        row.bad("amount", "registry.amount_long", value=text[:20], limit=max_length("54"))
        return None
    value = int(digit_text or "0")
    if value <= 0:
        row.bad("amount", "registry.amount_zero", value=text)
        return None
    if len(str(value)) > max_length("54"):
        row.bad("amount", "registry.amount_long", value=text, limit=max_length("54"))
        return None
    if not cell.number and digits != text:
        row.note(
            "amount", "registry.amount_read", value=text, amount=f"{value:,}".replace(",", ".")
        )
    return value


def _account(row: _Row) -> str:
    cell = row.cells.get("account", Cell(""))
    text = cell.text
    if not text:
        row.bad("account", "registry.account_empty")
        return ""
    if cell.number or _SCIENTIFIC.fullmatch(text):
        row.bad("account", "registry.account_excel", value=text)
        return ""
    account = _ACCOUNT_JOINERS.sub("", text)
    limit = max_length("38.01.01")
    if not _ACCOUNT.fullmatch(account):
        bad = "".join(sorted({c for c in account if not (c.isascii() and c.isalnum())}))
        row.bad("account", "registry.account_chars", value=text, chars=bad)
        return ""
    if len(account) > limit:
        row.bad("account", "registry.account_long", value=text, length=len(account), limit=limit)
        return ""
    if account != text:
        row.note("account", "registry.account_cleaned", value=text, account=account)
    return account


def _bank(row: _Row) -> Bank | None:
    text = row.text("bank")
    if not text:
        row.bad("bank", "registry.bank_empty")
        return None
    try:
        match = match_bank(text)
    except CashlessError as exc:
        suggestions = getattr(exc, "suggestions", [])
        hint = say("registry.did_you_mean", row.lang, banks=", ".join(suggestions))
        row.bad("bank", "registry.bank_unknown", value=text, hint=hint if suggestions else "")
        return None
    bank = match.bank
    written = "".join(c for c in fold(text).lower() if c.isalnum())
    if match.how != "bin" and written not in _compact(bank.code, bank.short_name):
        row.note("bank", "registry.bank_found", value=text, bank=bank.short_name, bin=bank.bin)
    return match.bank


def _compact(*names: str) -> set[str]:
    return {"".join(c for c in fold(name).lower() if c.isalnum()) for name in names}


def _check_row(row: _Row) -> Stall | None:
    for column in ("stall_id", "stall_name", "vendor_name"):
        if not row.text(column):
            row.bad(column, "registry.empty")
    for column, cell in row.cells.items():
        if any(unicodedata.category(c) == "Cc" for c in cell.text):
            row.bad(column, "registry.control", value=cell.text)
    typed = row.text("stall_id")
    stall_id = canonical_stall_id(typed) if typed else ""
    if stall_id and stall_id != "".join(typed.split()).upper():
        row.note("stall_id", "registry.stall_id", value=typed, stall_id=stall_id)
    bank = _bank(row)
    account = _account(row)
    amount = _amount(row)
    if row.problems or bank is None:
        return None
    vendor = row.text("vendor_name")
    try:
        stall = Stall(
            stall_id=stall_id,
            stall_name=row.text("stall_name"),
            vendor_name=vendor,
            bank=bank,
            account=account,
            amount=amount,
            purpose=row.text("purpose") or None,
            category=row.text("category"),
            line=row.line,
        )
    except CashlessError as exc:
        column = _PATH_COLUMNS.get(exc.field or "", "payload")
        reason = exc.reason
        if exc.field and reason.startswith(exc.field):
            reason = reason.split(": ", 1)[-1]
        row.bad(column, "registry.payload", reason=reason)
        return None
    if stall.merchant_name is None:
        row.note("vendor_name", "registry.name_left_out", length=len(stall.bank_app_name))
    elif stall.merchant_name != stall.bank_app_name:
        row.note(
            "vendor_name",
            "registry.name_shortened",
            length=len(stall.bank_app_name),
            short=stall.merchant_name,
        )
    return stall


def parse_registry(
    text: str | bytes,
    *,
    source: str = "<registry>",
    skip_bad: bool = False,
    lang: str | None = None,
) -> Registry:
    """Validate registry text or file contents (CSV, or an ``.xlsx`` workbook's bytes).

    Raises :class:`~cashless.errors.RegistryError` (``source=source``) listing every
    problem, unless ``skip_bad`` is true: then the good rows come back with
    ``registry.problems`` set. Problems of the file as a whole (encoding, empty, missing
    or repeated columns) always raise.
    """
    return _validate(read_table(text, source=source, lang=lang), source, skip_bad, lang)


def load_registry(
    path: str | PathLike[str], *, skip_bad: bool = False, lang: str | None = None
) -> Registry:
    """Read and validate a registry file (``.xlsx`` or CSV); see :func:`parse_registry`."""
    return _validate(read_table_file(path, lang=lang), str(path), skip_bad, lang)


def _columns(table: Table, source: str, lang: str | None) -> tuple[dict[int, str], list[Problem]]:
    found = header_columns(table.header)
    problems: list[Problem] = []
    notes: list[Problem] = []
    names: dict[str, int] = {}
    for position, column in found.items():
        if column in names:
            problems.append(
                Problem(table.header_line, table.header[position], say("registry.twice", lang))
            )
        names.setdefault(column, position)
    for column in REQUIRED_COLUMNS:
        if column not in names:
            wanted = say(f"template.column.{column}", lang)
            reason = say("registry.missing_column", lang, column=wanted, key=column)
            problems.append(Problem(table.header_line, wanted, reason))
    for position, text in enumerate(table.header):
        if position in found:
            continue
        has_data = any(row.cells[position].text for row in table.rows)
        if text:
            notes.append(Problem(table.header_line, text, say("registry.unused_column", lang)))
        elif has_data:
            letter = _column_letter(position)
            reason = say("registry.no_header", lang, letter=letter)
            problems.append(Problem(table.header_line, letter, reason))
    if problems:
        raise registry_error(source, problems, lang)
    return {position: column for column, position in names.items()}, notes


def _column_letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _validate(table: Table, source: str, skip_bad: bool, lang: str | None) -> Registry:
    positions, notes = _columns(table, source, lang)
    names = {column: table.header[position] for position, column in positions.items()}
    problems: list[Problem] = []
    checked: list[tuple[_Row, Stall | None]] = []
    for line, cells in table.rows:
        row = _Row(line, {c: cells[p] for p, c in positions.items()}, names, lang)
        checked.append((row, _check_row(row)))
    # A duplicate is judged against the rows that are kept: when the first B02 is itself
    # bad, the second is a stall of its own (with --skip-bad it is printed, with a note).
    kept: dict[str, int] = {}
    bad_ids: dict[str, int] = {}
    stalls: list[Stall] = []
    for row, stall in checked:
        key = canonical_stall_id(row.text("stall_id"))
        if stall is not None and key in kept:
            row.bad("stall_id", "registry.duplicate", stall_id=key, first=kept[key])
            stall = None
        elif stall is not None and key in bad_ids:
            if skip_bad:
                row.note("stall_id", "registry.duplicate_of_bad", stall_id=key, first=bad_ids[key])
            else:
                row.bad("stall_id", "registry.duplicate", stall_id=key, first=bad_ids[key])
                stall = None
        if (
            stall is None
            and key in kept
            and not any(p.column == row.names.get("stall_id") for p in row.problems)
        ):
            reason = say("registry.duplicate", lang, stall_id=key, first=kept[key])
            row.problems.insert(0, Problem(row.line, row.names["stall_id"], reason))
        if stall is not None:
            kept[key] = row.line
            stalls.append(stall)
            notes.extend(row.notes)
        elif key:
            bad_ids.setdefault(key, row.line)
        problems.extend(row.problems)
    problems.sort(key=lambda problem: problem.line)
    notes.sort(key=lambda note: note.line)
    if not stalls and not problems:
        empty = Problem(table.header_line, "-", say("registry.no_stalls", lang))
        raise registry_error(source, [empty], lang)
    if problems and not skip_bad:
        raise registry_error(source, problems, lang)
    return Registry(source, tuple(stalls), tuple(problems), tuple(notes))


def pays_as(code: VietQR, registered: VietQR) -> bool:
    """Whether ``code`` moves money exactly as the stall's ``registered`` code does: the same
    bank, account and service, and the registered fixed amount if there is one. What
    ``verify`` calls ``ok`` and what ``market accept`` takes as already accepted; the other
    fields (merchant name, city, purpose) are the printer's business.

    >>> card = VietQR(bin="970436", account="0011001234567", merchant_name="NGUYEN THI TU")
    >>> bank_print = VietQR(bin="970436", account="0011001234567")
    >>> pays_as(bank_print, card), pays_as(VietQR(bin="970436", account="1"), card)
    (True, False)
    """
    return (
        code.bin == registered.bin
        and code.account == registered.account
        and code.service == registered.service
        and (registered.amount is None or code.amount == registered.amount)
    )
