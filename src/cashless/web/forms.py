"""Reading a posted form safely: the CSRF token, the origin, the size, the files.

Every ``POST`` handler reads its form through :func:`read_form`, which refuses (HTTP 403)
a form without this session's CSRF token or sent from another origin. The body size is
capped before it is read (:class:`cashless.web.app.BodyLimit`).

>>> Refused(403, "web.csrf").status
403
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from cashless.errors import require_extra

require_extra("web", "starlette", "multipart")

from starlette.datastructures import FormData, UploadFile  # noqa: E402
from starlette.requests import Request  # noqa: E402

from cashless.web.access import valid_csrf  # noqa: E402

__all__ = ["Refused", "client_of", "market_of", "read_form", "text_field", "uploads", "who_of"]

_MAX_FILES = 200


class Refused(Exception):
    """A request the page answers with an error page: HTTP ``status``, message ``key``."""

    def __init__(self, status: int, key: str, **fields: Any) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.fields = fields


def market_of(request: Request) -> Any:
    """The page's market (:class:`cashless.stalls.market.Market`); 409 before one exists."""
    office = request.app.state.office
    if not office.exists():
        raise Refused(409, "web.no_market")
    return office.market()


def client_of(request: Request) -> str:
    """The client's address (for the lock-out and the log)."""
    return request.client.host if request.client else "?"


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin != "null"
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


async def read_form(request: Request) -> FormData:
    """The posted form, after checking its CSRF token and origin (:class:`Refused` 403)."""
    if not _same_origin(request):
        raise Refused(403, "web.csrf")
    form = await request.form(max_files=_MAX_FILES, max_fields=100)
    if not valid_csrf(request.session, form.get("csrf")):
        await form.close()
        raise Refused(403, "web.csrf")
    return form


def text_field(form: FormData, name: str, limit: int = 200) -> str:
    """A text field, stripped (empty when absent or a file)."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def uploads(form: FormData, name: str) -> list[UploadFile]:
    """The files posted under ``name`` (an empty file input sends one nameless empty part)."""
    return [f for f in form.getlist(name) if isinstance(f, UploadFile) and f.filename]


def who_of(request: Request, given: str = "") -> str:
    """Who is checking: the name given (kept in the session), else ``web <address>``."""
    if given:
        request.session["who"] = given
        return given
    remembered = request.session.get("who")
    return str(remembered) if remembered else f"web {client_of(request)}"
