"""The payload commands, run in-process."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cashless.cli import main

DATA = Path(__file__).parent / "data"
NAPAS_DYNAMIC = (
    "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA530370454061800005802VN"
    "62340107NPS68690819thanh toan don hang63042E2E"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_build_prints_payload_and_folding_note(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        capsys,
        "build",
        "--bank",
        "ACB",
        "--account",
        "257678859",
        "--amount",
        "10000",
        "--purpose",
        "Chuyển tiền",
    )
    assert status == 0
    assert out.strip() == (
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
        "53037045405100005802VN62150811Chuyen tien630453E6"
    )
    assert "purpose folded" in err


def test_build_static_card_and_accents(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "build",
        "--bank",
        "970403",
        "--account",
        "9704031101234567",
        "--card",
        "--merchant-name",
        "Bà Hương",
        "--accents-in-64",
    )
    assert status == 0
    assert "0208QRIBFTTC" in out and "0108Bà Hương" in out and "010211" in out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["build", "--bank", "Nowhere", "--account", "1"], "unknown bank"),
        (["build", "--bank", "VCB", "--account", "1", "--amount", "12.5"], "54 amount"),
        (["build", "--bank", "VCB", "--account", "1", "--purpose", "x" * 30], "62.08 purpose: 30"),
        (["build", "--bank", "VCB", "--account", "1", "--purpose", "cải", "--no-fold"], "62.08"),
    ],
)
def test_build_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 1 and out == ""
    assert words in err and err.count("\n") == 1 and err.startswith("cashless: ")


def test_parse_vietqr_to_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "parse", NAPAS_DYNAMIC)
    data = json.loads(out)
    assert status == 0
    assert data["scheme"] == "vietqr" and data["amount"] == 180000
    assert data["bill_number"] == "NPS6869" and data["purpose"] == "thanh toan don hang"
    assert data["findings"] == [] and "warnings" not in data


def test_parse_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(NAPAS_DYNAMIC + "\n"))
    status, out, _ = run(capsys, "parse", "-")
    assert status == 0 and json.loads(out)["account"] == "0011012345678"


@pytest.mark.parametrize(
    ("name", "scheme", "field", "value"),
    [
        ("th-promptpay-amount", "emv", "currency", "764"),
        ("sg-paynow-amount", "emv", "merchant_name", "Demo Merchant"),
        ("br-pix-email", "emv", "merchant_city", "SAO PAULO"),
        ("vn-vnpay-merchant", "vnpay-qr", "store_label", "MY PHAM HER"),
    ],
)
def test_parse_other_schemes(
    capsys: pytest.CaptureFixture[str], name: str, scheme: str, field: str, value: str
) -> None:
    vectors = [json.loads(x) for x in (DATA / "foreign_vectors.jsonl").read_text().splitlines()]
    payload = next(v["payload"] for v in vectors if v["name"] == name)
    status, out, _ = run(capsys, "parse", payload)
    data = json.loads(out)
    assert status == 0 and data["scheme"] == scheme and data[field] == value
    assert data["tree"][0] == {"id": "00", "position": 0, "value": "01"}
    assert isinstance(data["findings"], list) and "warnings" not in data


def test_parse_invalid_exits_1_with_reason(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "parse", NAPAS_DYNAMIC[:-4] + "0000")
    assert status == 1 and out == ""
    assert "CRC mismatch" in err and err.count("\n") == 1


def test_lint_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "lint", NAPAS_DYNAMIC)
    assert status == 0 and out.startswith("ok")
    status, out, _ = run(capsys, "lint", NAPAS_DYNAMIC, "--profile", "strict", "--json")
    findings = json.loads(out)
    assert status == 1 and {f["path"] for f in findings} == {"52", "59", "60"}


def test_banks_search_and_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "banks", "ngoai", "thuong")
    assert status == 0 and out.startswith("970436")
    status, out, _ = run(capsys, "banks", "--json", "VCB")
    assert json.loads(out)[0]["short_name"] == "Vietcombank"
    status, out, _ = run(capsys, "banks")
    assert status == 0 and len(out.splitlines()) == 71
    status, _, err = run(capsys, "banks", "zzzqqq")
    assert status == 1 and "unknown bank" in err and err.count("\n") == 1


def test_help_on_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    from cashless.cli import build_parser

    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    commands = action.choices
    assert {"build", "parse", "lint", "banks"} <= set(commands)
    for name in commands:
        with pytest.raises(SystemExit) as info:
            main([name, "--help"])
        assert info.value.code == 0
        assert "usage: cashless " + name in capsys.readouterr().out


def test_python_dash_m_works() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cashless", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.startswith("cashless ")
