"""Payment codes for stall fees: ``<PREFIX><STALL><YYMM><CHECK>``, and finding them in notes.

A fee's payment code travels in field 62.08 (purpose) of its dynamic VietQR, so the
payer's bank copies it into the transfer note. It is ASCII letters and digits only, at
most 25 characters (the field's limit): the market's prefix (1-6 characters, by default
its market id), the stall id without spaces or punctuation, the period as ``YYMM`` and
one check character, ISO 7064 MOD 37,36 over ``0-9A-Z``, which catches every single
wrong character and nearly every swap of two adjacent ones. A mistyped code therefore names
no stall at all instead of the wrong one.

>>> code = payment_code("CDB", "A01", "2026-12")
>>> code, is_valid_code(code), is_valid_code("CDBA022612" + code[-1])
('CDBA012612U', True, False)
>>> spaced(code)
'CDB A01 2612 U'

:class:`CodeBook` finds issued codes in a transfer note as banks show it: any case,
spaces or dots inside, the bank's own words before and after, and cut short at the end.

>>> book = CodeBook("CDB", [("A01", "2026-12"), ("A02", "2026-12")])
>>> book.find("MBVCB.3278907687.cdb a01 2612 u.CT tu 0011001234567").how
'code'
>>> found = book.find("IBFT CDBA0126")
>>> found.how, found.stall_id, found.period
('truncated', 'A01', '2026-12')
>>> book.find("CDBA022612L").how
'mistyped'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from cashless.errors import LengthError, UsageError
from cashless.payload.spec import max_length
from cashless.payload.text import fold

__all__ = [
    "ALPHABET",
    "CodeBook",
    "Found",
    "How",
    "check_character",
    "code_stall",
    "compact",
    "is_valid_code",
    "parse_period",
    "payment_code",
    "period_code",
    "period_start",
    "spaced",
]

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MODULUS = 36
_PREFIX = re.compile(r"[A-Z0-9]{1,6}")
_PERIOD = re.compile(r"(\d{4})-(\d{2})")
_NOT_CODE = re.compile(r"[^A-Z0-9]+")
# a truncated code must keep at least the prefix, the stall and this many period digits
_MIN_TRUNCATED_TAIL = 0

How = Literal["code", "truncated", "mistyped", "none"]


def _checksum(text: str) -> int:
    check = _MODULUS
    for char in text:
        check = (((check or _MODULUS) * 2) % (_MODULUS + 1) + ALPHABET.index(char)) % _MODULUS
    return check


def check_character(text: str) -> str:
    """The ISO 7064 MOD 37,36 check character of ``text`` (letters A-Z and digits).

    >>> check_character("CDBA012612")
    'U'
    """
    return ALPHABET[(1 - ((_checksum(text) or _MODULUS) * 2) % (_MODULUS + 1)) % _MODULUS]


def is_valid_code(code: str) -> bool:
    """Whether ``code`` (letters A-Z and digits) ends in its right check character."""
    return len(code) >= 2 and _NOT_CODE.search(code) is None and _checksum(code) == 1


def compact(text: str) -> str:
    """``text`` folded to ASCII capitals with everything but letters and digits removed.

    >>> compact("Phí chợ: cdb-a01.2612 l")
    'PHICHOCDBA012612L'
    """
    return _NOT_CODE.sub("", fold(text).upper())


def parse_period(text: str) -> tuple[int, int]:
    """``"2026-12"`` -> ``(2026, 12)``; a :class:`~cashless.errors.UsageError` otherwise."""
    match = _PERIOD.fullmatch(str(text).strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise UsageError(f"must be a month as YYYY-MM (2026-12), not {text!r}", field="period")
    return int(match.group(1)), int(match.group(2))


def period_code(period: str) -> str:
    """The period as it appears in a payment code: ``"2026-12"`` -> ``"2612"``."""
    year, month = parse_period(period)
    return f"{year % 100:02d}{month:02d}"


def period_start(period: str) -> date:
    """The first day of the period."""
    year, month = parse_period(period)
    return date(year, month, 1)


def code_stall(stall_id: str) -> str:
    """A stall id as it appears in a payment code: ASCII capitals and digits only.

    >>> code_stall("Quầy b-07")
    'QUAYB07'
    """
    return compact(stall_id)


def payment_code(prefix: str, stall_id: str, period: str) -> str:
    """The payment code of one stall's fee for one period (see the module's docstring).

    Raises :class:`~cashless.errors.UsageError` for a bad prefix or period and
    :class:`~cashless.errors.LengthError` when the code would be over 25 characters.
    """
    head = compact(prefix)
    if not _PREFIX.fullmatch(head) or head != prefix:
        raise UsageError(f"must be 1-6 letters A-Z or digits, not {prefix!r}", field="prefix")
    stall = code_stall(stall_id)
    if not stall:
        raise UsageError(f"stall id {stall_id!r} has no letters or digits", field="stall_id")
    body = f"{head}{stall}{period_code(period)}"
    code = body + check_character(body)
    limit = max_length("62.08")
    if len(code) > limit:
        raise LengthError(
            f"payment code {code} is {len(code)} characters, the limit is {limit}: "
            "use a shorter prefix",
            field="prefix",
        )
    return code


def spaced(code: str, stall_length: int | None = None) -> str:
    """The code as printed for people: prefix, stall, period and check apart.

    The prefix's length is found from the code's tail (``YYMM`` + check) and the stall
    length when given; without it the prefix is taken as 3 characters.
    """
    tail = code[-5:]
    head = code[:-5]
    cut = len(head) - stall_length if stall_length is not None else min(3, len(head))
    return " ".join(part for part in (head[:cut], head[cut:], tail[:4], tail[4:]) if part)


@dataclass(frozen=True)
class Found:
    """What :meth:`CodeBook.find` found in a note.

    ``how`` is ``code`` (a whole issued code), ``truncated`` (an issued code cut short at
    the end of the note, unambiguous), ``mistyped`` (something shaped like a code that
    fails its check or names nothing issued) or ``none``.
    """

    how: How
    stall_id: str | None = None
    period: str | None = None
    code: str | None = None


_NONE = Found("none")


class CodeBook:
    """The issued codes of a market: ``(stall_id, period)`` pairs under one prefix."""

    def __init__(
        self, prefix: str, issued: Iterable[tuple[str, str]], codes: Iterable[str] | None = None
    ) -> None:
        """``issued`` are ``(stall_id, period)`` pairs; ``codes`` their codes when known."""
        self.prefix = prefix
        # compact stall -> [(tail = YYMM + check, stall_id, period)]
        self._tails: dict[str, list[tuple[str, str, str]]] = {}
        self._codes: dict[str, tuple[str, str]] = {}
        pairs = list(issued)
        known = (
            list(codes) if codes is not None else [payment_code(prefix, *pair) for pair in pairs]
        )
        for (stall_id, period), code in zip(pairs, known, strict=True):
            key = code[len(prefix) : -5]
            self._tails.setdefault(key, []).append((code[-5:], stall_id, period))
            self._codes[code] = (stall_id, period)
        self._lengths = sorted({len(key) for key in self._tails}, reverse=True)
        self._periods = {code[-5:-1] for code in self._codes}

    def __len__(self) -> int:
        return len(self._codes)

    def exact(self, code: str) -> tuple[str, str] | None:
        """``(stall_id, period)`` of an issued code written exactly, or None."""
        return self._codes.get(code)

    def find(self, note: str, *, prefer: str | None = None) -> Found:
        """The issued code in a transfer note; ``prefer`` breaks a truncation's tie by period."""
        text = compact(note)
        prefix = self.prefix
        start = text.find(prefix)
        truncated: list[tuple[str, str]] = []
        mistyped = False
        while start >= 0:
            rest_at = start + len(prefix)
            for length in self._lengths:
                key = text[rest_at : rest_at + length]
                entries = self._tails.get(key) if len(key) == length else None
                if not entries:
                    continue
                rest = text[rest_at + length : rest_at + length + 5]
                for tail, stall_id, period in entries:
                    if rest == tail:
                        return Found("code", stall_id, period, prefix + key + tail)
                at_end = rest_at + length + len(rest) == len(text)
                if at_end and len(rest) < 5:
                    truncated += [(s, p) for t, s, p in entries if t.startswith(rest)]
                elif len(rest) == 5 or not at_end:
                    mistyped = True
            if not truncated and self._looks_like_code(text[rest_at : rest_at + 20]):
                mistyped = True
            start = text.find(prefix, start + 1)
        if truncated:
            choices = list(dict.fromkeys(truncated))
            if len(choices) > 1 and prefer is not None:
                choices = [c for c in choices if c[1] == prefer] or choices
            if len(choices) == 1:
                stall_id, period = choices[0]
                return Found("truncated", stall_id, period, payment_code(prefix, stall_id, period))
        if mistyped:
            return Found("mistyped")
        return _NONE

    def _looks_like_code(self, after_prefix: str) -> bool:
        """A stall-like part then an issued period's digits: a code with a typo in it."""
        for position in range(1, min(15, len(after_prefix) - 4) + 1):
            if after_prefix[position : position + 4] in self._periods:
                return True
        return False
