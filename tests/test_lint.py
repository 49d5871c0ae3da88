"""Validation profiles: findings with code, path, position, severity and hint."""

from __future__ import annotations

from typing import Any

import pytest

from cashless.errors import CharsetError, FormatError
from cashless.payload import emv
from cashless.payload.lint import Finding, lint
from cashless.payload.vietqr import VietQR, parse

MINIMAL = VietQR(bin="970436", account="0011001234567").build()


def _payload(objects: list[tuple[str, str]]) -> str:
    return emv.with_crc(emv.encode(objects))


def _napas(extra: list[tuple[str, str]] | None = None, **replace: str) -> str:
    beneficiary = emv.encode([("00", "970436"), ("01", "0011001234567")])
    objects = {
        "00": "01",
        "01": "11",
        "38": emv.encode([("00", "A000000727"), ("01", beneficiary), ("02", "QRIBFTTA")]),
        "53": "704",
        "58": "VN",
    }
    objects.update(replace)
    items = [(k, v) for k, v in objects.items() if v is not None]
    return _payload(items + (extra or []))


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def test_minimal_vietqr_is_clean_under_napas_but_not_strict() -> None:
    assert lint(MINIMAL, "napas") == []
    strict = lint(MINIMAL, "strict")
    assert {f.path for f in strict} == {"52", "59", "60"}
    assert all(f.severity == "error" and f.code == "format-missing" for f in strict)


def test_unknown_profile() -> None:
    with pytest.raises(ValueError, match="napas, strict"):
        lint(MINIMAL, "lenient")


def test_every_problem_is_reported_together() -> None:
    payload = _napas(
        [
            ("59", "Cửa hàng Bà Hương số một!!"),
            ("62", emv.encode([("08", "x" * 26), ("09", "AAZ")])),
        ],
        **{"53": "840", "58": "US"},
    )
    findings = lint(payload)
    assert {
        "format-currency",
        "format-country",
        "length-field",
        "charset-ans",
        "format-request",
    } <= set(codes(findings))
    by_code = {f.code: f for f in findings}
    assert by_code["length-field"].path in ("59", "62.08")
    assert by_code["format-currency"].position == payload.index("5303840")
    # errors come first
    severities = [f.severity for f in findings]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)


def test_charset_and_length_of_59_are_warnings_under_napas_errors_under_strict() -> None:
    payload = _napas([("52", "5411"), ("59", "Bà Hương bán rau cải ngọt"), ("60", "THANH HOA")])
    napas = {f.code: f.severity for f in lint(payload, "napas")}
    assert napas == {"charset-ans": "warning"}
    strict = {f.code: f.severity for f in lint(payload, "strict")}
    assert strict["charset-ans"] == "error"
    assert parse(payload).merchant_name == "Bà Hương bán rau cải ngọt"
    with pytest.raises(CharsetError):
        parse(payload, profile="strict")


def test_missing_point_of_initiation_and_service_code() -> None:
    beneficiary = emv.encode([("00", "970436"), ("01", "12345")])
    no_service = emv.encode([("00", "A000000727"), ("01", beneficiary)])
    payload = _payload([("00", "01"), ("38", no_service), ("53", "704"), ("58", "VN")])
    missing = [f for f in lint(payload) if f.path == "01"]
    assert missing[0].code == "format-missing" and missing[0].severity == "error"
    service = [f for f in lint(payload) if f.path == "38.02"]
    assert service and service[0].severity == "warning"


@pytest.mark.parametrize(
    ("replace", "code"),
    [
        ({"00": "02"}, "format-version"),
        ({"01": "13"}, "format-initiation"),
        ({"53": "70A"}, "format-numeric"),
        ({"54": "50 000"}, "format-amount"),
        ({"54": "0"}, "format-amount"),
        ({"54": "50000.50"}, "format-amount-decimals"),
        ({"54": "1" * 14}, "length-field"),
    ],
)
def test_single_field_errors(replace: dict[str, Any], code: str) -> None:
    findings = lint(_napas(**replace))
    assert code in codes(findings)
    assert all(f.severity in ("error", "warning", "info") for f in findings)


def test_trailing_dot_amount_is_a_warning_and_parses() -> None:
    fields: dict[str, Any] = {"54": "50000.", "01": "12"}
    payload = _napas(**fields)
    assert [(f.code, f.severity) for f in lint(payload)] == [("format-amount-dot", "warning")]
    assert parse(payload).amount == 50000


def test_duplicates_are_errors() -> None:
    payload = _napas([("62", emv.encode([("08", "a"), ("08", "b")]))])
    dup = [f for f in lint(payload) if f.code == "format-duplicate"]
    assert dup and dup[0].path == "62.08"


def test_tip_indicator_consistency() -> None:
    assert "format-tip" in codes(lint(_napas([("55", "02")])))
    assert "format-tip" not in codes(lint(_napas([("55", "02"), ("56", "2000")])))
    assert "format-tip" in codes(lint(_napas([("55", "03"), ("56", "2000")])))


def test_unreserved_template_without_guid() -> None:
    payload = _napas([("80", "046")])
    napas = [f for f in lint(payload, "napas") if f.path == "80"]
    strict = [f for f in lint(payload, "strict") if f.path == "80"]
    assert napas[0].severity == "warning" and strict[0].severity == "error"


def test_rfu_root_id() -> None:
    findings = [f for f in lint(_napas([("70", "x")]), "strict") if f.path == "70"]
    assert findings[0].code == "format-rfu" and findings[0].severity == "error"


def test_structural_damage_is_one_error_finding() -> None:
    findings = lint(MINIMAL[:-10])
    assert len(findings) == 1 and findings[0].severity == "error"


def test_finding_to_error_maps_classes() -> None:
    error = Finding("format-bin", "38.01.00", 40, "error", "bad").to_error()
    assert isinstance(error, FormatError) and error.field == "38.01.00" and error.position == 40
    assert "hint" in Finding("x", None, None, "info", "m", "h").to_dict()


def test_card_number_length_warning() -> None:
    code = VietQR(bin="970403", account="12345", service="QRIBFTTC")
    assert [f.code for f in lint(code.build())] == ["format-card"]
