"""*In thẻ / Print*: paper, layout, which stalls, a true-size preview, the PDF and manifest.

The sheet is :func:`cashless.stalls.sheet.render_sheet` with the market's card codes, run
as a job (:mod:`cashless.web.jobs`) so that a 2,000-stall sheet does not hold up other
requests; its page shows progress and then the downloads. The preview is
:func:`cashless.stalls.card.card_png` shown at 105 × 74 mm, the single card's PDF
:func:`cashless.stalls.card.card_pdf`.
"""

from __future__ import annotations

from typing import Any

from cashless.errors import CashlessError, UsageError, require_extra

require_extra("web", "starlette")

from starlette.concurrency import run_in_threadpool  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import (  # noqa: E402
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route  # noqa: E402

from cashless.stalls.layout import LAYOUTS, PAPERS  # noqa: E402
from cashless.stalls.messages import MESSAGES  # noqa: E402
from cashless.stalls.registry import Stall  # noqa: E402
from cashless.web.forms import Refused, market_of, read_form, text_field  # noqa: E402
from cashless.web.render import page  # noqa: E402

__all__ = ["routes"]


def _pick(registry: Any, wanted: str) -> list[Stall]:
    picked: list[Stall] = []
    for stall_id in (part.strip() for part in wanted.replace(";", ",").split(",")):
        if not stall_id:
            continue
        stall = registry.get(stall_id)
        if stall is None:
            raise Refused(422, "web.check.unknown_stall", stall=stall_id)
        if stall not in picked:
            picked.append(stall)
    if not picked:
        raise Refused(422, "web.check.unknown_stall", stall=wanted or "-")
    return picked


def _choices(request: Request) -> dict[str, Any]:
    market = market_of(request)
    stalls = [s.stall_id for s in market.registry()]
    return {
        "papers": list(PAPERS),
        "layouts": list(LAYOUTS),
        "stall_ids": stalls,
        "preview": request.query_params.get("stall") or (stalls[0] if stalls else ""),
        "market_name": request.session.get("market_name", ""),
        "known": MESSAGES,
    }


async def _print_page(request: Request) -> HTMLResponse:
    return page(request, "print.html", **await run_in_threadpool(_choices, request))


async def _print_start(request: Request) -> Response:
    from cashless.stalls.sheet import render_sheet

    form = await read_form(request)
    paper = text_field(form, "paper") or "A4"
    layout = text_field(form, "layout") or "2x4"
    which = text_field(form, "which") or "all"
    wanted = text_field(form, "stalls", 4000)
    market_name = text_field(form, "market", 60)
    start_text = text_field(form, "start") or "1"
    await form.close()
    request.session["market_name"] = market_name
    if paper not in PAPERS or layout not in LAYOUTS or not start_text.isdigit():
        bad = f"{paper} / {layout} / {start_text}"
        raise Refused(422, "web.print.failed", error=bad)
    try:
        per_page = LAYOUTS[layout].grid(paper).per_page
    except UsageError as exc:
        raise Refused(422, "web.print.failed", error=exc.reason) from None
    if not 1 <= int(start_text) <= per_page:
        raise Refused(422, "web.print.bad_start", start=start_text, slots=per_page)
    market = await run_in_threadpool(market_of, request)
    registry = await run_in_threadpool(market.registry)
    stalls = list(registry) if which == "all" else _pick(registry, wanted)
    codes = await run_in_threadpool(market.card_codes)
    options = {"paper": paper, "layout": layout, "start": int(start_text)}

    def work() -> Any:
        return render_sheet(
            stalls,
            market=market_name or None,
            card_codes=codes,
            **options,  # type: ignore[arg-type]
        )

    job = request.app.state.jobs.start(work, cards=len(stalls), kind="print", **options)
    return RedirectResponse(f"/print/jobs/{job.id}", status_code=303)


def _job(request: Request) -> Any:
    job = request.app.state.jobs.get(request.path_params["job"], "print")
    if job is None:
        raise Refused(404, "web.print.gone")
    return job


async def _job_page(request: Request) -> HTMLResponse:
    job = _job(request)
    return page(request, "job.html", job=job, percent=job.percent())


async def _job_status(request: Request) -> JSONResponse:
    job = _job(request)
    return JSONResponse({"state": job.state, "percent": job.percent()})


def _finished(request: Request) -> Any:
    job = _job(request)
    if job.state != "done":
        raise Refused(409, "web.print.gone")
    return job.result


async def _job_pdf(request: Request) -> Response:
    sheet = _finished(request)
    return Response(
        sheet.data,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="the-quay.pdf"'},
    )


async def _job_manifest(request: Request) -> Response:
    sheet = _finished(request)
    return Response(
        sheet.manifest_csv().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="the-quay-manifest.csv"'},
    )


def _card(request: Request) -> tuple[Stall, str | None, str | None]:
    market = market_of(request)
    wanted = request.query_params.get("stall", "")
    stall = market.registry().get(wanted) if wanted else None
    if stall is None:
        raise Refused(404, "web.check.unknown_stall", stall=wanted or "-")
    name = request.session.get("market_name") or None
    return stall, market.card_codes().get(stall.stall_id), name


def _preview_png(request: Request) -> bytes:
    import io

    from cashless.stalls.card import card_png

    stall, code, name = _card(request)
    image = card_png(stall, market=name, dpi=200, card_code=code)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


async def _preview(request: Request) -> Response:
    try:
        data = await run_in_threadpool(_preview_png, request)
    except CashlessError as exc:
        raise Refused(422, "web.print.failed", error=str(exc)) from None
    return Response(data, media_type="image/png", headers={"Cache-Control": "no-store"})


def _card_pdf(request: Request) -> tuple[str, bytes]:
    from cashless.stalls.card import card_pdf

    stall, code, name = _card(request)
    return stall.stall_id, card_pdf(stall, market=name, card_code=code)


async def _card_download(request: Request) -> Response:
    try:
        stall_id, data = await run_in_threadpool(_card_pdf, request)
    except CashlessError as exc:
        raise Refused(422, "web.print.failed", error=str(exc)) from None
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="the-{stall_id}.pdf"'},
    )


def routes() -> list[Route]:
    """The print page's routes."""
    return [
        Route("/print", _print_page, methods=["GET"]),
        Route("/print", _print_start, methods=["POST"]),
        Route("/print/preview.png", _preview, methods=["GET"]),
        Route("/print/card.pdf", _card_download, methods=["GET"]),
        Route("/print/jobs/{job}", _job_page, methods=["GET"]),
        Route("/print/jobs/{job}/status", _job_status, methods=["GET"]),
        Route("/print/jobs/{job}/cards.pdf", _job_pdf, methods=["GET"]),
        Route("/print/jobs/{job}/manifest.csv", _job_manifest, methods=["GET"]),
    ]
