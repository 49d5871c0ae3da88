"""The generic EMV TLV codec: CRC, parsing, serialising, errors."""

from __future__ import annotations

import binascii
import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cashless.errors import CashlessError, ChecksumError, FormatError, LengthError
from cashless.payload import emv

DATA = Path(__file__).parent / "data"


def _load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


SPEC = _load("napas_vectors.jsonl")
FOREIGN = _load("foreign_vectors.jsonl")


def test_crc_is_ccitt_false_check_value() -> None:
    assert emv.crc16("123456789") == "29B1"


def test_crc_is_zero_padded_uppercase() -> None:
    # find a body whose CRC is below 0x1000 to prove the padding
    body = next(
        f"0002010102115802VN{n:04d}6304"
        for n in range(100000)
        if binascii.crc_hqx(f"0002010102115802VN{n:04d}6304".encode(), 0xFFFF) < 0x1000
    )
    crc = emv.crc16(body)
    assert len(crc) == 4 and crc.startswith("0") and crc == crc.upper()


def test_crc_is_over_utf8_bytes() -> None:
    # EMVCo Annex B example: A13A over UTF-8 (UTF-16 would give A067)
    annex = next(v for v in SPEC if "EMVCo" in v["source"])["payload"]
    assert emv.crc16(annex[:-4]) == "A13A"


@pytest.mark.parametrize("vector", [v for v in SPEC if v["valid"]], ids=lambda v: v["payload"][-4:])
def test_spec_examples_round_trip(vector: dict) -> None:
    payload = emv.decode(vector["payload"])
    assert payload.to_string() == vector["payload"]


@pytest.mark.parametrize("vector", [v for v in FOREIGN if v["valid"]], ids=lambda v: v["name"])
def test_foreign_payloads_round_trip_and_name_scheme(vector: dict) -> None:
    payload = emv.decode(vector["payload"])
    assert payload.to_string() == vector["payload"]
    assert payload.scheme == vector["scheme"]
    assert payload.get("58") == vector["country"]


@pytest.mark.parametrize("vector", [v for v in FOREIGN if not v["valid"]], ids=lambda v: v["name"])
def test_broken_real_world_payloads_are_refused(vector: dict) -> None:
    with pytest.raises(CashlessError) as info:
        emv.decode(vector["payload"])
    assert type(info.value).__name__ == vector["error"]


def test_annex_example_tree() -> None:
    annex = next(v for v in SPEC if "EMVCo" in v["source"])
    payload = emv.decode(annex["payload"])
    expect = annex["expect"]
    assert payload.merchant_account_ids() == expect["merchant_account_ids"]
    assert payload.get("29.00") == expect["first_template_guid"]
    assert payload.get("53") == expect["currency"]
    assert payload.get("54") == expect["amount"]
    # lengths count characters: 最佳运输 is 4 characters, 12 UTF-8 bytes
    assert payload.get("64.01") == "最佳运输"
    found = payload.find("64.01")
    assert found is not None and found.position == annex["payload"].index("0104最佳运输")
    assert payload.get("62.03") == "1234"
    # 91 is an unreserved template: nested
    assert payload.get("91.00") == "A011223344998877"


def test_primitive_ids_02_to_25_are_not_recursed() -> None:
    body = "000201010211" + "15" + "20" + "00201234567890123456" + "5303704" + "5802VN"
    payload = emv.decode(emv.with_crc(body))
    assert payload.find("15").children is None  # type: ignore[union-attr]
    assert payload.get("15") == "00201234567890123456"


def test_opaque_unreserved_template_kept_raw() -> None:
    # MoMo codes carry `80 03 046`: not TLV, kept as a raw value
    body = "000201010211" + "38" + "14" + "0010A000000727" + "5303704" + "5802VN" + "8003046"
    payload = emv.decode(emv.with_crc(body))
    assert payload.find("80").children is None  # type: ignore[union-attr]
    assert payload.get("80") == "046"
    assert payload.to_string().startswith(body)


@pytest.mark.parametrize(
    ("payload", "error", "code", "position"),
    [
        ("", FormatError, "empty", None),
        ("00020101", FormatError, "trailing-data", 6),
        ("0002010X0211", FormatError, "bad-id", 6),
        ("00020101A211", FormatError, "bad-length", 8),
        ("000201011511", LengthError, "truncated", 8),
        ("00020101021153037046304ABCD5802VN", FormatError, "crc-position", 19),
        ("0002010102115303704", FormatError, "crc-position", 12),
        ("000201010211630300A", LengthError, "length", 12),
    ],
)
def test_structural_errors(
    payload: str, error: type[CashlessError], code: str, position: int | None
) -> None:
    with pytest.raises(error) as info:
        emv.decode(payload)
    assert info.value.code == code
    assert info.value.position == position
    assert isinstance(info.value, CashlessError) and isinstance(info.value, ValueError)


def test_crc_mismatch_names_both_values() -> None:
    good = emv.with_crc("0002010102115303704")
    bad = good[:-4] + ("0000" if good[-4:] != "0000" else "1111")
    with pytest.raises(ChecksumError) as info:
        emv.decode(bad)
    assert good[-4:] in str(info.value) and bad[-4:] in str(info.value)
    assert info.value.field == "63"
    # but the tree is still readable when asked
    assert emv.decode(bad, check_crc=False).crc_ok is False


def test_lowercase_crc_is_accepted_by_decode() -> None:
    good = emv.with_crc("0002010102115303704")
    assert emv.decode(good[:-4] + good[-4:].lower()).crc_ok


def test_nested_error_reports_path_and_absolute_position() -> None:
    bad = next(v for v in SPEC if not v["valid"] and "nested" in v["issues"][0])
    with pytest.raises(FormatError) as info:
        emv.decode(bad["payload"])
    assert info.value.field == "38.01"
    assert bad["payload"][info.value.position] == "8"


# -- property tests -----------------------------------------------------------------

_text = st.text(
    alphabet=st.characters(
        blacklist_categories=["Cs", "Cc"], min_codepoint=0x20, max_codepoint=0x2FFF
    ),
    min_size=1,
    max_size=30,
)


@st.composite
def _trees(draw: st.DrawFn) -> list[tuple[str, str]]:
    objects: list[tuple[str, str]] = [("00", "01")]
    tags = draw(st.lists(st.integers(1, 99).filter(lambda n: n != 63), max_size=8, unique=True))
    for number in tags:
        tag = f"{number:02d}"
        if emv.is_template(tag):
            children = draw(
                st.lists(
                    st.tuples(st.integers(0, 49), _text),
                    min_size=1,
                    max_size=3,
                    unique_by=lambda c: c[0],
                )
            )
            value = emv.encode([(f"{n:02d}", v) for n, v in children])
            if len(value) > 99:
                continue
        else:
            value = draw(_text)
        objects.append((tag, value))
    return objects


@given(_trees())
def test_property_encode_then_decode_gives_same_objects(objects: list[tuple[str, str]]) -> None:
    payload = emv.with_crc(emv.encode(objects))
    parsed = emv.decode(payload)
    assert [(o.tag, o.value) for o in parsed.objects[:-1]] == objects
    assert parsed.to_string() == payload
    for obj in parsed.walk():
        assert payload[obj.position : obj.position + 2] == obj.tag


@given(st.text(max_size=120))
def test_property_junk_never_raises_anything_but_cashless_error(text: str) -> None:
    with contextlib.suppress(CashlessError):
        emv.decode(text)


def test_tlv_is_the_one_serialiser_and_refuses_over_99() -> None:
    assert emv.tlv("08", "Thit ba chi") == "0811Thit ba chi"
    assert emv.tlv("62", "") == "6200"
    assert emv.tlv("62", "x" * 99)[:4] == "6299"
    with pytest.raises(LengthError) as info:
        emv.tlv("62", "x" * 100)
    assert (info.value.field, info.value.code) == ("62", "length-value")
    assert "limit is 99" in str(info.value)
    # encode and DataObject.encode go through it
    with pytest.raises(LengthError):
        emv.encode([("01", "x" * 100)])
    obj = emv.DataObject("62", "x" * 100, 0, "62")
    with pytest.raises(LengthError):
        obj.encode()
