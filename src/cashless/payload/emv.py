"""EMV merchant-presented QR payloads: TLV parsing, serialising and the CRC.

The format is EMVCo QRCPS-MPM v1.1 (EMVCo MPM §4): each data object is a two-digit ID,
a two-digit length counting *characters* (EMVCo MPM §4.4.1.1) and the value. Templates nest the
same encoding. The last object is the CRC, ID ``63``: CRC-16/CCITT-FALSE over the
UTF-8 bytes of everything before its value, ``6304`` included (EMVCo MPM §4.7.3).

This module knows no scheme: VietQR lives in :mod:`cashless.payload.vietqr`. It parses any
country's payload and gives it back unchanged.

>>> payload = decode("00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN63049E6F")
>>> payload.get("38.01.00"), payload.get("58")
('970403', 'VN')
>>> payload.to_string() == payload.text
True
>>> crc16("123456789")
'29B1'
"""

from __future__ import annotations

import binascii
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from cashless.errors import CharsetError, ChecksumError, FormatError, LengthError
from cashless.payload.spec import (
    ADDITIONAL_FIELDS,
    GUIDS,
    LANGUAGE_FIELDS,
    MAX_VALUE,
    NAPAS_GUID,
    ROOT,
    ROOT_FIELDS,
    TEMPLATES,
)

__all__ = [
    "CRC_TAG",
    "DataObject",
    "Payload",
    "check_characters",
    "crc16",
    "decode",
    "encode",
    "is_template",
    "parse_tlv",
    "scheme_of",
    "tlv",
    "with_crc",
]

CRC_TAG = "63"
# EMVCo MPM §4.1 limits a payload to 512 characters (lint warns past that); decode refuses
# past this hard cap so junk of any size costs bounded time.
_PARSE_LIMIT = 2048
# The two-digit length of every value size, so tlv() indexes instead of formatting.
_LENGTHS = tuple(f"{n:02d}" for n in range(MAX_VALUE + 1))

# readable names (EMVCo MPM Table 3.6, EMVCo MPM Table 3.7, EMVCo MPM Table 3.8),
# keyed by the ID within the root, 62 or 64
_ROOT_NAMES = {tag: entry.name for tag, entry in ROOT_FIELDS.items() if not entry.template}
_ADDITIONAL_NAMES = {path[3:]: entry.name for path, entry in ADDITIONAL_FIELDS.items()}
_LANGUAGE_NAMES = {path[3:]: entry.name for path, entry in LANGUAGE_FIELDS.items()}


def tlv(tag: str, value: str) -> str:
    """One data object, ``ID LL value`` (EMVCo MPM §4.4): the only serialiser in cashless.

    A value (or a template's content) over 99 characters is a
    :class:`~cashless.errors.LengthError`, never truncated.

    >>> tlv("54", "25000")
    '540525000'
    """
    try:
        return tag + _LENGTHS[len(value)] + value
    except IndexError:
        raise LengthError(
            f"holds {len(value)} characters, the limit is {MAX_VALUE}; shorten its fields",
            field=tag,
            code="length-value",
        ) from None


def crc16(text: str) -> str:
    """CRC-16/CCITT-FALSE of ``text``'s UTF-8 bytes as four uppercase hex digits.

    >>> crc16("00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN6304")
    '9E6F'
    """
    # %-format is measurably faster than an f-string here, and build() ends with it
    try:
        return "%04X" % binascii.crc_hqx(text.encode(), 0xFFFF)  # noqa: UP031
    except UnicodeEncodeError:  # a lone surrogate: a data error with its position
        check_characters(text)
        raise


def with_crc(body: str) -> str:
    """Append the CRC object to a payload body that ends just before ID 63.

    >>> with_crc("000201")
    '0002016304AAE6'
    """
    body += "6304"
    try:
        return body + "%04X" % binascii.crc_hqx(body.encode(), 0xFFFF)  # noqa: UP031  (crc16, inlined)
    except UnicodeEncodeError:  # a lone surrogate: a data error with its position
        check_characters(body)
        raise


_TWO_DIGITS = frozenset(ROOT)  # "00" to "99"
_ROOT_TEMPLATES = frozenset(path for path in TEMPLATES if "." not in path)
# inside 62 only; template 38's sub-ID 01 is nested by GUID, see _nest_napas_beneficiary
_ADDITIONAL_TEMPLATES = frozenset(path[3:] for path in TEMPLATES if path.startswith("62."))


def is_template(tag: str, parent: str = "") -> bool:
    """Whether an ID holds nested data objects in its context (EMVCo MPM Table 3.6, EMVCo MPM Table 3.7).

    Root 26-51 (merchant account information), 62, 64 and 80-99 are templates; so are
    IDs 50-99 inside 62. IDs 02-25 are primitive and must never be recursed into.

    >>> is_template("38"), is_template("15"), is_template("50", parent="62")
    (True, False, True)
    """
    if parent == "":
        return tag in _ROOT_TEMPLATES
    return parent == "62" and tag in _ADDITIONAL_TEMPLATES


@dataclass(frozen=True, slots=True)
class DataObject:
    """One TLV data object.

    ``value`` is the raw text; ``children`` holds the nested objects of a template
    (``None`` for a primitive, or for an unreserved template whose value is opaque).
    ``position`` is the index of the ID's first character in the whole payload.
    """

    tag: str
    value: str
    position: int
    path: str
    children: tuple[DataObject, ...] | None = None

    def encode(self) -> str:
        """Serialise back to ``ID LL value``; templates are rebuilt from their children."""
        return tlv(self.tag, self.value if self.children is None else encode(self.children))

    def child(self, tag: str) -> DataObject | None:
        """The nested object with ``tag``, or ``None``."""
        for obj in self.children or ():
            if obj.tag == tag:
                return obj
        return None


def encode(objects: Iterable[DataObject | tuple[str, str]]) -> str:
    """Serialise data objects (or ``(id, value)`` pairs) in the order given.

    >>> encode([("00", "01"), ("01", "11")])
    '000201010211'
    """
    return "".join(obj.encode() if isinstance(obj, DataObject) else tlv(*obj) for obj in objects)


def parse_tlv(
    text: str,
    *,
    offset: int = 0,
    parent: str = "",
    lenient_unreserved: bool = True,
) -> tuple[DataObject, ...]:
    """Split ``text`` into data objects, recursing into templates.

    ``offset`` is the position of ``text`` in the whole payload (for messages) and
    ``parent`` the path of the enclosing template. When ``lenient_unreserved``, a template
    whose value is not TLV is kept raw (``children`` ``None``) where bank apps keep it:
    the unreserved templates 80-99 (MoMo's ``80 03 046``), the additional data template 62
    and its payment-system templates 62.50-99 (a QRIS ``62.99``); :mod:`~cashless.payload.lint`
    warns about them under ``napas`` and refuses them under ``strict``.

    >>> [o.tag for o in parse_tlv("000201010211")]
    ['00', '01']
    >>> parse_tlv("6203abc")[0].children is None
    True
    """
    objects: list[DataObject] = []
    i, end = 0, len(text)
    where = f"template {parent}" if parent else "the payload"
    while i < end:
        if end - i < 4:
            raise FormatError(
                f"{end - i} stray character(s) {text[i:]!r} after the last data object"
                + _misaligned(objects),
                field=parent or None,
                position=offset + i,
                code="trailing-data",
            )
        tag, size = text[i : i + 2], text[i + 2 : i + 4]
        if tag not in _TWO_DIGITS:
            raise FormatError(
                f"ID must be two digits, found {tag!r}" + _misaligned(objects),
                field=parent or None,
                position=offset + i,
                code="bad-id",
            )
        path = f"{parent}.{tag}" if parent else tag
        if size not in _TWO_DIGITS:
            raise FormatError(
                f"length must be two digits, found {size!r}" + _misaligned(objects),
                field=path,
                position=offset + i + 2,
                code="bad-length",
            )
        length = int(size)
        start = i + 4
        if start + length > end:
            raise LengthError(
                f"declares {length} characters but only {end - start} remain in {where}"
                + _misaligned(objects),
                field=path,
                position=offset + i + 2,
                code="truncated",
            )
        value = text[start : start + length]
        children = None
        if length and is_template(tag, parent):
            try:
                children = parse_tlv(value, offset=offset + start, parent=path)
            except (FormatError, LengthError):
                if not (lenient_unreserved and _kept_raw(tag, parent)):
                    raise
            if children and parent == "" and "26" <= tag <= "51":
                children = _nest_napas_beneficiary(children)
        objects.append(DataObject(tag, value, offset + i, path, children))
        i = start + length
    return tuple(objects)


_MISALIGNED = (
    "; the object before may declare a wrong length; lengths count characters, not UTF-8 bytes"
)


def _misaligned(before: list[DataObject]) -> str:
    """The hint for an error right after another object: its length may be off."""
    return _MISALIGNED if before else ""


def _kept_raw(tag: str, parent: str) -> bool:
    """Templates whose non-TLV value is kept raw (a lint finding, not a decode error)."""
    if parent == "":
        return tag >= "80" or tag == "62"
    return parent == "62" and tag >= "50"


def _nest_napas_beneficiary(children: tuple[DataObject, ...]) -> tuple[DataObject, ...]:
    """Inside a NAPAS template, sub-ID 01 is itself a template (NAPAS VietQR §5.2.3.2).

    Other schemes define their own sub-IDs, so nesting is decided by the GUID.
    """
    guid = children[0] if children[0].tag == "00" else None
    if guid is None or guid.value.upper() != NAPAS_GUID:
        return children
    nested = []
    for obj in children:
        if obj.tag == "01" and obj.value:
            inner = parse_tlv(obj.value, offset=obj.position + 4, parent=obj.path)
            obj = DataObject(obj.tag, obj.value, obj.position, obj.path, inner)
        nested.append(obj)
    return tuple(nested)


@dataclass(frozen=True)
class Payload:
    """A parsed EMV payload: the original text and its tree of data objects."""

    text: str
    objects: tuple[DataObject, ...]
    crc_ok: bool = True

    @cached_property
    def _index(self) -> dict[str, DataObject]:
        index: dict[str, DataObject] = {}
        for obj in self.walk():
            index.setdefault(obj.path, obj)
        return index

    def walk(self) -> Iterator[DataObject]:
        """Every data object, depth first, in payload order."""
        stack = list(reversed(self.objects))
        while stack:
            obj = stack.pop()
            yield obj
            if obj.children:
                stack.extend(reversed(obj.children))

    def find(self, path: str) -> DataObject | None:
        """The data object at a dotted path such as ``"38.01.00"``, or ``None``."""
        return self._index.get(path)

    def get(self, path: str, default: str | None = None) -> str | None:
        """The value at a dotted path, or ``default``."""
        obj = self._index.get(path)
        return default if obj is None else obj.value

    def to_string(self) -> str:
        """Serialise the tree; for a parsed payload this is the original text."""
        return encode(self.objects)

    @cached_property
    def scheme(self) -> str:
        """``"vietqr"``, ``"vnpay-qr"`` or ``"emv"`` (see :func:`scheme_of`)."""
        return scheme_of(self.objects)

    def account_template(self, guid: str) -> DataObject | None:
        """The first merchant account template (26-51) whose GUID is ``guid``."""
        for obj in self.objects:
            if "26" <= obj.tag <= "51" and obj.children:
                found = obj.child("00")
                if found is not None and found.value.upper() == guid:
                    return obj
        return None

    def merchant_account_ids(self) -> list[str]:
        """Root IDs 02-51 present, in payload order."""
        return [o.tag for o in self.objects if 2 <= int(o.tag) <= 51]

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly view: scheme, readable root fields and the full tree."""
        readable: dict[str, object] = {}
        for obj in self.objects:
            name = _ROOT_NAMES.get(obj.tag)
            if name and obj.children is None:
                readable[name] = obj.value
        additional = self.find("62")
        for obj in (additional.children or ()) if additional else ():
            readable[_ADDITIONAL_NAMES.get(obj.tag, f"additional_{obj.tag}")] = obj.value
        language = self.find("64")
        for obj in (language.children or ()) if language else ():
            readable[f"alternate_{_LANGUAGE_NAMES.get(obj.tag, obj.tag)}"] = obj.value
        accounts = []
        for tag in self.merchant_account_ids():
            template = self.find(tag)
            guid = template.child("00") if template is not None else None
            accounts.append({"id": tag, "guid": guid.value if guid else None})
        return {
            "scheme": self.scheme,
            **readable,
            "merchant_accounts": accounts,
            "tree": [_object_dict(o) for o in self.objects],
        }


def _object_dict(obj: DataObject) -> dict[str, object]:
    entry: dict[str, object] = {"id": obj.tag, "position": obj.position}
    if obj.children is None:
        entry["value"] = obj.value
    else:
        entry["objects"] = [_object_dict(c) for c in obj.children]
    return entry


def scheme_of(objects: Iterable[DataObject]) -> str:
    """Name the scheme from the GUIDs of the merchant account templates 26-51.

    VietQR is keyed on the NAPAS GUID, not on ID 38 alone: Laos (LAPNet) also uses 38.
    """
    found = set()
    for obj in objects:
        if 26 <= int(obj.tag) <= 51 and obj.children:
            guid = obj.child("00")
            if guid is not None:
                found.add(guid.value.upper())
    for known, scheme in GUIDS.items():  # NAPAS first: a VietQR may carry other schemes too
        if known in found:
            return scheme
    return "emv"


def check_characters(payload: str) -> None:
    """Refuse control characters and lone surrogates: data errors, with their position.

    A payload is text a scanner decoded; a control character (C0, DEL, C1) or a lone
    surrogate (from a file name or bytes decoded with ``surrogateescape``) is damage,
    and printing it raw would reach the terminal. The message shows it escaped.

    >>> check_characters("000201\\x1b[2J")
    Traceback (most recent call last):
    ...
    cashless.errors.CharsetError: control character '\\x1b' in the payload (at position 6)
    """
    for at, char in enumerate(payload):
        kind = unicodedata.category(char)
        if kind == "Cc" or kind == "Cs":
            what = "lone surrogate" if kind == "Cs" else "control character"
            raise CharsetError(
                f"{what} {char!a} in the payload",
                position=at,
                code="charset-control",
            )


def decode(payload: str, *, check_crc: bool = True) -> Payload:
    """Parse a whole payload: structure, then the CRC object at the end.

    Raises :class:`~cashless.errors.FormatError`, :class:`~cashless.errors.LengthError`
    or, when ``check_crc``, :class:`~cashless.errors.ChecksumError`. A value that is not
    a ``str`` (``None``, ``bytes``) is a :class:`~cashless.errors.FormatError` too, with
    code ``"type"``: decode bytes yourself, as UTF-8. A lowercase CRC is
    accepted here (compared without case); :mod:`cashless.payload.lint` reports it.

    >>> decode("0002016304AAE6").objects[0].value
    '01'
    """
    if not isinstance(payload, str):
        raise FormatError(f"payload must be text, got {type(payload).__name__}", code="type")
    if not payload:
        raise FormatError("payload is empty", code="empty")
    if len(payload) > _PARSE_LIMIT:
        raise LengthError(
            f"payload has {len(payload)} characters; EMVCo payloads are at most 512 "
            f"(this parser stops at {_PARSE_LIMIT})",
            code="length-payload",
        )
    if not payload.isprintable():
        check_characters(payload)
    objects = parse_tlv(payload)
    last = objects[-1]
    if last.tag != CRC_TAG:
        where = next((o for o in objects if o.tag == CRC_TAG), None)
        reason = "CRC (ID 63) is missing" if where is None else "CRC (ID 63) is not the last object"
        raise FormatError(
            reason, field="63", position=(where or last).position, code="crc-position"
        )
    if len(last.value) != 4:
        raise LengthError(
            f"CRC has {len(last.value)} characters, it must have 4",
            field="63",
            position=last.position,
        )
    expected = crc16(payload[:-4])
    crc_ok = last.value.upper() == expected
    if check_crc and not crc_ok:
        raise ChecksumError(
            f"CRC mismatch: the payload says {last.value}, its content gives {expected}",
            field="63",
            position=last.position + 4,
        )
    return Payload(payload, objects, crc_ok)
