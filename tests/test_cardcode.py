"""cashless.stalls.cardcode: the card code text and its keyed tag."""

from __future__ import annotations

import io

import pytest
import segno
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from cashless.errors import UsageError
from cashless.stalls.cardcode import (
    CARD_CODE_LIMIT,
    CardCode,
    card_code_text,
    parse_card_code,
    tag_for,
)

ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
market_ids = st.text("0123456789ABCDEFGHJKXYZ", min_size=1, max_size=4)
stall_ids = st.from_regex(r"[A-Z][0-9]{1,3}", fullmatch=True)
keys = st.binary(min_size=16, max_size=64)
payloads = st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=4)


@given(market_ids, stall_ids, keys, payloads)
def test_text_round_trips_and_fits_a_micro_qr(market_id, stall_id, key, accepted):
    tag = tag_for(key, accepted)
    text = card_code_text(market_id, stall_id, tag)
    assert len(text) <= CARD_CODE_LIMIT and set(text) <= ALPHANUMERIC
    assert parse_card_code(text) == CardCode(market_id, stall_id, tag)


@given(keys, payloads, payloads)
def test_tag_depends_on_the_set_of_payloads_only(key, first, second):
    assert tag_for(key, first) == tag_for(key, list(reversed(first)) + first)
    if set(first) != set(second):
        assert tag_for(key, first) != tag_for(key, second)  # 2**-40 chance of a collision


def test_tag_depends_on_the_key():
    assert tag_for(b"a" * 32, ["P"]) != tag_for(b"b" * 32, ["P"])
    with pytest.raises(UsageError):
        tag_for(b"short", ["P"])


@pytest.mark.parametrize(
    ("market", "stall"),
    [("CDB", "Quầy 1"), ("CDB", "A 1"), ("TOOLONG", "A1"), ("CDBX", "A0123"), ("", "A1")],
)
def test_ids_that_do_not_fit_are_refused(market, stall):
    with pytest.raises(UsageError):
        card_code_text(market, stall, "ABCDEFGH")


@pytest.mark.parametrize(
    "text", ["", "CDB:A01", "CDB:A01:ABCDEFGI", "cdb:a01:abcdefgh", "https://x.vn", "0002010102"]
)
def test_other_texts_are_not_card_codes(text):
    assert parse_card_code(text) is None


def test_the_longest_card_code_is_a_micro_qr_m4_read_back():
    text = card_code_text("CDBX", "B107", tag_for(bytes(32), ["x"]))
    assert len(text) == CARD_CODE_LIMIT
    symbol = segno.make(text, micro=True, error="m")
    assert symbol.designator == "M4-M"
    buffer = io.BytesIO()
    symbol.save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    (found,) = zxingcpp.read_barcodes(Image.open(buffer).convert("L"))
    assert found.text == text and found.format == zxingcpp.BarcodeFormat.MicroQRCode
