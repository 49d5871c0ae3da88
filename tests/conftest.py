"""Fixtures the web page's tests share (`test_web.py`, `test_web_fees.py`).

``db`` is the example registry's 60 stalls as market ``CDB`` in a real SQLite file;
``client`` is a Starlette test client for its page, lifespan running. A module that needs
another market defines its own ``db`` (``test_market.py`` does).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

STALLS = Path(__file__).resolve().parent.parent / "examples" / "stalls.csv"


@pytest.fixture
def db(tmp_path: Path) -> str:
    from cashless.stalls.market import init_market

    path = tmp_path / "market.db"
    init_market(path, STALLS, market_id="CDB", who="office").close()
    return str(path)


@pytest.fixture
def client(db: str) -> Iterator[Any]:
    from office_page import TestClient

    from cashless.web import create_app

    with TestClient(create_app(db)) as test_client:
        yield test_client
