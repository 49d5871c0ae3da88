"""One stall's card: an A7 card (105 x 74 mm) as PNG, SVG or a true-size PDF.

For sharing a card by phone (Zalo, e-mail) or printing a single replacement. The sheet
(:mod:`cashless.stalls.sheet`) remains the way to print many. Both take their geometry,
lines and text fitting from :mod:`cashless.stalls.layout`: a 50 mm code, the same lines,
the card code (given one) in the bottom-right corner. The PDF is the card at true size
above a 50 mm scale bar, and asks viewers not to scale it.

>>> from cashless.stalls.registry import load_registry
>>> stall = load_registry("examples/stalls.csv")["A01"]
>>> card_png(stall, market="Chợ Điện Biên", dpi=100).size
(413, 291)
>>> card_svg(stall)[:60]
'<svg xmlns="http://www.w3.org/2000/svg" width="105mm" height'
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from cashless._io import atomic_path, write_text
from cashless.errors import LayoutError, OutputError, UsageError, require_extra

require_extra("print", "fpdf", "fontTools", "matplotlib", "segno", "PIL")

from cashless.stalls import layout as card_layout  # noqa: E402
from cashless.stalls import qr as qr_codes  # noqa: E402
from cashless.stalls.fonts import card_fonts, check_fonts  # noqa: E402
from cashless.stalls.layout import CardPlan, Measure, card_lines, plan_card  # noqa: E402
from cashless.stalls.qr import make_card_code, make_qr, matrix_rows, to_image  # noqa: E402
from cashless.stalls.registry import Stall  # noqa: E402

if TYPE_CHECKING:
    import segno
    from PIL import Image, ImageFont

__all__ = [
    "CARD_SUFFIXES",
    "DPI_RANGE",
    "card_pdf",
    "card_plan",
    "card_png",
    "card_svg",
    "write_card",
]

#: What :func:`write_card` writes, by suffix.
CARD_SUFFIXES = (".png", ".svg", ".pdf")

#: Resolutions a PNG card may be written at (dots per inch).
DPI_RANGE = range(50, 1201)
# Faces are measured at one pixel per font unit of a 2048-unit em (DejaVu's), where
# FreeType's whole-pixel advances are the font's own: the widths fpdf2 reads for the sheet.
_MEASURE_PX = 2048


@lru_cache(maxsize=64)
def _face(path: str, px: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    # basic layout, no kerning: text is set as fpdf2 sets it on the sheet
    return ImageFont.truetype(path, px, layout_engine=ImageFont.Layout.BASIC)


def _pillow_measure(fonts: tuple[str, str]) -> Measure:
    def measure(text: str, bold: bool, size_pt: float) -> float:
        return (
            _face(fonts[bold], _MEASURE_PX).getlength(text)
            / _MEASURE_PX
            * size_pt
            * card_layout.PT_MM
        )

    return measure


def _prepare(
    stall: Stall,
    market: str | None,
    font: str | os.PathLike[str] | None,
    error: str,
    mixed: bool,
    card_code: str | None = None,
    logo: bool = False,
) -> tuple[segno.QRCode, list[list[tuple[int, int]]], CardPlan, tuple[str, str]]:
    lines = card_lines(stall, market)
    regular, bold = card_fonts(font)
    check_fonts("".join(line.text for line in lines), (regular, bold))
    fonts = (str(regular), str(bold))
    for face in fonts:
        try:
            _face(face, _MEASURE_PX)
        except OSError as exc:
            raise LayoutError(f"FreeType cannot load this font: {exc}", source=face) from exc
    qr = make_qr(stall.payload, error=error, mixed=mixed)
    rows = matrix_rows(qr)
    plan = plan_card(
        card_layout.CARD_GRID,
        lines,
        _pillow_measure(fonts),
        modules=len(rows),
        quiet_modules=qr_codes.QUIET_ZONE,
        card_code=card_code is not None,
        logo=logo,
    )
    return qr, rows, plan, fonts


def card_plan(
    stall: Stall,
    *,
    market: str | None = None,
    font: str | os.PathLike[str] | None = None,
    error: str = "M",
    mixed: bool = True,
) -> CardPlan:
    """Where the card's code and lines go, in mm from its top-left corner.

    >>> from cashless.stalls.registry import load_registry
    >>> plan = card_plan(load_registry("examples/stalls.csv")["A01"])
    >>> plan.qr_mm, plan.lines[0].text
    (50.0, 'Quầy A01')
    """
    return _prepare(stall, market, font, error, mixed)[2]


def card_png(
    stall: Stall,
    *,
    market: str | None = None,
    font: str | os.PathLike[str] | None = None,
    dpi: int = 300,
    error: str = "M",
    mixed: bool = True,
    card_code: str | None = None,
    logo: str | os.PathLike[str] | None = None,
) -> Image.Image:
    """The card as a Pillow image at ``dpi`` (300 prints sharp; 150 is enough for a phone).

    Raises :class:`~cashless.errors.UsageError` for a ``dpi`` outside :data:`DPI_RANGE`.
    """
    from PIL import Image, ImageDraw

    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi not in DPI_RANGE:
        raise UsageError(
            f"must be a whole number from {DPI_RANGE.start} to {DPI_RANGE.stop - 1}, not {dpi!r}",
            field="dpi",
        )
    qr, _rows, plan, fonts = _prepare(
        stall, market, font, error, mixed, card_code, logo is not None
    )
    px = dpi / 25.4
    card = Image.new(
        "L", (round(card_layout.CARD_MM[0] * px), round(card_layout.CARD_MM[1] * px)), 255
    )
    # whole pixels per module keep the symbol crisp; it is then a hair under or over 50 mm
    module_px = max(1, round(plan.module_mm * px))
    card.paste(
        to_image(qr, scale=module_px, border=0), (round(plan.qr_x * px), round(plan.qr_y * px))
    )
    if card_code is not None and plan.card_code is not None:
        box = plan.card_code
        code_px = max(1, round(box.w / card_layout.CARD_CODE_MODULES * px))
        card.paste(
            to_image(make_card_code(card_code), scale=code_px, border=0),
            (round(box.x * px), round(box.y * px)),
        )
    if logo is not None and plan.logo is not None:
        box = plan.logo
        with Image.open(logo) as picture:
            mark = picture.convert("L")
        mark.thumbnail((round(box.w * px), round(box.h * px)))
        card.paste(mark, (round(box.x * px), round(box.y * px)))
    draw = ImageDraw.Draw(card)
    for line in plan.lines:
        face = _face(fonts[line.bold], max(1, round(line.pt * card_layout.PT_MM * px)))
        draw.text((line.x * px, line.baseline * px), line.text, fill=0, font=face, anchor="ls")
    return card


def card_svg(
    stall: Stall,
    *,
    market: str | None = None,
    font: str | os.PathLike[str] | None = None,
    error: str = "M",
    mixed: bool = True,
    card_code: str | None = None,
) -> str:
    """The card as SVG text in millimetres: the codes as vector paths, the text as text."""
    _qr, rows, plan, _fonts = _prepare(stall, market, font, error, mixed, card_code)

    def runs_path(rows: list[list[tuple[int, int]]], x: float, y: float, module: float) -> str:
        return "".join(
            f"M{x + start * module:.3f} {y + r * module:.3f}h{length * module:.3f}v{module:.3f}"
            f"h{-length * module:.3f}z"
            for r, runs in enumerate(rows)
            for start, length in runs
        )

    path = runs_path(rows, plan.qr_x, plan.qr_y, plan.module_mm)
    if card_code is not None and plan.card_code is not None:
        box = plan.card_code
        micro = matrix_rows(make_card_code(card_code))
        path += runs_path(micro, box.x, box.y, box.w / card_layout.CARD_CODE_MODULES)
    family = "DejaVu Sans, sans-serif" if font is None else f"{Path(font).stem}, sans-serif"
    texts = "".join(
        f'<text x="{line.x:.2f}" y="{line.baseline:.2f}" font-size="{line.pt * card_layout.PT_MM:.3f}"'
        f"{' font-weight=' + quoteattr('bold') if line.bold else ''}>{escape(line.text)}</text>"
        for line in plan.lines
    )
    w, h = card_layout.CARD_MM
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:g}mm" height="{h:g}mm" '
        f'viewBox="0 0 {w:g} {h:g}"><rect width="{w:g}" height="{h:g}" fill="#fff"/>'
        f'<path d="{path}" fill="#000" shape-rendering="crispEdges"/>'
        f'<g font-family={quoteattr(family)} fill="#000">{texts}</g></svg>'
    )


def card_pdf(
    stall: Stall,
    *,
    market: str | None = None,
    font: str | os.PathLike[str] | None = None,
    error: str = "M",
    mixed: bool = True,
    card_code: str | None = None,
    logo: str | os.PathLike[str] | None = None,
) -> bytes:
    """The card as a true-size PDF: an A7 card above a 50 mm scale bar, not to be scaled."""
    from cashless.stalls.sheet import render_sheet

    width, height = card_layout.A7_MM
    grid = card_layout.Grid(
        card_layout.CARD_LAYOUT, "A7", (width, height + card_layout.FOOTER_MM), (width, height), 1.0
    )
    codes = {stall.stall_id: card_code} if card_code is not None else None
    sheet = render_sheet(
        [stall], grid=grid, market=market, font=font, error=error, mixed=mixed,
        card_codes=codes, logo=logo,
    )  # fmt: skip
    return sheet.data


def write_card(
    stall: Stall,
    path: str | os.PathLike[str],
    *,
    market: str | None = None,
    font: str | os.PathLike[str] | None = None,
    dpi: int = 300,
    error: str = "M",
    mixed: bool = True,
    card_code: str | None = None,
    logo: str | os.PathLike[str] | None = None,
) -> Path:
    """Write the card as ``.png``, ``.svg`` or ``.pdf`` (by suffix), atomically.

    ``card_code`` (at most 18 QR-alphanumeric characters) is drawn as a Micro QR. Another
    suffix raises :class:`~cashless.errors.OutputError` before any work.
    """
    target = Path(path)
    kind = target.suffix.lower()
    if kind not in CARD_SUFFIXES:
        raise OutputError(
            f"{str(path)!r}: a card is written as {', '.join(CARD_SUFFIXES)}, not "
            f"{kind or 'a file without suffix'}"
        )
    options = {"market": market, "font": font, "error": error, "mixed": mixed}
    if kind == ".svg":
        return write_text(target, card_svg(stall, card_code=card_code, **options))  # type: ignore[arg-type]
    if kind == ".pdf":
        data = card_pdf(stall, card_code=card_code, logo=logo, **options)  # type: ignore[arg-type]
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)
        return target
    image = card_png(
        stall, market=market, font=font, dpi=dpi, error=error, mixed=mixed,
        card_code=card_code, logo=logo,
    )  # fmt: skip
    with atomic_path(target) as tmp:
        image.save(tmp, format="PNG", dpi=(dpi, dpi))
    return target
