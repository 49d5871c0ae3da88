"""Validation profiles for merchant-presented payloads: findings instead of a bare bool.

Two profiles:

* ``"napas"`` accepts what Vietnamese bank apps accept: 52/59/60 may be absent, a
  lowercase CRC, an over-long 59 or accents in an ``ans`` field are warnings.
* ``"strict"`` applies the EMVCo MPM v1.1 rules (52, 59, 60 mandatory; ``ans`` is
  printable ASCII; RFU IDs must not be used; unreserved templates start with a GUID).

Rules that VietQR adds (NAPAS VietQR §5.2) apply in both profiles when the
payload carries the NAPAS GUID.

>>> [f.code for f in lint("00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN63049E6F")]
[]
>>> print(lint("00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN63049e6f")[0])
warning 63: the CRC is lowercase (9e6f); EMVCo writes it in uppercase (at position 86)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cashless.errors import (
    CashlessError,
    CharsetError,
    ChecksumError,
    FormatError,
    LengthError,
    UsageError,
)
from cashless.payload.emv import DataObject, Payload, decode
from cashless.payload.spec import (
    ADDITIONAL_FIELDS,
    CARD_DIGITS,
    CARD_SERVICE,
    COUNTRY_VN,
    CURRENCY_VND,
    LANGUAGE_FIELDS,
    MAX_PAYLOAD,
    NAPAS_FIELDS,
    NAPAS_GUID,
    OBJECTS,
    ROOT_FIELDS,
    SERVICE_CODES,
    FieldSpec,
    max_length,
)
from cashless.payload.text import is_ans

__all__ = ["PROFILES", "Finding", "lint", "profile_name"]

PROFILES = ("napas", "strict")
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]*)?")
_DIGITS = re.compile(r"[0-9]+")
_PERCENT = re.compile(r"[0-9]{1,2}(\.[0-9]{1,2})?")

# Rules by path: the primitive root objects (the CRC is decode's job) and the named
# sub-objects of templates 62 and 64.
_ROOT_RULES = {
    tag: entry for tag, entry in ROOT_FIELDS.items() if not entry.template and tag != "63"
}
# Over-long values bank apps accept (napas warns, strict refuses): the merchant name and
# city, and the purpose 62.08, which real payloads fill with up to 54 characters and which
# 8 of 9 peer parsers accept up to 99 (tests/data/README.md).
_SOFT_LENGTH = frozenset(("59", "60", "62.08"))
_ACCOUNT_CHARS = re.compile(r"[A-Za-z0-9]+")  # the same rule as VietQR.build
_BIN = NAPAS_FIELDS["38.01.00"]
_ACCOUNT_MAX = NAPAS_FIELDS["38.01.01"].max_length


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or remark) about a payload.

    ``severity`` is ``"error"`` (the payload is not valid under the profile),
    ``"warning"`` (accepted, but worth fixing) or ``"info"``.
    """

    code: str
    path: str | None
    position: int | None
    severity: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        at = f" (at position {self.position})" if self.position is not None else ""
        return f"{self.severity}{where}: {self.message}{at}"

    def to_error(self) -> CashlessError:
        """The exception :func:`cashless.payload.vietqr.parse` raises for this finding."""
        kind = {"length": LengthError, "charset": CharsetError, "checksum": ChecksumError}
        cls = kind.get(self.code.split("-")[0], FormatError)
        return cls(self.message, field=self.path, position=self.position, code=self.code)

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form."""
        return {
            "code": self.code,
            "path": self.path,
            "position": self.position,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


class _Checker:
    def __init__(self, profile: str) -> None:
        self.profile = profile
        self.findings: list[Finding] = []

    def add(
        self,
        code: str,
        obj: DataObject | None,
        message: str,
        *,
        napas: str = "error",
        strict: str = "error",
        hint: str = "",
        path: str | None = None,
    ) -> None:
        severity = napas if self.profile == "napas" else strict
        self.findings.append(
            Finding(
                code,
                path if path is not None else (obj.path if obj else None),
                obj.position if obj else None,
                severity,
                message,
                hint,
            )
        )

    def duplicates(self, objects: tuple[DataObject, ...]) -> None:
        seen: set[str] = set()
        for obj in objects:
            if obj.tag in seen:
                self.add("format-duplicate", obj, "appears more than once (EMVCo MPM §4.3.1.2)")
            seen.add(obj.tag)

    def field(self, obj: DataObject, rule: FieldSpec, *, soft: bool = False) -> None:
        fmt, low, high = rule.format, rule.min_length, rule.max_length
        value = obj.value
        size = len(value)
        relax = "warning" if soft else "error"
        if size > high or size < low:
            limit = f"exactly {high}" if low == high else f"{low} to {high}"
            self.add(
                "length-field",
                obj,
                f"{size} characters, the field takes {limit}",
                napas=relax,
            )
        if fmt == "N" and not _DIGITS.fullmatch(value):
            self.add("format-numeric", obj, f"must be digits, found {value!r}")
        elif fmt == "amount":
            self.amount(obj)
        elif fmt == "percent" and not _PERCENT.fullmatch(value):
            self.add("format-percent", obj, f"must look like 99.99, found {value!r}")
        elif fmt == "ans" and not is_ans(value):
            self.add(
                "charset-ans",
                obj,
                f"{value!r} has characters outside printable ASCII",
                napas="warning",
                hint="fold Vietnamese text to ASCII; accents belong in template 64",
            )

    def amount(self, obj: DataObject) -> None:
        value = obj.value
        if not _AMOUNT.fullmatch(value):
            self.add(
                "format-amount",
                obj,
                f"amount must be digits with at most one '.', found {value!r}",
                hint="no spaces, signs or thousands separators",
            )
        elif float(value) == 0:
            self.add("format-amount", obj, "amount must not be zero")

    def template(self, obj: DataObject, rules: dict[str, FieldSpec]) -> None:
        children = obj.children or ()
        self.duplicates(children)
        for child in children:
            rule = rules.get(child.path)
            if rule is not None:
                self.field(child, rule, soft=child.path in _SOFT_LENGTH)


def profile_name(profile: object) -> str:
    """The profile's canonical name: names ignore case; anything else is a UsageError.

    >>> profile_name("NAPAS")
    'napas'
    """
    name = profile.lower() if isinstance(profile, str) else None
    if name not in PROFILES:
        raise UsageError(
            f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}",
            field="profile",
            code="usage-profile",
        )
    return name


def lint(payload: str | Payload, profile: str = "napas") -> list[Finding]:
    """Check a payload and return every finding, errors first.

    Structural damage (bad TLV, CRC mismatch) stops the check with one error; field
    rules are all checked and all reported. Profile names ignore case.
    """
    check = _Checker(profile_name(profile))
    if isinstance(payload, Payload):
        parsed = payload
    else:
        try:
            parsed = decode(payload, check_crc=True)
        except CashlessError as exc:
            return [Finding(exc.code, exc.field, exc.position, "error", exc.reason)]
    _check_root(check, parsed)
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(check.findings, key=lambda f: order[f.severity])


def _check_root(check: _Checker, payload: Payload) -> None:
    objects = payload.objects
    check.duplicates(objects)
    if len(payload.text) > MAX_PAYLOAD:
        check.add(
            "length-payload",
            None,
            f"payload has {len(payload.text)} characters; EMVCo MPM §4.1 allows at most "
            f"{MAX_PAYLOAD}",
            napas="warning",
        )
    crc = objects[-1]
    if crc.value != crc.value.upper():
        check.add(
            "checksum-case",
            crc,
            f"the CRC is lowercase ({crc.value}); EMVCo writes it in uppercase",
            napas="warning",
        )
    if objects[0].tag != "00":
        check.add("format-order", objects[0], "the payload must start with ID 00")
    tags = {o.tag: o for o in objects}
    required = ["00", "53", "58"] + (["52", "59", "60"] if check.profile == "strict" else [])
    for tag in required:
        if tag not in tags:
            name = OBJECTS[tag].name.replace("_", " ")
            check.add("format-missing", None, f"{name} is missing (mandatory)", path=tag)
    if not any(2 <= int(t) <= 51 for t in tags):
        check.add("format-missing", None, "no merchant account information (IDs 02-51)", path="26")
    pfi = tags.get("00")
    if pfi is not None and pfi.value != "01":
        check.add("format-version", pfi, f"payload format must be '01', found {pfi.value!r}")
    poi = tags.get("01")
    if poi is not None and poi.value not in ("11", "12"):
        check.add(
            "format-initiation", poi, f"must be 11 (static) or 12 (dynamic), found {poi.value!r}"
        )
    for obj in objects:
        number = int(obj.tag)
        rule = _ROOT_RULES.get(obj.tag)
        if rule is not None:
            check.field(obj, rule, soft=obj.tag in _SOFT_LENGTH)
        elif 26 <= number <= 51 or number >= 80:
            _check_guid_template(check, obj, unreserved=number >= 80)
        elif 65 <= number <= 79:  # RFU for EMVCo, EMVCo MPM Table 3.6
            check.add(
                "format-rfu", obj, "is reserved for EMVCo and must not be used", napas="warning"
            )
        elif obj.tag == "62":
            if obj.children is None and obj.value:
                check.add(
                    "format-template",
                    obj,
                    "is not made of data objects; kept as raw text",
                    napas="warning",
                )
            check.template(obj, ADDITIONAL_FIELDS)
            _check_additional(check, obj)
        elif obj.tag == "64":
            check.template(obj, LANGUAGE_FIELDS)
            for sub in ("00", "01"):
                if obj.children is not None and obj.child(sub) is None:
                    check.add(
                        "format-missing", obj, f"64.{sub} is mandatory in the language template"
                    )
        if obj.tag not in ("63",) and obj.children is None and obj.value == "":
            check.add("length-empty", obj, "has an empty value", napas="warning")
    _check_fees(check, tags)
    if payload.scheme == "vietqr":
        _check_vietqr(check, payload, tags)


def _check_guid_template(check: _Checker, obj: DataObject, *, unreserved: bool) -> None:
    if obj.children is None:
        check.add(
            "format-template",
            obj,
            "is not made of data objects; kept as raw text"
            if unreserved
            else "is not made of data objects",
            napas="warning" if unreserved else "error",
        )
        return
    check.duplicates(obj.children)
    guid = obj.child("00")
    if guid is None:
        check.add("format-guid", obj, "must start with a GUID in sub-ID 00", napas="warning")
    elif len(guid.value) > (limit := max_length(guid.path)):
        check.add(
            "length-guid", guid, f"GUID has {len(guid.value)} characters, the limit is {limit}"
        )


def _check_additional(check: _Checker, obj: DataObject) -> None:
    request = obj.child("09")
    if request is not None:
        letters = request.value
        if set(letters) - set("AME") or len(set(letters)) != len(letters):
            check.add(
                "format-request",
                request,
                f"must combine A, M and E at most once each, found {letters!r}",
            )
    # 10 and 11 are EMVCo 1.1 additions that NAPAS VietQR §5.2.14 still calls RFU;
    # 12-49 are RFU and 50-99 payment-system templates (EMVCo MPM Table 3.7)
    for child in obj.children or ():
        if child.tag in ("10", "11"):
            check.add(
                "format-rfu", child, "is RFU in NAPAS VietQR v1.0", napas="warning", strict="info"
            )
        elif 12 <= int(child.tag) <= 49:
            check.add("format-rfu", child, "is reserved for EMVCo", napas="warning")
        elif int(child.tag) >= 50:
            _check_guid_template(check, child, unreserved=True)


def _check_fees(check: _Checker, tags: dict[str, DataObject]) -> None:
    indicator = tags.get("55")
    kind = indicator.value if indicator else None
    if kind not in (None, "01", "02", "03"):
        check.add("format-tip", indicator, f"must be 01, 02 or 03, found {kind!r}")
    if ("56" in tags) != (kind == "02"):
        check.add(
            "format-tip", tags.get("56") or indicator, "56 is present exactly when 55 is '02'"
        )
    if ("57" in tags) != (kind == "03"):
        check.add(
            "format-tip", tags.get("57") or indicator, "57 is present exactly when 55 is '03'"
        )


def _check_vietqr(check: _Checker, payload: Payload, tags: dict[str, DataObject]) -> None:
    """NAPAS VietQR §5.2 on top of EMVCo (vietqr-spec §3, vietqr-spec §4)."""
    account = payload.account_template(NAPAS_GUID)
    assert account is not None  # the scheme is "vietqr" only when it exists
    if "01" not in tags:
        check.add("format-missing", None, "point of initiation is mandatory in VietQR", path="01")
    beneficiary = account.child("01")
    if beneficiary is None or beneficiary.children is None:
        check.add(
            "format-missing",
            beneficiary or account,
            "beneficiary template (sub-ID 01) is missing",
            path=f"{account.path}.01",
        )
    else:
        check.duplicates(beneficiary.children)
        bin_ = beneficiary.child("00")
        if bin_ is None or not (
            len(bin_.value) == _BIN.max_length and _DIGITS.fullmatch(bin_.value)
        ):
            check.add(
                "format-bin",
                bin_ or beneficiary,
                f"bank BIN (acquirer ID) must be {_BIN.max_length} digits",
                path=f"{beneficiary.path}.00",
            )
        ident = beneficiary.child("01")
        if ident is None or not ident.value:
            check.add(
                "format-missing",
                beneficiary,
                "account or card number is missing",
                path=f"{beneficiary.path}.01",
            )
        elif len(ident.value) > _ACCOUNT_MAX:
            check.add(
                "length-account",
                ident,
                f"{len(ident.value)} characters, the limit is {_ACCOUNT_MAX}",
            )
        elif not _ACCOUNT_CHARS.fullmatch(ident.value):
            check.add("charset-account", ident, f"{ident.value!r} must be ASCII letters and digits")
    service = account.child("02")
    nested = beneficiary.child("02") if beneficiary is not None else None
    if service is None and nested is not None and nested.value in SERVICE_CODES:
        check.add(
            "format-service-nested",
            nested,
            f"service code {nested.value!r} sits inside the beneficiary template 38.01; "
            "38.02 is missing",
            hint="38.01 declares a length that swallows 38.02; shorten it",
            path=f"{account.path}.02",
        )
    elif service is None:
        check.add(
            "format-missing",
            account,
            "service code (sub-ID 02) is missing; bank apps expect QRIBFTTA or QRIBFTTC",
            napas="warning",
            path=f"{account.path}.02",
        )
    elif service.value not in SERVICE_CODES:
        check.add("format-service", service, f"unknown service code {service.value!r}")
    elif service.value == CARD_SERVICE and beneficiary is not None:
        card = beneficiary.child("01")
        low, high = CARD_DIGITS
        if card is not None and not (low <= len(card.value) <= high and card.value.isdigit()):
            check.add(
                "format-card",
                card,
                f"a card number is {low} to {high} digits",
                napas="warning",
                strict="warning",
            )
    currency = tags.get("53")
    if currency is not None and currency.value != CURRENCY_VND:
        check.add(
            "format-currency",
            currency,
            f"VietQR uses currency {CURRENCY_VND} (VND), found {currency.value!r}",
        )
    country = tags.get("58")
    if country is not None and country.value != COUNTRY_VN:
        check.add(
            "format-country", country, f"VietQR uses country {COUNTRY_VN}, found {country.value!r}"
        )
    amount = tags.get("54")
    if amount is not None and _AMOUNT.fullmatch(amount.value) and "." in amount.value:
        if amount.value.endswith("."):
            check.add(
                "format-amount-dot",
                amount,
                "trailing '.' in a VND amount",
                napas="warning",
                strict="warning",
            )
        else:
            check.add("format-amount-decimals", amount, "VND has no decimals (ISO 4217 exponent 0)")
    poi = tags.get("01")
    if poi is not None and poi.value == "11" and amount is not None:
        check.add(
            "format-static-amount",
            amount,
            "static code (11) with an amount: apps treat it as a prefill",
            napas="info",
            strict="info",
        )
