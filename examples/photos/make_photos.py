"""Regenerate the two example phone photos of stall cards (run from the repo root).

``A01.jpg``: stall A01's card as printed. ``A02.jpg``: stall A02's card with a stranger's
VietQR sticker pasted over its code (the scam `cashless verify` catches). Both are
rendered from the real sheet, then rotated, scaled down and JPEG-compressed.
"""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from cashless import build
from cashless.stalls.layout import CARD_LAYOUT, CARD_MM
from cashless.stalls.qr import make_qr, to_image
from cashless.stalls.registry import load_registry
from cashless.stalls.sheet import render_sheet

HERE = Path(__file__).resolve().parent
DPI = 200
PX = DPI / 25.4
STRANGER = build("MB", "0999888777", merchant_name="NGUYEN VAN A")


def main() -> None:
    stalls = list(load_registry(HERE.parent / "stalls.csv"))[:2]
    sheet = render_sheet(stalls, market="Chợ Điện Biên")
    doc = pdfium.PdfDocument(sheet.data)
    page = doc[0].render(scale=DPI / 72).to_pil().convert("RGB")
    doc.close()
    width, height = CARD_MM
    for index, (card, angle) in enumerate(zip(sheet.cards, (6, -9), strict=True)):
        left, top = CARD_LAYOUT.origin(index)
        image = page.crop(
            (int(left * PX), int(top * PX), int((left + width) * PX), int((top + height) * PX))
        )
        if card.stall_id == "A02":
            qr = make_qr(STRANGER)
            n = len(qr.matrix)
            size = int(card.size_mm * PX)
            side = round(size * (n + 8) / n)
            sticker = (
                to_image(qr, scale=1).convert("RGB").resize((side, side), Image.Resampling.NEAREST)
            )
            quiet = (side - size) // 2
            image.paste(
                sticker, (int((card.x - left) * PX) - quiet, int((card.y - top) * PX) - quiet)
            )
        image = image.rotate(
            angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(150, 140, 120)
        )
        image = image.resize((image.width // 2, image.height // 2), Image.Resampling.BICUBIC)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=70)
        (HERE / f"{card.stall_id}.jpg").write_bytes(buffer.getvalue())


if __name__ == "__main__":
    main()
