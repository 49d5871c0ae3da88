"""Pages as HTML: Jinja2 templates (package data) in the visitor's language.

Every template gets ``t(key, **fields)``, the message catalogue
(:func:`cashless.stalls.messages.say`) in the session's language, the session's CSRF token
and the navigation. Vietnamese unless the visitor switched to English.

>>> from cashless.web.render import environment
>>> environment().get_template("base.html").name
'base.html'
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cashless.errors import require_extra

require_extra("web", "jinja2", "starlette")

from jinja2 import Environment, PackageLoader, select_autoescape  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import HTMLResponse  # noqa: E402

from cashless.stalls.messages import LANGUAGES, say  # noqa: E402
from cashless.web.access import csrf_token  # noqa: E402

__all__ = ["NAVIGATION", "environment", "lang_of", "page", "translate", "upload_name"]

NAVIGATION = (
    ("registry", "/registry"),
    ("print", "/print"),
    ("check", "/check"),
    ("audit", "/audit"),
    ("fees", "/fees"),
)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The template environment (autoescaped HTML, templates from the package)."""
    env = Environment(
        loader=PackageLoader("cashless.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["upload_name"] = upload_name
    return env


def upload_name(kept: str) -> str:
    """The name an uploaded file had: ``20261203T100319-stalls.csv`` -> ``stalls.csv``.

    >>> upload_name("20261203T100319431234-stalls.csv"), upload_name("stalls.csv")
    ('stalls.csv', 'stalls.csv')
    """
    stamp, _, rest = kept.partition("-")
    return rest if rest and stamp[:8].isdigit() and "T" in stamp else kept


def lang_of(request: Request) -> str:
    """The visitor's language: the session's choice, else the page's default."""
    chosen = request.scope.get("session", {}).get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return str(request.app.state.settings.lang)


def translate(lang: str) -> Any:
    """``t(key, **fields)`` in ``lang``."""

    def t(key: str, **fields: object) -> str:
        return say(key, lang, **fields)

    return t


def page(request: Request, template: str, status: int = 200, **context: object) -> HTMLResponse:
    """Render ``template`` for this request."""
    lang = lang_of(request)
    session = request.scope.get("session", {})
    settings = request.app.state.settings
    html = (
        environment()
        .get_template(template)
        .render(
            t=translate(lang),
            lang=lang,
            other="en" if lang == "vi" else "vi",
            csrf=csrf_token(session),
            nav=NAVIGATION,
            here=request.url.path,
            authorised=not settings.needs_code or session.get("device") == settings.device_id,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
