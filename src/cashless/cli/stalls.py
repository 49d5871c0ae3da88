"""Stall commands: ``sheet`` (printable PDF), ``card`` (one card or QR image), ``template``.

The registry is an office's table (``.xlsx`` or CSV) or a market database (``--db``, which
adds each stall's card code). Output paths are checked before any work; the message goes
to stderr:

>>> from cashless.cli import main
>>> main(["sheet", "stalls.csv", "-o", "stalls.png"])  # --output: 'stalls.png' must end in .pdf
1
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from cashless.cli.options import TableChoices, add_output, check_output_file, from_flag, writing
from cashless.errors import CsvError, UnknownStallError, UsageError

if TYPE_CHECKING:
    from cashless.stalls.registry import Registry, Stall

__all__ = [
    "CARD_SUFFIXES",
    "SHEET_SUFFIXES",
    "TEMPLATE_SUFFIXES",
    "load_registry_file",
    "register",
]

SHEET_SUFFIXES = (".pdf",)
#: What :func:`cashless.stalls.card.write_card` writes.
CARD_SUFFIXES = (".png", ".svg", ".pdf")
TEMPLATE_SUFFIXES = (".xlsx",)
_PAPERS = ("A4", "A5", "A6", "Letter")


def register(commands: argparse._SubParsersAction) -> None:
    """Add the stall commands to the top-level parser."""
    sheet = commands.add_parser(
        "sheet",
        help="print a PDF of stall cards from a registry (.xlsx or CSV) or a market database",
        description="Write a print-ready PDF with one VietQR card per stall, and a manifest "
        "CSV beside it (stall, payload, check code, page, slot). Nothing is written if any "
        "row is bad (unless --skip-bad); every change made to what the file says is listed. "
        "Print at 100 % (actual size): the 50 mm bar on each page checks the scale.",
        epilog='example: cashless sheet examples/stalls.csv -o stalls.pdf --market "Chợ Điện Biên"'
        "; cashless sheet --db market.db --paper A5 --layout placard --stalls A01,A02 -o p.pdf",
    )
    sheet.add_argument(
        "registry", nargs="?", help="stall registry, .xlsx or CSV (or give --db instead)"
    )
    _add_db(sheet)
    add_output(sheet, "PDF file to write", required=True)
    sheet.add_argument(
        "--layout",
        choices=TableChoices("cashless.stalls.layout", "LAYOUTS"),
        default="2x4",
        metavar="LAYOUT",
        help="one of %(choices)s: 2x4 counter cards with 50 mm codes (default), 2x2 with 70 mm, "
        "1x2 with 100 mm, 1x1 one A7 card per page, placard one portrait card per page "
        "(70-100 mm code)",
    )
    sheet.add_argument(
        "--paper", choices=_PAPERS, default="A4", type=_paper, help="paper size (default A4)"
    )
    sheet.add_argument("--stalls", help="only these stalls, e.g. A01,B07 (to reprint a few)")
    sheet.add_argument(
        "--start",
        type=int,
        default=1,
        help="slot of the first card on the first page (1 = top left), for a partly used sheet",
    )
    sheet.add_argument("--market", help="market name printed on every card")
    _add_card_look(sheet)
    _add_qr_options(sheet)
    _add_lang(sheet)
    sheet.add_argument(
        "--skip-bad",
        action="store_true",
        help="print the good rows and list the bad ones instead of stopping",
    )
    sheet.set_defaults(handler=_sheet)

    card = commands.add_parser(
        "card",
        help="write one stall's card (or just its QR code) as PNG, SVG or a true-size PDF",
        description="Write one stall's A7 card (105 x 74 mm) as PNG, SVG or PDF (by the file "
        "suffix): to send by phone or print a single replacement; the PDF is true size. "
        "--qr-only writes the bare QR symbol instead (.png, .svg or .pdf).",
        epilog="example: cashless card examples/stalls.csv A01 -o a01.pdf; "
        "cashless card --db market.db A01 -o a01.png",
    )
    card.add_argument(
        "args",
        nargs="+",
        metavar="REGISTRY STALL",
        help="registry file and stall id (with --db: the stall id)",
    )
    _add_db(card)
    add_output(card, "file to write (.png, .svg or .pdf)", required=True)
    card.add_argument("--market", help="market name printed on the card")
    _add_card_look(card)
    card.add_argument("--dpi", type=int, default=300, help="PNG resolution (default 300)")
    card.add_argument("--qr-only", action="store_true", help="write only the QR symbol")
    card.add_argument(
        "--scale",
        type=int,
        default=10,
        help="with --qr-only: pixels (PNG) or units (SVG, PDF) per module (default 10)",
    )
    _add_qr_options(card)
    _add_lang(card)
    card.add_argument("--skip-bad", action="store_true", help="ignore bad rows of the registry")
    card.set_defaults(handler=_card)

    template = commands.add_parser(
        "template",
        help="write a fill-in registry workbook (.xlsx) with instructions and a bank list",
        description="Write an Excel workbook to fill in: the registry's columns (account and "
        "stall columns formatted as Text), a bank list to pick from, and instructions.",
        epilog="example: cashless template -o mau.xlsx",
    )
    add_output(template, "workbook to write (.xlsx)", required=True)
    _add_lang(template)
    template.set_defaults(handler=_template)


def _paper(text: str) -> str:
    return next((name for name in _PAPERS if name.lower() == text.lower()), text)


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="MARKET_DB",
        help="market database (`cashless market init`) instead of a registry file: "
        "cards then carry their card code",
    )


def _add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=("vi", "en"),
        help="language of messages (default: CASHLESS_LANG, then the locale, then vi)",
    )


def _add_card_look(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--font", help="TrueType font file for the text (default: DejaVu Sans)")
    parser.add_argument(
        "--logo", help="image printed on every card (the market's logo, or marks you supply)"
    )


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


def load_registry_file(path: str, skip_bad: bool, lang: str | None = None) -> Registry:
    """The registry at ``path``; skipped rows and changes made are reported on stderr."""
    from cashless.stalls.messages import say
    from cashless.stalls.registry import describe, load_registry

    try:
        registry = load_registry(path, skip_bad=skip_bad, lang=lang)
    except CsvError as exc:
        raise exc.with_source(path) from None
    for problem in registry.problems:
        skipped = say("registry.skipped", lang, problem=describe(problem, lang))
        print(f"cashless: {path}: {skipped}", file=sys.stderr)
    for note in registry.notes:
        said = say("registry.note", lang, note=describe(note, lang))
        print(f"cashless: {path}: {said}", file=sys.stderr)
    return registry


def _stalls_and_codes(
    registry: str | None, db: str | None, skip_bad: bool, lang: str | None
) -> tuple[Registry, Mapping[str, str] | None, str]:
    if (registry is None) == (db is None):
        raise UsageError("give a registry file or --db MARKET_DB (one of them)", source="--db")
    if db is not None:
        from cashless.stalls.market import open_market

        with open_market(db) as market:
            return market.registry(), market.card_codes(), db
    assert registry is not None
    return load_registry_file(registry, skip_bad, lang), None, registry


def _pick(registry: Registry, wanted: str | None, source: str) -> list[Stall]:
    if not wanted:
        return list(registry)
    picked: list[Stall] = []
    for stall_id in (part.strip() for part in wanted.split(",")):
        if not stall_id:
            continue
        stall = registry.get(stall_id)
        if stall is None:
            raise UnknownStallError(f"no stall {stall_id!r}", source=source)
        if stall not in picked:
            picked.append(stall)
    if not picked:
        raise UsageError("names no stall", source="--stalls")
    return picked


def _sheet(args: argparse.Namespace) -> int:
    from cashless.stalls.messages import language
    from cashless.stalls.sheet import manifest_path, stream_sheet

    lang = language(args.lang)
    output = check_output_file(args.output, suffixes=SHEET_SUFFIXES)
    registry, codes, source = _stalls_and_codes(args.registry, args.db, args.skip_bad, lang)
    stalls = _pick(registry, args.stalls, source)
    # a stream (-o -, a FIFO) gets the PDF alone: a manifest has nowhere to go beside it
    streamed = os.fsdecode(output) != os.fsdecode(args.output)
    try:
        with writing(args.output):
            sheet = stream_sheet(
                stalls,
                output,
                manifest=not streamed,
                layout=args.layout,
                paper=args.paper,
                market=args.market,
                font=args.font,
                error=args.error,
                mixed=not args.single_mode,
                card_codes=codes,
                start=args.start,
                logo=args.logo,
            )
    except UsageError as exc:
        raise from_flag(exc, {"start": "--start", "logo": "--logo", "paper": "--paper"}) from None
    listing = (
        "no manifest (the PDF went to a stream; -o FILE.pdf writes one beside it)"
        if streamed
        else f"manifest {manifest_path(args.output)}"
    )
    (low, high), modules, cards = sheet.versions, sheet.module_mm, sheet.cards
    print(
        f"wrote {args.output}: {cards} card{'s' * (cards != 1)} on {sheet.pages} page"
        f"{'s' * (sheet.pages != 1)} ({args.paper}, {args.layout}), QR version "
        f"{low}-{high} level {args.error}, modules "
        f"{modules[0]:.2f}-{modules[1]:.2f} mm; {listing}"
    )
    for warning in sheet.warnings:
        print(f"cashless: warning: {warning}", file=sys.stderr)
    return 0


def _card(args: argparse.Namespace) -> int:
    from cashless.stalls.messages import language
    from cashless.stalls.qr import KINDS, make_qr, save

    lang = language(args.lang)
    suffixes = tuple(f".{kind}" for kind in KINDS) if args.qr_only else CARD_SUFFIXES
    output = check_output_file(args.output, suffixes=suffixes)
    if args.scale < 1:
        raise UsageError(f"must be at least 1, got {args.scale}", source="--scale")
    wanted = 1 if args.db else 2
    if len(args.args) != wanted:
        raise UsageError(
            "give the stall id" if args.db else "give the registry file and the stall id",
            source="card",
        )
    registry_path = None if args.db else args.args[0]
    registry, codes, source = _stalls_and_codes(registry_path, args.db, args.skip_bad, lang)
    stall = registry.get(args.args[-1])
    if stall is None:
        raise UnknownStallError(f"no stall {args.args[-1]!r}", source=source)
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
                    card_code=(codes or {}).get(stall.stall_id),
                    logo=args.logo,
                )
        except UsageError as exc:
            raise from_flag(exc, {"dpi": "--dpi", "logo": "--logo"}) from None
        what = "card of stall"
    print(
        f"wrote {args.output}: {what} {stall.stall_id}, check code {stall.check_code}, "
        f"QR version {qr.version} level {qr.error}"
    )
    return 0


def _template(args: argparse.Namespace) -> int:
    from cashless.banks import load_directory
    from cashless.stalls.messages import language
    from cashless.stalls.workbook import write_template

    lang = language(args.lang)
    output = check_output_file(args.output, suffixes=TEMPLATE_SUFFIXES)
    banks = sorted(load_directory(), key=lambda bank: bank.short_name.casefold())
    with writing(args.output):
        write_template(output, banks=banks, lang=lang)
    print(f"wrote {args.output}: fill it in, then `cashless sheet {args.output} -o cards.pdf`")
    return 0
