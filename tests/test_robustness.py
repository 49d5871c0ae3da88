"""Junk and mutated input: only CashlessError comes out, and nothing hangs.

The quick profile runs a few thousand mutations in `make test`; set
``CASHLESS_FUZZ_CASES=1000000`` for the long run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import random
import signal
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cashless.errors import CashlessError
from cashless.payload import emv
from cashless.payload.lint import lint
from cashless.payload.vietqr import VietQR, describe, is_valid, parse

VALID = [
    VietQR(bin="970436", account="0011001234567").build(),
    VietQR(
        bin="970415", account="113366668888", amount=79000, purpose="Ung Ho Quy Vac Xin"
    ).build(),
    VietQR(
        bin="970422",
        account="V3CASLRPR13MT76",
        amount=185000,
        bill_number="HD0001",
        store_label="QUAY 12",
        merchant_name="Dang Thi Huong",
        merchant_city="Thanh Hoa",
    )
    .with_language_template()
    .build(),
]
FUZZ_CASES = int(os.environ.get("CASHLESS_FUZZ_CASES", "3000"))
HANG_SECONDS = 5  # a parse is microseconds; this only catches an endless loop


@pytest.fixture
def watchdog() -> Iterator[Callable[[], None]]:
    """Fail instead of hanging: SIGALRM fires if one call runs HANG_SECONDS."""

    def alarm(signum: int, frame: object) -> None:
        raise AssertionError(f"a single parse ran over {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, alarm)

    def arm() -> None:
        signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)

    yield arm
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def _only_cashless_errors(payload: Any) -> None:
    calls: tuple[Callable[[Any], object], ...] = (parse, emv.decode, lint, is_valid)
    for call in calls:
        with contextlib.suppress(CashlessError):
            call(payload)


JUNK = [
    None,
    "",
    b"000201",
    12345,
    "🙂" * 50,
    "0" * 1_000_000,
    "00" * 600_000,
    "000201" + "9999" + "x" * 10,  # length points past the end
    "000201" + "6205" + "0108abcdefgh" + "6304ABCD",  # nested template overflows its parent
    "0002010002016304ABCD",  # duplicate ID
    "00020163041234" + "5802VN",  # CRC not last
    "\x00\x01\x02\x03",
    "00020101021238",
]


@pytest.mark.parametrize("junk", JUNK, ids=lambda j: repr(j)[:30])
def test_junk_gives_only_cashless_errors(junk: object, watchdog: Callable[[], None]) -> None:
    watchdog()
    _only_cashless_errors(junk)
    if not isinstance(junk, str):
        with pytest.raises(CashlessError, match="must be text"):
            parse(junk)  # type: ignore[arg-type]


WEIRD_VALUES = [None, 1, -1, 1.5, True, b"abc", [], ["a"], {}, (), ("99", "x"), object(), "\x00"]
CODE_FIELDS = [f.name for f in dataclasses.fields(VietQR)]


def _code_calls(fields: dict[str, Any]) -> list[Callable[[], object]]:
    def code() -> VietQR:
        return VietQR(**fields)

    return [
        lambda: code().build(),
        lambda: code().build(fold_text=False),
        lambda: code().folded(),
        lambda: code().with_language_template().build(),
        lambda: describe(code()),
    ]


@pytest.mark.parametrize("value", WEIRD_VALUES, ids=repr)
def test_weird_arguments_give_only_cashless_errors(value: Any) -> None:
    """Every field and keyword given junk: build, fold, describe and parse raise CashlessError."""
    payload = VALID[0]
    calls: list[Callable[[], object]] = [
        lambda: parse(payload, profile=value),
        lambda: is_valid(payload, profile=value),
        lambda: lint(payload, profile=value),
        lambda: emv.decode(value),
        lambda: describe(value),
        lambda: VietQR(bin="970436", account="1", unknown=value),
    ]
    for name in CODE_FIELDS:
        calls += _code_calls({"bin": "970436", "account": "1", "merchant_name": "Pho", name: value})
    escaped = []
    for call in calls:
        try:
            call()
        except CashlessError:
            pass
        except Exception as exc:  # the point: anything else escaped
            escaped.append(f"{type(exc).__name__}: {exc}")
    assert escaped == []


@pytest.mark.parametrize("payload", VALID, ids=lambda p: p[-4:])
def test_every_single_character_substitution_is_refused(payload: str) -> None:
    """Exhaustive over printable ASCII plus a few Vietnamese letters and an emoji."""
    alphabet = [chr(c) for c in range(0x20, 0x7F)] + ["ư", "Đ", "ố", "🙂"]
    accepted = []
    for i, original in enumerate(payload):
        for char in alphabet:
            if char == original:
                continue
            mutated = payload[:i] + char + payload[i + 1 :]
            if is_valid(mutated, profile="strict"):
                accepted.append((i, char))
            elif is_valid(mutated):
                # napas accepts one thing strict refuses: the CRC written in lowercase
                assert i >= len(payload) - 4 and char == original.lower(), (i, char)
    assert accepted == []


def _mutations(rng: random.Random, payload: str) -> str:
    tree = emv.decode(payload).objects
    kind = rng.randrange(8)
    if kind == 0:  # insert a character
        i = rng.randrange(len(payload) + 1)
        return payload[:i] + rng.choice("0123456789ABCxyz ~é") + payload[i:]
    if kind == 1:  # delete one
        i = rng.randrange(len(payload))
        return payload[:i] + payload[i + 1 :]
    if kind == 2:  # replace one
        i = rng.randrange(len(payload))
        return payload[:i] + rng.choice("0123456789ABCxyz ~é") + payload[i + 1 :]
    if kind == 3:  # shuffle the TLVs, CRC recomputed so the structure is what is tested
        body = list(tree[:-1])
        rng.shuffle(body)
        return emv.with_crc(emv.encode(body))
    if kind == 4:  # duplicate one
        body = list(tree[:-1])
        body.insert(rng.randrange(len(body) + 1), rng.choice(body))
        return emv.with_crc(emv.encode(body))
    if kind == 5:  # truncate
        return payload[: rng.randrange(len(payload))]
    # lengths off by one (with and without a matching CRC)
    starts = [o.position for o in emv.decode(payload).walk()]
    at = rng.choice(starts) + 2
    size = int(payload[at : at + 2]) + rng.choice((-1, 1))
    mutated = payload[:at] + f"{max(size, 0) % 100:02d}" + payload[at + 2 :]
    return emv.with_crc(mutated[:-8]) if kind == 7 else mutated


def test_fuzz_mutated_payloads(watchdog: Callable[[], None]) -> None:
    rng = random.Random(20261127)
    outcomes = {"refused": 0, "accepted": 0}
    for n in range(FUZZ_CASES):
        payload = VALID[n % len(VALID)]
        mutated = _mutations(rng, payload)
        watchdog()
        _only_cashless_errors(mutated)
        outcomes["accepted" if is_valid(mutated) else "refused"] += 1
    # the mutations really damage payloads: most are refused, a few survive (a shuffle
    # of legal order, say), so the test exercises both outcomes
    assert outcomes["refused"] > FUZZ_CASES // 2
    assert outcomes["accepted"] > 0


def _fuzz_payload_module() -> Any:
    """benchmarks/fuzz_payload.py, imported by path (benchmarks/ is not a package)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parent.parent / "benchmarks" / "fuzz_payload.py"
    spec = importlib.util.spec_from_file_location("fuzz_payload", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_structure_aware_fuzz_sample_raises_only_cashless_errors() -> None:
    """3,000 structure-aware mutations through every payload entry point and the CLI."""
    fuzz = _fuzz_payload_module()
    counts = fuzz.run(FUZZ_CASES, seed=20261203)
    bugs = {key: value for key, value in counts.items() if key.startswith("other") or key == "hang"}
    assert bugs == {}
    assert counts["cases"] == FUZZ_CASES and counts["calls"] == FUZZ_CASES * len(fuzz.CALLS)
    # the mutations reach every verdict, so the sample tests all of them
    for outcome in ("ok", "FormatError", "LengthError", "CharsetError", "ChecksumError"):
        assert counts[outcome] > 0, outcome
    assert counts["NotVietQRError"] > 0


def test_fuzz_cases_are_reproducible_and_varied() -> None:
    fuzz = _fuzz_payload_module()
    first = list(fuzz.cases(random.Random(5), 300))
    assert first == list(fuzz.cases(random.Random(5), 300))
    assert len(set(first)) > 250
    assert any(not p.isascii() for p in first) and any(not p.isprintable() for p in first)
