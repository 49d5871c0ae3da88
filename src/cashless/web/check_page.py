"""*Kiểm tra / Check*: photos from a phone's camera, a verdict per photo at once, logged.

The photos go through :func:`cashless.stalls.verify.check_photos` with the market's key
(the card codes are checked) and every verdict is logged as it is made
(:meth:`cashless.stalls.market.Market.record_checks`, with who checked), exactly as
``cashless verify --db`` does. The photos are kept (``market-photos/``): the log points
to them. Each form carries a one-time number, so a form sent twice (a reload, a phone
retrying on weak Wi-Fi) is answered again without being logged twice. The stall field is
emptied after each check: the next photo may be of another stall.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from cashless.errors import UnknownStallError, require_extra

require_extra("web", "starlette")

from starlette.concurrency import run_in_threadpool  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import HTMLResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from cashless.web.forms import Refused, market_of, read_form, text_field, uploads, who_of  # noqa: E402
from cashless.web.office import safe_name  # noqa: E402
from cashless.web.render import lang_of, page  # noqa: E402

__all__ = ["Submissions", "routes"]

_CHUNK = 1 << 20


class Submissions:
    """One-time numbers of check forms already handled, and what they showed (the last few)."""

    def __init__(self, keep: int = 2000) -> None:
        self._seen: OrderedDict[str, dict[str, Any] | None] = OrderedDict()
        self._lock = threading.Lock()
        self._keep = keep

    def claim(self, nonce: str) -> tuple[bool, dict[str, Any] | None]:
        """``(True, None)`` for a new number; ``(False, shown)`` for one already sent."""
        with self._lock:
            if nonce in self._seen:
                return False, self._seen[nonce]
            self._seen[nonce] = None
            while len(self._seen) > self._keep:
                self._seen.popitem(last=False)
            return True, None

    def release(self, nonce: str) -> None:
        """Forget a number whose form was refused, so it may be sent again."""
        with self._lock:
            self._seen.pop(nonce, None)

    def remember(self, nonce: str, shown: dict[str, Any]) -> None:
        with self._lock:
            if nonce in self._seen:
                self._seen[nonce] = shown


async def _check_page(request: Request) -> HTMLResponse:
    await run_in_threadpool(market_of, request)
    return page(
        request,
        "check.html",
        nonce=secrets.token_urlsafe(16),
        who=request.session.get("who", ""),
        stall=request.query_params.get("stall", ""),
    )


def _pays(record: Any, lang: str) -> str:
    from cashless.stalls.messages import say

    if not record.account:
        return ""
    holder = record.holder or say("verify.no_holder", lang)
    return f"{record.bank or record.bin} {record.account} ({holder})"


def _check(
    request: Request, paths: list[Path], names: dict[str, str], expect: str, who: str
) -> dict[str, Any]:
    from cashless.stalls.messages import say
    from cashless.stalls.verify import check_photos

    lang = lang_of(request)
    market = market_of(request)
    registry = market.registry()
    if expect and registry.get(expect) is None and registry.by_check_code(expect) is None:
        raise Refused(422, "web.check.unknown_stall", stall=expect)
    keyring = market.keyring()
    logged = 0

    def log(records: Any) -> None:
        nonlocal logged
        logged += market.record_checks(records, who=who)

    try:
        batch = check_photos(
            paths, registry, expect=expect or None, keyring=keyring, lang=lang, on_photo=log
        )
    except UnknownStallError:
        raise Refused(422, "web.check.unknown_stall", stall=expect) from None
    results = [
        {
            "photo": names.get(record.photo, Path(record.photo).name),
            "index": record.index,
            "verdict": record.verdict,
            "big": say(f"web.check.big.{record.verdict}", lang),
            "stall": record.stall,
            "pays": _pays(record, lang),
            "reason": record.reason,
            "todo": say(f"web.check.todo.{record.verdict}", lang, stall=record.stall or "?"),
            "cluster": record.cluster,
        }
        for record in batch.records
    ]
    clusters = [
        say(
            "verify.cluster.line",
            lang,
            cluster=c.number,
            bank=c.bank,
            account=c.account,
            holder=c.holder or say("verify.no_holder", lang),
            stalls=", ".join(c.stalls),
        )
        for c in batch.clusters
    ]
    return {"results": results, "clusters": clusters, "logged": logged, "who": who}


async def _save(files: list[Any], folder: Path) -> tuple[list[Path], dict[str, str]]:
    paths: list[Path] = []
    names: dict[str, str] = {}
    for upload in files:
        # the name is kept first: a photo named after its stall (A12.jpg) is tied to it
        name = Path(safe_name(upload.filename))
        path = folder / f"{name.stem}_{secrets.token_hex(3)}{name.suffix}"
        with path.open("wb") as out:
            while chunk := await upload.read(_CHUNK):
                out.write(chunk)
        paths.append(path)
        names[str(path)] = upload.filename or path.name
    return paths, names


async def _check_submit(request: Request) -> HTMLResponse:
    form = await read_form(request)
    submissions: Submissions = request.app.state.submissions
    nonce = text_field(form, "nonce", 64) or secrets.token_urlsafe(16)
    try:
        files = uploads(form, "photos")
        expect = text_field(form, "stall", 40)
        who = who_of(request, text_field(form, "who", 80))
        if not files:
            raise Refused(400, "web.check.no_photos")
        fresh, shown = submissions.claim(nonce)
        if not fresh:
            context = {"who": who, **(shown or {})}
            return page(request, "check.html", repeat=True, nonce=secrets.token_urlsafe(16),
                        stall="", **context)  # fmt: skip
        folder = await run_in_threadpool(request.app.state.office.photo_folder)
        paths, names = await _save(files, folder)
    finally:
        await form.close()
    try:
        shown = await run_in_threadpool(_check, request, paths, names, expect, who)
    except Refused:
        submissions.release(nonce)
        for path in paths:
            path.unlink(missing_ok=True)
        raise
    submissions.remember(nonce, shown)
    return page(request, "check.html", nonce=secrets.token_urlsafe(16), stall="", **shown)


def routes() -> list[Route]:
    """The check page's routes."""
    return [
        Route("/check", _check_page, methods=["GET"]),
        Route("/check", _check_submit, methods=["POST"]),
    ]
