"""Fee slips: one page per stall with the fee's dynamic VietQR, and the manifest beside it.

The slip is the stall card's layout (:mod:`cashless.stalls.layout`): ``A7`` is the single
card's grid (105 x 74 mm, code left, text beside it), ``A6`` the placard layout on A6
paper (code on top, text under it). The sheet module has no hook for other lines than a
stall card's, so the slip is drawn here with fpdf2 on the same :func:`plan_card`, the same
fonts (:mod:`cashless.stalls.fonts`) and the same QR symbols (:mod:`cashless.stalls.qr`).
The lines: the market, the period, the stall, the amount, the payment code (spaced for
people; the QR carries it whole) and the account it pays.

>>> from cashless.fees.codes import payment_code
>>> slip = Slip("A01", "Rau", "2026-12", 50000, payment_code("CDB", "A01", "2026-12"),
...             "payload", "Vietcombank", "1234567890", "BQL CHO")
>>> [line.text for line in slip_lines(slip, "Chợ Điện Biên", "vi")][:4]
['Chợ Điện Biên', 'Phí chợ tháng 12/2026', 'Quầy A01 · Rau', 'Số tiền 50.000 đ']
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cashless._io import atomic_paths
from cashless.errors import LayoutError, UsageError
from cashless.fees.codes import code_stall, parse_period, spaced
from cashless.payload.text import nfc
from cashless.stalls import layout as card_layout
from cashless.stalls.layout import Grid, TextLine, group_account
from cashless.stalls.messages import say

__all__ = [
    "MANIFEST_COLUMNS",
    "PAPERS",
    "Slip",
    "dong",
    "manifest_csv",
    "manifest_path",
    "render_slips",
    "slip_grid",
    "slip_lines",
    "write_slips",
]

MANIFEST_COLUMNS = ("stall_id", "stall_name", "period", "amount", "payment_code", "payload")
PAPERS = ("A7", "A6")


@dataclass(frozen=True)
class Slip:
    """One stall's fee for a period: what the slip shows and the QR payload it carries."""

    stall_id: str
    stall_name: str
    period: str
    amount: int
    code: str
    payload: str
    bank: str
    account: str
    holder: str


def dong(amount: int) -> str:
    """An amount as Vietnamese write it: ``dong(1250000)`` is ``'1.250.000 đ'``."""
    return f"{amount:,}".replace(",", ".") + " đ"


def slip_grid(paper: str = "A7") -> Grid:
    """The card grid of a slip: ``A7`` (the single card) or ``A6`` (a placard on A6)."""
    key = str(paper).upper()
    if key == "A7":
        return card_layout.CARD_GRID
    if key == "A6":
        return card_layout.LAYOUTS["placard"].grid("A6")
    raise UsageError(f"must be one of {', '.join(PAPERS)}, not {paper!r}", field="paper")


def slip_lines(slip: Slip, market: str | None, lang: str | None) -> list[TextLine]:
    """The slip's lines, top to bottom (the market's name first when given)."""
    year, month = parse_period(slip.period)
    lines: list[TextLine] = []
    if market and market.strip():
        lines.append(TextLine(market.strip(), True, 9, drop=2))
    code = spaced(slip.code, len(code_stall(slip.stall_id)))
    lines += [
        TextLine(say("fees.slip.title", lang, month=f"{month}/{year}"), True, 12),
        TextLine(
            say("fees.slip.stall", lang, stall=slip.stall_id, name=slip.stall_name),
            True,
            11,
            drop=1,
        ),
        TextLine(say("fees.slip.amount", lang, amount=dong(slip.amount)), True, 13),
        TextLine(say("fees.slip.code", lang, code=code), True, 11),
        TextLine(
            say("fees.slip.pays", lang, bank=slip.bank, account=group_account(slip.account)),
            False,
            9,
        ),
        TextLine(slip.holder, False, 9),
        TextLine(say("fees.slip.keep", lang), False, 9, drop=3),
    ]
    return [TextLine(nfc(line.text), line.bold, line.size_pt, line.drop) for line in lines]


def manifest_path(path: str | os.PathLike[str]) -> Path:
    """The manifest beside the slips: ``out/fees.pdf`` -> ``out/fees.csv``.

    >>> manifest_path("out/fees.pdf").as_posix()
    'out/fees.csv'
    """
    return Path(path).with_suffix(".csv")


def manifest_csv(slips: Sequence[Slip]) -> str:
    """One row per slip: stall, name, period, amount, payment code, payload (CSV text)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    for s in slips:
        writer.writerow([s.stall_id, s.stall_name, s.period, s.amount, s.code, s.payload])
    return out.getvalue()


def render_slips(
    slips: Sequence[Slip],
    *,
    paper: str = "A7",
    market: str | None = None,
    lang: str | None = None,
    font: str | os.PathLike[str] | None = None,
) -> bytes:
    """The slips as a PDF, one per page of the slip's size (see :func:`slip_grid`)."""
    from cashless.errors import require_extra

    require_extra("print", "fpdf", "fontTools", "matplotlib", "segno", "PIL")
    from fpdf import FPDF, ViewerPreferences
    from fpdf.errors import FPDFException

    from cashless.stalls.fonts import card_fonts, check_fonts
    from cashless.stalls.qr import QUIET_ZONE, make_qr, matrix_rows

    if not slips:
        raise UsageError("no fees to print", field="stalls")
    grid = slip_grid(paper)
    texts = [slip_lines(slip, market, lang) for slip in slips]
    regular, bold = card_fonts(font)
    check_fonts("".join(line.text for lines in texts for line in lines), (regular, bold))
    pdf = FPDF(unit="mm", format=grid.page_mm)
    widths: dict[tuple[str, bool], float] = {}

    def measure(text: str, is_bold: bool, size_pt: float) -> float:
        width = widths.get((text, is_bold))
        if width is None:
            pdf.set_font("slip", "B" if is_bold else "", 10)
            width = widths[text, is_bold] = pdf.get_string_width(text) / 10
        return width * size_pt

    try:
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0)
        pdf.viewer_preferences = ViewerPreferences(print_scaling="None")
        pdf.add_font("slip", "", str(regular))
        pdf.add_font("slip", "B", str(bold))
        pdf.set_creator("cashless")
        pdf.set_title(nfc(f"{market} – phí chợ") if market else "cashless fee slips")
        for slip, lines in zip(slips, texts, strict=True):
            pdf.add_page()
            rows = matrix_rows(make_qr(slip.payload))
            plan = card_layout.plan_card(
                grid, lines, measure, modules=len(rows), quiet_modules=QUIET_ZONE
            )
            pdf.set_fill_color(0)
            module = plan.module_mm
            for row_index, runs in enumerate(rows):
                for start, length in runs:
                    pdf.rect(
                        plan.qr_x + start * module,
                        plan.qr_y + row_index * module,
                        length * module,
                        module,
                        style="F",
                    )
            for line in plan.lines:
                pdf.set_font("slip", "B" if line.bold else "", line.pt)
                pdf.text(line.x, line.baseline, line.text)
        return bytes(pdf.output())
    except (OSError, RuntimeError, FPDFException) as exc:
        raise LayoutError(f"cannot draw the fee slips: {exc}") from exc
    finally:
        for loaded in pdf.fonts.values():
            if hasattr(loaded, "ttfont"):
                loaded.ttfont.close()


def write_slips(
    slips: Sequence[Slip],
    path: str | os.PathLike[str],
    *,
    paper: str = "A7",
    market: str | None = None,
    lang: str | None = None,
) -> tuple[Path, Path]:
    """Write the PDF and its manifest (:func:`manifest_path`) so that both appear or neither."""
    data = render_slips(slips, paper=paper, market=market, lang=lang)
    listing = manifest_path(path)
    with atomic_paths(path, listing) as (pdf_tmp, csv_tmp):
        pdf_tmp.write_bytes(data)
        csv_tmp.write_text(manifest_csv(slips), encoding="utf-8")
    return Path(path), listing
