"""Stall checks: ``verify`` judges photos of stall codes, ``market init`` creates the market
database, ``market accept`` adds a stall's second code, ``audit`` reports per stall when it
was last checked.

Usage::

    cashless market init --db market.db --registry stalls.csv [--market-id CDB]
    cashless market accept --db market.db STALL PAYLOAD_OR_PHOTO
    cashless verify --db market.db PHOTO... [--json] [--lang en] [--who NAME]
    cashless verify --registry stalls.csv PHOTO...      (no card codes, no log)
    cashless audit --db market.db [-o report.xlsx|report.csv] [--lang en]
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from cashless._io import write_bytes
from cashless.cli.options import add_output, check_output_file, writing
from cashless.cli.stalls import load_registry_file
from cashless.errors import UsageError

if TYPE_CHECKING:
    from cashless.stalls.market import AuditRow
    from cashless.stalls.verify import Batch

__all__ = ["AUDIT_SUFFIXES", "register"]

AUDIT_SUFFIXES = (".csv", ".xlsx")


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``verify``, ``market`` and ``audit`` commands."""
    verify = commands.add_parser(
        "verify",
        help="check photographed stall codes against the registry",
        description="Decode every code in each photo (files or folders) and judge what it "
        "pays: ok, mismatch (a swapped sticker: names the stall, the account the code pays, "
        "its bank and holder), unknown, not-vietqr, unreadable (with what to do). A photo "
        "belongs to the stall its card code names (with --db), else to --stall, else to the "
        "stall its file or folder is named after (A12.jpg, A12/IMG_1.jpg).",
        epilog="exit status: 0 when every code is ok, 1 when any is not (or on an error). "
        "example: cashless verify --db market.db photos/ --lang en",
    )
    verify.add_argument("photos", nargs="+", help="photo files or folders of photos")
    source = verify.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", help="market database: card codes checked, every check logged")
    source.add_argument("--registry", help="stall registry file (no card codes, no log)")
    verify.add_argument("--stall", help="stall id or printed check code every photo belongs to")
    verify.add_argument("--json", action="store_true", help="print JSON records, not a table")
    verify.add_argument("--skip-bad", action="store_true", help="ignore bad rows of the registry")
    _add_lang(verify)
    verify.add_argument("--who", help="who checked, for the log (default: the system user)")
    verify.set_defaults(handler=_verify)

    market = commands.add_parser(
        "market",
        help="create the market database, import a new registry version, accept more codes",
        description="The market database keeps the registry's versions, the secret key of "
        "the card codes and the log of every check.",
    )
    actions = market.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    init = actions.add_parser(
        "init",
        help="create the database and its key (once), import the registry (again: a new version)",
        description="Creates the market database and its secret key on the first run, and "
        "imports the registry as a new version on every run. The key is never printed; "
        "losing the database means reprinting every card.",
        epilog="example: cashless market init --db market.db --registry stalls.csv",
    )
    init.add_argument("--db", required=True, help="database file or SQLAlchemy URL")
    init.add_argument("--registry", required=True, help="stall registry file")
    init.add_argument("--market-id", help="1-6 letters or digits on every card code (MKT)")
    init.add_argument("--skip-bad", action="store_true", help="import only the good rows")
    _add_lang(init)
    init.add_argument("--who", help="who imported (default: the system user)")
    init.set_defaults(handler=_market_init)

    accept = actions.add_parser(
        "accept",
        help="also accept another code a stall shows (a second bank's VietQR)",
        description="Adds a code the stall also shows (another bank's VietQR) to the codes "
        "its checks accept, given as the payload text or as a photo of the code alone. A "
        "stall's card code vouches for every code it accepts, so the card changes: reprint "
        "it; until then the old card is read but flagged as not matching the registry. A "
        "code paying exactly as one already accepted (the bank's own print of the same "
        "account) is ok already and is not added; one paying another stall's account is "
        "refused.",
        epilog="example: cashless market accept --db market.db A01 photos/A01_techcombank.jpg",
    )
    accept.add_argument("--db", required=True, help="market database file or SQLAlchemy URL")
    accept.add_argument("stall", metavar="STALL", help="stall id")
    accept.add_argument(
        "code",
        metavar="PAYLOAD_OR_PHOTO",
        help="the code's VietQR payload text, or a photo holding that one code",
    )
    _add_lang(accept)
    accept.add_argument("--who", help="who added it (default: the system user)")
    accept.set_defaults(handler=_market_accept)

    audit = commands.add_parser(
        "audit",
        help="per stall: last checked, last verdict, never checked, open mismatches",
        description="Report, from the market database's log, when each stall was last "
        "checked and how, which stalls were never checked and which have open mismatches "
        "(a mismatch stays open until a later ok check of the stall).",
        epilog="example: cashless audit --db market.db -o audit.xlsx",
    )
    audit.add_argument("--db", required=True, help="market database file or SQLAlchemy URL")
    add_output(audit, "write the report as .csv or .xlsx instead of printing it")
    _add_lang(audit)
    audit.set_defaults(handler=_audit)


def _add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=("vi", "en"),
        help="language of the output (default: CASHLESS_LANG, then the locale, then vi)",
    )


def _verify(args: argparse.Namespace) -> int:
    from cashless.stalls.messages import language
    from cashless.stalls.verify import check_photos

    lang = language(args.lang)
    if args.registry is not None:
        if not args.registry:
            raise UsageError("needs a registry file name", source="--registry")
        registry = load_registry_file(args.registry, args.skip_bad)
        batch = check_photos(args.photos, registry, expect=args.stall, lang=lang)
        _report(batch, args.json, lang)
        return 0 if batch.all_ok else 1
    from cashless.stalls.market import open_market

    with open_market(args.db) as market:
        keyring = market.keyring()
        batch = check_photos(
            args.photos,
            market.registry(),
            expect=args.stall,
            keyring=keyring,
            lang=lang,
            on_photo=lambda records: market.record_checks(records, who=args.who),
        )
    _report(batch, args.json, lang)
    return 0 if batch.all_ok else 1


def _report(batch: Batch, as_json: bool, lang: str) -> None:
    from cashless.stalls.messages import say

    if as_json:
        out = {
            "clusters": [c.__dict__ for c in batch.clusters],
            "records": [r.to_dict() for r in batch.records],
            "skipped": [{"path": p, "reason": r} for p, r in batch.skipped],
            "photos": batch.photos,
            "untied": batch.untied,
        }
        print(json.dumps(out, ensure_ascii=False, indent=2, default=list))
        return
    if batch.clusters:
        print(say("verify.cluster.title", lang))
        for cluster in batch.clusters:
            holder = cluster.holder or say("verify.no_holder", lang)
            print(
                "  "
                + say(
                    "verify.cluster.line",
                    lang,
                    cluster=cluster.number,
                    bank=cluster.bank,
                    account=cluster.account,
                    holder=holder,
                    stalls=", ".join(cluster.stalls),
                )
            )
        print()
    columns = ("photo", "verdict", "stall", "tie", "pays", "reason")
    header = tuple(say(f"verify.column.{c}", lang) for c in columns)
    rows: list[tuple[str, ...]] = [
        (
            r.photo + (f" #{r.index}" if r.index > 1 else ""),
            say(f"verify.verdict.{r.verdict}", lang),
            r.stall or "-",
            say(f"verify.tie.{r.tied_by or 'none'}", lang),
            f"{r.bank} {r.account}" if r.account else "-",
            r.reason,
        )
        for r in batch.records
    ]
    _print_table(header, rows)
    for path, reason in batch.skipped:
        print(say("verify.skipped", lang, path=path, reason=reason))
    counts: dict[str, int] = {}
    for record in batch.records:
        name = say(f"verify.verdict.{record.verdict}", lang)
        counts[name] = counts.get(name, 0) + 1
    if not batch.records:
        print(say("verify.no_photos", lang))
        return
    print(
        say(
            "verify.summary",
            lang,
            photos=batch.photos,
            codes=len(batch.records),
            counts=", ".join(f"{n} {v}" for v, n in counts.items()),
            untied=batch.untied,
        )
    )


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip())


def _market_init(args: argparse.Namespace) -> int:
    from cashless.stalls.market import database_url, init_market, open_market
    from cashless.stalls.messages import language, say

    lang = language(args.lang)
    load_registry_file(args.registry, args.skip_bad)  # problems reported in the CLI's form
    new = True
    url = database_url(args.db)
    if url.startswith("sqlite:///"):
        from pathlib import Path

        new = not Path(url.removeprefix("sqlite:///")).exists()
    else:
        try:
            open_market(args.db).close()
            new = False
        except UsageError:
            new = True
    before = 0
    if not new:
        with open_market(args.db) as market:
            before = market.current_version()
    with init_market(
        args.db, args.registry, market_id=args.market_id, skip_bad=args.skip_bad, who=args.who
    ) as market:
        version = market.versions()[-1]
        stalls = len(market.registry())
        if new:
            print(say("market.created", lang, market=market.market_id, db=args.db))
    if version.version == before:
        print(say("market.unchanged", lang, version=version.version))
    else:
        diff = version.diff
        print(
            say(
                "market.imported",
                lang,
                version=version.version,
                stalls=stalls,
                added=len(diff["added"]),
                removed=len(diff["removed"]),
                changed=len(diff["changed"]),
            )
        )
    return 0


def _accepted_payload(given: str, stall: str, lang: str) -> str:
    """The payload given as text, or read from the photo file ``given`` names."""
    import os

    from cashless.errors import CashlessError
    from cashless.payload.vietqr import parse
    from cashless.stalls.messages import say

    source = "PAYLOAD_OR_PHOTO"
    if os.path.isfile(given):  # never raises for a long payload, unlike Path.is_file
        from cashless.stalls.verify import read_photo_codes

        texts, cards = read_photo_codes(given, lang=lang)
        if len(texts) > 1:
            raise UsageError(say("market.accept.many", lang, count=len(texts)), source=given)
        other = next((c.stall_id for c in cards if c.stall_id != stall), None)
        if other is not None:
            text = say("market.accept.other_card", lang, card=other, stall=stall)
            raise UsageError(text, source=given)
        payload, source = texts[0], given
    elif not given.strip().startswith("00"):  # every EMV payload opens with 000201
        raise UsageError(say("market.accept.neither", lang, given=given))
    else:
        payload = given.strip()
    try:
        parse(payload)
    except CashlessError as exc:
        raise UsageError(say("market.accept.not_vietqr", lang, detail=exc), source=source) from None
    return payload


def _market_accept(args: argparse.Namespace) -> int:
    from cashless.banks import bank_label
    from cashless.payload.vietqr import parse
    from cashless.stalls.market import open_market
    from cashless.stalls.messages import language, say

    lang = language(args.lang)
    with open_market(args.db) as market:
        stall = market.registry()[args.stall].stall_id
        payload = _accepted_payload(args.code, stall, lang)
        code = parse(payload)
        bank = bank_label(code.bin)
        owner = market.stall_paid_by(payload)
        if owner is not None and owner != stall:
            text = say(
                "market.accept.other_stall",
                lang,
                stall=stall,
                other=owner,
                bank=bank,
                account=code.account,
            )
            raise UsageError(text)
        added = market.accept(stall, payload, who=args.who)
        count = len(market.accepted()[stall])
    if not added:
        print(say("market.accept.already", lang, stall=stall, bank=bank, account=code.account))
        return 0
    print(say("market.accepted", lang, stall=stall, bank=bank, account=code.account))
    print(say("market.accept.reprint", lang, stall=stall, count=count, db=args.db))
    return 0


def _audit_table(rows: list[AuditRow], lang: str) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    from cashless.stalls.messages import say

    columns = ("stall", "name", "last_checked", "last_verdict", "who", "checks", "open")
    header = tuple(say(f"audit.column.{c}", lang) for c in columns)
    body: list[tuple[str, ...]] = [
        (
            row.stall_id,
            row.stall_name,
            row.last_checked or say("audit.never", lang),
            say(f"verify.verdict.{row.last_verdict}", lang) if row.last_verdict else "-",
            row.last_who or "-",
            str(row.checks),
            str(row.open_mismatches),
        )
        for row in rows
    ]
    return header, body


def _audit(args: argparse.Namespace) -> int:
    from cashless.stalls.market import open_market
    from cashless.stalls.messages import language, say
    from cashless.stalls.workbook import table_csv, table_xlsx

    lang = language(args.lang)
    output = check_output_file(args.output, suffixes=AUDIT_SUFFIXES) if args.output else None
    with open_market(args.db) as market:
        rows = market.audit()
    header, body = _audit_table(rows, lang)
    summary = say(
        "audit.summary",
        lang,
        stalls=len(rows),
        never=sum(r.never_checked for r in rows),
        open=sum(r.open_mismatches > 0 for r in rows),
    )
    if output is None:
        _print_table(header, body)
        print(summary)
    elif output.suffix.lower() == ".csv":
        with writing(args.output):
            write_bytes(output, table_csv(header, body))
    else:
        with writing(args.output):
            write_bytes(output, table_xlsx(header, body))
    return 0 if all(r.open_mismatches == 0 for r in rows) else 1
