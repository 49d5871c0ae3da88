"""cashless.stalls.sheet: every card decodes to its payload, text is Vietnamese and searchable."""

from __future__ import annotations

import dataclasses
import gc
import re
import tracemalloc
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image

from cashless.errors import LayoutError, UsageError
from cashless.stalls.fonts import default_fonts, missing_glyphs
from cashless.stalls.layout import EDGE_MM as EDGE
from cashless.stalls.layout import LAYOUTS, SCAN_LINE, group_account
from cashless.stalls.registry import Registry, Stall, load_registry, parse_registry
from cashless.stalls.sheet import Sheet, render_sheet, write_sheet

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "stalls.csv"
MARKET = "Chợ Điện Biên"
DPI = 150
PX_PER_MM = DPI / 25.4


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(EXAMPLE)


@pytest.fixture(scope="module")
def sheet(registry: Registry) -> Sheet:
    return render_sheet(registry, market=MARKET)


@pytest.fixture(scope="module")
def document(sheet: Sheet):
    doc = pdfium.PdfDocument(sheet.data)
    yield doc
    doc.close()


def render(doc, index: int, dpi: int = DPI) -> Image.Image:
    return doc[index].render(scale=dpi / 72).to_pil().convert("L")


def page_text(doc, index: int) -> str:
    page = doc[index]
    textpage = page.get_textpage()
    try:
        return textpage.get_text_range()
    finally:
        textpage.close()


def test_every_card_decodes_to_its_stalls_payload(registry, sheet, document) -> None:
    assert sheet.pages == len(document) == 8
    stalls = {s.stall_id: s for s in registry}
    assert [c.stall_id for c in sheet.cards] == list(stalls)
    for page in range(sheet.pages):
        image = render(document, page)
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        cards = [c for c in sheet.cards if c.page == page + 1]
        assert len(found) == len(cards)
        for card in cards:
            # the barcode whose centre lies inside this card's symbol
            cx = (card.x + card.size_mm / 2) * PX_PER_MM
            cy = (card.y + card.size_mm / 2) * PX_PER_MM
            (barcode,) = [
                b
                for b in found
                if abs((b.position.top_left.x + b.position.bottom_right.x) / 2 - cx) < 20
                and abs((b.position.top_left.y + b.position.bottom_right.y) / 2 - cy) < 20
            ]
            assert barcode.text == stalls[card.stall_id].payload
            assert barcode.ec_level == card.error == "M"
            assert barcode.extra["Version"] == str(card.version)
            assert card.version <= 6  # mixed segments; byte mode would need V8
            assert card.module_mm >= 0.8


def test_cards_are_50_mm_and_sheet_has_no_warning(sheet) -> None:
    assert {c.size_mm for c in sheet.cards} == {50.0}
    assert sheet.warnings == ()


def test_text_is_searchable_nfc_vietnamese(registry, sheet, document) -> None:
    text = " ".join(unicodedata.normalize("NFC", page_text(document, 0)).split())
    for stall in list(registry)[:8]:
        for value in (
            stall.vendor_name,
            stall.stall_name,
            stall.bank.short_name,
            group_account(stall.account),
            stall.bank_app_name,
            stall.check_code,
            f"Quầy {stall.stall_id}",
        ):
            assert value in text
    assert SCAN_LINE in text and MARKET in text
    assert "50 mm" in text
    assert "Cảnh báo" not in text


def test_font_covers_every_character_printed(registry, document) -> None:
    # Everything the PDF says it draws (via its ToUnicode maps), plus the source
    # strings, must be in the cmap of both faces used.
    printed = "".join(page_text(document, i) for i in range(len(document)))
    source = "".join(s.vendor_name + s.stall_name + s.bank.short_name for s in registry)
    wanted = {c for c in printed + source + SCAN_LINE + MARKET if not c.isspace()}
    assert {"ợ", "Đ", "ễ", "ầ", "ị", "ữ", "ư"} <= wanted
    for path in default_fonts():
        with TTFont(path, lazy=True) as face:
            cmap = face.getBestCmap()
        assert {c for c in wanted if ord(c) not in cmap} == set()
        assert missing_glyphs("".join(wanted), path) == []


def test_a_font_without_vietnamese_is_refused(registry, tmp_path) -> None:
    regular, _ = default_fonts()
    latin_only = regular.parent / "cmr10.ttf"
    assert "ợ" in missing_glyphs("Chợ", latin_only)
    target = tmp_path / "out.pdf"
    with pytest.raises(
        LayoutError, match=r"cmr10\.ttf: font has no glyph for '·' \(U\+00B7\)"
    ) as info:
        write_sheet(registry, target, market=MARKET, font=latin_only)
    assert info.value.source == str(latin_only)
    assert "'ợ'" not in str(info.value) and " more; choose a font that has them" in str(info.value)
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_any_ttf_can_be_given(registry) -> None:
    regular, _ = default_fonts()
    serif = regular.parent / "DejaVuSerif.ttf"
    sheet = render_sheet(list(registry)[:2], font=serif)
    doc = pdfium.PdfDocument(sheet.data)
    try:
        assert "Quầy A01" in unicodedata.normalize("NFC", page_text(doc, 0))
    finally:
        doc.close()


def test_nothing_printed_within_5_mm_of_the_edge(document) -> None:
    image = render(document, 0)
    margin = int(EDGE * PX_PER_MM) - 1
    width, height = image.size
    for box in (
        (0, 0, width, margin),
        (0, height - margin, width, height),
        (0, 0, margin, height),
        (width - margin, 0, width, height),
    ):
        assert image.crop(box).getextrema() == (255, 255), box


def test_scale_bar_is_50_mm(document) -> None:
    dpi = 300
    image = render(document, 0, dpi=dpi)
    footer = image.crop((0, int(280 * dpi / 25.4), image.width, image.height))
    dark = footer.point(lambda v: 0 if v < 128 else 255).tobytes()
    rows = [dark[y * footer.width : (y + 1) * footer.width] for y in range(footer.height)]
    longest = max(len(m.group()) for row in rows for m in re.finditer(b"\x00+", row))
    # ink = 50 mm between tick centres plus one 0.3 mm line width
    assert abs(longest - 50.3 * dpi / 25.4) <= 2


@pytest.mark.parametrize(("layout", "per_page", "size"), [("2x2", 4, 70.0), ("1x2", 2, 100.0)])
def test_larger_layouts_decode(registry, layout: str, per_page: int, size: float) -> None:
    stalls = list(registry)[:per_page]
    sheet = render_sheet(stalls, layout=layout, market=MARKET)
    assert sheet.pages == 1 and {c.size_mm for c in sheet.cards} == {size}
    doc = pdfium.PdfDocument(sheet.data)
    try:
        found = zxingcpp.read_barcodes(render(doc, 0, dpi=100))
    finally:
        doc.close()
    assert sorted(b.text for b in found) == sorted(s.payload for s in stalls)
    assert LAYOUTS[layout].cols * LAYOUTS[layout].rows == per_page


def test_small_modules_print_a_warning(registry) -> None:
    stalls = list(registry)[:8]
    sheet = render_sheet(stalls, error="H", qr_mm=40)
    assert min(c.module_mm for c in sheet.cards) < 0.8
    (warning,) = sheet.warnings
    assert warning.startswith("Cảnh báo: ô mã QR chỉ 0,")
    doc = pdfium.PdfDocument(sheet.data)
    try:
        assert warning in unicodedata.normalize("NFC", page_text(doc, 0))
        found = zxingcpp.read_barcodes(render(doc, 0))
    finally:
        doc.close()
    assert {b.ec_level for b in found} == {"H"} and len(found) == 8


def test_single_byte_mode_switch_gives_larger_versions(registry) -> None:
    stalls = [s for s in registry if s.purpose][:2]
    mixed = render_sheet(stalls)
    single = render_sheet(stalls, mixed=False)
    for a, b in zip(mixed.cards, single.cards, strict=True):
        assert a.version < b.version


def test_write_sheet_is_atomic_and_returns_path(registry, tmp_path) -> None:
    target = tmp_path / "stalls.pdf"
    target.write_bytes(b"old")
    assert write_sheet(list(registry)[:3], target, market=MARKET) == target
    assert target.read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stalls-manifest.csv", "stalls.pdf"]
    manifest = (tmp_path / "stalls-manifest.csv").read_text(encoding="utf-8").splitlines()
    assert manifest[0] == "stall,payload,check_code,card_code,page,slot" and len(manifest) == 4
    target.write_bytes(b"old")
    with pytest.raises(UsageError, match="layout must be one of 2x4, 2x2, 1x2, 1x1, placard"):
        write_sheet(list(registry)[:3], target, layout="3x3")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stalls-manifest.csv", "stalls.pdf"]


def test_bad_inputs() -> None:
    with pytest.raises(UsageError, match="no stalls"):
        render_sheet([])
    stalls = parse_registry("stall_id,stall_name,vendor_name,bank,account\nX,Y,Z,VCB,1\n")
    with pytest.raises(LayoutError, match="does not fit"):
        render_sheet(stalls, qr_mm=80)
    for bad in (0, -5, float("nan"), "50"):
        with pytest.raises(UsageError, match="qr_mm"):
            render_sheet(stalls, qr_mm=bad)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="error"):
        render_sheet(stalls, error="Z")


def test_long_names_stay_inside_their_card() -> None:
    goods = (
        "hàng khô gia vị nước mắm mắm tôm miến dong măng khô mộc nhĩ nấm hương "
        "hạt tiêu quế hồi thảo quả rau củ quả tươi sống hằng ngày"
    )
    # about 20 wrapped lines at the smallest size: overflows a 70 mm card unless scaled
    long_row = f"Z01,Bán {goods} và {goods},Nguyễn Thị Thanh Hương,ICB,0123456789012345678\n"
    stalls = parse_registry("stall_id,stall_name,vendor_name,bank,account\n" + long_row)
    market = "Chợ Điện Biên, phường Điện Biên, thành phố Thanh Hóa"
    sheet = render_sheet(stalls, market=market)
    doc = pdfium.PdfDocument(sheet.data)
    try:
        page = doc[0]
        _, page_height = page.get_size()
        textpage = page.get_textpage()
        boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())]
        text = unicodedata.normalize("NFC", textpage.get_text_range())
        textpage.close()
    finally:
        doc.close()
    # the market line and then the stall name give way before anything shrinks under 9 pt
    assert "Nguyễn Thị Thanh" in text and "0123 4567 8901" in text
    assert "mắm tôm" in text or all(card.lines[0].pt >= 9 for card in sheet.cards)
    assert sheet.cards[0].check_code in text.replace("\r\n", " ")
    card_w, card_h = LAYOUTS["2x4"].card_mm
    mm = 72 / 25.4
    card_boxes = [b for b in boxes if (page_height - b[3]) / mm < 4 * card_h and b[2] > b[0]]
    assert card_boxes
    for left, bottom, right, _top in card_boxes:
        assert left / mm >= EDGE and right / mm <= card_w - EDGE + 0.01
        assert (page_height - bottom) / mm <= card_h - EDGE + 0.01


def test_a_file_that_is_not_a_font_is_a_layout_error(registry, tmp_path) -> None:
    bad = tmp_path / "font.ttf"
    bad.write_bytes(b"not a font")
    with pytest.raises(LayoutError, match="not a TrueType or OpenType font"):
        render_sheet(list(registry)[:1], font=bad)
    with pytest.raises(LayoutError, match="cannot read the font") as info:
        render_sheet(list(registry)[:1], font=tmp_path / "missing.ttf")
    assert info.value.source == str(tmp_path / "missing.ttf")


def _traced_peak(stalls: list[Stall]) -> tuple[int, int]:
    """Peak Python allocations while rendering ``stalls``, and the PDF's size.

    With the collector paused, fpdf2's own reference cycles (fonts, pages) stay until the
    end in every run alike, so the fixed part does not move with when a collection falls.
    """
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        sheet = render_sheet(stalls, market=MARKET)
        return tracemalloc.get_traced_memory()[1], len(sheet.data)
    finally:
        tracemalloc.stop()
        gc.enable()


def test_memory_grows_with_the_pdf_not_with_the_stall_count(registry) -> None:
    # Issue 12: a sheet's memory is a fixed part (fonts, fpdf2's writer) plus the PDF
    # itself. Four times the stalls may raise the peak by a few times the extra PDF bytes
    # (deflated pages, the PDF buffer, the cards), no more: with every page kept
    # uncompressed until the end and every card's placed lines as objects, the rise was
    # over 6 times.
    if tracemalloc.is_tracing():
        pytest.skip("tracemalloc is already tracing this process")
    base = list(registry)
    stalls = [
        dataclasses.replace(
            base[i % len(base)],
            stall_id=f"M{i:03d}",
            account=f"{int(base[i % len(base)].account) + i}",
        )
        for i in range(64)
    ]
    render_sheet(stalls[:1], market=MARKET)  # imports and caches, outside the measure
    small_peak, small_pdf = _traced_peak(stalls[:16])
    large_peak, large_pdf = _traced_peak(stalls)
    assert large_pdf > small_pdf
    assert large_peak - small_peak < 3.5 * (large_pdf - small_pdf), (
        f"peak rose {(large_peak - small_peak) / 1024:.0f} KB for "
        f"{(large_pdf - small_pdf) / 1024:.0f} KB more PDF"
    )


def test_the_default_fonts_are_found_without_importing_matplotlib() -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from cashless.stalls.fonts import default_fonts\n"
        "regular, bold = default_fonts()\n"
        "assert regular.is_file() and bold.is_file(), (regular, bold)\n"
        "print('matplotlib' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
