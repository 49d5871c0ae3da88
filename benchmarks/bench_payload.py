"""Payload build/parse speed against a plain standard-library reference, in one run.

The reference is the floor any Python implementation can reach: it builds the payload
with f-strings and ``binascii.crc_hqx``, and parses it by splitting the root, the NAPAS
template and the additional-data template and checking the CRC -- no validation, no
folding, no error positions. ``cashless`` is measured doing its full job (fields checked
and folded on build; structure, CRC and the napas profile's rules checked on parse).
Peer libraries from PyPI are measured when installed in the same venv:
``pip install napas-qr-python vietnam-qr-pay vietqr-emvco``.

The ``mix`` rows parse a corpus of real payloads collected from public repositories
(``tests/data/real_payloads.jsonl``, sources in ``tests/data/README.md``): VietQR codes
of every layout, other schemes, broken ones. ``mix`` takes those whose CRC matches (what
an app produced), ``mix-all`` every collected string, placeholders like ``6304ABCD``
included. Each side does its whole job on each payload and turns a refusal into an
exception; the reference stops at the first thing it cannot split.
Each reader pair (plain Python, and mypyc's build when ``make native`` made it) takes
turns with the reference call by call, and its ratio is to that pairing's reference;
``--together`` times both pairs and the reference in one loop instead.

Run: ``.venv/bin/python benchmarks/bench_payload.py``. Speed is calls per CPU-second
(``time.process_time``): the rows of one op take turns, 30 calls at a time, best of 7
rounds of 3,000 calls each; the ratio is speed / the reference's speed, so above 1.0 is
faster than the reference.
"""

from __future__ import annotations

import argparse
import binascii
import json
import time
from collections.abc import Callable
from pathlib import Path

from cashless.errors import CashlessError
from cashless.payload import vietqr
from cashless.payload._canonical import canonical_fields
from cashless.payload._flat import flat_fields
from cashless.payload._native import Reader, compiled_readers
from cashless.payload.emv import decode
from cashless.payload.vietqr import VietQR, parse

BIN, ACCOUNT, AMOUNT, PURPOSE = "970436", "0011001234567", 125_000, "Cho Dien Bien quay 12"


def reference_build(bin_: str, account: str, amount: int, purpose: str) -> str:
    def tlv(tag: str, value: str) -> str:
        return f"{tag}{len(value):02d}{value}"

    beneficiary = tlv("00", bin_) + tlv("01", account)
    napas = tlv("00", "A000000727") + tlv("01", beneficiary) + tlv("02", "QRIBFTTA")
    body = (
        "000201010212"
        + tlv("38", napas)
        + "5303704"
        + tlv("54", str(amount))
        + "5802VN"
        + tlv("62", tlv("08", purpose))
        + "6304"
    )
    return body + f"{binascii.crc_hqx(body.encode(), 0xFFFF):04X}"


def _split(text: str) -> dict[str, str]:
    out, i = {}, 0
    while i < len(text):
        size = int(text[i + 2 : i + 4])
        out[text[i : i + 2]] = text[i + 4 : i + 4 + size]
        i += 4 + size
    return out


def reference_parse(payload: str) -> dict[str, object]:
    if f"{binascii.crc_hqx(payload[:-4].encode(), 0xFFFF):04X}" != payload[-4:].upper():
        raise ValueError("bad CRC")
    root = _split(payload)
    napas = _split(root["38"])
    beneficiary = _split(napas["01"])
    additional = _split(root.get("62", ""))
    return {
        "bin": beneficiary["00"],
        "account": beneficiary["01"],
        "service": napas.get("02"),
        "amount": int(root["54"]) if "54" in root else None,
        "purpose": additional.get("08"),
    }


def speeds(
    fns: list[Callable[[], object]], rounds: int = 7, number: int = 100, batch: int = 30
) -> list[float]:
    """Calls per CPU-second of each function, best of ``rounds``.

    The functions take turns, ``batch`` calls at a time, each turn timed on its own, so
    that a burst of load on the machine falls on all of them alike rather than on
    whichever happened to be running (on a shared machine, measuring one function's calls
    back to back moved the mix ratio between 0.38 and 0.51 from run to run). A turn of
    several calls keeps the clock's own cost (a system call) out of short calls' times.
    """
    clock = time.process_time
    best = [float("inf")] * len(fns)
    calls = number * batch
    for _ in range(rounds):
        spent = [0.0] * len(fns)
        for _ in range(number):
            for index, fn in enumerate(fns):
                start = clock()
                for _ in range(batch):
                    fn()
                spent[index] += clock() - start
        best = [min(old, new / calls) for old, new in zip(best, spent, strict=True)]
    return [1.0 / value for value in best]


def peers(payload: str) -> list[tuple[str, str, Callable[[], object]]]:
    rows: list[tuple[str, str, Callable[[], object]]] = []
    try:
        import qr_pay  # type: ignore[import-not-found, unused-ignore]  # napas-qr-python

        peer = qr_pay.QRPay(BIN, ACCOUNT, transaction_amount=AMOUNT, purpose_of_transaction=PURPOSE)
        rows.append(("build", "napas-qr-python", lambda: peer.code))
        rows.append(("parse", "napas-qr-python", lambda: qr_pay.decode(payload)))
    except ImportError:
        pass
    try:
        from vietnam_qr_pay import QRPay  # type: ignore[import-not-found, unused-ignore]

        rows.append(
            (
                "build",
                "vietnam-qr-pay",
                lambda: QRPay.init_viet_qr(BIN, ACCOUNT, str(AMOUNT), PURPOSE).build(),
            )
        )
        rows.append(("parse", "vietnam-qr-pay", lambda: QRPay(payload)))
    except ImportError:
        pass
    try:
        from vietqr_emvco import (  # type: ignore[import-not-found, unused-ignore]
            VietQRGenerator,
            VietQRParser,
        )

        rows.append(
            (
                "build",
                "vietqr-emvco",
                lambda: VietQRGenerator(BIN, ACCOUNT).generate(AMOUNT, PURPOSE),
            )
        )
        rows.append(("parse", "vietqr-emvco", lambda: VietQRParser.parse(payload)))
    except ImportError:
        pass
    return rows


CORPUS = Path(__file__).parent.parent / "tests" / "data" / "real_payloads.jsonl"


def corpus() -> tuple[list[str], list[str]]:
    """(payloads whose CRC matches, every collected payload) of the real-payload corpus."""
    everything = [json.loads(line)["payload"] for line in CORPUS.read_text().splitlines()]

    def crc_matches(payload: str) -> bool:
        expected = binascii.crc_hqx(payload[:-4].encode(), 0xFFFF)
        return f"{expected:04X}" == payload[-4:].upper()

    return [p for p in everything if crc_matches(p)], everything


Mix = tuple[str, Callable[[], object], list[tuple[str, Callable[[], object]]], int]


def mix_rows() -> list[Mix]:
    """(op, the reference's pass, [(implementation, its pass)], payloads per pass)."""

    def reference(payloads: list[str]) -> Callable[[], object]:
        def run() -> None:
            for payload in payloads:
                try:  # noqa: SIM105 - try costs less than suppress() per payload
                    reference_parse(payload)
                except (ValueError, KeyError, IndexError):
                    pass

        return run

    def cashless(payloads: list[str], readers: tuple[Reader, Reader]) -> Callable[[], object]:
        def run() -> None:
            # parse as it is, with the given pair of readers in front of the tree path
            with vietqr._parsing_with(*readers):
                for payload in payloads:
                    try:  # noqa: SIM105 - the same loop as the reference's
                        parse(payload)
                    except CashlessError:
                        pass

        return run

    plain = (canonical_fields, flat_fields)
    compiled = compiled_readers()
    rows: list[Mix] = []
    for op, payloads in zip(("mix", "mix-all"), corpus(), strict=True):
        size = len(payloads)
        builds = [(f"cashless parse, Python ({size} real)", cashless(payloads, plain))]
        if compiled is not None:
            builds.append((f"cashless parse, mypyc ({size} real)", cashless(payloads, compiled)))
        rows.append((op, reference(payloads), builds, size))
    return rows


def mix_speeds(rows: list[Mix], *, together: bool = False) -> list[tuple[str, str, float, float]]:
    """(op, implementation, payloads/s, × the reference) for the mix rows.

    Each build takes turns with the reference, call by call (21 rounds of 30 passes over
    the corpus), and its ratio is to the reference of its own pairing. A process loads
    one pair of readers; timing both pairs in one loop (``together``) has each evict the
    other's header tables from the CPU caches between passes, which costs the compiled
    pair 5-10 % (benchmarks/README.md).
    """
    out = []
    for op, reference, builds, size in rows:
        runs = [run for _, run in builds]
        pairs: list[tuple[float, float]] = []
        if together:
            base, *values = speeds([reference, *runs], rounds=21, number=30, batch=1)
            pairs = [(base, value) for value in values]
        else:
            for run in runs:
                base, value = speeds([reference, run], rounds=21, number=30, batch=1)
                pairs.append((base, value))
        out.append((op, "plain reference", max(pair[0] for pair in pairs) * size, 1.0))
        for (name, _), (base, value) in zip(builds, pairs, strict=True):
            out.append((op, name, value * size, value / base))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument(
        "--together",
        action="store_true",
        help="time the Python and mypyc mix rows in one loop with the reference "
        "(each then runs with the other's tables in the CPU caches)",
    )
    options = parser.parse_args()
    payload = reference_build(BIN, ACCOUNT, AMOUNT, PURPOSE)

    def cashless_build() -> str:
        return VietQR(bin=BIN, account=ACCOUNT, amount=AMOUNT, purpose=PURPOSE).build()

    code = VietQR(bin=BIN, account=ACCOUNT, amount=AMOUNT, purpose=PURPOSE)
    assert code.build() == payload, "cashless and the reference must build the same bytes"
    assert parse(payload) == code
    peer_rows = peers(payload)
    rows = [
        ("build", "plain reference", lambda: reference_build(BIN, ACCOUNT, AMOUNT, PURPOSE)),
        ("build", "cashless VietQR(...).build()", cashless_build),
        ("build", "cashless .build() on a made VietQR", code.build),
        ("parse", "plain reference", lambda: reference_parse(payload)),
        ("parse", f"cashless vietqr.parse ({vietqr.READER})", lambda: parse(payload)),
        ("parse", "cashless emv.decode (generic tree)", lambda: decode(payload)),
        *peer_rows,
    ]
    table = []
    for op in dict.fromkeys(op for op, _, _ in rows):  # each op's rows take turns
        named = [(name, fn) for row_op, name, fn in rows if row_op == op]
        values = speeds([fn for _, fn in named])
        base = values[[name for name, _ in named].index("plain reference")]
        table += [
            (op, name, value, value / base) for (name, _), value in zip(named, values, strict=True)
        ]
    table += mix_speeds(mix_rows(), together=options.together)
    print(f"{'op':<7} {'implementation':<38} {'calls/s':>10} {'× reference':>12}")
    for op, name, value, ratio in table:
        print(f"{op:<7} {name:<38} {value:10,.0f} {ratio:12.2f}")
    if not peer_rows:
        print("(no peer library installed; see the docstring to add them)")
    print("(mix rows: calls/s counts payloads)")


if __name__ == "__main__":
    main()
