"""Stall fees: ``fees`` writes a period's fee slips, ``reconcile`` matches bank credits.

Usage::

    cashless fees --db market.db --period 2026-12 --amount 50000 [--schedule fees.csv]
                  [--bank VCB --account 0011001234567 --holder "BQL CHO"] [--paper A7|A6]
                  -o fees.pdf                      (and fees.csv, the manifest, beside it)
    cashless reconcile --db market.db CREDITS... --period 2026-12 [--map F=COLUMN,...]
                  [--time-format FMT] [--json] [-o result.xlsx|result.csv] [--lang en]
"""

from __future__ import annotations

import argparse
import json

from cashless._io import write_bytes
from cashless.cli.options import add_output, check_output_file, writing

__all__ = ["register"]


def _add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=("vi", "en"),
        help="language of the output (default: CASHLESS_LANG, then the locale, then vi)",
    )


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``fees`` and ``reconcile`` commands."""
    fees = commands.add_parser(
        "fees",
        help="write one fee slip (dynamic VietQR with a payment code) per stall for a period",
        description="Issue the fees of a period: for every stall of the market database, a "
        "dynamic VietQR paying the market's own account the stall's fee, with the payment "
        "code <PREFIX><STALL><YYMM><CHECK> in the transfer note, printed on a slip; the "
        "manifest (stall_id, amount, payment_code, payload) goes beside the PDF as .csv. The "
        "market's account is given once with --bank and --account and kept in the database.",
        epilog="example: cashless fees --db market.db --period 2026-12 --amount 50000 "
        "--bank VCB --account 0011001234567 --holder 'BQL cho' -o fees.pdf",
    )
    fees.add_argument("--db", required=True, help="market database file or SQLAlchemy URL")
    fees.add_argument("--period", required=True, help="the month, YYYY-MM")
    fees.add_argument("--amount", type=int, help="the fee of every stall, whole dong")
    fees.add_argument("--schedule", help="CSV with amount and stall_id or category per row")
    fees.add_argument("--bank", help="the market's own bank (name, code or BIN); stored")
    fees.add_argument("--account", help="the market's own account number; stored")
    fees.add_argument("--holder", help="the market account's holder name; stored")
    fees.add_argument("--prefix", help="payment-code prefix, 1-6 letters or digits (the market id)")
    fees.add_argument("--paper", default="A7", choices=("A7", "A6"), help="slip size (default: A7)")
    fees.add_argument("--market", help="market name printed on the slips")
    add_output(fees, "the slips' PDF; the manifest is written beside it as .csv", required=True)
    _add_lang(fees)
    fees.set_defaults(handler=_fees)

    reconcile = commands.add_parser(
        "reconcile",
        help="match bank credits to the period's fees: who paid, who has not",
        description="Import bank credits (generic CSV/XLSX: time,amount,description,reference,"
        "account,name; or a bank's export with --map; or payment-notification webhook .json "
        "files or folders), store them once in the market database, match each by its payment "
        "code (then by payer and amount) and report every stall's fee and every credit.",
        epilog="exit status: 0 when every fee is paid exactly and every credit matched, 1 "
        "otherwise. example: cashless reconcile --db market.db sao-ke.csv --period 2026-12",
    )
    reconcile.add_argument(
        "credits", nargs="*", help="credit files (.csv, .xlsx, .json) or folders of .json"
    )
    reconcile.add_argument("--db", required=True, help="market database file or SQLAlchemy URL")
    reconcile.add_argument("--period", required=True, help="the month, YYYY-MM")
    reconcile.add_argument(
        "--map",
        help="the bank export's column per field, e.g. time='Ngày GD',credit='Ghi có',"
        "debit='Ghi nợ',description='Nội dung',reference='Số bút toán'",
    )
    reconcile.add_argument(
        "--time-format", help="strptime format of the time column, e.g. %%d/%%m/%%Y %%H:%%M:%%S"
    )
    reconcile.add_argument("--json", action="store_true", help="print JSON, not a table")
    add_output(reconcile, "write the per-stall and per-credit tables as .csv or .xlsx")
    _add_lang(reconcile)
    reconcile.set_defaults(handler=_reconcile)


def _fees(args: argparse.Namespace) -> int:
    from cashless.fees.codes import parse_period
    from cashless.fees.reconcile import issue_fees
    from cashless.fees.schedule import fee_amounts, load_schedule
    from cashless.fees.slips import dong, manifest_path, write_slips
    from cashless.stalls.market import open_market
    from cashless.stalls.messages import language, say

    lang = language(args.lang)
    parse_period(args.period)
    output = check_output_file(args.output, suffixes=(".pdf",))
    check_output_file(manifest_path(output), suffixes=(".csv",))
    schedule = load_schedule(args.schedule) if args.schedule else None
    with open_market(args.db) as market:
        amounts = fee_amounts(
            market.registry(), args.amount, schedule, source=args.schedule or "", lang=lang
        )
        slips = issue_fees(
            market,
            args.period,
            amounts,
            bank=args.bank,
            account=args.account,
            holder=args.holder,
            prefix=args.prefix,
            lang=lang,
        )
    with writing(args.output):
        pdf, listing = write_slips(slips, output, paper=args.paper, market=args.market, lang=lang)
    total = sum(s.amount for s in slips)
    print(
        say(
            "fees.written",
            lang,
            count=len(slips),
            period=args.period,
            total=dong(total),
            pdf=pdf,
            manifest=listing,
        )
    )
    return 0


def _reconcile(args: argparse.Namespace) -> int:
    from cashless.fees.codes import parse_period
    from cashless.fees.credits import parse_map, read_credit_files
    from cashless.fees.reconcile import RESULT_SUFFIXES, reconcile, report_file
    from cashless.stalls.market import open_market
    from cashless.stalls.messages import language, say

    lang = language(args.lang)
    parse_period(args.period)
    output = check_output_file(args.output, suffixes=RESULT_SUFFIXES) if args.output else None
    mapping = parse_map(args.map, args.time_format)
    credits = read_credit_files(args.credits, mapping=mapping, lang=lang)
    with open_market(args.db) as market:
        report = reconcile(market, args.period, credits, lang=lang)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    elif output is None:
        print(say("reconcile.imported", lang, new=report.new, known=report.known))
        stalls, rows = report.stall_table(lang), report.credit_table(lang)
        _print_table(stalls[0], stalls[1:])
        print()
        _print_table(rows[0], rows[1:])
        print(report.summary(lang))
    if output is not None:
        with writing(args.output):
            write_bytes(output, report_file(report, output.suffix, lang))
    return 0 if report.all_clear else 1


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip())
