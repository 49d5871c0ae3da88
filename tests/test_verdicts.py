"""Parser verdicts (issue 9): broken or foreign, warned or refused, one vector per decision.

Each payload is built with a correct CRC, so the rule under test is what decides.
The evidence for the napas choices (what bank apps and peer parsers accept) is in
tests/data/README.md.
"""

from __future__ import annotations

import io
import json
import sys

import pytest

from cashless.cli import main
from cashless.errors import (
    CashlessError,
    CharsetError,
    FormatError,
    LengthError,
    NotVietQRError,
    UsageError,
)
from cashless.payload import emv
from cashless.payload.lint import lint
from cashless.payload.vietqr import VietQR, describe, is_valid, parse

NAPAS = "0010A000000727"


def vietqr(*objects: tuple[str, str], account: str = "0011012345678") -> str:
    """A static VietQR to an account, with ``objects`` added before the CRC."""
    beneficiary = emv.tlv("00", "970403") + emv.tlv("01", account)
    napas = NAPAS + emv.tlv("01", beneficiary) + emv.tlv("02", "QRIBFTTA")
    root = [("00", "01"), ("01", "11"), ("38", napas), ("53", "704"), ("58", "VN"), *objects]
    return emv.with_crc(emv.encode(root))


def vnpay(*, country: str | None = "VN", amount: str | None = None) -> str:
    account = "0010A000000775" + emv.tlv("01", "0108799042")
    root = [("00", "01"), ("01", "11"), ("26", account), ("52", "5977"), ("53", "704")]
    root += [("54", amount)] if amount else []
    root += [("58", country)] if country else []
    root += [("59", "MYPHAMHER"), ("60", "HANOI")]
    return emv.with_crc(emv.encode(root))


def codes(payload: str, profile: str = "napas") -> list[tuple[str, str]]:
    return [(f.severity, f.code) for f in lint(payload, profile=profile)]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# -- NotVietQRError only for a sound payload of another scheme -----------------------


def test_a_sound_vnpay_code_is_not_vietqr(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(NotVietQRError) as caught:
        parse(vnpay())
    assert caught.value.scheme == "vnpay-qr"
    status, out, _ = cli(capsys, "parse", vnpay())
    assert status == 0 and json.loads(out)["scheme"] == "vnpay-qr"


@pytest.mark.parametrize(
    ("payload", "error", "field"),
    [
        (vnpay(country=None), FormatError, "58"),  # a VNPAY-QR without 58
        (vnpay(amount="10A00"), FormatError, "54"),  # an amount with a letter
    ],
    ids=["no-58", "amount-10A00"],
)
def test_a_broken_code_of_another_scheme_raises_its_field_error(
    payload: str, error: type[CashlessError], field: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(error) as caught:
        parse(payload)
    assert not isinstance(caught.value, NotVietQRError) and caught.value.field == field
    status, out, err = cli(capsys, "parse", payload)
    assert status == 1 and out == ""
    assert err.startswith("cashless: ") and f" {field} " in err and err.count("\n") == 1


# -- non-TLV sub-templates: kept raw and warned under napas, refused under strict -----


@pytest.mark.parametrize(
    "additional",
    [
        emv.tlv("07", "A01") + "9903000",  # a QRIS-like 62.99 holding "000"
        emv.tlv("50", "ijklmn"),  # 62.50 that is not TLV
        "Chuyen tien",  # 62 itself is free text
    ],
    ids=["62.99", "62.50", "62"],
)
def test_non_tlv_in_62_is_a_napas_warning_and_a_strict_error(additional: str) -> None:
    payload = vietqr(("62", additional))
    assert ("warning", "format-template") in codes(payload)
    assert not any(severity == "error" for severity, _ in codes(payload))
    assert parse(payload).account == "0011012345678"
    assert ("error", "format-template") in codes(payload, "strict")


def test_root_80_99_raw_is_treated_the_same_way() -> None:
    payload = vietqr(("80", "046"))
    assert ("warning", "format-template") in codes(payload)
    assert is_valid(payload) and not is_valid(payload, profile="strict")


# -- 62.08: long purposes are a napas warning ----------------------------------------


def test_a_54_character_purpose_is_a_napas_warning_and_a_strict_error() -> None:
    purpose = "Thanh toan don hang 2024-06-01 ma KH 000123 tai quay 7"
    assert len(purpose) == 54
    payload = vietqr(("62", emv.tlv("08", purpose)))
    code = parse(payload)
    assert code.purpose == purpose
    assert [(w.code, w.path) for w in code.warnings] == [("length-field", "62.08")]
    assert ("error", "length-field") in codes(payload, "strict")
    with pytest.raises(LengthError) as caught:  # 52, 59 and 60 present: 62.08 decides
        parse(
            vietqr(
                ("52", "5812"),
                ("59", "CHO DIEN BIEN"),
                ("60", "HA NOI"),
                ("62", emv.tlv("08", purpose)),
            ),
            profile="strict",
        )
    assert caught.value.field == "62.08"


def test_other_62_texts_stay_errors_when_too_long() -> None:
    with pytest.raises(LengthError) as caught:
        parse(vietqr(("62", emv.tlv("01", "B" * 26))))
    assert caught.value.field == "62.01"


# -- 38.02 swallowed by 38.01 --------------------------------------------------------


def test_a_service_code_nested_in_38_01_is_an_error() -> None:
    inner = emv.tlv("00", "970403") + emv.tlv("01", "0011012345678") + emv.tlv("02", "QRIBFTTA")
    payload = emv.with_crc(
        emv.encode(
            [
                ("00", "01"),
                ("01", "11"),
                ("38", NAPAS + emv.tlv("01", inner)),
                ("53", "704"),
                ("58", "VN"),
            ]
        )
    )
    with pytest.raises(FormatError) as caught:
        parse(payload)
    assert caught.value.code == "format-service-nested" and caught.value.field == "38.02"
    assert ("error", "format-service-nested") in codes(payload, "strict")


def test_a_missing_38_02_alone_is_still_a_napas_warning() -> None:
    beneficiary = emv.tlv("00", "970403") + emv.tlv("01", "0011012345678")
    payload = emv.with_crc(
        emv.encode(
            [
                ("00", "01"),
                ("01", "11"),
                ("38", NAPAS + emv.tlv("01", beneficiary)),
                ("53", "704"),
                ("58", "VN"),
            ]
        )
    )
    code = parse(payload)
    assert code.service == "QRIBFTTA" and [w.code for w in code.warnings] == ["format-missing"]


# -- the account character set is one rule --------------------------------------------


@pytest.mark.parametrize("account", ["<b>", '1"', "%00", "12 34", "Đ1"])
def test_parse_and_build_refuse_the_same_accounts(account: str) -> None:
    with pytest.raises(CharsetError) as built:
        VietQR(bin="970403", account=account).build()
    with pytest.raises(CharsetError) as parsed:
        parse(vietqr(account=account))
    assert built.value.field == parsed.value.field == "38.01.01"


# -- a misaligned length gets a hint ---------------------------------------------------


def test_a_byte_counted_length_gets_the_character_hint() -> None:
    # PHP strlen / Go len count "Thịt" as 6 bytes: the declared length overshoots by 2
    good = vietqr(("62", emv.tlv("08", "Thịt ba chỉ")))
    bad = good.replace("0811Thịt ba chỉ", "0815Thịt ba chỉ").replace("6215", "6219")
    bad = emv.with_crc(bad[:-8])
    with pytest.raises(CashlessError) as caught:
        parse(bad)
    assert "lengths count characters, not UTF-8 bytes" in str(caught.value)
    with pytest.raises(CashlessError) as first:  # nothing before: no hint
        parse("ZZ" + bad)
    assert "not UTF-8 bytes" not in str(first.value)


# -- control characters and lone surrogates ---------------------------------------------


@pytest.mark.parametrize(
    ("payload", "position", "shown"),
    [
        ("0004\udcffabc6304ABCD", 4, "'\\udcff'"),
        ("000201\x1b[2J6304ABCD", 6, "'\\x1b'"),
        ("000201\x9b31m6304ABCD", 6, "'\\x9b'"),
        (vietqr()[:20] + "\x00" + vietqr()[21:], 20, "'\\x00'"),
    ],
    ids=["surrogate", "escape", "c1-csi", "nul"],
)
def test_control_characters_and_surrogates_are_charset_errors(
    payload: str, position: int, shown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for call in (parse, emv.decode):
        with pytest.raises(CharsetError) as caught:
            call(payload)
        assert caught.value.position == position and shown in str(caught.value)
    (finding,) = lint(payload)
    assert finding.code == "charset-control" and finding.position == position
    assert is_valid(payload) is False
    for command in ("parse", "lint"):
        status, out, err = cli(capsys, command, payload)
        assert status == 1
        assert "\x1b" not in out + err and "\x9b" not in out + err and shown in out + err
        err.encode("utf-8")  # printable: no lone surrogate reaches the terminal


def test_build_refuses_controls_in_format_s_text() -> None:
    with pytest.raises(CharsetError) as caught:
        VietQR(bin="970403", account="1", merchant_name="Ba\ud800").with_language_template().build()
    assert caught.value.field == "64.01"
    with pytest.raises(CharsetError):
        VietQR(bin="970403", account="1", extra=(("80", "a\x1b"),)).build()


# -- library arguments never raise builtins ----------------------------------------------


def test_profile_names_ignore_case() -> None:
    payload = vietqr()
    assert is_valid(payload, profile="NAPAS") and is_valid(payload, profile="Strict") is False
    assert parse(payload, profile="NaPaS").account == "0011012345678"
    assert lint(payload, profile="STRICT") == lint(payload, profile="strict")


@pytest.mark.parametrize("profile", ["emvco", "", None, 3, b"napas"])
def test_a_bad_profile_is_a_usage_error_even_for_a_bad_payload(profile: object) -> None:
    for payload in (vietqr(), "junk", None):
        with pytest.raises(UsageError):
            is_valid(payload, profile=profile)  # type: ignore[arg-type]


@pytest.mark.parametrize("payload", [None, b"000201", 12345, "", "junk", vietqr()[:-1]])
def test_is_valid_returns_a_bool_for_bad_payloads(payload: object) -> None:
    assert is_valid(payload) is False  # type: ignore[arg-type]


def test_a_purpose_of_the_wrong_type_is_a_format_error() -> None:
    code = VietQR(bin="970403", account="1", purpose=5)  # type: ignore[arg-type]
    with pytest.raises(FormatError) as caught:
        code.build()
    assert caught.value.field == "62.08"


def test_describe_names_its_findings_like_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    payload = vietqr()[:-4] + vietqr()[-4:].lower()
    described = describe(parse(payload))
    assert "warnings" not in described
    findings = described["findings"]
    assert isinstance(findings, list) and [f["code"] for f in findings] == ["checksum-case"]
    status, out, _ = cli(capsys, "parse", payload)
    assert status == 0 and json.loads(out)["findings"] == described["findings"]


@pytest.mark.parametrize("command", ["parse", "lint"])
def test_stdin_bytes_that_are_not_utf8_are_a_charset_error(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"0004\xffabc6304ABCD")))
    status, out, err = cli(capsys, command, "-")
    assert status == 1
    assert "'\\udcff'" in out + err and "position 4" in out + err
