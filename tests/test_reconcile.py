"""Reconciliation: a 60-stall feed to the expected statuses, idempotent imports, bad rows,
and a simulated 400-stall, 30-day fee cycle against its ground truth (several seeds)."""

from __future__ import annotations

import collections
import json
import sqlite3

import pytest

from cashless.cli import main
from cashless.fees.codes import payment_code
from cashless.fees.credits import Credit, parse_credits
from cashless.fees.reconcile import issue_fees, reconcile
from cashless.fees.store import FeeBook
from cashless.stalls.market import init_market, open_market

PERIOD = "2026-12"
FEE = 50_000


def _registry(count: int) -> str:
    rows = ["stall_id,stall_name,vendor_name,bank,account"]
    rows += [
        f"B{n:02d},Quay {n},Nguyen Van Ten{n:02d},VCB,{9000000000 + n}" for n in range(1, count + 1)
    ]
    return "\n".join(rows) + "\n"


@pytest.fixture
def market60(tmp_path):
    (tmp_path / "stalls.csv").write_text(_registry(60), encoding="utf-8")
    market = init_market(tmp_path / "m.db", tmp_path / "stalls.csv", market_id="CDB")
    issue_fees(
        market,
        PERIOD,
        {f"B{n:02d}": FEE for n in range(1, 61)},
        bank="VCB",
        account="0011009999999",
        holder="BQL",
    )
    market.close()
    return tmp_path


def _code(stall: str) -> str:
    return payment_code("CDB", stall, PERIOD)


def _feed() -> tuple[str, dict[str, str], dict[str, str]]:
    """60 stalls: paid (some with bank words, spaces, lower case, cut codes), partly paid,
    over-paid, duplicate notifications, a mistyped code from the stall's own account, a
    mistyped code from a stranger, a stranger's transfer, unpaid stalls."""
    rows = ["time,amount,description,reference,account,name"]
    stall_status: dict[str, str] = {}
    credit_status: dict[str, str] = {}

    def add(day: int, amount: int, note: str, ref: str, account: str = "", name: str = "") -> None:
        rows.append(f"2026-12-{day:02d}T09:00:00,{amount},{note},{ref},{account},{name}")

    for n in range(1, 31):  # paid, in every way a bank shows a note
        stall = f"B{n:02d}"
        code = _code(stall)
        note = [
            code,
            f"MBVCB.{n}.{code.lower()}.CT tu x",
            f"IBFT {code[:3]} {code[3:6]} {code[6:]}",
            f"IBFT {code[:-1]}",
        ][n % 4]
        add(1 + n % 20, FEE, note, f"P{n}")
        stall_status[stall], credit_status[f"P{n}"] = "paid", "matched"
    for n in range(31, 36):  # partly paid
        add(5, 20_000, _code(f"B{n:02d}"), f"H{n}")
        stall_status[f"B{n:02d}"], credit_status[f"H{n}"] = "partly_paid", "partial"
    for n in range(36, 41):  # over-paid: the fee, then again
        add(5, FEE, _code(f"B{n:02d}"), f"O{n}a")
        add(6, FEE, _code(f"B{n:02d}"), f"O{n}b")
        stall_status[f"B{n:02d}"] = "over_paid"
        credit_status[f"O{n}a"], credit_status[f"O{n}b"] = "matched", "over_paid"
    for n in range(41, 46):  # paid, and the notification delivered twice
        add(7, FEE, _code(f"B{n:02d}"), f"D{n}")
        add(7, FEE, _code(f"B{n:02d}"), f"D{n}")
        stall_status[f"B{n:02d}"], credit_status[f"D{n}"] = "paid", "matched"
    for n in range(46, 49):  # mistyped code, from the stall's own account: found by payer
        code = _code(f"B{n:02d}")
        typo = code[:4] + code[5] + code[4] + code[6:]
        add(8, FEE, typo, f"M{n}", str(9000000000 + n), f"NGUYEN VAN TEN{n:02d}")
        stall_status[f"B{n:02d}"], credit_status[f"M{n}"] = "paid", "matched"
    code = _code("B49")  # mistyped code from a stranger's account: caught, not matched
    add(8, FEE, code[:-1] + ("A" if code[-1] != "A" else "B"), "M49", "5555", "AI DO")
    stall_status["B49"], credit_status["M49"] = "unpaid", "unknown"
    add(9, 123_000, "chuyen tien an cuoi", "U1", "7777", "KHACH")
    credit_status["U1"] = "unknown"
    for n in range(50, 61):
        stall_status[f"B{n:02d}"] = "unpaid"
    return "\n".join(rows) + "\n", stall_status, credit_status


def test_sixty_stalls_reconcile_to_the_expected_statuses(market60, capsys):
    text, stall_status, credit_status = _feed()
    (market60 / "feed.csv").write_text(text, encoding="utf-8")
    argv = [
        "reconcile",
        "--db",
        str(market60 / "m.db"),
        str(market60 / "feed.csv"),
        "--period",
        PERIOD,
        "--json",
    ]
    assert main(argv) == 1
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"stalls", "credits"}
    assert all(set(s) == {"stall_id", "status", "expected", "received"} for s in out["stalls"])
    assert all(set(c) == {"reference", "status", "stall_id"} for c in out["credits"])
    assert {s["stall_id"]: s["status"] for s in out["stalls"]} == stall_status
    statuses = collections.defaultdict(list)
    for credit in out["credits"]:
        statuses[credit["reference"]].append(credit["status"])
    for n in range(41, 46):
        assert statuses[f"D{n}"] == ["matched", "duplicate"]
    assert {ref: s[0] for ref, s in statuses.items()} == credit_status
    by_stall = {s["stall_id"]: s for s in out["stalls"]}
    assert by_stall["B31"]["received"] == 20_000 and by_stall["B36"]["received"] == 100_000


def _snapshot(db) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as connection:
        return {
            table: connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("fee", "fee_account")
        } | {
            "credit": connection.execute(
                "SELECT key, time, amount, reference FROM credit ORDER BY id"
            ).fetchall(),
            "fee_match": connection.execute(
                "SELECT * FROM fee_match ORDER BY credit_id"
            ).fetchall(),
        }


def test_importing_the_same_file_twice_changes_nothing(market60, capsys):
    text, _, _ = _feed()
    (market60 / "feed.csv").write_text(text, encoding="utf-8")
    argv = [
        "reconcile",
        "--db",
        str(market60 / "m.db"),
        str(market60 / "feed.csv"),
        "--period",
        PERIOD,
        "--json",
    ]
    main(argv)
    first_out = capsys.readouterr().out
    before = _snapshot(market60 / "m.db")
    assert len(before["credit"]) == text.count("\n") - 1
    main(argv)
    assert capsys.readouterr().out == first_out
    assert _snapshot(market60 / "m.db") == before
    # an overlapping export (the last rows again, in a new file) adds nothing either
    lines = text.splitlines()
    (market60 / "later.csv").write_text("\n".join([lines[0], *lines[-5:]]) + "\n", encoding="utf-8")
    main(
        [
            "reconcile",
            "--db",
            str(market60 / "m.db"),
            str(market60 / "later.csv"),
            "--period",
            PERIOD,
        ]
    )
    assert _snapshot(market60 / "m.db")["credit"] == before["credit"]


def test_a_csv_with_a_bad_row_imports_nothing_and_names_the_row(market60, capsys):
    text, _, _ = _feed()
    lines = text.splitlines()
    lines.insert(7, "2026-12-05T09:00:00,50.000đx,note,BAD1,,")
    (market60 / "bad.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = [
        "reconcile",
        "--db",
        str(market60 / "m.db"),
        str(market60 / "bad.csv"),
        "--period",
        PERIOD,
        "--lang",
        "en",
    ]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "bad.csv" in err and "line 8, amount" in err
    with open_market(market60 / "m.db") as market:
        assert FeeBook(market).counts()["credit"] == 0


def test_a_webhook_folder_and_xlsx_output(market60, capsys):
    openpyxl = pytest.importorskip("openpyxl")
    folder = market60 / "hooks"
    folder.mkdir()
    for n, stall in enumerate(["B01", "B02"], start=1):
        note = {
            "id": n,
            "gateway": "Vietcombank",
            "transactionDate": f"2026-12-0{n} 10:00:00",
            "accountNumber": "0011009999999",
            "code": None,
            "content": f"{_code(stall)} chuyen khoan",
            "transferType": "in",
            "transferAmount": FEE,
            "referenceCode": f"MBVCB.{n}",
        }
        (folder / f"{n}.json").write_text(json.dumps(note), encoding="utf-8")
    out = market60 / "result.xlsx"
    assert (
        main(
            [
                "reconcile",
                "--db",
                str(market60 / "m.db"),
                str(folder),
                "--period",
                PERIOD,
                "-o",
                str(out),
            ]
        )
        == 1
    )
    book = openpyxl.load_workbook(out)
    stalls = list(book.worksheets[0].iter_rows(values_only=True))
    assert stalls[1][:5] == ("B01", "Quay 1", "đã trả", 50000, 50000)
    assert len(list(book.worksheets[1].iter_rows())) == 3


def test_a_reversal_undoes_its_credit(market60):
    credits = parse_credits(
        "time,amount,description,reference\n"
        f"2026-12-02T09:00,50000,{_code('B01')},FT1\n"
        "2026-12-02T11:00,-50000,HOAN TIEN GD FT1,RV1\n",
        source="r.csv",
    )
    with open_market(market60 / "m.db") as market:
        report = reconcile(market, PERIOD, credits)
    assert report.stalls[0].status == "unpaid"
    flags = {c.reference: (c.status, c.stall_id, c.flags) for c in report.credits}
    assert flags["FT1"] == ("matched", "B01", ("reversed",))
    assert flags["RV1"] == ("matched", "B01", ("reversal",))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_simulated_400_stall_cycle_against_its_ground_truth(tmp_path, seed):
    pytest.importorskip("numpy")
    from cashless.fees.simulate import simulate_fee_cycle

    cycle = simulate_fee_cycle(
        stalls=400, days=30, seed=seed, pending_prob=0.05, pending_reversal_prob=0.5
    )
    (tmp_path / "stalls.csv").write_text(cycle.registry_csv, encoding="utf-8")
    with init_market(tmp_path / "m.db", tmp_path / "stalls.csv", market_id="SIM") as market:
        issue_fees(
            market, cycle.period, cycle.amounts, bank="VCB", account="0011009999999", holder="BQL"
        )
        report = reconcile(
            market,
            cycle.period,
            [Credit(*c.content(), source="sim", line=i) for i, c in enumerate(cycle.credits)],
        )
    assert len(report.credits) == len(cycle.credits)
    seen: dict[str, int] = collections.Counter()
    kinds = collections.Counter()
    fee_status = {f.stall_id: f.status for f in report.stalls}
    for matched in report.credits:
        truth = cycle.truth[matched.reference][seen[matched.reference]]
        seen[matched.reference] += 1
        kinds[truth.kind] += 1
        if truth.coded and truth.kind != "duplicate":  # 100 % of correctly coded credits matched
            assert matched.stall_id == truth.stall_id and matched.how in ("code", "truncated"), (
                truth,
                matched,
            )
        if truth.kind == "clean":
            assert matched.status == "matched" and "late" not in matched.flags
        flagged = (
            matched.status != "matched"
            or matched.how not in ("code", "truncated")
            or set(matched.flags) - {"truncated"}
        )
        if truth.kind != "clean":  # every ground-truth anomaly flagged
            assert flagged, (truth, matched)
        expected_flag = {
            "mistyped_code": "mistyped_code",
            "no_code": "no_code",
            "late": "late",
            "reversal": "reversal",
            "reversed": "reversed",
        }.get(truth.kind)
        if expected_flag:
            assert expected_flag in matched.flags, (truth, matched)
        expected_status = {
            "partial": "partial",
            "over": "over_paid",
            "double": "over_paid",
            "duplicate": "duplicate",
            "stray": "unknown",
        }.get(truth.kind)
        if expected_status:
            assert matched.status == expected_status, (truth, matched)
        if truth.stall_id and matched.stall_id not in (None, truth.stall_id):
            pytest.fail(f"credit {matched.reference} went to the wrong stall")
    for stall_id, status in cycle.truth_status.items():
        if status == "unpaid":
            assert fee_status[stall_id] == "unpaid"
    assert (
        kinds["clean"] > 300 and kinds["mistyped_code"] and kinds["no_code"] and kinds["reversal"]
    )
