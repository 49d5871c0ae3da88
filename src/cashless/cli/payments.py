"""Payload commands: ``build``, ``parse``, ``lint`` and ``banks`` (standard library only).

>>> from cashless.cli import main
>>> main(["banks", "970436"])
970436  VCB        Vietcombank      Ngân hàng TMCP Ngoại thương Việt Nam
0
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from cashless.cli.options import TableChoices

__all__ = ["register"]

# CLI option -> VietQR field, for the optional text fields of `build`.
_TEXT_OPTIONS = {
    "purpose": "purpose (62.08), folded to ASCII, at most 25 characters",
    "bill_number": "bill number (62.01)",
    "store_label": "store label (62.03)",
    "terminal_label": "terminal label (62.07)",
    "reference_label": "reference label (62.05)",
    "merchant_name": "merchant name (59), folded to ASCII, at most 25 characters",
    "merchant_city": "merchant city (60), folded to ASCII, at most 15 characters",
}


def register(commands: argparse._SubParsersAction) -> None:
    """Add the payload commands to the top-level parser."""
    build = commands.add_parser(
        "build",
        help="build a VietQR payload and print it",
        description="Build a VietQR payload. Vietnamese text is folded to ASCII "
        "(the note goes to stderr); --accents-in-64 keeps the accented name in template 64.",
        epilog="example: cashless build --bank VCB --account 0011001234567 --amount 50000 "
        '--purpose "Rau cai"',
    )
    build.add_argument(
        "--bank", required=True, help="bank BIN, code or short name (see `cashless banks`)"
    )
    build.add_argument(
        "--account", required=True, help="account number (or card number with --card)"
    )
    build.add_argument("--amount", help="amount in whole dong (digits only)")
    for name, text in _TEXT_OPTIONS.items():
        build.add_argument(f"--{name.replace('_', '-')}", dest=name, help=text)
    build.add_argument("--card", action="store_true", help="pay to a card number (QRIBFTTC)")
    mode = build.add_mutually_exclusive_group()
    mode.add_argument(
        "--static",
        dest="dynamic",
        action="store_false",
        default=None,
        help="reusable code (11), the default without an amount",
    )
    mode.add_argument(
        "--dynamic",
        dest="dynamic",
        action="store_true",
        help="one-time code (12), the default with an amount",
    )
    build.add_argument(
        "--accents-in-64",
        action="store_true",
        help="also write the accented merchant name/city in template 64",
    )
    build.add_argument(
        "--no-fold", action="store_true", help="refuse accented text instead of folding it"
    )
    build.set_defaults(handler=_build)

    parse = commands.add_parser(
        "parse",
        help="decode any EMV merchant payload to JSON",
        description="Decode a payload to JSON: VietQR into its named fields, any other EMV "
        "merchant-presented scheme into its fields and tree. Every scheme has the same "
        'shape: "scheme", its fields, and "findings" (what `cashless lint` reports under '
        "the profile, napas by default; empty when there is nothing to say).",
        epilog="exit status: 0 when the payload decodes and no finding is an error under "
        'the profile (warnings are listed in "findings"); 1, with a one-line reason on '
        "stderr, when it is not a valid payload of its scheme.",
    )
    parse.add_argument("payload", help="the payload text, or - to read it from stdin")
    parse.add_argument(
        "--profile",
        choices=TableChoices("cashless.payload.lint", "PROFILES"),
        default="napas",
        metavar="PROFILE",
        help="%(choices)s; napas: what bank apps accept (default); strict: EMVCo rules",
    )
    parse.set_defaults(handler=_parse)

    lint = commands.add_parser(
        "lint",
        help="list every problem in a payload",
        description="Check a payload against a profile and list findings.",
        epilog="exit status: 0 when no finding is an error, 1 when any is.",
    )
    lint.add_argument("payload", help="the payload text, or - to read it from stdin")
    lint.add_argument(
        "--profile",
        choices=TableChoices("cashless.payload.lint", "PROFILES"),
        default="napas",
        metavar="PROFILE",
        help="%(choices)s; napas: what bank apps accept (default); strict: EMVCo rules",
    )
    lint.add_argument("--json", action="store_true", help="print findings as JSON")
    lint.set_defaults(handler=_lint)

    banks = commands.add_parser(
        "banks",
        help="list or search the bank directory",
        description="List banks, or those matching QUERY (BIN, code or part of a name; "
        "accents and case do not matter).",
    )
    banks.add_argument("query", nargs="*", help="BIN, code, short name or part of the name")
    banks.add_argument(
        "--csv", metavar="FILE", help="your own bank CSV, laid over the bundled list"
    )
    banks.add_argument("--json", action="store_true", help="print JSON")
    banks.set_defaults(handler=_banks)


def _read_payload(text: str) -> str:
    """The payload argument, or stdin for ``-``; bytes that are not UTF-8 become lone
    surrogates, which the decoder refuses with their position (never a traceback)."""
    if text == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        raw = buffer.read() if buffer is not None else sys.stdin.read().encode("utf-8", "replace")
        text = raw.decode("utf-8", "surrogateescape")
    return text.strip()


def _build(args: argparse.Namespace) -> int:
    from cashless.banks import lookup_bank
    from cashless.payload.vietqr import VietQR

    fields: dict[str, Any] = {name: getattr(args, name) for name in _TEXT_OPTIONS}
    fields = {k: v for k, v in fields.items() if v is not None}
    code = VietQR(
        bin=lookup_bank(args.bank).bin,
        account=args.account,
        service="QRIBFTTC" if args.card else "QRIBFTTA",
        amount=args.amount,
        dynamic=args.dynamic,
        **fields,
    )
    if args.accents_in_64:
        code = code.with_language_template()
    payload = code.build(fold_text=not args.no_fold)
    if not args.no_fold:
        for name, (given, written) in code.folded_fields().items():
            print(f"note: {name} folded to ASCII: {given!r} -> {written!r}", file=sys.stderr)
    print(payload)
    return 0


def _parse(args: argparse.Namespace) -> int:
    from cashless.payload.emv import decode
    from cashless.payload.lint import lint
    from cashless.payload.vietqr import describe, parse

    payload = _read_payload(args.payload)
    tree = decode(payload)
    findings = lint(tree, profile=args.profile)
    errors = [finding for finding in findings if finding.severity == "error"]
    if errors:  # any scheme: a VNPAY-QR without 58 is as invalid as a VietQR without it
        raise errors[0].to_error()
    if tree.scheme == "vietqr":
        fields = describe(parse(payload, profile=args.profile))
    else:
        fields = tree.to_dict()
    out: dict[str, Any] = {k: v for k, v in fields.items() if k != "findings"}
    out["findings"] = [finding.to_dict() for finding in findings]
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def _lint(args: argparse.Namespace) -> int:
    from cashless.payload.lint import lint

    findings = lint(_read_payload(args.payload), profile=args.profile)
    if args.json:
        print(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2))
    elif not findings:
        print(f"ok: no findings under the {args.profile} profile")
    for finding in findings if not args.json else ():
        print(f"{finding}" + (f" (hint: {finding.hint})" if finding.hint else ""))
    return 1 if any(f.severity == "error" for f in findings) else 0


def _banks(args: argparse.Namespace) -> int:
    from cashless.banks import load_directory

    directory = load_directory(args.csv) if args.csv else load_directory()
    query = " ".join(args.query)
    banks = directory.search(query) if query else list(directory)
    if not banks:
        banks = [directory.lookup(query)]  # raises UnknownBankError with suggestions
    if args.json:
        rows = [dataclasses.asdict(bank) for bank in banks]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for bank in banks:
        print(f"{bank.bin}  {bank.code or '-':<10} {bank.short_name:<16} {bank.name}")
    return 0
