"""`cashless sheet`, `cashless card` and `cashless verify`, run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from cashless.cli import main
from cashless.stalls.qr import make_qr, to_image
from cashless.stalls.registry import load_registry

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "stalls.csv"
SMALL = (
    "stall_id,stall_name,vendor_name,bank,account,amount,purpose,category\n"
    "A01,Rau sạch,Nguyễn Thị Trâm,VCB,0011001234567,,,Rau củ\n"
    "A02,Thịt bò,Lê Văn Hùng,970415,123456789,50.000,Thịt bò,Thịt\n"
    "B01,Trà đá,Đỗ Thị Hằng,MoMo,0987654321,5000,Trà đá,Ăn uống\n"
)
BAD = (
    "stall_id,stall_name,vendor_name,bank,account,amount\n"
    "A01,Rau,Lan,VCB,0011001234567,\n"
    "A02,Cá,Hà,NOBANK,12_34,1.5\n"
    "A01,Thịt,Bình,ACB,12345678901234567890,\n"
)


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASHLESS_LANG", "en")


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "stalls.csv"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_sheet_writes_pdf_from_the_example(tmp_path, capsys) -> None:
    out = tmp_path / "stalls.pdf"
    assert main(["sheet", str(EXAMPLE), "-o", str(out), "--market", "Chợ Điện Biên"]) == 0
    assert out.read_bytes().startswith(b"%PDF-")
    stdout = capsys.readouterr().out
    assert f"wrote {out}: 60 cards on 8 pages" in stdout
    assert "level M" in stdout


def test_sheet_layout_error_level_and_font_options(small, tmp_path, capsys) -> None:
    from cashless.stalls.fonts import default_fonts

    out = tmp_path / "big.pdf"
    serif = default_fonts()[0].parent / "DejaVuSerif.ttf"
    status = main(
        [
            "sheet",
            str(small),
            "-o",
            str(out),
            "--layout",
            "2x2",
            "--error",
            "Q",
            "--font",
            str(serif),
            "--single-mode",
        ]
    )
    assert status == 0
    assert "3 cards on 1 page (A4, 2x2)," in capsys.readouterr().out
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    doc = pdfium.PdfDocument(out)
    try:
        image = doc[0].render(scale=100 / 72).to_pil()
    finally:
        doc.close()
    found = zxingcpp.read_barcodes(image)
    assert {b.ec_level for b in found} == {"Q"}
    assert sorted(b.text for b in found) == sorted(s.payload for s in load_registry(small))


def test_bad_csv_lists_every_problem_and_writes_nothing(tmp_path, capsys) -> None:
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text(BAD, encoding="utf-8")
    out = tmp_path / "out.pdf"
    assert main(["sheet", str(csv_path), "-o", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"cashless: {csv_path}: 5 problems:"
    assert [line.split(":")[0].strip() for line in err[1:6]] == [
        "line 3, bank",
        "line 3, account",
        "line 3, amount",
        "line 4, stall_id",
        "line 4, account",
    ]
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


@pytest.mark.parametrize("data", [b"", "stall_id;stall_name\n".encode("utf-16")])
def test_empty_or_wrongly_encoded_csv(tmp_path, capsys, data: bytes) -> None:
    csv_path = tmp_path / "bad.csv"
    csv_path.write_bytes(data)
    out = tmp_path / "out.pdf"
    assert main(["sheet", str(csv_path), "-o", str(out)]) == 1
    assert "line 1" in capsys.readouterr().err
    assert not out.exists()


def test_skip_bad_prints_the_rest(tmp_path, capsys) -> None:
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text(BAD, encoding="utf-8")
    out = tmp_path / "out.pdf"
    assert main(["sheet", str(csv_path), "-o", str(out), "--skip-bad"]) == 0
    captured = capsys.readouterr()
    assert "1 card on 1 page" in captured.out
    assert captured.err.count("skipped line") == 5
    assert out.exists()


def test_card_png_and_svg(small, tmp_path, capsys) -> None:
    png = tmp_path / "a02.png"
    assert main(["card", str(small), "a02", "-o", str(png), "--scale", "4"]) == 0
    stall = load_registry(small)["A02"]
    assert f"check code {stall.check_code}" in capsys.readouterr().out
    (found,) = zxingcpp.read_barcodes(Image.open(png))
    assert found.text == stall.payload and found.ec_level == "M"
    svg = tmp_path / "a02.svg"
    assert main(["card", str(small), "A02", "-o", str(svg), "--error", "H"]) == 0
    assert svg.read_text().startswith("<svg")
    assert main(["card", str(small), "Z9", "-o", str(tmp_path / "z.png")]) == 1
    assert capsys.readouterr().err == f"cashless: {small}: no stall 'Z9'\n"
    assert not (tmp_path / "z.png").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sheet", "{csv}", "-o", "{tmp}/out.png"], "--output: '{tmp}/out.png' must end in .pdf"),
        (["sheet", "{csv}", "-o", "{tmp}/no/out.pdf"], "the folder '{tmp}/no' does not exist"),
        (["card", "{csv}", "A01", "-o", "{tmp}/a.jpg"], "--output: '{tmp}/a.jpg' must end in .png"),
        (["template", "-o", "{tmp}/mau.csv"], "--output: '{tmp}/mau.csv' must end in .xlsx"),
        (
            ["sheet", "{csv}", "-o", "{tmp}/s.pdf", "--start", "9"],
            "--start: must be a slot from 1 to 8",
        ),
        (["sheet", "{csv}", "-o", "{tmp}/s.pdf", "--stalls", "A01,Z9"], "no stall 'Z9'"),
        (
            ["sheet", "{csv}", "-o", "{tmp}/s.pdf", "--paper", "A6", "--layout", "2x4"],
            "too small",
        ),
        (["sheet", "-o", "{tmp}/s.pdf"], "give a registry file or --db"),
        (["card", "{csv}", "A01", "-o", "{tmp}", "--qr-only"], "--output: '{tmp}' must end in"),
        (
            ["card", "{csv}", "A01", "-o", "{tmp}/a.png", "--dpi", "0"],
            "--dpi: must be a whole number",
        ),
        (["sheet", "{tmp}/none.csv", "-o", "{tmp}/s.pdf"], "none.csv"),
    ],
)
def test_output_and_input_mistakes_are_one_line(small, tmp_path, capsys, argv, message) -> None:
    def fill(text: str) -> str:
        return text.format(csv=small, tmp=tmp_path)

    assert main([fill(a) for a in argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cashless: ") and err.count("\n") == 1
    assert fill(message) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stalls.csv"]


def test_an_output_that_is_a_folder_is_refused(small, tmp_path, capsys) -> None:
    folder = tmp_path / "cards.png"
    folder.mkdir()
    assert main(["card", str(small), "A01", "-o", str(folder)]) == 1
    assert capsys.readouterr().err.startswith(f"cashless: --output: '{folder}' is a folder")


def test_qr_only_writes_pdf_with_the_long_flag(small, tmp_path, capsys) -> None:
    out = tmp_path / "a01.pdf"
    assert main(["card", str(small), "A01", "--output", str(out), "--qr-only"]) == 0
    assert out.read_bytes().startswith(b"%PDF-")
    assert capsys.readouterr().out.startswith(f"wrote {out}: QR code of stall A01")


def _photo(payload: str, path: Path) -> Path:
    to_image(make_qr(payload), scale=5).convert("RGB").save(path)
    return path


def test_verify_table_json_and_exit_status(small, tmp_path, capsys) -> None:
    # the verdict table is issue 11's (cli/checks.py); here: exit status, rows, JSON
    registry = load_registry(small)
    photos = tmp_path / "photos"
    photos.mkdir()
    _photo(registry["A01"].payload, photos / "A01.png")
    _photo(registry["B01"].payload, photos / "B01_chieu.jpg")
    assert main(["verify", str(photos), "--registry", str(small), "--lang", "en"]) == 0
    table = capsys.readouterr().out
    assert "2 ok" in table and "mismatch" not in table.lower()

    _photo(registry["B01"].payload, photos / "A02.png")  # B01's sticker on stall A02
    assert main(["verify", str(photos), "--registry", str(small), "--lang", "en"]) == 1
    (row,) = [line for line in capsys.readouterr().out.splitlines() if "A02.png" in line]
    assert "mismatch" in row.lower() and "B01" in row

    argv = ["verify", str(photos / "A01.png"), "--registry", str(small), "--json"]
    assert main([*argv, "--stall", registry["A02"].check_code]) == 1
    output = json.loads(capsys.readouterr().out)
    records = output["records"] if isinstance(output, dict) else output
    (record,) = records
    assert record["verdict"] == "mismatch" and record["stall"] == "A02"
    assert record["found_stall"] == "A01" and record["account"] == "0011001234567"


def test_verify_with_no_photos_is_not_ok(small, tmp_path, capsys) -> None:
    assert main(["verify", str(tmp_path / "empty"), "--registry", str(small)]) == 1
    assert "unreadable" in capsys.readouterr().out


def test_commands_have_help(capsys) -> None:
    for command in ("sheet", "card", "verify", "template"):
        with pytest.raises(SystemExit) as info:
            main([command, "--help"])
        assert info.value.code == 0
        assert "usage: cashless " + command in capsys.readouterr().out


def test_example_photos_as_in_the_readme(capsys) -> None:
    # examples/photos: A01 as printed, A02 with a stranger's sticker (make_photos.py)
    photos = EXAMPLE.parent / "photos"
    assert main(["verify", str(photos), "--registry", str(EXAMPLE), "--lang", "en"]) == 1
    lines = capsys.readouterr().out.splitlines()
    (a01,) = [line for line in lines if "A01.jpg" in line]
    (a02,) = [line for line in lines if "A02.jpg" in line]
    assert a01.split()[1] == "ok"
    assert "mismatch" in a02.lower() and "0999888777" in a02


def test_the_heading_above_the_problems_speaks_the_office_language(tmp_path, capsys) -> None:
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text(BAD, encoding="utf-8")
    out = tmp_path / "out.pdf"
    assert main(["sheet", str(csv_path), "-o", str(out), "--lang", "vi"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"cashless: {csv_path}: 5 lỗi:"
    assert err[1].strip().startswith("dòng 3, ")
