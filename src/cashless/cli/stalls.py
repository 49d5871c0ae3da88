"""Stall commands: ``sheet`` (printable PDF) and ``card`` (one card or QR image).

Output paths are checked before any work; the message goes to stderr:

>>> from cashless.cli import main
>>> main(["sheet", "stalls.csv", "-o", "stalls.png"])  # --output: 'stalls.png' must end in .pdf
1
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from cashless.cli.options import TableChoices, add_output, check_output_file, from_flag, writing
from cashless.errors import CsvError, UnknownStallError, UsageError

if TYPE_CHECKING:
    from cashless.stalls.registry import Registry

__all__ = ["CARD_SUFFIXES", "SHEET_SUFFIXES", "load_registry_file", "register"]

SHEET_SUFFIXES = (".pdf",)
#: What :func:`cashless.stalls.card.write_card` writes.
CARD_SUFFIXES = (".png", ".svg")


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
    add_output(sheet, "PDF file to write", required=True)
    sheet.add_argument(
        "--layout",
        choices=TableChoices("cashless.stalls.layout", "LAYOUTS"),
        default="2x4",
        metavar="LAYOUT",
        help="cards per page (columns x rows), one of %(choices)s: 2x4 with 50 mm QR codes "
        "(default), 2x2 with 70 mm, 1x2 with 100 mm",
    )
    sheet.add_argument("--market", help="market name printed on every card")
    sheet.add_argument("--font", help="TrueType font file for the text (default: DejaVu Sans)")
    _add_qr_options(sheet)
    sheet.add_argument(
        "--skip-bad",
        action="store_true",
        help="print the good rows and list the bad ones instead of stopping",
    )
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
    add_output(card, "file to write (.png, .svg; .pdf with --qr-only)", required=True)
    card.add_argument("--market", help="market name printed on the card")
    card.add_argument("--font", help="TrueType font for the text (default: DejaVu Sans)")
    card.add_argument("--dpi", type=int, default=300, help="PNG resolution (default 300)")
    card.add_argument("--qr-only", action="store_true", help="write only the QR symbol")
    card.add_argument(
        "--scale",
        type=int,
        default=10,
        help="with --qr-only: pixels (PNG) or units (SVG, PDF) per module (default 10)",
    )
    _add_qr_options(card)
    card.add_argument("--skip-bad", action="store_true", help="ignore bad rows of the CSV")
    card.set_defaults(handler=_card)


def _add_qr_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--error",
        choices=TableChoices("cashless.stalls.qr", "ERROR_LEVELS"),
        default="M",
        metavar="LEVEL",
        help="QR error-correction level, one of %(choices)s (default M)",
    )
    parser.add_argument(
        "--single-mode",
        action="store_true",
        help="encode the payload in one QR mode (larger symbol) instead of mixed segments",
    )


def load_registry_file(path: str, skip_bad: bool) -> Registry:
    """The registry at ``path``; skipped rows (with ``skip_bad``) are reported on stderr."""
    from cashless.stalls.registry import load_registry

    try:
        registry = load_registry(path, skip_bad=skip_bad)
    except CsvError as exc:
        raise exc.with_source(path) from None
    for problem in registry.problems:
        print(f"cashless: {path}: skipped {problem}", file=sys.stderr)
    return registry


def _sheet(args: argparse.Namespace) -> int:
    from cashless.stalls.sheet import render_sheet

    output = check_output_file(args.output, suffixes=SHEET_SUFFIXES)
    registry = load_registry_file(args.registry, args.skip_bad)
    sheet = render_sheet(
        registry,
        layout=args.layout,
        market=args.market,
        font=args.font,
        error=args.error,
        mixed=not args.single_mode,
    )
    with writing(args.output):
        sheet.save(output)
    versions = sorted({c.version for c in sheet.cards})
    modules = [c.module_mm for c in sheet.cards]
    cards = len(sheet.cards)
    print(
        f"wrote {args.output}: {cards} card{'s' * (cards != 1)} on {sheet.pages} page"
        f"{'s' * (sheet.pages != 1)}, QR version {versions[0]}-{versions[-1]} level "
        f"{args.error}, modules {min(modules):.2f}-{max(modules):.2f} mm"
    )
    for warning in sheet.warnings:
        print(f"cashless: warning: {warning}", file=sys.stderr)
    return 0


def _card(args: argparse.Namespace) -> int:
    from cashless.stalls.qr import KINDS, make_qr, save

    suffixes = tuple(f".{kind}" for kind in KINDS) if args.qr_only else CARD_SUFFIXES
    output = check_output_file(args.output, suffixes=suffixes)
    if args.scale < 1:
        raise UsageError(f"must be at least 1, got {args.scale}", source="--scale")
    registry = load_registry_file(args.registry, args.skip_bad)
    stall = registry.get(args.stall)
    if stall is None:
        raise UnknownStallError(f"no stall {args.stall!r}", source=args.registry)
    qr = make_qr(stall.payload, error=args.error, mixed=not args.single_mode)
    if args.qr_only:
        with writing(args.output):
            save(qr, output, scale=args.scale)
        what = "QR code of stall"
    else:
        from cashless.stalls.card import write_card

        try:
            with writing(args.output):
                write_card(
                    stall,
                    output,
                    market=args.market,
                    font=args.font,
                    dpi=args.dpi,
                    error=args.error,
                    mixed=not args.single_mode,
                )
        except UsageError as exc:
            raise from_flag(exc, {"dpi": "--dpi"}) from None
        what = "card of stall"
    print(
        f"wrote {args.output}: {what} {stall.stall_id}, check code {stall.check_code}, "
        f"QR version {qr.version} level {qr.error}"
    )
    return 0
