"""cashless market init, verify --db and audit, end to end through cli.main."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
from PIL import Image

from cashless import build
from cashless.cli import main
from cashless.stalls.qr import make_qr, to_image

REGISTRY = (
    "stall_id,stall_name,vendor_name,bank,account\n"
    "A01,Rau,Nguyễn Thị Tú,VCB,0011001234567\n"
    "A02,Thịt,Trần Văn Hà,ACB,257678859\n"
    "A03,Cá,Lê Thị Lan,MB,0123456789\n"
)


def _png(path: Path, payload: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    to_image(make_qr(payload), scale=6).save(path)
    return path


def test_market_verify_audit(tmp_path, capsys):
    registry = tmp_path / "stalls.csv"
    registry.write_text(REGISTRY, encoding="utf-8")
    db = str(tmp_path / "market.db")
    assert main(["market", "init", "--db", db, "--registry", str(registry), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "created market MKT" in out and "registry version 1: 3 stalls" in out
    from cashless.stalls.market import open_market

    with open_market(db) as market:
        assert market._key.hex() not in out
        a01 = market.registry()["A01"].payload
    photos = tmp_path / "photos"
    _png(photos / "A01.png", a01)
    _png(photos / "A02.png", build("MB", "0999888777", merchant_name="X"))
    (photos / "bad.jpg").write_bytes(b"\xff\xd8\xff garbage")
    code = main(["verify", "--db", db, str(photos), "--lang", "en", "--who", "lan", "--json"])
    assert code == 1
    report = json.loads(capsys.readouterr().out)
    verdicts = {Path(r["photo"]).name: r["verdict"] for r in report["records"]}
    assert verdicts == {"A01.png": "ok", "A02.png": "mismatch"}
    assert [Path(s["path"]).name for s in report["skipped"]] == ["bad.jpg"]
    assert main(["audit", "--db", db, "--lang", "en"]) == 1
    table = capsys.readouterr().out
    assert "never checked" in table and "3 stalls: 1 never checked, 1 with open" in table
    xlsx = tmp_path / "audit.xlsx"
    assert main(["audit", "--db", db, "-o", str(xlsx), "--lang", "vi"]) == 1
    sheet = openpyxl.load_workbook(xlsx).active
    rows = list(sheet.values)
    assert rows[0][0] == "quầy" and [r[0] for r in rows[1:]] == ["A01", "A02", "A03"]
    assert rows[3][2] == "chưa kiểm"
    csv_path = tmp_path / "audit.csv"
    assert main(["audit", "--db", db, "-o", str(csv_path), "--lang", "en"]) == 1
    assert csv_path.read_text(encoding="utf-8-sig").splitlines()[0].startswith("stall,")


def test_verify_with_a_registry_file_prints_a_table(tmp_path, capsys):
    registry = tmp_path / "stalls.csv"
    registry.write_text(REGISTRY, encoding="utf-8")
    from cashless.stalls.registry import load_registry

    photo = _png(tmp_path / "IMG_1.png", load_registry(registry)["A03"].payload)
    assert main(["verify", "--registry", str(registry), str(photo), "--lang", "vi"]) == 0
    out = capsys.readouterr().out
    assert "KHÔNG GẮN" in out and "1 ảnh không gắn với quầy" in out


def test_verify_db_missing_is_one_line(tmp_path, capsys):
    assert main(["verify", "--db", str(tmp_path / "no.db"), str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cashless: ") and "market init" in err and err.count("\n") == 1


def test_broken_image_direct(tmp_path, capsys):
    registry = tmp_path / "stalls.csv"
    registry.write_text(REGISTRY, encoding="utf-8")
    broken = tmp_path / "A01.png"
    buffer = io.BytesIO()
    Image.new("L", (50, 50)).save(buffer, "PNG")
    broken.write_bytes(buffer.getvalue()[:40])
    assert main(["verify", "--registry", str(registry), str(broken), "--lang", "en"]) == 1
    assert "broken" in capsys.readouterr().out
