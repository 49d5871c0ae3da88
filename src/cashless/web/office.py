"""The market the page serves: its database, and where uploads and photos are kept.

One :class:`Office` per running page. The database is opened on first use (the page
starts even before a market exists: the first registry uploaded creates it, as
``cashless market init`` does). Uploaded registry files are kept beside the database
(``market-uploads/``), each version's source; bank statements imported for the fees
likewise (``market-credits/``); photos of checks
(``market-photos/checks-<date>/``), the evidence each logged verdict points to. For a database
given as a URL they go to a temporary folder.

>>> import tempfile, pathlib
>>> office = Office(str(pathlib.Path(tempfile.mkdtemp()) / "market.db"))
>>> office.exists(), office.photos_dir.name
(False, 'market-photos')
>>> safe_name("../../etc/ảnh 1.JPG"), safe_name("")
('anh_1.JPG', 'photo')
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

from cashless.errors import CashlessError
from cashless.payload.text import fold
from cashless.stalls.market import Market, database_url, init_market, open_market

__all__ = ["Office", "safe_name"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(filename: str | None, default: str = "photo") -> str:
    """A file name from an upload's name: last part only, ASCII, no leading dots."""
    base = re.split(r"[\\/]", filename or "")[-1]
    text = _UNSAFE.sub("_", fold(base)).strip("._")[:80]
    return text or default


def _keep(folder: Path, name: str, data: bytes) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stamp}-{name}"
    path.write_bytes(data)
    return path


class Office:
    """The market database at ``db`` (a path or an SQLAlchemy URL), opened once, shared."""

    def __init__(self, db: str) -> None:
        self.db = db
        self._market: Market | None = None
        self._lock = threading.Lock()
        url = database_url(db)
        if url.startswith("sqlite:///") and "://" not in db:
            path = Path(url.removeprefix("sqlite:///"))
            self._file: Path | None = path
            home = path.parent
        else:
            self._file = None
            home = Path(tempfile.mkdtemp(prefix="cashless-web-"))
        stem = "market" if self._file is None else self._file.stem
        self.photos_dir = home / f"{stem}-photos"
        self.uploads_dir = home / f"{stem}-uploads"
        self.credits_dir = home / f"{stem}-credits"

    def exists(self) -> bool:
        """Whether the market database is there (a URL is tried once)."""
        if self._market is not None:
            return True
        if self._file is not None and not self._file.is_file():
            return False
        try:
            self.market()
        except CashlessError:  # not a market database (yet)
            return False
        return True

    def market(self) -> Market:
        """The open market (:func:`cashless.stalls.market.open_market`)."""
        with self._lock:
            if self._market is None:
                self._market = open_market(self.db)
            return self._market

    def create(self, registry: Path, *, skip_bad: bool, who: str) -> Market:
        """Create the database from a first registry (``cashless market init``)."""
        with self._lock:
            if self._file is not None:
                self._file.parent.mkdir(parents=True, exist_ok=True)
            init_market(self.db, registry, skip_bad=skip_bad, who=who).close()
            self._market = open_market(self.db)
            return self._market

    def keep_upload(self, filename: str | None, data: bytes) -> Path:
        """Keep an uploaded registry file (``market-uploads/<time>-<name>``)."""
        return _keep(self.uploads_dir, safe_name(filename, "registry.csv"), data)

    def keep_credits(self, filename: str | None, data: bytes) -> Path:
        """Keep an uploaded bank statement (``market-credits/<time>-<name>``)."""
        return _keep(self.credits_dir, safe_name(filename, "credits.csv"), data)

    def photo_folder(self) -> Path:
        """Today's folder of check photos (``checks-YYYYMMDD``: never a stall's name)."""
        day = datetime.now(timezone.utc).strftime("%Y%m%d")
        folder = self.photos_dir / f"checks-{day}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            if self._market is not None:
                self._market.close()
                self._market = None

    def __repr__(self) -> str:
        return f"Office({os.fspath(self.db)!r})"
