"""The fee tables in the market database: the market's own account, fees, credits, matches.

Kept apart from :mod:`cashless.stalls.market`'s tables, on their own SQLAlchemy
``MetaData`` and on the same engine (:attr:`cashless.stalls.market.Market.engine`),
created the first time a :class:`FeeBook` is opened. Every change is one transaction.

- ``fee_account``: the account fees are paid into (bank BIN, account, holder) and the
  payment-code prefix, set by ``cashless fees --bank --account`` on first use;
- ``fee``: one row per stall and period: amount, payment code, payload;
- ``credit``: every imported credit once. Its key is the SHA-256 of what it says (time,
  amount, note, reference, payer) with the number of identical rows before it in the same
  file, so importing a file again, or an overlapping export, adds nothing, while two rows
  with the same reference but different contents are both kept (one is a duplicate);
- ``fee_match``: the latest matching of every credit (replaced as a whole, in one
  transaction, by :meth:`FeeBook.save_matching`).

>>> import tempfile, pathlib
>>> from cashless.stalls.market import init_market
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "stalls.csv").write_text(
...     "stall_id,stall_name,vendor_name,bank,account\\nA01,Rau,Lan,VCB,0011001234567\\n")
>>> with init_market(folder / "m.db", folder / "stalls.csv", market_id="CDB") as market:
...     book = FeeBook(market)
...     _ = book.set_account("970436", "1234567890", "BQL CHO", "CDB")
...     book.account().prefix
'CDB'
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from cashless.errors import UsageError, require_extra

require_extra("db", "sqlalchemy")

import sqlalchemy as sa  # noqa: E402

from cashless.fees.credits import Credit  # noqa: E402
from cashless.fees.matching import Entry, Fee, Matched  # noqa: E402
from cashless.stalls.market import Market  # noqa: E402

__all__ = ["FeeAccount", "FeeBook", "credit_keys", "require_account"]

_metadata = sa.MetaData()
_account = sa.Table(
    "fee_account",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("bin", sa.String(8), nullable=False),
    sa.Column("account", sa.Text, nullable=False),
    sa.Column("holder", sa.Text, nullable=False),
    sa.Column("prefix", sa.String(6), nullable=False),
    sa.Column("set_at", sa.String(32), nullable=False),
)
_fee = sa.Table(
    "fee",
    _metadata,
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("stall_id", sa.Text, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("payment_code", sa.String(25), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("issued_at", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("period", "stall_id"),
)
_credit = sa.Table(
    "credit",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(80), nullable=False, unique=True),
    sa.Column("time", sa.String(40), nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("account", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("imported_at", sa.String(32), nullable=False),
)
_match = sa.Table(
    "fee_match",
    _metadata,
    sa.Column("credit_id", sa.Integer, sa.ForeignKey("credit.id"), primary_key=True),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("stall_id", sa.Text),
    sa.Column("period", sa.String(7)),
    sa.Column("how", sa.String(12), nullable=False),
    sa.Column("flags", sa.Text, nullable=False),
)
sa.Index("fee_match_by_period", _match.c.period)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def credit_keys(credits: Sequence[Credit]) -> list[str]:
    """One key per credit: the hash of its content and how many identical rows came before.

    >>> a = Credit("2026-12-01T00:00:00+07:00", 5, "x", "R")
    >>> keys = credit_keys([a, a])
    >>> keys[0] != keys[1], keys == credit_keys([a, a])
    (True, True)
    """
    seen: dict[str, int] = {}
    keys = []
    for credit in credits:
        digest = hashlib.sha256(json.dumps(credit.content()).encode("utf-8")).hexdigest()
        number = seen.get(digest, 0)
        seen[digest] = number + 1
        keys.append(f"{digest}:{number}")
    return keys


@dataclass(frozen=True)
class FeeAccount:
    """The account fees are paid into, and the prefix of every payment code."""

    bin: str
    account: str
    holder: str
    prefix: str


class FeeBook:
    """The fee tables of one open market database (created on first use)."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self._engine = market.engine
        _metadata.create_all(self._engine)

    # the market's own account -------------------------------------------------------------

    def account(self) -> FeeAccount | None:
        """The account fees are paid into, or None before it is set."""
        with self._engine.connect() as connection:
            row = connection.execute(sa.select(_account)).first()
        return None if row is None else FeeAccount(row.bin, row.account, row.holder, row.prefix)

    def set_account(self, bin: str, account: str, holder: str, prefix: str) -> FeeAccount:
        """Set (or change) the account fees are paid into; fees issued keep their codes."""
        values = {"bin": bin, "account": account, "holder": holder, "prefix": prefix}
        with self._engine.begin() as connection:
            if connection.execute(sa.select(_account.c.id)).first() is None:
                connection.execute(sa.insert(_account).values(id=1, set_at=_now(), **values))
            else:
                connection.execute(sa.update(_account).values(set_at=_now(), **values))
        return FeeAccount(bin, account, holder, prefix)

    # fees ------------------------------------------------------------------------------

    def issue(self, period: str, rows: Iterable[tuple[str, int, str, str]]) -> int:
        """Store ``(stall_id, amount, code, payload)`` for ``period``; replaces that period."""
        rows = list(rows)
        when = _now()
        with self._engine.begin() as connection:
            connection.execute(sa.delete(_fee).where(_fee.c.period == period))
            if rows:
                connection.execute(
                    sa.insert(_fee),
                    [
                        {
                            "period": period,
                            "stall_id": stall_id,
                            "amount": amount,
                            "payment_code": code,
                            "payload": payload,
                            "issued_at": when,
                        }
                        for stall_id, amount, code, payload in rows
                    ],
                )
        return len(rows)

    def fees(self, period: str | None = None) -> list[Fee]:
        """Issued fees (of one period when given), by period then stall."""
        query = sa.select(_fee).order_by(_fee.c.period, _fee.c.stall_id)
        if period is not None:
            query = query.where(_fee.c.period == period)
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [Fee(r.period, r.stall_id, int(r.amount), r.payment_code) for r in rows]

    # credits ---------------------------------------------------------------------------

    def import_credits(self, credits: Sequence[Credit]) -> tuple[int, int]:
        """Store the credits not stored yet, in one transaction: ``(new, already known)``.

        Credits are keyed per file (:func:`credit_keys`), so give the credits of one file
        at a time, or several files' credits in file order.
        """
        by_source: dict[str, list[Credit]] = {}
        for credit in credits:
            by_source.setdefault(credit.source, []).append(credit)
        keyed = [
            (k, c)
            for group in by_source.values()
            for k, c in zip(credit_keys(group), group, strict=True)
        ]
        if not keyed:
            return 0, 0
        when = _now()
        with self._engine.begin() as connection:
            known: set[str] = set()
            keys = [k for k, _ in keyed]
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                known |= set(
                    connection.execute(
                        sa.select(_credit.c.key).where(_credit.c.key.in_(chunk))
                    ).scalars()
                )
            fresh = [(k, c) for k, c in dict(keyed).items() if k not in known]
            if fresh:
                connection.execute(
                    sa.insert(_credit),
                    [
                        {
                            "key": key,
                            "time": c.time,
                            "amount": c.amount,
                            "description": c.description,
                            "reference": c.reference,
                            "account": c.account,
                            "name": c.name,
                            "source": c.source,
                            "line": c.line,
                            "imported_at": when,
                        }
                        for key, c in fresh
                    ],
                )
        return len(fresh), len(keyed) - len(fresh)

    def entries(self) -> list[Entry]:
        """Every stored credit, as matching reads it."""
        with self._engine.connect() as connection:
            rows = connection.execute(sa.select(_credit).order_by(_credit.c.id)).all()
        return [
            Entry(r.id, r.time, int(r.amount), r.description, r.reference, r.account, r.name)
            for r in rows
        ]

    def credit_details(self) -> dict[int, Credit]:
        """Stored credit id -> the credit as read (with its file and line)."""
        with self._engine.connect() as connection:
            rows = connection.execute(sa.select(_credit)).all()
        return {
            r.id: Credit(
                r.time,
                int(r.amount),
                r.description,
                r.reference,
                r.account,
                r.name,
                r.source,
                r.line,
            )
            for r in rows
        }

    # matches ---------------------------------------------------------------------------

    def save_matching(self, matched: Sequence[Matched]) -> None:
        """Replace every stored match by ``matched``, in one transaction."""
        with self._engine.begin() as connection:
            connection.execute(sa.delete(_match))
            if matched:
                connection.execute(
                    sa.insert(_match),
                    [
                        {
                            "credit_id": m.id,
                            "status": m.status,
                            "stall_id": m.stall_id,
                            "period": m.period,
                            "how": m.how,
                            "flags": ",".join(m.flags),
                        }
                        for m in matched
                    ],
                )

    def matches(self) -> list[Matched]:
        """The stored matches, by credit id."""
        query = sa.select(_match, _credit.c.reference).join(_credit).order_by(_match.c.credit_id)
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            Matched(
                r.credit_id,
                r.reference,
                r.status,
                r.stall_id,
                r.period,
                r.how,
                tuple(f for f in r.flags.split(",") if f),
            )
            for r in rows
        ]

    def counts(self) -> dict[str, int]:
        """Rows per fee table (for tests and the idempotence check)."""
        with self._engine.connect() as connection:
            return {
                table.name: int(
                    connection.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0
                )
                for table in (_account, _fee, _credit, _match)
            }


def require_account(book: FeeBook) -> FeeAccount:
    """The stored account, or a :class:`~cashless.errors.UsageError` saying how to set it."""
    account = book.account()
    if account is None:
        raise UsageError(
            "the market's own account is not set: give --bank and --account", field="account"
        )
    return account
