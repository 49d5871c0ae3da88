"""*Sổ quầy / Registry*: upload the office's table, see every problem, keep versions.

The upload is checked by :func:`cashless.stalls.registry.load_registry` (the CLI's checks,
in the visitor's language); with problems nothing is imported and each is listed by line
and column. A good file becomes a new version of the market database
(:meth:`cashless.stalls.market.Market.import_registry`), or creates the market
(:func:`cashless.stalls.market.init_market`) when there is none yet. The template is
:func:`cashless.stalls.workbook.write_template`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from cashless.errors import CsvError, require_extra

require_extra("web", "starlette")

from starlette.concurrency import run_in_threadpool  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import HTMLResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from cashless.stalls.messages import say  # noqa: E402
from cashless.stalls.registry import Registry, describe, load_registry  # noqa: E402
from cashless.web.forms import read_form, text_field, uploads, who_of  # noqa: E402
from cashless.web.render import lang_of, page  # noqa: E402

__all__ = ["routes"]

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _overview(request: Request) -> dict[str, Any]:
    office = request.app.state.office
    if not office.exists():
        return {"market": None, "versions": [], "stalls": 0}
    market = office.market()
    versions = list(reversed(market.versions()))
    return {
        "market": market.market_id,
        "versions": versions,
        "stalls": len(market.registry()) if versions else 0,
        "version": versions[0].version if versions else 0,
    }


async def _registry_page(request: Request) -> HTMLResponse:
    return page(request, "registry.html", **await run_in_threadpool(_overview, request))


def _rows(problems: object, lang: str) -> list[dict[str, object]]:
    return [
        {"line": p.line, "column": p.column, "reason": p.reason, "text": describe(p, lang)}
        for p in problems  # type: ignore[attr-defined]
    ]


def _import(request: Request, kept: Path, skip_bad: bool, who: str) -> dict[str, object]:
    """Check the kept upload; import it when good. What the page shows."""
    lang = lang_of(request)
    office = request.app.state.office
    try:
        registry: Registry = load_registry(kept, skip_bad=skip_bad, lang=lang)
    except CsvError as exc:
        return {"problems": _rows(exc.problems, lang), "error": exc.reason}
    created = not office.exists()
    if created:
        market = office.create(kept, skip_bad=skip_bad, who=who)
        version = market.versions()[-1]
        before = 0
    else:
        market = office.market()
        before = market.current_version()
        version = market.import_registry(kept, skip_bad=skip_bad, who=who)
    messages = []
    if created:
        messages.append(say("market.created", lang, market=market.market_id, db=office.db))
    if version.version == before:
        messages.append(say("market.unchanged", lang, version=version.version))
    else:
        diff = version.diff
        messages.append(
            say(
                "market.imported",
                lang,
                version=version.version,
                stalls=len(registry),
                added=len(diff["added"]),
                removed=len(diff["removed"]),
                changed=len(diff["changed"]),
            )
        )
    return {
        "messages": messages,
        "skipped": _rows(registry.problems, lang),
        "notes": _rows(registry.notes, lang),
    }


async def _registry_upload(request: Request) -> HTMLResponse:
    form = await read_form(request)
    try:
        files = uploads(form, "registry")
        if not files:
            return page(
                request, "registry.html", 400, error_key="web.registry.no_file",
                **await run_in_threadpool(_overview, request),
            )  # fmt: skip
        data = await files[0].read()
        name = files[0].filename
        skip_bad = text_field(form, "skip_bad") == "1"
    finally:
        await form.close()
    who = who_of(request)
    office = request.app.state.office
    kept = await run_in_threadpool(office.keep_upload, name, data)
    outcome = await run_in_threadpool(_import, request, kept, skip_bad, who)
    status = 422 if "problems" in outcome else 200
    if "problems" in outcome:
        kept.unlink(missing_ok=True)  # a refused file is no version's source
    overview = await run_in_threadpool(_overview, request)
    return page(request, "registry.html", status, uploaded=name, **outcome, **overview)


def _template_bytes(lang: str) -> bytes:
    from cashless.banks import load_directory
    from cashless.stalls.workbook import write_template

    banks = sorted(load_directory(), key=lambda bank: bank.short_name.casefold())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mau.xlsx"
        write_template(path, banks=banks, lang=lang)
        return path.read_bytes()


async def _template_download(request: Request) -> Response:
    lang = lang_of(request)
    data = await run_in_threadpool(_template_bytes, lang)
    name = "mau-so-quay.xlsx" if lang == "vi" else "registry-template.xlsx"
    return Response(
        data, media_type=_XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def routes() -> list[Route]:
    """The registry page's routes."""
    return [
        Route("/registry", _registry_page, methods=["GET"]),
        Route("/registry", _registry_upload, methods=["POST"]),
        Route("/registry/template.xlsx", _template_download, methods=["GET"]),
    ]
