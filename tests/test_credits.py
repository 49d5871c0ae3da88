"""Bank credits in: generic CSV, a bank's export through --map, XLSX, webhook JSON."""

from __future__ import annotations

import io

import pytest

from cashless.errors import CsvError, UsageError
from cashless.fees.credits import parse_credits, parse_map, parse_webhooks, read_credits


def test_a_bank_export_with_title_rows_and_split_amounts():
    text = (
        "SAO KE TAI KHOAN;;;;\n"
        "Tu ngay 01/12/2026;;;;\n"
        "Ngày GD;Ghi nợ;Ghi có;Nội dung;Số bút toán\n"
        "02/12/2026 08:15:00;;50.000;CDBA012612U;FT1\n"
        "03/12/2026 09:00:00;20.000;;HOAN TIEN GD FT1;RV1\n"
    )
    mapping = parse_map(
        "time=Ngày GD,credit=Ghi có,debit=Ghi nợ,description=Nội dung,reference=Số bút toán",
        "%d/%m/%Y %H:%M:%S",
    )
    credits = parse_credits(text, source="vcb.csv", mapping=mapping)
    assert [(c.amount, c.reference, c.line) for c in credits] == [
        (50000, "FT1", 4),
        (-20000, "RV1", 5),
    ]
    assert credits[0].time == "2026-12-02T08:15:00+07:00"


def test_every_bad_row_is_named_and_nothing_is_returned():
    text = "time,amount,description,reference\n2026-12-01,1,a,R1\nnope,2,b,R2\n2026-12-01,0,c,R3\n2026-12-01,5,d,\n"
    with pytest.raises(CsvError) as caught:
        parse_credits(text, source="x.csv", lang="en")
    assert [(p.line, p.column) for p in caught.value.problems] == [
        (3, "time"),
        (4, "amount"),
        (5, "reference"),
    ]
    assert caught.value.code == "credits"


def test_a_file_without_the_columns_says_which():
    with pytest.raises(CsvError, match="time, description, reference, amount"):
        parse_credits("a,b\n1,2\n", source="x.csv", lang="en")
    with pytest.raises(UsageError):
        parse_map("when=Ngày")


def test_xlsx(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from datetime import datetime

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Time", "Amount", "Description", "Reference"])
    sheet.append([datetime(2026, 12, 2, 8, 15), 50000, "CDBA012612U", "FT1"])
    data = io.BytesIO()
    book.save(data)
    (tmp_path / "c.xlsx").write_bytes(data.getvalue())
    [credit] = read_credits(tmp_path / "c.xlsx")
    assert (credit.time, credit.amount) == ("2026-12-02T08:15:00+07:00", 50000)


def test_webhooks_list_out_and_bad_items():
    text = (
        '[{"transactionDate": "2026-12-02 08:00:00", "transferAmount": 5000, "transferType": "out",'
        ' "content": "x", "referenceCode": "R1", "code": "CDBA012612U"},'
        ' {"transactionDate": "bad", "transferAmount": -1, "transferType": "sideways"}]'
    )
    with pytest.raises(CsvError) as caught:
        parse_webhooks(text, source="h.json")
    assert {p.column for p in caught.value.problems} == {
        "transactionDate",
        "transferAmount",
        "transferType",
        "referenceCode",
    }
    [credit] = parse_webhooks(text.split("}, {")[0] + "}]", source="h.json")
    assert credit.amount == -5000 and credit.description == "x CDBA012612U"
