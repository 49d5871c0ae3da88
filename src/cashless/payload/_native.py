"""The payload readers compiled by mypyc, when ``make native`` built them from these sources.

:func:`~cashless.payload.vietqr.parse` reads most payloads with two plain-Python readers,
:mod:`~cashless.payload._canonical` and :mod:`~cashless.payload._flat`. ``make native``
(``scripts/build_native.py``) compiles the same two sources with mypyc into extension
modules beside them. They are taken only when their compiled-in digest matches the sources
on disk now, so an edited reader is never shadowed by an old build; otherwise, when none
was built, or when ``CASHLESS_NATIVE=0`` is set, the plain readers run. Both give the same
verdicts (``tests/test_flat.py`` and ``tests/test_canonical.py`` run against each).

>>> sorted(NATIVE_MODULES)
['_canonical', '_flat']
>>> len(sources_digest())
64
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Callable
from pathlib import Path

__all__ = ["NATIVE_MODULES", "Reader", "compiled_readers", "sources_digest"]

# plain module -> the name its compiled twin is built under
NATIVE_MODULES = {"_canonical": "_canonical_native", "_flat": "_flat_native"}
# what the readers are compiled from or read at run time: a change to any makes a build stale
_SOURCES = ("_canonical.py", "_flat.py", "emv.py", "lint.py", "spec.py", "text.py")
_HERE = Path(__file__).resolve().parent

Reader = Callable[[str], "dict[str, object] | None"]


def sources_digest() -> str:
    """SHA-256 over the readers' sources and what they import from this package."""
    digest = hashlib.sha256()
    for path in (*(_HERE / name for name in _SOURCES), _HERE.parent / "errors.py"):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def compiled_readers() -> tuple[Reader, Reader] | None:
    """``(canonical_fields, flat_fields)`` compiled from the current sources, or ``None``."""
    if os.environ.get("CASHLESS_NATIVE", "1") == "0":
        return None
    try:
        canonical = importlib.import_module(f"{__package__}.{NATIVE_MODULES['_canonical']}")
        flat = importlib.import_module(f"{__package__}.{NATIVE_MODULES['_flat']}")
    except ImportError:  # not built, or built for another interpreter
        return None
    digest = sources_digest()
    if not (
        getattr(canonical, "SOURCES_DIGEST", None) == digest
        and getattr(flat, "SOURCES_DIGEST", None) == digest
    ):
        return None
    return canonical.canonical_fields, flat.flat_fields
