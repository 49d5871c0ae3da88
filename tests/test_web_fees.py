"""cashless.web: the fees page over HTTP (issue a month's slips, reconcile a statement).

The market is the example registry (60 stalls) in a real SQLite file; the slips' PDF is
opened by pdfium and its QR codes checked against the fee list; every status is read back
from the page and from the database the page wrote.
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import pytest

pytest.importorskip("starlette")

from office_page import TestClient, csrf_of

from cashless.fees.store import FeeBook
from cashless.payload.vietqr import parse
from cashless.stalls.market import open_market

pytestmark = pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning")

PERIOD = "2026-12"
ACCOUNT = "0011001234567"


_csrf = csrf_of


def _issue(client: TestClient, **fields: str):
    form = {
        "period": PERIOD,
        "amount": "50.000",
        "bank": "VCB",
        "account": ACCOUNT,
        "holder": "BQL Cho Dien Bien",
        "paper": "A7",
        "market": "Chợ Điện Biên",
        **fields,
    }
    page = client.get("/fees")
    return client.post(
        "/fees/issue", data={"csrf": _csrf(page.text), **form}, follow_redirects=False
    )


def _issued(client: TestClient) -> tuple[str, list[dict[str, str]]]:
    """Issue the month; wait for its slips; return the job's page and the fee list."""
    response = _issue(client)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    job = location.rsplit("/", 1)[-1]
    finished = client.app.state.jobs.wait(job, timeout=120)  # type: ignore[attr-defined]
    assert finished is not None and finished.state == "done", finished
    fees = list(csv.DictReader(io.StringIO(client.get(f"{location}/fees.csv").text)))
    return location, fees


def _reconcile(client: TestClient, files, period: str = PERIOD, **fields: str):
    page = client.get("/fees")
    return client.post(
        "/fees/reconcile",
        data={"csrf": _csrf(page.text), "period": period, **fields},
        files=files,
    )


def _statement(fees: list[dict[str, str]]) -> bytes:
    """A01 paid, A02 paid part, A03 paid twice, A01's notification again, a stranger."""
    code = {row["stall_id"]: row["payment_code"] for row in fees}
    rows = [
        "time,amount,description,reference,account,name",
        f"2026-12-02T08:15:00,50000,{code['A01']},FT1,,",
        f"2026-12-02T08:15:00,50000,{code['A01']},FT1,,",
        f"2026-12-03T09:00:00,20000,MBVCB.{code['A02'].lower()}.CT,FT2,,",
        f"2026-12-04T10:00:00,50000,{code['A03']},FT3,,",
        f"2026-12-05T10:00:00,50000,{code['A03']},FT4,,",
        "2026-12-06T11:00:00,123000,chuyen tien an cuoi,FT5,7777,KHACH",
    ]
    return ("\n".join(rows) + "\n").encode("utf-8")


def _status(text: str, stall: str) -> str:
    row = re.search(rf'<tr class="([a-z_]+)" data-stall="{stall}">', text)
    assert row, f"no row for {stall}"
    return row.group(1)


def test_before_any_month_the_page_offers_the_slips(client: TestClient) -> None:
    text = client.get("/fees").text
    assert "Phí chợ" in text and 'href="/fees"' in text  # in the navigation
    assert "Chưa phát phí tháng nào. Chợ có 60 quầy." in text
    assert 'id="issue-form"' in text and 'id="reconcile-form"' not in text


def test_a_month_of_slips_decodes_to_its_fee_list(client: TestClient, db: str) -> None:
    location, fees = _issued(client)
    done = client.get(location).text
    assert "Xong: 60 phiếu thu tháng 2026-12, tổng 3.000.000 đ." in done
    assert len(fees) == 60 and {row["amount"] for row in fees} == {"50000"}
    for row in fees[:5]:
        code = parse(row["payload"])
        assert (code.account, code.amount, code.purpose) == (ACCOUNT, 50000, row["payment_code"])
    pdf = client.get(f"{location}/slips.pdf")
    assert pdf.content[:5] == b"%PDF-"
    pdfium = pytest.importorskip("pypdfium2")
    assert len(pdfium.PdfDocument(pdf.content)) == 60
    with open_market(db) as market:  # stored, with the account kept for next time
        book = FeeBook(market)
        assert len(book.fees(PERIOD)) == 60
        account = book.account()
        assert account is not None and account.account == ACCOUNT
    page = client.get("/fees").text  # the month is listed, every stall still to pay
    assert "2026-12: 60 quầy, 3.000.000 đ" in page
    assert _status(page, "A01") == "unpaid" and f'value="{ACCOUNT}"' in page


def test_a_statement_reconciles_once_however_often_it_is_sent(client: TestClient, db: str) -> None:
    _, fees = _issued(client)
    statement = _statement(fees)
    first = _reconcile(client, {"credits": ("sao-ke.csv", statement, "text/csv")})
    assert first.status_code == 200, first.text
    assert "Đã nhập 6 giao dịch mới (0 đã có từ trước)." in first.text
    statuses = {s: _status(first.text, s) for s in ("A01", "A02", "A03", "A04")}
    assert statuses == {"A01": "paid", "A02": "partly_paid", "A03": "over_paid", "A04": "unpaid"}
    assert '<tr class="unknown">' in first.text and '<tr class="duplicate">' in first.text
    again = _reconcile(client, {"credits": ("sao-ke.csv", statement, "text/csv")})
    assert "Đã nhập 0 giao dịch mới (6 đã có từ trước)." in again.text
    assert {s: _status(again.text, s) for s in statuses} == statuses
    owing = client.get(f"/fees?period={PERIOD}&show=unpaid").text  # who still owes
    assert "Chưa trả hoặc sai số tiền (59)" in owing and 'data-stall="A01"' not in owing
    assert _status(owing, "A02") == "partly_paid" and _status(owing, "A04") == "unpaid"
    kept = sorted((Path(db).parent / "market-credits").iterdir())
    assert len(kept) == 2 and kept[0].read_bytes() == statement  # each statement sent is kept
    table = client.get(f"/fees/result.csv?period={PERIOD}").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(table)))
    assert rows[0][:3] == ["quầy", "tên quầy", "tình trạng"]
    assert [rows[1][0], rows[1][2]] == ["A01", "đã trả"]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(f"/fees/result.xlsx?period={PERIOD}").content))
    assert [sheet.title for sheet in book.worksheets] == ["Quầy", "Giao dịch"]
    assert book.worksheets[0].cell(2, 1).value == "A01"


def test_a_bad_row_names_its_line_and_imports_nothing(client: TestClient, db: str) -> None:
    _, fees = _issued(client)
    good = _statement(fees).decode()
    lines = good.splitlines()
    lines[3] = lines[3].replace(",20000,", ",hai muoi,")
    response = _reconcile(
        client,
        [
            ("credits", ("a.csv", good.encode(), "text/csv")),
            ("credits", ("b.csv", ("\n".join(lines) + "\n").encode(), "text/csv")),
        ],
    )
    assert response.status_code == 422
    problems = re.search(r'<table id="credit-problems">(.*?)</table>', response.text, re.S)
    assert problems and re.search(r'<td class="num">4</td><td>amount</td>', problems.group(1))
    assert "b.csv: 1 dòng lỗi; chưa nhập giao dịch nào của lần gửi này." in response.text
    with open_market(db) as market:  # a.csv was good, but nothing of the upload went in
        assert FeeBook(market).credit_details() == {}
    assert list((Path(db).parent / "market-credits").iterdir()) == []


def test_refusals_say_what_to_do(client: TestClient, db: str) -> None:
    said = {
        "'năm mươi' không phải số tiền": _issue(client, amount="năm mươi"),
        "'50.5' không phải số tiền": _issue(client, amount="50.5"),  # not read as 505
        "'12/2026' không phải một tháng": _issue(client, period="12/2026"),
        "Ghi phí mỗi quầy": _issue(client, amount=""),
        "Chưa có tài khoản nhận phí của chợ": _issue(client, bank="", account=""),
        "không tìm thấy ngân hàng 'Ngân hàng Không Có'": _issue(client, bank="Ngân hàng Không Có"),
    }
    schedule = ("phi.csv", "category,amount\nRau củ,40000\n".encode(), "text/csv")
    page = client.get("/fees")
    form = {"period": PERIOD, "bank": "VCB", "account": ACCOUNT, "market": "Chợ Điện Biên"}
    said["Bảng phí chưa có mức phí cho quầy B01, B02"] = client.post(  # not in the table
        "/fees/issue",
        data={"csrf": _csrf(page.text), **form},
        files={"schedule": schedule},
        follow_redirects=False,
    )
    for words, response in said.items():
        assert response.status_code == 422 and words in html.unescape(response.text), words
        assert 'value="Chợ Điện Biên"' in response.text  # the form keeps what was typed
    with open_market(db) as market:
        assert FeeBook(market).fees() == []  # nothing issued by a refused form
    _, fees = _issued(client)
    not_issued = _reconcile(
        client, {"credits": ("s.csv", _statement(fees), "text/csv")}, period="2027-01"
    )
    assert not_issued.status_code == 409
    assert "Chưa phát phí cho tháng 2027-01" in not_issued.text
    not_a_statement = _reconcile(
        client, {"credits": ("sao-ke.pdf", b"%PDF-1.7", "application/pdf")}
    )
    assert not_a_statement.status_code == 422
    assert "sao-ke.pdf: sao kê phải là tệp .csv, .xlsx hoặc .json" in not_a_statement.text
    assert list((Path(db).parent / "market-credits").iterdir()) == []
    page = client.get("/fees")
    empty = client.post("/fees/reconcile", data={"csrf": _csrf(page.text), "period": PERIOD})
    assert empty.status_code == 400 and "Chưa chọn tệp sao kê nào." in empty.text
    assert client.get("/fees/result.pdf?period=2026-12").status_code == 404
    assert client.get("/fees/result.csv?period=2027-01").status_code == 404


def test_print_and_fee_jobs_stay_apart(client: TestClient) -> None:
    location, _ = _issued(client)
    job = location.rsplit("/", 1)[-1]
    assert client.get(f"/print/jobs/{job}").status_code == 404
    assert client.get("/fees/jobs/nope").status_code == 404


def test_the_page_in_english(client: TestClient) -> None:
    _issued(client)
    english = client.get("/lang/en?next=/fees").text
    assert "2026-12: who paid, who has not" in english and "unpaid" in english
