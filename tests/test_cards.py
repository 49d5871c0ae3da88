"""One stall's A7 card as PNG, SVG or PDF: the sheet's 1x1 card, line for line, and it scans."""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from cashless.cli import main
from cashless.errors import LayoutError, OutputError, UsageError
from cashless.stalls.card import card_plan, card_png, card_svg, write_card
from cashless.stalls.layout import CARD_MM, PT_MM, card_lines
from cashless.stalls.registry import load_registry
from cashless.stalls.sheet import render_sheet

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = load_registry(ROOT / "examples" / "stalls.csv")


@pytest.mark.parametrize("stall_id", ["A01", "A02"])
def test_png_card_decodes_to_the_stall_payload(stall_id: str) -> None:
    stall = REGISTRY[stall_id]
    image = card_png(stall, market="Chợ Điện Biên", dpi=150)
    assert image.size == (620, 437)  # 105 x 74 mm (A7) at 150 dpi
    (found,) = zxingcpp.read_barcodes(image)
    assert found.text == stall.payload and found.ec_level == "M"


def test_svg_card_carries_every_line_and_the_symbol() -> None:
    stall = REGISTRY["A01"]
    svg = card_svg(stall, market="Chợ Điện Biên")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    expected = [line.text for line in card_lines(stall, "Chợ Điện Biên")]
    assert " ".join(texts) == " ".join(expected)  # wrapping may split a line, never drop one
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)
    assert root.get("width") == "105mm" and root.get("height") == "74mm"
    (path,) = root.iter(f"{ns}path")
    assert path.get("d").count("z") > 100


def test_write_card_by_suffix_and_refuses_other_kinds(tmp_path: Path) -> None:
    stall = REGISTRY["A01"]
    png = write_card(stall, tmp_path / "a01.png", dpi=100)
    with Image.open(png) as image:
        assert image.size == (413, 291)
    assert write_card(stall, tmp_path / "a01.svg").read_text().startswith("<svg")
    assert write_card(stall, tmp_path / "a01.pdf").read_bytes().startswith(b"%PDF-")
    with pytest.raises(OutputError, match=r"\.png, \.svg, \.pdf, not \.jpg"):
        write_card(stall, tmp_path / "a01.jpg")
    with pytest.raises(UsageError, match="dpi must be a whole number from 50 to 1200"):
        write_card(stall, tmp_path / "a02.png", dpi=0)
    with pytest.raises(OutputError, match=r"does not exist|cannot write"):
        write_card(stall, tmp_path / "no" / "such" / "a01.svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a01.pdf", "a01.png", "a01.svg"]


def test_font_without_vietnamese_is_refused(tmp_path: Path) -> None:
    import matplotlib

    plain = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "cmr10.ttf"
    with pytest.raises(LayoutError, match=r"cmr10\.ttf: font has no glyph for"):
        write_card(REGISTRY["A01"], tmp_path / "a.png", font=plain)
    assert not (tmp_path / "a.png").exists()


MARKET = "Chợ Điện Biên"


@pytest.mark.parametrize("stall_id", ["A01", "A02", "A05"])
def test_the_card_is_the_sheets_first_card(stall_id: str) -> None:
    # the sheet's first card sits at the page's top-left corner, so page and card
    # coordinates agree; the two renderers measure text with fpdf2 and Pillow
    stall = REGISTRY[stall_id]
    (on_sheet,) = render_sheet([stall], market=MARKET, layout="1x1").cards
    alone = card_plan(stall, market=MARKET)
    assert (alone.qr_x, alone.qr_y, alone.qr_mm) == (on_sheet.x, on_sheet.y, on_sheet.size_mm)
    assert alone.module_mm == on_sheet.module_mm
    assert [(line.text, line.bold) for line in alone.lines] == [
        (line.text, line.bold) for line in on_sheet.lines
    ]
    for mine, theirs in zip(alone.lines, on_sheet.lines, strict=True):
        assert mine.x == pytest.approx(theirs.x, abs=0.01)
        assert mine.baseline == pytest.approx(theirs.baseline, abs=0.01)
        assert mine.pt == pytest.approx(theirs.pt, abs=0.01)


def test_svg_text_sits_where_the_pdf_prints_it() -> None:
    stall = REGISTRY["A01"]
    svg = ET.fromstring(card_svg(stall, market=MARKET))
    ns = "{http://www.w3.org/2000/svg}"
    placed = [
        (t.text, float(t.get("x")), float(t.get("y")), float(t.get("font-size")))
        for t in svg.iter(f"{ns}text")
    ]
    doc = pdfium.PdfDocument(render_sheet([stall], market=MARKET, layout="1x1").data)
    try:
        page = doc[0]
        _, page_height = page.get_size()
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())]
        textpage.close()
    finally:
        doc.close()
    mm = 72 / 25.4
    for line, x, baseline, size in placed:
        start = text.find(line)
        assert start >= 0, line
        left, bottom, _right, top = boxes[start]
        assert left / mm == pytest.approx(x, abs=0.6)  # a glyph's ink starts past its origin
        assert (page_height - bottom) / mm == pytest.approx(baseline, abs=0.6 + size * 0.3)
        assert (page_height - top) / mm < baseline
    assert CARD_MM == (105.0, 74.0)
    assert all(
        size == pytest.approx(pt * PT_MM, abs=1e-3)
        for (*_, size), pt in zip(
            placed, [line.pt for line in card_plan(stall, market=MARKET).lines], strict=True
        )
    )


def test_cli_card_and_qr_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = str(ROOT / "examples" / "stalls.csv")
    assert main(["card", csv, "A01", "-o", str(tmp_path / "c.png"), "--dpi", "120"]) == 0
    assert "card of stall A01" in capsys.readouterr().out
    assert main(["card", csv, "A01", "-o", str(tmp_path / "q.pdf"), "--qr-only"]) == 0
    assert (tmp_path / "q.pdf").read_bytes()[:5] == b"%PDF-"
    assert main(["card", csv, "A01", "-o", str(tmp_path / "c.pdf")]) == 0
    assert main(["card", csv, "A01", "-o", str(tmp_path / "c.jpg")]) == 1
    error = capsys.readouterr().err
    assert "c.jpg" in error and ".svg" in error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pdf", "c.png", "q.pdf"]
