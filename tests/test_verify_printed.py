"""Acceptance of issue 11 through real prints: a card drawn by ``cashless sheet`` (PDF,
rasterised by pdfium at 300 dpi) or ``cashless card`` (PNG), a stranger's sticker pasted
over its payment code, photographed (rotated, blurred, 1200 px wide, JPEG 60 %) and named as
a phone names it, is a mismatch naming the stranger's account; the untouched card is ok;
``cashless audit`` reports the checks. ``cashless market accept`` adds a second code: the
old card is then flagged until it is reprinted.

Everything runs in-process through ``cashless.cli.main``, as a person types it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from photos import paste_over, photograph, write
from PIL import Image

from cashless import build
from cashless.cli import main
from cashless.errors import UsageError
from cashless.stalls.layout import LAYOUTS
from cashless.stalls.market import open_market
from cashless.stalls.qr import make_qr, to_image

DPI = 300
REGISTRY = (
    "stall_id,stall_name,vendor_name,bank,account\n"
    "A01,Rau sạch,Nguyễn Thị Tú,VCB,0011001234567\n"
    "A02,Thịt,Trần Văn Hà,ACB,257678859\n"
    "A03,Cá,Lê Thị Lan,MB,0123456789\n"
)
STRANGER = build("MB", "0999888777", merchant_name="NGUYEN VAN A")
BOTH = zxingcpp.barcode_formats_from_str("QRCode,MicroQRCode")


def _init(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "stalls.csv").write_text(REGISTRY, encoding="utf-8")
    db = str(folder / "market.db")
    argv = ["market", "init", "--db", db, "--registry", str(folder / "stalls.csv")]
    assert main([*argv, "--lang", "en"]) == 0
    return db


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A market database, its sheet (PDF and manifest) and A01's card as a PNG."""
    folder = tmp_path_factory.mktemp("market")
    db = _init(folder)
    assert main(["sheet", "--db", db, "-o", str(folder / "sheet.pdf"), "--lang", "en"]) == 0
    assert main(["card", "--db", db, "A01", "-o", str(folder / "a01.png"), "--lang", "en"]) == 0
    return folder


def _manifest(folder: Path) -> dict[str, dict[str, str]]:
    with open(folder / "sheet-manifest.csv", encoding="utf-8-sig", newline="") as handle:
        return {row["stall"]: row for row in csv.DictReader(handle)}


def _sheet_card(folder: Path, stall: str) -> Image.Image:
    """The stall's card cut from page 1 of the sheet, rasterised at 300 dpi."""
    row = _manifest(folder)[stall]
    assert row["page"] == "1"
    page = pdfium.PdfDocument(folder / "sheet.pdf")[0].render(scale=DPI / 72).to_pil()
    grid = LAYOUTS["2x4"].grid("A4")  # the sheet's default
    left, top = grid.origin(int(row["slot"]) - 1)
    width, height = grid.card_mm
    box = [round(mm * DPI / 25.4) for mm in (left, top, left + width, top + height)]
    return page.convert("RGB").crop(tuple(box))


def _codes(image: Image.Image) -> list[str]:
    return sorted(b.text for b in zxingcpp.read_barcodes(image, formats=BOTH))


def _verify(db: str, photo: Path, capsys: pytest.CaptureFixture[str], *extra: str):
    capsys.readouterr()
    code = main(["verify", "--db", db, str(photo), "--json", "--lang", "en", *extra])
    return code, json.loads(capsys.readouterr().out)


def _swap_and_honest(
    db: str, card: Image.Image, stall: str, tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    swapped = write(tmp / "swap" / "IMG_0001.jpg", photograph(paste_over(card, STRANGER)))
    honest = write(tmp / "honest" / "IMG_0001.jpg", photograph(card, angle=-8))
    with Image.open(swapped) as photo:
        assert photo.format == "JPEG" and photo.width == 1200

    code, report = _verify(db, swapped, capsys)
    assert code != 0
    (record,) = report["records"]
    assert (record["verdict"], record["stall"], record["tied_by"]) == ("mismatch", stall, "card")
    assert (record["bank"], record["account"], record["holder"]) == (
        "MBBank",
        "0999888777",
        "NGUYEN VAN A",
    )
    assert record["card_code"].startswith(f"MKT:{stall}:")
    assert f"stall {stall}" in record["reason"] and "MBBank 0999888777" in record["reason"]

    code, report = _verify(db, honest, capsys)
    assert code == 0
    (record,) = report["records"]
    assert (record["verdict"], record["stall"], record["tied_by"]) == ("ok", stall, "card")
    assert record["notes"] == [] and report["untied"] == 0


def _audit(db: str, tmp: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, str]:
    capsys.readouterr()
    report = tmp / "audit.csv"
    code = main(["audit", "--db", db, "-o", str(report), "--lang", "en"])
    assert main(["audit", "--db", db, "--lang", "en"]) == code
    table = capsys.readouterr().out
    with open(report, encoding="utf-8-sig", newline="") as handle:
        rows = {row[0]: row for row in list(csv.reader(handle))[1:]}
    return code, rows, table


def test_a_sheet_card_with_a_stranger_pasted_over_is_a_mismatch(printed, tmp_path, capsys):
    db = str(printed / "market.db")
    card = _sheet_card(printed, "A02")
    manifest = _manifest(printed)["A02"]
    assert _codes(card) == sorted([manifest["payload"], manifest["card_code"]])
    _swap_and_honest(db, card, "A02", tmp_path, capsys)

    _, rows, table = _audit(db, tmp_path, capsys)
    # stall, name, last checked, last verdict, who, checks, open mismatches
    assert rows["A02"][2] != "never checked" and rows["A02"][3] == "ok"
    assert int(rows["A02"][5]) >= 2 and rows["A02"][6] == "0"
    assert rows["A03"][2] == "never checked" and rows["A03"][5] == "0"
    (line,) = [line for line in table.splitlines() if line.startswith("A02 ")]
    assert " ok " in line


def test_a_single_card_png_with_a_stranger_pasted_over_is_a_mismatch(printed, tmp_path, capsys):
    db = str(printed / "market.db")
    with Image.open(printed / "a01.png") as opened:
        card = opened.convert("RGB")
    manifest = _manifest(printed)["A01"]
    assert _codes(card) == sorted([manifest["payload"], manifest["card_code"]])
    _swap_and_honest(db, card, "A01", tmp_path, capsys)
    # the swap checked last: its mismatch stays open, and audit says so in its exit code
    swapped = write(tmp_path / "later" / "IMG_0002.jpg", photograph(paste_over(card, STRANGER)))
    assert _verify(db, swapped, capsys)[0] == 1
    code, rows, _ = _audit(db, tmp_path, capsys)
    assert code == 1 and rows["A01"][3] == "MISMATCH" and rows["A01"][6] == "1"


def test_the_keyring_of_the_market_vouches_for_the_printed_card_and_hides_its_key(printed):
    from cashless.stalls.cardcode import parse_card_code

    with open_market(printed / "market.db") as market:
        ring = market.keyring()
        key = market._key  # read here only to show it is nowhere in the repr
        assert ring.market_id == "MKT" and dict(ring.accepted) == market.accepted()
    for shown in (repr(ring), str(ring), f"{ring!r}"):
        assert key.hex() not in shown and repr(key) not in shown and "key=" not in shown
    card = parse_card_code(_manifest(printed)["A01"]["card_code"])
    assert card is not None and ring.vouches(card)
    assert not ring.vouches(card._replace(stall_id="A02"))


def _second_code_png(path: Path, payload: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    to_image(make_qr(payload), scale=6).save(path)
    return path


def test_market_accept_a_second_bank_code(tmp_path, capsys):
    db = _init(tmp_path / "m")
    second = build("TCB", "5550001112", merchant_name="NGUYEN THI TU")
    photo = _second_code_png(tmp_path / "photos" / "IMG_0007.png", second)
    old_card = tmp_path / "old.png"
    assert main(["card", "--db", db, "A01", "-o", str(old_card), "--lang", "en"]) == 0

    # before: the second code is a mismatch at A01
    code, report = _verify(db, photo, capsys, "--stall", "A01")
    assert code == 1 and report["records"][0]["verdict"] == "mismatch"

    capsys.readouterr()
    assert main(["market", "accept", "--db", db, "A01", str(photo), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "stall A01 also accepts Techcombank 5550001112" in out
    assert "vouches for 2 codes" in out and "cashless card --db" in out
    with open_market(db) as market:
        assert market.accepted()["A01"][1] == second

    # after: ok, tied by --stall or by the file name
    code, report = _verify(db, photo, capsys, "--stall", "A01")
    assert code == 0 and report["records"][0]["verdict"] == "ok"
    by_name = _second_code_png(tmp_path / "photos" / "A01_tcb.png", second)
    code, report = _verify(db, by_name, capsys)
    (record,) = report["records"]
    assert code == 0 and (record["verdict"], record["tied_by"]) == ("ok", "name")

    # the card printed before no longer matches; the reprinted one does
    with Image.open(old_card) as opened:
        old = write(tmp_path / "old" / "IMG_0008.jpg", photograph(opened))
    code, report = _verify(db, old, capsys)
    (record,) = report["records"]
    assert code == 0 and record["verdict"] == "ok" and "card-outdated" in record["notes"]
    new_card = tmp_path / "new.png"
    assert main(["card", "--db", db, "A01", "-o", str(new_card), "--lang", "en"]) == 0
    with Image.open(new_card) as opened:
        new = write(tmp_path / "new" / "IMG_0009.jpg", photograph(opened))
    code, report = _verify(db, new, capsys)
    (record,) = report["records"]
    assert code == 0 and record["notes"] == []

    # the same code again, or the bank's own print of an accepted account: nothing to add
    capsys.readouterr()
    assert main(["market", "accept", "--db", db, "A01", second, "--lang", "en"]) == 0
    assert "nothing changed, no reprint needed" in capsys.readouterr().out
    minimal = build("VCB", "0011001234567")
    assert main(["market", "accept", "--db", db, "A01", minimal, "--lang", "en"]) == 0
    assert "already accepts a code paying Vietcombank 0011001234567" in capsys.readouterr().out
    with open_market(db) as market:
        assert len(market.accepted()["A01"]) == 2
        assert market.stall_paid_by(second) == "A01" and market.stall_paid_by(STRANGER) is None
        with pytest.raises(UsageError, match="pays stall A02's account"):
            market.accept("A01", build("ACB", "257678859"))  # the library refuses it too


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://example.com/pay", "no such photo file, and not a VietQR payload"),
        ("photos/IMG_0404.jpg", "no such photo file"),
        (STRANGER[:-1] + ("0" if STRANGER[-1] != "0" else "1"), "not a VietQR transfer code"),
        (build("ACB", "257678859"), "pays stall A02's account ACB 257678859, not stall A01's"),
    ],
    ids=["url", "missing-photo", "bad-crc", "other-stall"],
)
def test_market_accept_refuses_with_one_line(tmp_path, capsys, given, expected):
    db = _init(tmp_path / "m")
    capsys.readouterr()
    assert main(["market", "accept", "--db", db, "A01", given, "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cashless: ") and err.count("\n") == 1 and expected in err
    with open_market(db) as market:
        assert market.accepted()["A01"] == (market.registry()["A01"].payload,)


def test_market_accept_refuses_a_photo_of_another_stall_card(printed, tmp_path, capsys):
    db = _init(tmp_path / "m")
    capsys.readouterr()
    argv = ["market", "accept", "--db", db, "A02", str(printed / "a01.png"), "--lang", "en"]
    assert main(argv) == 1
    assert "stall A01's card code, not stall A02's" in capsys.readouterr().err
    not_an_image = write(tmp_path / "notes.jpg", b"not a photo at all")
    assert main(["market", "accept", "--db", db, "A02", str(not_an_image), "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "notes.jpg: the image file is broken (not an image)" in err and "BytesIO" not in err
