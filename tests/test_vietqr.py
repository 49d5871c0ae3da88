"""VietQR build/parse: the NAPAS examples, byte-identity with vietnam-qr-pay, safe builders."""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cashless
from cashless import build
from cashless.errors import (
    CashlessError,
    CharsetError,
    ChecksumError,
    FormatError,
    LengthError,
    NotVietQRError,
    UnknownBankError,
    UsageError,
)
from cashless.payload import emv
from cashless.payload.vietqr import VietQR, describe, is_valid, lint, parse

DATA = Path(__file__).parent / "data"


def _load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


SPEC = _load("napas_vectors.jsonl")
GOLDEN = _load("vietnam_qr_pay_golden.jsonl")
FOREIGN = _load("foreign_vectors.jsonl")
NAPAS = [v for v in SPEC if "NAPAS" in v["source"]]


@pytest.mark.parametrize(
    "vector", [v for v in NAPAS if v["valid"]], ids=lambda v: v["payload"][-4:]
)
def test_napas_examples_parse_to_their_fields(vector: dict) -> None:
    code = parse(vector["payload"])
    expect = vector["expect"]
    assert code.bin == expect["bin"]
    assert code.account == expect["account"]
    assert code.service == expect["service_code"]
    assert code.amount == (int(expect["amount"]) if expect["amount"] else None)
    assert code.purpose == expect["purpose"]
    assert code.point_of_initiation == expect["point_of_initiation"]
    assert code.merchant_name == expect["merchant_name"]
    assert code.build() == vector["payload"]


@pytest.mark.parametrize(
    "vector", [v for v in NAPAS if not v["valid"]], ids=lambda v: v["payload"][-4:]
)
def test_napas_errata_are_refused(vector: dict) -> None:
    with pytest.raises(CashlessError):
        parse(vector["payload"])
    assert not is_valid(vector["payload"])


def test_napas_bad_crc_example_is_a_checksum_error() -> None:
    bad = next(v for v in NAPAS if not v["valid"] and "CRC" in v["issues"][0])
    with pytest.raises(ChecksumError, match=r"A203.*4F52"):
        parse(bad["payload"])


@pytest.mark.parametrize("case", GOLDEN, ids=lambda c: c["payload"][-4:])
def test_byte_identical_to_vietnam_qr_pay(case: dict) -> None:
    given_ = case["input"]
    names = {
        "purpose": "purpose",
        "reference": "reference_label",
        "bill": "bill_number",
        "store": "store_label",
        "terminal": "terminal_label",
    }
    fields = {names[k]: v for k, v in given_.items() if k in names}
    if "amount" in given_:
        fields["amount"] = int(given_["amount"])
    code = VietQR(bin=given_["bankBin"], account=given_["bankNumber"], **fields)
    assert code.build() == case["payload"]
    assert parse(case["payload"]) == code


def test_other_schemes_are_recognised_not_misread() -> None:
    vnpay = next(v for v in FOREIGN if v["name"] == "vn-vnpay-merchant")["payload"]
    with pytest.raises(NotVietQRError) as info:
        parse(vnpay)
    assert info.value.scheme == "vnpay-qr"
    assert "VNPAY" in str(info.value)
    annex = next(v for v in SPEC if "EMVCo" in v["source"])["payload"]
    with pytest.raises(NotVietQRError) as info:
        parse(annex)
    assert info.value.scheme == "emv"


def test_laos_payload_on_id_38_is_not_vietqr() -> None:
    # LAPNet also uses root 38, with its own GUID: detection keys on the GUID
    body = "000201010211" + emv.encode(
        [("38", emv.encode([("00", "A005266284662577"), ("01", "123")]))]
    )
    payload = emv.with_crc(body + "5303418" + "5802LA")
    with pytest.raises(NotVietQRError):
        parse(payload)


def test_static_and_dynamic() -> None:
    assert VietQR(bin="970436", account="1").point_of_initiation == "11"
    assert VietQR(bin="970436", account="1", amount=1000).point_of_initiation == "12"
    assert VietQR(bin="970436", account="1", amount=1000, dynamic=False).point_of_initiation == "11"
    assert VietQR(bin="970436", account="1", dynamic=True).point_of_initiation == "12"
    static_with_amount = VietQR(bin="970436", account="1", amount=1000, dynamic=False).build()
    code = parse(static_with_amount)
    assert code.amount == 1000 and code.point_of_initiation == "11"
    assert [w.code for w in code.warnings] == ["format-static-amount"]


def test_card_service() -> None:
    code = VietQR(bin="970403", account="9704031101234567", service="QRIBFTTC")
    assert "0208QRIBFTTC" in code.build()
    assert parse(code.build()).service == "QRIBFTTC"


def test_folding_is_reported_and_accents_can_go_to_template_64() -> None:
    code = VietQR(
        bin="970436",
        account="123456",
        merchant_name="Đặng Thị Hương",
        merchant_city="Thanh Hóa",
        purpose="Mua cá",
    )
    assert code.folded_fields() == {
        "purpose": ("Mua cá", "Mua ca"),
        "merchant_name": ("Đặng Thị Hương", "Dang Thi Huong"),
        "merchant_city": ("Thanh Hóa", "Thanh Hoa"),
    }
    payload = code.with_language_template().build()
    back = parse(payload)
    assert back.merchant_name == "Dang Thi Huong"
    assert back.alt_merchant_name == "Đặng Thị Hương"
    assert back.alt_merchant_city == "Thanh Hóa"
    assert back.language == "vi"
    assert "5914Dang Thi Huong" in payload
    assert "0114Đặng Thị Hương" in payload  # 14 characters, not 22 bytes


def test_decomposed_input_is_normalised_before_counting() -> None:
    decomposed = "Hu\u031bo\u031b\u0300ng"  # Hương in NFD: 8 code points, 5 in NFC
    code = VietQR(bin="970436", account="1", merchant_name=decomposed).with_language_template()
    assert "0105Hường" in code.build()


def test_no_fold_refuses_accents() -> None:
    with pytest.raises(CharsetError) as info:
        VietQR(bin="970436", account="1", purpose="Rau cải").build(fold_text=False)
    assert info.value.field == "62.08"


@pytest.mark.parametrize(
    ("fields", "error", "path", "words"),
    [
        ({"bin": "97043"}, FormatError, "38.01.00", "6 digits"),
        ({"bin": "97043A"}, FormatError, "38.01.00", "6 digits"),
        ({"account": ""}, LengthError, "38.01.01", "empty"),
        ({"account": "1" * 20}, LengthError, "38.01.01", "20 characters, the limit is 19"),
        ({"account": "12 34"}, CharsetError, "38.01.01", "letters and digits"),
        ({"account": "sốtk1"}, CharsetError, "38.01.01", "letters and digits"),
        ({"service": "QRFOO"}, FormatError, "38.02", "QRIBFTTA"),
        ({"amount": "50 000"}, FormatError, "54", "digits only"),
        ({"amount": "5e4"}, FormatError, "54", "digits only"),
        ({"amount": "-5"}, FormatError, "54", "digits only"),
        ({"amount": 50000.0}, FormatError, "54", "float"),
        ({"amount": True}, FormatError, "54", "bool"),
        ({"amount": 0}, FormatError, "54", "positive"),
        ({"amount": 10**13}, LengthError, "54", "14 digits, the limit is 13"),
        ({"purpose": "x" * 31}, LengthError, "62.08", "purpose: 31 characters, the limit is 25"),
        ({"purpose": ""}, LengthError, "62.08", "empty"),
        ({"merchant_name": "y" * 26}, LengthError, "59", "26 characters, the limit is 25"),
        ({"merchant_city": "z" * 16}, LengthError, "60", "16 characters, the limit is 15"),
        ({"mcc": "58"}, FormatError, "52", "4 digits"),
        ({"language": "vie", "alt_merchant_name": "A"}, FormatError, "64.00", "2 letters"),
        ({"language": "vi"}, LengthError, "64.01", "merchant name"),
        ({"extra": (("38", "x"),)}, FormatError, "38", "clashes"),
    ],
)
def test_builder_refuses_bad_values(
    fields: dict, error: type[CashlessError], path: str, words: str
) -> None:
    base = {"bin": "970436", "account": "0011001234567"}
    with pytest.raises(error) as info:
        VietQR(**(base | fields)).build()
    assert info.value.field == path
    assert words in str(info.value)
    assert str(info.value).startswith(path)


def test_additional_data_template_over_99_is_refused_not_truncated() -> None:
    code = VietQR(
        bin="970436",
        account="1",
        purpose="p" * 25,
        bill_number="b" * 25,
        store_label="s" * 25,
        terminal_label="t" * 25,
    )
    with pytest.raises(LengthError, match="limit is 99") as info:
        code.build()
    assert info.value.field == "62"


def test_amount_accepts_digit_strings_and_keeps_int() -> None:
    code = VietQR(bin="970436", account="1", amount="50000")  # type: ignore[arg-type]
    assert code.amount == 50000


def test_build_by_bank_code_name_and_bin() -> None:
    by_bin = build("970436", "0011001234567")
    assert build("VCB", "0011001234567") == by_bin
    assert build("vietcombank", "0011001234567") == by_bin
    assert build(970436, "0011001234567") == by_bin
    with pytest.raises(UnknownBankError):
        build("Nowhere Bank", "1")


def test_facade_reexports() -> None:
    payload = cashless.build("ACB", "257678859")
    assert cashless.parse(payload).bin == "970416"
    assert cashless.is_valid(payload)
    assert cashless.lint(payload) == []
    assert cashless.lookup_bank("ACB").bin == "970416"


def test_warnings_survive_parse() -> None:
    payload = build("ACB", "257678859")
    lower = payload[:-4] + payload[-4:].lower()
    code = parse(lower)
    assert [w.code for w in code.warnings] == ["checksum-case"]
    with pytest.raises(ChecksumError):
        parse(lower, profile="strict")


def test_extra_root_objects_round_trip() -> None:
    code = VietQR(
        bin="971025",
        account="PSP123456789000000",
        reference_label="MOMOW2W12345678",
        extra=(("80", "046"),),
    )
    payload = code.build()
    assert "8003046" in payload
    assert parse(payload) == code
    assert parse(payload).build() == payload


# -- property tests -----------------------------------------------------------------

_viet = st.text(
    alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệ ĐÂƠ0123456789",
    min_size=1,
    max_size=20,
).filter(lambda s: s.strip())
_optional = st.none() | _viet


@st.composite
def _codes(draw: st.DrawFn) -> VietQR:
    return VietQR(
        bin=draw(st.from_regex(r"9704[0-9]{2}", fullmatch=True)),
        account=draw(st.from_regex(r"[A-Z0-9]{1,19}", fullmatch=True)),
        service=draw(st.sampled_from(["QRIBFTTA", "QRIBFTTC"])),
        amount=draw(st.none() | st.integers(1, 10**12)),
        purpose=draw(_optional),
        bill_number=draw(st.none() | st.from_regex(r"[A-Z0-9]{1,10}", fullmatch=True)),
        merchant_name=draw(_optional),
        merchant_city=draw(
            st.none() | st.text(alphabet="abc ", min_size=1, max_size=15).filter(str.strip)
        ),
        dynamic=draw(st.none() | st.booleans()),
    )


@given(_codes())
def test_property_build_then_parse_gives_the_folded_fields(code: VietQR) -> None:
    try:
        payload = code.build()
    except CashlessError:
        return  # folding can empty a field; the error is the contract then
    back = parse(payload)
    expected = code.folded()
    assert back.bin == expected.bin and back.account == expected.account
    assert back.amount == expected.amount and back.purpose == expected.purpose
    assert back.merchant_name == expected.merchant_name
    assert back.point_of_initiation == code.point_of_initiation
    assert back.build() == payload


@given(st.text(max_size=200))
def test_property_parse_junk_raises_only_cashless_errors(text: str) -> None:
    with contextlib.suppress(CashlessError):
        parse(text)


# -- arguments that are not payload data: UsageError, never a builtin exception ----------


def test_a_keyword_that_is_not_a_field_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as info:
        VietQR(bin="970436", account="1", colour="red", size=3)  # type: ignore[arg-type]
    assert info.value.field == "colour, size"
    assert str(info.value) == "colour, size are not VietQR fields"
    with pytest.raises(UsageError):
        build("970436", "1", memo="x")


def test_the_written_out_init_takes_exactly_the_fields() -> None:
    params = list(inspect.signature(VietQR.__init__).parameters.values())[1:-1]
    fields = dataclasses.fields(VietQR)
    assert [p.name for p in params] == [f.name for f in fields]
    assert [p.default for p in params[2:]] == [f.default for f in fields[2:]]
    code = VietQR(bin=970436, account="1", amount="50000", dynamic=True)  # type: ignore[arg-type]
    assert (code.bin, code.amount, code.dynamic) == ("970436", 50000, None)
    assert dataclasses.replace(code, purpose="x").purpose == "x"


@pytest.mark.parametrize("profile", ["bogus", "", None, 1])
def test_an_unknown_profile_is_a_usage_error(profile: Any) -> None:
    payload = VietQR(bin="970436", account="1").build()
    for call in (parse, is_valid, lint):
        with pytest.raises(UsageError) as info:
            call(payload, profile=profile)
        assert info.value.field == "profile"


@pytest.mark.parametrize(
    ("fields", "error", "path"),
    [
        ({"purpose": 5}, FormatError, "62.08"),
        ({"merchant_name": b"Pho"}, FormatError, "59"),
        ({"extra": "9903abc"}, FormatError, "extra"),
        ({"extra": (("99", 5),)}, FormatError, "extra"),
        ({"language": 5, "alt_merchant_name": "Phở"}, FormatError, "64.00"),
        ({"language": "vi", "alt_merchant_name": 5}, FormatError, "64.01"),
    ],
)
def test_values_of_the_wrong_type_name_their_field(
    fields: dict[str, Any], error: type[CashlessError], path: str
) -> None:
    code = VietQR(bin="970436", account="1", **fields)
    with pytest.raises(error) as info:
        code.build()
    assert info.value.field == path


def test_folding_and_describing_refuse_non_text_with_a_cashless_error() -> None:
    code = VietQR(bin="970436", account="1", merchant_name=7)  # type: ignore[arg-type]
    for call in (code.folded, code.folded_fields, code.with_language_template):
        with pytest.raises(FormatError) as info:
            call()
        assert info.value.field == "59"
    with pytest.raises(UsageError):
        describe("not a code")  # type: ignore[arg-type]
    with pytest.raises(FormatError):
        describe(VietQR(bin="970436", account="1", extra=5))  # type: ignore[arg-type]
