"""cashless.stalls.market: the market database on real SQLite files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from cashless.errors import UsageError
from cashless.stalls.cardcode import parse_card_code, tag_for
from cashless.stalls.market import init_market, open_market
from cashless.stalls.verify import Record

REGISTRY = (
    "stall_id,stall_name,vendor_name,bank,account\n"
    "A01,Rau,Nguyễn Thị Tú,VCB,0011001234567\n"
    "A02,Thịt,Trần Văn Hà,ACB,257678859\n"
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    registry = tmp_path / "stalls.csv"
    registry.write_text(REGISTRY, encoding="utf-8")
    init_market(tmp_path / "market.db", registry, market_id="CDB", who="office").close()
    return tmp_path / "market.db"


def test_init_creates_the_key_once_and_imports_versions(db, tmp_path):
    with open_market(db) as market:
        codes = market.card_codes()
        assert market.market_id == "CDB" and len(market.registry()) == 2
        (first,) = market.versions()
        assert first.diff == {"added": ["A01", "A02"], "removed": [], "changed": []}
        assert first.who == "office" and len(first.sha256) == 64
        assert market._key.hex() not in repr(market) and "secret" not in repr(market)
    changed = tmp_path / "v2.csv"
    changed.write_text(
        REGISTRY.replace("257678859", "257678860") + "A03,Cá,Lê Lan,MB,0123456789\n",
        encoding="utf-8",
    )
    with init_market(db, changed) as market:  # same key, new version
        assert [v.version for v in market.versions()] == [1, 2]
        assert market.versions()[-1].diff == {"added": ["A03"], "removed": [], "changed": ["A02"]}
        assert market.card_codes()["A01"] == codes["A01"]
        assert market.card_codes()["A02"] != codes["A02"]
        assert len(market.registry(1)) == 2 and len(market.registry()) == 3
    with init_market(db, changed) as market:  # unchanged: no new version
        assert len(market.versions()) == 2


def test_card_codes_carry_the_keyed_tag_of_accepted_payloads(db):
    from cashless import build

    with open_market(db) as market:
        a01 = market.registry()["A01"]
        card = parse_card_code(market.card_codes()["A01"])
        assert card is not None and card.stall_id == "A01"
        assert card.tag == tag_for(market._key, [a01.payload])
        second = build("TCB", "5550001112")
        market.accept("A01", second, who="office")
        assert market.accepted()["A01"] == (a01.payload, second)
        card = parse_card_code(market.card_codes()["A01"])
        assert card is not None and card.tag == tag_for(market._key, [a01.payload, second])


def test_no_database_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="market init"):
        open_market(tmp_path / "none.db")
    (tmp_path / "empty.db").write_bytes(b"")
    with pytest.raises(UsageError, match="not a market database"):
        open_market(tmp_path / "empty.db")


def test_a_bad_registry_creates_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("stall_id,stall_name,vendor_name,bank,account\nA01,R,V,NOBANK,1\n")
    with pytest.raises(Exception, match="bank"):
        init_market(tmp_path / "m.db", bad)
    assert not (tmp_path / "m.db").exists()


def _record(photo: str, stall: str, verdict: str) -> Record:
    return Record(photo, 1, verdict, stall=stall, account="1", bin="970436", reason="r")


def test_audit_last_checked_never_checked_open_mismatches(db):
    with open_market(db) as market:
        market.record_checks([_record("p1", "A01", "mismatch")], who="lan")
        market.record_checks([_record("p2", "A01", "mismatch")], who="lan")
        rows = {row.stall_id: row for row in market.audit()}
        assert rows["A01"].open_mismatches == 2 and rows["A01"].last_who == "lan"
        assert rows["A02"].never_checked and rows["A02"].checks == 0
        market.record_checks([_record("p3", "A01", "ok")], who="hoa")
        rows = {row.stall_id: row for row in market.audit()}
        assert (rows["A01"].last_verdict, rows["A01"].open_mismatches) == ("ok", 0)
        assert [c.photo for c in market.checks("A01")] == ["p1", "p2", "p3"]


WRITER = textwrap.dedent(
    """
    import sys
    from cashless.stalls.market import open_market
    from cashless.stalls.verify import Record
    db, name, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with open_market(db) as market:
        for i in range(count):
            rows = [Record(f"{name}-{i}-{j}", 1, "ok", stall="A01", reason="r")
                    for j in range(size)]
            market.record_checks(rows, who=name)
            print(i, flush=True)
    """
)


def _writer(db: Path, name: str, count: int, size: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), name, str(count), str(size)],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_two_writers_at_once_lose_nothing(db):
    writers = [_writer(db, name, 60, 5) for name in ("lan", "hoa")]
    for writer in writers:
        writer.communicate(timeout=120)
        assert writer.returncode == 0
    with open_market(db) as market:
        checks = market.checks()
    assert len(checks) == 2 * 60 * 5
    assert len({c.photo for c in checks}) == 600
    assert {c.who for c in checks} == {"lan", "hoa"}


def test_a_killed_writer_leaves_whole_transactions_only(db):
    writer = _writer(db, "lan", 100000, 400)
    assert writer.stdout is not None
    writer.stdout.readline()  # at least one transaction committed
    time.sleep(0.3)
    os.kill(writer.pid, signal.SIGKILL)
    writer.communicate(timeout=30)
    with open_market(db) as market:
        checks = market.checks()
    assert checks and len(checks) % 400 == 0
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()
