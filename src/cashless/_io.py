"""Write files so that a failure never leaves half of one: a temporary file, then rename.

>>> import pathlib, tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     target = pathlib.Path(folder) / "out.txt"
...     with atomic_path(target) as tmp:
...         _ = tmp.write_text("done")
...     print(target.read_text(), sorted(p.name for p in pathlib.Path(folder).iterdir()))
done ['out.txt']
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "write_bytes", "write_text"]


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary name beside ``path``; on success it replaces ``path``, on error it goes.

    The file is made readable by others (0644), as a normal file would be: ``mkstemp``
    alone would leave a printed sheet or a results table private to its writer.
    """
    target = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (no newline translation); return the path."""
    return write_bytes(path, text.encode("utf-8"))
