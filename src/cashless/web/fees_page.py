"""*Phí chợ / Stall fees*: issue a month's fee slips, reconcile the bank statement.

What ``cashless fees`` and ``cashless reconcile`` do, on the page. Issuing stores each
stall's fee and payment code (:func:`cashless.fees.reconcile.issue_fees`) and then draws
the slips (:func:`cashless.fees.slips.render_slips`) as a job, as the print page draws its
sheets. Reconciling keeps each uploaded statement beside the database
(``market-credits/``), reads them all first (:func:`cashless.fees.credits.read_credits`:
a bad row refuses the upload, names its line and imports nothing), imports the credits
once (the same statement twice adds nothing) and shows who paid and who has not
(:func:`cashless.fees.reconcile.reconcile`), with the tables as ``.xlsx`` or ``.csv``.
Opening the page for a month recomputes the matching of the credits already stored: the
same answer each time, so nothing changes but the view.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cashless.errors import CashlessError, CsvError, UsageError, require_extra

require_extra("web", "starlette")

from starlette.concurrency import run_in_threadpool  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from cashless.fees.slips import PAPERS, dong  # noqa: E402
from cashless.stalls.messages import say  # noqa: E402
from cashless.web.forms import Refused, market_of, read_form, text_field, uploads  # noqa: E402
from cashless.web.render import lang_of, page  # noqa: E402

__all__ = ["routes"]

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TYPES = {".xlsx": _XLSX, ".csv": "text/csv; charset=utf-8"}
_STATEMENT_SUFFIXES = (".csv", ".xlsx", ".json")
# whole dong, grouped by thousands or not ("50000", "50.000", "50,000", "50 000 đ"): "50.5"
# is refused rather than read as 505
_DONG = re.compile(r"([0-9]+|[0-9]{1,3}(?:[., ][0-9]{3})+) ?(?:đ|d|VND)?", re.IGNORECASE)


def _this_month() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m")


def _overview(request: Request, period: str | None, report: Any = None) -> dict[str, Any]:
    """The account, the months issued and, for ``period`` when issued, its reconciliation
    (``report`` when the caller has just made it)."""
    from cashless.banks import lookup_bank
    from cashless.fees.reconcile import reconcile
    from cashless.fees.store import FeeBook

    market = market_of(request)
    book = FeeBook(market)
    account = book.account()
    months: dict[str, list[int]] = {}
    for fee in book.fees():
        months.setdefault(fee.period, []).append(fee.amount)
    periods = [
        {"period": p, "stalls": len(amounts), "total": dong(sum(amounts))}
        for p, amounts in sorted(months.items(), reverse=True)
    ]
    newest = max(months, default=None)
    shown = period if period is not None and period in months else newest
    context: dict[str, Any] = {
        "periods": periods,
        "period": shown or _this_month(),
        "papers": PAPERS,
        "account": account,
        "bank": lookup_bank(account.bin).short_name if account else "",
        "stalls": len(market.registry()),
    }
    if shown is not None:
        if report is None or report.period != shown:
            report = reconcile(market, shown, lang=lang_of(request))
        context["report"] = _report(report, request)
    return context


def _report(report: Any, request: Request) -> dict[str, Any]:
    """The report as the page shows it; ``?show=unpaid`` keeps the stalls not paid exactly."""
    lang = lang_of(request)
    stalls = report.stall_table(lang)
    credits = report.credit_table(lang)
    rows = list(zip(report.stalls, stalls[1:], strict=True))
    show = "unpaid" if request.query_params.get("show") == "unpaid" else "all"
    open_rows = [pair for pair in rows if pair[0].status != "paid"]
    return {
        "period": report.period,
        "summary": report.summary(lang).splitlines(),
        "show": show,
        "filters": [
            ("all", say("web.fees.show_all", lang, count=len(rows))),
            ("unpaid", say("web.fees.show_unpaid", lang, count=len(open_rows))),
        ],
        "stall_header": stalls[0],
        "stall_rows": open_rows if show == "unpaid" else rows,
        "credit_header": credits[0],
        "credit_rows": list(zip(report.credits, credits[1:], strict=True)),
        "all_clear": report.all_clear,
        "new": report.new,
        "known": report.known,
    }


async def _fees_page(request: Request) -> HTMLResponse:
    period = request.query_params.get("period")
    return page(request, "fees.html", **await run_in_threadpool(_overview, request, period))


async def _again(request: Request, status: int, **shown: Any) -> HTMLResponse:
    """The page again, with what went wrong (the form keeps what was typed)."""
    overview = await run_in_threadpool(_overview, request, shown.get("period"))
    return page(request, "fees.html", status, **{**overview, **shown})


def _amount(text: str, lang: str) -> int | None:
    """A fee as the office types it: ``50000``, ``50.000``, ``50,000 đ``; None when empty.

    >>> _amount("50.000 đ", "vi"), _amount("", "vi")
    (50000, None)
    """
    if not text:
        return None
    found = _DONG.fullmatch(text)
    if found is None or not int(digits := re.sub(r"\D", "", found.group(1))):
        raise UsageError(say("web.fees.bad_amount", lang, value=text))
    return int(digits)


async def _issue(request: Request) -> Response:
    form = await read_form(request)
    try:
        fields = {
            name: text_field(form, name, 80)
            for name in ("period", "amount", "bank", "account", "holder", "prefix", "paper")
        }
        fields["market"] = text_field(form, "market", 60)
        schedule = uploads(form, "schedule")
        schedule_file = (
            (schedule[0].filename or "schedule.csv", await schedule[0].read()) if schedule else None
        )
    finally:
        await form.close()
    if fields["paper"] not in PAPERS:
        fields["paper"] = PAPERS[0]
    try:
        slips = await run_in_threadpool(_issue_fees, request, fields, schedule_file)
    except CsvError as exc:
        problems = [{"line": p.line, "column": p.column, "reason": p.reason} for p in exc.problems]
        return await _again(request, 422, issue_problems=problems, typed=fields)
    except CashlessError as exc:
        return await _again(request, 422, issue_error=str(exc), typed=fields)
    paper, name, lang = fields["paper"], fields["market"] or None, lang_of(request)

    def work() -> dict[str, Any]:
        from cashless.fees.slips import manifest_csv, render_slips

        pdf = render_slips(slips, paper=paper, market=name, lang=lang)
        return {"pdf": pdf, "manifest": manifest_csv(slips), "total": sum(s.amount for s in slips)}

    job = request.app.state.jobs.start(
        work, cards=len(slips), kind="fees", period=fields["period"], slips=len(slips)
    )
    return RedirectResponse(f"/fees/jobs/{job.id}", status_code=303)


def _issue_fees(
    request: Request, fields: dict[str, str], schedule: tuple[str, bytes] | None
) -> list[Any]:
    from cashless.banks import lookup_bank
    from cashless.errors import UnknownBankError
    from cashless.fees.codes import parse_period
    from cashless.fees.reconcile import issue_fees
    from cashless.fees.schedule import fee_amounts
    from cashless.fees.store import FeeBook

    lang = lang_of(request)
    try:
        parse_period(fields["period"])
    except UsageError:
        raise UsageError(say("web.fees.bad_period", lang, value=fields["period"])) from None
    amount = _amount(fields["amount"], lang)
    if amount is None and schedule is None:
        raise UsageError(say("web.fees.no_amount", lang))
    market = market_of(request)
    if FeeBook(market).account() is None and not (fields["bank"] and fields["account"]):
        raise UsageError(say("web.fees.no_account", lang))
    if fields["bank"]:
        try:
            lookup_bank(fields["bank"])
        except UnknownBankError as exc:  # said as the registry says it
            banks = ", ".join(getattr(exc, "suggestions", []))
            hint = say("registry.did_you_mean", lang, banks=banks) if banks else ""
            raise UsageError(
                say("registry.bank_unknown", lang, value=fields["bank"], hint=hint)
            ) from None
    amounts = fee_amounts(
        market.registry(),
        amount,
        schedule[1] if schedule else None,
        source=schedule[0] if schedule else "",
        lang=lang,
        unpriced="web.fees.unpriced",
    )
    return issue_fees(
        market,
        fields["period"],
        amounts,
        bank=fields["bank"] or None,
        account=fields["account"] or None,
        holder=fields["holder"] or None,
        prefix=fields["prefix"] or None,
        lang=lang,
    )


async def _reconcile(request: Request) -> HTMLResponse:
    form = await read_form(request)
    try:
        period = text_field(form, "period", 7)
        mapping_text = text_field(form, "map", 400)
        time_format = text_field(form, "time_format", 60)
        files = [(f.filename, await f.read()) for f in uploads(form, "credits")]
    finally:
        await form.close()
    if not files:
        return await _again(request, 400, period=period, reconcile_error_key="web.fees.no_file")
    office = request.app.state.office
    kept = [await run_in_threadpool(office.keep_credits, name, data) for name, data in files]
    try:
        report = await run_in_threadpool(
            _import, request, period, kept, mapping_text or None, time_format or None
        )
    except CsvError as exc:
        for path in kept:  # a refused statement is not kept: nothing of it was imported
            path.unlink(missing_ok=True)
        problems = [{"line": p.line, "column": p.column, "reason": p.reason} for p in exc.problems]
        source = Path(exc.source or "").name.partition("-")[2] or exc.source
        return await _again(
            request, 422, period=period, credit_problems=problems, credit_source=source
        )
    except CashlessError as exc:
        for path in kept:
            path.unlink(missing_ok=True)
        return await _again(request, 422, period=period, reconcile_error=str(exc))
    if report is None:
        for path in kept:
            path.unlink(missing_ok=True)
        return await _again(
            request, 409, period=period, reconcile_error_key="web.fees.no_fees", missing=period
        )
    overview = await run_in_threadpool(_overview, request, period, report)
    return page(request, "fees.html", imported=True, **overview)


def _import(
    request: Request,
    period: str,
    kept: list[Path],
    mapping_text: str | None,
    time_format: str | None,
) -> Any | None:
    """Read every kept statement, then import and reconcile; None when ``period`` has no fees."""
    from cashless.fees.codes import parse_period
    from cashless.fees.credits import parse_map, read_credits
    from cashless.fees.reconcile import reconcile
    from cashless.fees.store import FeeBook

    lang = lang_of(request)
    try:
        parse_period(period)
    except UsageError:
        raise UsageError(say("web.fees.bad_period", lang, value=period)) from None
    if not FeeBook(market_of(request)).fees(period):
        return None  # the page says to issue the month first
    mapping = parse_map(mapping_text, time_format)
    credits = []
    for path in kept:  # every file read before any is imported
        if path.suffix.lower() not in _STATEMENT_SUFFIXES:
            name = path.name.partition("-")[2] or path.name
            raise UsageError(say("web.fees.bad_suffix", lang, name=name))
        credits += read_credits(path, mapping=mapping, lang=lang)
    return reconcile(market_of(request), period, credits, lang=lang)


def _result(request: Request) -> tuple[str, bytes]:
    from cashless.fees.codes import parse_period
    from cashless.fees.reconcile import reconcile, report_file

    period = request.query_params.get("period", "")
    suffix = "." + request.path_params["suffix"]
    if suffix not in _TYPES:
        raise Refused(404, "web.not_found")
    try:
        parse_period(period)
        report = reconcile(market_of(request), period, lang=lang_of(request))
    except UsageError:
        raise Refused(404, "web.fees.no_fees", period=period or "-") from None
    return period, report_file(report, suffix, lang_of(request))


async def _result_download(request: Request) -> Response:
    period, data = await run_in_threadpool(_result, request)
    suffix = "." + request.path_params["suffix"]
    name = f"{'doi-soat' if lang_of(request) == 'vi' else 'reconciliation'}-{period}{suffix}"
    return Response(
        data,
        media_type=_TYPES[suffix],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _job(request: Request) -> Any:
    job = request.app.state.jobs.get(request.path_params["job"], "fees")
    if job is None:
        raise Refused(404, "web.print.gone")
    return job


async def _job_page(request: Request) -> HTMLResponse:
    job = _job(request)
    total = dong(job.result["total"]) if job.state == "done" else ""
    return page(request, "fees_job.html", job=job, percent=job.percent(), total=total)


async def _job_status(request: Request) -> JSONResponse:
    job = _job(request)
    return JSONResponse({"state": job.state, "percent": job.percent()})


def _finished(request: Request) -> dict[str, Any]:
    job = _job(request)
    if job.state != "done":
        raise Refused(409, "web.print.gone")
    result: dict[str, Any] = job.result
    return result


async def _slips_pdf(request: Request) -> Response:
    period = _job(request).options["period"]
    return Response(
        _finished(request)["pdf"],
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="phieu-thu-{period}.pdf"'},
    )


async def _slips_manifest(request: Request) -> Response:
    period = _job(request).options["period"]
    return Response(
        _finished(request)["manifest"].encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="phi-{period}.csv"'},
    )


def routes() -> list[Route]:
    """The fees page's routes."""
    return [
        Route("/fees", _fees_page, methods=["GET"]),
        Route("/fees/issue", _issue, methods=["POST"]),
        Route("/fees/reconcile", _reconcile, methods=["POST"]),
        Route("/fees/result.{suffix:str}", _result_download, methods=["GET"]),
        Route("/fees/jobs/{job}", _job_page, methods=["GET"]),
        Route("/fees/jobs/{job}/status", _job_status, methods=["GET"]),
        Route("/fees/jobs/{job}/slips.pdf", _slips_pdf, methods=["GET"]),
        Route("/fees/jobs/{job}/fees.csv", _slips_manifest, methods=["GET"]),
    ]
