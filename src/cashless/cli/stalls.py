"""Stall commands: ``sheet`` (printable PDF), ``card`` (one QR image) and ``verify`` (photos)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from cashless.errors import RegistryError

if TYPE_CHECKING:
    from cashless.stalls.registry import Registry


def register(commands: argparse._SubParsersAction) -> None:
    """Add the stall commands to the top-level parser."""
    sheet = commands.add_parser(
        "sheet",
        help="print a PDF of stall cards from a registry CSV",
        description="Write a print-ready A4 PDF with one VietQR card per stall of the registry. "
        "Nothing is written if any row of the CSV is bad (unless --skip-bad). "
        "Print at 100 % (actual size): the 50 mm bar on each page checks the scale.",
        epilog='example: cashless sheet examples/stalls.csv -o stalls.pdf --market "Chợ Điện Biên"',
    )
    sheet.add_argument("registry", help="stall registry CSV (see the README for its columns)")
    sheet.add_argument("-o", "--output", required=True, help="PDF file to write")
    sheet.add_argument("--paper", choices=["A4"], default="A4", help="paper size (A4)")
    sheet.add_argument("--layout", choices=["2x4", "2x2", "1x2"], default="2x4",
                       help="cards per page: 2x4 A7 cards with 50 mm codes (default), "
                       "2x2 A6 with 70 mm, 1x2 A5 with 100 mm")
    sheet.add_argument("--market", help="market name printed on every card")
    sheet.add_argument("--font", help="TrueType font file for the text (default: DejaVu Sans)")
    _add_qr_options(sheet)
    sheet.add_argument("--skip-bad", action="store_true",
                       help="print the good rows and list the bad ones instead of stopping")
    sheet.set_defaults(handler=_sheet)

    card = commands.add_parser(
        "card",
        help="write one stall's card (or just its QR code) as PNG or SVG",
        description="Write one stall's A7 card, as on the sheet, as PNG or SVG (by the file "
        "suffix): to send by phone or print a single replacement. --qr-only writes the bare "
        "QR symbol instead (.png, .svg or .pdf).",
        epilog="example: cashless card examples/stalls.csv A01 -o a01.png --market 'Chợ Điện Biên'",
    )
    card.add_argument("registry", help="stall registry CSV")
    card.add_argument("stall", help="stall id")
    card.add_argument("-o", "--output", required=True, help="file to write (.png, .svg; .pdf with --qr-only)")
    card.add_argument("--market", help="market name printed on the card")
    card.add_argument("--font", help="TrueType font for the text (default: DejaVu Sans)")
    card.add_argument("--dpi", type=int, default=300, help="PNG resolution (default 300)")
    card.add_argument("--qr-only", action="store_true", help="write only the QR symbol")
    card.add_argument("--scale", type=int, default=10,
                      help="with --qr-only: pixels (PNG) or units (SVG, PDF) per module (default 10)")
    _add_qr_options(card)
    card.add_argument("--skip-bad", action="store_true", help="ignore bad rows of the CSV")
    card.set_defaults(handler=_card)

    verify = commands.add_parser(
        "verify",
        help="check photographed stall codes against the registry",
        description="Decode every QR code in each photo (files or folders) and judge it against "
        "the registry: ok, mismatch (a swapped sticker: names the stall it should be and the "
        "account it pays), unknown, not-vietqr, unreadable. A photo belongs to the stall its "
        "file or folder is named after (A12.jpg, A12_2.jpg, A12/IMG_1.jpg) or to --stall. "
        "Exit status 1 when any code is not ok.",
        epilog="example: cashless verify photos/ --registry examples/stalls.csv",
    )
    verify.add_argument("photos", nargs="+", help="photo files or folders of photos")
    verify.add_argument("--registry", required=True, help="stall registry CSV")
    verify.add_argument("--stall", help="stall id or printed check code every photo belongs to")
    verify.add_argument("--json", action="store_true", help="print JSON records, not a table")
    verify.add_argument("--skip-bad", action="store_true", help="ignore bad rows of the CSV")
    verify.set_defaults(handler=_verify)


def _add_qr_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--error", choices=["L", "M", "Q", "H"], default="M",
                        help="QR error-correction level (default M)")
    parser.add_argument("--single-mode", action="store_true",
                        help="encode the payload in one QR mode (larger symbol) instead of "
                        "mixed segments")


def _load(path: str, skip_bad: bool) -> Registry:
    from cashless.stalls.registry import load_registry

    try:
        registry = load_registry(path, skip_bad=skip_bad)
    except RegistryError as exc:
        count = len(exc.problems)
        print(f"cashless: {path}: {count} problem{'s' * (count != 1)}, nothing written:",
              file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        raise _Reported from exc
    for problem in registry.problems:
        print(f"cashless: {path}: skipped {problem}", file=sys.stderr)
    return registry


class _Reported(Exception):
    """Problems already printed; exit 1."""


def _sheet(args: argparse.Namespace) -> int:
    from cashless.stalls.sheet import render_sheet

    try:
        registry = _load(args.registry, args.skip_bad)
    except _Reported:
        return 1
    sheet = render_sheet(registry, layout=args.layout, market=args.market, font=args.font,
                         error=args.error, mixed=not args.single_mode)
    path = sheet.save(args.output)
    versions = sorted({c.version for c in sheet.cards})
    modules = [c.module_mm for c in sheet.cards]
    cards = len(sheet.cards)
    print(f"wrote {path}: {cards} card{'s' * (cards != 1)} on {sheet.pages} page"
          f"{'s' * (sheet.pages != 1)}, QR version {versions[0]}-{versions[-1]} level "
          f"{args.error}, modules {min(modules):.2f}-{max(modules):.2f} mm")
    for warning in sheet.warnings:
        print(f"cashless: warning: {warning}", file=sys.stderr)
    return 0


def _card(args: argparse.Namespace) -> int:
    from cashless.stalls.qr import make_qr, save

    try:
        registry = _load(args.registry, args.skip_bad)
    except _Reported:
        return 1
    stall = registry.get(args.stall)
    if stall is None:
        print(f"cashless: {args.registry}: no stall {args.stall!r}", file=sys.stderr)
        return 1
    qr = make_qr(stall.payload, error=args.error, mixed=not args.single_mode)
    if args.qr_only:
        path = save(qr, args.output, scale=args.scale)
        what = "QR code of stall"
    else:
        from cashless.stalls.card import write_card

        path = write_card(stall, args.output, market=args.market, font=args.font, dpi=args.dpi,
                          error=args.error, mixed=not args.single_mode)
        what = "card of stall"
    print(f"wrote {path}: {what} {stall.stall_id}, check code {stall.check_code}, "
          f"QR version {qr.version} level {qr.error}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from cashless.stalls.verify import verify_photos

    try:
        registry = _load(args.registry, args.skip_bad)
    except _Reported:
        return 1
    records = verify_photos(args.photos, registry, expect=args.stall)
    if args.json:
        print(json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=2))
    else:
        _table(records)
    return 0 if records and all(r.verdict == "ok" for r in records) else 1


def _table(records: list) -> None:
    header = ("photo", "#", "verdict", "stall", "is", "check", "pays", "reason")
    rows = [
        (r.photo, str(r.index), r.verdict, r.stall or "-", r.found_stall or "-",
         r.check_code or "-", f"{r.bin}/{r.account}" if r.account else "-", r.reason)
        for r in records
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip())
    counts = {v: sum(r.verdict == v for r in records) for v in dict.fromkeys(
        r.verdict for r in records)}
    print(", ".join(f"{n} {v}" for v, n in counts.items()) or "no photos")
