"""One table of every EMV and NAPAS data object: the single place for IDs, formats and limits.

Every other module of :mod:`cashless.payload` reads names, formats, lengths and template
flags from here; nothing else writes a limit down. Each table below opens with the
clause it encodes (after segno's ``consts.py``). Sources: EMVCo QRCPS Merchant-Presented
Mode v1.1 ("EMVCo MPM") and NAPAS, *VietQR format in the NAPAS247 fast transfer service*
v1.0 ("NAPAS VietQR"), both restated table by table in vietqr-spec §3 (root), vietqr-spec §4
(template 38), vietqr-spec §5 (template 62) and vietqr-spec §6 (template 64).

An entry is keyed by its dotted path: ``"54"`` under the root, ``"62.08"`` inside the
additional data template, ``"38.01.01"`` inside the NAPAS beneficiary template.

Formats: ``N`` digits; ``ans`` printable ASCII (the EMV common character set); ``S`` any
Unicode; ``amount`` digits with at most one ``.`` (EMVCo MPM §4.7.4); ``percent`` a
percentage such as ``"3.5"`` (no ``%``).

>>> max_length("38.01.01"), max_length("54"), max_length("59"), max_length("60")
(19, 13, 25, 15)
>>> OBJECTS["62.08"].name, OBJECTS["62.08"].format, OBJECTS["62.08"].max_length
('purpose', 'ans', 25)
>>> lookup("38").template, lookup("15").template, lookup("62.50").template
(True, False, True)
>>> lookup("38.01.00").clause
'NAPAS VietQR §5.2.3.2'
"""

from __future__ import annotations

from typing import NamedTuple

from cashless.errors import FormatError

__all__ = [
    "ACCOUNT_SERVICE",
    "ADDITIONAL_FIELDS",
    "ADDITIONAL_TEXT",
    "CARD_DIGITS",
    "CARD_SERVICE",
    "COUNTRY_VN",
    "CURRENCY_VND",
    "FORMATS",
    "GUIDS",
    "LANGUAGE_FIELDS",
    "MAX_PAYLOAD",
    "MAX_VALUE",
    "NAPAS_FIELDS",
    "NAPAS_GUID",
    "OBJECTS",
    "ROOT",
    "ROOT_FIELDS",
    "SERVICES",
    "SERVICE_CODES",
    "TEMPLATES",
    "TRANSFER_SERVICES",
    "VNPAY_GUID",
    "FieldSpec",
    "lookup",
    "max_length",
]


class FieldSpec(NamedTuple):
    """What the standards say about one data object."""

    path: str
    """Dotted path: ``"59"``, ``"62.08"``, ``"38.01.01"``."""
    name: str
    """Snake-case name, also the attribute or JSON key where the codec exposes it."""
    format: str
    """One of :data:`FORMATS`."""
    min_length: int
    max_length: int
    template: bool
    """Whether the value is itself a list of data objects."""
    clause: str
    """Where the rule comes from, as cited in comments (``"EMVCo MPM Table 3.6"``)."""


FORMATS = ("N", "ans", "S", "amount", "percent")

# EMVCo MPM §4.4: an ID is two digits, the length two digits, so no value (and no whole
# template) exceeds 99 characters.
MAX_VALUE = 99
# EMVCo MPM §4.1: a payload "shall not exceed 512 characters".
MAX_PAYLOAD = 512
# vietqr-spec §3 (NAPAS VietQR §5.2.5): the only currency (ISO 4217 numeric) and country
# (ISO 3166-1) a VietQR carries in 53 and 58.
CURRENCY_VND = "704"
COUNTRY_VN = "VN"

# vietqr-spec §4.3: service codes in 38.02. NAPAS VietQR §5.2.3.2.3 names the two transfer
# codes; QRPUSH and QRCASH come from the NAPAS QR switching specification.
SERVICES = {
    "QRIBFTTA": "NAPAS247 transfer to an account",
    "QRIBFTTC": "NAPAS247 transfer to a card",
    "QRPUSH": "merchant payment",
    "QRCASH": "ATM cash withdrawal",
}
SERVICE_CODES = tuple(SERVICES)
ACCOUNT_SERVICE = "QRIBFTTA"  # also what a parsed code without 38.02 is taken to be
CARD_SERVICE = "QRIBFTTC"
TRANSFER_SERVICES = (ACCOUNT_SERVICE, CARD_SERVICE)
# vietqr-spec §4.1: with QRIBFTTC, 38.01.01 is a NAPAS card number of 16 to 19 digits.
CARD_DIGITS = (16, 19)

# vietqr-spec §4.4 and vietqr-spec §11: GUIDs (sub-ID 00 of a template 26-51) that name
# a scheme, and the scheme's name in cashless. Any other GUID is a plain "emv" payload.
NAPAS_GUID = "A000000727"  # VietQR over NAPAS247 (NAPAS VietQR §5.2.3.2)
VNPAY_GUID = "A000000775"  # VNPAY-QR merchant codes
GUIDS = {NAPAS_GUID: "vietqr", VNPAY_GUID: "vnpay-qr"}


def _entry(
    path: str,
    name: str,
    fmt: str,
    low: int,
    high: int,
    clause: str,
    *,
    template: bool = False,
) -> FieldSpec:
    return FieldSpec(path, name, fmt, low, high, template, clause)


def _table(clause: str, rows: tuple[tuple[str, str, str, int, int], ...]) -> dict[str, FieldSpec]:
    return {path: _entry(path, name, fmt, lo, hi, clause) for path, name, fmt, lo, hi in rows}


# EMVCo MPM Table 3.6 (NAPAS VietQR §5.2): root data objects with a fixed meaning.
# vietqr-spec §3. 58 is ans in EMVCo (S in NAPAS); 54/56 are numbers with one optional '.'.
ROOT_FIELDS = _table(
    "EMVCo MPM Table 3.6",
    (
        ("00", "payload_format", "N", 2, 2),
        ("01", "point_of_initiation", "N", 2, 2),
        ("52", "merchant_category_code", "N", 4, 4),
        ("53", "currency", "N", 3, 3),
        ("54", "amount", "amount", 1, 13),
        ("55", "tip_or_convenience_indicator", "N", 2, 2),
        ("56", "convenience_fee_fixed", "amount", 1, 13),
        ("57", "convenience_fee_percentage", "percent", 1, 5),
        ("58", "country", "ans", 2, 2),
        ("59", "merchant_name", "ans", 1, 25),
        ("60", "merchant_city", "ans", 1, 15),
        ("61", "postal_code", "ans", 1, 10),
        ("63", "crc", "ans", 4, 4),
    ),
)
ROOT_FIELDS["62"] = _entry(
    "62", "additional_data", "S", 1, MAX_VALUE, "EMVCo MPM Table 3.6", template=True
)
ROOT_FIELDS["64"] = _entry(
    "64", "merchant_information_language", "S", 1, MAX_VALUE, "EMVCo MPM Table 3.6", template=True
)


def _root() -> dict[str, FieldSpec]:
    root: dict[str, FieldSpec] = {}
    for number in range(100):
        tag = f"{number:02d}"
        if tag in ROOT_FIELDS:
            root[tag] = ROOT_FIELDS[tag]
        elif 2 <= number <= 25:
            # card networks' primitive merchant account information (vietqr-spec §3)
            root[tag] = _entry(
                tag, f"merchant_account_{tag}", "ans", 1, MAX_VALUE, "EMVCo MPM Table 3.6"
            )
        elif 26 <= number <= 51:
            # merchant account information templates, opened by a GUID in sub-ID 00
            root[tag] = _entry(
                tag,
                f"merchant_account_{tag}",
                "S",
                1,
                MAX_VALUE,
                "EMVCo MPM Table 3.6",
                template=True,
            )
        elif 65 <= number <= 79:
            root[tag] = _entry(tag, f"rfu_{tag}", "S", 1, MAX_VALUE, "EMVCo MPM Table 3.6")
        else:  # 80-99; NAPAS VietQR §5.2.18
            root[tag] = _entry(
                tag, f"unreserved_{tag}", "S", 1, MAX_VALUE, "EMVCo MPM Table 3.6", template=True
            )
    # NAPAS VietQR §5.2.3.2: VietQR's own merchant account template.
    root["38"] = _entry("38", "napas", "S", 1, MAX_VALUE, "NAPAS VietQR §5.2.3.2", template=True)
    return root


ROOT = _root()
"""Every root ID, ``"00"`` to ``"99"``."""

# EMVCo MPM Table 3.7 (NAPAS VietQR §5.2.14, vietqr-spec §5): the additional data template.
ADDITIONAL_FIELDS = _table(
    "EMVCo MPM Table 3.7",
    (
        ("62.01", "bill_number", "ans", 1, 25),
        ("62.02", "mobile_number", "ans", 1, 25),
        ("62.03", "store_label", "ans", 1, 25),
        ("62.04", "loyalty_number", "ans", 1, 25),
        ("62.05", "reference_label", "ans", 1, 25),
        ("62.06", "customer_label", "ans", 1, 25),
        ("62.07", "terminal_label", "ans", 1, 25),
        ("62.08", "purpose", "ans", 1, 25),
        ("62.09", "consumer_data_request", "ans", 1, 3),
        ("62.10", "merchant_tax_id", "ans", 1, 20),  # RFU in NAPAS VietQR v1.0
        ("62.11", "merchant_channel", "ans", 1, 3),  # RFU in NAPAS VietQR v1.0
    ),
)


def _additional() -> dict[str, FieldSpec]:
    table = dict(ADDITIONAL_FIELDS)
    for number in range(12, 100):
        path = f"62.{number:02d}"
        if number < 50:
            table[path] = _entry(
                path, f"rfu_{number:02d}", "S", 1, MAX_VALUE, "EMVCo MPM Table 3.7"
            )
        else:  # payment-system templates, opened by a GUID
            table[path] = _entry(
                path,
                f"payment_system_{number:02d}",
                "S",
                1,
                MAX_VALUE,
                "EMVCo MPM Table 3.7",
                template=True,
            )
    return table


_ADDITIONAL = _additional()
# 62.01-08: free text (ans, at most 25) that the VietQR record models one attribute each.
ADDITIONAL_TEXT = tuple(ADDITIONAL_FIELDS[f"62.{n:02d}"] for n in range(1, 9))

# EMVCo MPM Table 3.8 (NAPAS VietQR §5.2.16, vietqr-spec §6): the language template. 01 and
# 02 are the only name and city fields in format S, where accented Vietnamese belongs.
LANGUAGE_FIELDS = _table(
    "EMVCo MPM Table 3.8",
    (
        ("64.00", "language", "ans", 2, 2),
        ("64.01", "merchant_name", "S", 1, 25),
        ("64.02", "merchant_city", "S", 1, 15),
    ),
)
_LANGUAGE = LANGUAGE_FIELDS | {
    f"64.{n:02d}": _entry(f"64.{n:02d}", f"rfu_{n:02d}", "S", 1, MAX_VALUE, "EMVCo MPM Table 3.8")
    for n in range(3, 100)
}

# NAPAS VietQR §5.2.3.2 (vietqr-spec §4): template 38 and its beneficiary template.
# 38.01.00 is "S (digits)" in NAPAS: a 6-digit BIN; 38.01.01 is ANS, letters and digits.
NAPAS_FIELDS = _table(
    "NAPAS VietQR §5.2.3.2",
    (
        ("38.00", "guid", "ans", 1, 32),
        ("38.01.00", "bin", "N", 6, 6),
        ("38.01.01", "account", "ans", 1, 19),
        ("38.02", "service", "ans", 1, 10),
    ),
)
NAPAS_FIELDS["38.01"] = _entry(
    "38.01", "beneficiary", "S", 1, MAX_VALUE, "NAPAS VietQR §5.2.3.2", template=True
)

# EMVCo MPM Table 3.6 and EMVCo MPM Table 3.7 (vietqr-spec §3, vietqr-spec §5): every
# merchant account template (26-51), unreserved template (80-99) and payment-system
# template (62.50-99) opens with a GUID of at most 32 characters in sub-ID 00.
_GUID_PARENTS = {
    "EMVCo MPM Table 3.6": [f"{n:02d}" for n in (*range(26, 52), *range(80, 100))],
    "EMVCo MPM Table 3.7": [f"62.{n:02d}" for n in range(50, 100)],
}
_GUIDS = {
    f"{parent}.00": _entry(f"{parent}.00", "guid", "ans", 1, 32, clause)
    for clause, parents in _GUID_PARENTS.items()
    for parent in parents
}

OBJECTS: dict[str, FieldSpec] = ROOT | _ADDITIONAL | _LANGUAGE | _GUIDS | NAPAS_FIELDS
"""Every data object by dotted path."""

TEMPLATES = frozenset(path for path, entry in OBJECTS.items() if entry.template)
"""Paths whose value is a list of data objects (``"38.01"`` included)."""


def lookup(path: str) -> FieldSpec:
    """The entry for a dotted path; :class:`~cashless.errors.FormatError` if there is none.

    >>> lookup("60")
    FieldSpec(path='60', name='merchant_city', format='ans', min_length=1, max_length=15, template=False, clause='EMVCo MPM Table 3.6')
    """
    entry = OBJECTS.get(path) if path.__class__ is str else None
    if entry is None:
        raise FormatError(f"no data object has the path {path!r}", field=str(path), code="bad-id")
    return entry


def max_length(path: str) -> int:
    """The longest value the standards allow at ``path``, in characters.

    >>> max_length("62.08"), max_length("00"), max_length("38")
    (25, 2, 99)
    """
    return lookup(path).max_length
