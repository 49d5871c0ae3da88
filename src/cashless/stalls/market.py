"""The market database: registry versions, the card-code key and the log of every check.

One database per market: an SQLite file beside the registry by default (WAL journal and a
busy timeout, so two checks writing at once both land), or any SQLAlchemy URL (PostgreSQL
for a programme running many markets). Written with SQLAlchemy Core; every change is one
transaction, so a crash leaves nothing half-written.

It holds:

- the market id and the **market key** (32 random bytes), created once by
  :func:`init_market` (``cashless market init``) and never printed. The key makes the card
  codes (:mod:`cashless.stalls.cardcode`); losing it means reprinting every card. It leaves
  the database only in the :class:`~cashless.stalls.cardcode.Keyring` that
  :meth:`Market.keyring` gives ``verify``, whose repr hides it;
- every **registry version**: when it was imported, from which file, the file's SHA-256,
  the diff from the previous version, and its stalls (so any version can be rebuilt);
- extra **accepted codes** of a stall (a second or third bank's code it also shows,
  added by :meth:`Market.accept`, ``cashless market accept``);
- every **check**: time, stall, verdict, decoded payload, photo SHA-256, who checked.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "stalls.csv").write_text(
...     "stall_id,stall_name,vendor_name,bank,account\\nA01,Rau,Lan,VCB,0011001234567\\n")
>>> with init_market(folder / "market.db", folder / "stalls.csv", market_id="CDB") as market:
...     codes = market.card_codes()
>>> with open_market(str(folder / "market.db")) as market:
...     market.market_id, len(market.registry()), codes == market.card_codes()
('CDB', 1, True)
>>> codes["A01"][:8]
'CDB:A01:'
"""

from __future__ import annotations

import dataclasses
import getpass
import hashlib
import json
import os
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from cashless.errors import CashlessError, UsageError, require_extra

require_extra("db", "sqlalchemy")

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402

from cashless.banks import lookup_bank  # noqa: E402
from cashless.stalls.cardcode import (  # noqa: E402
    Keyring,
    card_code_text,
    check_market_id,
    tag_for,
)
from cashless.stalls.registry import Registry, Stall, load_registry, pays_as  # noqa: E402

if TYPE_CHECKING:
    from cashless.stalls.verify import Record

__all__ = [
    "AuditRow",
    "Check",
    "Market",
    "RegistryVersion",
    "accepted_payloads",
    "database_url",
    "init_market",
    "open_market",
    "who_checks",
]

SCHEMA_VERSION = 1
_BUSY_TIMEOUT_S = 30

_metadata = sa.MetaData()
_market = sa.Table(
    "market",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("market_id", sa.String(6), nullable=False),
    sa.Column("secret_key", sa.LargeBinary, nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)
_version = sa.Table(
    "registry_version",
    _metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("imported_at", sa.String(32), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("diff", sa.Text, nullable=False),
    sa.Column("who", sa.Text, nullable=False),
)
_stall = sa.Table(
    "stall",
    _metadata,
    sa.Column("version", sa.Integer, sa.ForeignKey("registry_version.version"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("stall_id", sa.Text, nullable=False),
    sa.Column("fields", sa.Text, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("version", "stall_id"),
)
_accepted = sa.Table(
    "accepted_code",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("stall_id", sa.Text, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("added_at", sa.String(32), nullable=False),
    sa.Column("who", sa.Text, nullable=False),
    sa.UniqueConstraint("stall_id", "payload"),
)
_check = sa.Table(
    "check_log",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("checked_at", sa.String(32), nullable=False),
    sa.Column("registry_version", sa.Integer, nullable=False),
    sa.Column("stall_id", sa.Text),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("payload", sa.Text),
    sa.Column("bin", sa.String(8)),
    sa.Column("account", sa.Text),
    sa.Column("photo", sa.Text, nullable=False),
    sa.Column("photo_sha256", sa.String(64)),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("who", sa.Text, nullable=False),
)
sa.Index("check_by_stall", _check.c.stall_id, _check.c.id)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def who_checks(who: str | None = None) -> str:
    """``who``, else the name of the operating-system user, else ``"?"``."""
    if who and who.strip():
        return who.strip()
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "?"


def database_url(db: str | os.PathLike[str]) -> str:
    """An SQLAlchemy URL for ``db``: a URL as it is, a path as an SQLite file.

    >>> database_url("postgresql://office@localhost/cho")
    'postgresql://office@localhost/cho'
    >>> database_url("market.db").startswith("sqlite:///"), database_url("market.db").endswith("/market.db")
    (True, True)
    """
    text = os.fspath(db)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).absolute()}"


def accepted_payloads(stall: Stall, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """Every payload a stall accepts: its card's payload, then ``extra`` (no repeats)."""
    own = getattr(stall, "payloads", None) or (stall.payload,)
    return tuple(dict.fromkeys([*own, *extra]))


@dataclass(frozen=True)
class RegistryVersion:
    """One import of the registry: when, from which file, its hash and what changed."""

    version: int
    imported_at: str
    source: str
    sha256: str
    diff: dict[str, list[str]]
    who: str


@dataclass(frozen=True)
class Check:
    """One check as logged."""

    id: int
    checked_at: str
    registry_version: int
    stall_id: str | None
    verdict: str
    payload: str | None
    bin: str | None
    account: str | None
    photo: str
    photo_sha256: str | None
    reason: str
    who: str


@dataclass(frozen=True)
class AuditRow:
    """Per stall: its last check, and how many mismatches are still open.

    A mismatch is open until a later ``ok`` check of the same stall.
    """

    stall_id: str
    stall_name: str
    last_checked: str | None
    last_verdict: str | None
    last_who: str | None
    checks: int
    open_mismatches: int

    @property
    def never_checked(self) -> bool:
        return self.last_checked is None


def _engine(url: str) -> sa.Engine:
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"timeout": _BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # the driver's own transaction handling would start transactions lazily, as
        # readers that later need the write lock (and may then fail at once): take it up front
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _registry_error(db: str, reason: str) -> UsageError:
    return UsageError(reason, source=db, field="--db")


def _stall_fields(stall: Stall) -> str:
    fields: dict[str, object] = {}
    for item in dataclasses.fields(stall):
        if item.init:
            value = getattr(stall, item.name)
            fields[item.name] = value.bin if item.name == "bank" else value
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, default=list)


def _stall_from(fields: str) -> Stall:
    values = json.loads(fields)
    values["bank"] = lookup_bank(values["bank"])
    known = {item.name for item in dataclasses.fields(Stall) if item.init}
    return Stall(**{name: value for name, value in values.items() if name in known})


def _diff(old: Mapping[str, str], new: Mapping[str, str]) -> dict[str, list[str]]:
    return {
        "added": sorted(set(new) - set(old)),
        "removed": sorted(set(old) - set(new)),
        "changed": sorted(k for k in set(old) & set(new) if old[k] != new[k]),
    }


class Market:
    """An open market database; use :func:`open_market` or :func:`init_market`.

    A context manager: ``with open_market("market.db") as market: ...`` closes it.
    """

    def __init__(self, engine: sa.Engine, source: str) -> None:
        self._engine = engine
        self.source = source
        with self._engine.connect() as connection:
            try:
                row = connection.execute(sa.select(_market)).first()
            except sa.exc.SQLAlchemyError:
                row = None
        if row is None:
            self._engine.dispose()
            raise _registry_error(
                source, "not a market database; create it with `cashless market init`"
            )
        self.market_id: str = row.market_id
        self._key: bytes = bytes(row.secret_key)
        self._registry: Registry | None = None
        self._registry_at: int | None = None

    def __repr__(self) -> str:  # never the key
        return f"Market({self.market_id!r}, {self.source!r})"

    def __enter__(self) -> Market:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    # extension point: rooms that keep their own tables in the market database --------------

    @property
    def engine(self) -> sa.Engine:
        """The engine, for another room's tables in this database (``cashless.fees.store``
        keeps its own ``MetaData`` and creates its tables on first use)."""
        return self._engine

    # registry versions ------------------------------------------------------------------

    def current_version(self) -> int:
        """The number of the newest registry version (0 if none was imported)."""
        with self._engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.max(_version.c.version))).scalar() or 0)

    def versions(self) -> list[RegistryVersion]:
        """Every registry version, oldest first."""
        with self._engine.connect() as connection:
            rows = connection.execute(sa.select(_version).order_by(_version.c.version)).all()
        return [
            RegistryVersion(r.version, r.imported_at, r.source, r.sha256, json.loads(r.diff), r.who)
            for r in rows
        ]

    def registry(self, version: int | None = None) -> Registry:
        """The stalls of a registry version (the newest by default), in file order."""
        number = version or self.current_version()
        if number == self._registry_at and self._registry is not None:
            return self._registry
        with self._engine.connect() as connection:
            source = connection.execute(
                sa.select(_version.c.source).where(_version.c.version == number)
            ).scalar()
            rows = connection.execute(
                sa.select(_stall.c.fields)
                .where(_stall.c.version == number)
                .order_by(_stall.c.position)
            ).all()
        if source is None:
            raise _registry_error(self.source, f"no registry version {number}")
        registry = Registry(
            f"{self.source} (registry v{number})", tuple(_stall_from(r.fields) for r in rows)
        )
        if version is None:
            self._registry, self._registry_at = registry, number
        return registry

    def import_registry(
        self,
        path: str | os.PathLike[str],
        *,
        skip_bad: bool = False,
        who: str | None = None,
    ) -> RegistryVersion:
        """Validate the registry file at ``path`` and store it as a new version.

        The file is validated first (a :class:`~cashless.errors.RegistryError` leaves the
        database as it was). Importing a file identical to the newest version stores
        nothing and returns that version.
        """
        data = Path(path).read_bytes()
        registry = load_registry(path, skip_bad=skip_bad)
        digest = hashlib.sha256(data).hexdigest()
        return self._store_registry(registry, os.fspath(path), digest, who_checks(who))

    def _store_registry(
        self, registry: Registry, source: str, digest: str, who: str
    ) -> RegistryVersion:
        new = {stall.stall_id: _stall_fields(stall) for stall in registry}
        with self._engine.begin() as connection:
            last = connection.execute(
                sa.select(_version).order_by(_version.c.version.desc()).limit(1)
            ).first()
            old: dict[str, str] = {}
            if last is not None:
                rows = connection.execute(
                    sa.select(_stall.c.stall_id, _stall.c.fields).where(
                        _stall.c.version == last.version
                    )
                ).all()
                old = {r.stall_id: r.fields for r in rows}
                if last.sha256 == digest and old == new:
                    return RegistryVersion(
                        last.version,
                        last.imported_at,
                        last.source,
                        last.sha256,
                        json.loads(last.diff),
                        last.who,
                    )
            diff = _diff(old, new)
            when = _now()
            inserted = connection.execute(
                sa.insert(_version).values(
                    imported_at=when,
                    source=source,
                    sha256=digest,
                    diff=json.dumps(diff),
                    who=who,
                )
            ).inserted_primary_key
            number = int(inserted[0]) if inserted else 0
            connection.execute(
                sa.insert(_stall),
                [
                    {
                        "version": number,
                        "position": position,
                        "stall_id": stall.stall_id,
                        "fields": new[stall.stall_id],
                        "payload": stall.payload,
                    }
                    for position, stall in enumerate(registry)
                ],
            )
        self._registry_at = None
        return RegistryVersion(int(number), when, source, digest, diff, who)

    # accepted codes and card codes -----------------------------------------------------

    def accept(self, stall_id: str, payload: str, *, who: str | None = None) -> bool:
        """Also accept ``payload`` (another bank's code) for a stall; its card code changes.

        The payload must be a valid VietQR (else the payload's own
        :class:`~cashless.errors.CashlessError`) that pays no other stall's account
        (:class:`~cashless.errors.UsageError`). Reprint the stall's card afterwards: the
        card code's tag covers every accepted code, so a card printed before is flagged as
        not matching the registry. Returns False, storing nothing, when the stall already
        accepts a code that pays the same (BIN, account, service and, if fixed, amount):
        ``verify`` judges such a code ``ok`` already (a "bank-issued code"), and a new tag
        would only mean a reprint for nothing.
        """
        from cashless.payload.vietqr import parse

        stall = self.registry()[stall_id]
        text = payload.strip()
        parse(text)
        owner = self.stall_paid_by(text)
        if owner == stall.stall_id:
            return False
        if owner is not None:
            raise UsageError(
                f"this code pays stall {owner}'s account, not one of stall {stall.stall_id}'s",
                source=self.source,
            )
        with self._engine.begin() as connection:
            exists = connection.execute(
                sa.select(_accepted.c.id).where(
                    _accepted.c.stall_id == stall.stall_id, _accepted.c.payload == text
                )
            ).first()
            if exists is not None:
                return False
            connection.execute(
                sa.insert(_accepted).values(
                    stall_id=stall.stall_id,
                    payload=text,
                    added_at=_now(),
                    who=who_checks(who),
                )
            )
        return True

    def stall_paid_by(self, payload: str) -> str | None:
        """The first stall (file order) one of whose accepted codes pays as ``payload`` does
        (BIN, account, service and, if fixed, amount: what ``verify`` calls ``ok``)."""
        from cashless.payload.vietqr import parse

        code = parse(payload.strip())
        for stall_id, payloads in self.accepted().items():
            if any(pays_as(code, parse(known)) for known in payloads):
                return stall_id
        return None

    def accepted(self) -> dict[str, tuple[str, ...]]:
        """Stall id -> every payload it accepts (its card's first), for the newest version."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                sa.select(_accepted.c.stall_id, _accepted.c.payload).order_by(_accepted.c.id)
            ).all()
        extra: dict[str, list[str]] = {}
        for row in rows:
            extra.setdefault(row.stall_id, []).append(row.payload)
        return {
            stall.stall_id: accepted_payloads(stall, extra.get(stall.stall_id, ()))
            for stall in self.registry()
        }

    def keyring(self) -> Keyring:
        """What ``verify`` needs to check card codes: the market id, the key and every
        stall's accepted payloads (newest registry version). Its repr hides the key."""
        return Keyring(self.market_id, self._key, self.accepted())

    def tag(self, payloads: Iterable[str]) -> str:
        """The keyed tag of a set of payloads under this market's key."""
        return tag_for(self._key, payloads)

    def card_codes(self) -> dict[str, str]:
        """Stall id -> the text of its card code (``MARKET:STALL:TAG``), newest version."""
        return {
            stall_id: card_code_text(self.market_id, stall_id, self.tag(payloads))
            for stall_id, payloads in self.accepted().items()
        }

    # checks -----------------------------------------------------------------------------

    def record_checks(
        self,
        records: Sequence[Record],
        *,
        who: str | None = None,
        photo_hashes: Mapping[str, str] | None = None,
    ) -> int:
        """Log verdicts in one transaction; returns how many rows were written."""
        if not records:
            return 0
        name = who_checks(who)
        hashes = photo_hashes or {}
        when = _now()
        version = self.current_version()
        rows = [
            {
                "checked_at": when,
                "registry_version": version,
                "stall_id": record.stall,
                "verdict": record.verdict,
                "payload": record.payload,
                "bin": record.bin,
                "account": record.account,
                "photo": record.photo,
                "photo_sha256": getattr(record, "photo_sha256", None) or hashes.get(record.photo),
                "reason": record.reason,
                "who": name,
            }
            for record in records
        ]
        with self._engine.begin() as connection:
            connection.execute(sa.insert(_check), rows)
        return len(rows)

    def checks(self, stall_id: str | None = None) -> list[Check]:
        """Logged checks, oldest first (of one stall when ``stall_id`` is given)."""
        query = sa.select(_check).order_by(_check.c.id)
        if stall_id is not None:
            query = query.where(_check.c.stall_id == stall_id)
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [Check(**row._asdict()) for row in rows]

    def audit(self) -> list[AuditRow]:
        """One row per stall of the newest registry version, in file order."""
        per_stall: dict[str, list[Check]] = {}
        for check in self.checks():
            if check.stall_id is not None:
                per_stall.setdefault(check.stall_id, []).append(check)
        rows = []
        for stall in self.registry():
            checks = per_stall.get(stall.stall_id, [])
            last = checks[-1] if checks else None
            open_mismatches = 0
            for check in checks:
                if check.verdict == "ok":
                    open_mismatches = 0
                elif check.verdict == "mismatch":
                    open_mismatches += 1
            rows.append(
                AuditRow(
                    stall.stall_id,
                    stall.stall_name,
                    last.checked_at if last else None,
                    last.verdict if last else None,
                    last.who if last else None,
                    len(checks),
                    open_mismatches,
                )
            )
        return rows


def open_market(db: str | os.PathLike[str]) -> Market:
    """Open an existing market database (a file path or an SQLAlchemy URL).

    Raises :class:`~cashless.errors.UsageError` when there is none there.
    """
    text = os.fspath(db)
    url = database_url(text)
    if url.startswith("sqlite:///") and "://" not in text and not Path(text).is_file():
        raise _registry_error(
            text, "no market database here; create it with `cashless market init`"
        )
    try:
        return Market(_engine(url), text)
    except sa.exc.SQLAlchemyError as exc:
        raise _registry_error(text, f"cannot open the database: {exc.__class__.__name__}") from None


def init_market(
    db: str | os.PathLike[str],
    registry: str | os.PathLike[str],
    *,
    market_id: str | None = None,
    skip_bad: bool = False,
    who: str | None = None,
) -> Market:
    """Create a market database with a new key, or open it, and import a registry version.

    The key is made once, on the first call; later calls keep it and import ``registry`` as
    a new version (nothing new when the file has not changed). ``market_id`` (1-6 letters or
    digits, default ``MKT``) starts every card code and is fixed by the first call.
    """
    text = os.fspath(db)
    url = database_url(text)
    identity = check_market_id(market_id or "MKT")
    load_registry(registry, skip_bad=skip_bad)  # a bad file creates nothing
    engine = _engine(url)
    try:
        _metadata.create_all(engine)
        with engine.begin() as connection:
            row = connection.execute(sa.select(_market.c.market_id)).first()
            if row is None:
                connection.execute(
                    sa.insert(_market).values(
                        id=1,
                        market_id=identity,
                        secret_key=secrets.token_bytes(32),
                        schema_version=SCHEMA_VERSION,
                        created_at=_now(),
                    )
                )
            elif market_id is not None and row.market_id != identity:
                raise _registry_error(
                    text,
                    f"this database is market {row.market_id!r}; its id cannot change "
                    "(every card code carries it)",
                )
    except CashlessError:
        engine.dispose()
        raise
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        reason = f"cannot create the database: {exc.__class__.__name__}"
        raise _registry_error(text, reason) from None
    market = Market(engine, text)
    market.import_registry(registry, skip_bad=skip_bad, who=who)
    return market
