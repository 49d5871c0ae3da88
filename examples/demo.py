"""`make demo`: the main jobs of cashless on the bundled example data.

1. Build and parse a few stall payloads.
2. Print an A4 sheet of stall QR cards from the example registry, and check two photos.
3. Simulate a market day (the default Chợ Điện Biên-like scenario), print the
   cash-versus-QR comparison and save its plots.

Run from the repository root: ``.venv/bin/python examples/demo.py``. Files go to ``out/``.
"""

from __future__ import annotations

from pathlib import Path

import cashless
from cashless.payload.vietqr import VietQR

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
        print(
            f"{label}: {cashless.lookup_bank(bank).short_name} {back.account}, {kind}, {amount_text}"
        )
        print(f"  {payload}")
        for name, (given, written) in code.folded_fields().items():
            print(f"  ({name} folded to ASCII: {given!r} -> {written!r})")


def print_sheet() -> None:
    from cashless.stalls.registry import load_registry
    from cashless.stalls.sheet import write_sheet
    from cashless.stalls.verify import verify_photos

    print("\n== Stall QR sheet from examples/stalls.csv ==")
    registry = load_registry(ROOT / "examples" / "stalls.csv")
    path = write_sheet(registry, OUT / "stalls.pdf", market="Chợ Điện Biên")
    print(f"{len(registry)} stalls -> wrote {path} (print at 100 %, 8 cards per page)")
    print("Checking photos of stall codes against the registry:")
    for record in verify_photos([ROOT / "examples" / "photos"], registry):
        print(f"  {Path(record.photo).name}: {record.verdict} — {record.reason}")


def simulate_market(replications: int = 8) -> None:
    from cashless.cli.simulation import format_comparison
    from cashless.policy.plots import save_demo_figures
    from cashless.policy.tables import write_table
    from cashless.sim import preset, run

    scenario = preset("dien-bien")
    print(f"\n== Market simulation: {scenario.description} ==")
    print(f"{replications} simulated days on 2 worker processes (mean ± 95 % CI half-width):\n")
    result = run(scenario, replications=replications, seed=2026, workers=2, keep_days=True)
    print(format_comparison(result))
    table = OUT / "simulation_days.csv"
    write_table(result.replications, table)
    print(f"\nwrote {table} (one row per simulated day)")
    for path in save_demo_figures(result, OUT):
        print(f"wrote {path}")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    show_payloads()
    print_sheet()
    simulate_market()


if __name__ == "__main__":
    main()
