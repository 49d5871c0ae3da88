"""The flat reader agrees with the tree path: same verdict, same fields, same findings.

Checked on every payload of the real corpus (tests/data/real_payloads.jsonl) and on
generated ones: built codes in shuffled root order with extra objects, and mutations.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import random
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from readers import COMPILED, PAIRS, parsing_with

from cashless import errors
from cashless.errors import CashlessError
from cashless.payload import emv
from cashless.payload._flat import _error, finding, flat_fields
from cashless.payload._native import Reader
from cashless.payload.lint import Finding
from cashless.payload.vietqr import VietQR, _parse_tree, parse

CORPUS = [
    json.loads(line)["payload"]
    for line in (Path(__file__).parent / "data" / "real_payloads.jsonl").read_text().splitlines()
]


def _tree(payload: str) -> tuple[object, ...]:
    try:
        code = _parse_tree(payload, "napas")
    except CashlessError as exc:
        return (type(exc), str(exc), exc.code, exc.field, exc.position)
    return ("ok", code.__dict__, code.warnings)


def _flat(payload: str, reader: Reader = flat_fields) -> tuple[object, ...] | None:
    try:
        fields = reader(payload)
    except CashlessError as exc:
        return (type(exc), str(exc), exc.code, exc.field, exc.position)
    if fields is None:
        return None
    code = VietQR._trusted(fields)
    return ("ok", code.__dict__, code.warnings)


def agree(payload: str) -> bool:
    """Assert the flat verdict (when it gives one) equals the tree's; True if it gave one.

    Every built reader is asked (plain Python, and mypyc's when made): all give the
    same verdict, or all leave the payload to the tree.
    """
    flat = _flat(payload)
    for name, (_, reader) in PAIRS.items():
        assert _flat(payload, reader) == flat, (name, payload)
    if flat is not None:
        assert flat == _tree(payload), payload
    return flat is not None


def test_the_corpus_is_large_and_deduplicated() -> None:
    assert 50 <= len(CORPUS) <= 200
    assert len(set(CORPUS)) == len(CORPUS)


@pytest.mark.parametrize("payload", CORPUS, ids=lambda p: p[-4:])
def test_flat_and_tree_agree_on_every_real_payload(payload: str) -> None:
    agree(payload)
    tree = _tree(payload)
    for pair in PAIRS.values():
        fast: tuple[object, ...]
        with parsing_with(pair):
            try:
                fast = ("ok", parse(payload).__dict__)
            except CashlessError as exc:
                fast = (type(exc), str(exc))
        assert fast == tree[:2]


def test_the_flat_reader_decides_nearly_all_of_the_corpus() -> None:
    decided = sum(agree(payload) for payload in CORPUS)
    assert decided >= 0.9 * len(CORPUS)


_ans = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=30
)


@st.composite
def shuffled_codes(draw: st.DrawFn) -> str:
    """A VietQR (or a near one) with its root objects in any order and extra objects."""
    code = VietQR(
        bin=draw(st.from_regex(r"[0-9]{6}", fullmatch=True)),
        account=draw(st.from_regex(r"[A-Za-z0-9]{1,19}", fullmatch=True)),
        service=draw(st.sampled_from(["QRIBFTTA", "QRIBFTTC", "QRPUSH", "QRCASH"])),
        amount=draw(st.none() | st.integers(1, 10**13 - 1)),
        mcc=draw(st.none() | st.from_regex(r"[0-9]{4}", fullmatch=True)),
        purpose=draw(st.none() | _ans.filter(lambda s: len(s) <= 25)),
        store_label=draw(st.none() | _ans.filter(lambda s: len(s) <= 25)),
        merchant_name=draw(st.none() | _ans.filter(lambda s: len(s) <= 25)),
        merchant_city=draw(st.none() | _ans.filter(lambda s: len(s) <= 15)),
        dynamic=draw(st.none() | st.booleans()),
    )
    if draw(st.booleans()) and code.merchant_name:
        code = code.with_language_template()
    try:
        built = code.build()
    except CashlessError:  # text that folds to nothing
        assume(False)
    objects = list(emv.decode(built).objects[:-1])
    extras = draw(
        st.lists(
            st.sampled_from(
                [
                    ("80", "046"),  # raw unreserved (MoMo)
                    ("80", emv.tlv("00", "vn.momo") + emv.tlv("01", "x")),
                    ("70", "abc"),  # RFU
                    ("26", emv.tlv("00", "vn.zalopay") + emv.tlv("01", "1800")),
                    ("55", "01"),
                    ("61", "10000"),
                    ("62", emv.tlv("08", "x" * 40)),  # a long purpose (replaces 62)
                    ("62", emv.tlv("09", "AME") + emv.tlv("10", "12")),
                    ("59", "Bà Hương"),  # accented ans: the tree path
                    ("54", "1000."),
                    ("54", "10.5"),
                    ("53", "156"),
                    ("01", "13"),
                ]
            ),
            max_size=3,
        )
    )
    by_tag = {obj.tag: (obj.tag, obj.value) for obj in objects}
    for tag, value in extras:
        by_tag[tag] = (tag, value)
    for tag in draw(st.lists(st.sampled_from(sorted(by_tag)), max_size=2)):
        by_tag.pop(tag, None)  # a missing object
    pairs = list(by_tag.values())
    if draw(st.booleans()):
        pairs = [pairs[0], *draw(st.permutations(pairs[1:]))]
    elif draw(st.booleans()):
        pairs = draw(st.permutations(pairs))
    payload = emv.with_crc(emv.encode(pairs))
    if draw(st.booleans()):
        payload = payload[:-4] + payload[-4:].lower()
    return payload


@settings(max_examples=300, deadline=None)
@given(shuffled_codes())
def test_flat_and_tree_agree_on_generated_payloads(payload: str) -> None:
    agree(payload)


@settings(max_examples=200, deadline=None)
@given(shuffled_codes(), st.randoms(use_true_random=False), st.integers(0, 5))
def test_flat_and_tree_agree_on_mutated_payloads(
    payload: str, rng: random.Random, kind: int
) -> None:
    i = rng.randrange(len(payload))
    if kind == 0:  # a character replaced, CRC recomputed
        payload = emv.with_crc((payload[:i] + rng.choice("0189AZaz .é") + payload[i + 1 :])[:-8])
    elif kind == 1:  # a length off by one, CRC recomputed
        starts = [o.position for o in emv.decode(payload, check_crc=False).walk()]
        at = rng.choice(starts) + 2
        size = (int(payload[at : at + 2]) + rng.choice((-1, 1))) % 100
        payload = emv.with_crc((payload[:at] + f"{size:02d}" + payload[at + 2 :])[:-8])
    elif kind == 2:  # truncated
        payload = payload[:i]
    elif kind == 3:  # a wrong CRC
        payload = payload[:-1] + ("0" if payload[-1] != "0" else "1")
    elif kind == 4:  # an object inserted, CRC recomputed
        payload = emv.with_crc(
            (payload[:i] + rng.choice(["0000", "9903000", "6304"]) + payload[i:])[:-8]
        )
    agree(payload)


def test_flat_and_tree_agree_on_structure_aware_fuzz_cases() -> None:
    """benchmarks/fuzz_payload.py's mutations (lengths off by one, swaps, bad CRCs, ...)."""
    import importlib.util

    path = Path(__file__).parent.parent / "benchmarks" / "fuzz_payload.py"
    spec = importlib.util.spec_from_file_location("fuzz_payload", path)
    assert spec is not None and spec.loader is not None
    fuzz = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz)
    decided = sum(agree(payload) for payload in fuzz.cases(random.Random(3), 1500))
    assert decided > 1000  # the flat reader gives most verdicts itself


@pytest.mark.parametrize(
    ("cls", "field", "position", "code"),
    [
        (errors.ChecksumError, "63", 120, None),
        (errors.FormatError, "38.01.00", 0, "format-bin"),
        (errors.LengthError, "62.08", 77, "length-field"),
        (errors.CharsetError, "38.01.01", None, "charset-account"),
        (errors.FormatError, None, None, "format-missing"),
        (errors.NotVietQRError, None, None, "not-vietqr"),
    ],
)
def test_the_quick_error_equals_the_constructed_one(
    cls: type[CashlessError], field: str | None, position: int | None, code: str | None
) -> None:
    quick = _error(cls, "something is wrong", field, position, code)
    made = cls("something is wrong", field=field, position=position, code=code)
    if isinstance(made, errors.NotVietQRError):
        quick.scheme = made.scheme  # type: ignore[attr-defined]  # not_vietqr sets it
    assert type(quick) is cls
    assert quick.args == made.args and str(quick) == str(made)
    assert vars(quick) == vars(made)
    assert quick.code == made.code
    assert str(quick.with_source("--payload")) == str(made.with_source("--payload"))


@pytest.mark.parametrize("build", ["python", "mypyc"])
def test_the_quick_finding_equals_the_constructed_one(build: str) -> None:
    if build == "mypyc" and COMPILED is None:
        pytest.skip("no compiled readers (make native)")
    make = finding
    if build == "mypyc":
        make = importlib.import_module("cashless.payload._flat_native").finding
    quick = make("format-static-amount", "54", 61, "info", "a prefill")
    made = Finding("format-static-amount", "54", 61, "info", "a prefill")
    assert type(quick) is Finding
    # every field compared: one the quick path left unset would raise here
    assert [getattr(quick, field.name) for field in dataclasses.fields(Finding)] == [
        getattr(made, field.name) for field in dataclasses.fields(Finding)
    ]
    assert quick == made and hash(quick) == hash(made)
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.code = "other"  # type: ignore[misc]  # frozen, as the made one
