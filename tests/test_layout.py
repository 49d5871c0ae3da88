"""cashless.stalls.layout: one card geometry and one text fitter, whatever measures the text."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from cashless.errors import LayoutError
from cashless.stalls.layout import (
    CARD_LAYOUT,
    CARD_MM,
    EDGE_MM,
    FOOTER_MM,
    LAYOUTS,
    PAGE_MM,
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
    TextLine("Chợ Điện Biên", True, 8),
    TextLine("Quầy A01", True, 15),
    TextLine("Rau sạch", True, 10),
    TextLine("Nguyễn Thị Trâm", False, 10),
    TextLine("Quét mã VietQR để thanh toán", False, 7.5),
]


def test_the_card_is_a_cell_of_the_default_grid_above_the_footer() -> None:
    assert CARD_LAYOUT is LAYOUTS["2x4"]
    assert CARD_MM == (105.0, 70.75)
    for layout in LAYOUTS.values():
        card_w, card_h = layout.card_mm
        assert card_w * layout.cols == PAGE_MM[0]
        assert card_h * layout.rows + FOOTER_MM == PAGE_MM[1]
        assert layout.origin(layout.per_page - 1) == (
            (layout.cols - 1) * card_w,
            (layout.rows - 1) * card_h,
        )


@pytest.mark.parametrize("name", list(LAYOUTS))
@pytest.mark.parametrize("repeat", [1, 6])
def test_everything_stays_inside_the_card_and_off_the_quiet_zone(name: str, repeat: int) -> None:
    layout = LAYOUTS[name]
    lines = [TextLine(" ".join([line.text] * repeat), line.bold, line.size_pt) for line in LINES]
    origin = layout.origin(layout.per_page - 1)
    plan = plan_card(layout, lines, monospace, modules=41, quiet_modules=4, origin=origin)
    card_w, card_h = layout.card_mm
    quiet = 4 * plan.module_mm
    left, top = origin
    # the code keeps 5 mm from the cut; its quiet zone stays on the card
    assert left + EDGE_MM <= plan.qr_x and plan.qr_x + plan.qr_mm <= left + card_w - EDGE_MM
    assert top + EDGE_MM <= plan.qr_y and plan.qr_y + plan.qr_mm <= top + card_h - EDGE_MM
    assert left <= plan.qr_x - quiet and plan.qr_x + plan.qr_mm + quiet <= left + card_w
    assert top <= plan.qr_y - quiet and plan.qr_y + plan.qr_mm + quiet <= top + card_h
    assert (
        " ".join(line.text for line in plan.lines).split()
        == " ".join(line.text for line in lines).split()
    )
    for line in plan.lines:
        width = monospace(line.text, line.bold, line.pt)
        assert left + EDGE_MM <= line.x and line.x + width <= left + card_w - EDGE_MM + 1e-9
        assert line.baseline <= top + card_h - EDGE_MM
        if layout.stacked:  # centred under the code
            assert line.baseline > plan.qr_y + plan.qr_mm + quiet
            assert line.x - left == pytest.approx(card_w - (line.x - left) - width)
        else:  # beside the code, clear of its quiet zone
            assert line.x >= plan.qr_x + plan.qr_mm + quiet


def test_long_text_shrinks_the_block_but_short_text_keeps_its_size() -> None:
    short = plan_card(CARD_LAYOUT, LINES, monospace, modules=41, quiet_modules=4)
    assert [line.pt for line in short.lines] == [line.size_pt for line in LINES]
    crowded = [TextLine(" ".join([line.text] * 6), line.bold, line.size_pt) for line in LINES]
    small = plan_card(CARD_LAYOUT, crowded, monospace, modules=41, quiet_modules=4)
    assert max(line.pt for line in small.lines) < 15 * 0.9


def test_a_code_that_does_not_fit_is_a_layout_error() -> None:
    with pytest.raises(
        LayoutError, match=r"a 70 mm QR code .* does not fit a 105 x 70\.75 mm card"
    ):
        plan_card(CARD_LAYOUT, LINES, monospace, modules=41, quiet_modules=4, qr_mm=70)


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
