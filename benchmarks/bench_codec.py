"""Payload codec speed against a plain standard-library reference, measured in one run.

The reference builds the same dynamic payload with f-strings and ``binascii.crc_hqx``
and splits it with a bare TLV loop: no validation, no folding, no error positions. It is
the floor any Python implementation can reach. ``napas-qr-python`` (a peer library on
PyPI) is measured too when it is installed (``pip install napas-qr-python``).

Run: ``.venv/bin/python benchmarks/bench_codec.py``. Prints CPU-time per call and ratios.
"""

from __future__ import annotations

import binascii
import time
from collections.abc import Callable

from cashless.emv import decode
from cashless.vietqr import VietQR, parse

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


def reference_parse(payload: str) -> dict[str, str]:
    out, i = {}, 0
    while i < len(payload):
        tag, size = payload[i : i + 2], int(payload[i + 2 : i + 4])
        out[tag] = payload[i + 4 : i + 4 + size]
        i += 4 + size
    return out


def per_call(fn: Callable[[], object], repeat: int = 5, number: int = 2000) -> float:
    """Best CPU seconds per call over ``repeat`` rounds of ``number`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(number):
            fn()
        best = min(best, (time.process_time() - start) / number)
    return best


def main() -> None:
    payload = reference_build(BIN, ACCOUNT, AMOUNT, PURPOSE)
    code = VietQR(bin=BIN, account=ACCOUNT, amount=AMOUNT, purpose=PURPOSE)
    assert code.build() == payload, "cashless and the reference must build the same bytes"
    rows: list[tuple[str, str, float]] = [
        ("build", "stdlib reference", per_call(lambda: reference_build(BIN, ACCOUNT, AMOUNT, PURPOSE))),
        ("build", "cashless VietQR.build (validated, folded)", per_call(code.build)),
        ("parse", "stdlib reference (no checks)", per_call(lambda: reference_parse(payload))),
        ("parse", "cashless emv.decode (tree + CRC)", per_call(lambda: decode(payload))),
        ("parse", "cashless vietqr.parse (tree + CRC + lint)", per_call(lambda: parse(payload))),
    ]
    try:
        import qr_pay  # napas-qr-python

        peer = qr_pay.QRPay(BIN, ACCOUNT, transaction_amount=AMOUNT, purpose_of_transaction=PURPOSE)
        rows.append(("build", "napas-qr-python QRPay.code", per_call(lambda: peer.code)))
        rows.append(("parse", "napas-qr-python decode", per_call(lambda: qr_pay.decode(payload))))
    except ImportError:
        print("(napas-qr-python not installed: peer rows skipped)")
    baselines = {op: seconds for op, name, seconds in rows if name.startswith("stdlib")}
    print(f"{'op':<6} {'implementation':<44} {'µs/call':>9} {'× reference':>12}")
    for op, name, seconds in rows:
        print(f"{op:<6} {name:<44} {seconds * 1e6:9.2f} {seconds / baselines[op]:12.2f}")


if __name__ == "__main__":
    main()
