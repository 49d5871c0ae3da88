"""Issue 12 acceptance: an office's Excel file in, cards for real walls out.

Rendered pages are rasterised (pypdfium2) and every code is decoded with zxing-cpp.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl")
pdfium = pytest.importorskip("pypdfium2")
zxingcpp = pytest.importorskip("zxingcpp")

from cashless.cli import main  # noqa: E402
from cashless.stalls.layout import MIN_TEXT_PT  # noqa: E402
from cashless.stalls.registry import load_registry  # noqa: E402

HEADER = ["Số quầy", "Tên quầy", "Chủ tài khoản", "Ngân hàng", "Số tài khoản", "Số tiền", None]
ROWS = [
    ["Quầy a01", "Cá tươi", "Nguyễn Thị Hoàng Phương Thảo", "BVBank", "1010 2020 3030", "50.000đ"],
    ["A02", "Rau", "Trần Văn Nam", "MBV", "0123456789", None],
    ["A03", "Thịt", "Lê Thị Lan", "Vikki", "99887766", "50,000 VND"],
    ["A04", "Gạo", "Phạm Văn Bình", "Ngân hàng Á Châu", "123456789", None],
]


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASHLESS_LANG", "en")


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    sheet.append([None] * 7)  # an empty row Excel leaves behind
    book.save(path)
    return path


def decode_pages(pdf: Path, dpi: int = 200) -> list[list[str]]:
    document = pdfium.PdfDocument(str(pdf))
    pages = []
    for page in document:
        image = page.render(scale=dpi / 72).to_pil()
        found = zxingcpp.read_barcodes(image)
        pages.append(sorted(code.text for code in found))
    return pages


def test_office_workbook_prints_with_a_note_for_every_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = workbook(tmp_path / "quay.xlsx", ROWS)
    registry = load_registry(source)
    a01 = registry["A01"]
    assert (a01.account, a01.amount, a01.merchant_name) == (
        "101020203030",
        50000,
        "NGUYEN T H P THAO",
    )
    assert [s.bank.bin for s in registry] == ["970454", "970414", "970406", "970416"]
    noted = {(note.line, note.column) for note in registry.notes}
    assert {
        (2, "Số quầy"),
        (2, "Ngân hàng"),
        (2, "Số tài khoản"),
        (2, "Số tiền"),
        (2, "Chủ tài khoản"),
        (3, "Ngân hàng"),
        (4, "Ngân hàng"),
        (4, "Số tiền"),
        (5, "Ngân hàng"),
    } <= noted
    out = tmp_path / "cards.pdf"
    assert main(["sheet", str(source), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "NGUYEN T H P THAO" in err and "'1010 2020 3030' read as 101020203030" in err
    assert out.read_bytes().startswith(b"%PDF")
    (codes,) = decode_pages(out)
    assert codes == sorted(s.payload for s in registry)


def test_excel_number_account_is_refused_unless_skip_bad(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = workbook(
        tmp_path / "bad.xlsx", [*ROWS, ["A05", "Trứng", "Đỗ An", "VCB", 12345678901234]]
    )
    out = tmp_path / "bad.pdf"
    assert main(["sheet", str(source), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "line 6, Số tài khoản" in err and "format the column as Text" in err
    assert not out.exists()
    assert main(["sheet", str(source), "-o", str(out), "--skip-bad", "--lang", "vi"]) == 0
    assert "Excel đã đổi số tài khoản thành số: định dạng cột là Text rồi nhập lại" in (
        capsys.readouterr().err
    )
    assert out.exists()


def test_csv_scientific_account_is_explained(tmp_path: Path) -> None:
    from cashless.errors import RegistryError
    from cashless.stalls.registry import parse_registry

    text = "Số quầy;Tên quầy;Chủ tài khoản;Ngân hàng;Số tài khoản\nA01;Rau;Lan;VCB;1.23457E+13\n"
    with pytest.raises(RegistryError) as caught:
        parse_registry(text.encode("utf-8-sig"), lang="vi")
    (problem,) = caught.value.problems
    assert problem.column == "Số tài khoản" and "Excel đã đổi" in problem.reason


def test_a5_placards_of_two_stalls_with_a_manifest(tmp_path: Path) -> None:
    source = workbook(tmp_path / "quay.xlsx", ROWS)
    out = tmp_path / "p.pdf"
    argv = ["sheet", str(source), "--paper", "A5", "--layout", "placard", "--stalls", "A01,A02"]
    assert main([*argv, "-o", str(out)]) == 0
    document = pdfium.PdfDocument(str(out))
    assert len(document) == 2
    width, height = document[0].get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (148, 210)
    with open(tmp_path / "p-manifest.csv", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [(r["stall"], r["page"], r["slot"]) for r in rows] == [
        ("A01", "1", "1"),
        ("A02", "2", "1"),
    ]
    registry = load_registry(source)
    assert [r["payload"] for r in rows] == [registry["A01"].payload, registry["A02"].payload]
    assert decode_pages(out, dpi=100) == [[registry["A01"].payload], [registry["A02"].payload]]
    assert b"/PrintScaling /None" in out.read_bytes()


def test_placard_code_is_70_to_100_mm_on_a5_and_a6() -> None:
    from cashless.stalls.sheet import render_sheet

    stalls = list(load_registry("examples/stalls.csv"))[:2]
    for paper in ("A5", "A6"):
        sheet = render_sheet(stalls, layout="placard", paper=paper)
        assert all(70 <= card.size_mm <= 100 for card in sheet.cards), paper


def test_true_size_card_pdf(tmp_path: Path) -> None:
    out = tmp_path / "a.pdf"
    assert main(["card", "examples/stalls.csv", "A01", "-o", str(out)]) == 0
    data = out.read_bytes()
    assert b"/PrintScaling /None" in data
    page = pdfium.PdfDocument(str(out))[0]
    width, height = page.get_size()
    assert round(width / 72 * 25.4) == 105 and round(height / 72 * 25.4) == 74 + 14


def test_start_slot_and_wrong_suffix(tmp_path: Path) -> None:
    from cashless.stalls.sheet import render_sheet

    stalls = list(load_registry("examples/stalls.csv"))[:3]
    sheet = render_sheet(stalls, start=7)
    assert [(c.page, c.slot) for c in sheet.cards] == [(1, 7), (1, 8), (2, 1)]
    assert main(["sheet", "examples/stalls.csv", "-o", str(tmp_path / "x.png")]) == 1
    assert main(["card", "examples/stalls.csv", "A01", "-o", str(tmp_path / "x.jpg")]) == 1


def test_no_text_under_9_pt_on_an_a7_card_and_card_code_clear_of_the_payment_code() -> None:
    from cashless.stalls.card import card_plan

    registry = load_registry("examples/stalls.csv")
    for stall in registry:
        plan = card_plan(stall, market="Chợ Điện Biên Phủ")
        assert min(line.pt for line in plan.lines) >= MIN_TEXT_PT
        assert plan.lines[-1].baseline <= 74 - 5
    from cashless.stalls.layout import CARD_GRID, plan_card

    plan = plan_card(
        CARD_GRID, [], lambda t, b, pt: 1.0, modules=41, quiet_modules=4, card_code=True
    )
    assert plan.card_code is not None
    # a sticker pasted over the payment code (with its quiet zone) does not reach the card code
    assert plan.card_code.x > plan.qr_x + plan.qr_mm + 4 * plan.module_mm + 5


def test_card_codes_are_drawn_as_micro_qr_and_decode(tmp_path: Path) -> None:
    from cashless.stalls.card import card_png
    from cashless.stalls.sheet import render_sheet

    stalls = list(load_registry("examples/stalls.csv"))[:4]
    codes = {s.stall_id: f"CDB:{s.stall_id}:ABCDEFGH" for s in stalls}
    out = tmp_path / "s.pdf"
    render_sheet(stalls, card_codes=codes).save(out)
    (found,) = decode_pages(out, dpi=300)
    assert sorted(found) == sorted([*codes.values(), *(s.payload for s in stalls)])
    image = card_png(stalls[0], card_code=codes[stalls[0].stall_id], dpi=300)
    texts = {code.text for code in zxingcpp.read_barcodes(image)}
    assert texts == {stalls[0].payload, codes[stalls[0].stall_id]}


def test_template_has_headers_bank_list_and_reads_back(tmp_path: Path) -> None:
    out = tmp_path / "mau.xlsx"
    assert main(["template", "-o", str(out), "--lang", "vi"]) == 0
    book = openpyxl.load_workbook(out)
    table = book.worksheets[0]
    assert [c.value for c in table[1]][:5] == HEADER[:5]
    assert table.data_validations.dataValidation
    assert table.cell(row=2, column=5).number_format == "@"
    table.append(["B07", "Cá", "Lê Lan", "Vietcom", "0011001234567"])
    book.save(out)
    (stall,) = load_registry(out)
    assert (stall.stall_id, stall.bank.short_name) == ("B07", "Vietcombank")


def test_skip_bad_judges_a_duplicate_of_a_skipped_row_on_its_own() -> None:
    from cashless.stalls.registry import parse_registry

    text = "stall_id,stall_name,vendor_name,bank,account\nB02,Rau,Lan,NOSUCH,1\nB02,Rau,Lan,VCB,1\n"
    registry = parse_registry(text, skip_bad=True)
    assert [s.line for s in registry] == [3]
    assert [p.line for p in registry.problems] == [2]


def test_sheet_and_card_from_a_market_database_carry_card_codes(tmp_path: Path) -> None:
    pytest.importorskip("sqlalchemy")
    from cashless.stalls.market import init_market, open_market

    with init_market(tmp_path / "market.db", "examples/stalls.csv", market_id="CDB"):
        pass
    with open_market(str(tmp_path / "market.db")) as market:
        codes = market.card_codes()
        registry = market.registry()
    out = tmp_path / "db.pdf"
    argv = ["sheet", "--db", str(tmp_path / "market.db"), "--stalls", "A01,A02,b03"]
    assert main([*argv, "-o", str(out)]) == 0
    with open(tmp_path / "db-manifest.csv", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [(r["stall"], r["card_code"]) for r in rows] == [
        (stall_id, codes[stall_id]) for stall_id in ("A01", "A02", "B03")
    ]
    (found,) = decode_pages(out, dpi=300)
    wanted = [
        *(codes[s] for s in ("A01", "A02", "B03")),
        *(registry[s].payload for s in ("A01", "A02", "B03")),
    ]
    assert sorted(found) == sorted(wanted)
    card = tmp_path / "a01.png"
    assert main(["card", "--db", str(tmp_path / "market.db"), "A01", "-o", str(card)]) == 0
    from PIL import Image

    texts = {code.text for code in zxingcpp.read_barcodes(Image.open(card))}
    assert texts == {registry["A01"].payload, codes["A01"]}
    # the card code is a Micro QR, which bank apps (QR readers) do not take for a payment
    kinds = {code.text: code.format for code in zxingcpp.read_barcodes(Image.open(card))}
    assert kinds[codes["A01"]] == zxingcpp.BarcodeFormat.MicroQRCode
    assert kinds[registry["A01"].payload] == zxingcpp.BarcodeFormat.QRCode


def test_logo_is_printed_top_right_and_codes_still_decode(tmp_path: Path) -> None:
    from PIL import Image

    from cashless.stalls.card import card_plan, card_png
    from cashless.stalls.sheet import render_sheet

    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 200), (200, 30, 30)).save(logo)
    stall = load_registry("examples/stalls.csv")["A01"]
    image = card_png(stall, logo=logo, dpi=200)
    px = 200 / 25.4
    # the top-right corner (inside the 5 mm edge) is the logo's colour, made grey
    assert image.getpixel((round((105 - 8) * px), round(8 * px))) < 200
    assert {code.text for code in zxingcpp.read_barcodes(image)} == {stall.payload}
    plan = card_plan(stall)
    out = tmp_path / "logo.pdf"
    render_sheet([stall], logo=logo).save(out)
    assert decode_pages(out) == [[stall.payload]]
    assert plan.logo is None
    assert main(["sheet", "examples/stalls.csv", "-o", str(out), "--logo", str(tmp_path)]) == 1
