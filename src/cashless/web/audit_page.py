"""*Nhật ký / Audit*: per stall the last check and verdict, never checked, open mismatches,
clusters, the recent checks; the same table as ``cashless audit`` as CSV or XLSX.

The rows are :meth:`cashless.stalls.market.Market.audit`. A cluster here is one foreign
account (paying no stall's registered code) behind open mismatches at two or more stalls,
across every logged check, not only one batch.

>>> audit_header("en")
('stall', 'stall name', 'last checked', 'last verdict', 'checked by', 'checks', 'open mismatches')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cashless.errors import CashlessError, require_extra
from cashless.stalls.workbook import table_csv, table_xlsx

require_extra("web", "starlette")

from starlette.concurrency import run_in_threadpool  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import HTMLResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from cashless.stalls.messages import say  # noqa: E402
from cashless.web.forms import market_of  # noqa: E402
from cashless.web.render import lang_of, page  # noqa: E402

__all__ = ["audit_body", "audit_header", "log_clusters", "routes"]

_COLUMNS = ("stall", "name", "last_checked", "last_verdict", "who", "checks", "open")
_RECENT = 25


def audit_header(lang: str) -> tuple[str, ...]:
    """The audit table's column titles (as ``cashless audit`` prints them)."""
    return tuple(say(f"audit.column.{c}", lang) for c in _COLUMNS)


def audit_body(rows: Sequence[Any], lang: str) -> list[tuple[str, ...]]:
    """The audit rows as text cells (as ``cashless audit`` prints them)."""
    return [
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


def log_clusters(market: Any) -> list[dict[str, Any]]:
    """Foreign accounts behind open mismatches at two or more stalls, from the whole log."""
    from cashless.payload.vietqr import parse

    registered: set[tuple[str, str]] = set()
    for payloads in market.accepted().values():
        for payload in payloads:
            try:
                code = parse(payload)
            except CashlessError:
                continue
            registered.add((code.bin, code.account))
    open_checks: dict[str, list[Any]] = {}
    for check in market.checks():
        if check.stall_id is None:
            continue
        if check.verdict == "ok":
            open_checks.pop(check.stall_id, None)
        elif check.verdict in ("mismatch", "unknown"):
            open_checks.setdefault(check.stall_id, []).append(check)
    stalls_of: dict[tuple[str, str], dict[str, None]] = {}
    for stall_id, checks in open_checks.items():
        for check in checks:
            account = (check.bin or "", check.account or "")
            if check.account and account not in registered:
                stalls_of.setdefault(account, {})[stall_id] = None
    return [
        {"bin": bin, "account": account, "stalls": list(stalls)}
        for (bin, account), stalls in stalls_of.items()
        if len(stalls) >= 2
    ]


def _overview(request: Request) -> dict[str, Any]:
    from cashless.banks import bank_label

    market = market_of(request)
    lang = lang_of(request)
    rows = market.audit()
    clusters = []
    for number, cluster in enumerate(log_clusters(market), start=1):
        bank = bank_label(cluster["bin"])
        line = say(
            "verify.cluster.line", lang, cluster=number, bank=bank, account=cluster["account"],
            holder="…", stalls=", ".join(cluster["stalls"]),
        )  # fmt: skip
        clusters.append(line)
    checks = market.checks()[-_RECENT:]
    show = request.query_params.get("show", "all")
    shown = list(zip(rows, audit_body(rows, lang), strict=True))
    if show == "open":
        shown = [pair for pair in shown if pair[0].open_mismatches]
    elif show == "never":
        shown = [pair for pair in shown if pair[0].never_checked]
    else:
        show = "all"
    filters = [
        ("all", say("web.audit.show_all", lang, count=len(rows))),
        ("open", say("web.audit.show_open", lang, count=sum(r.open_mismatches > 0 for r in rows))),
        ("never", say("web.audit.show_never", lang, count=sum(r.never_checked for r in rows))),
    ]
    return {
        "header": audit_header(lang),
        "rows": shown,
        "show": show,
        "filters": filters,
        "summary": say(
            "audit.summary",
            lang,
            stalls=len(rows),
            never=sum(r.never_checked for r in rows),
            open=sum(r.open_mismatches > 0 for r in rows),
        ),
        "clusters": clusters,
        "recent": list(reversed(checks)),
    }


async def _audit_page(request: Request) -> HTMLResponse:
    return page(request, "audit.html", **await run_in_threadpool(_overview, request))


def _export(request: Request) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    lang = lang_of(request)
    rows = market_of(request).audit()
    return audit_header(lang), audit_body(rows, lang)


async def _audit_csv(request: Request) -> Response:
    header, body = await run_in_threadpool(_export, request)
    return Response(
        table_csv(header, body),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="nhat-ky.csv"'},
    )


async def _audit_xlsx(request: Request) -> Response:
    header, body = await run_in_threadpool(_export, request)
    data = await run_in_threadpool(table_xlsx, header, body)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="nhat-ky.xlsx"'},
    )


def routes() -> list[Route]:
    """The audit page's routes."""
    return [
        Route("/audit", _audit_page, methods=["GET"]),
        Route("/audit.csv", _audit_csv, methods=["GET"]),
        Route("/audit.xlsx", _audit_xlsx, methods=["GET"]),
    ]
