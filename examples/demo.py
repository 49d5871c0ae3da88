"""`make demo`: the main jobs of cashless on the bundled example data.

1. Build and parse a few stall payloads.
2. Create the market database from the example registry (its card-code key, the registry's
   first version), print an A4 sheet of stall cards from it, and check two photos.
3. Simulate a market day (the default Chợ Điện Biên-like scenario), print the
   cash-versus-QR comparison and save its plots.
4. Say how to run ``cashless`` and the market office's web page next.

Run from the repository root: ``.venv/bin/python examples/demo.py``. Files go to ``out/``.
"""

from __future__ import annotations

from pathlib import Path

import cashless
from cashless.payload.vietqr import VietQR

ROOT = Path(__file__).resolve().parent.parent
OUT = Path("out")
MARKET_DB = OUT / "market.db"

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
    from cashless.stalls.market import init_market
    from cashless.stalls.sheet import write_sheet
    from cashless.stalls.verify import verify_photos

    print("\n== The market database and a sheet of stall cards ==")
    registry_file = ROOT / "examples" / "stalls.csv"
    # the first run creates the key of the card codes; later runs import the registry again
    # (a new version only when the file changed)
    with init_market(MARKET_DB, registry_file, market_id="CDB") as market:
        registry = market.registry()
        card_codes = market.card_codes()
        versions = len(market.versions())
    print(f"{MARKET_DB}: {len(registry)} stalls, registry version {versions}")
    path = write_sheet(registry, OUT / "stalls.pdf", market="Chợ Điện Biên", card_codes=card_codes)
    print(f"wrote {path} (print at 100 %, 8 cards per page, each with its card code)")
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


def next_steps() -> None:
    print("\n== Next ==")
    print("Run the command line from this folder (or `source .venv/bin/activate` once, then")
    print("just `cashless`):")
    print("  .venv/bin/cashless --help")
    print("  .venv/bin/cashless verify --db out/market.db examples/photos --lang en")
    print("  .venv/bin/cashless audit --db out/market.db")
    print("Start the market office's web page (it opens in your browser):")
    print(f"  .venv/bin/cashless serve --db {MARKET_DB}")
    print("For staff phones on the market Wi-Fi add --host 0.0.0.0: the page then asks for an")
    print("access code, printed at start as text and as a QR code to scan.")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    show_payloads()
    print_sheet()
    simulate_market()
    next_steps()


if __name__ == "__main__":
    main()
