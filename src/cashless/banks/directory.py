"""The directory of Vietnamese banks and their NAPAS BINs (package data ``banks.csv``).

A VietQR payload names the beneficiary's bank by its 6-digit BIN (field 38.01.00). People
name it by code ("VCB"), brand ("Vietcombank"), BIN, a new or old name ("BVBank", "MBV",
"Vikki": :mod:`cashless.banks.aliases`), part of its register name ("Ngân hàng Á Châu",
"Quân đội") or the start of a brand ("Vietcom", "Techcom", "Agri"); :func:`lookup_bank`
accepts all of them, ignoring case, accents, spaces, punctuation and the words "Ngân hàng",
"TMCP", "TNHH", "MTV" and a trailing "Bank".

>>> lookup_bank("vietinbank").bin
'970415'
>>> lookup_bank(970436).short_name
'Vietcombank'
>>> lookup_bank("ibk-hn").code
'IBK - HN'
>>> [bank.short_name for bank in search_banks("ngoai thuong")]
['Vietcombank']
>>> [lookup_bank(name).bin for name in ("BVBank", "MBV", "Vikki", "Ngân hàng Á Châu", "Sacom")]
['970454', '970414', '970406', '970416', '970403']

The bundled list, its sources and caveats: banks README (``README.md`` in this folder).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from os import PathLike

from cashless._io import CsvTable, Problem, csv_error, read_csv, read_csv_file
from cashless.banks.aliases import ALIASES
from cashless.errors import DirectoryError, UnknownBankError
from cashless.payload.text import fold

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "Bank",
    "BankDirectory",
    "BankMatch",
    "bank_label",
    "load_directory",
    "lookup_bank",
    "match_bank",
    "search_banks",
]

COLUMNS = ("bin", "code", "short_name", "name", "swift")
REQUIRED_COLUMNS = ("bin", "short_name")


@dataclass(frozen=True)
class Bank:
    """One institution: BIN (NAPAS BNB ID), code, short name, official name, SWIFT/BIC.

    Unknown values are empty strings.

    >>> Bank("970436", "VCB", "Vietcombank", "", "BFTVVNVX")
    Bank(bin='970436', code='VCB', short_name='Vietcombank', name='', swift='BFTVVNVX')
    """

    bin: str
    code: str
    short_name: str
    name: str
    swift: str


def _key(text: str) -> str:
    """Matching key: folded to ASCII, lower case, letters and digits only."""
    return "".join(char for char in fold(text).lower() if char.isalnum())


# Words that say "a bank" and not which one; dropped before names are compared.
_FILLER_PHRASES = (
    ("ngan", "hang"),
    ("thuong", "mai"),
    ("co", "phan"),
    ("mot", "thanh", "vien"),
    ("trach", "nhiem", "huu", "han"),
)
_FILLER_WORDS = frozenset({"tmcp", "tnhh", "mtv", "nh", "nhtm", "jsc", "tm", "cp"})
_MIN_PREFIX = 4


def _tokens(text: str) -> list[str]:
    """Folded lower-case words without the filler ("Ngân hàng TMCP", a trailing "Bank")."""
    words = re.findall(r"[a-z0-9]+", fold(text).lower())
    kept: list[str] = []
    index = 0
    while index < len(words):
        for phrase in _FILLER_PHRASES:
            if tuple(words[index : index + len(phrase)]) == phrase:
                index += len(phrase)
                break
        else:
            if words[index] not in _FILLER_WORDS:
                kept.append(words[index])
            index += 1
    if len(kept) > 1 and kept[-1] == "bank":
        kept.pop()
    return kept


def _name_keys(text: str) -> list[str]:
    """Keys of a name: its words joined, and again without a trailing "Việt Nam"."""
    words = _tokens(text)
    keys = ["".join(words)]
    if len(words) > 2 and words[-2:] == ["viet", "nam"]:
        keys.append("".join(words[:-2]))
    return [key for key in keys if key]


@dataclass(frozen=True)
class BankMatch:
    """A bank found for a text, and how: ``bin``, ``code``, ``short_name``, ``alias``,
    ``name`` (words of the register name) or ``prefix`` (the start of one bank's names)."""

    bank: Bank
    how: str


def _bin_text(query: str | int) -> str | None:
    """The 6-digit BIN ``query`` spells, or None."""
    if isinstance(query, int) and not isinstance(query, bool):
        query = str(query) if query >= 0 else ""
    if isinstance(query, str):
        text = query.strip()
        if len(text) == 6 and text.isascii() and text.isdigit():
            return text
    return None


class BankDirectory:
    """An immutable, indexed collection of :class:`Bank` rows.

    Lookups try, in order: the BIN, the code, the short name, the full name. Keys are compared
    after :func:`cashless.payload.text.fold`, lower-casing and dropping everything but letters and
    digits, so ``"ibk-hn"`` finds code ``"IBK - HN"``. When one key belongs to two banks (the
    bundled list has short name ``MAFC`` on 970468 and 977777), the earlier row wins; since
    codes are tried before short names, ``"MAFC"`` finds 977777, the row carrying that code.
    Bad rows raise one :class:`~cashless.errors.DirectoryError`; the ``line`` of each of its
    problems is then the 1-based index of the row given.

    >>> directory = BankDirectory([Bank("970436", "VCB", "Vietcombank", "", "")])
    >>> len(directory), directory.lookup("vcb").bin, "970436" in directory
    (1, '970436', True)
    """

    __slots__ = (
        "_banks",
        "_by_bin",
        "_by_code",
        "_by_name",
        "_by_short",
        "_haystacks",
        "_keys",
        "_words",
    )

    def __init__(self, banks: Iterable[Bank]) -> None:
        rows = tuple(banks)
        problems: list[Problem] = []
        by_bin: dict[str, Bank] = {}
        for index, bank in enumerate(rows, start=1):
            if _bin_text(bank.bin) != bank.bin:
                problems.append(Problem(index, "bin", f"BIN {bank.bin!r} is not 6 digits"))
            elif bank.bin in by_bin:
                problems.append(Problem(index, "bin", f"duplicate BIN {bank.bin}"))
            if not bank.short_name.strip():
                problems.append(Problem(index, "short_name", "missing short_name"))
            by_bin.setdefault(bank.bin, bank)
        if problems:
            listing = "; ".join(f"row {p.line}, {p.column}: {p.reason}" for p in problems)
            raise DirectoryError(f"bad bank rows: {listing}", problems=problems)
        self._banks = rows
        self._by_bin = by_bin
        self._by_code = _index(rows, "code")
        self._by_short = _index(rows, "short_name")
        self._by_name = _index(rows, "name")
        self._haystacks = tuple(
            (bank, _key(bank.short_name), _key(bank.code), _key(bank.name)) for bank in rows
        )
        self._words = {bank.bin: set(_tokens(bank.name)) for bank in rows}
        # word keys, tried in this order after the exact code and short name
        keys: list[tuple[str, str, Bank]] = []
        shorts = {_key(bank.short_name): bank.bin for bank in rows}
        for bank in rows:
            short = _key(bank.short_name)
            bare = short.removesuffix("bank")
            # "VietBank" without "Bank" would claim "Viet", the start of other banks' names
            clash = any(o.startswith(bare) and b != bank.bin for o, b in shorts.items())
            if short.endswith("bank") and bare and not clash:
                keys.append(("short_name", bare, bank))
        for alias, bin_text, _since, _source in ALIASES:
            if bin_text in by_bin:
                keys.extend(("alias", key, by_bin[bin_text]) for key in _name_keys(alias))
        for bank in rows:
            keys.extend(("name", key, bank) for key in _name_keys(bank.name))
        self._keys = tuple(keys)

    def __iter__(self) -> Iterator[Bank]:
        return iter(self._banks)

    def __len__(self) -> int:
        return len(self._banks)

    def __contains__(self, item: object) -> bool:
        """``bank in directory`` for a :class:`Bank`; for a str or int, whether it looks up."""
        if isinstance(item, Bank):
            return self._by_bin.get(item.bin) == item
        if isinstance(item, (str, int)):
            return self._find(item) is not None
        return False

    def __repr__(self) -> str:
        return f"<BankDirectory of {len(self)} banks>"

    def by_bin(self, bin: str | int) -> Bank:
        """The bank with exactly this BIN; raises :class:`UnknownBankError`."""
        text = _bin_text(bin)
        if text is not None and text in self._by_bin:
            return self._by_bin[text]
        raise self._unknown(bin, "BIN")

    def lookup(self, query: str | int) -> Bank:
        """The bank named by ``query``: a BIN, a code, a short name or the full name.

        Raises :class:`UnknownBankError` naming the query and up to 3 close matches.
        """
        found = self._find(query)
        if found is None:
            raise self._unknown(query, "BIN, code or name")
        return found

    def search(self, text: str) -> list[Bank]:
        """Banks whose name, short name, code or BIN contain ``text`` (accent-insensitive).

        Ranked: the bank :meth:`lookup` would return, then exact short names or codes, then
        short names or codes that start with the text, then other matches in short names or
        codes, then matches in the full name; ties keep directory order. Spaces and
        punctuation are ignored, so a text without letters or digits matches every bank.
        """
        compact = _key(text)
        query_words = _tokens(text)
        digits = text.strip() if text.strip().isdigit() else ""
        first = self._find(text)
        ranked = []
        for position, (bank, short, code, _name) in enumerate(self._haystacks):
            if bank is first:
                rank = 0
            elif compact and compact in (short, code):
                rank = 1
            elif (compact and (short.startswith(compact) or code.startswith(compact))) or (
                digits and bank.bin.startswith(digits)
            ):
                rank = 2
            elif compact in short or compact in code:
                rank = 3
            elif query_words and all(
                any(word.startswith(part) for word in self._words[bank.bin]) for part in query_words
            ):
                rank = 4
            else:
                continue
            ranked.append((rank, position, bank))
        ranked.sort(key=lambda item: item[:2])
        return [bank for _, _, bank in ranked]

    def match(self, query: str | int) -> BankMatch:
        """The bank ``query`` names and how it was found (see :class:`BankMatch`).

        Raises :class:`UnknownBankError` naming the query and up to 3 close matches.
        """
        found = self._match(query)
        if found is None:
            raise self._unknown(query, "BIN, code or name")
        return found

    def _find(self, query: str | int) -> Bank | None:
        found = self._match(query)
        return found.bank if found else None

    def _match(self, query: str | int) -> BankMatch | None:
        bin_text = _bin_text(query)
        if bin_text is not None and bin_text in self._by_bin:
            return BankMatch(self._by_bin[bin_text], "bin")
        if not isinstance(query, str):
            return None
        key = _key(query)
        if not key:
            return None
        for how, index in (("code", self._by_code), ("short_name", self._by_short)):
            if key in index:
                return BankMatch(index[key], how)
        if key in self._by_name:
            return BankMatch(self._by_name[key], "name")
        for words in _name_keys(query):
            for how, candidate, bank in self._keys:
                if candidate == words:
                    return BankMatch(bank, how)
        if len(key) >= _MIN_PREFIX:
            starting = {
                bank.bin: bank
                for bank, short, code, _name in self._haystacks
                if short.startswith(key) or code.startswith(key)
            }
            starting.update(
                (bank.bin, bank)
                for _how, candidate, bank in self._keys
                if candidate.startswith(key)
            )
            if len(starting) == 1:
                return BankMatch(next(iter(starting.values())), "prefix")
        return None

    def _unknown(self, query: object, what: str) -> UnknownBankError:
        suggestions = self._suggest(query)
        reason = f"unknown bank {query!r}: no {what} in the bank directory matches"
        if suggestions:
            reason += "; did you mean " + ", ".join(suggestions) + "?"
        return UnknownBankError(reason, query=query, suggestions=suggestions)

    def _suggest(self, query: object) -> list[str]:
        """Up to 3 labels like ``"Vietcombank (VCB, 970436)"`` close to ``query``."""
        key = _key(str(query))
        candidates: dict[str, Bank] = {}
        for bank in self._banks:
            for value in (bank.short_name, bank.code, bank.bin):
                candidates.setdefault(_key(value), bank)
        candidates.pop("", None)
        labels: list[str] = []
        for match in difflib.get_close_matches(key, list(candidates), n=6, cutoff=0.6):
            bank = candidates[match]
            ids = f"{bank.code}, {bank.bin}" if bank.code else bank.bin
            label = f"{bank.short_name} ({ids})"
            if label not in labels:
                labels.append(label)
        return labels[:3]


def _index(rows: tuple[Bank, ...], field: str) -> dict[str, Bank]:
    """Map each row's key for ``field`` to its bank; the first row wins a shared key."""
    index: dict[str, Bank] = {}
    for bank in rows:
        key = _key(getattr(bank, field))
        if key:
            index.setdefault(key, bank)
    return index


def _banks(table: CsvTable, source: str) -> list[Bank]:
    """The rows of a bank CSV; raises one :class:`DirectoryError` listing every problem."""
    problems = list(table.problems)
    banks: list[Bank] = []
    first_line: dict[str, int] = {}
    for line, values in table.rows:
        bin_text = values["bin"]
        if _bin_text(bin_text) != bin_text:
            problems.append(Problem(line, "bin", f"BIN {bin_text!r} is not 6 digits"))
        elif bin_text in first_line:
            reason = f"duplicate BIN {bin_text} (first on line {first_line[bin_text]})"
            problems.append(Problem(line, "bin", reason))
        else:
            first_line[bin_text] = line
        if not values["short_name"]:
            problems.append(Problem(line, "short_name", "missing short_name"))
        banks.append(Bank(**values))
    if problems:
        raise csv_error(DirectoryError, source, problems)
    return banks


@functools.lru_cache(maxsize=1)
def _bundled() -> BankDirectory:
    data = resources.files("cashless.banks").joinpath("banks.csv").read_bytes()
    source = "cashless/banks/banks.csv"
    table = read_csv(
        data, source=source, error=DirectoryError, columns=COLUMNS, required=REQUIRED_COLUMNS
    )
    return BankDirectory(_banks(table, source))


def load_directory(
    path: str | PathLike[str] | None = None, *, extend: bool = True
) -> BankDirectory:
    """Load a bank directory: the bundled list, or a CSV with the same header.

    A user CSV needs the columns ``bin`` and ``short_name``; ``code``, ``name`` and ``swift`` are
    optional (empty when absent), other columns are ignored; the file is UTF-8 (a BOM is
    accepted), ``,`` or ``;`` separated. With ``extend=True`` its rows are laid over the
    bundled list: a user row replaces the bundled row with the same BIN, and user rows come
    first, so they win any shared code or name. With ``extend=False`` the file is the whole
    directory. Every bad row (BIN not 6 digits, duplicate BIN, missing short_name, a wrong
    number of fields) is reported in one :class:`~cashless.errors.DirectoryError` whose
    ``source`` is ``path`` and whose ``problems`` are :class:`cashless._io.Problem`
    (line, column, reason); so is a file that cannot be read or is not UTF-8.

    >>> len(load_directory()) >= 70
    True
    """
    if path is None:
        return _bundled()
    table = read_csv_file(path, error=DirectoryError, columns=COLUMNS, required=REQUIRED_COLUMNS)
    rows = _banks(table, str(path))
    if not extend:
        return BankDirectory(rows)
    given = {bank.bin for bank in rows}
    return BankDirectory([*rows, *(bank for bank in _bundled() if bank.bin not in given)])


def lookup_bank(query: str | int) -> Bank:
    """Find a bank in the bundled directory by BIN, code or name (see :class:`BankDirectory`).

    >>> lookup_bank("MB").short_name, lookup_bank("Ngân hàng Đầu tư và Phát triển Việt Nam").code
    ('MBBank', 'BIDV')
    """
    return _bundled().lookup(query)


def bank_label(bin: str) -> str:
    """The short name of the bank with this BIN, or the BIN itself when no bank has it
    (a code can pay a bank newer than the bundled list): for people reading a verdict.

    >>> bank_label("970436"), bank_label("999999")
    ('Vietcombank', '999999')
    """
    try:
        return _bundled().by_bin(bin).short_name
    except UnknownBankError:
        return bin


def match_bank(query: str | int) -> BankMatch:
    """Find a bank in the bundled directory, and how it was found (see :meth:`BankDirectory.match`).

    >>> found = match_bank("Vikki")
    >>> found.bank.short_name, found.how
    ('DongABank', 'alias')
    """
    return _bundled().match(query)


def search_banks(text: str) -> list[Bank]:
    """Search the bundled directory (see :meth:`BankDirectory.search`).

    >>> [bank.code for bank in search_banks("shb")][:2]
    ['SHB', 'SHBVN']
    """
    return _bundled().search(text)
