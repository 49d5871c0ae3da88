"""cashless.stalls.messages: one catalogue, complete in Vietnamese and English."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from cashless.errors import UsageError
from cashless.stalls.messages import LANGUAGES, MESSAGES, language, say

SRC = Path(__file__).resolve().parent.parent / "src" / "cashless"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_key_has_both_languages_with_the_same_fields(key):
    vietnamese, english = MESSAGES[key]
    assert vietnamese.strip() and english.strip()
    assert _fields(vietnamese) == _fields(english)


def test_every_key_the_code_uses_is_in_the_catalogue():
    used = set()
    for path in [SRC / "stalls" / "verify.py", SRC / "cli" / "checks.py"]:
        used |= set(re.findall(r'"((?:verify|audit|market)\.[a-z_.]+)"', path.read_text()))
    used = {key for key in used if not key.endswith(".")}
    assert used and used <= set(MESSAGES)
    for verdict in ("ok", "mismatch", "unknown", "not-vietqr", "unreadable"):
        assert f"verify.verdict.{verdict}" in MESSAGES
    for tie in ("card", "stall", "name", "folder", "none"):
        assert f"verify.tie.{tie}" in MESSAGES


def test_language_order(monkeypatch):
    for variable in ("CASHLESS_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    assert language() == "vi"
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert language() == "en"
    monkeypatch.setenv("CASHLESS_LANG", "vi")
    assert language() == "vi" and language("en") == "en"
    with pytest.raises(UsageError):
        language("fr")
    assert LANGUAGES == ("vi", "en")


def test_say_fills_fields_and_refuses_unknown_keys():
    assert say("verify.note.frame", "en", frame=2) == "frame 2"
    assert say("verify.note.frame", "vi", frame=2) == "khung hình 2"
    with pytest.raises(UsageError):
        say("no.such.key", "en")
