"""Photographs of stall cards for the verify tests, shared by test_verify*.py.

A swap is simulated as it happens at a stall: a stranger's VietQR sticker, its own quiet
zone included, stuck over the card's payment code; then a phone's photo of the card:
rotated on a grey table, blurred, 1200 px wide, JPEG at 60 % (or another format).
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageFilter

from cashless.stalls.qr import make_qr, to_image

__all__ = ["paste_over", "payment_box", "photograph", "write"]

QUIET_MODULES = 4


def payment_box(card: Image.Image) -> tuple[int, int, int]:
    """``(left, top, side)`` of the card's one payment QR with its quiet zone, in pixels,
    found where zxing-cpp reads it (a full QR symbol, never the Micro QR card code)."""
    import zxingcpp

    full_qr = zxingcpp.barcode_formats_from_str("QRCodeModel1,QRCodeModel2")
    (symbol,) = zxingcpp.read_barcodes(card, formats=full_qr)
    corners = symbol.position
    points = (corners.top_left, corners.top_right, corners.bottom_right, corners.bottom_left)
    xs, ys = [p.x for p in points], [p.y for p in points]
    modules = 4 * int(symbol.extra["Version"]) + 17
    side = max(max(xs) - min(xs), max(ys) - min(ys))
    quiet = QUIET_MODULES * side / modules
    return round(min(xs) - quiet), round(min(ys) - quiet), round(side + 2 * quiet)


def paste_over(
    card: Image.Image, payload: str, box: tuple[int, int, int] | None = None
) -> Image.Image:
    """A stranger's sticker (its own quiet zone included) stuck over the payment QR, in
    ``box`` (``left, top, side``), else ``card.info["qr_box"]``, else :func:`payment_box`."""
    x, y, size = box or card.info.get("qr_box") or payment_box(card)
    sticker = to_image(make_qr(payload), scale=1).convert("RGB")
    sticker = sticker.resize((size, size), Image.Resampling.NEAREST)
    out = card.convert("RGB")  # a copy, whatever the card's mode
    out.paste(sticker, (x, y))
    return out


def photograph(
    image: Image.Image,
    *,
    angle: float = 7,
    width: int = 1200,
    kind: str = "JPEG",
    quality: int = 60,
    **options: object,
) -> bytes:
    """Rotated on a grey table, blurred, ``width`` px wide, saved as ``kind`` (JPEG at 60 %)."""
    rotated = image.convert("RGB").rotate(
        angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(150, 140, 120)
    )
    blurred = rotated.filter(ImageFilter.GaussianBlur(1.2))
    small = blurred.resize((width, round(blurred.height * width / blurred.width)))
    buffer = io.BytesIO()
    small.save(buffer, kind, quality=quality, **options)
    return buffer.getvalue()


def write(path: Path, data: bytes) -> Path:
    """``data`` written at ``path``, its folders made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
