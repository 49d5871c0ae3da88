"""Validated stalls -> a print-ready PDF of stall cards (fpdf2, vector QR codes).

Paper A4, A5, A6 or Letter; layouts (:data:`cashless.stalls.layout.LAYOUTS`): ``2x4``
(counter cards, 50 mm QR, the default), ``2x2`` (70 mm), ``1x2`` (100 mm), ``1x1`` (one A7
card per page) and ``placard`` (one portrait card per page, 70-100 mm code). Each card
shows the QR code with its 4-module quiet zone, the lines of
:func:`cashless.stalls.layout.card_lines` placed by :func:`cashless.stalls.layout.plan_card`
exactly as on the single card (:mod:`cashless.stalls.card`), and, given ``card_codes``,
the stall's card code as a Micro QR in the bottom-right corner. Each page has cut marks,
a 50 mm scale bar and, when a module would be smaller than 0.8 mm, a warning line; the
PDF asks viewers not to scale it (``/PrintScaling /None``). ``start`` begins at a later
slot of a partly used sheet. Nothing is drawn within 5 mm of the paper edge. Every sheet
comes with a manifest (stall, payload, check code, card code, page, slot).

:func:`render_sheet` returns the PDF in memory (the web page serves it from there), with
every card's :class:`CardInfo`: each page's content is deflated as soon as the page is
drawn (fpdf2 would keep it uncompressed to the end) and each card keeps its placed lines
packed, so memory is a fixed part (the fonts, fpdf2) plus about twice the PDF.
:func:`stream_sheet` (``cashless sheet``) writes the same PDF to a file with memory flat
in the stall count: pages go to a temporary file as they are finished, manifest rows
to the manifest as cards are drawn, and the PDF straight to its file.

Text is set in DejaVu Sans, taken from matplotlib's data (no font file in this repo), or
in any TrueType font given by path; every string is NFC-normalised and the font is
checked to cover every character before anything is drawn (:mod:`cashless.stalls.fonts`).

>>> from cashless.stalls.registry import parse_registry
>>> stalls = parse_registry("stall_id,stall_name,vendor_name,bank,account\\n"
...                         "A01,Rau sạch,Nguyễn Thị Trâm,VCB,0011001234567\\n")
>>> sheet = render_sheet(stalls, market="Chợ Điện Biên")
>>> sheet.pages, sheet.cards[0].version, round(sheet.cards[0].module_mm, 2)
(1, 5, 1.35)
>>> sheet.data[:5], b"/PrintScaling /None" in sheet.data
(b'%PDF-', True)
>>> sheet.manifest_csv().splitlines()[0]
'stall,payload,check_code,card_code,page,slot'
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import math
import os
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from cashless._io import atomic_path, atomic_paths
from cashless.errors import LayoutError, UsageError, require_extra

require_extra("print", "fpdf", "fontTools", "matplotlib", "segno", "PIL")

from cashless.payload.text import nfc  # noqa: E402
from cashless.stalls import layout as card_layout  # noqa: E402
from cashless.stalls import qr as qr_codes  # noqa: E402
from cashless.stalls.fonts import card_fonts, check_fonts  # noqa: E402
from cashless.stalls.layout import (  # noqa: E402
    Box,
    Grid,
    Measure,
    PlacedLine,
    TextLine,
    card_lines,
    fit_size,
    plan_card,
)
from cashless.stalls.qr import make_card_code, make_qr, matrix_rows  # noqa: E402
from cashless.stalls.registry import Stall  # noqa: E402

if TYPE_CHECKING:
    from fpdf import FPDF
    from fpdf.output import OutputProducer

__all__ = [
    "CardInfo",
    "Sheet",
    "SheetSummary",
    "manifest_path",
    "render_sheet",
    "stream_sheet",
    "write_sheet",
]

MANIFEST_COLUMNS = ("stall", "payload", "check_code", "card_code", "page", "slot")

_PAGE_LINE = "trang {page}/{pages} · In 100 % (kích thước thực): thanh đo phải dài đúng 50 mm"
_WARNING = (
    "Cảnh báo: ô mã QR chỉ {module} mm (< 0,8 mm), khó quét — quầy {stalls}; "
    "hãy chọn bố cục lớn hơn"
)
_CROWDED = (
    "chữ dưới 9 pt trên thẻ quầy {stalls}: tên hoặc nội dung quá dài; "
    "hãy rút gọn hoặc chọn bố cục lớn hơn"
)
_FOOTER_PT = 7.0
_FOOTER_FLOOR_PT = 4.0
# Texts measured by fpdf2 are cached; nearly all belong to one card, so the cache is
# emptied when it holds this many rather than growing with the sheet.
_WIDTHS_KEPT = 256
_PACKED_LINE = struct.Struct("<dddI?")  # x, baseline, pt, length of the text, bold


def _pack_lines(lines: Sequence[PlacedLine]) -> tuple[bytes, str]:
    """Placed lines as one bytes and one str: a few hundred bytes a card, not kilobytes."""
    placed = b"".join(
        _PACKED_LINE.pack(line.x, line.baseline, line.pt, len(line.text), line.bold)
        for line in lines
    )
    return placed, "".join(line.text for line in lines)


@dataclass(frozen=True, slots=True)
class CardInfo:
    """Where one stall's card was drawn: page and slot (from 1), the QR symbol's top-left
    corner and edge in mm, its version, level and module size, the text lines as placed
    (:attr:`lines`), and the card code's box and text when the card carries one.

    The lines are kept packed, so that a sheet of thousands of cards holds little more
    than its PDF; :attr:`lines` unpacks them.
    """

    stall_id: str
    page: int
    x: float
    y: float
    size_mm: float
    version: int
    error: str
    module_mm: float
    slot: int = 1
    payload: str = ""
    check_code: str = ""
    card_code: str | None = None
    card_code_box: Box | None = None
    _placed: bytes = field(default=b"", repr=False)
    _texts: str = field(default="", repr=False)

    @property
    def lines(self) -> tuple[PlacedLine, ...]:
        """The card's text lines as drawn, top to bottom."""
        lines = []
        start = 0
        for x, baseline, pt, length, bold in _PACKED_LINE.iter_unpack(self._placed):
            lines.append(PlacedLine(x, baseline, self._texts[start : start + length], bold, pt))
            start += length
        return tuple(lines)


def manifest_path(path: str | os.PathLike[str]) -> Path:
    """The manifest written beside a sheet: ``cards.pdf`` -> ``cards-manifest.csv``.

    >>> manifest_path("out/cards.pdf").as_posix()
    'out/cards-manifest.csv'
    """
    target = Path(path)
    return target.with_name(f"{target.stem}-manifest.csv")


@dataclass(frozen=True)
class Sheet:
    """A rendered sheet: the PDF bytes, the cards, and the warnings printed on it."""

    data: bytes
    pages: int
    cards: tuple[CardInfo, ...]
    warnings: tuple[str, ...]

    def manifest_csv(self) -> str:
        """One row per card: stall, payload, check code, card code, page, slot (CSV text)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(MANIFEST_COLUMNS)
        for card in self.cards:
            writer.writerow(_manifest_row(card))
        return out.getvalue()

    def save(self, path: str | os.PathLike[str], *, manifest: bool = True) -> Path:
        """Write the PDF atomically and, with ``manifest``, its manifest beside it."""
        with atomic_path(path) as tmp:
            tmp.write_bytes(self.data)
            if manifest:
                with atomic_path(manifest_path(path)) as listing:
                    listing.write_text(self.manifest_csv(), encoding="utf-8")
        return Path(path)


def _style(bold: bool) -> str:
    return "B" if bold else ""


def _fpdf_measure(pdf: FPDF) -> Measure:
    """fpdf2's string width, computed once per text at 10 pt (widths scale with the size)."""
    widths: dict[tuple[str, bool], float] = {}

    def measure(text: str, bold: bool, size_pt: float) -> float:
        width = widths.get((text, bold))
        if width is None:
            if len(widths) >= _WIDTHS_KEPT:
                widths.clear()
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


def _cut_marks(pdf: FPDF, grid: Grid, cards: int) -> None:
    card_w, card_h = grid.card_mm
    pdf.set_draw_color(120)
    pdf.set_line_width(0.2)
    arm = 2.5
    corners = set()
    for index in range(cards):
        x, y = grid.origin(index)
        corners.update({(x, y), (x + card_w, y), (x, y + card_h), (x + card_w, y + card_h)})
    page_w, page_h = grid.page_mm
    for x, y in corners:
        # a mark only where it falls on paper a printer can print
        for x0, y0, x1, y1 in ((x - arm, y, x + arm, y), (x, y - arm, x, y + arm)):
            x0, x1 = max(x0, card_layout.EDGE_MM), min(x1, page_w - card_layout.EDGE_MM)
            y0, y1 = max(y0, card_layout.EDGE_MM), min(y1, page_h - card_layout.EDGE_MM)
            if (x0 < x1 or y0 < y1) and x0 <= x1 and y0 <= y1:
                pdf.line(x0, y0, x1, y1)


def _footer(
    pdf: FPDF,
    measure: Measure,
    grid: Grid,
    page: int,
    pages: int,
    market: str | None,
    warning: str | None,
) -> None:
    page_w, page_h = grid.page_mm
    top = page_h - card_layout.FOOTER_MM
    bar_x, bar_y = card_layout.EDGE_MM + 2, top + 5.5
    pdf.set_draw_color(0)
    pdf.set_line_width(0.3)
    pdf.line(bar_x, bar_y, bar_x + 50, bar_y)
    for tick in range(6):
        height = 2.0 if tick in (0, 5) else 1.0
        pdf.line(bar_x + 10 * tick, bar_y - height, bar_x + 10 * tick, bar_y)
    pdf.set_font("card", "", _FOOTER_PT)
    pdf.text(bar_x + 51, bar_y, "50 mm")
    info = nfc((f"{market} · " if market else "") + _PAGE_LINE.format(page=page, pages=pages))
    left = bar_x + 60
    width = page_w - card_layout.EDGE_MM - left
    size = fit_size(info, False, _FOOTER_PT, width, measure, floor_pt=_FOOTER_FLOOR_PT)
    parts = [info]
    if measure(info, False, size) > width:
        parts = card_layout.wrap(info, False, size, width, measure)[:3]
    pdf.set_font("card", "", size)
    for number, part in enumerate(parts):
        pdf.text(left, bar_y - 2.5 + number * size * card_layout.PT_MM * 1.15, part)
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
    grid: Grid,
    index: int,
    stall: Stall,
    lines: list[TextLine],
    *,
    qr_mm: float | None,
    error: str,
    mixed: bool,
    page: int,
    card_code: str | None,
    logo: str | None,
) -> tuple[CardInfo, float]:
    """Draw card ``index`` of the current page: QR symbol, text, card code, logo.

    Returns where it went and its smallest type size in pt."""
    qr = make_qr(stall.payload, error=error, mixed=mixed)
    rows = matrix_rows(qr)
    plan = plan_card(
        grid,
        lines,
        measure,
        modules=len(rows),
        quiet_modules=qr_codes.QUIET_ZONE,
        qr_mm=qr_mm,
        origin=grid.origin(index),
        card_code=card_code is not None,
        logo=logo is not None,
    )
    pdf.set_fill_color(0)
    _draw_qr(pdf, rows, plan.qr_x, plan.qr_y, plan.module_mm)
    if card_code is not None and plan.card_code is not None:
        micro = make_card_code(card_code)
        box = plan.card_code
        _draw_qr(pdf, matrix_rows(micro), box.x, box.y, box.w / card_layout.CARD_CODE_MODULES)
    if logo is not None and plan.logo is not None:
        box = plan.logo
        pdf.image(logo, x=box.x, y=box.y, w=box.w, h=box.h, keep_aspect_ratio=True)
    for line in plan.lines:
        pdf.set_font("card", _style(line.bold), line.pt)
        pdf.text(line.x, line.baseline, line.text)
    placed, texts = _pack_lines(plan.lines)
    card = CardInfo(
        stall.stall_id,
        page,
        plan.qr_x,
        plan.qr_y,
        plan.qr_mm,
        int(qr.version),
        str(qr.error),
        plan.module_mm,
        slot=index + 1,
        payload=stall.payload,
        check_code=stall.check_code,
        card_code=card_code,
        card_code_box=plan.card_code,
        _placed=placed,
        _texts=texts,
    )
    return card, min((line.pt for line in plan.lines), default=99.0)


def _check_logo(logo: str | os.PathLike[str] | None) -> str | None:
    if logo is None:
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(logo) as image:
            image.verify()
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise UsageError(f"not a readable image: {exc}", source=str(logo), field="logo") from exc
    return os.fspath(logo)


@dataclass(frozen=True)
class _Job:
    """A checked request for a sheet: what :func:`_draw_sheet` draws."""

    stalls: list[Stall]
    grid: Grid
    start: int
    market: str | None
    fonts: tuple[Path, Path]  # regular, bold
    error: str
    mixed: bool
    qr_mm: float | None
    card_codes: Mapping[str, str]
    logo: str | None


def _plan(
    stalls: Iterable[Stall],
    *,
    layout: str,
    paper: str,
    market: str | None,
    font: str | os.PathLike[str] | None,
    error: str,
    mixed: bool,
    qr_mm: float | None,
    card_codes: Mapping[str, str] | None,
    start: int,
    logo: str | os.PathLike[str] | None,
    grid: Grid | None,
) -> _Job:
    """Check the options and every character to print, before anything is drawn."""
    if grid is None:
        if layout not in card_layout.LAYOUTS:
            raise UsageError(
                f"must be one of {', '.join(card_layout.LAYOUTS)}, not {layout!r}", field="layout"
            )
        grid = card_layout.LAYOUTS[layout].grid(paper)
    if qr_mm is not None and not (isinstance(qr_mm, (int, float)) and 0 < qr_mm < math.inf):
        raise UsageError(f"must be a positive number of millimetres, not {qr_mm!r}", field="qr_mm")
    per_page = grid.per_page
    if isinstance(start, bool) or not isinstance(start, int) or not 1 <= start <= per_page:
        raise UsageError(
            f"must be a slot from 1 to {per_page} of layout {grid.layout.name}, not {start!r}",
            field="start",
        )
    stalls = list(stalls)
    if not stalls:
        raise UsageError("no stalls to print", field="stalls")
    logo_file = _check_logo(logo)
    market = nfc(market).strip() or None if market else None
    regular, bold = card_fonts(font)
    # every character is checked before anything is drawn; the lines themselves are made
    # again card by card, so that none is kept for the whole sheet
    chars = {c for stall in stalls for line in card_lines(stall, market) for c in line.text}
    check_fonts(
        "".join(sorted(chars)) + f"{market or ''}{_PAGE_LINE}{_WARNING}0123456789,",
        (regular, bold),
    )
    return _Job(
        stalls,
        grid,
        start,
        market,
        (Path(regular), Path(bold)),
        error,
        mixed,
        qr_mm,
        card_codes or {},
        logo_file,
    )


@contextmanager
def _sheet_pdf(job: _Job) -> Iterator[FPDF]:
    """A new fpdf2 document with the sheet's fonts and metadata; its errors as LayoutError."""
    from fpdf import FPDF, ViewerPreferences
    from fpdf.errors import FPDFException

    pdf = FPDF(unit="mm", format=job.grid.page_mm)
    try:
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0)
        pdf.viewer_preferences = ViewerPreferences(print_scaling="None")
        for style, face in zip(("", "B"), job.fonts, strict=True):
            try:
                pdf.add_font("card", style, face)
            # fontTools read the face already; what fpdf2 still refuses it reports in
            # several ways (a font it cannot embed, a table it does not support)
            except (FPDFException, NotImplementedError, KeyError, ValueError) as exc:
                raise LayoutError(f"fpdf2 cannot embed this font: {exc}", source=str(face)) from exc
        pdf.set_creator("cashless")
        market = job.market
        pdf.set_title(nfc(f"{market} – thẻ VietQR") if market else "VietQR stall cards")
        yield pdf
    except (OSError, RuntimeError, FPDFException) as exc:
        raise LayoutError(f"cannot draw the sheet: {exc}") from exc
    finally:
        # fpdf2 opens each TrueType file lazily and never closes it
        for loaded in pdf.fonts.values():
            if hasattr(loaded, "ttfont"):
                loaded.ttfont.close()


def render_sheet(
    stalls: Iterable[Stall],
    *,
    layout: str = "2x4",
    paper: str = "A4",
    market: str | None = None,
    font: str | os.PathLike[str] | None = None,
    error: str = "M",
    mixed: bool = True,
    qr_mm: float | None = None,
    card_codes: Mapping[str, str] | None = None,
    start: int = 1,
    logo: str | os.PathLike[str] | None = None,
    grid: Grid | None = None,
) -> Sheet:
    """Lay out one card per stall on pages of ``paper`` and return the PDF in memory.

    ``font`` is a TrueType file used for all text (default: DejaVu Sans and Bold from
    matplotlib). ``qr_mm`` overrides the layout's QR edge. ``card_codes`` maps a stall id
    to its card code (:mod:`cashless.stalls.cardcode`), drawn as a Micro QR; ``start``
    is the slot (from 1) of the first card on the first page; ``logo`` an image file
    printed on every card. Raises :class:`~cashless.errors.UsageError` for a bad
    ``layout``, ``paper``, ``qr_mm``, ``start``, ``logo`` or ``error`` level or no stalls,
    and :class:`~cashless.errors.LayoutError` when the font lacks a character to print or
    the code does not fit the card. :func:`stream_sheet` writes the same PDF to a file
    without holding it.
    """
    job = _plan(
        stalls,
        layout=layout,
        paper=paper,
        market=market,
        font=font,
        error=error,
        mixed=mixed,
        qr_mm=qr_mm,
        card_codes=card_codes,
        start=start,
        logo=logo,
        grid=grid,
    )
    return _render(job)


def _render(job: _Job) -> Sheet:
    producer = _deflated_pages()
    cards: list[CardInfo] = []
    with _sheet_pdf(job) as pdf:
        finish = _deflate if producer is not None else None
        pages, warnings, finished = _draw_sheet(pdf, job, cards.append, finish)
        if finished and producer is not None:
            data = pdf.output(output_producer_class=producer)
        else:
            data = pdf.output()
    return Sheet(bytes(data), pages, tuple(cards), tuple(warnings))


@dataclass(frozen=True)
class SheetSummary:
    """What :func:`stream_sheet` wrote: the PDF's path, the manifest's (or ``None``), the
    number of pages and cards, the smallest and largest QR version and module size (mm),
    and the warnings printed on the sheet."""

    path: Path
    manifest: Path | None
    pages: int
    cards: int
    versions: tuple[int, int]
    module_mm: tuple[float, float]
    warnings: tuple[str, ...]


class _Tally:
    """The card count and the ranges of a :class:`SheetSummary`, card by card."""

    def __init__(self) -> None:
        self.cards = 0
        self.versions = (math.inf, -math.inf)
        self.modules = (math.inf, -math.inf)

    def add(self, card: CardInfo) -> None:
        self.cards += 1
        self.versions = (min(self.versions[0], card.version), max(self.versions[1], card.version))
        self.modules = (min(self.modules[0], card.module_mm), max(self.modules[1], card.module_mm))

    def summary(
        self, path: Path, manifest: Path | None, pages: int, warnings: Sequence[str]
    ) -> SheetSummary:
        low, high = self.versions
        return SheetSummary(
            path, manifest, pages, self.cards, (int(low), int(high)), self.modules, tuple(warnings)
        )


def stream_sheet(
    stalls: Iterable[Stall],
    path: str | os.PathLike[str],
    *,
    manifest: bool = True,
    layout: str = "2x4",
    paper: str = "A4",
    market: str | None = None,
    font: str | os.PathLike[str] | None = None,
    error: str = "M",
    mixed: bool = True,
    qr_mm: float | None = None,
    card_codes: Mapping[str, str] | None = None,
    start: int = 1,
    logo: str | os.PathLike[str] | None = None,
    grid: Grid | None = None,
) -> SheetSummary:
    """Write the sheet of :func:`render_sheet` to ``path`` as it is drawn, and with
    ``manifest`` its manifest beside it (:func:`manifest_path`): both or neither.

    The PDF is the same, byte for byte, but memory does not grow with the stall count:
    each page goes deflated to a temporary file as soon as it is drawn, each manifest row
    to the manifest, and the PDF is written straight to its file. The options and errors
    are :func:`render_sheet`'s; the outputs are written as :func:`cashless._io.atomic_paths`
    writes them.

    >>> import pathlib, tempfile
    >>> from cashless.stalls.registry import parse_registry
    >>> stalls = parse_registry("stall_id,stall_name,vendor_name,bank,account\\n"
    ...                         "A01,Rau sạch,Nguyễn Thị Trâm,VCB,0011001234567\\n")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     summary = stream_sheet(stalls, pathlib.Path(folder) / "cards.pdf")
    ...     summary.path.read_bytes()[:5], summary.manifest.name
    (b'%PDF-', 'cards-manifest.csv')
    >>> summary.pages, summary.cards, summary.versions
    (1, 1, (5, 5))
    """
    job = _plan(
        stalls,
        layout=layout,
        paper=paper,
        market=market,
        font=font,
        error=error,
        mixed=mixed,
        qr_mm=qr_mm,
        card_codes=card_codes,
        start=start,
        logo=logo,
        grid=grid,
    )
    target = Path(path)
    listing = manifest_path(target) if manifest else None
    tally = _Tally()
    if _spooled_content() is None:  # this fpdf2 cannot: render, then save
        sheet = _render(job)
        for card in sheet.cards:
            tally.add(card)
        sheet.save(target, manifest=manifest)
        return tally.summary(target, listing, sheet.pages, sheet.warnings)
    outputs = [target] if listing is None else [target, listing]
    with atomic_paths(*outputs) as temporary, ExitStack() as files:
        out = files.enter_context(open(temporary[0], "wb"))
        rows = None
        if listing is not None:
            rows = _ManifestWriter(files.enter_context(open(temporary[1], "w", encoding="utf-8")))

        def on_card(card: CardInfo) -> None:
            tally.add(card)
            if rows is not None:
                rows.write(card)

        pages, warnings = _stream(job, on_card, out)
    return tally.summary(target, listing, pages, warnings)


def write_sheet(
    stalls: Iterable[Stall],
    path: str | os.PathLike[str],
    **options: Any,
) -> Path:
    """Write the sheet and its manifest atomically (:func:`stream_sheet`); the PDF's path.

    ``options`` are :func:`render_sheet`'s.
    """
    return stream_sheet(stalls, path, **options).path


class _OutputFailed(Exception):
    """An ``OSError`` of the sheet's own files, carried past the drawing's error handling."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def _stream(job: _Job, on_card: Callable[[CardInfo], None], out: BinaryIO) -> tuple[int, list[str]]:
    """Draw the sheet, its pages spooled, and write the PDF to ``out``: pages, warnings."""
    try:
        with tempfile.TemporaryFile(prefix="cashless-pages-") as spool_file:
            spool = _Spool(spool_file)
            with _sheet_pdf(job) as pdf:
                pages, warnings, finished = _draw_sheet(pdf, job, on_card, spool.finish)
                if finished:
                    pdf.output(output_producer_class=_spooled_output(spool, out))
                else:  # an fpdf2 that keeps pages its own way: its whole PDF at once
                    _write(out, pdf.output())
    except _OutputFailed as failed:
        # the OSError itself, which atomic_paths reports naming the user's path
        raise failed.error from None
    return pages, warnings


def _write(out: BinaryIO, data: bytes | bytearray) -> None:
    try:
        out.write(data)
    except OSError as exc:
        raise _OutputFailed(exc) from exc


def _manifest_row(card: CardInfo) -> list[str | int]:
    return [
        card.stall_id,
        card.payload,
        card.check_code,
        card.card_code or "",
        card.page,
        card.slot,
    ]


class _ManifestWriter:
    """The manifest CSV, a row written as each card is drawn."""

    def __init__(self, stream: TextIO) -> None:
        self._csv = csv.writer(stream, lineterminator="\n")
        self._csv.writerow(MANIFEST_COLUMNS)

    def write(self, card: CardInfo) -> None:
        try:
            self._csv.writerow(_manifest_row(card))
        except OSError as exc:
            raise _OutputFailed(exc) from exc


def _deflate(contents: bytearray) -> bytearray:
    """A finished page's content deflated (kept in memory until the PDF is written)."""
    return bytearray(zlib.compress(contents))


class _Spool:
    """Finished pages' deflated content in a temporary file; each page keeps an empty one."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self._size = 0
        self._extents: list[tuple[int, int]] = []  # (offset, length) of page 1, 2, ...

    def finish(self, contents: bytearray) -> bytearray:
        """Spool the next page's content, deflated; what the page keeps: nothing."""
        data = zlib.compress(contents)
        _write(self._file, data)
        self._extents.append((self._size, len(data)))
        self._size += len(data)
        return bytearray()

    def extent(self, number: int) -> tuple[int, int]:
        """Where page ``number`` (from 1) is in the spool: offset and length."""
        return self._extents[number - 1]

    def read(self, offset: int, length: int) -> bytes:
        try:
            self._file.seek(offset)
            data = self._file.read(length)
        except OSError as exc:
            raise _OutputFailed(exc) from exc
        if len(data) != length:
            raise RuntimeError("a page's content is missing from its temporary file")
        return data


class _PdfWriter:
    """fpdf2's output buffer, written to a file as it grows; only its length is kept.

    fpdf2 appends to its buffer with ``+=``, takes object offsets from ``len()``, and
    hashes the whole buffer for the file identifier: the digest is kept as it goes.
    """

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._size = 0
        self._md5 = hashlib.md5(usedforsecurity=False)

    def __iadd__(self, data: bytes) -> _PdfWriter:
        _write(self._out, data)
        self._md5.update(data)
        self._size += len(data)
        return self

    def __len__(self) -> int:
        return self._size

    def file_id(self, creation_date: datetime | None) -> str:
        """fpdf2's default ``/ID``: the MD5 of what was written, then the creation date."""
        digest = self._md5.copy()
        if creation_date:
            digest.update(creation_date.strftime("%Y%m%d%H%M%S").encode("utf8"))
        hex_digest = digest.hexdigest().upper()
        return f"<{hex_digest}><{hex_digest}>"


@functools.cache
def _deflated_pages() -> type[OutputProducer] | None:
    """fpdf2's PDF writer for pages whose content was deflated as each page was finished.

    fpdf2 keeps every page's content uncompressed until the PDF is written, some 90 KB a
    page of codes; deflating each page when it is done (the same ``zlib.compress`` fpdf2
    would apply later) keeps a sheet's memory close to its PDF's size. ``None`` when this
    fpdf2 has no such hook: pages are then kept as fpdf2 keeps them.
    """
    import inspect

    from fpdf import FPDF
    from fpdf.output import OutputProducer
    from fpdf.syntax import Name, PDFContentStream

    takes_producer = "output_producer_class" in inspect.signature(FPDF.output).parameters
    if not (takes_producer and hasattr(OutputProducer, "_add_pages")):
        return None

    class DeflatedPages(OutputProducer):
        def _add_pages(self, _slice: slice = slice(0, None)) -> list[Any]:
            compress = self.fpdf.compress
            self.fpdf.compress = False  # the content is deflated already: take it as is
            try:
                pages = super()._add_pages(_slice)
            finally:
                self.fpdf.compress = compress
            for page in pages:
                if not isinstance(page.contents, PDFContentStream):
                    raise RuntimeError("fpdf2 did not make a page's content stream")
                page.contents.filter = Name("FlateDecode")
            return pages

    return DeflatedPages


@functools.cache
def _spooled_content() -> type[Any] | None:
    """The content stream of a spooled page, when this fpdf2 lets a PDF be written as it
    goes (see :func:`_spooled_output`); ``None`` when it does not.

    That needs :func:`_deflated_pages`'s hook, a producer that keeps its objects in
    ``pdf_objs``, and fpdf2's file identifier to be the one :class:`_PdfWriter` computes.
    """
    from fpdf import FPDF
    from fpdf.output import OutputProducer
    from fpdf.syntax import Name, PDFContentStream

    if _deflated_pages() is None or not hasattr(OutputProducer, "_add_pdf_obj"):
        return None
    probe = FPDF()
    writer = _PdfWriter(io.BytesIO())
    writer += b"%PDF-probe"
    if probe._default_file_id(bytearray(b"%PDF-probe")) != writer.file_id(probe.creation_date):
        return None

    class SpooledContent(PDFContentStream):
        """A page's deflated content, read from the spool only when written out."""

        def __init__(self, spool: _Spool, offset: int, length: int) -> None:
            super().__init__(contents=b"", compress=False)
            self._spool = spool
            self._offset = offset
            self.filter = Name("FlateDecode")
            self.length = length

        def content_stream(self) -> bytes:
            return self._spool.read(self._offset, self.length)

    return SpooledContent


def _spooled_output(spool: _Spool, out: BinaryIO) -> type[OutputProducer]:
    """fpdf2's PDF writer for spooled pages, writing the PDF to ``out`` as it is made.

    Each page's content stream becomes a :func:`_spooled_content` object that reads
    the spool when it is written; fpdf2's buffer is a :class:`_PdfWriter`.
    """
    from fpdf.output import OutputProducer

    found = _spooled_content()
    if found is None:
        raise RuntimeError("this fpdf2 cannot write a PDF as it goes")
    content: type[Any] = found

    class SpooledPages(OutputProducer):
        def __init__(self, fpdf: FPDF) -> None:
            super().__init__(fpdf)
            writer = _PdfWriter(out)
            self.buffer = writer  # type: ignore[assignment]
            # fpdf2 would hash its buffer for the /ID: the writer has the digest
            fpdf.file_id = lambda: writer.file_id(fpdf.creation_date)  # type: ignore[method-assign]

        def _add_pages(self, _slice: slice = slice(0, None)) -> list[Any]:
            first = len(self.pdf_objs)
            pages = super()._add_pages(_slice)
            for number, page in enumerate(pages):
                # fpdf2 added each page, then its content stream (empty: the page's is spooled)
                position = first + 2 * number + 1
                made = self.pdf_objs[position]
                if made is not page.contents:
                    raise RuntimeError("fpdf2 did not add a page's content stream after it")
                stream = content(spool, *spool.extent(page.index()))
                stream.id = made.id
                self.pdf_objs[position] = page.contents = stream
            return pages

    return SpooledPages


def _draw_sheet(
    pdf: FPDF,
    job: _Job,
    on_card: Callable[[CardInfo], None],
    finish_page: Callable[[bytearray], bytearray] | None,
) -> tuple[int, list[str], bool]:
    """Draw every page, each card given to ``on_card`` as it is drawn and each page's
    content to ``finish_page`` (if any) when done, replaced by what it returns; pages,
    warnings, and whether every page was finished (``False``: this fpdf2 keeps pages its
    own way, none was given)."""
    grid, stalls, market = job.grid, job.stalls, job.market
    measure = _fpdf_measure(pdf)
    per_page = grid.per_page
    first = job.start - 1  # the first card's slot on the first page, from 0
    pages = (first + len(stalls) - 1) // per_page + 1
    warnings: list[str] = []
    position = 0
    for page in range(pages):
        pdf.add_page()
        small: list[CardInfo] = []
        crowded: list[str] = []
        drawn = 0
        while position < len(stalls) and (first + position) // per_page == page:
            stall = stalls[position]
            slot = (first + position) % per_page
            card, smallest_pt = _draw_card(
                pdf,
                measure,
                grid,
                slot,
                stall,
                card_lines(stall, market),
                qr_mm=job.qr_mm,
                error=job.error,
                mixed=job.mixed,
                page=page + 1,
                card_code=job.card_codes.get(stall.stall_id),
                logo=job.logo,
            )
            on_card(card)
            drawn = slot + 1
            if card.module_mm < card_layout.MIN_MODULE_MM:
                small.append(card)
            if smallest_pt < card_layout.MIN_TEXT_PT:
                crowded.append(card.stall_id)
            position += 1
        warning = None
        if small:
            smallest = min(card.module_mm for card in small)
            warning = _WARNING.format(
                module=f"{smallest:.2f}".replace(".", ","),
                stalls=", ".join(card.stall_id for card in small),
            )
            warnings.append(warning)
        if crowded:
            warnings.append(_CROWDED.format(stalls=", ".join(crowded)))
        _cut_marks(pdf, grid, drawn)
        _footer(pdf, measure, grid, page + 1, pages, market, warning)
        if finish_page is not None:
            # nothing more is drawn on this page: fpdf2 adds to the new page only
            done = pdf.pages[pdf.page]
            if isinstance(done.contents, bytearray):
                done.contents = finish_page(done.contents)
            elif page == 0:  # an fpdf2 that keeps pages otherwise: its own way
                finish_page = None
            else:
                raise RuntimeError("fpdf2 kept one page's content otherwise than the first's")
    return pages, warnings, finish_page is not None
