"""The readers `parse` tries before the tree: plain Python, and mypyc's build when made.

Tests of the fast path and the flat reader run every verdict through each pair here, so
that the compiled build ``make native`` makes (and ``make test`` builds first) is held to
the same answers as the plain sources.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from cashless.payload import vietqr
from cashless.payload._canonical import canonical_fields
from cashless.payload._flat import flat_fields
from cashless.payload._native import Reader, compiled_readers

COMPILED = compiled_readers()
PAIRS: dict[str, tuple[Reader, Reader]] = {"python": (canonical_fields, flat_fields)}
if COMPILED is not None:
    PAIRS["mypyc"] = COMPILED


def parsing_with(pair: tuple[Reader, Reader]) -> AbstractContextManager[None]:
    """Run `vietqr.parse` with this (canonical, flat) pair in front of the tree path."""
    return vietqr._parsing_with(*pair)
