"""The card code: a small second code on every card that ties a photo to its stall.

A printed card carries, beside the payment QR and away from where a sticker would be
pasted, a Micro QR holding ``<market id>:<stall id>:<tag>``. The tag is an HMAC-SHA256
under the market's secret key over the stall's accepted payloads (sorted, each prefixed
by its length), truncated to 40 bits and written in Crockford base 32 (8 characters).
Without the key nobody can make a card code that vouches for their own account; with the
registry, ``verify`` checks that the payment code in a photo is one the card vouches for,
whatever the photo is called.

The text stays within the QR alphanumeric set (``0-9 A-Z $%*+-./:`` and space) and within
18 characters, so a Micro QR M4 at error level M holds it; bank apps scan only full QR
codes, so they never read it as a payment (qr-print §4).

>>> key = bytes(32)
>>> tag = tag_for(key, ["00020101021138...6304ABCD"])
>>> len(tag), tag == tag_for(key, ["00020101021138...6304ABCD"] * 2)
(8, True)
>>> text = card_code_text("CDB", "A01", tag)
>>> text == f"CDB:A01:{tag}", parse_card_code(text) == CardCode("CDB", "A01", tag)
(True, True)
>>> parse_card_code("https://example.com") is None
True

A :class:`Keyring` holds what checks a card code's tag: the market id, the key and each
stall's accepted payloads (``Market.keyring()`` makes it from the market database). Its
repr never shows the key:

>>> ring = Keyring("CDB", key, {"A01": ("00020101021138...6304ABCD",)})
>>> ring.vouches(CardCode("CDB", "A01", tag)), key.hex() in repr(ring)
(True, False)
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from cashless.errors import UsageError
from cashless.payload.text import nfc

__all__ = [
    "CARD_CODE_LIMIT",
    "TAG_LENGTH",
    "CardCode",
    "Keyring",
    "card_code_text",
    "check_market_id",
    "parse_card_code",
    "tag_for",
]

#: Characters a Micro QR M4 holds at error level M in alphanumeric mode.
CARD_CODE_LIMIT = 18
#: 40 bits in base 32.
TAG_LENGTH = 8
# Crockford base 32 (no I, L, O, U): every character is in the QR alphanumeric set.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_MARKET_ID = re.compile(r"[0-9A-Z]{1,6}")
_STALL_ID = re.compile(r"[0-9A-Z][0-9A-Z.\-]*")
_TEXT = re.compile(r"([0-9A-Z]{1,6}):([0-9A-Z][0-9A-Z.\-]*):([0-9A-Z]{8})")
_DOMAIN = b"cashless card code v1\x00"


class CardCode(NamedTuple):
    """A decoded card code: which market and stall it names, and its keyed tag."""

    market_id: str
    stall_id: str
    tag: str


def tag_for(key: bytes, payloads: Iterable[str]) -> str:
    """The 8-character keyed tag of a stall's accepted payloads (order and repeats ignored).

    >>> tag_for(b"k" * 32, ["B", "A"]) == tag_for(b"k" * 32, ["A", "B", "A"])
    True
    >>> tag_for(b"k" * 32, ["A"]) != tag_for(b"j" * 32, ["A"])
    True
    """
    if len(key) < 16:
        raise UsageError("the market key must be at least 16 bytes", field="key")
    message = bytearray(_DOMAIN)
    for payload in sorted(set(payloads)):
        data = payload.encode("utf-8")
        message += len(data).to_bytes(4, "big") + data
    number = int.from_bytes(hmac.new(key, bytes(message), hashlib.sha256).digest()[:5], "big")
    return "".join(_CROCKFORD[(number >> shift) & 31] for shift in range(35, -1, -5))


@dataclass(frozen=True)
class Keyring:
    """What ties a photo to a stall by its card code: the market id and key, and each
    stall's accepted payloads (several banks' codes). Without one, card codes still tie a
    photo to the stall they name, but their tags are not checked.

    The key is left out of the repr, so printing or logging a keyring never shows it.
    """

    market_id: str
    key: bytes = field(repr=False)
    accepted: Mapping[str, tuple[str, ...]]

    def tag(self, stall_id: str) -> str | None:
        """The tag a current card of ``stall_id`` carries, or None for an unknown stall."""
        payloads = self.accepted.get(stall_id)
        return tag_for(self.key, payloads) if payloads else None

    def vouches(self, card: CardCode) -> bool:
        """The card code is this market's and its tag covers the stall's accepted codes."""
        return card.market_id == self.market_id and self.tag(card.stall_id) == card.tag


def check_market_id(market_id: str) -> str:
    """``market_id`` in its canonical form (upper case), or :class:`UsageError`.

    >>> check_market_id("cdb")
    'CDB'
    """
    canonical = nfc(market_id).strip().upper()
    if not _MARKET_ID.fullmatch(canonical):
        raise UsageError(
            f"{market_id!r}: a market id is 1 to 6 letters A-Z or digits", field="market-id"
        )
    return canonical


def card_code_text(market_id: str, stall_id: str, tag: str) -> str:
    """The text of a card code, ``MARKET:STALL:TAG``, at most 18 characters.

    Raises :class:`UsageError` when an id holds characters outside ``0-9 A-Z . -`` or the
    whole does not fit (market id + stall id at most 8 characters together).

    >>> card_code_text("cdb", "b07", "ABCDEFGH")
    'CDB:B07:ABCDEFGH'
    """
    market = check_market_id(market_id)
    stall = nfc(stall_id).strip().upper()
    if not _STALL_ID.fullmatch(stall):
        raise UsageError(
            f"stall id {stall_id!r} cannot go in a card code: only letters A-Z, digits, "
            "'.' and '-' (accents and spaces do not fit the Micro QR)",
            field="stall_id",
        )
    if len(tag) != TAG_LENGTH or any(c not in _CROCKFORD for c in tag):
        raise UsageError(f"{tag!r} is not a card-code tag", field="tag")
    text = f"{market}:{stall}:{tag}"
    if len(text) > CARD_CODE_LIMIT:
        room = CARD_CODE_LIMIT - TAG_LENGTH - 2
        raise UsageError(
            f"card code {text!r} is {len(text)} characters, the limit is {CARD_CODE_LIMIT}: "
            f"the market id and the stall id together may have {room} characters",
            field="stall_id",
        )
    return text


def parse_card_code(text: str) -> CardCode | None:
    """The card code in a decoded text, or None if the text is not one.

    >>> parse_card_code("CDB:B07:ABCDEFGH")
    CardCode(market_id='CDB', stall_id='B07', tag='ABCDEFGH')
    >>> parse_card_code("CDB:B07:ABCDEFG") is None
    True
    """
    if len(text) > CARD_CODE_LIMIT:
        return None
    match = _TEXT.fullmatch(text.strip())
    if match is None or any(c not in _CROCKFORD for c in match[3]):
        return None
    return CardCode(match[1], match[2], match[3])
