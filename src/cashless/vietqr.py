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

import dataclasses
import re
from dataclasses import dataclass, field

from cashless.emv import NAPAS_GUID, Payload, decode, encode, with_crc
from cashless.errors import (
    CashlessError,
    CharsetError,
    FormatError,
    LengthError,
    NotVietQRError,
)
from cashless.lint import SERVICE_CODES, Finding, lint
from cashless.text import fold, is_ans, nfc

__all__ = ["VietQR", "build", "is_valid", "lint", "parse"]

_MAX_AMOUNT_DIGITS = 13  # EMVCo 54 is at most 13 characters
_ACCOUNT = re.compile(r"[A-Za-z0-9]{1,19}")
_LANGUAGE = re.compile(r"[A-Za-z]{2}")
_MCC = re.compile(r"[0-9]{4}")

# ans text fields: (attribute, EMV path, limit). Values are folded to ASCII on build.
_ROOT_TEXT = (("merchant_name", "59", 25), ("merchant_city", "60", 15), ("postal_code", "61", 10))
_ADDITIONAL = (
    ("bill_number", "01"),
    ("mobile_number", "02"),
    ("store_label", "03"),
    ("loyalty_number", "04"),
    ("reference_label", "05"),
    ("customer_label", "06"),
    ("terminal_label", "07"),
    ("purpose", "08"),
)
_FOLDED = tuple(name for name, *_ in _ROOT_TEXT) + tuple(name for name, _ in _ADDITIONAL)
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
        object.__setattr__(self, "amount", _coerce_amount(self.amount))
        if isinstance(self.bin, int):
            object.__setattr__(self, "bin", f"{self.bin:06d}")
        if self.dynamic is not None and self.dynamic == (self.amount is not None):
            # the default already says so: keep one spelling, so equal codes compare equal
            object.__setattr__(self, "dynamic", None)

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
        texts = {
            name: fold(value) if fold_text else value
            for name in _FOLDED
            if (value := getattr(self, name)) is not None
        }
        self._check(texts)
        objects: list[tuple[str, str]] = [("00", "01"), ("01", self.point_of_initiation)]
        beneficiary = encode([("00", self.bin), ("01", self.account)])
        objects.append(
            ("38", encode([("00", NAPAS_GUID), ("01", beneficiary), ("02", self.service)]))
        )
        if self.mcc is not None:
            objects.append(("52", self.mcc))
        objects.append(("53", "704"))
        if self.amount is not None:
            objects.append(("54", str(self.amount)))
        objects.append(("58", "VN"))
        objects.extend((tag, texts[name]) for name, tag, _ in _ROOT_TEXT if name in texts)
        additional = [(tag, texts[name]) for name, tag in _ADDITIONAL if name in texts]
        if additional:
            objects.append(("62", _template("62", additional)))
        if self.language is not None:
            language = [("00", self.language), ("01", nfc(self.alt_merchant_name or ""))]
            if self.alt_merchant_city:
                language.append(("02", nfc(self.alt_merchant_city)))
            objects.append(("64", _template("64", language)))
        objects.extend(sorted(self.extra))
        return with_crc(encode(objects))

    def _check(self, texts: dict[str, str]) -> None:
        if not (isinstance(self.bin, str) and len(self.bin) == 6 and self.bin.isdigit()):
            raise FormatError(
                f"bank BIN must be 6 digits, got {self.bin!r} ({len(str(self.bin))} characters)",
                path="38.01.00",
                code="format-bin",
            )
        if not isinstance(self.account, str) or not self.account:
            raise LengthError("account number is empty", path="38.01.01", code="length-account")
        if len(self.account) > 19:
            raise LengthError(
                f"account: {len(self.account)} characters, the limit is 19",
                path="38.01.01",
                code="length-account",
            )
        if not _ACCOUNT.fullmatch(self.account):
            raise CharsetError(
                f"account {self.account!r} may hold only ASCII letters and digits",
                path="38.01.01",
                code="charset-account",
            )
        if self.service not in SERVICE_CODES:
            raise FormatError(
                f"service code {self.service!r} is not one of {', '.join(SERVICE_CODES)}",
                path="38.02",
                code="format-service",
            )
        if self.mcc is not None and not _MCC.fullmatch(self.mcc):
            raise FormatError(
                f"merchant category code must be 4 digits, got {self.mcc!r}", path="52"
            )
        for name, value in texts.items():
            path, limit = _TEXT_LIMITS[name]
            label = name.replace("_", " ")
            if not value:
                raise LengthError(
                    f"{label} is empty; leave it out instead", path=path, code="length-empty"
                )
            if len(value) > limit:
                raise LengthError(
                    f"{label}: {len(value)} characters, the limit is {limit}",
                    path=path,
                    code="length-field",
                )
            if not is_ans(value):
                hint = "" if getattr(self, name) == value else " (after folding)"
                raise CharsetError(
                    f"{label} {value!r} has characters outside printable ASCII{hint}",
                    path=path,
                    code="charset-ans",
                )
        if self.language is not None:
            if not _LANGUAGE.fullmatch(self.language):
                raise FormatError(
                    f"language must be 2 letters (ISO 639), got {self.language!r}", path="64.00"
                )
            name = nfc(self.alt_merchant_name or "")
            if not name:
                raise LengthError("the language template needs a merchant name", path="64.01")
            if len(name) > 25:
                raise LengthError(
                    f"alternate merchant name: {len(name)} characters, the limit is 25",
                    path="64.01",
                )
            city = nfc(self.alt_merchant_city or "")
            if len(city) > 15:
                raise LengthError(
                    f"alternate merchant city: {len(city)} characters, the limit is 15",
                    path="64.02",
                )
        for tag, value in self.extra:
            if tag in _MODELLED_ROOT or not (len(tag) == 2 and tag.isdigit()):
                raise FormatError(
                    f"extra object {tag!r} clashes with a modelled or invalid ID", path=tag
                )
            if len(value) > 99:
                raise LengthError(f"{len(value)} characters, the limit is 99", path=tag)


_MODELLED_ROOT = {"00", "01", "38", "52", "53", "54", "58", "59", "60", "61", "62", "63", "64"}


def _template(tag: str, objects: list[tuple[str, str]]) -> str:
    value = encode(objects)
    if len(value) > 99:
        raise LengthError(
            f"template holds {len(value)} characters, the limit is 99; shorten its fields",
            path=tag,
            code="length-template",
        )
    return value


def _coerce_amount(amount: object) -> int | None:
    """Amounts are whole dong: an int, or a string of digits. Floats are refused."""
    if amount is None:
        return None
    if isinstance(amount, bool) or not isinstance(amount, (int, str)):
        raise FormatError(
            f"amount must be a whole number of dong (int), got {type(amount).__name__} {amount!r}",
            path="54",
            code="format-amount",
        )
    if isinstance(amount, str):
        text = amount.strip()
        if not (text.isascii() and text.isdigit()):
            raise FormatError(
                f"amount {amount!r} must be digits only (no signs, separators or decimals)",
                path="54",
                code="format-amount",
            )
        amount = int(text)
    if amount <= 0:
        raise FormatError(f"amount must be positive, got {amount}", path="54", code="format-amount")
    if len(str(amount)) > _MAX_AMOUNT_DIGITS:
        raise LengthError(
            f"amount: {len(str(amount))} digits, the limit is {_MAX_AMOUNT_DIGITS}",
            path="54",
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


def build(bank: str | int, account: str, *, accents_in_64: bool = False, **fields: object) -> str:
    """Build a payload, naming the bank by BIN, code or short name.

    >>> build("ACB", "257678859")
    '00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F'
    >>> build(970416, "257678859", amount=10000, purpose="Chuyen tien")[-33:]
    '5802VN62150811Chuyen tien630453E6'
    """
    from cashless.banks import lookup_bank

    code = VietQR(bin=lookup_bank(bank).bin, account=account, **fields)  # type: ignore[arg-type]
    if accents_in_64:
        code = code.with_language_template()
    return code.build()


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
