"""`make demo`: the main jobs of cashless on the bundled example data.

1. Build and parse a few stall payloads.
Run from the repository root: ``.venv/bin/python examples/demo.py``.
"""

from __future__ import annotations

from pathlib import Path

import cashless
from cashless.vietqr import VietQR

ROOT = Path(__file__).resolve().parent.parent
OUT = Path("out")

STALLS = [
    ("Quầy 12 — rau", "VCB", "0011001234567", None, None),
    ("Quầy 31 — thịt lợn", "BIDV", "21510001234567", 185_000, "Thịt ba chỉ 1kg"),
    ("Quầy 47 — cá", "MB", "0987654321", 92_000, "Cá trắm 1,2kg"),
]


def show_payloads() -> None:
    print("== VietQR payloads for three stalls ==")
    for label, bank, account, amount, purpose in STALLS:
        code = VietQR(
            bin=cashless.lookup_bank(bank).bin, account=account, amount=amount, purpose=purpose
        )
        payload = code.build()
        back = cashless.parse(payload)
        kind = "dynamic" if back.point_of_initiation == "12" else "static"
        amount_text = f"{back.amount:,} VND" if back.amount else "payer types the amount"
        print(f"{label}: {cashless.lookup_bank(bank).short_name} {back.account}, {kind}, {amount_text}")
        print(f"  {payload}")
        for name, (given, written) in code.folded_fields().items():
            print(f"  ({name} folded to ASCII: {given!r} -> {written!r})")


def main() -> None:
    show_payloads()


if __name__ == "__main__":
    main()
