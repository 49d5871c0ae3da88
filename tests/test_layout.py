"""cashless.stalls.layout: one card geometry and one text fitter, whatever measures the text."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from cashless.errors import LayoutError, UsageError
from cashless.stalls.layout import (
    A7_MM,
    CARD_GRID,
    CARD_MM,
    EDGE_MM,
    FOOTER_MM,
    LAYOUTS,
    MIN_TEXT_PT,
    PAPERS,
    PT_MM,
    TextLine,
    fit_block,
    fit_size,
    plan_card,
    wrap,
)


def monospace(text: str, bold: bool, size_pt: float) -> float:
    """Half an em per character, a little more in bold: a stand-in for a real font."""
    return len(text) * size_pt * PT_MM * (0.55 if bold else 0.5)


LINES = [
    TextLine("Chợ Điện Biên", True, 9, drop=2),
    TextLine("Quầy A01", True, 16),
    TextLine("Rau sạch", True, 11),
    TextLine("Nguyễn Thị Trâm", False, 10),
    TextLine("NGUYEN THI TRAM", False, 9),
    TextLine("0011 0012 3456 7", True, 13),
    TextLine("Quét bằng app ngân hàng bất kỳ", False, 9, drop=3),
]
TOO_SMALL = {("2x4", "A6"), ("2x2", "A6")}
GRIDS = [(name, paper) for name in LAYOUTS for paper in PAPERS if (name, paper) not in TOO_SMALL]


def test_the_single_card_is_a7_and_grids_fill_the_page_above_the_footer() -> None:
    assert CARD_MM == A7_MM == (105.0, 74.0)
    assert CARD_GRID.card_mm == A7_MM
    assert LAYOUTS["2x4"].grid("A4").card_mm == (105.0, 70.75)
    for name, paper in GRIDS:
        grid = LAYOUTS[name].grid(paper)
        page_w, page_h = PAPERS[grid.paper]
        card_w, card_h = grid.card_mm
        layout = grid.layout
        if layout.card is None:
            assert card_w * layout.cols == pytest.approx(page_w)
            assert card_h * layout.rows + FOOTER_MM == pytest.approx(page_h)
        assert grid.origin(grid.per_page - 1) == (
            (layout.cols - 1) * card_w,
            (layout.rows - 1) * card_h,
        )
    assert LAYOUTS["placard"].grid("a5").paper == "A5"
    with pytest.raises(UsageError, match="A4, A5, A6, Letter"):
        LAYOUTS["2x4"].grid("B5")
    for name, paper in TOO_SMALL:
        with pytest.raises(UsageError, match="too small"):
            LAYOUTS[name].grid(paper)


@pytest.mark.parametrize(("name", "paper"), GRIDS)
@pytest.mark.parametrize("repeat", [1, 4])
def test_everything_stays_inside_the_card_and_off_the_quiet_zones(
    name: str, paper: str, repeat: int
) -> None:
    grid = LAYOUTS[name].grid(paper)
    if repeat > 1 and (grid.card_mm[0] < A7_MM[0] or grid.card_mm[1] < 70):
        pytest.skip("cards smaller than A7 are for short texts (the sheet warns otherwise)")
    lines = [TextLine(" ".join([line.text] * repeat), *line[1:]) for line in LINES]
    origin = grid.origin(grid.per_page - 1)
    plan = plan_card(
        grid, lines, monospace, modules=41, quiet_modules=4, origin=origin, card_code=True
    )
    card_w, card_h = grid.card_mm
    quiet = 4 * plan.module_mm
    left, top = origin
    # the code keeps 5 mm from the cut; its quiet zone stays on the card
    assert left + EDGE_MM <= plan.qr_x and plan.qr_x + plan.qr_mm <= left + card_w - EDGE_MM
    assert top + EDGE_MM <= plan.qr_y and plan.qr_y + plan.qr_mm <= top + card_h - EDGE_MM
    assert left <= plan.qr_x - quiet and plan.qr_x + plan.qr_mm + quiet <= left + card_w
    assert top <= plan.qr_y - quiet and plan.qr_y + plan.qr_mm + quiet <= top + card_h
    box = plan.card_code
    assert box is not None
    assert box.x + box.w <= left + card_w - EDGE_MM + 1e-9
    assert box.y + box.h <= top + card_h - EDGE_MM + 1e-9
    # the card code is clear of the payment code and its quiet zone
    assert box.x >= plan.qr_x + plan.qr_mm + quiet or box.y >= plan.qr_y + plan.qr_mm + quiet
    if repeat == 1 and card_w >= A7_MM[0] and card_h >= 70:
        assert min(line.pt for line in plan.lines) >= MIN_TEXT_PT
    for line in plan.lines:
        width = monospace(line.text, line.bold, line.pt)
        assert left + EDGE_MM <= line.x + 1e-9
        assert line.x + width <= left + card_w - EDGE_MM + 1e-9 or " " not in line.text
        assert line.baseline <= top + card_h - EDGE_MM
        # no line runs into the card code
        if line.baseline > box.y:
            assert line.x + width <= box.x + 1e-9 or " " not in line.text
        if grid.stacked:  # centred under the code
            assert line.baseline > plan.qr_y + plan.qr_mm + quiet * 0.6
        else:  # beside the code, clear of its quiet zone
            assert line.x >= plan.qr_x + plan.qr_mm + quiet


def test_placards_carry_a_70_to_100_mm_code() -> None:
    for paper in PAPERS:
        plan = plan_card(
            LAYOUTS["placard"].grid(paper), LINES, monospace, modules=41, quiet_modules=4
        )
        assert 70 <= plan.qr_mm <= 100, paper


def test_crowded_text_drops_optional_lines_then_shrinks_but_short_text_keeps_its_size() -> None:
    short = plan_card(CARD_GRID, LINES[1:4], monospace, modules=41, quiet_modules=4)
    assert [line.pt for line in short.lines] == [line.size_pt for line in LINES[1:4]]
    crowded = [TextLine(" ".join([line.text] * 3), *line[1:]) for line in LINES]
    small = plan_card(CARD_GRID, crowded, monospace, modules=41, quiet_modules=4)
    texts = " ".join(line.text for line in small.lines)
    assert "Quét" not in texts and "Quầy" in texts
    assert small.lines[-1].baseline <= A7_MM[1] - EDGE_MM


def test_a_code_that_does_not_fit_is_a_layout_error() -> None:
    with pytest.raises(LayoutError, match=r"a 80 mm QR code .* does not fit a 105 x 74 mm card"):
        plan_card(CARD_GRID, LINES, monospace, modules=41, quiet_modules=4, qr_mm=80)


def test_fitter_parts_agree_with_any_measure() -> None:
    assert fit_size("abc", False, 10, 1000, monospace, floor_pt=7) == 10
    assert fit_size("abc" * 100, False, 10, 10, monospace, floor_pt=7) == 7
    assert wrap("", False, 10, 5, monospace) == [""]
    assert wrap("một-từ-rất-dài", False, 10, 1, monospace) == ["một-từ-rất-dài"]
    block = fit_block(LINES, monospace, left=0, right=200, top=0, bottom=1000)
    assert [line.text for line in block] == [line.text for line in LINES]
    assert all(a.baseline < b.baseline for a, b in itertools.pairwise(block))


def test_layout_imports_no_drawing_library() -> None:
    code = (
        "import sys, cashless.stalls.layout; "
        "print(sorted({'fpdf', 'PIL', 'segno', 'fontTools', 'matplotlib'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
