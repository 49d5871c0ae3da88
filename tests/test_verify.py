"""cashless.stalls.verify: photographed cards judged against the registry."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from cashless import build, parse
from cashless.errors import UnknownStallError
from cashless.stalls.layout import CARD_LAYOUT, CARD_MM
from cashless.stalls.qr import make_qr, to_image
from cashless.stalls.registry import Registry, load_registry
from cashless.stalls.sheet import render_sheet
from cashless.stalls.verify import VERDICTS, expected_stall, judge, verify_image, verify_photos

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "stalls.csv"
DPI = 200
PX = DPI / 25.4
FRAUD = build("MB", "0999888777", merchant_name="NGUYEN VAN A")


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(EXAMPLE)


@pytest.fixture(scope="module")
def cards(registry: Registry) -> dict[str, Image.Image]:
    """The first four cards of a real sheet, rendered at 200 dpi (card A01 ... A04)."""
    sheet = render_sheet(list(registry)[:4], market="Chợ Điện Biên")
    doc = pdfium.PdfDocument(sheet.data)
    try:
        page = doc[0].render(scale=DPI / 72).to_pil().convert("RGB")
    finally:
        doc.close()
    out = {}
    width, height = CARD_MM
    for index, info in enumerate(sheet.cards):
        left, top = CARD_LAYOUT.origin(index)
        card = page.crop(
            (int(left * PX), int(top * PX), int((left + width) * PX), int((top + height) * PX))
        )
        # where the symbol sits inside the crop, for pasting over it
        card.info["qr_box"] = (
            int((info.x - left) * PX),
            int((info.y - top) * PX),
            int(info.size_mm * PX),
        )
        out[info.stall_id] = card
    return out


def paste_over(card: Image.Image, payload: str) -> Image.Image:
    """A sticker with another code, quiet zone included, stuck over the card's QR."""
    x, y, size = card.info["qr_box"]
    qr = make_qr(payload)
    modules = len(qr.matrix)
    sticker = to_image(qr, scale=1).convert("RGB")
    side = round(size * (modules + 8) / modules)
    sticker = sticker.resize((side, side), Image.Resampling.NEAREST)
    quiet = (side - size) // 2
    out = card.copy()
    out.paste(sticker, (x - quiet, y - quiet))
    return out


def photograph(
    image: Image.Image, *, angle: float = 7, scale: float = 0.6, quality: int = 60
) -> Image.Image:
    """Rotate on a grey table, scale down, JPEG-compress: a crude phone photo."""
    rotated = image.rotate(
        angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(150, 140, 120)
    )
    small = rotated.resize(
        (int(rotated.width * scale), int(rotated.height * scale)), Image.Resampling.BICUBIC
    )
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer)


def save_photo(image: Image.Image, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def test_swapped_sticker_on_a_photographed_card_is_a_mismatch(registry, cards, tmp_path):
    honest = save_photo(photograph(cards["A01"]), tmp_path / "A01.jpg")
    fraud = save_photo(
        photograph(paste_over(cards["A02"], FRAUD), angle=-11, scale=0.5),
        tmp_path / "A02_morning.jpg",
    )
    swapped = save_photo(
        photograph(
            paste_over(cards["A03"], registry["A04"].payload), angle=93, scale=0.7, quality=40
        ),
        tmp_path / "A03" / "IMG_0001.jpg",
    )
    records = verify_photos([tmp_path], registry)
    by_photo = {Path(r.photo).name: r for r in records}
    assert len(records) == 3

    ok = by_photo[honest.name]
    assert (ok.verdict, ok.stall, ok.found_stall) == ("ok", "A01", "A01")
    assert ok.payload == registry["A01"].payload

    bad = by_photo[fraud.name]
    assert bad.verdict == "mismatch"
    assert bad.stall == "A02" and bad.found_stall is None
    assert (bad.bin, bad.account) == ("970422", "0999888777")
    assert "an account of no stall" in bad.reason
    assert registry["A02"].check_code in bad.reason
    assert bad.check_code != registry["A02"].check_code

    other = by_photo[swapped.name]
    assert (other.verdict, other.stall, other.found_stall) == ("mismatch", "A03", "A04")
    assert other.account == registry["A04"].account


def test_without_a_tie_the_code_itself_decides(registry, cards):
    assert [r.verdict for r in verify_image(photograph(cards["A01"]), registry)] == ["ok"]
    (stranger,) = verify_image(photograph(paste_over(cards["A01"], FRAUD)), registry)
    assert (stranger.verdict, stranger.stall, stranger.account) == ("unknown", None, "0999888777")


def test_expect_by_stall_id_or_check_code(registry, cards, tmp_path):
    photo = save_photo(photograph(cards["A04"]), tmp_path / "IMG_7.jpg")
    assert [r.verdict for r in verify_photos([photo], registry)] == ["ok"]
    (record,) = verify_photos([photo], registry, expect=registry["A01"].check_code)
    assert (record.verdict, record.stall, record.found_stall) == ("mismatch", "A01", "A04")
    (record,) = verify_photos([photo], registry, expect="a04")
    assert record.verdict == "ok"
    with pytest.raises(UnknownStallError, match="no stall has the id or check code 'ZZZ-999'"):
        verify_photos([photo], registry, expect="ZZZ-999")


def test_same_account_with_changed_amount(registry):
    stall = registry["A01"]
    changed = build(
        stall.bank.bin,
        stall.account,
        amount=500_000,
        merchant_name=parse(stall.payload).merchant_name,
    )
    record = judge(changed, registry)
    assert (record.verdict, record.stall, record.found_stall) == ("mismatch", "A01", None)
    assert "amount 500000 instead of None" in record.reason
    record = judge(changed, registry, expected=stall)
    assert record.verdict == "mismatch" and "stall A01's account" in record.reason


def test_not_vietqr_and_unreadable(registry, tmp_path):
    save_photo(to_image(make_qr("https://example.com/pay"), scale=4), tmp_path / "u.png")
    # a VNPAY-QR merchant code (tests/data/foreign_vectors.jsonl, "vn-vnpay-merchant")
    vnpay = (
        "00020101021126280010A000000775011001087990425204597753037045802VN5909MYPHAMHER"
        "6005HANOI62260311MY PHAM HER0707MPHER0163041C50"
    )
    save_photo(to_image(make_qr(vnpay), scale=4), tmp_path / "v.png")
    save_photo(Image.new("RGB", (300, 300), "white"), tmp_path / "blank.png")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    (tmp_path / "notes.txt").write_text("ignored: not an image suffix")
    records = verify_photos([tmp_path, tmp_path / "missing.png"], registry)
    verdicts = {Path(r.photo).name: r for r in records}
    assert set(verdicts) == {"u.png", "v.png", "blank.png", "broken.jpg", "missing.png"}
    assert verdicts["u.png"].verdict == "not-vietqr"
    assert verdicts["v.png"].verdict == "not-vietqr"
    assert "vnpay" in verdicts["v.png"].reason.lower()
    assert verdicts["blank.png"].verdict == "unreadable"
    assert verdicts["blank.png"].reason == "no QR code found"
    assert verdicts["broken.jpg"].verdict == "unreadable"
    assert verdicts["missing.png"].verdict == "unreadable"
    assert {r.verdict for r in records} <= set(VERDICTS)


def test_photo_name_rule(registry):
    assert expected_stall("A01.jpg", registry).stall_id == "A01"
    assert expected_stall("a01_sang.jpg", registry).stall_id == "A01"
    assert expected_stall("B07-2.png", registry).stall_id == "B07"
    assert expected_stall("x/C03/IMG_1.jpg", registry).stall_id == "C03"
    assert expected_stall("A011.jpg", registry) is None
    assert expected_stall("IMG_0001.jpg", registry) is None


def test_records_are_json_friendly(registry):
    record = judge(registry["A01"].payload, registry)
    data = record.to_dict()
    assert data["verdict"] == "ok" and data["check_code"] == registry["A01"].check_code
