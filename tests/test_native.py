"""The compiled readers: used only when built from the sources on disk, and on request."""

from __future__ import annotations

import os

import pytest
from readers import COMPILED

from cashless.payload import _native, vietqr

built = pytest.mark.skipif(COMPILED is None, reason="make native has not built the readers")


def test_make_test_runs_with_the_compiled_readers() -> None:
    # `make test` builds them first and sets CASHLESS_REQUIRE_NATIVE=1, so that the
    # agreement tests of test_flat.py and test_canonical.py run against them too
    if os.environ.get("CASHLESS_REQUIRE_NATIVE") != "1":
        pytest.skip("not asked to require the compiled readers")
    assert COMPILED is not None
    assert vietqr.READER == "mypyc"


@built
def test_a_build_from_other_sources_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_native, "sources_digest", lambda: "0" * 64)
    assert _native.compiled_readers() is None


@built
def test_cashless_native_0_turns_the_compiled_readers_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASHLESS_NATIVE", "0")
    assert _native.compiled_readers() is None
    monkeypatch.setenv("CASHLESS_NATIVE", "1")
    assert _native.compiled_readers() is not None


def test_the_digest_covers_every_source_the_readers_are_built_from() -> None:
    names = {path.name for path in _native._HERE.iterdir() if path.suffix == ".py"}
    # the readers import from these modules of the package; only _native itself is not read
    assert set(_native._SOURCES) == names - {"__init__.py", "_native.py", "vietqr.py"}
    assert len(_native.sources_digest()) == 64
