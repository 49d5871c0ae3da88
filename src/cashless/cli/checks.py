"""Stall checks: ``verify`` judges photographed stall codes against the registry.

Usage: ``cashless verify PHOTO... --registry stalls.csv [--stall ID] [--json]``.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from cashless.cli.stalls import load_registry_file

if TYPE_CHECKING:
    from cashless.stalls.verify import Record

__all__ = ["register"]


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``verify`` command."""
    verify = commands.add_parser(
        "verify",
        help="check photographed stall codes against the registry",
        description="Decode every QR code in each photo (files or folders) and judge it against "
        "the registry: ok, mismatch (a swapped sticker: names the stall it should be and the "
        "account it pays), unknown, not-vietqr, unreadable. A photo belongs to the stall its "
        "file or folder is named after (A12.jpg, A12_2.jpg, A12/IMG_1.jpg) or to --stall.",
        epilog="exit status: 0 when every code is ok, 1 when any is not (or on an error). "
        "example: cashless verify photos/ --registry examples/stalls.csv",
    )
    verify.add_argument("photos", nargs="+", help="photo files or folders of photos")
    verify.add_argument("--registry", required=True, help="stall registry CSV")
    verify.add_argument("--stall", help="stall id or printed check code every photo belongs to")
    verify.add_argument("--json", action="store_true", help="print JSON records, not a table")
    verify.add_argument("--skip-bad", action="store_true", help="ignore bad rows of the CSV")
    verify.set_defaults(handler=_verify)


def _verify(args: argparse.Namespace) -> int:
    from cashless.stalls.verify import verify_photos

    registry = load_registry_file(args.registry, args.skip_bad)
    records = verify_photos(args.photos, registry, expect=args.stall)
    if args.json:
        print(json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=2))
    else:
        _table(records)
    return 0 if records and all(r.verdict == "ok" for r in records) else 1


def _table(records: list[Record]) -> None:
    header = ("photo", "#", "verdict", "stall", "is", "check", "pays", "reason")
    rows = [
        (
            r.photo,
            str(r.index),
            r.verdict,
            r.stall or "-",
            r.found_stall or "-",
            r.check_code or "-",
            f"{r.bin}/{r.account}" if r.account else "-",
            r.reason,
        )
        for r in records
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip())
    counts = {
        v: sum(r.verdict == v for r in records) for v in dict.fromkeys(r.verdict for r in records)
    }
    print(", ".join(f"{n} {v}" for v, n in counts.items()) or "no photos")
