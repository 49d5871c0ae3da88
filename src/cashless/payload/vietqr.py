"""VietQR payments (NAPAS VietQR v1.0 on EMVCo MPM): build, parse, validate.

A :class:`VietQR` is a frozen record of one payment code. :meth:`VietQR.build` turns it
into the payload string a bank app scans; :func:`parse` does the reverse and refuses
anything invalid with a :class:`~cashless.errors.CashlessError` that names the field.

>>> code = VietQR(bin="970436", account="0011001234567", amount=25_000, purpose="Thịt ba chỉ")
>>> payload = code.build()
>>> payload
'00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA53037045405250005802VN62150811Thit ba chi63040EEF'
>>> parse(payload).purpose
'Thit ba chi'
>>> parse(payload) == code.folded()
True
"""

from __future__ import annotations

import binascii
import dataclasses
import re
from dataclasses import dataclass, field

from cashless.errors import (
    CashlessError,
    CharsetError,
    FormatError,
    LengthError,
    NotVietQRError,
)
from cashless.payload._canonical import canonical_fields
from cashless.payload.emv import ADDITIONAL_NAMES, NAPAS_GUID, Payload, decode
from cashless.payload.lint import SERVICE_CODES, Finding, lint
from cashless.payload.text import fold, nfc

__all__ = ["VietQR", "describe", "is_valid", "lint", "parse"]

_MAX_AMOUNT_DIGITS = 13  # EMVCo 54 is at most 13 characters
_AMOUNT_LIMIT = 10**_MAX_AMOUNT_DIGITS
_ACCOUNT = re.compile(r"[A-Za-z0-9]{1,19}")
_BIN = re.compile(r"[0-9]{6}")
_TWO_DIGITS = frozenset(f"{n:02d}" for n in range(100))
_LANGUAGE = re.compile(r"[A-Za-z]{2}")
_MCC = re.compile(r"[0-9]{4}")

# ans text fields: (attribute, EMV path, limit). Values are folded to ASCII on build.
_ROOT_TEXT = (("merchant_name", "59", 25), ("merchant_city", "60", 15), ("postal_code", "61", 10))
# Additional data (62) sub-fields 01-08, all ans of at most 25 characters
_ADDITIONAL = tuple((name, tag) for tag, name in ADDITIONAL_NAMES.items() if tag <= "08")
_FOLDED = tuple(name for name, *_ in _ROOT_TEXT) + tuple(name for name, _ in _ADDITIONAL)
# (attribute, ID, limit, inside 62), in the order build() writes them
_TEXT_SPECS = tuple((name, tag, limit, False) for name, tag, limit in _ROOT_TEXT) + tuple(
    (name, tag, 25, True) for name, tag in _ADDITIONAL
)
_TEXT_LIMITS = {name: (tag, limit) for name, tag, limit in _ROOT_TEXT} | {
    name: (f"62.{tag}", 25) for name, tag in _ADDITIONAL
}


@dataclass(frozen=True)
class VietQR:
    """One VietQR payment code.

    ``bin`` is the beneficiary bank's 6-digit BIN (38.01.00); ``account`` the account
    or card number (38.01.01, at most 19 letters or digits); ``service`` ``QRIBFTTA``
    (to an account) or ``QRIBFTTC`` (to a card). ``amount`` is whole dong or ``None``
    (the payer types it). ``dynamic`` picks the point of initiation: ``None`` means
    dynamic (``12``) exactly when an amount is set, as bank apps do.

    Text fields may hold Vietnamese: :meth:`build` folds them to ASCII (``ans``, EMVCo
    §4.5) and :meth:`with_language_template` keeps the accented name in template 64.
    ``extra`` holds root objects this class does not model, as ``(id, raw value)``.
    """

    bin: str
    account: str
    service: str = "QRIBFTTA"
    amount: int | None = None
    purpose: str | None = None
    bill_number: str | None = None
    mobile_number: str | None = None
    store_label: str | None = None
    loyalty_number: str | None = None
    reference_label: str | None = None
    customer_label: str | None = None
    terminal_label: str | None = None
    merchant_name: str | None = None
    merchant_city: str | None = None
    postal_code: str | None = None
    mcc: str | None = None
    language: str | None = None
    alt_merchant_name: str | None = None
    alt_merchant_city: str | None = None
    dynamic: bool | None = None
    extra: tuple[tuple[str, str], ...] = ()
    warnings: tuple[Finding, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        # frozen: normalised values go straight into __dict__
        fields = self.__dict__
        amount = self.amount
        if amount is not None and not (amount.__class__ is int and 0 < amount < _AMOUNT_LIMIT):
            fields["amount"] = amount = _coerce_amount(amount)
        if self.bin.__class__ is int:
            fields["bin"] = f"{self.bin:06d}"
        if self.dynamic is not None and self.dynamic == (amount is not None):
            # the default already says so: keep one spelling, so equal codes compare equal
            fields["dynamic"] = None

    @classmethod
    def _trusted(cls, fields: dict[str, object]) -> VietQR:
        """Make a code from fields a parser has already validated, without re-checking."""
        code = object.__new__(cls)
        values = _DEFAULTS | fields
        if values["dynamic"] == (values["amount"] is not None):
            values["dynamic"] = None
        code.__dict__.update(values)
        return code

    @property
    def point_of_initiation(self) -> str:
        """``"12"`` for a one-time (dynamic) code, ``"11"`` for a reusable (static) one."""
        dynamic = self.amount is not None if self.dynamic is None else self.dynamic
        return "12" if dynamic else "11"

    def folded(self) -> VietQR:
        """This code with every ``ans`` text field folded to ASCII, as :meth:`build` writes it."""
        changes = {
            name: fold(value) for name in _FOLDED if (value := getattr(self, name)) is not None
        }
        return dataclasses.replace(self, **changes)

    def folded_fields(self) -> dict[str, tuple[str, str]]:
        """Fields that :meth:`build` changes by folding: ``{name: (given, written)}``.

        >>> VietQR(bin="970436", account="1", purpose="Rau cải").folded_fields()
        {'purpose': ('Rau cải', 'Rau cai')}
        """
        out = {}
        for name in _FOLDED:
            value = getattr(self, name)
            if value is not None and fold(value) != value:
                out[name] = (value, fold(value))
        return out

    def with_language_template(self, language: str = "vi") -> VietQR:
        """Keep the accented merchant name and city in template 64 (format S).

        >>> code = VietQR(bin="970436", account="1", merchant_name="Bà Hương")
        >>> payload = code.with_language_template().build()
        >>> payload[payload.index("59"):-8]
        '5908Ba Huong64180002vi0108Bà Hương'
        >>> parse(payload).alt_merchant_name
        'Bà Hương'
        """
        return dataclasses.replace(
            self,
            language=language,
            alt_merchant_name=nfc(self.merchant_name) if self.merchant_name else None,
            alt_merchant_city=nfc(self.merchant_city) if self.merchant_city else None,
        )

    def build(self, *, fold_text: bool = True) -> str:
        """The payload string, CRC included.

        Raises a :class:`~cashless.errors.CashlessError` naming the field, its limit and
        the value's length; never truncates. With ``fold_text=False`` accented text in
        an ``ans`` field is an error instead of being folded.
        """
        # Hot path: plain string work, one check per field; the slow, precise messages
        # live in _explain_* and run only when a check fails.
        fields = self.__dict__
        bin_, account, service, mcc = self.bin, self.account, self.service, self.mcc
        if not (
            bin_.__class__ is str
            and account.__class__ is str
            and _BIN.fullmatch(bin_)
            and _ACCOUNT.fullmatch(account)
            and service in SERVICE_CODES
            and (mcc is None or (mcc.__class__ is str and _MCC.fullmatch(mcc)))
        ):
            self._explain_account()
        root_text = additional = ""
        for name, tag, limit, in_62 in _TEXT_SPECS:  # root fields 59-61 come first
            value = fields[name]
            if value is None:
                continue
            if fold_text:
                value = fold(value)
            if not value or len(value) > limit or not (value.isascii() and value.isprintable()):
                self._explain_text(name, value)
            if in_62:
                additional += f"{tag}{len(value):02d}{value}"
            else:
                root_text += f"{tag}{len(value):02d}{value}"
        beneficiary = f"0006{bin_}01{len(account):02d}{account}"
        napas = (
            f"0010{NAPAS_GUID}01{len(beneficiary):02d}{beneficiary}02{len(service):02d}{service}"
        )
        amount = "" if self.amount is None else _tlv("54", str(self.amount))
        body = (
            f"0002010102{self.point_of_initiation}38{len(napas):02d}{napas}"
            f"{'' if mcc is None else '5204' + mcc}5303704{amount}5802VN{root_text}"
            f"{_tlv_template('62', additional) if additional else ''}"
            f"{'' if self.language is None else self._language_template()}"
            f"{self._extra_objects() if self.extra else ''}6304"
        )
        # emv.with_crc inlined; %-format is measurably faster than format() here
        return body + "%04X" % binascii.crc_hqx(body.encode(), 0xFFFF)  # noqa: UP031

    def _extra_objects(self) -> str:
        parts = []
        for tag, value in sorted(self.extra):
            if tag in _MODELLED_ROOT or tag not in _TWO_DIGITS or len(value) > 99:
                raise FormatError(
                    f"extra object {tag!r}: the ID clashes with a modelled one, is not two "
                    f"digits, or its {len(value)}-character value is over 99",
                    field=tag,
                )
            parts.append(_tlv(tag, value))
        return "".join(parts)

    def _language_template(self) -> str:
        if not _LANGUAGE.fullmatch(self.language or ""):
            raise FormatError(
                f"language must be 2 letters (ISO 639), got {self.language!r}", field="64.00"
            )
        name = nfc(self.alt_merchant_name or "")
        city = nfc(self.alt_merchant_city or "")
        if not name:
            raise LengthError("the language template needs a merchant name", field="64.01")
        for label, value, path, limit in (
            ("alternate merchant name", name, "64.01", 25),
            ("alternate merchant city", city, "64.02", 15),
        ):
            if len(value) > limit:
                raise LengthError(
                    f"{label}: {len(value)} characters, the limit is {limit}", field=path
                )
        value = (
            _tlv("00", self.language or "") + _tlv("01", name) + (_tlv("02", city) if city else "")
        )
        return _tlv_template("64", value)

    def _explain_account(self) -> None:
        """Raise the precise error for a bad BIN, account, service code or MCC."""
        if not (isinstance(self.bin, str) and _BIN.fullmatch(self.bin)):
            raise FormatError(
                f"bank BIN must be 6 digits, got {self.bin!r} ({len(str(self.bin))} characters)",
                field="38.01.00",
                code="format-bin",
            )
        if not isinstance(self.account, str) or not self.account:
            raise LengthError("account number is empty", field="38.01.01", code="length-account")
        if len(self.account) > 19:
            raise LengthError(
                f"account: {len(self.account)} characters, the limit is 19",
                field="38.01.01",
                code="length-account",
            )
        if not _ACCOUNT.fullmatch(self.account):
            raise CharsetError(
                f"account {self.account!r} may hold only ASCII letters and digits",
                field="38.01.01",
                code="charset-account",
            )
        if self.service not in SERVICE_CODES:
            raise FormatError(
                f"service code {self.service!r} is not one of {', '.join(SERVICE_CODES)}",
                field="38.02",
                code="format-service",
            )
        raise FormatError(f"merchant category code must be 4 digits, got {self.mcc!r}", field="52")

    def _explain_text(self, name: str, value: str) -> None:
        """Raise the precise error for a text field that is empty, too long or not ASCII."""
        path, limit = _TEXT_LIMITS[name]
        label = name.replace("_", " ")
        if not value:
            raise LengthError(
                f"{label} is empty; leave it out instead", field=path, code="length-empty"
            )
        if len(value) > limit:
            raise LengthError(
                f"{label}: {len(value)} characters, the limit is {limit}",
                field=path,
                code="length-field",
            )
        hint = "" if getattr(self, name) == value else " (after folding)"
        raise CharsetError(
            f"{label} {value!r} has characters outside printable ASCII{hint}",
            field=path,
            code="charset-ans",
        )


_DEFAULTS = {
    f.name: f.default for f in dataclasses.fields(VietQR) if f.default is not dataclasses.MISSING
}
_MODELLED_ROOT = {"00", "01", "38", "52", "53", "54", "58", "59", "60", "61", "62", "63", "64"}


def _tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def _tlv_template(tag: str, value: str) -> str:
    if len(value) > 99:
        raise LengthError(
            f"template holds {len(value)} characters, the limit is 99; shorten its fields",
            field=tag,
            code="length-template",
        )
    return f"{tag}{len(value):02d}{value}"


def _coerce_amount(amount: object) -> int | None:
    """Amounts are whole dong: an int, or a string of digits. Floats are refused."""
    if amount is None:
        return None
    if isinstance(amount, bool) or not isinstance(amount, (int, str)):
        raise FormatError(
            f"amount must be a whole number of dong (int), got {type(amount).__name__} {amount!r}",
            field="54",
            code="format-amount",
        )
    if isinstance(amount, str):
        text = amount.strip()
        if not (text.isascii() and text.isdigit()):
            raise FormatError(
                f"amount {amount!r} must be digits only (no signs, separators or decimals)",
                field="54",
                code="format-amount",
            )
        amount = int(text)
    if amount <= 0:
        raise FormatError(f"amount must be positive, got {amount}", field="54", code="format-amount")
    if len(str(amount)) > _MAX_AMOUNT_DIGITS:
        raise LengthError(
            f"amount: {len(str(amount))} digits, the limit is {_MAX_AMOUNT_DIGITS}",
            field="54",
            code="length-field",
        )
    return amount


def parse(payload: str, *, profile: str = "napas") -> VietQR:
    """Parse and validate a VietQR payload; warnings are kept on ``result.warnings``.

    Raises :class:`~cashless.errors.NotVietQRError` (with ``.scheme``) for a valid EMV
    payload of another scheme, and another :class:`~cashless.errors.CashlessError` for
    the first error :func:`lint` finds.

    >>> parse("00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN63049E6F").account
    '0011012345678'
    """
    if profile == "napas" and payload.__class__ is str:
        fields = canonical_fields(payload)
        if fields is not None:
            return VietQR._trusted(fields)
    return _parse_tree(payload, profile)


def _parse_tree(payload: str, profile: str) -> VietQR:
    """The general path: any layout, every rule, the precise error."""
    tree = decode(payload)
    if tree.scheme != "vietqr":
        name = {"vnpay-qr": "a VNPAY-QR merchant code"}.get(
            tree.scheme, "an EMV payload of another scheme"
        )
        guids = [tree.get(f"{t}.00") for t in tree.merchant_account_ids()]
        raise NotVietQRError(
            f"{name}, not VietQR (merchant account GUIDs: {', '.join(g or '-' for g in guids) or 'none'})",
            scheme=tree.scheme,
            code="not-vietqr",
        )
    findings = lint(tree, profile=profile)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise errors[0].to_error()
    return _from_tree(tree, tuple(f for f in findings if f.severity != "error"))


def _from_tree(tree: Payload, warnings: tuple[Finding, ...]) -> VietQR:
    account = tree.account_template(NAPAS_GUID)
    assert account is not None and account.children is not None
    beneficiary = account.child("01")
    assert beneficiary is not None
    service = account.child("02")
    amount = tree.get("54")
    fields: dict[str, object] = {
        "bin": beneficiary.child("00").value,  # type: ignore[union-attr]
        "account": beneficiary.child("01").value,  # type: ignore[union-attr]
        "service": service.value if service else "QRIBFTTA",
        "amount": int(amount.rstrip(".")) if amount else None,
        "mcc": tree.get("52"),
        "dynamic": tree.get("01") == "12",
        "warnings": warnings,
    }
    for name, tag, _ in _ROOT_TEXT:
        fields[name] = tree.get(tag)
    for name, tag in _ADDITIONAL:
        fields[name] = tree.get(f"62.{tag}")
    if tree.find("64") is not None:
        fields["language"] = tree.get("64.00")
        fields["alt_merchant_name"] = tree.get("64.01")
        fields["alt_merchant_city"] = tree.get("64.02")
    fields["extra"] = tuple(
        sorted(
            (o.tag, o.value)
            for o in tree.objects
            if o.tag not in _MODELLED_ROOT and o is not account
        )
    )
    return VietQR(**fields)  # type: ignore[arg-type]


def is_valid(payload: str, *, profile: str = "napas") -> bool:
    """``True`` when :func:`parse` accepts the payload.

    >>> is_valid("00020101021138570010A00000072701270006970403011200110123456780208QRIBFTTA53037045802VN6304F4E5")
    False
    """
    try:
        parse(payload, profile=profile)
    except CashlessError:
        return False
    return True


def describe(code: VietQR) -> dict[str, object]:
    """A JSON-friendly dict of the fields that are set (used by the CLI)."""
    out: dict[str, object] = {"scheme": "vietqr", "point_of_initiation": code.point_of_initiation}
    for item in dataclasses.fields(code):
        value = getattr(code, item.name)
        if item.name in ("warnings", "dynamic") or value in (None, ()):
            continue
        out[item.name] = [list(pair) for pair in value] if item.name == "extra" else value
    out["warnings"] = [w.to_dict() for w in code.warnings]
    return out
