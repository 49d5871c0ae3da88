"""One stall's card as an image: the same A7 card as on the sheet, as PNG or SVG.

For sharing a card by phone (Zalo, e-mail) or printing a single replacement. The
sheet (:mod:`cashless.stalls.sheet`) remains the way to print many; both show the same lines
from :func:`cashless.stalls.sheet.card_lines`.

>>> from cashless.stalls.registry import load_registry
>>> stall = load_registry("examples/stalls.csv")["A01"]
>>> card_png(stall, market="Chợ Điện Biên", dpi=100).size
(413, 291)
>>> card_svg(stall)[:60]
'<svg xmlns="http://www.w3.org/2000/svg" width="105mm" height'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from cashless._io import atomic_path, write_text
from cashless.errors import CharsetError, FormatError
from cashless.stalls.qr import QUIET_ZONE, make_qr, matrix_rows, to_image
from cashless.stalls.registry import Stall
from cashless.stalls.sheet import EDGE, card_lines, default_fonts, missing_glyphs

if TYPE_CHECKING:
    from PIL import Image, ImageFont

__all__ = ["CARD_MM", "card_png", "card_svg", "write_card"]

CARD_MM = (105.0, 74.0)  # A7 landscape, as on the 2x4 sheet
QR_MM = 50.0
_PT_MM = 25.4 / 72  # one typographic point in mm
_LINE_GAP = 1.25


@dataclass(frozen=True)
class _Line:
    x: float  # mm from the left
    baseline: float  # mm from the top
    text: str
    bold: bool
    pt: float


@lru_cache(maxsize=64)
def _font(path: str, px: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(path, px)


def _measure(fonts: tuple[str, str], text: str, bold: bool, pt: float) -> float:
    """Width of ``text`` in mm at ``pt`` points (measured at 100 px and scaled)."""
    return _font(fonts[bold], 100).getlength(text) / 100 * pt * _PT_MM


def _wrap(fonts: tuple[str, str], text: str, bold: bool, pt: float, width: float) -> list[str]:
    out: list[str] = []
    for word in text.split():
        if out and _measure(fonts, f"{out[-1]} {word}", bold, pt) <= width:
            out[-1] = f"{out[-1]} {word}"
        else:
            out.append(word)
    return out or [""]


def _layout(
    stall: Stall,
    market: str | None,
    fonts: tuple[str, str],
    x0: float,
    x1: float,
    top: float,
    bottom: float,
) -> list[_Line]:
    """Lines top-down: each shrunk to fit (to 70 %), wrapped, the block scaled to fit."""
    width = x1 - x0
    scale = 1.0
    while True:
        placed, y = [], top
        for text, bold, size in card_lines(stall, market):
            pt = size * scale
            while _measure(fonts, text, bold, pt) > width and pt > size * scale * 0.7:
                pt -= 0.25
            height = pt * _PT_MM * _LINE_GAP
            for part in _wrap(fonts, text, bold, pt, width):
                y += height
                placed.append(_Line(x0, y - height * 0.25, part, bold, pt))
        if y <= bottom or scale <= 0.5:
            return placed
        scale *= 0.9


def _geometry(stall: Stall, *, error: str, mixed: bool):
    qr = make_qr(stall.payload, error=error, mixed=mixed)
    rows = matrix_rows(qr)
    module = QR_MM / len(rows)
    x = max(EDGE, QUIET_ZONE * module) + 1
    y = (CARD_MM[1] - QR_MM) / 2
    return qr, rows, module, x, y


def _fonts(
    font: str | os.PathLike[str] | None, stall: Stall, market: str | None
) -> tuple[str, str]:
    regular, bold = (Path(font), Path(font)) if font else default_fonts()
    text = "".join(line for line, _, _ in card_lines(stall, market))
    for face in {regular, bold}:
        if not face.is_file():
            raise FormatError(f"{face}: no such font file")
        missing = missing_glyphs(text, face)
        if missing:
            raise CharsetError(
                f"{face} lacks {''.join(missing)!r}; pass --font with a font that has them"
            )
    return str(regular), str(bold)


def card_png(
    stall: Stall,
    *,
    market: str | None = None,
    font: str | os.PathLike[str] | None = None,
    dpi: int = 300,
    error: str = "M",
    mixed: bool = True,
) -> Image.Image:
    """The card as a Pillow image at ``dpi`` (300 prints sharp; 150 is enough for a phone)."""
    from PIL import Image, ImageDraw

    fonts = _fonts(font, stall, market)
    qr, _rows, module, x, y = _geometry(stall, error=error, mixed=mixed)
    px = dpi / 25.4
    card = Image.new("L", (round(CARD_MM[0] * px), round(CARD_MM[1] * px)), 255)
    # whole pixels per module keep the symbol crisp; it is then a hair under or over 50 mm
    module_px = max(1, round(module * px))
    card.paste(to_image(qr, scale=module_px, border=0), (round(x * px), round(y * px)))
    draw = ImageDraw.Draw(card)
    text_x0 = x + QR_MM + QUIET_ZONE * module + 1.5
    for line in _layout(
        stall, market, fonts, text_x0, CARD_MM[0] - EDGE, max(EDGE, y - 1.5), CARD_MM[1] - EDGE
    ):
        face = _font(fonts[line.bold], max(1, round(line.pt * _PT_MM * px)))
        draw.text((line.x * px, line.baseline * px), line.text, fill=0, font=face, anchor="ls")
    return card


def card_svg(
    stall: Stall,
    *,
    market: str | None = None,
    font: str | os.PathLike[str] | None = None,
    error: str = "M",
    mixed: bool = True,
) -> str:
    """The card as SVG text in millimetres: the QR as one vector path, the text as text."""
    fonts = _fonts(font, stall, market)
    _qr, rows, module, x, y = _geometry(stall, error=error, mixed=mixed)
    path = "".join(
        f"M{x + start * module:.3f} {y + r * module:.3f}h{length * module:.3f}v{module:.3f}"
        f"h{-length * module:.3f}z"
        for r, runs in enumerate(rows)
        for start, length in runs
    )
    text_x0 = x + QR_MM + QUIET_ZONE * module + 1.5
    family = "DejaVu Sans, sans-serif" if font is None else f"{Path(font).stem}, sans-serif"
    texts = "".join(
        f'<text x="{line.x:.2f}" y="{line.baseline:.2f}" font-size="{line.pt * _PT_MM:.3f}"'
        f"{' font-weight=' + chr(34) + 'bold' + chr(34) if line.bold else ''}>"
        f"{escape(line.text)}</text>"
        for line in _layout(
            stall, market, fonts, text_x0, CARD_MM[0] - EDGE, max(EDGE, y - 1.5), CARD_MM[1] - EDGE
        )
    )
    w, h = CARD_MM
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:g}mm" height="{h:g}mm" '
        f'viewBox="0 0 {w:g} {h:g}"><rect width="{w:g}" height="{h:g}" fill="#fff"/>'
        f'<path d="{path}" fill="#000" shape-rendering="crispEdges"/>'
        f'<g font-family="{escape(family)}" fill="#000">{texts}</g></svg>'
    )


def write_card(
    stall: Stall,
    path: str | os.PathLike[str],
    *,
    market: str | None = None,
    font: str | os.PathLike[str] | None = None,
    dpi: int = 300,
    error: str = "M",
    mixed: bool = True,
) -> Path:
    """Write the card as ``.png`` or ``.svg`` (by suffix), atomically; return the path."""
    target = Path(path)
    kind = target.suffix.lower()
    if kind == ".svg":
        return write_text(
            target, card_svg(stall, market=market, font=font, error=error, mixed=mixed)
        )
    if kind != ".png":
        raise FormatError(
            f"a card is written as .png or .svg, not {kind or 'no suffix'!r}; "
            "use `cashless sheet` for a PDF"
        )
    image = card_png(stall, market=market, font=font, dpi=dpi, error=error, mixed=mixed)
    with atomic_path(target) as tmp:
        image.save(tmp, format="PNG", dpi=(dpi, dpi))
    return target
