"""cashless.stalls.verify: photographed cards judged on what their codes pay.

The cards here are composed in the test (the stall's payment QR from stalls/qr.py and its
card code as a Micro QR from segno); test_verify_printed.py does the same with cards printed
by ``cashless sheet`` and ``cashless card``. Photographs are simulated by tests/photos.py
(rotation, blur, JPEG 60 %, 1200 px wide).
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest
import segno
from photos import paste_over, photograph, write
from PIL import Image

from cashless import build
from cashless.stalls.cardcode import Keyring, card_code_text, tag_for
from cashless.stalls.qr import make_qr, to_image
from cashless.stalls.registry import Registry, parse_registry
from cashless.stalls.verify import (
    check_photos,
    expected_stall,
    judge,
    verify_image,
    verify_photos,
)

KEY = bytes(range(32))
MARKET = "CDB"
REGISTRY = (
    "stall_id,stall_name,vendor_name,bank,account,amount\n"
    "A01,Rau sạch,Nguyễn Thị Tú,VCB,0011001234567,\n"
    "A02,Thịt,Trần Văn Hà,ACB,257678859,\n"
    "A03,Cá,Lê Thị Lan,MB,0123456789,\n"
    "A04,Bánh,Phạm Văn Bình,TCB,19033344455566,50000\n"
)
STRANGER = build("MB", "0999888777", merchant_name="NGUYEN VAN A")


@pytest.fixture(scope="module")
def registry() -> Registry:
    return parse_registry(REGISTRY)


@pytest.fixture(scope="module")
def keyring(registry: Registry) -> Keyring:
    return Keyring(MARKET, KEY, {s.stall_id: (s.payload,) for s in registry})


def card_code_for(registry: Registry, stall_id: str) -> str:
    return card_code_text(MARKET, stall_id, tag_for(KEY, [registry[stall_id].payload]))


def compose_card(payment: str, card_code: str | None) -> Image.Image:
    """A card: the payment QR on the left, the card code's Micro QR bottom right."""
    card = Image.new("RGB", (1050, 700), "white")
    qr = to_image(make_qr(payment), scale=12).convert("RGB")
    card.paste(qr, (40, 700 - qr.height - 40 if qr.height < 660 else 20))
    card.info["qr_box"] = (40, 700 - qr.height - 40 if qr.height < 660 else 20, qr.width)
    if card_code is not None:
        micro = segno.make(card_code, micro=True, error="m")
        buffer = io.BytesIO()
        micro.save(buffer, kind="png", scale=9, border=2)
        buffer.seek(0)
        symbol = Image.open(buffer).convert("RGB")
        card.paste(symbol, (1050 - symbol.width - 30, 700 - symbol.height - 30))
    return card


def test_a_stranger_pasted_over_a_card_is_a_mismatch_whatever_the_name(registry, keyring, tmp_path):
    card = compose_card(registry["A01"].payload, card_code_for(registry, "A01"))
    swapped = write(tmp_path / "swap" / "IMG_0001.jpg", photograph(paste_over(card, STRANGER)))
    honest = write(tmp_path / "honest" / "IMG_0001.jpg", photograph(card, angle=-9))
    (bad,) = verify_photos([swapped], registry, keyring=keyring, lang="en")
    assert (bad.verdict, bad.stall, bad.tied_by) == ("mismatch", "A01", "card")
    assert (bad.bank, bad.account, bad.holder) == ("MBBank", "0999888777", "NGUYEN VAN A")
    assert "stall A01" in bad.reason and "MBBank 0999888777 (NGUYEN VAN A)" in bad.reason
    (good,) = verify_photos([honest], registry, keyring=keyring, lang="en")
    assert (good.verdict, good.stall, good.tied_by, good.notes) == ("ok", "A01", "card", ())
    assert good.card_code == card_code_for(registry, "A01")


def test_a_qr_only_reader_finds_the_payment_code_not_the_card_code(registry):
    import zxingcpp

    card = compose_card(registry["A01"].payload, card_code_for(registry, "A01"))
    # zxing-cpp 3's "QRCode" is the family (Micro QR included); a bank app reads the full
    # symbol, models 1 and 2
    full_qr = zxingcpp.barcode_formats_from_str("QRCodeModel1,QRCodeModel2")
    qr_only = zxingcpp.read_barcodes(card, formats=full_qr)
    assert [b.text for b in qr_only] == [registry["A01"].payload]
    both = zxingcpp.read_barcodes(
        card, formats=zxingcpp.barcode_formats_from_str("QRCode,MicroQRCode")
    )
    assert sorted(b.text for b in both) == sorted(
        [registry["A01"].payload, card_code_for(registry, "A01")]
    )


def test_the_card_wins_over_the_file_name(registry, keyring, tmp_path):
    card = compose_card(registry["A02"].payload, card_code_for(registry, "A02"))
    photo = write(tmp_path / "A01.jpg", photograph(card))
    (record,) = verify_photos([photo], registry, keyring=keyring, lang="en")
    assert (record.verdict, record.stall, record.tied_by) == ("ok", "A02", "card")
    assert "name-differs" in record.notes


def test_a_forged_card_code_is_flagged(registry, keyring, tmp_path):
    forged = card_code_text(MARKET, "A01", tag_for(b"x" * 32, [STRANGER]))
    card = compose_card(registry["A01"].payload, forged)
    (record,) = verify_photos(
        [write(tmp_path / "p.jpg", photograph(card))], registry, keyring=keyring
    )
    assert record.verdict == "ok" and "card-outdated" in record.notes
    card = compose_card(STRANGER, forged)
    (record,) = verify_photos(
        [write(tmp_path / "q.jpg", photograph(card))], registry, keyring=keyring
    )
    assert record.verdict == "mismatch" and "card-outdated" in record.notes


def test_a_bank_printed_minimal_code_paying_the_account_is_ok(registry, keyring, tmp_path):
    minimal = build("VCB", "0011001234567")  # no merchant name, as the bank prints it
    assert minimal != registry["A01"].payload
    card = compose_card(minimal, card_code_for(registry, "A01"))
    (record,) = verify_photos(
        [write(tmp_path / "IMG_1.jpg", photograph(card))], registry, keyring=keyring, lang="en"
    )
    assert (record.verdict, record.stall, record.tied_by) == ("ok", "A01", "card")
    assert record.notes == ("bank-issued",) and "bank-issued code" in record.reason
    # the same, tied by name only, with no card code at all
    (record,) = verify_photos([write(tmp_path / "A01.png", _png(minimal))], registry)
    assert (record.verdict, record.tied_by, record.notes) == ("ok", "name", ("bank-issued",))


def _png(payload: str) -> bytes:
    buffer = io.BytesIO()
    to_image(make_qr(payload), scale=6).save(buffer, "PNG")
    return buffer.getvalue()


def test_several_accepted_codes_per_stall(registry):
    second = build("TCB", "5550001112", merchant_name="NGUYEN THI TU")
    keyring = Keyring(MARKET, KEY, {"A01": (registry["A01"].payload, second)})
    record = judge(second, registry, registry["A01"], keyring=keyring)
    assert record.verdict == "ok"
    assert judge(second, registry, registry["A01"]).verdict == "mismatch"


def test_fixed_amount_must_match(registry):
    right = judge(build("TCB", "19033344455566", amount=50000), registry, registry["A04"])
    assert right.verdict == "ok"
    wrong = judge(build("TCB", "19033344455566", amount=5000), registry, registry["A04"], lang="en")
    assert wrong.verdict == "mismatch" and "5000 instead of 50000" in wrong.reason


def test_lookalike_holder_name_is_flagged(registry):
    fake = build("MB", "0999888777", merchant_name="TRAN THI TU")
    record = judge(fake, registry, registry["A01"], lang="vi")
    assert record.verdict == "mismatch" and "lookalike" in record.notes
    assert "CẢNH GIÁC" in record.reason
    plain = judge(STRANGER, registry, registry["A01"])
    assert "lookalike" not in plain.notes


def test_one_foreign_account_at_three_stalls_is_one_cluster(registry, keyring, tmp_path):
    photos = []
    for stall in ("A01", "A02", "A03"):
        card = paste_over(
            compose_card(registry[stall].payload, card_code_for(registry, stall)), STRANGER
        )
        photos.append(write(tmp_path / f"IMG_{stall}.jpg", photograph(card)))
    lone = build("ACB", "111222333")
    photos.append(write(tmp_path / "A04.png", _png(lone)))
    batch = check_photos(photos, registry, keyring=keyring, lang="en")
    (cluster,) = batch.clusters
    assert (cluster.bank, cluster.account, cluster.stalls) == (
        "MBBank",
        "0999888777",
        ("A01", "A02", "A03"),
    )
    assert [r.cluster for r in batch.records] == [1, 1, 1, None]
    assert not batch.all_ok


def test_every_photo_answered_once(registry, tmp_path):
    from PIL import features

    folder = tmp_path / "photos"
    write(folder / "A01.png", _png(registry["A01"].payload))
    write(folder / "A02.jpg", photograph(compose_card(STRANGER, None)))
    write(folder / "bomb.png", _bomb())
    good = _png(registry["A03"].payload)
    write(folder / "broken.png", good[: len(good) // 2])
    write(folder / "lab.tif", _lab_tiff(registry["A03"].payload))
    write(folder / "A03.heic", _heic(registry["A03"].payload))
    write(folder / "notes.txt", b"not a photo")
    write(folder / "anim.gif", _gif([STRANGER, registry["A02"].payload]))
    assert features.check("zlib")
    batch = check_photos([folder, tmp_path / "missing.jpg"], registry, lang="en")
    by_name: dict[str, list] = {}
    for record in batch.records:
        by_name.setdefault(Path(record.photo).name, []).append(record)
    assert set(by_name) == {
        "A01.png",
        "A02.jpg",
        "bomb.png",
        "broken.png",
        "lab.tif",
        "A03.heic",
        "anim.gif",
        "missing.jpg",
    }
    assert [r.verdict for r in by_name["A01.png"]] == ["ok"]
    assert [r.verdict for r in by_name["A02.jpg"]] == ["mismatch"]
    assert [r.verdict for r in by_name["bomb.png"]] == ["unreadable"]
    assert "too big" in by_name["bomb.png"][0].reason
    assert [r.verdict for r in by_name["broken.png"]] == ["unreadable"]
    assert [r.verdict for r in by_name["lab.tif"]] == ["ok"]
    assert [r.verdict for r in by_name["A03.heic"]] == ["ok"]
    assert sorted(r.verdict for r in by_name["anim.gif"]) == ["ok", "unknown"]
    assert [r.verdict for r in by_name["missing.jpg"]] == ["unreadable"]
    assert [Path(p).name for p, _ in batch.skipped] == ["notes.txt"]
    assert batch.untied == 2  # the LAB TIFF and the GIF
    assert not batch.all_ok


def test_an_avif_photo_of_a_card_is_verified_and_found_in_a_folder(registry, keyring, tmp_path):
    from PIL import features

    if not features.check("avif"):
        pytest.skip("this Pillow was built without libavif, so it cannot write an AVIF photo")
    card = compose_card(registry["A02"].payload, card_code_for(registry, "A02"))
    folder = tmp_path / "phone"
    honest = write(folder / "IMG_0003.avif", photograph(card, kind="AVIF", speed=10))
    swapped = photograph(paste_over(card, STRANGER), angle=-5, kind="AVIF", speed=10)
    write(folder / "IMG_0004", swapped)  # no suffix: found by content
    with Image.open(honest) as opened:
        assert opened.format == "AVIF"
    batch = check_photos([folder], registry, keyring=keyring, lang="en")
    assert batch.skipped == ()
    found = [(Path(r.photo).name, r.verdict, r.stall, r.tied_by) for r in batch.records]
    assert found == [
        ("IMG_0003.avif", "ok", "A02", "card"),
        ("IMG_0004", "mismatch", "A02", "card"),
    ]
    assert batch.records[1].account == "0999888777"


def _bomb() -> bytes:
    """A 30000 x 30000 grey PNG, a few hundred kilobytes on disk."""
    import struct

    width = height = 30000
    raw = zlib.compress(b"\x00" * (width + 1) * height, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _lab_tiff(payload: str) -> bytes:
    grey = to_image(make_qr(payload), scale=6).convert("L")
    lab = Image.merge("LAB", (grey, Image.new("L", grey.size, 128), Image.new("L", grey.size, 128)))
    buffer = io.BytesIO()
    lab.save(buffer, "TIFF")
    return buffer.getvalue()


def _heic(payload: str) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    to_image(make_qr(payload), scale=8).convert("RGB").save(buffer, "HEIF", quality=90)
    return buffer.getvalue()


def _gif(payloads: list[str]) -> bytes:
    frames = [to_image(make_qr(p), scale=5).convert("L") for p in payloads]
    size = max(f.width for f in frames)
    frames = [f.resize((size, size), Image.Resampling.NEAREST) for f in frames]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def test_a_name_like_a_stall_id_but_no_stall_is_flagged(registry, tmp_path):
    photo = write(tmp_path / "A05.png", _png(STRANGER))
    (record,) = verify_photos([photo], registry, lang="en")
    assert "name-unknown" in record.notes and "untied" in record.notes
    assert "A05" in record.reason
    photo = write(tmp_path / "IMG_0001.png", _png(STRANGER))
    (record,) = verify_photos([photo], registry)
    assert "name-unknown" not in record.notes


def test_one_row_per_distinct_code(registry):
    qr = to_image(make_qr(registry["A01"].payload), scale=5).convert("L")
    page = Image.new("L", (qr.width * 2 + 40, qr.height), 255)
    page.paste(qr, (0, 0))
    page.paste(qr, (qr.width + 40, 0))
    assert [r.verdict for r in verify_image(page, registry)] == ["ok"]


def test_blank_image_says_what_to_do(registry):
    (record,) = verify_image(Image.new("L", (200, 200), 255), registry, lang="en")
    assert record.verdict == "unreadable" and "take it again" in record.reason


def test_expected_stall_by_name_and_folder(registry):
    assert expected_stall("photos/A12/IMG_1.jpg", registry) is None
    assert expected_stall("photos/A02/IMG_1.jpg", registry).stall_id == "A02"
    assert expected_stall("a03_morning.jpg", registry).stall_id == "A03"


def test_verdicts_in_both_languages(registry):
    english = judge(STRANGER, registry, registry["A01"], lang="en")
    vietnamese = judge(STRANGER, registry, registry["A01"], lang="vi")
    assert english.verdict == vietnamese.verdict == "mismatch"
    assert english.reason != vietnamese.reason and "quầy A01" in vietnamese.reason
