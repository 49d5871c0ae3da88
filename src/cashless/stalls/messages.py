"""Words for market offices: one catalogue of messages in Vietnamese and English.

Organiser-facing output (registry problems, photo verdicts, the audit report) is looked
up here by a stable key, so that both languages always say the same thing. Keys are
dotted (``"verify.ok"``); values are :meth:`str.format` templates with named fields.

The language is ``vi`` or ``en``: given explicitly (``--lang``), else the ``CASHLESS_LANG``
environment variable, else the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: Vietnamese when it starts
with ``vi``, English otherwise), else ``vi``: the offices this is for speak Vietnamese.

>>> say("verify.unreadable.blurry", "en")
'blurry: take it again, closer'
>>> say("verify.unreadable.blurry", "vi")
'ảnh mờ: chụp lại, gần hơn'
"""

from __future__ import annotations

import os

from cashless.errors import UsageError

__all__ = ["LANGUAGES", "MESSAGES", "language", "say"]

LANGUAGES = ("vi", "en")

# key -> (Vietnamese, English). Add both or neither; tests/test_messages.py checks that every
# key has both and that both templates take the same fields.
MESSAGES: dict[str, tuple[str, str]] = {
    "verify.unreadable.blurry": ("ảnh mờ: chụp lại, gần hơn", "blurry: take it again, closer"),
}


def language(requested: str | None = None) -> str:
    """The language to speak: ``requested``, else ``CASHLESS_LANG``, else the locale, else vi.

    >>> language("en"), language("VI")
    ('en', 'vi')
    """
    for candidate in (requested, os.environ.get("CASHLESS_LANG")):
        if candidate:
            code = candidate.strip().lower()[:2]
            if code not in LANGUAGES:
                raise UsageError(
                    f"unknown language {candidate!r}; choose one of {', '.join(LANGUAGES)}",
                    field="lang",
                )
            return code
    # the POSIX order of precedence; "C"/"POSIX" (a bare server) says nothing about the user
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        current = os.environ.get(variable, "")
        if current and current.split(".")[0] not in ("C", "POSIX"):
            return "vi" if current.lower().startswith("vi") else "en"
    return "vi"


def say(key: str, lang: str | None = None, /, **fields: object) -> str:
    """The message ``key`` in ``lang`` (see :func:`language`), filled with ``fields``.

    >>> say("verify.unreadable.blurry", "en")
    'blurry: take it again, closer'
    """
    try:
        texts = MESSAGES[key]
    except KeyError:
        raise UsageError(f"no message has the key {key!r}", field="key") from None
    template = texts[LANGUAGES.index(language(lang))]
    return template.format(**fields)
