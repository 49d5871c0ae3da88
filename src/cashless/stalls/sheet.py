"""Validated stalls -> a print-ready A4 PDF of stall cards (fpdf2, vector QR codes).

Layouts: ``2x4`` (8 A7-size cards, 50 mm QR, the default), ``2x2`` (4 A6-size cards,
70 mm QR) and ``1x2`` (2 A5-size cards, 100 mm QR). Each card shows the QR code with its
4-module quiet zone, the market name, stall number and name, the vendor's name with
diacritics, the bank, the account number, "Quét mã VietQR để thanh toán" and the stall's
check code. Each page has cut marks, a 50 mm scale bar (print at 100 %) and, when a
module would be smaller than 0.8 mm, a warning line. Nothing is drawn within 5 mm of
the paper edge.

Text is set in DejaVu Sans, taken from matplotlib's data (no font file in this repo), or
in any TrueType font given by path; every string is NFC-normalised and the font is
checked to cover every character before anything is drawn.

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

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cashless._io import write_bytes
from cashless.errors import CharsetError, FormatError
from cashless.payload.text import nfc
from cashless.stalls.qr import QUIET_ZONE, make_qr, matrix_rows
from cashless.stalls.registry import Stall

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = [
    "LAYOUTS",
    "MIN_MODULE_MM",
    "CardInfo",
    "Layout",
    "Sheet",
    "card_lines",
    "default_fonts",
    "missing_glyphs",
    "render_sheet",
    "write_sheet",
]

MIN_MODULE_MM = 0.8  # print research note §4.1: >= 0.8 mm at arm's length
PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait, mm
EDGE = 5.0  # home printers cannot print the outer 3-5 mm
FOOTER = 14.0  # band under the cards: scale bar, page line, warnings
SCAN_LINE = "Quét mã VietQR để thanh toán"
_PAGE_LINE = "trang {page}/{pages} · In 100 % (kích thước thực): thanh đo phải dài đúng 50 mm"
_WARNING = ("Cảnh báo: ô mã QR chỉ {module} mm (< 0,8 mm), khó quét — quầy {stalls}; "
            "hãy chọn bố cục lớn hơn")


@dataclass(frozen=True)
class Layout:
    """Cards per page (``cols`` x ``rows``), QR edge in mm, and a text scale."""

    name: str
    cols: int
    rows: int
    qr_mm: float
    text_scale: float

    @property
    def card_size(self) -> tuple[float, float]:
        return PAGE_W / self.cols, (PAGE_H - FOOTER) / self.rows

    @property
    def stacked(self) -> bool:
        """Text under the QR (narrow cards) rather than beside it."""
        return self.card_size[0] - self.qr_mm < 40


LAYOUTS = {
    "2x4": Layout("2x4", 2, 4, 50.0, 1.0),
    "2x2": Layout("2x2", 2, 2, 70.0, 1.3),
    "1x2": Layout("1x2", 1, 2, 100.0, 1.7),
}


@dataclass(frozen=True)
class CardInfo:
    """Where one stall's QR symbol was drawn: page (from 1), top-left corner and edge in mm."""

    stall_id: str
    page: int
    x: float
    y: float
    size_mm: float
    version: int
    error: str
    module_mm: float


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


def default_fonts() -> tuple[Path, Path]:
    """DejaVu Sans regular and bold from matplotlib's data folder."""
    import matplotlib  # the package only, not pyplot

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


def missing_glyphs(text: str, font: str | os.PathLike[str]) -> list[str]:
    """Characters of ``text`` (other than whitespace) the font's cmap does not cover.

    >>> regular, _ = default_fonts()
    >>> missing_glyphs("Chợ Điện Biên — Quầy 12", regular)
    []
    """
    from fontTools.ttLib import TTFont, TTLibError

    try:
        # open the file here: TTFont leaks its own handle when the file is no font
        with open(font, "rb") as stream, TTFont(stream, lazy=True) as face:
            cmap = face.getBestCmap()
    except TTLibError as exc:
        raise FormatError(f"{font}: not a TrueType or OpenType font ({exc})") from exc
    return sorted({c for c in text if not c.isspace() and ord(c) not in cmap})


def _dong(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def card_lines(stall: Stall, market: str | None) -> list[tuple[str, bool, float]]:
    """The card's lines, top to bottom: (text, bold, size in pt at text scale 1), NFC."""
    lines: list[tuple[str, bool, float]] = []
    if market:
        lines.append((market, True, 8))
    lines += [
        (f"Quầy {stall.stall_id}", True, 15),
        (stall.stall_name, True, 10),
        (stall.vendor_name, False, 10),
        (stall.bank.short_name, False, 8),
        (f"STK {stall.account}", False, 9),
    ]
    if stall.amount is not None:
        lines.append((f"Số tiền {_dong(stall.amount)}", True, 9))
    lines += [(SCAN_LINE, False, 7.5), (f"Mã kiểm tra {stall.check_code}", True, 8)]
    return [(nfc(text), bold, size) for text, bold, size in lines]


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and pdf.get_string_width(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _text_block(pdf: FPDF, lines: list[tuple[str, bool, float]], x0: float, x1: float,
                y: float, scale: float, centred: bool, *, draw: bool = True) -> float:
    """Lay lines out top-down from ``y`` (shrink each to fit down to 70 %, then wrap).

    Returns the bottom; with ``draw=False`` only measures.
    """
    width = x1 - x0
    for text, bold, size in lines:
        pt = size * scale
        pdf.set_font("card", "B" if bold else "", pt)
        while pdf.get_string_width(text) > width and pt > size * scale * 0.7:
            pt -= 0.25
            pdf.set_font("card", "B" if bold else "", pt)
        height = pt * 0.3528 * 1.25
        for part in _wrap(pdf, text, width):
            y += height
            if draw:
                offset = (width - pdf.get_string_width(part)) / 2 if centred else 0.0
                pdf.text(x0 + offset, y - height * 0.25, part)
    return y


def _fit_text(pdf: FPDF, lines: list[tuple[str, bool, float]], x0: float, x1: float,
              y: float, bottom: float, scale: float, centred: bool) -> None:
    """Draw the block, scaled down (to half at most) when long names would overflow."""
    while scale > 0.5 and _text_block(pdf, lines, x0, x1, y, scale, centred,
                                      draw=False) > bottom:
        scale *= 0.9
    _text_block(pdf, lines, x0, x1, y, scale, centred)


def _draw_qr(pdf: FPDF, rows: list[list[tuple[int, int]]], x: float, y: float,
             module: float) -> None:
    # Merge each row's dark runs, then stack identical runs of consecutive rows into
    # one rectangle: a third of the rectangles, and no seams between rows.
    open_runs: dict[tuple[int, int], int] = {}
    for row_index, runs in enumerate([*rows, []]):
        current = set(runs)
        for key in [k for k in open_runs if k not in current]:
            top = open_runs.pop(key)
            pdf.rect(x + key[0] * module, y + top * module, key[1] * module,
                     (row_index - top) * module, style="F")
        for key in runs:
            open_runs.setdefault(key, row_index)


def _cut_marks(pdf: FPDF, layout: Layout) -> None:
    card_w, card_h = layout.card_size
    pdf.set_draw_color(120)
    pdf.set_line_width(0.2)
    arm = 2.5
    for row in range(1, layout.rows + 1):
        y = row * card_h
        pdf.line(EDGE + 0.5, y, EDGE + 4.5, y)
        pdf.line(PAGE_W - EDGE - 4.5, y, PAGE_W - EDGE - 0.5, y)
    for col in range(1, layout.cols):
        x = col * card_w
        pdf.line(x, EDGE + 0.5, x, EDGE + 4.5)
        for row in range(1, layout.rows + 1):
            y = row * card_h
            pdf.line(x - arm, y, x + arm, y)
            pdf.line(x, y - arm, x, min(y + arm, layout.rows * card_h))


def _footer(pdf: FPDF, page: int, pages: int, market: str | None,
            warning: str | None) -> None:
    top = PAGE_H - FOOTER
    bar_x, bar_y = EDGE + 5, top + 5.5
    pdf.set_draw_color(0)
    pdf.set_line_width(0.3)
    pdf.line(bar_x, bar_y, bar_x + 50, bar_y)
    for tick in range(6):
        height = 2.0 if tick in (0, 5) else 1.0
        pdf.line(bar_x + 10 * tick, bar_y - height, bar_x + 10 * tick, bar_y)
    pdf.set_font("card", "", 7)
    pdf.text(bar_x + 52, bar_y, "50 mm")
    info = nfc((f"{market} · " if market else "") + _PAGE_LINE.format(page=page, pages=pages))
    size = 7.0
    while pdf.get_string_width(info) > PAGE_W - EDGE - (bar_x + 64) and size > 4:
        size -= 0.25
        pdf.set_font("card", "", size)
    pdf.text(bar_x + 64, bar_y, info)
    if warning:
        pdf.set_text_color(170, 0, 0)
        size = 7.0
        pdf.set_font("card", "B", size)
        while pdf.get_string_width(warning) > PAGE_W - EDGE - bar_x and size > 4:
            size -= 0.25
            pdf.set_font("card", "B", size)
        pdf.text(bar_x, bar_y + 4.5, warning)
        pdf.set_text_color(0)


def _draw_card(pdf: FPDF, spec: Layout, size: float, index: int, stall: Stall,
               lines: list[tuple[str, bool, float]], *, error: str, mixed: bool,
               page: int) -> CardInfo:
    """Draw card ``index`` of the current page: QR symbol, then the text beside or below."""
    card_w, card_h = spec.card_size
    cx = (index % spec.cols) * card_w
    cy = (index // spec.cols) * card_h
    qr = make_qr(stall.payload, error=error, mixed=mixed)
    rows = matrix_rows(qr)
    module = size / len(rows)
    quiet = QUIET_ZONE * module
    if size + 2 * quiet > min(card_w, card_h):
        raise FormatError(f"a {size:g} mm QR code with its quiet zone does not fit "
                          f"a {card_w:g} x {card_h:g} mm card")
    if spec.stacked:
        x = cx + (card_w - size) / 2
        y = cy + max(EDGE, quiet) + 1
        text_x0, text_x1 = cx + EDGE, cx + card_w - EDGE
        text_y = y + size + quiet
    else:
        x = cx + max(EDGE, quiet) + 1
        y = cy + (card_h - size) / 2
        text_x0, text_x1 = x + size + quiet + 1.5, cx + card_w - EDGE
        text_y = max(cy + EDGE, y - 1.5)
    pdf.set_fill_color(0)
    _draw_qr(pdf, rows, x, y, module)
    _fit_text(pdf, lines, text_x0, text_x1, text_y, cy + card_h - EDGE, spec.text_scale,
              spec.stacked)
    return CardInfo(stall.stall_id, page, x, y, size, int(qr.version), str(qr.error), module)


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
    :class:`~cashless.errors.CharsetError` if the font lacks a character to print.
    """
    from fpdf import FPDF

    if layout not in LAYOUTS:
        raise FormatError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    spec = LAYOUTS[layout]
    size = float(qr_mm) if qr_mm is not None else spec.qr_mm
    stalls = list(stalls)
    if not stalls:
        raise FormatError("no stalls to print")
    market = nfc(market).strip() or None if market else None
    regular, bold = (Path(font), Path(font)) if font else default_fonts()
    texts = [card_lines(s, market) for s in stalls]
    every = "".join(t for lines in texts for t, _, _ in lines)
    every += f"{market or ''}{_PAGE_LINE}{_WARNING}0123456789,"
    for path in {regular, bold}:
        missing = missing_glyphs(every, path)
        if missing:
            shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in missing)
            raise CharsetError(f"font {path.name} has no glyph for {shown}; pass another --font")
    pdf = FPDF(unit="mm", format="A4")
    try:
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0)
        pdf.add_font("card", "", regular)
        pdf.add_font("card", "B", bold)
        pdf.set_creator("cashless")
        pdf.set_title(nfc(f"{market} – thẻ VietQR") if market else "VietQR stall cards")
        per_page = spec.cols * spec.rows
        pages = -(-len(stalls) // per_page)
        cards: list[CardInfo] = []
        warnings: list[str] = []
        for page in range(pages):
            pdf.add_page()
            chunk = stalls[page * per_page : (page + 1) * per_page]
            small: list[str] = []
            for index, (stall, lines) in enumerate(
                zip(chunk, texts[page * per_page :], strict=False)
            ):
                card = _draw_card(pdf, spec, size, index, stall, lines, error=error,
                                  mixed=mixed, page=page + 1)
                cards.append(card)
                if card.module_mm < MIN_MODULE_MM:
                    small.append(stall.stall_id)
            warning = None
            if small:
                smallest = min(c.module_mm for c in cards if c.stall_id in small)
                warning = _WARNING.format(module=f"{smallest:.2f}".replace(".", ","),
                                          stalls=", ".join(small))
                warnings.append(warning)
            _cut_marks(pdf, spec)
            _footer(pdf, page + 1, pages, market, warning)
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
    sheet = render_sheet(stalls, layout=layout, market=market, font=font, error=error,
                         mixed=mixed)
    return sheet.save(path)
