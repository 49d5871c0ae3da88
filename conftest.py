"""Test-wide settings: every test, doctest and notebook sees the same language environment.

Organiser-facing messages follow ``CASHLESS_LANG`` and then the locale, which differ from
machine to machine; tests that want a language set it themselves.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

LANGUAGE_VARIABLES = ("CASHLESS_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture(autouse=True)
def _neutral_language(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for variable in LANGUAGE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    yield
