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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

from cashless.errors import (
    CashlessError,
    CharsetError,
    FormatError,
    LengthError,
    NotVietQRError,
    UsageError,
)
from cashless.payload._native import Reader, compiled_readers
from cashless.payload.emv import Payload, check_characters, decode, tlv, with_crc
from cashless.payload.lint import Finding, lint, profile_name
from cashless.payload.spec import (
    ACCOUNT_SERVICE,
    ADDITIONAL_TEXT,
    COUNTRY_VN,
    CURRENCY_VND,
    NAPAS_GUID,
    OBJECTS,
    ROOT,
    SERVICE_CODES,
    max_length,
)
from cashless.payload.text import fold, nfc

__all__ = ["VietQR", "describe", "is_valid", "lint", "parse"]

_AMOUNT_DIGITS = max_length("54")
_AMOUNT_LIMIT = 10**_AMOUNT_DIGITS
_ACCOUNT_MAX = max_length("38.01.01")
_ACCOUNT = re.compile(rf"[A-Za-z0-9]{{1,{_ACCOUNT_MAX}}}")
_BIN_DIGITS = max_length("38.01.00")
_BIN = re.compile(rf"[0-9]{{{_BIN_DIGITS}}}")
_LANGUAGE = re.compile(rf"[A-Za-z]{{{max_length('64.00')}}}")  # ISO 639-1
_MCC = re.compile(rf"[0-9]{{{max_length('52')}}}")

# The ans text fields the record models, in the order build() writes them (root 59-61,
# then 62.01-08): (attribute, EMV path, ID, limit, inside 62). Folded to ASCII on build.
_TEXT_SPECS = tuple(
    (entry.name, entry.path, entry.path[-2:], entry.max_length, entry.path.startswith("62."))
    for entry in (OBJECTS["59"], OBJECTS["60"], OBJECTS["61"], *ADDITIONAL_TEXT)
)
_FOLDED = tuple(name for name, *_ in _TEXT_SPECS)
_TEXT_LIMITS = {name: (path, limit) for name, path, _, limit, _ in _TEXT_SPECS}
# Template 64's accented name and city (format S): (label, path, limit)
_ALTERNATE = tuple(
    (f"alternate {entry.name.replace('_', ' ')}", entry.path, entry.max_length)
    for entry in (OBJECTS["64.01"], OBJECTS["64.02"])
)
# Fixed objects, serialised once by the one serialiser
_FORMAT_INDICATOR = tlv("00", "01")
_INITIATION = {poi: tlv("01", poi) for poi in ("11", "12")}
_NAPAS_GUID = tlv("00", NAPAS_GUID)
_SERVICE = {code: tlv("02", code) for code in SERVICE_CODES}
_CURRENCY = tlv("53", CURRENCY_VND)
_COUNTRY = tlv("58", COUNTRY_VN)
# Root IDs the record models; anything else a parsed code carries goes to ``extra``.
_MODELLED_ROOT = {"00", "01", "38", "52", "53", "54", "58", "59", "60", "61", "62", "63", "64"}


@dataclass(frozen=True, init=False)
class VietQR:
    """One VietQR payment code.

    ``bin`` is the beneficiary bank's 6-digit BIN (38.01.00); ``account`` the account
    or card number (38.01.01, at most 19 letters or digits); ``service`` ``QRIBFTTA``
    (to an account) or ``QRIBFTTC`` (to a card). ``amount`` is whole dong or ``None``
    (the payer types it). ``dynamic`` picks the point of initiation: ``None`` means
    dynamic (``12``) exactly when an amount is set, as bank apps do.

    Text fields may hold Vietnamese: :meth:`build` folds them to ASCII (``ans``,
    vietqr-spec §10) and :meth:`with_language_template` keeps the accented name in template 64.
    ``extra`` holds root objects this class does not model, as ``(id, raw value)``.

    A keyword that is not a field is a :class:`~cashless.errors.UsageError`:

    >>> VietQR(bin="970436", account="1", colour="red")
    Traceback (most recent call last):
    ...
    cashless.errors.UsageError: colour is not a VietQR field
    """

    bin: str
    account: str
    service: str = ACCOUNT_SERVICE
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

    def __init__(
        self,
        bin: str,
        account: str,
        service: str = ACCOUNT_SERVICE,
        amount: int | None = None,
        purpose: str | None = None,
        bill_number: str | None = None,
        mobile_number: str | None = None,
        store_label: str | None = None,
        loyalty_number: str | None = None,
        reference_label: str | None = None,
        customer_label: str | None = None,
        terminal_label: str | None = None,
        merchant_name: str | None = None,
        merchant_city: str | None = None,
        postal_code: str | None = None,
        mcc: str | None = None,
        language: str | None = None,
        alt_merchant_name: str | None = None,
        alt_merchant_city: str | None = None,
        dynamic: bool | None = None,
        extra: tuple[tuple[str, str], ...] = (),
        warnings: tuple[Finding, ...] = (),
        **unknown: NoReturn,  # at run time: a UsageError naming them
    ) -> None:
        # Written out (not generated) so that a stray keyword is a UsageError, and fast:
        # a frozen dataclass's __init__ pays one object.__setattr__ per field.
        if unknown:
            verb = "is not a VietQR field" if len(unknown) == 1 else "are not VietQR fields"
            raise UsageError(verb, field=", ".join(sorted(unknown)), code="usage-field")
        if amount is not None and not (amount.__class__ is int and 0 < amount < _AMOUNT_LIMIT):
            amount = _coerce_amount(amount)
        if bin.__class__ is int:
            bin = f"{bin:0{_BIN_DIGITS}d}"
        if dynamic is not None and dynamic == (amount is not None):
            # the default already says so: keep one spelling, so equal codes compare equal
            dynamic = None
        self.__dict__.update(
            bin=bin,
            account=account,
            service=service,
            amount=amount,
            purpose=purpose,
            bill_number=bill_number,
            mobile_number=mobile_number,
            store_label=store_label,
            loyalty_number=loyalty_number,
            reference_label=reference_label,
            customer_label=customer_label,
            terminal_label=terminal_label,
            merchant_name=merchant_name,
            merchant_city=merchant_city,
            postal_code=postal_code,
            mcc=mcc,
            language=language,
            alt_merchant_name=alt_merchant_name,
            alt_merchant_city=alt_merchant_city,
            dynamic=dynamic,
            extra=extra,
            warnings=warnings,
        )

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
        changes: dict[str, Any] = {
            name: fold(value) for name in _FOLDED if (value := self._text(name)) is not None
        }
        return dataclasses.replace(self, **changes)

    def folded_fields(self) -> dict[str, tuple[str, str]]:
        """Fields that :meth:`build` changes by folding: ``{name: (given, written)}``.

        >>> VietQR(bin="970436", account="1", purpose="Rau cải").folded_fields()
        {'purpose': ('Rau cải', 'Rau cai')}
        """
        out = {}
        for name in _FOLDED:
            value = self._text(name)
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
        name, city = self._text("merchant_name"), self._text("merchant_city")
        return dataclasses.replace(
            self,
            language=language,
            alt_merchant_name=nfc(name) if name else None,
            alt_merchant_city=nfc(city) if city else None,
        )

    def _text(self, name: str) -> str | None:
        """The text field ``name``, or ``None``; anything but text is a FormatError."""
        value = getattr(self, name)
        if value is not None and not isinstance(value, str):
            self._explain_text(name, value)
        return value

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
        for name, _, tag, limit, in_62 in _TEXT_SPECS:  # root fields 59-61 come first
            value = fields[name]
            if value is None:
                continue
            try:
                if fold_text:
                    value = fold(value)
                fits = 0 < len(value) <= limit and value.isascii() and value.isprintable()
            except (AttributeError, TypeError):  # not text: _explain_text says so
                fits = False
            if not fits:
                self._explain_text(name, value)
            if in_62:
                additional += tlv(tag, value)
            else:
                root_text += tlv(tag, value)
        napas = _NAPAS_GUID + tlv("01", tlv("00", bin_) + tlv("01", account)) + _SERVICE[service]
        return with_crc(
            f"{_FORMAT_INDICATOR}{_INITIATION[self.point_of_initiation]}{tlv('38', napas)}"
            f"{'' if mcc is None else tlv('52', mcc)}{_CURRENCY}"
            f"{'' if self.amount is None else tlv('54', str(self.amount))}{_COUNTRY}{root_text}"
            f"{tlv('62', additional) if additional else ''}"
            f"{'' if self.language is None else self._language_template()}"
            f"{self._extra_objects() if self.extra else ''}"
        )

    def _extra_pairs(self) -> tuple[tuple[str, str], ...]:
        """``extra``, checked to be ``(ID, value)`` pairs of text."""
        pairs = self.extra
        if not (
            isinstance(pairs, (tuple, list))
            and all(
                isinstance(pair, tuple)
                and len(pair) == 2
                and isinstance(pair[0], str)
                and isinstance(pair[1], str)
                for pair in pairs
            )
        ):
            raise FormatError(
                f"extra must be (ID, value) pairs of text, got {pairs!r}",
                field="extra",
                code="format-extra",
            )
        return tuple(pairs)

    def _extra_objects(self) -> str:
        parts = []
        for tag, value in sorted(self._extra_pairs()):
            if tag in _MODELLED_ROOT or tag not in ROOT:
                raise FormatError(
                    f"extra object {tag!r}: the ID clashes with a modelled one or is not "
                    "two digits",
                    field=tag,
                    code="format-extra",
                )
            _refuse_controls(value, tag, f"extra object {tag}")
            parts.append(tlv(tag, value))
        return "".join(parts)

    def _language_template(self) -> str:
        language = self.language
        if not (isinstance(language, str) and _LANGUAGE.fullmatch(language)):
            raise FormatError(
                f"language must be 2 letters (ISO 639), got {language!r}", field="64.00"
            )
        alternates = []
        for (label, path, limit), value in zip(
            _ALTERNATE, (self.alt_merchant_name, self.alt_merchant_city), strict=True
        ):
            if value is not None and not isinstance(value, str):
                raise FormatError(f"{label} must be text, got {value!r}", field=path)
            value = nfc(value or "")
            _refuse_controls(value, path, label)
            if len(value) > limit:
                raise LengthError(
                    f"{label}: {len(value)} characters, the limit is {limit}", field=path
                )
            alternates.append(value)
        name, city = alternates
        if not name:
            raise LengthError("the language template needs a merchant name", field="64.01")
        return tlv("64", tlv("00", language) + tlv("01", name) + (tlv("02", city) if city else ""))

    def _explain_account(self) -> None:
        """Raise the precise error for a bad BIN, account, service code or MCC."""
        if not (isinstance(self.bin, str) and _BIN.fullmatch(self.bin)):
            raise FormatError(
                f"bank BIN must be {_BIN_DIGITS} digits, got {self.bin!r} "
                f"({len(str(self.bin))} characters)",
                field="38.01.00",
                code="format-bin",
            )
        if not isinstance(self.account, str) or not self.account:
            raise LengthError("account number is empty", field="38.01.01", code="length-account")
        if len(self.account) > _ACCOUNT_MAX:
            raise LengthError(
                f"account: {len(self.account)} characters, the limit is {_ACCOUNT_MAX}",
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
        if not isinstance(value, str):
            raise FormatError(
                f"{label} must be text, got {type(value).__name__} {value!r}",
                field=path,
                code="format-type",
            )
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


def _refuse_controls(value: str, path: str, label: str) -> None:
    """Control characters and lone surrogates are refused in format S text too."""
    if not value.isprintable():
        try:
            check_characters(value)
        except CharsetError as exc:
            raise CharsetError(
                f"{label}: {exc.reason.replace(' in the payload', '')} at character {exc.position}",
                field=path,
                code="charset-control",
            ) from None


_DEFAULTS = {
    f.name: f.default for f in dataclasses.fields(VietQR) if f.default is not dataclasses.MISSING
}


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
        # count before int(): Python refuses to read a number of over 4,300 digits
        digits = len(text.lstrip("0"))
        if digits > _AMOUNT_DIGITS:
            raise LengthError(
                f"amount: {digits} digits, the limit is {_AMOUNT_DIGITS}",
                field="54",
                code="length-field",
            )
        amount = int(text)
    if amount <= 0:
        raise FormatError(
            f"amount must be positive, got {amount}", field="54", code="format-amount"
        )
    if amount >= 10**_AMOUNT_DIGITS:
        digits = len(str(amount)) if amount < 10**4000 else 4000
        raise LengthError(
            f"amount: {'over ' if digits == 4000 else ''}{digits} digits, the limit is "
            f"{_AMOUNT_DIGITS}",
            field="54",
            code="length-field",
        )
    return amount


# the two readers parse tries before the tree: compiled by ``make native`` when built from
# these sources (cashless.payload._native), the plain ones otherwise; READER says which
def _readers() -> tuple[str, Reader, Reader]:
    compiled = compiled_readers()
    if compiled is not None:
        return "mypyc", *compiled
    # imported only here, so that a compiled build does not load the same tables twice
    from cashless.payload._canonical import canonical_fields
    from cashless.payload._flat import flat_fields

    return "python", canonical_fields, flat_fields


READER, _canonical_reader, _flat_reader = _readers()


@contextmanager
def _parsing_with(canonical: Reader, flat: Reader) -> Iterator[None]:
    """Run :func:`parse` with this pair of readers in front of the tree path (tests and
    ``benchmarks/bench_payload.py`` compare the plain and the compiled pair this way)."""
    global _canonical_reader, _flat_reader
    saved = _canonical_reader, _flat_reader
    _canonical_reader, _flat_reader = canonical, flat
    try:
        yield
    finally:
        _canonical_reader, _flat_reader = saved


def parse(payload: str, *, profile: str = "napas") -> VietQR:
    """Parse and validate a VietQR payload; warnings are kept on ``result.warnings``.

    Raises :class:`~cashless.errors.NotVietQRError` (with ``.scheme``) for a valid EMV
    payload of another scheme, and another :class:`~cashless.errors.CashlessError` for
    the first error :func:`lint` finds.

    >>> parse("00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN63049E6F").account
    '0011012345678'
    """
    if profile.__class__ is not str or profile != "napas":
        profile = profile_name(profile)
    if profile == "napas" and payload.__class__ is str:
        fields = _canonical_reader(payload)
        if fields is None:
            fields = _flat_reader(payload)  # any order; raises the verdicts it is sure of
        if fields is not None:
            return VietQR._trusted(fields)
    return _parse_tree(payload, profile)


def _parse_tree(payload: str, profile: str) -> VietQR:
    """The general path: any layout, every rule, the precise error.

    A payload of another scheme is checked against its own rules first: a broken
    VNPAY-QR raises the field's error, a sound one :class:`NotVietQRError`.
    """
    profile = profile_name(profile)
    tree = decode(payload)
    findings = lint(tree, profile=profile)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise errors[0].to_error()
    if tree.scheme != "vietqr":
        raise _not_vietqr(tree)
    return _from_tree(tree, tuple(findings))


def _not_vietqr(tree: Payload) -> NotVietQRError:
    name = {"vnpay-qr": "a VNPAY-QR merchant code"}.get(
        tree.scheme, "an EMV payload of another scheme"
    )
    guids = ", ".join(tree.get(f"{t}.00") or "-" for t in tree.merchant_account_ids())
    return NotVietQRError(
        f"{name}, not VietQR (merchant account GUIDs: {guids or 'none'})",
        scheme=tree.scheme,
        code="not-vietqr",
    )


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
        "service": service.value if service else ACCOUNT_SERVICE,
        "amount": int(amount.rstrip(".")) if amount else None,
        "mcc": tree.get("52"),
        "dynamic": tree.get("01") == "12",
        "warnings": warnings,
    }
    for name, path, *_ in _TEXT_SPECS:
        fields[name] = tree.get(path)
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
    profile = profile_name(profile)  # a wrong argument raises, an invalid payload does not
    try:
        parse(payload, profile=profile)
    except CashlessError:
        return False
    return True


def describe(code: VietQR) -> dict[str, object]:
    """A JSON-friendly dict of the fields that are set (used by the CLI).

    >>> describe(VietQR(bin="970436", account="1"))["account"]
    '1'
    """
    if not isinstance(code, VietQR):
        raise UsageError(f"describe takes a VietQR, got {type(code).__name__}", field="code")
    warnings = code.warnings
    if not (isinstance(warnings, tuple) and all(isinstance(w, Finding) for w in warnings)):
        raise UsageError(f"warnings must be a tuple of Finding, got {warnings!r}", field="warnings")
    extra = code._extra_pairs()
    out: dict[str, object] = {"scheme": "vietqr", "point_of_initiation": code.point_of_initiation}
    for item in dataclasses.fields(code):
        value = getattr(code, item.name)
        if item.name in ("warnings", "dynamic") or value in (None, ()):
            continue
        out[item.name] = [list(pair) for pair in extra] if item.name == "extra" else value
    out["findings"] = [w.to_dict() for w in warnings]
    return out
