"""The stall card's geometry and text fitting: one truth for the sheet and the single card.

Pure arithmetic on millimetres (standard library only). A renderer passes a
:data:`Measure`, a function ``(text, bold, size_pt) -> width_mm``: the sheet plugs in
fpdf2's string width, the single card Pillow's, and both place the same lines at the
same positions.

Cards are cells of an A4 grid above a 14 mm footer (scale bar, page line, warnings).
An A7 card (105 x 74 mm, qr-print §4.5) would take 296 of the page's 297 mm and leave no
room for that footer, so a card of the default ``2x4`` layout is 105 x 70.75 mm
(:data:`CARD_MM`): A7's width, 3.25 mm shorter. The single card is that same card.

>>> CARD_MM
(105.0, 70.75)
>>> width = lambda text, bold, pt: len(text) * pt * 0.2  # any font: 0.2 mm per char and pt
>>> plan = plan_card(LAYOUTS["2x4"], [TextLine("Quầy A01", True, 15)], width,
...                  modules=41, quiet_modules=4)
>>> round(plan.qr_x, 2), round(plan.qr_y, 3), plan.lines[0].text, plan.lines[0].pt
(6.0, 10.375, 'Quầy A01', 15.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from cashless.errors import LayoutError
from cashless.payload.text import nfc

if TYPE_CHECKING:
    from cashless.stalls.registry import Stall

__all__ = [
    "CARD_LAYOUT",
    "CARD_MM",
    "EDGE_MM",
    "FOOTER_MM",
    "LAYOUTS",
    "MIN_MODULE_MM",
    "PAGE_MM",
    "PT_MM",
    "SCAN_LINE",
    "CardPlan",
    "Layout",
    "Measure",
    "PlacedLine",
    "TextLine",
    "card_lines",
    "fit_block",
    "fit_size",
    "plan_card",
    "wrap",
]

#: ``(text, bold, size_pt) -> width_mm`` of ``text`` set in the card's font.
Measure = Callable[[str, bool, float], float]

PAGE_MM = (210.0, 297.0)  # A4 portrait
EDGE_MM = 5.0  # home printers cannot print the outer 3-5 mm (qr-print §4.5)
FOOTER_MM = 14.0  # band under the cards: scale bar, page line, warnings
MIN_MODULE_MM = 0.8  # qr-print §4.1: >= 0.8 mm at arm's length
PT_MM = 25.4 / 72  # one typographic point in mm
SCAN_LINE = "Quét mã VietQR để thanh toán"

_LINE_GAP = 1.25  # line height, as a multiple of the type size
_SHRINK_STEP_PT = 0.25
_LINE_FLOOR = 0.7  # a line shrinks to 70 % of its size before it wraps
_BLOCK_FLOOR = 0.5  # the whole block shrinks to half its size at most
_BLOCK_STEP = 0.9
_QR_GAP_MM = 1.0  # beyond the edge margin or quiet zone, whichever is larger
_TEXT_GAP_MM = 1.5  # between the quiet zone and the text beside the code
_TEXT_RISE_MM = 1.5  # the text beside the code starts this far above the code's top


@dataclass(frozen=True)
class Layout:
    """Cards per A4 page (``cols`` x ``rows``), QR edge in mm, and a text scale."""

    name: str
    cols: int
    rows: int
    qr_mm: float
    text_scale: float

    @property
    def card_mm(self) -> tuple[float, float]:
        """Width and height of one card (a cell of the grid above the footer)."""
        return PAGE_MM[0] / self.cols, (PAGE_MM[1] - FOOTER_MM) / self.rows

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    @property
    def stacked(self) -> bool:
        """Text under the QR (narrow cards) rather than beside it."""
        return self.card_mm[0] - self.qr_mm < 40

    def origin(self, index: int) -> tuple[float, float]:
        """Top-left corner of card ``index`` (0-based, row by row) on its page."""
        card_w, card_h = self.card_mm
        return (index % self.cols) * card_w, (index // self.cols) * card_h


#: ``2x4``: 105 x 70.75 mm cards, 50 mm codes (counter cards); ``2x2``: 105 x 141.5 mm,
#: 70 mm (standees); ``1x2``: 210 x 141.5 mm, 100 mm (signs read from ~1 m). qr-print §4.5.
LAYOUTS = {
    "2x4": Layout("2x4", 2, 4, 50.0, 1.0),
    "2x2": Layout("2x2", 2, 2, 70.0, 1.3),
    "1x2": Layout("1x2", 1, 2, 100.0, 1.7),
}
CARD_LAYOUT = LAYOUTS["2x4"]  # the single card is a card of the default sheet
CARD_MM = CARD_LAYOUT.card_mm


class TextLine(NamedTuple):
    """A line of a card before fitting: NFC text, bold or not, size in pt at text scale 1."""

    text: str
    bold: bool
    size_pt: float


@dataclass(frozen=True)
class PlacedLine:
    """A line as drawn: left end ``x`` and ``baseline`` in mm from the page's top-left."""

    x: float
    baseline: float
    text: str
    bold: bool
    pt: float


@dataclass(frozen=True)
class CardPlan:
    """Where everything on one card goes (mm from the page's top-left corner)."""

    qr_x: float
    qr_y: float
    qr_mm: float
    module_mm: float
    lines: tuple[PlacedLine, ...]


def _dong(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def card_lines(stall: Stall, market: str | None) -> list[TextLine]:
    """The card's lines, top to bottom, NFC-normalised; ``market`` first when not blank.

    >>> from cashless.stalls.registry import parse_registry
    >>> stall = parse_registry("stall_id,stall_name,vendor_name,bank,account,amount\\n"
    ...                        "A01,Rau,Lan,VCB,0011001234567,50000\\n")["A01"]
    >>> [line.text for line in card_lines(stall, None)][:2], card_lines(stall, None)[-3].text
    (['Quầy A01', 'Rau'], 'Số tiền 50.000 đ')
    """
    lines: list[TextLine] = []
    if market and market.strip():
        lines.append(TextLine(market.strip(), True, 8))
    lines += [
        TextLine(f"Quầy {stall.stall_id}", True, 15),
        TextLine(stall.stall_name, True, 10),
        TextLine(stall.vendor_name, False, 10),
        TextLine(stall.bank.short_name, False, 8),
        TextLine(f"STK {stall.account}", False, 9),
    ]
    if stall.amount is not None:
        lines.append(TextLine(f"Số tiền {_dong(stall.amount)}", True, 9))
    lines += [
        TextLine(SCAN_LINE, False, 7.5),
        TextLine(f"Mã kiểm tra {stall.check_code}", True, 8),
    ]
    return [TextLine(nfc(line.text), line.bold, line.size_pt) for line in lines]


def fit_size(
    text: str, bold: bool, size_pt: float, width: float, measure: Measure, *, floor_pt: float
) -> float:
    """The size, stepping down by 0.25 pt from ``size_pt`` to ``floor_pt``, at which it fits.

    At ``floor_pt`` the text may still be wider than ``width``.

    >>> fit_size("abcde", False, 10, 8.0, lambda t, b, pt: len(t) * pt * 0.2, floor_pt=7)
    8.0
    """
    pt = size_pt
    while measure(text, bold, pt) > width and pt > floor_pt:
        pt -= _SHRINK_STEP_PT
    return pt


def wrap(text: str, bold: bool, pt: float, width: float, measure: Measure) -> list[str]:
    """Split ``text`` at spaces into lines no wider than ``width`` (a long word stays whole).

    >>> wrap("Rau củ quả", False, 10, 13.0, lambda t, b, pt: len(t) * pt * 0.2)
    ['Rau củ', 'quả']
    """
    lines: list[str] = []
    for word in text.split():
        if lines and measure(f"{lines[-1]} {word}", bold, pt) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _set_block(
    lines: Sequence[TextLine],
    measure: Measure,
    left: float,
    right: float,
    top: float,
    scale: float,
    centred: bool,
) -> tuple[list[PlacedLine], float]:
    width = right - left
    placed: list[PlacedLine] = []
    y = top
    for text, bold, size in lines:
        pt = fit_size(text, bold, size * scale, width, measure, floor_pt=size * scale * _LINE_FLOOR)
        height = pt * PT_MM * _LINE_GAP
        for part in wrap(text, bold, pt, width, measure):
            y += height
            offset = (width - measure(part, bold, pt)) / 2 if centred else 0.0
            placed.append(PlacedLine(left + offset, y - height * 0.25, part, bold, pt))
    return placed, y


def fit_block(
    lines: Sequence[TextLine],
    measure: Measure,
    *,
    left: float,
    right: float,
    top: float,
    bottom: float,
    scale: float = 1.0,
    centred: bool = False,
) -> tuple[PlacedLine, ...]:
    """Set ``lines`` top-down between ``left`` and ``right`` from ``top``.

    Each line shrinks (to 70 % of its size) before it wraps; when the block runs below
    ``bottom`` the whole block is set again 10 % smaller, down to half its size.

    >>> block = fit_block([TextLine("Rau củ quả", False, 10)], lambda t, b, pt: len(t) * pt * 0.2,
    ...                   left=0, right=9, top=0, bottom=50)
    >>> [(line.text, round(line.baseline, 2)) for line in block]
    [('Rau củ', 2.32), ('quả', 5.4)]
    """
    while True:
        placed, end = _set_block(lines, measure, left, right, top, scale, centred)
        if end <= bottom or scale <= _BLOCK_FLOOR:
            return tuple(placed)
        scale *= _BLOCK_STEP


def plan_card(
    layout: Layout,
    lines: Sequence[TextLine],
    measure: Measure,
    *,
    modules: int,
    quiet_modules: int,
    qr_mm: float | None = None,
    origin: tuple[float, float] = (0.0, 0.0),
) -> CardPlan:
    """Place a QR symbol of ``modules`` modules and the text on a card at ``origin``.

    The code sits at the left, centred in height, with the text beside it; on narrow
    cards (``layout.stacked``) it sits at the top, centred, with the text centred under
    it. Nothing is placed within 5 mm of the card's edges, nor in the quiet zone.
    Raises :class:`~cashless.errors.LayoutError` when the code with its quiet zone does
    not fit the card.
    """
    card_w, card_h = layout.card_mm
    size = layout.qr_mm if qr_mm is None else qr_mm
    module = size / modules
    quiet = quiet_modules * module
    if size + 2 * quiet > min(card_w, card_h):
        raise LayoutError(
            f"a {size:g} mm QR code with its quiet zone does not fit a {card_w:g} x {card_h:g} mm "
            f"card of layout {layout.name}"
        )
    cx, cy = origin
    if layout.stacked:
        x = cx + (card_w - size) / 2
        y = cy + max(EDGE_MM, quiet) + _QR_GAP_MM
        left, right = cx + EDGE_MM, cx + card_w - EDGE_MM
        top = y + size + quiet
    else:
        x = cx + max(EDGE_MM, quiet) + _QR_GAP_MM
        y = cy + (card_h - size) / 2
        left, right = x + size + quiet + _TEXT_GAP_MM, cx + card_w - EDGE_MM
        top = max(cy + EDGE_MM, y - _TEXT_RISE_MM)
    placed = fit_block(
        lines,
        measure,
        left=left,
        right=right,
        top=top,
        bottom=cy + card_h - EDGE_MM,
        scale=layout.text_scale,
        centred=layout.stacked,
    )
    return CardPlan(x, y, size, module, placed)
