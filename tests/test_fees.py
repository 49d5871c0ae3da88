"""cashless.fees: payment codes, fee amounts, slips (decoded), the `fees` command."""

from __future__ import annotations

import csv
import io
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cashless.cli import main
from cashless.errors import CsvError, LengthError, UsageError
from cashless.fees.codes import ALPHABET, CodeBook, check_character, is_valid_code, payment_code
from cashless.fees.schedule import fee_amounts
from cashless.payload.vietqr import parse
from cashless.stalls.market import init_market
from cashless.stalls.registry import parse_registry

BODY = st.text(alphabet=ALPHABET, min_size=3, max_size=20)


@given(BODY, st.data())
def test_every_single_substitution_is_caught(body, data):
    code = body + check_character(body)
    position = data.draw(st.integers(0, len(code) - 1))
    other = data.draw(st.sampled_from([c for c in ALPHABET if c != code[position]]))
    assert is_valid_code(code)
    assert not is_valid_code(code[:position] + other + code[position + 1 :])


def test_nearly_every_adjacent_swap_is_caught():
    # MOD 37,36 misses a few swaps (6 of 3,780 here); a single wrong character never
    import itertools

    missed = total = 0
    for a, b in itertools.permutations(ALPHABET, 2):
        for head in ("CDB", "X", "A01"):
            body = f"{head}{a}{b}26"
            code = body + check_character(body)
            total += 1
            missed += is_valid_code(f"{head}{b}{a}26{code[-1]}")
    assert total == 3780 and missed / total < 0.005


def test_code_form_and_limits():
    code = payment_code("CDB", "Quầy b-07", "2026-12")
    assert code.startswith("CDBQUAYB072612") and len(code) == 15 and code.isascii()
    with pytest.raises(LengthError):
        payment_code("ABCDEF", "X" * 15, "2026-12")
    with pytest.raises(UsageError):
        payment_code("cdb", "A01", "2026-12")
    with pytest.raises(UsageError):
        payment_code("CDB", "A01", "2026-13")


@pytest.mark.parametrize(
    ("note", "how", "stall"),
    [
        ("CDBA012612U", "code", "A01"),
        ("mbvcb.99.cdb a01-2612 u.ct tu 123", "code", "A01"),
        ("IBFT CDB A01 2612", "truncated", "A01"),
        ("CDBA012621U", "mistyped", None),  # swapped period digits
        ("CDBA072612U", "mistyped", None),  # another stall's id, A01's check
        ("chuyen tien", "none", None),
    ],
)
def test_codebook_finds_codes_as_banks_show_them(note, how, stall):
    book = CodeBook("CDB", [("A01", "2026-12"), ("A07", "2026-12"), ("A1", "2026-12")])
    found = book.find(note)
    assert (found.how, found.stall_id) == (how, stall)


def test_a_truncation_that_fits_two_periods_takes_the_preferred_one():
    book = CodeBook("CDB", [("A01", "2026-11"), ("A01", "2026-12")])
    assert book.find("x CDBA0126").stall_id is None  # ambiguous without a preference
    assert book.find("x CDBA0126", prefer="2026-12").period == "2026-12"


REGISTRY = (
    "stall_id,stall_name,vendor_name,bank,account,category\n"
    "A01,Rau,Nguyễn Thị Lan,VCB,0011001234567,rau\n"
    "A02,Cá,Trần Văn Hoa,MB,0123456789,cá\n"
    "A03,Thịt,Lê Thị Mai,ACB,12345678,thịt\n"
)


def test_schedule_by_stall_and_category():
    registry = parse_registry(REGISTRY)
    text = "stall_id,category,amount\nA03,,0\n,cá,80000\n"
    assert fee_amounts(registry, 50000, text) == {"A01": 50000, "A02": 80000}
    with pytest.raises(UsageError, match="A01"):
        fee_amounts(registry, None, text)
    with pytest.raises(CsvError) as caught:
        fee_amounts(
            registry, 50000, "stall_id,category,amount\nZ9,,1\n,,5\n,cá,x\n", source="f.csv"
        )
    assert [p.line for p in caught.value.problems] == [2, 3, 4]


@pytest.fixture
def market_db(tmp_path):
    (tmp_path / "stalls.csv").write_text(REGISTRY, encoding="utf-8")
    init_market(tmp_path / "m.db", tmp_path / "stalls.csv", market_id="CDB").close()
    return tmp_path


def test_fees_command_writes_slips_that_decode_to_the_manifest(market_db, capsys):
    pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    import pypdfium2

    out = market_db / "fees.pdf"
    argv = [
        "fees",
        "--db",
        str(market_db / "m.db"),
        "--period",
        "2026-12",
        "--amount",
        "50000",
        "--bank",
        "VCB",
        "--account",
        "0011009999999",
        "--holder",
        "Ban quản lý chợ",
        "-o",
        str(out),
    ]
    assert main(argv) == 0
    rows = list(csv.DictReader(io.StringIO((market_db / "fees.csv").read_text("utf-8"))))
    assert [r["stall_id"] for r in rows] == ["A01", "A02", "A03"]
    for row in rows:
        code = parse(row["payload"])
        assert (code.amount, code.purpose, code.account) == (
            50000,
            row["payment_code"],
            "0011009999999",
        )
        assert is_valid_code(row["payment_code"]) and len(row["payment_code"]) <= 25
    document = pypdfium2.PdfDocument(str(out))
    assert len(document) == 3
    for page, row in zip(document, rows, strict=True):
        width, height = page.get_size()
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (105, 74)
        image = page.render(scale=4).to_pil()
        assert [r.text for r in zxingcpp.read_barcodes(image)] == [row["payload"]]
    document.close()
    # the account was stored: a second period needs no --bank/--account
    assert (
        main(
            [
                "fees",
                "--db",
                str(market_db / "m.db"),
                "--period",
                "2027-01",
                "--amount",
                "60000",
                "--paper",
                "A6",
                "-o",
                str(market_db / "jan.pdf"),
            ]
        )
        == 0
    )
    assert "60000" in (market_db / "jan.csv").read_text("utf-8")


def test_fees_without_an_account_says_how_to_set_it(market_db, capsys):
    argv = [
        "fees",
        "--db",
        str(market_db / "m.db"),
        "--period",
        "2026-12",
        "--amount",
        "5000",
        "-o",
        str(market_db / "f.pdf"),
        "--lang",
        "en",
    ]
    assert main(argv) == 1
    assert "--bank and --account" in capsys.readouterr().err
    assert not (market_db / "f.pdf").exists()


def test_payment_codes_are_ascii_alphanumerics():
    code = payment_code("M1", "Sạp 12", "2026-01")
    assert set(code) <= set(string.ascii_uppercase + string.digits)
