"""What the tests of the web page share besides the fixtures of ``conftest.py``: the
Starlette test client and the CSRF token every form must send back."""

from __future__ import annotations

import re
import warnings

import pytest

pytest.importorskip("starlette")

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 under its TestClient; httpx (the test extra) still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

__all__ = ["TestClient", "csrf_of"]


def csrf_of(text: str) -> str:
    """The CSRF token of the page's form."""
    found = re.search(r'name="csrf" value="([^"]+)"', text)
    assert found, "the page has no CSRF field"
    return found.group(1)
