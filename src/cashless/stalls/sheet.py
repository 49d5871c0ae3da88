"""Validated stalls -> a print-ready A4 PDF of stall cards (fpdf2, vector QR codes).

Layouts (:data:`cashless.stalls.layout.LAYOUTS`): ``2x4`` (8 cards of 105 x 70.75 mm,
50 mm QR, the default), ``2x2`` (4 cards of 105 x 141.5 mm, 70 mm QR) and ``1x2`` (2 cards
of 210 x 141.5 mm, 100 mm QR). Each card shows the QR code with its 4-module quiet zone
and the lines of :func:`cashless.stalls.layout.card_lines`, placed by
:func:`cashless.stalls.layout.plan_card` exactly as on the single card
(:mod:`cashless.stalls.card`). Each page has cut marks, a 50 mm scale bar (print at
100 %) and, when a module would be smaller than 0.8 mm, a warning line. Nothing is drawn
within 5 mm of the paper edge.

Text is set in DejaVu Sans, taken from matplotlib's data (no font file in this repo), or
in any TrueType font given by path; every string is NFC-normalised and the font is
checked to cover every character before anything is drawn (:mod:`cashless.stalls.fonts`).

>>> from cashless.stalls.registry import parse_registry
>>> stalls = parse_registry("stall_id,stall_name,vendor_name,bank,account\\n"
...                         "A01,Rau sạch,Nguyễn Thị Trâm,VCB,0011001234567\\n")
>>> sheet = render_sheet(stalls, market="Chợ Điện Biên")
>>> sheet.pages, sheet.cards[0].version, round(sheet.cards[0].module_mm, 2)
(1, 5, 1.35)
>>> sheet.data[:5]
b'%PDF-'
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cashless._io import write_bytes
from cashless.errors import LayoutError, UsageError, require_extra

require_extra("print", "fpdf", "fontTools", "matplotlib", "segno", "PIL")

from cashless.payload.text import nfc  # noqa: E402
from cashless.stalls import layout as card_layout  # noqa: E402
from cashless.stalls import qr as qr_codes  # noqa: E402
from cashless.stalls.fonts import card_fonts, check_fonts  # noqa: E402
from cashless.stalls.layout import (  # noqa: E402
    Layout,
    Measure,
    PlacedLine,
    TextLine,
    card_lines,
    fit_size,
    plan_card,
)
from cashless.stalls.qr import make_qr, matrix_rows  # noqa: E402
from cashless.stalls.registry import Stall  # noqa: E402

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = ["CardInfo", "Sheet", "render_sheet", "write_sheet"]

_PAGE_LINE = "trang {page}/{pages} · In 100 % (kích thước thực): thanh đo phải dài đúng 50 mm"
_WARNING = (
    "Cảnh báo: ô mã QR chỉ {module} mm (< 0,8 mm), khó quét — quầy {stalls}; "
    "hãy chọn bố cục lớn hơn"
)
_FOOTER_PT = 7.0
_FOOTER_FLOOR_PT = 4.0


@dataclass(frozen=True)
class CardInfo:
    """Where one stall's card was drawn: page (from 1), the QR symbol's top-left corner and
    edge in mm, its version, level and module size, and the text lines as placed."""

    stall_id: str
    page: int
    x: float
    y: float
    size_mm: float
    version: int
    error: str
    module_mm: float
    lines: tuple[PlacedLine, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """A rendered sheet: the PDF bytes, the cards, and the warnings printed on it."""

    data: bytes
    pages: int
    cards: tuple[CardInfo, ...]
    warnings: tuple[str, ...]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the PDF atomically (temporary file in the same folder, then rename)."""
        return write_bytes(path, self.data)


def _style(bold: bool) -> str:
    return "B" if bold else ""


def _fpdf_measure(pdf: FPDF) -> Measure:
    """fpdf2's string width, computed once per text at 10 pt (widths scale with the size)."""
    widths: dict[tuple[str, bool], float] = {}

    def measure(text: str, bold: bool, size_pt: float) -> float:
        width = widths.get((text, bold))
        if width is None:
            pdf.set_font("card", _style(bold), 10)
            width = widths[text, bold] = pdf.get_string_width(text) / 10
        return width * size_pt

    return measure


def _draw_qr(
    pdf: FPDF, rows: list[list[tuple[int, int]]], x: float, y: float, module: float
) -> None:
    # Merge each row's dark runs, then stack identical runs of consecutive rows into
    # one rectangle: a third of the rectangles, and no seams between rows.
    open_runs: dict[tuple[int, int], int] = {}
    for row_index, runs in enumerate([*rows, []]):
        current = set(runs)
        for key in [k for k in open_runs if k not in current]:
            top = open_runs.pop(key)
            pdf.rect(
                x + key[0] * module,
                y + top * module,
                key[1] * module,
                (row_index - top) * module,
                style="F",
            )
        for key in runs:
            open_runs.setdefault(key, row_index)


def _cut_marks(pdf: FPDF, layout: Layout) -> None:
    card_w, card_h = layout.card_mm
    page_w = card_layout.PAGE_MM[0]
    pdf.set_draw_color(120)
    pdf.set_line_width(0.2)
    arm = 2.5
    for row in range(1, layout.rows + 1):
        y = row * card_h
        pdf.line(card_layout.EDGE_MM + 0.5, y, card_layout.EDGE_MM + 4.5, y)
        pdf.line(page_w - card_layout.EDGE_MM - 4.5, y, page_w - card_layout.EDGE_MM - 0.5, y)
    for col in range(1, layout.cols):
        x = col * card_w
        pdf.line(x, card_layout.EDGE_MM + 0.5, x, card_layout.EDGE_MM + 4.5)
        for row in range(1, layout.rows + 1):
            y = row * card_h
            pdf.line(x - arm, y, x + arm, y)
            pdf.line(x, y - arm, x, min(y + arm, layout.rows * card_h))


def _footer(
    pdf: FPDF,
    measure: Measure,
    page: int,
    pages: int,
    market: str | None,
    warning: str | None,
) -> None:
    page_w, page_h = card_layout.PAGE_MM
    top = page_h - card_layout.FOOTER_MM
    bar_x, bar_y = card_layout.EDGE_MM + 5, top + 5.5
    pdf.set_draw_color(0)
    pdf.set_line_width(0.3)
    pdf.line(bar_x, bar_y, bar_x + 50, bar_y)
    for tick in range(6):
        height = 2.0 if tick in (0, 5) else 1.0
        pdf.line(bar_x + 10 * tick, bar_y - height, bar_x + 10 * tick, bar_y)
    pdf.set_font("card", "", _FOOTER_PT)
    pdf.text(bar_x + 52, bar_y, "50 mm")
    info = nfc((f"{market} · " if market else "") + _PAGE_LINE.format(page=page, pages=pages))
    width = page_w - card_layout.EDGE_MM - (bar_x + 64)
    pdf.set_font(
        "card", "", fit_size(info, False, _FOOTER_PT, width, measure, floor_pt=_FOOTER_FLOOR_PT)
    )
    pdf.text(bar_x + 64, bar_y, info)
    if warning:
        pdf.set_text_color(170, 0, 0)
        width = page_w - card_layout.EDGE_MM - bar_x
        size = fit_size(warning, True, _FOOTER_PT, width, measure, floor_pt=_FOOTER_FLOOR_PT)
        pdf.set_font("card", "B", size)
        pdf.text(bar_x, bar_y + 4.5, warning)
        pdf.set_text_color(0)


def _draw_card(
    pdf: FPDF,
    measure: Measure,
    layout: Layout,
    index: int,
    stall: Stall,
    lines: list[TextLine],
    *,
    qr_mm: float,
    error: str,
    mixed: bool,
    page: int,
) -> CardInfo:
    """Draw card ``index`` of the current page: QR symbol, then the text beside or below."""
    qr = make_qr(stall.payload, error=error, mixed=mixed)
    rows = matrix_rows(qr)
    plan = plan_card(
        layout,
        lines,
        measure,
        modules=len(rows),
        quiet_modules=qr_codes.QUIET_ZONE,
        qr_mm=qr_mm,
        origin=layout.origin(index),
    )
    pdf.set_fill_color(0)
    _draw_qr(pdf, rows, plan.qr_x, plan.qr_y, plan.module_mm)
    for line in plan.lines:
        pdf.set_font("card", _style(line.bold), line.pt)
        pdf.text(line.x, line.baseline, line.text)
    return CardInfo(
        stall.stall_id,
        page,
        plan.qr_x,
        plan.qr_y,
        plan.qr_mm,
        int(qr.version),
        str(qr.error),
        plan.module_mm,
        plan.lines,
    )


def render_sheet(
    stalls: Iterable[Stall],
    *,
    layout: str = "2x4",
    market: str | None = None,
    font: str | os.PathLike[str] | None = None,
    error: str = "M",
    mixed: bool = True,
    qr_mm: float | None = None,
) -> Sheet:
    """Lay out one card per stall on A4 pages and return the PDF in memory.

    ``font`` is a TrueType file used for all text (default: DejaVu Sans and Bold from
    matplotlib). ``qr_mm`` overrides the layout's QR edge. Raises
    :class:`~cashless.errors.UsageError` for a bad ``layout``, ``qr_mm`` or ``error``
    level or no stalls, and :class:`~cashless.errors.LayoutError` when the font lacks a
    character to print or the code does not fit the card.
    """
    from fpdf import FPDF
    from fpdf.errors import FPDFException

    if layout not in card_layout.LAYOUTS:
        raise UsageError(
            f"must be one of {', '.join(card_layout.LAYOUTS)}, not {layout!r}", field="layout"
        )
    spec = card_layout.LAYOUTS[layout]
    if qr_mm is not None and not (isinstance(qr_mm, (int, float)) and 0 < qr_mm < math.inf):
        raise UsageError(f"must be a positive number of millimetres, not {qr_mm!r}", field="qr_mm")
    size = float(qr_mm) if qr_mm is not None else spec.qr_mm
    stalls = list(stalls)
    if not stalls:
        raise UsageError("no stalls to print", field="stalls")
    market = nfc(market).strip() or None if market else None
    regular, bold = card_fonts(font)
    texts = [card_lines(s, market) for s in stalls]
    every = "".join(line.text for lines in texts for line in lines)
    check_fonts(every + f"{market or ''}{_PAGE_LINE}{_WARNING}0123456789,", (regular, bold))
    pdf = FPDF(unit="mm", format="A4")
    try:
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0)
        for style, face in (("", regular), ("B", bold)):
            try:
                pdf.add_font("card", style, face)
            # fontTools read the face already; what fpdf2 still refuses it reports in
            # several ways (a font it cannot embed, a table it does not support)
            except (FPDFException, NotImplementedError, KeyError, ValueError) as exc:
                raise LayoutError(f"fpdf2 cannot embed this font: {exc}", source=str(face)) from exc
        pdf.set_creator("cashless")
        pdf.set_title(nfc(f"{market} – thẻ VietQR") if market else "VietQR stall cards")
        measure = _fpdf_measure(pdf)
        per_page = spec.per_page
        pages = -(-len(stalls) // per_page)
        cards: list[CardInfo] = []
        warnings: list[str] = []
        for page in range(pages):
            pdf.add_page()
            first = page * per_page
            small: list[CardInfo] = []
            for index, stall in enumerate(stalls[first : first + per_page]):
                card = _draw_card(
                    pdf,
                    measure,
                    spec,
                    index,
                    stall,
                    texts[first + index],
                    qr_mm=size,
                    error=error,
                    mixed=mixed,
                    page=page + 1,
                )
                cards.append(card)
                if card.module_mm < card_layout.MIN_MODULE_MM:
                    small.append(card)
            warning = None
            if small:
                smallest = min(card.module_mm for card in small)
                warning = _WARNING.format(
                    module=f"{smallest:.2f}".replace(".", ","),
                    stalls=", ".join(card.stall_id for card in small),
                )
                warnings.append(warning)
            _cut_marks(pdf, spec)
            _footer(pdf, measure, page + 1, pages, market, warning)
        data = bytes(pdf.output())
    finally:
        # fpdf2 opens each TrueType file lazily and never closes it
        for loaded in pdf.fonts.values():
            if hasattr(loaded, "ttfont"):
                loaded.ttfont.close()
    return Sheet(data, pages, tuple(cards), tuple(warnings))


def write_sheet(
    stalls: Iterable[Stall],
    path: str | os.PathLike[str],
    *,
    layout: str = "2x4",
    market: str | None = None,
    font: str | os.PathLike[str] | None = None,
    error: str = "M",
    mixed: bool = True,
) -> Path:
    """Render the sheet (see :func:`render_sheet`) and write it atomically to ``path``."""
    sheet = render_sheet(stalls, layout=layout, market=market, font=font, error=error, mixed=mixed)
    return sheet.save(path)
