"""Fast path for the common VietQR layout: one straight walk instead of a tree.

Nearly every VietQR in the field (bank apps, vietnam-qr-pay, this library) lays its
objects out in one order: 00, 01, 38 (GUID, beneficiary, any service code), optional 52, 53,
optional 54, 58, optional 59/60, optional 62 (sub-IDs 01-08), 63. For such a payload
the fields sit at places the declared lengths give, so one pass of slices and checks
reads and validates them all.

It emits the two remarks lint makes on such a payload (a lowercase CRC, a static code
with an amount). Anything else (another order, template 64, extra IDs, anything else the
``napas`` profile would flag, even as a warning) returns ``None`` and the caller takes
the flat reader or the tree path, which also produce the precise error. The one
verdict it gives itself is decode's :class:`~cashless.errors.ChecksumError` for a payload
laid out this way with a wrong CRC (its structure is then known sound), so that a bad CRC
fails as fast as in a plain split-and-CRC parser. ``tests/test_canonical.py`` checks that
both paths agree, on generated codes and on mutated payloads.
"""

from __future__ import annotations

from binascii import crc_hqx
from typing import Final

from cashless.errors import ChecksumError
from cashless.payload._flat import _error, finding
from cashless.payload.emv import tlv
from cashless.payload.lint import Finding
from cashless.payload.spec import (
    ADDITIONAL_TEXT,
    CARD_DIGITS,
    CARD_SERVICE,
    COUNTRY_VN,
    CURRENCY_VND,
    NAPAS_GUID,
    ROOT,
    SERVICE_CODES,
    max_length,
)

__all__ = ["canonical_fields"]

_SIZE: Final = {
    tag: int(tag) for tag in ROOT
}  # "00" to "99": rejects anything but two ASCII digits
_HEX: Final = frozenset("0123456789ABCDEFabcdef")
_ANS: Final = frozenset(chr(c) for c in range(0x20, 0x7F))
_BYTE_HEX: Final = tuple(f"{byte:02X}" for byte in range(256))  # the CRC as text, a byte a lookup
# fixed runs of the canonical layout, written by the one serialiser
_GUID_THEN_BENEFICIARY: Final = tlv("00", NAPAS_GUID) + "01"  # 38.00, then the ID of 38.01
_CURRENCY: Final = tlv("53", CURRENCY_VND)
_COUNTRY: Final = tlv("58", COUNTRY_VN)
_CURRENCY_SIZE: Final = len(_CURRENCY)
_COUNTRY_SIZE: Final = len(_COUNTRY)
_ACCOUNT_MAX: Final = max_length("38.01.01")
_AMOUNT_MAX: Final = max_length("54")
_NAME_MAX: Final = max_length("59")
_CITY_MAX: Final = max_length("60")
_CARD_MIN: Final = CARD_DIGITS[0]
# 62 sub-IDs 01-08 (ans): (attribute, limit); 09-11 have other rules and take the general path
_ADDITIONAL: Final = {entry.path[3:]: (entry.name, entry.max_length) for entry in ADDITIONAL_TEXT}


def _text(payload: str, at: int, tag: str, limit: int) -> tuple[str | None, int] | None:
    """Read an optional ``ans`` object ``tag`` at ``at``: (value or None, next index)."""
    if payload[at : at + 2] != tag:
        return None, at
    size = _SIZE.get(payload[at + 2 : at + 4], 0)
    value = payload[at + 4 : at + 4 + size]
    if not 0 < size <= limit or len(value) != size or not _ANS.issuperset(value):
        return None
    return value, at + 4 + size


def canonical_fields(payload: str) -> dict[str, object] | None:
    """The VietQR fields of a canonical, clean payload, or ``None`` to use the general path.

    A payload laid out canonically in every object but with a wrong CRC raises the
    :class:`~cashless.errors.ChecksumError` decode raises for it.
    """
    p = payload
    poi = p[10:12]
    if (
        not p.isascii()  # one check for every field: a slice of ASCII text is ASCII
        or p[:10] != "0002010102"
        or (poi != "11" and poi != "12")
        or p[12:14] != "38"
        or p[16:32] != _GUID_THEN_BENEFICIARY
        or p[34:38] != "0006"
        or p[44:46] != "01"
    ):
        return None
    bin_ = p[38:44]
    size = _SIZE.get(p[46:48], 0)
    account = p[48 : 48 + size]
    if (
        not bin_.isdigit()
        or not 0 < size <= _ACCOUNT_MAX
        or len(account) != size
        or not account.isalnum()
        or _SIZE.get(p[32:34]) != size + 14
    ):
        return None
    i = 48 + size
    service_size = _SIZE.get(p[i + 2 : i + 4], 0)
    service = p[i + 4 : i + 4 + service_size]
    if (
        p[i : i + 2] != "02"
        or service not in SERVICE_CODES
        or _SIZE.get(p[14:16]) != size + 36 + service_size  # 38 ends with its 02
    ):
        return None
    if service == CARD_SERVICE and not (size >= _CARD_MIN and account.isdigit()):
        return None  # lint warns about such a card number
    i += 4 + service_size
    mcc = None
    if p[i : i + 4] == "5204":
        mcc = p[i + 4 : i + 8]
        if len(mcc) != 4 or not mcc.isdigit():
            return None
        i += 8
    if p[i : i + _CURRENCY_SIZE] != _CURRENCY:
        return None
    i += _CURRENCY_SIZE
    amount = None
    at_amount = 0
    if p[i : i + 2] == "54":
        size = _SIZE.get(p[i + 2 : i + 4], 0)
        text = p[i + 4 : i + 4 + size]
        if not 0 < size <= _AMOUNT_MAX or len(text) != size or text[0] == "0" or not text.isdigit():
            return None
        amount = int(text)
        at_amount = i
        i += 4 + size
    if p[i : i + _COUNTRY_SIZE] != _COUNTRY:
        return None
    i += _COUNTRY_SIZE
    name = _text(p, i, "59", _NAME_MAX)
    if name is None:
        return None
    city = _text(p, name[1], "60", _CITY_MAX)
    if city is None:
        return None
    i = city[1]
    fields: dict[str, object] = {
        "bin": bin_,
        "account": account,
        "service": service,
        "amount": amount,
        "mcc": mcc,
        "merchant_name": name[0],
        "merchant_city": city[0],
        "dynamic": poi == "12",
    }
    if p[i : i + 2] == "62":
        size = _SIZE.get(p[i + 2 : i + 4], 0)
        end = i + 4 + size
        if not size or end > len(p):
            return None
        i += 4
        while i < end:
            known = _ADDITIONAL.get(p[i : i + 2])
            if known is None:
                return None
            attribute, limit = known
            size = _SIZE.get(p[i + 2 : i + 4], 0)
            after = i + 4 + size
            value = p[i + 4 : after]
            if (
                not 0 < size <= limit
                or after > end
                or attribute in fields  # a duplicate sub-ID: lint reports it
                or not _ANS.issuperset(value)
            ):
                return None
            fields[attribute] = value
            i = after
    crc = p[i + 4 :]
    if p[i : i + 4] != "6304" or len(crc) != 4:
        return None
    checksum = crc_hqx(p[: i + 4].encode(), 0xFFFF)
    expected = _BYTE_HEX[checksum >> 8] + _BYTE_HEX[checksum & 0xFF]
    if crc != expected and crc.upper() != expected:
        if not _HEX.issuperset(crc):
            return None
        # every object up to here split as decode splits it, in printable ASCII, and the
        # CRC object is last: decode's verdict is this
        raise _error(
            ChecksumError,
            f"CRC mismatch: the payload says {crc}, its content gives {expected}",
            "63",
            i + 4,
        )
    if crc != expected or (amount is not None and poi == "11"):
        fields["warnings"] = _remarks(crc, i, amount is not None and poi == "11", at_amount)
    return fields


def _remarks(crc: str, at_crc: int, static_amount: bool, at_amount: int) -> tuple[Finding, ...]:
    """lint's findings on a canonical payload: a lowercase CRC, a static code with an amount."""
    found = []
    if crc != crc.upper():
        message = f"the CRC is lowercase ({crc}); EMVCo writes it in uppercase"
        found.append(finding("checksum-case", "63", at_crc, "warning", message))
    if static_amount:
        message = "static code (11) with an amount: apps treat it as a prefill"
        found.append(finding("format-static-amount", "54", at_amount, "info", message))
    return tuple(found)
