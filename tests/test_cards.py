"""One stall's card as PNG or SVG: same lines as the sheet, and the code still scans."""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from cashless.cli import main
from cashless.errors import CashlessError, FormatError
from cashless.stalls.card import card_png, card_svg, write_card
from cashless.stalls.registry import load_registry
from cashless.stalls.sheet import card_lines

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = load_registry(ROOT / "examples" / "stalls.csv")


@pytest.mark.parametrize("stall_id", ["A01", "A02"])
def test_png_card_decodes_to_the_stall_payload(stall_id: str) -> None:
    stall = REGISTRY[stall_id]
    image = card_png(stall, market="Chợ Điện Biên", dpi=150)
    assert image.size == (620, 437)  # A7 at 150 dpi
    (found,) = zxingcpp.read_barcodes(image)
    assert found.text == stall.payload and found.ec_level == "M"


def test_svg_card_carries_every_line_and_the_symbol() -> None:
    stall = REGISTRY["A01"]
    svg = card_svg(stall, market="Chợ Điện Biên")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    expected = [line for line, _, _ in card_lines(stall, "Chợ Điện Biên")]
    assert " ".join(texts) == " ".join(expected)  # wrapping may split a line, never drop one
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)
    assert root.get("width") == "105mm" and root.get("height") == "74mm"
    (path,) = root.iter(f"{ns}path")
    assert path.get("d").count("z") > 100


def test_write_card_by_suffix_and_refuses_other_kinds(tmp_path: Path) -> None:
    stall = REGISTRY["A01"]
    png = write_card(stall, tmp_path / "a01.png", dpi=100)
    with Image.open(png) as image:
        assert image.size == (413, 291)
    assert write_card(stall, tmp_path / "a01.svg").read_text().startswith("<svg")
    with pytest.raises(FormatError, match="cashless sheet"):
        write_card(stall, tmp_path / "a01.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a01.png", "a01.svg"]


def test_font_without_vietnamese_is_refused(tmp_path: Path) -> None:
    import matplotlib

    plain = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "cmr10.ttf"
    with pytest.raises(CashlessError, match="lacks"):
        write_card(REGISTRY["A01"], tmp_path / "a.png", font=plain)
    assert not (tmp_path / "a.png").exists()


def test_cli_card_and_qr_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = str(ROOT / "examples" / "stalls.csv")
    assert main(["card", csv, "A01", "-o", str(tmp_path / "c.png"), "--dpi", "120"]) == 0
    assert "card of stall A01" in capsys.readouterr().out
    assert main(["card", csv, "A01", "-o", str(tmp_path / "q.pdf"), "--qr-only"]) == 0
    assert (tmp_path / "q.pdf").read_bytes()[:5] == b"%PDF-"
    assert main(["card", csv, "A01", "-o", str(tmp_path / "c.pdf")]) == 1
    assert "cashless sheet" in capsys.readouterr().err
