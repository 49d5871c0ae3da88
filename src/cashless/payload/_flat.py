"""The flat reader: any root order, fields checked in place, no tree.

:mod:`~cashless.payload._canonical` reads the one usual layout; this reader takes what
it refuses: another root order, QRPUSH/QRCASH, a static code with an amount, card codes,
a missing 38.02, opaque 80-99 objects, a lowercase CRC, payloads of other schemes. It
splits the root and the templates into ``{ID: (start, end)}`` over the payload itself,
checks each field where it lies and emits the napas profile's findings in the order
:func:`~cashless.payload.lint.lint` emits them. It sniffs the scheme on the way (the
NAPAS GUID in a template 26-51), so a payload of another scheme never builds a tree.

Its verdicts, for the ``napas`` profile only, are the tree path's:

- the fields of a valid VietQR, with its warnings;
- decode's error for a broken structure, :class:`~cashless.errors.ChecksumError` for a
  sound structure with a wrong CRC;
- the error of lint's first error finding (a broken payload of any scheme);
- :class:`~cashless.errors.NotVietQRError` for a payload of another scheme that breaks
  none of its own rules;
- ``None`` for the few findings it does not port (accented ``ans`` text, repeated IDs,
  payment-system templates inside 62): the caller takes the tree path.

``tests/test_flat.py`` checks that both paths agree on every payload of the real corpus
(``tests/data/real_payloads.jsonl``) and on generated and mutated ones.

>>> flat_fields("00020101021238540010A00000072701240006970436011012345678900208QRIBFTTA5303704"
...             "5802VN800304663042BAE")["extra"]
(('80', '046'),)
>>> flat_fields("00020101021126280010A000000775011001087990425204597753037045802VN"
...             "5909MYPHAMHER6005HANOI62260311MY PHAM HER0707MPHER0163041C50")
Traceback (most recent call last):
...
cashless.errors.NotVietQRError: a VNPAY-QR merchant code, not VietQR (merchant account GUIDs: A000000775)
"""

from __future__ import annotations

import re
from binascii import crc_hqx
from collections.abc import Callable
from typing import Final, NoReturn, TypeVar

from cashless.errors import (
    CashlessError,
    CharsetError,
    ChecksumError,
    FormatError,
    LengthError,
    NotVietQRError,
)
from cashless.payload.emv import _MISALIGNED, _kept_raw, is_template  # decode's own rules, shared
from cashless.payload.lint import Finding
from cashless.payload.spec import (
    ACCOUNT_SERVICE,
    ADDITIONAL_FIELDS,
    ADDITIONAL_TEXT,
    CARD_DIGITS,
    CARD_SERVICE,
    COUNTRY_VN,
    CURRENCY_VND,
    LANGUAGE_FIELDS,
    MAX_PAYLOAD,
    NAPAS_GUID,
    OBJECTS,
    ROOT,
    ROOT_FIELDS,
    SERVICE_CODES,
    VNPAY_GUID,
    max_length,
)

__all__ = ["finding", "flat_fields", "not_vietqr"]

_SIZE: Final = {tag: int(tag) for tag in ROOT}  # "00" to "99": two ASCII digits, nothing else
_PRINTABLE_ASCII: Final = bytes(range(0x20, 0x7F))  # what str.isprintable() accepts in ASCII
_BYTE_HEX: Final = tuple(f"{byte:02X}" for byte in range(256))  # the CRC as text, a byte a lookup
_AMOUNT: Final = re.compile(r"[0-9]+(\.[0-9]*)?")
_PERCENT: Final = re.compile(r"[0-9]{1,2}(\.[0-9]{1,2})?")
_ACCOUNT_MAX: Final = max_length("38.01.01")
_BIN_DIGITS: Final = max_length("38.01.00")
_GUID_MAX: Final = max_length("38.00")
# the primitive root objects lint checks (IDs 00, 01, 52-61): (format, min, max)
_Rule = tuple[str, int, int]  # (format, min length, max length)
_RULES: Final[dict[str, _Rule]] = {
    tag: (entry.format, entry.min_length, entry.max_length)
    for tag, entry in ROOT_FIELDS.items()
    if not entry.template and tag != "63"
}
_ADDITIONAL_RULES: Final[dict[str, _Rule]] = {
    path[3:]: (entry.format, entry.min_length, entry.max_length)
    for path, entry in ADDITIONAL_FIELDS.items()
}
_LANGUAGE_RULES: Final[dict[str, _Rule]] = {
    path[3:]: (entry.format, entry.min_length, entry.max_length)
    for path, entry in LANGUAGE_FIELDS.items()
}
_NAMES: Final = {tag: OBJECTS[tag].name.replace("_", " ") for tag in ("00", "53", "58")}
_SOFT: Final = ("59", "60")  # over-long: a napas warning
_RAW_TEXT: Final = "is not made of data objects; kept as raw text"
# 62.01-08: the ans text the record models, (attribute, limit)
_ADDITIONAL: Final = {entry.path[3:]: (entry.name, entry.max_length) for entry in ADDITIONAL_TEXT}
_MODELLED_ROOT: Final = {
    "00",
    "01",
    "38",
    "52",
    "53",
    "54",
    "58",
    "59",
    "60",
    "61",
    "62",
    "63",
    "64",
}
_SCHEME_NAMES: Final = {"vnpay-qr": "a VNPAY-QR merchant code"}
# root and template values the record takes, by ID
_ROOT_TEXT: Final = (
    ("52", "mcc"),
    ("59", "merchant_name"),
    ("60", "merchant_city"),
    ("61", "postal_code"),
)
_ADDITIONAL_NAMES: Final = {entry.path[3:]: entry.name for entry in ADDITIONAL_TEXT}
_LANGUAGE_NAMES: Final = (
    ("00", "language"),
    ("01", "alt_merchant_name"),
    ("02", "alt_merchant_city"),
)
_CARD_LOW: Final = CARD_DIGITS[0]
_CARD_HIGH: Final = CARD_DIGITS[1]
# what the one pass does with each root ID
# (Final, so that a compiled build inlines them: see cashless.payload._native)
_SKIP: Final = 0
_ANS: Final = 1
_NUMERIC: Final = 2
_RULE: Final = 3
_ACCOUNT_TEMPLATE: Final = 4
_ADDITIONAL_TEMPLATE: Final = 5
_LANGUAGE: Final = 6
_UNRESERVED: Final = 7
_RFU: Final = 8
_PRIMITIVE: Final = 9


def _kind(tag: str) -> int:
    if tag in ("00", "01", "63"):
        return _SKIP  # 00 and 01: lint's payload-wide rules; 63: decode's
    if tag in _RULES:
        fmt = _RULES[tag][0]
        return _ANS if fmt == "ans" else _NUMERIC if fmt == "N" else _RULE
    if "26" <= tag <= "51":
        return _ACCOUNT_TEMPLATE
    if tag == "62":
        return _ADDITIONAL_TEMPLATE
    if tag == "64":
        return _LANGUAGE
    if tag >= "80":
        return _UNRESERVED
    return _RFU if tag >= "65" else _PRIMITIVE


_KINDS: Final = {tag: _kind(tag) for tag in ROOT}
# the root templates decode always splits: merchant accounts 26-51, the language template
_NESTED: Final = frozenset(tag for tag in ROOT if "26" <= tag <= "51" or tag == "64")

_Span = tuple[int, int]  # (index of the ID, index after the value)
_Spans = dict[str, _Span]  # by ID, in payload order
# every 4-character object header "IDLL" -> (ID, 4 + length): one slice, one lookup a step
_HEADERS: Final = {tag + size: (tag, 4 + number) for tag in ROOT for size, number in _SIZE.items()}


def _fits(tag: str, size: int) -> bool:
    """Whether a root object of ``size`` characters (header included) meets its length rule."""
    rule = _RULES.get(tag)
    return rule is not None and rule[1] + 4 <= size <= rule[2] + 4


# the same for root objects, with what the pass does and whether the length is in range:
# (ID, 4 + length, kind, fits)
_ROOT_HEADERS: Final = {
    head: (tag, size, _KINDS[tag], _fits(tag, size)) for head, (tag, size) in _HEADERS.items()
}


def _scan(p: str, i: int, end: int) -> _Spans | None:
    """Split ``p[i:end]`` into data objects; ``None`` where it is not TLV or an ID repeats."""
    spans: _Spans = {}
    headers = _HEADERS  # called as headers.get(): a direct dict lookup once compiled
    count = 0
    while i < end:
        head = headers.get(p[i : i + 4])
        if head is None:
            return None
        tag, size = head
        spans[tag] = (i, i + size)
        i += size
        count += 1
    if i != end or len(spans) != count:
        return None
    return spans


def _structure_error(p: str, i: int, end: int, parent: str) -> tuple[str, int, int] | None:
    """Raise the error :func:`~cashless.payload.emv.parse_tlv` raises for ``p[i:end]``, if any.

    The same walk, in the same order, without building objects, so that broken payloads
    and bad CRCs get decode's verdict without the tree. Returns the last object
    ``(ID, start, end)`` at this level (``None`` for no object).
    """
    before = False
    last = None
    while i < end:
        if end - i < 4:
            raise FormatError(
                f"{end - i} stray character(s) {p[i:end]!r} after the last data object"
                + _hint(before),
                field=parent or None,
                position=i,
                code="trailing-data",
            )
        tag, size = p[i : i + 2], p[i + 2 : i + 4]
        if tag not in _SIZE:
            raise FormatError(
                f"ID must be two digits, found {tag!r}" + _hint(before),
                field=parent or None,
                position=i,
                code="bad-id",
            )
        if size not in _SIZE:
            raise FormatError(
                f"length must be two digits, found {size!r}" + _hint(before),
                field=f"{parent}.{tag}" if parent else tag,
                position=i + 2,
                code="bad-length",
            )
        start, after = i + 4, i + 4 + _SIZE[size]
        if after > end:
            where = f"template {parent}" if parent else "the payload"
            raise LengthError(
                f"declares {_SIZE[size]} characters but only {end - start} remain in {where}"
                + _hint(before),
                field=f"{parent}.{tag}" if parent else tag,
                position=i + 2,
                code="truncated",
            )
        if start < after and is_template(tag, parent):
            if parent == "" and "26" <= tag <= "51":
                _napas_structure(p, start, after, tag)
            elif not _kept_raw(tag, parent):
                _structure_error(p, start, after, f"{parent}.{tag}" if parent else tag)
        before = True
        last = (tag, i, after)
        i = after
    return last


def _splits(p: str, n: int) -> bool:
    """Whether decode splits ``p`` with one 63 last (``False`` may also mean "look closer").

    One walk, no spans kept: the root, each merchant account template 26-51 and 64, and
    the beneficiary 01 of a template that opens with the NAPAS GUID (every such 01, as
    :func:`_napas_structure` checks them).
    """
    headers = _HEADERS
    i = size = 0
    tag = ""
    while i < n:
        head = headers.get(p[i : i + 4])
        if head is None or tag == "63":
            return False  # broken, or an object after 63
        tag, size = head
        end = i + size
        if end > n:
            return False
        if tag in _NESTED and end > i + 4:
            napas = False
            j = i + 4
            while j < end:
                inner = headers.get(p[j : j + 4])
                if inner is None:
                    return False
                sub, sub_size = inner
                after = j + sub_size
                if after > end:
                    return False
                if j == i + 4 and tag != "64":
                    napas = sub == "00" and p[j + 4 : after].upper() == NAPAS_GUID
                elif napas and sub == "01" and after > j + 4 and not _whole(p, j + 4, after):
                    return False
                j = after
        i = end
    return tag == "63" and i == n and size == 8


def _whole(p: str, i: int, end: int) -> bool:
    """Whether ``p[i:end]`` splits into data objects."""
    headers = _HEADERS
    while i < end:
        head = headers.get(p[i : i + 4])
        if head is None:
            return False
        i += head[1]
    return i == end


def _napas_structure(p: str, i: int, end: int, path: str) -> None:
    """A merchant account template, then its beneficiary 01 when it opens with the NAPAS GUID."""
    _structure_error(p, i, end, path)
    spans = _objects(p, i, end)
    if spans and spans[0][0] == "00" and p[spans[0][1] + 4 : spans[0][2]].upper() == NAPAS_GUID:
        for tag, start, after in spans:
            if tag == "01" and after > start + 4:
                _structure_error(p, start + 4, after, f"{path}.01")


def _objects(p: str, i: int, end: int) -> list[tuple[str, int, int]]:
    """The objects of a template known to split, in order, repeats included."""
    out = []
    while i < end:
        tag, size = _HEADERS[p[i : i + 4]]
        out.append((tag, i, i + size))
        i += size
    return out


def _hint(before: bool) -> str:
    return _MISALIGNED if before else ""


def _slot_setter(name: str) -> Callable[[Finding, object], None]:
    setter: Callable[[Finding, object], None] = getattr(Finding, name).__set__
    return setter


# Finding's slots set one by one: its frozen dataclass __init__ goes through
# object.__setattr__ for each field, which costs twice this in plain Python and five
# times this compiled (tests/test_flat.py checks both build equal findings)
_SET_CODE: Final = _slot_setter("code")
_SET_PATH: Final = _slot_setter("path")
_SET_POSITION: Final = _slot_setter("position")
_SET_SEVERITY: Final = _slot_setter("severity")
_SET_MESSAGE: Final = _slot_setter("message")
_SET_HINT: Final = _slot_setter("hint")


def finding(code: str, path: str, position: int, severity: str, message: str) -> Finding:
    """``Finding(code, path, position, severity, message)``, built without its ``__init__``."""
    made = object.__new__(Finding)
    _SET_CODE(made, code)
    _SET_PATH(made, path)
    _SET_POSITION(made, position)
    _SET_SEVERITY(made, severity)
    _SET_MESSAGE(made, message)
    _SET_HINT(made, "")
    return made


def _warning(code: str, path: str, position: int, message: str) -> Finding:
    return finding(code, path, position, "warning", message)


def _length_warning(path: str, position: int, size: int, low: int, high: int) -> Finding:
    limit = f"exactly {high}" if low == high else f"{low} to {high}"
    return _warning("length-field", path, position, f"{size} characters, the field takes {limit}")


def flat_fields(p: str) -> dict[str, object] | None:
    """The VietQR fields of ``p`` under the napas profile, or ``None`` for the tree path.

    Raises what the tree path raises when this reader is sure of it: decode's structural
    errors, :class:`~cashless.errors.ChecksumError`, lint's first error, or
    :class:`~cashless.errors.NotVietQRError`.

    One pass over the root splits each object, splits the templates decode splits and
    checks the object's field rule; lint's first error waits in ``error`` until decode's
    verdict (structure, then CRC) and lint's payload-wide rules, which come first, pass.
    """
    n = len(p)
    if not 8 <= n <= MAX_PAYLOAD:
        return None
    plain = p.isascii()  # and printable, below: every ans value is then valid text
    if plain:
        data = p.encode()
        if data.translate(None, _PRINTABLE_ASCII):  # a control character is left
            return None
        checksum = crc_hqx(data[: n - 4], 0xFFFF)
    elif p.isprintable():
        checksum = crc_hqx(p[: n - 4].encode(), 0xFFFF)
    else:
        return None
    crc = p[n - 4 :]
    expected = _BYTE_HEX[checksum >> 8] + _BYTE_HEX[checksum & 0xFF]
    if crc != expected and crc.upper() != expected:
        # decode's verdict: a structural error first, then a misplaced CRC, then this
        if not _splits(p, n):
            last = _structure_error(p, 0, n, "")
            if last is None or last[0] != "63" or last[2] - last[1] != 8:
                return None
        raise _error(
            ChecksumError,
            f"CRC mismatch: the payload says {crc}, its content gives {expected}",
            "63",
            n - 4,
        )
    headers = _ROOT_HEADERS
    tags: _Spans = {}
    subs: dict[str, _Spans | None] = {}
    findings: list[Finding] = []
    error: CashlessError | None = None
    napas_tag = None
    people: _Spans = {}
    guids: list[str] = []  # of the merchant account objects 02-51, "-" for none
    i = 0
    while i < n:
        head = headers.get(p[i : i + 4])
        if head is None:
            _structure_error(p, 0, n, "")
            return None
        tag, size, kind, fits = head  # size with the 4-character header
        end = i + size  # past the end when truncated: found after the loop
        if tag in tags:
            _structure_error(p, 0, n, "")
            return None  # a repeated ID: the tree path
        tags[tag] = (i, end)
        if kind == _SKIP:
            pass
        elif kind == _NUMERIC:
            if error is None:
                value = p[i + 4 : end]
                if not (fits and value.isdigit() and (plain or value.isascii())):
                    try:
                        _field(findings, tag, i, value, _RULES[tag])
                    except CashlessError as exc:
                        error = exc
        elif kind == _ANS:
            if error is None and not (plain and fits):
                try:
                    if not _field(findings, tag, i, p[i + 4 : end], _RULES[tag], soft=tag in _SOFT):
                        return None
                except CashlessError as exc:
                    error = exc
        elif kind == _ACCOUNT_TEMPLATE:
            spans = _scan(p, i + 4, end) if size > 4 else {}
            if spans is None:
                _structure_error(p, 0, n, "")
                return None
            subs[tag] = spans
            guid = spans.get("00")
            if guid is None or guid[1] == guid[0] + 4:
                guids.append("-")
            elif (value := p[guid[0] + 4 : guid[1]]).upper() != NAPAS_GUID:
                guids.append(value)
            else:
                guids.append(value)
                # decode nests sub-ID 01 of every NAPAS template (NAPAS VietQR §5.2.3.2),
                # and only after a leading GUID
                if next(iter(spans)) != "00" or "01" not in spans:
                    return None
                start, after = spans["01"]
                inner = _scan(p, start + 4, after) if after > start + 4 else {}
                if not inner:
                    if inner is None:
                        _structure_error(p, 0, n, "")
                    return None
                if napas_tag is None:
                    napas_tag, people = tag, inner
            if error is None and (guid is None or guid[1] - guid[0] > _GUID_MAX + 4 or not spans):
                try:
                    _account_template(findings, p, tag, i, spans)
                except CashlessError as exc:
                    error = exc
        else:
            if kind == _PRIMITIVE:
                guids.append("-")  # merchant account information 02-25: no template
            elif kind in (_LANGUAGE, _ADDITIONAL_TEMPLATE, _UNRESERVED):
                subs[tag] = spans = _scan(p, i + 4, end) if size > 4 else {}
                if spans is None and kind == _LANGUAGE:
                    _structure_error(p, 0, n, "")
                    return None
            if error is None:
                try:
                    if kind == _ADDITIONAL_TEMPLATE and size > 4:
                        if spans is None or not _additional_findings(findings, p, spans, plain):
                            return None
                    elif not _other(findings, p, tag, kind, i, end, subs, plain):
                        return None
                except CashlessError as exc:
                    error = exc
        i = end
    if i != n:  # the last object runs past the end: decode's error
        _structure_error(p, 0, n, "")
        return None
    if tags.get("63") != (n - 8, n):
        return None  # no CRC object of 4 characters at the end: the tree path
    if crc != expected:  # the same CRC in lowercase
        findings.insert(
            0,
            _warning(
                "checksum-case",
                "63",
                n - 8,
                f"the CRC is lowercase ({crc}); EMVCo writes it in uppercase",
            ),
        )
    poi = tags.get("01")
    if not (
        guids
        and p[:6] == "000201"  # so the payload starts with ID 00
        and "53" in tags
        and "58" in tags
        and poi is not None
        and p[poi[0] + 4 : poi[1]] in ("11", "12")
    ):
        _payload_rules(p, tags, has_account=bool(guids))
    if error is not None:
        raise error
    if "55" in tags or "56" in tags or "57" in tags:
        _fees(p, tags)
    if napas_tag is None:
        raise not_vietqr(guids)
    return _vietqr_fields(p, tags, subs, napas_tag, people, findings)


_E = TypeVar("_E", bound=CashlessError)
# Finding.to_error's classes, by the first word of the code
_ERROR_CLASSES: Final[dict[str, type[CashlessError]]] = {
    "length": LengthError,
    "charset": CharsetError,
    "checksum": ChecksumError,
}


def _error(
    cls: type[_E], reason: str, field: str | None, position: int | None, code: str | None = None
) -> _E:
    """``cls(reason, field=field, position=position, code=code)``, built without its ``__init__``.

    Most payloads of the corpus end in an error, and ``CashlessError.__init__`` costs
    several times the reference's whole parse; this sets the same attributes and renders
    the same message (no source or line here). ``tests/test_flat.py`` checks that both
    build equal errors.
    """
    message = f"{field} {reason}" if field else reason
    if position is not None:
        message = f"{message} (at position {position})"
    exc = cls.__new__(cls, message)
    state = exc.__dict__
    state["reason"] = reason
    state["field"] = field
    state["source"] = None
    state["position"] = position
    state["line"] = None
    if code is not None:
        state["code"] = code
    return exc


def _fail(code: str, path: str | None, position: int | None, message: str) -> NoReturn:
    """Raise what the tree path raises for lint's first error (``Finding.to_error``)."""
    cls = _ERROR_CLASSES.get(code.partition("-")[0], FormatError)
    raise _error(cls, message, path, position, code)


def _payload_rules(p: str, tags: _Spans, *, has_account: bool) -> None:
    """lint's payload-wide rules, checked before any object's: the first error raised."""
    first = next(iter(tags))
    if first != "00":
        _fail("format-order", first, 0, "the payload must start with ID 00")
    if "53" not in tags or "58" not in tags:
        tag = "58" if "53" in tags else "53"
        _fail("format-missing", tag, None, f"{_NAMES[tag]} is missing (mandatory)")
    if not has_account:
        _fail("format-missing", "26", None, "no merchant account information (IDs 02-51)")
    if p[:6] != "000201":
        found = p[4 : tags["00"][1]]
        _fail("format-version", "00", 0, f"payload format must be '01', found {found!r}")
    poi = tags.get("01")
    if poi is not None and (value := p[poi[0] + 4 : poi[1]]) not in ("11", "12"):
        _fail(
            "format-initiation",
            "01",
            poi[0],
            f"must be 11 (static) or 12 (dynamic), found {value!r}",
        )


def _account_template(findings: list[Finding], p: str, tag: str, i: int, spans: _Spans) -> None:
    """lint on a merchant account template 26-51 (its structure already split)."""
    if not spans:
        _fail("format-template", tag, i, "is not made of data objects")
    guid = spans.get("00")
    if guid is None:
        findings.append(_warning("format-guid", tag, i, "must start with a GUID in sub-ID 00"))
    elif (size := guid[1] - guid[0] - 4) > _GUID_MAX:
        _fail(
            "length-guid",
            f"{tag}.00",
            guid[0],
            f"GUID has {size} characters, the limit is {_GUID_MAX}",
        )


def _other(
    findings: list[Finding],
    p: str,
    tag: str,
    kind: int,
    i: int,
    end: int,
    subs: dict[str, _Spans | None],
    plain: bool,
) -> bool:
    """lint on the less usual root objects; ``False`` for the tree path."""
    if kind == _RULE:  # 54, 56, 57
        return _field(findings, tag, i, p[i + 4 : end], _RULES[tag])
    if end == i + 4:
        _empty(findings, tag, i)
        return True
    if kind == _UNRESERVED:
        spans = subs[tag]
        if spans is None:
            if _whole(p, i + 4, end):  # it splits, so the scan failed on a repeated sub-ID
                return False  # the tree path
            findings.append(_warning("format-template", tag, i, _RAW_TEXT))
            return True
        guid = spans.get("00")
        return guid is not None and guid[1] - guid[0] - 4 <= _GUID_MAX
    if kind == _ADDITIONAL_TEMPLATE:
        spans = subs[tag]
        return spans is not None and _additional_findings(findings, p, spans, plain)
    if kind == _LANGUAGE:
        spans = subs[tag]
        return spans is not None and _language_findings(findings, p, i, spans)
    if kind == _RFU:
        findings.append(
            _warning("format-rfu", tag, i, "is reserved for EMVCo and must not be used")
        )
    return True


def _empty(findings: list[Finding], tag: str, i: int) -> None:
    """lint on an object with an empty value that no field rule covers."""
    if tag >= "80":
        findings.append(_warning("format-template", tag, i, _RAW_TEXT))
    elif "65" <= tag <= "79":
        findings.append(
            _warning("format-rfu", tag, i, "is reserved for EMVCo and must not be used")
        )
    findings.append(_warning("length-empty", tag, i, "has an empty value"))


def _field(
    findings: list[Finding], path: str, at: int, value: str, rule: _Rule, *, soft: bool = False
) -> bool:
    """lint's field rule: warnings appended, an error raised; ``False`` for the tree path."""
    fmt, low, high = rule
    size = len(value)
    if not low <= size <= high:
        if not soft:
            limit = f"exactly {high}" if low == high else f"{low} to {high}"
            _fail("length-field", path, at, f"{size} characters, the field takes {limit}")
        findings.append(_length_warning(path, at, size, low, high))
    if fmt == "N":
        if not (value.isascii() and value.isdigit()):
            _fail("format-numeric", path, at, f"must be digits, found {value!r}")
    elif fmt == "amount":
        if not _AMOUNT.fullmatch(value):
            _fail(
                "format-amount",
                path,
                at,
                f"amount must be digits with at most one '.', found {value!r}",
            )
        if float(value) == 0:
            _fail("format-amount", path, at, "amount must not be zero")
    elif fmt == "percent":
        if not _PERCENT.fullmatch(value):
            _fail("format-percent", path, at, f"must look like 99.99, found {value!r}")
    elif fmt == "ans" and not (value.isascii() and value.isprintable()):
        return False  # a napas warning this reader leaves to lint
    return True


def _additional_findings(findings: list[Finding], p: str, spans: _Spans, plain: bool) -> bool:
    """Template 62 (EMVCo MPM Table 3.7) as lint checks it; ``False`` for the tree path.

    lint checks every sub-ID's field rule, then 09's letters, then the RFU sub-IDs; the
    first error raises, so the later findings wait in ``rfu``.
    """
    rfu: list[Finding] = []
    request = None
    rules = _ADDITIONAL_RULES
    for tag, (start, after) in spans.items():
        rule = rules.get(tag)
        if rule is not None:
            if not (plain and 0 < after - start - 4 <= rule[2]) and not _field(
                findings, "62." + tag, start, p[start + 4 : after], rule, soft=tag == "08"
            ):
                return False
            if tag >= "09":
                if tag == "09":
                    request = (start, after)
                else:  # 10, 11: EMVCo 1.1 additions, RFU in NAPAS VietQR v1.0
                    rfu.append(
                        _warning("format-rfu", "62." + tag, start, "is RFU in NAPAS VietQR v1.0")
                    )
        elif tag >= "50":
            return False  # payment-system templates: the tree path
        elif tag >= "12":
            rfu.append(_warning("format-rfu", "62." + tag, start, "is reserved for EMVCo"))
    if request is not None:
        letters = p[request[0] + 4 : request[1]]
        if set(letters) - set("AME") or len(set(letters)) != len(letters):
            _fail(
                "format-request",
                "62.09",
                request[0],
                f"must combine A, M and E at most once each, found {letters!r}",
            )
    findings.extend(rfu)
    return True


def _language_findings(findings: list[Finding], p: str, i: int, spans: _Spans) -> bool:
    """Template 64 (EMVCo MPM Table 3.8) as lint checks it; ``False`` for the tree path."""
    for tag, (start, after) in spans.items():
        rule = _LANGUAGE_RULES.get(tag)
        if rule is not None and not _field(
            findings, "64." + tag, start, p[start + 4 : after], rule
        ):
            return False
    for tag in ("00", "01"):
        if tag not in spans:
            _fail("format-missing", "64", i, f"64.{tag} is mandatory in the language template")
    return True


def _fees(p: str, tags: _Spans) -> None:
    """lint's tip and convenience fee rules (55, 56, 57)."""
    indicator = tags.get("55")
    kind = None if indicator is None else p[indicator[0] + 4 : indicator[1]]
    if kind not in (None, "01", "02", "03"):
        assert indicator is not None
        _fail("format-tip", "55", indicator[0], f"must be 01, 02 or 03, found {kind!r}")
    for tag, wanted in (("56", "02"), ("57", "03")):
        if (tag in tags) != (kind == wanted):
            where = tag if tag in tags else "55"
            _fail(
                "format-tip",
                where,
                tags[where][0],
                f"{tag} is present exactly when 55 is '{wanted}'",
            )


def not_vietqr(guids: list[str]) -> NotVietQRError:
    """The error for a sound payload of another scheme, named by its account GUIDs."""
    scheme = "vnpay-qr" if VNPAY_GUID in [guid.upper() for guid in guids] else "emv"
    name = _SCHEME_NAMES.get(scheme, "an EMV payload of another scheme")
    exc = _error(
        NotVietQRError,
        f"{name}, not VietQR (merchant account GUIDs: {', '.join(guids) or 'none'})",
        None,
        None,
        "not-vietqr",
    )
    exc.scheme = scheme
    return exc


def _vietqr_fields(
    p: str,
    tags: _Spans,
    subs: dict[str, _Spans | None],
    napas_tag: str,
    people: _Spans,
    findings: list[Finding],
) -> dict[str, object]:
    """NAPAS VietQR §5.2 on top of the root rules, in lint's order: the record's fields."""
    poi = tags.get("01")
    if poi is None:
        _fail("format-missing", "01", None, "point of initiation is mandatory in VietQR")
    account: _Spans = subs[napas_tag] or {}
    span = people.get("00")
    bin_ = "" if span is None else p[span[0] + 4 : span[1]]
    if not (len(bin_) == _BIN_DIGITS and bin_.isdigit() and bin_.isascii()):
        at = account["01"][0] if span is None else span[0]
        _fail(
            "format-bin",
            f"{napas_tag}.01.00",
            at,
            f"bank BIN (acquirer ID) must be {_BIN_DIGITS} digits",
        )
    span = people.get("01")
    if span is None or span[1] - span[0] == 4:
        _fail(
            "format-missing",
            f"{napas_tag}.01.01",
            account["01"][0],
            "account or card number is missing",
        )
    id_at = span[0]
    ident = p[id_at + 4 : span[1]]
    if not (len(ident) <= _ACCOUNT_MAX and ident.isalnum() and ident.isascii()):
        if len(ident) > _ACCOUNT_MAX:
            message = f"{len(ident)} characters, the limit is {_ACCOUNT_MAX}"
            _fail("length-account", f"{napas_tag}.01.01", id_at, message)
        message = f"{ident!r} must be ASCII letters and digits"
        _fail("charset-account", f"{napas_tag}.01.01", id_at, message)
    span = account.get("02")
    if span is not None:
        service = p[span[0] + 4 : span[1]]
        if service not in SERVICE_CODES:
            _fail("format-service", f"{napas_tag}.02", span[0], f"unknown service code {service!r}")
        if service == CARD_SERVICE and not (
            _CARD_LOW <= len(ident) <= _CARD_HIGH and ident.isdigit()
        ):
            message = f"a card number is {_CARD_LOW} to {_CARD_HIGH} digits"
            findings.append(_warning("format-card", f"{napas_tag}.01.01", id_at, message))
    else:
        service = ACCOUNT_SERVICE
        nested = people.get("02")
        if nested is not None and (inside := p[nested[0] + 4 : nested[1]]) in SERVICE_CODES:
            _fail(
                "format-service-nested",
                f"{napas_tag}.02",
                nested[0],
                f"service code {inside!r} sits inside the beneficiary template 38.01; "
                "38.02 is missing",
            )
        findings.append(
            _warning(
                "format-missing",
                f"{napas_tag}.02",
                tags[napas_tag][0],
                "service code (sub-ID 02) is missing; bank apps expect QRIBFTTA or QRIBFTTC",
            )
        )
    span = tags["53"]
    if p[span[0] + 4 : span[1]] != CURRENCY_VND:
        found = p[span[0] + 4 : span[1]]
        _fail(
            "format-currency",
            "53",
            span[0],
            f"VietQR uses currency {CURRENCY_VND} (VND), found {found!r}",
        )
    span = tags["58"]
    if p[span[0] + 4 : span[1]] != COUNTRY_VN:
        found = p[span[0] + 4 : span[1]]
        _fail("format-country", "58", span[0], f"VietQR uses country {COUNTRY_VN}, found {found!r}")
    dynamic = p[poi[0] + 4 : poi[1]] == "12"
    amount = None
    span = tags.get("54")
    if span is not None:
        text = p[span[0] + 4 : span[1]]
        if "." in text:
            if not text.endswith("."):
                message = "VND has no decimals (ISO 4217 exponent 0)"
                _fail("format-amount-decimals", "54", span[0], message)
            findings.append(
                _warning("format-amount-dot", "54", span[0], "trailing '.' in a VND amount")
            )
            text = text[:-1]
        if not dynamic:
            message = "static code (11) with an amount: apps treat it as a prefill"
            findings.append(finding("format-static-amount", "54", span[0], "info", message))
        amount = int(text)
    fields: dict[str, object] = {
        "bin": bin_,
        "account": ident,
        "service": service,
        "amount": amount,
        "dynamic": dynamic,
        "warnings": tuple(findings),
    }
    for tag, name in _ROOT_TEXT:
        span = tags.get(tag)
        if span is not None:
            fields[name] = p[span[0] + 4 : span[1]]
    additional = subs.get("62")
    if additional:
        for tag, (start, after) in additional.items():
            attribute = _ADDITIONAL_NAMES.get(tag)
            if attribute is not None:
                fields[attribute] = p[start + 4 : after]
    if "64" in tags:
        language = subs["64"] or {}
        for tag, name in _LANGUAGE_NAMES:
            span = language.get(tag)
            fields[name] = None if span is None else p[span[0] + 4 : span[1]]
    extra = [
        (tag, _value(p, span))
        for tag, span in tags.items()
        if tag not in _MODELLED_ROOT and tag != napas_tag
    ]
    if extra:
        fields["extra"] = tuple(sorted(extra))
    return fields


def _value(p: str, span: _Span) -> str:
    return p[span[0] + 4 : span[1]]
