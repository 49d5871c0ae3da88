"""The stall card's geometry and text fitting: one truth for the sheet and the single card.

Pure arithmetic on millimetres (standard library only). A renderer passes a
:data:`Measure`, a function ``(text, bold, size_pt) -> width_mm``: the sheet plugs in
fpdf2's string width, the single card Pillow's, and both place the same lines at the
same positions.

A sheet is a :class:`Grid`: a :data:`PAPERS` size (A4, A5, A6, Letter, portrait) and a
:data:`LAYOUTS` entry. Grid layouts (``2x4``, ``2x2``, ``1x2``) divide the page above a
14 mm footer (50 mm scale bar, page line, warnings); ``1x1`` puts one A7 card (105 x 74 mm,
qr-print §4.5) at the top of each page; ``placard`` fills the page above the footer with
one portrait card: the code (70-100 mm) on top, the text under it. On A4, a ``2x4`` card
is 105 x 70.75 mm: A7's width, 3.25 mm shorter so the footer fits. The single card
(``cashless card``) is a true A7 card.

Every card carries the payment code, the lines of :func:`card_lines` (never under 9 pt at
A7 size) and, when the market has one, a card code (a Micro QR) in the bottom-right
corner, away from the payment code, where a sticker pasted over the payment code does not
reach; an organiser's logo goes top-right.

>>> CARD_MM
(105.0, 74.0)
>>> grid = LAYOUTS["2x4"].grid("A4")
>>> grid.card_mm, grid.per_page
((105.0, 70.75), 8)
>>> width = lambda text, bold, pt: len(text) * pt * 0.2  # any font: 0.2 mm per char and pt
>>> plan = plan_card(grid, [TextLine("Quầy A01", True, 16)], width, modules=41, quiet_modules=4)
>>> round(plan.qr_x, 2), round(plan.qr_y, 3), plan.lines[0].text, plan.lines[0].pt
(6.0, 10.375, 'Quầy A01', 16.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from cashless.errors import LayoutError, UsageError
from cashless.payload.text import nfc

if TYPE_CHECKING:
    from cashless.stalls.registry import Stall

__all__ = [
    "A7_MM",
    "CARD_CODE_MODULES",
    "CARD_CODE_MODULE_MM",
    "CARD_GRID",
    "CARD_LAYOUT",
    "CARD_MM",
    "EDGE_MM",
    "FOOTER_MM",
    "LAYOUTS",
    "MIN_CARD_MM",
    "MIN_MODULE_MM",
    "MIN_TEXT_PT",
    "PAGE_MM",
    "PAPERS",
    "PT_MM",
    "SCAN_LINE",
    "Box",
    "CardPlan",
    "Grid",
    "Layout",
    "Measure",
    "PlacedLine",
    "TextLine",
    "card_lines",
    "fit_block",
    "fit_size",
    "group_account",
    "plan_card",
    "wrap",
]

#: ``(text, bold, size_pt) -> width_mm`` of ``text`` set in the card's font.
Measure = Callable[[str, bool, float], float]

#: Portrait paper sizes in mm.
PAPERS = {
    "A4": (210.0, 297.0),
    "A5": (148.0, 210.0),
    "A6": (105.0, 148.0),
    "Letter": (215.9, 279.4),
}
PAGE_MM = PAPERS["A4"]
A7_MM = (105.0, 74.0)  # qr-print §4.5
MIN_CARD_MM = (70.0, 45.0)  # smaller cards cannot hold a 35 mm code and 9 pt text
EDGE_MM = 5.0  # home printers cannot print the outer 3-5 mm (qr-print §4.5)
FOOTER_MM = 14.0  # band under the cards: scale bar, page line, warnings
MIN_MODULE_MM = 0.8  # qr-print §4.1: >= 0.8 mm at arm's length
MIN_TEXT_PT = 9.0  # smallest text on an A7 card; larger cards scale it up
PT_MM = 25.4 / 72  # one typographic point in mm
SCAN_LINE = "Quét bằng app ngân hàng bất kỳ (VietQR)"
#: Micro QR M4 (17 x 17 modules) holding the card code, and its module size.
CARD_CODE_MODULES = 17
CARD_CODE_MODULE_MM = 0.6
_CARD_CODE_QUIET = 2  # Micro QR quiet zone, modules (ISO/IEC 18004:2015, 6.3.8)

_LINE_GAP = 1.2  # line height, as a multiple of the type size
_SHRINK_STEP_PT = 0.25
_QR_GAP_MM = 1.0  # beyond the edge margin or quiet zone, whichever is larger
_TEXT_GAP_MM = 1.5  # between the quiet zone and the text beside the code
_LOGO_MM = 12.0
_LAST_RESORT_PT = 6.0


@dataclass(frozen=True)
class Layout:
    """Cards per page (``cols`` x ``rows``), the largest QR edge in mm and a text scale.

    ``card`` fixes the card size (``1x1``: an A7 card per page); ``placard`` fills the page
    with one portrait card, code on top.
    """

    name: str
    cols: int
    rows: int
    qr_mm: float
    text_scale: float
    card: tuple[float, float] | None = None
    placard: bool = False

    def grid(self, paper: str = "A4") -> Grid:
        """This layout on ``paper`` (a :data:`PAPERS` key, any case)."""
        key = next((name for name in PAPERS if name.lower() == str(paper).lower()), None)
        if key is None:
            raise UsageError(f"must be one of {', '.join(PAPERS)}, not {paper!r}", field="paper")
        page = PAPERS[key]
        if self.card is not None:
            card = self.card
        else:
            card = (page[0] / self.cols, (page[1] - FOOTER_MM) / self.rows)
        if card[0] > page[0] or card[1] > page[1] - FOOTER_MM:
            raise UsageError(f"layout {self.name} does not fit {key} paper", field="paper")
        if card[0] < MIN_CARD_MM[0] or card[1] < MIN_CARD_MM[1]:
            raise UsageError(
                f"layout {self.name} on {key} paper makes {card[0]:.0f} x {card[1]:.0f} mm cards, "
                f"too small for a code and its text; choose a layout with fewer cards per page",
                field="layout",
            )
        scale = self.text_scale
        if self.placard:
            scale *= min(1.0, page[0] / PAPERS["A5"][0])
        return Grid(self, key, page, card, scale)

    @property
    def card_mm(self) -> tuple[float, float]:
        """Width and height of one card on A4."""
        return self.grid("A4").card_mm

    @property
    def per_page(self) -> int:
        return self.cols * self.rows


@dataclass(frozen=True)
class Grid:
    """A layout on a paper: page and card sizes in mm, and the text scale."""

    layout: Layout
    paper: str
    page_mm: tuple[float, float]
    card_mm: tuple[float, float]
    text_scale: float

    @property
    def per_page(self) -> int:
        return self.layout.per_page

    @property
    def stacked(self) -> bool:
        """Text under the QR (placards, narrow cards) rather than beside it."""
        return self.layout.placard or self.card_mm[0] - self.layout.qr_mm < 40

    def origin(self, index: int) -> tuple[float, float]:
        """Top-left corner of card ``index`` (0-based, row by row) on its page."""
        card_w, card_h = self.card_mm
        cols = self.layout.cols
        return (index % cols) * card_w, (index // cols) * card_h


#: ``2x4``: counter cards, 50 mm codes; ``2x2``: standees, 70 mm; ``1x2``: signs read from
#: ~1 m, 100 mm; ``1x1``: one A7 card per page; ``placard``: one portrait card per page
#: with a 70-100 mm code. qr-print §4.5.
LAYOUTS = {
    "2x4": Layout("2x4", 2, 4, 50.0, 1.0),
    "2x2": Layout("2x2", 2, 2, 70.0, 1.3),
    "1x2": Layout("1x2", 1, 2, 100.0, 1.7),
    "1x1": Layout("1x1", 1, 1, 50.0, 1.0, card=A7_MM),
    "placard": Layout("placard", 1, 1, 100.0, 1.6, placard=True),
}
CARD_LAYOUT = LAYOUTS["1x1"]  # the single card: an A7 card
CARD_GRID = Grid(CARD_LAYOUT, "A7", A7_MM, A7_MM, 1.0)
CARD_MM = A7_MM


class TextLine(NamedTuple):
    """A line of a card before fitting: NFC text, bold or not, size in pt at text scale 1.

    ``drop`` lines go (highest first) when the block does not fit at :data:`MIN_TEXT_PT`.
    """

    text: str
    bold: bool
    size_pt: float
    drop: int = 0


@dataclass(frozen=True)
class PlacedLine:
    """A line as drawn: left end ``x`` and ``baseline`` in mm from the page's top-left."""

    x: float
    baseline: float
    text: str
    bold: bool
    pt: float


class Box(NamedTuple):
    """A square or rectangle on the page: top-left corner and size in mm."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class CardPlan:
    """Where everything on one card goes (mm from the page's top-left corner)."""

    qr_x: float
    qr_y: float
    qr_mm: float
    module_mm: float
    lines: tuple[PlacedLine, ...]
    card_code: Box | None = None
    logo: Box | None = None


def _dong(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def group_account(account: str) -> str:
    """The account number in groups of four, as it is read aloud and checked.

    >>> group_account("0011001234567")
    '0011 0012 3456 7'
    """
    return " ".join(account[i : i + 4] for i in range(0, len(account), 4))


def card_lines(stall: Stall, market: str | None) -> list[TextLine]:
    """The card's lines, top to bottom, NFC-normalised; ``market`` first when not blank.

    The holder's full accented name, then the name in capitals as bank apps show it;
    the account number in full, large and grouped by four (a swapped code differs there).

    >>> from cashless.stalls.registry import parse_registry
    >>> stall = parse_registry("stall_id,stall_name,vendor_name,bank,account,amount\\n"
    ...                        "A01,Rau,Lan,VCB,0011001234567,50000\\n")["A01"]
    >>> [line.text for line in card_lines(stall, None)][:5]
    ['Quầy A01', 'Rau', 'Lan', 'LAN', 'Vietcombank · STK']
    """
    lines: list[TextLine] = []
    if market and market.strip():
        lines.append(TextLine(market.strip(), True, 9, drop=2))
    lines += [
        TextLine(f"Quầy {stall.stall_id}", True, 16),
        TextLine(stall.stall_name, True, 11, drop=1),
        TextLine(stall.vendor_name, False, 10),
        TextLine(stall.bank_app_name, False, 9),
        TextLine(f"{stall.bank.short_name} · STK", False, 9),
        TextLine(group_account(stall.account), True, 13),
    ]
    if stall.amount is not None:
        lines.append(TextLine(f"Số tiền {_dong(stall.amount)}", True, 11))
    lines += [
        TextLine(SCAN_LINE, False, 9, drop=3),
        TextLine(f"Mã kiểm tra {stall.check_code}", True, 9),
    ]
    return [TextLine(nfc(line.text), line.bold, line.size_pt, line.drop) for line in lines]


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
    return max(pt, floor_pt)


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
    floor: float,
    centred: bool,
    notch: Box | None,
) -> tuple[list[PlacedLine], float]:
    placed: list[PlacedLine] = []
    y = top
    for text, bold, size, _drop in lines:
        start = max(size * scale, floor)
        shrink_to = max(floor, size * scale * 0.75)
        width = right - left
        pt = fit_size(text, bold, start, width, measure, floor_pt=shrink_to)
        height = pt * PT_MM * _LINE_GAP
        parts = wrap(text, bold, pt, width, measure)
        if notch is not None and y + len(parts) * height > notch.y:
            # a line reaching down beside the card code ends left of it
            width = min(right, notch.x) - left
            pt = fit_size(text, bold, start, width, measure, floor_pt=shrink_to)
            height = pt * PT_MM * _LINE_GAP
            parts = wrap(text, bold, pt, width, measure)
        for part in parts:
            y += height
            offset = (width - measure(part, bold, pt)) / 2 if centred else 0.0
            placed.append(PlacedLine(left + offset, y - height * 0.22, part, bold, pt))
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
    notch: Box | None = None,
    floor_pt: float = MIN_TEXT_PT,
) -> tuple[PlacedLine, ...]:
    """Set ``lines`` top-down between ``left`` and ``right`` from ``top``.

    Each line shrinks (to 75 % of its size, never under ``floor_pt``) before it wraps;
    when the block runs below ``bottom`` the whole block is set again 10 % smaller down to
    the floor, then the lines marked ``drop`` go, highest first; text that still does not
    fit is set below the floor, down to 6 pt, rather than off the card. Lines that would reach
    beside ``notch`` (the card code) end left of it.

    >>> block = fit_block([TextLine("Rau củ quả", False, 10)], lambda t, b, pt: len(t) * pt * 0.2,
    ...                   left=0, right=9, top=0, bottom=50, floor_pt=7.5)
    >>> [(line.text, round(line.baseline, 2)) for line in block]
    [('Rau củ', 2.48), ('quả', 5.65)]
    """
    kept = list(lines)
    floor = floor_pt
    while True:
        step = scale
        while True:
            placed, end = _set_block(kept, measure, left, right, top, step, floor, centred, notch)
            if end <= bottom or all(line.size_pt * step <= floor for line in kept):
                break
            step *= 0.9
        droppable = [line.drop for line in kept if line.drop]
        if end <= bottom or (not droppable and floor <= _LAST_RESORT_PT):
            return tuple(placed)
        if droppable:
            highest = max(droppable)
            kept = [line for line in kept if line.drop != highest]
        else:
            # text that cannot fit even so is set smaller rather than off the card;
            # the sheet warns about it
            floor = _LAST_RESORT_PT


def plan_card(
    grid: Grid,
    lines: Sequence[TextLine],
    measure: Measure,
    *,
    modules: int,
    quiet_modules: int,
    qr_mm: float | None = None,
    origin: tuple[float, float] = (0.0, 0.0),
    card_code: bool = False,
    logo: bool = False,
) -> CardPlan:
    """Place a QR symbol of ``modules`` modules and the text on a card at ``origin``.

    The code sits at the left, centred in height, with the text beside it; on placards
    and narrow cards (``grid.stacked``) it sits at the top, centred, with the text centred
    under it. The code is the layout's size (or ``qr_mm``) or smaller, to fit with its
    quiet zone. ``card_code`` reserves the bottom-right corner for the card code, ``logo``
    the top-right corner for a logo. Nothing is placed within 5 mm of the card's edges, nor
    in a quiet zone. Raises :class:`~cashless.errors.LayoutError` when no code fits.
    """
    card_w, card_h = grid.card_mm
    cx, cy = origin
    scale = grid.text_scale
    want = grid.layout.qr_mm if qr_mm is None else qr_mm
    ratio = 1 + 2 * quiet_modules / modules  # code with its quiet zone, per mm of code
    if grid.stacked:
        room_w = card_w - 2 * EDGE_MM
        room_h = (card_h - 2 * EDGE_MM) * (0.7 if grid.layout.placard else 0.65)
    else:
        room_w = card_w * 0.6
        room_h = card_h - 2 * _QR_GAP_MM
    size = min(want, room_w / ratio, room_h / ratio) if qr_mm is None else want
    if size <= 0 or size * ratio > min(card_w, card_h) + 1e-9:
        raise LayoutError(
            f"a {size:g} mm QR code with its quiet zone does not fit a {card_w:g} x {card_h:g} mm "
            f"card of layout {grid.layout.name}"
        )
    module = size / modules
    quiet = quiet_modules * module
    code_side = CARD_CODE_MODULES * CARD_CODE_MODULE_MM * max(1.0, scale * 0.8)
    code_box = None
    if card_code:
        code_box = Box(
            cx + card_w - EDGE_MM - code_side,
            cy + card_h - EDGE_MM - code_side,
            code_side,
            code_side,
        )
    logo_box = None
    if grid.stacked:
        x = cx + (card_w - size) / 2
        y = cy + max(EDGE_MM, quiet) + _QR_GAP_MM
        left, right = cx + EDGE_MM, cx + card_w - EDGE_MM
        top = y + size + quiet * 0.6
        if logo:
            side = min(_LOGO_MM * scale, (card_w - size) / 2 - quiet - EDGE_MM)
            if side >= 8:
                logo_box = Box(cx + card_w - EDGE_MM - side, cy + EDGE_MM, side, side)
    else:
        x = cx + max(EDGE_MM, quiet) + _QR_GAP_MM
        y = cy + (card_h - size) / 2
        left, right = x + size + quiet + _TEXT_GAP_MM, cx + card_w - EDGE_MM
        top = cy + EDGE_MM
        if logo:
            side = _LOGO_MM * scale
            logo_box = Box(right - side, cy + EDGE_MM, side, side)
            top = cy + EDGE_MM + side + 0.5
    notch = None
    if code_box is not None:
        gap = _CARD_CODE_QUIET * CARD_CODE_MODULE_MM
        notch = Box(code_box.x - gap, code_box.y - gap, code_box.w + gap, code_box.h + gap)
    bottom = cy + card_h - EDGE_MM
    if code_box is not None and grid.stacked:
        bottom = code_box.y - 1.0
        notch = None
    placed = fit_block(
        lines,
        measure,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        scale=scale,
        centred=grid.stacked,
        notch=notch,
        floor_pt=MIN_TEXT_PT * max(1.0, min(scale, card_w / A7_MM[0])),
    )
    return CardPlan(x, y, size, module, placed, code_box, logo_box)
