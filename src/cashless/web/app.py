"""The ASGI application: routes of every page, the access gate, limits and headers.

:func:`create_app` builds it for one market database. Served on the loopback address it
is the office PC's own page; otherwise (``access_code`` given) every request from a device
that has not entered the code gets the code page, never data.

>>> import tempfile, pathlib
>>> app = create_app(str(pathlib.Path(tempfile.mkdtemp()) / "market.db"), access_code="12345678")
>>> app.state.settings.needs_code, app.state.settings.max_upload_bytes // 2**20
(True, 64)
"""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from cashless.errors import CashlessError, require_extra

require_extra("web", "starlette", "jinja2", "itsdangerous", "multipart")

from starlette.applications import Starlette  # noqa: E402
from starlette.exceptions import HTTPException  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.middleware.sessions import SessionMiddleware  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import HTMLResponse, RedirectResponse, Response  # noqa: E402
from starlette.routing import Mount, Route  # noqa: E402
from starlette.staticfiles import StaticFiles  # noqa: E402

from cashless.stalls.messages import LANGUAGES  # noqa: E402
from cashless.web import (  # noqa: E402
    audit_page,
    check_page,
    fees_page,
    print_page,
    registry_page,
)
from cashless.web.access import Lockout, same_code  # noqa: E402
from cashless.web.forms import Refused, client_of, read_form, text_field  # noqa: E402
from cashless.web.jobs import Jobs  # noqa: E402
from cashless.web.office import Office  # noqa: E402
from cashless.web.render import page  # noqa: E402

__all__ = ["MAX_UPLOAD_MB", "BodyLimit", "Gate", "Settings", "create_app"]

#: Largest request body accepted, in MB (a dozen phone photos).
MAX_UPLOAD_MB = 64
_OPEN_PATHS = ("/access", "/static/", "/lang/", "/favicon.ico")
_SESSION_DAYS = 30
_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
        b"script-src 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
]

_Scope = MutableMapping[str, Any]
_Message = MutableMapping[str, Any]
_Receive = Callable[[], Awaitable[_Message]]
_Send = Callable[[_Message], Awaitable[None]]
_ASGIApp = Callable[[_Scope, _Receive, _Send], Awaitable[None]]


@dataclass
class Settings:
    """How the page runs: its default language, whether a code is needed, the size limit."""

    lang: str = "vi"
    access_code: str | None = None
    max_upload_bytes: int = MAX_UPLOAD_MB * 1024 * 1024
    device_id: str = field(default_factory=lambda: secrets.token_hex(8))

    @property
    def needs_code(self) -> bool:
        return self.access_code is not None


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuse (HTTP 413) a request body over ``limit`` bytes, declared or streamed."""

    def __init__(self, app: _ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(scope, receive, send, self.limit)
            return
        seen = 0
        started = False

        async def limited() -> _Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        async def watch(message: _Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watch)
        except _TooLarge:
            if not started:
                await _too_large(scope, receive, send, self.limit)


async def _too_large(scope: _Scope, receive: _Receive, send: _Send, limit: int) -> None:
    request = Request(scope, receive)
    response = page(
        request, "error.html", 413, key="web.too_big", fields={"limit": math.ceil(limit / 2**20)}
    )
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


class Gate:
    """Every request needs a device that entered the access code (when one is set)."""

    def __init__(self, app: _ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] == "http":
            path = scope.get("path", "")
            session = scope.get("session", {})
            open_path = path == "/access" or any(
                path.startswith(p) for p in _OPEN_PATHS if p.endswith("/")
            )
            authorised = session.get("device") == self.settings.device_id
            if self.settings.needs_code and not open_path and not authorised:
                await _access_page(Request(scope, receive))(scope, receive, send)
                return

        async def with_headers(message: _Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + _HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


def _access_page(request: Request, status: int = 401, **context: object) -> HTMLResponse:
    code = request.query_params.get("code", "") if request.method == "GET" else ""
    nxt = request.url.path if request.url.path not in ("/access", "/") else "/check"
    return page(request, "access.html", status, code=code[:16], next=nxt, **context)


async def _access_get(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if not settings.needs_code or request.session.get("device") == settings.device_id:
        return RedirectResponse("/", status_code=303)
    return _access_page(request, 200)


async def _access_post(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    lockout: Lockout = request.app.state.lockout
    client = client_of(request)
    form = await read_form(request)
    given = text_field(form, "code", 40)
    nxt = text_field(form, "next", 200)
    await form.close()
    if not settings.needs_code:
        return RedirectResponse("/", status_code=303)
    wait = lockout.locked_for(client)
    if wait > 0:
        return _access_page(request, 429, locked=math.ceil(wait / 60))
    assert settings.access_code is not None
    if not same_code(settings.access_code, given):
        left = lockout.fail(client)
        if left == 0:
            return _access_page(request, 429, locked=math.ceil(lockout.lock_s / 60))
        return _access_page(request, 401, wrong=left)
    lockout.succeed(client)
    request.session["device"] = settings.device_id
    target = nxt if nxt.startswith("/") and not nxt.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)


async def _home(request: Request) -> Response:
    office: Office = request.app.state.office
    return RedirectResponse("/check" if office.exists() else "/registry", status_code=303)


async def _switch_language(request: Request) -> Response:
    lang = request.path_params["lang"]
    if lang in LANGUAGES:
        request.session["lang"] = lang
    back = request.query_params.get("next", "/")
    target = back if back.startswith("/") and not back.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return page(request, "error.html", exc.status, key=exc.key, fields=exc.fields)


async def _library_error(request: Request, exc: Exception) -> Response:
    return page(request, "error.html", 422, key="web.print.failed", fields={"error": str(exc)})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    key = "web.not_found" if exc.status_code == 404 else "web.error"
    return page(request, "error.html", exc.status_code, key=key, fields={})


def create_app(
    db: str | os.PathLike[str],
    *,
    access_code: str | None = None,
    lang: str = "vi",
    max_upload_bytes: int = MAX_UPLOAD_MB * 1024 * 1024,
    secret: str | None = None,
    https: bool = False,
) -> Starlette:
    """The page for the market database ``db`` (path or SQLAlchemy URL).

    ``access_code`` (None on the loopback address) is asked once per device; ``secret``
    signs the session cookies (random by default: a restart asks devices again).
    """
    settings = Settings(lang=lang, access_code=access_code, max_upload_bytes=max_upload_bytes)
    office = Office(os.fspath(db))
    jobs = Jobs(workers=1)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        yield
        jobs.close()
        office.close()

    routes: list[Any] = [
        Route("/", _home, methods=["GET"]),
        Route("/access", _access_get, methods=["GET"]),
        Route("/access", _access_post, methods=["POST"]),
        Route("/lang/{lang}", _switch_language, methods=["GET"]),
        *registry_page.routes(),
        *print_page.routes(),
        *check_page.routes(),
        *audit_page.routes(),
        *fees_page.routes(),
        Mount("/static", StaticFiles(packages=[("cashless.web", "static")]), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(BodyLimit, limit=max_upload_bytes),
            Middleware(
                SessionMiddleware,
                secret_key=secret or secrets.token_urlsafe(32),
                session_cookie="cashless_session",
                max_age=_SESSION_DAYS * 24 * 3600,
                same_site="lax",
                https_only=https,
            ),
            Middleware(Gate, settings=settings),
        ],
        exception_handlers={
            Refused: _refused,
            CashlessError: _library_error,
            HTTPException: _http_error,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.office = office
    app.state.jobs = jobs
    app.state.lockout = Lockout()
    app.state.submissions = check_page.Submissions()
    return app
