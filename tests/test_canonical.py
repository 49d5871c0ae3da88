"""The fast path of `parse` agrees with the general path everywhere."""

from __future__ import annotations

import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from readers import PAIRS, parsing_with

from cashless.errors import CashlessError, ChecksumError
from cashless.payload import emv
from cashless.payload._canonical import canonical_fields
from cashless.payload.vietqr import VietQR, _parse_tree, parse

_ans = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=25
)


@st.composite
def codes(draw: st.DrawFn) -> VietQR:
    service = draw(st.sampled_from(["QRIBFTTA", "QRIBFTTC", "QRPUSH", "QRCASH"]))
    return VietQR(
        bin=draw(st.from_regex(r"[0-9]{6}", fullmatch=True)),
        account=draw(st.from_regex(r"[A-Za-z0-9]{1,19}", fullmatch=True)),
        service=service,
        amount=draw(st.none() | st.integers(1, 10**13 - 1)),
        mcc=draw(st.none() | st.from_regex(r"[0-9]{4}", fullmatch=True)),
        purpose=draw(st.none() | _ans),
        bill_number=draw(st.none() | _ans),
        terminal_label=draw(st.none() | _ans),
        merchant_name=draw(st.none() | _ans),
        merchant_city=draw(st.none() | _ans.filter(lambda s: len(s) <= 15)),
        dynamic=draw(st.none() | st.booleans()),
    )


def _error(exc: CashlessError) -> tuple[object, ...]:
    return (type(exc), str(exc), exc.code, exc.field, exc.position, exc.reason)


def _same(payload: str) -> None:
    general: VietQR | tuple[object, ...]
    fast: VietQR | tuple[object, ...]
    try:
        general = _parse_tree(payload, "napas")
    except CashlessError as exc:
        general = _error(exc)
    for pair in PAIRS.values():  # plain Python, and mypyc's build when made
        with parsing_with(pair):
            try:
                fast = parse(payload)
            except CashlessError as exc:
                fast = _error(exc)
        assert fast == general
        if isinstance(general, VietQR):
            assert isinstance(fast, VietQR) and fast.warnings == general.warnings
            assert fast.__dict__ == general.__dict__


@settings(max_examples=150)
@given(codes())
def test_fast_and_general_paths_agree_on_built_codes(code: VietQR) -> None:
    try:
        payload = code.build()
    except CashlessError:
        return
    _same(payload)
    if canonical_fields(payload) is not None:
        assert parse(payload) == code.folded()


@settings(max_examples=150)
@given(codes(), st.integers(0, 10**6), st.sampled_from("0123456789AZaz ~"))
def test_fast_and_general_paths_agree_on_mutations(code: VietQR, seed: int, char: str) -> None:
    try:
        payload = code.build()
    except CashlessError:
        return
    i = random.Random(seed).randrange(len(payload))
    mutated = payload[:i] + char + payload[i + 1 :]
    _same(mutated)
    _same(emv.with_crc(mutated[:-8]))  # same damage with a matching CRC


def test_fast_path_is_taken_for_the_usual_layout() -> None:
    payload = VietQR(bin="970436", account="0011001234567", amount=5000, purpose="x").build()
    assert canonical_fields(payload) is not None


@settings(max_examples=100)
@given(codes())
def test_fast_and_general_paths_agree_with_a_lowercase_crc(code: VietQR) -> None:
    try:
        payload = code.build()
    except CashlessError:  # text that folds to nothing
        assume(False)
    _same(payload[:-4] + payload[-4:].lower())


@settings(max_examples=100)
@given(codes(), st.sampled_from(["0000", "FFFF", "ffff", "1D8E"]))
def test_a_wrong_crc_on_the_usual_layout_is_decodes_checksum_error(code: VietQR, crc: str) -> None:
    try:
        payload = code.build()
    except CashlessError:
        assume(False)
    assume(canonical_fields(payload) is not None)  # the fast path takes it when the CRC is right
    wrong = payload[:-4] + crc
    assume(wrong[-4:].upper() != payload[-4:])
    with pytest.raises(ChecksumError) as general:
        _parse_tree(wrong, "napas")
    for reader, _ in PAIRS.values():
        with pytest.raises(ChecksumError) as fast:
            reader(wrong)
        assert _error(fast.value) == _error(general.value)
