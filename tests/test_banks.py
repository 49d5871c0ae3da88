"""Tests for cashless.banks: the bundled bank list, lookups, search and user CSVs."""

from __future__ import annotations

import csv
import dataclasses
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cashless._io import Problem
from cashless.banks import (
    Bank,
    BankDirectory,
    load_directory,
    lookup_bank,
    search_banks,
)
from cashless.errors import CashlessError, CsvError, DirectoryError, UnknownBankError

HEADER = "bin,code,short_name,name,swift\n"


def bundled_rows() -> list[dict[str, str]]:
    text = resources.files("cashless.banks").joinpath("banks.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


ROWS = bundled_rows()
DIRECTORY = load_directory()


def write(tmp_path: Path, text: str, name: str = "banks.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- the bundled data -------------------------------------------------------------------


def test_bundled_file_has_71_unique_six_digit_bins() -> None:
    bins = [row["bin"] for row in ROWS]
    assert len(bins) == 71
    assert len(set(bins)) == 71
    assert all(len(b) == 6 and b.isascii() and b.isdigit() for b in bins)
    assert bins == sorted(bins)


def test_bundled_header_and_required_values() -> None:
    assert list(ROWS[0]) == ["bin", "code", "short_name", "name", "swift"]
    assert all(row["short_name"] and row["name"] for row in ROWS)
    assert [row["bin"] for row in ROWS if not row["code"]] == ["970459", "970468"]


def test_bundled_swift_codes_look_like_bics() -> None:
    for row in ROWS:
        swift = row["swift"]
        assert swift == "" or (len(swift) in (8, 11) and swift.isalnum() and swift.isupper())


def test_directory_matches_file_rows() -> None:
    assert len(DIRECTORY) == 71
    assert [dataclasses.asdict(bank) for bank in DIRECTORY] == ROWS


def test_bundled_directory_is_cached() -> None:
    assert load_directory() is load_directory()


@pytest.mark.parametrize("row", ROWS, ids=[row["bin"] for row in ROWS])
def test_every_row_round_trips_by_bin_and_code(row: dict[str, str]) -> None:
    bank = Bank(**row)
    assert DIRECTORY.by_bin(row["bin"]) == bank
    assert lookup_bank(row["bin"]) == bank
    assert lookup_bank(int(row["bin"])) == bank
    assert bank in DIRECTORY
    if row["code"]:
        assert lookup_bank(row["code"]) == bank
        assert lookup_bank(row["code"].lower()) == bank


@pytest.mark.parametrize("row", ROWS, ids=[row["bin"] for row in ROWS])
def test_every_row_round_trips_by_short_name(row: dict[str, str]) -> None:
    found = lookup_bank(row["short_name"])
    if row["bin"] == "970468":
        # Documented collision: 970468 and 977777 share short name MAFC; 977777 has the code.
        assert found.bin == "977777"
        assert found.code == "MAFC"
    else:
        assert found.bin == row["bin"]
    assert lookup_bank(row["short_name"].upper()) == found


def test_short_name_collisions_are_only_mafc() -> None:
    misses = [row["bin"] for row in ROWS if lookup_bank(row["short_name"]).bin != row["bin"]]
    assert misses == ["970468"]


# --- lookups --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "bin_"),
    [
        ("Vietcombank", "970436"),
        ("vietcombank", "970436"),
        ("VIETCOMBANK", "970436"),
        (" Vietcombank ", "970436"),
        ("VCB", "970436"),
        ("vcb", "970436"),
        ("ICB", "970415"),
        ("vietinbank", "970415"),
        ("Viet-in-bank", "970415"),
        ("MB", "970422"),
        ("mb bank", "970422"),
        ("BIDV", "970418"),
        ("IBK - HN", "970455"),
        ("ibk-hn", "970455"),
        ("IBK.HN", "970455"),
        ("ibkhcm", "970456"),
        ("NHB HN", "801011"),
        ("nhb-hn", "801011"),
        ("CIMB", "422589"),
        ("CIMBBank", "970459"),
        ("MAFC", "977777"),
        (970436, "970436"),
        ("970436", "970436"),
        ("Ngân hàng TMCP Ngoại thương Việt Nam", "970436"),
        ("ngan hang tmcp ngoai thuong viet nam", "970436"),
        ("Ngân Hàng Đầu Tư và Phát Triển Việt Nam", "970418"),
    ],
)
def test_lookup_is_case_accent_and_spacing_insensitive(query: str | int, bin_: str) -> None:
    assert lookup_bank(query).bin == bin_
    assert DIRECTORY.lookup(query).bin == bin_
    assert query in DIRECTORY


def test_lookup_folds_accents_in_query() -> None:
    directory = BankDirectory([Bank("970999", "", "Đông Á Số", "", "")])
    assert directory.lookup("dong a so").bin == "970999"
    assert directory.lookup("ĐÔNG-Á-SỐ").bin == "970999"


def test_bin_is_tried_before_code_and_code_before_short_name() -> None:
    directory = BankDirectory(
        [
            Bank("111111", "", "222222", "", ""),
            Bank("222222", "AAA", "First", "", ""),
            Bank("333333", "BBB", "AAA", "", ""),
            Bank("444444", "", "BBB", "", ""),
        ]
    )
    assert directory.lookup("222222").bin == "222222"  # BIN beats short name
    assert directory.lookup("AAA").bin == "222222"  # code beats short name
    assert directory.lookup("bbb").bin == "333333"


def test_first_row_wins_a_shared_key() -> None:
    first = Bank("111111", "X", "Same", "", "")
    second = Bank("222222", "Y", "Same", "", "")
    assert BankDirectory([first, second]).lookup("same") == first
    assert BankDirectory([second, first]).lookup("same") == second


@pytest.mark.parametrize("query", ["Vietcombnk", "vietcombak"])
def test_unknown_bank_error_names_query_and_suggestions(query: str) -> None:
    with pytest.raises(UnknownBankError) as info:
        lookup_bank(query)
    error = info.value
    assert isinstance(error, CashlessError)
    assert isinstance(error, ValueError)
    assert error.code == "unknown-bank"
    assert repr(query) in str(error)
    assert "Vietcombank (VCB, 970436)" in str(error)
    assert error.suggestions[0] == "Vietcombank (VCB, 970436)"
    assert 1 <= len(error.suggestions) <= 3
    assert error.query == query


@pytest.mark.parametrize("query", ["zzzzqqq", "", "   ", "🍜", "97043", "9704366", -970436, 1.5])
def test_unknown_queries_raise(query: object) -> None:
    with pytest.raises(UnknownBankError, match="unknown bank"):
        lookup_bank(query)  # type: ignore[arg-type]
    assert query not in DIRECTORY


def test_unknown_without_close_match_has_no_suggestions() -> None:
    with pytest.raises(UnknownBankError) as info:
        lookup_bank("zzzzqqq")
    assert info.value.suggestions == ()
    assert "did you mean" not in str(info.value)


def test_by_bin_accepts_only_bins() -> None:
    assert DIRECTORY.by_bin(970415).short_name == "VietinBank"
    with pytest.raises(UnknownBankError, match="VCB"):
        DIRECTORY.by_bin("VCB")
    with pytest.raises(UnknownBankError, match="970499"):
        DIRECTORY.by_bin("970499")


def test_contains_bank_objects() -> None:
    vcb = lookup_bank("VCB")
    assert vcb in DIRECTORY
    assert dataclasses.replace(vcb, name="other") not in DIRECTORY
    assert None not in DIRECTORY


def test_bank_and_directory_are_immutable() -> None:
    bank = lookup_bank("VCB")
    with pytest.raises(dataclasses.FrozenInstanceError):
        bank.bin = "000000"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        DIRECTORY.extra = 1  # type: ignore[attr-defined]


def test_directory_rejects_bad_rows() -> None:
    with pytest.raises(DirectoryError) as info:
        BankDirectory(
            [
                Bank("12345", "", "A", "", ""),
                Bank("111111", "", "", "", ""),
                Bank("111111", "", "B", "", ""),
            ]
        )
    assert [(p.line, p.column) for p in info.value.problems] == [
        (1, "bin"),
        (2, "short_name"),
        (3, "bin"),
    ]


@given(st.text(max_size=20))
def test_lookup_never_raises_anything_but_unknown_bank(query: str) -> None:
    try:
        bank = lookup_bank(query)
    except UnknownBankError:
        return
    assert bank in DIRECTORY


# --- search ---------------------------------------------------------------------------


def test_search_full_name_without_accents() -> None:
    assert [bank.bin for bank in search_banks("ngoai thuong")] == ["970436"]
    assert [bank.bin for bank in search_banks("NGOẠI THƯƠNG")] == ["970436"]


def test_search_ranks_exact_short_name_first() -> None:
    results = [bank.bin for bank in search_banks("shb")]
    assert results[0] == "970443"  # SHB
    assert "970424" in results  # ShinhanBank, code SHBVN


def test_search_ranks_name_matches_after_short_name_matches() -> None:
    assert search_banks("vietcombank")[0].bin == "970436"
    # SaigonBank by short name; then Sài Gòn in the full names, in BIN order.
    assert [bank.bin for bank in search_banks("Sài Gòn")] == [
        "970400",
        "970403",
        "970429",
        "970443",
    ]


def test_search_ranking_tiers() -> None:
    directory = BankDirectory(
        [
            Bank("100000", "", "Other", "Ngân hàng Rau", ""),
            Bank("200000", "", "Big Rau", "", ""),
            Bank("300000", "", "Rau Xanh", "", ""),
            Bank("400000", "RAU", "Green", "", ""),
            Bank("500000", "", "Rau", "", ""),
            Bank("600000", "", "Nothing", "", ""),
        ]
    )
    assert [bank.bin for bank in directory.search("rau")] == [
        "400000",  # what lookup("rau") returns (code)
        "500000",  # exact short name
        "300000",  # short name starts with it
        "200000",  # short name contains it
        "100000",  # full name contains it
    ]


def test_search_agrees_with_lookup_on_shared_short_name() -> None:
    assert [bank.bin for bank in search_banks("MAFC")] == ["977777", "970468"]


def test_search_by_bin_prefix_and_no_match() -> None:
    assert {bank.bin for bank in search_banks("97043")} == {f"97043{i}" for i in range(10)} & {
        bank.bin for bank in DIRECTORY
    }
    assert search_banks("zzzzqqq") == []
    assert len(search_banks("")) == 71


# --- user CSVs ------------------------------------------------------------------------


def test_user_csv_extends_bundled(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "970999,TEST,TestBank,Ngân hàng Thử,\n")
    directory = load_directory(path)
    assert len(directory) == 72
    assert directory.lookup("testbank").name == "Ngân hàng Thử"
    assert directory.lookup("VCB").bin == "970436"
    assert load_directory() is not directory
    assert len(load_directory()) == 71


def test_user_csv_overrides_same_bin(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "970449,LPB,LPBank,Ngân hàng TMCP Lộc Phát Việt Nam,LVBKVNVX\n")
    directory = load_directory(path)
    assert len(directory) == 71
    assert directory.by_bin("970449").name == "Ngân hàng TMCP Lộc Phát Việt Nam"
    assert lookup_bank("970449").name == "Ngân hàng TMCP Bưu Điện Liên Việt"


def test_user_rows_win_shared_keys(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "970999,VCB,MyVCB,,\n")
    assert load_directory(path).lookup("VCB").bin == "970999"
    assert load_directory(path).lookup("970436").code == "VCB"


def test_user_csv_replaces_bundled(tmp_path: Path) -> None:
    path = write(tmp_path, "short_name,bin\nTestBank,970999\nOther,970998\n")
    directory = load_directory(path, extend=False)
    assert [bank.bin for bank in directory] == ["970999", "970998"]
    assert directory.lookup("testbank") == Bank("970999", "", "TestBank", "", "")
    with pytest.raises(UnknownBankError):
        directory.lookup("VCB")


def test_user_csv_accepts_bom_crlf_and_extra_columns(tmp_path: Path) -> None:
    text = "\ufeffbin,short_name,note\r\n970999,TestBank,hello\r\n\r\n"
    directory = load_directory(write(tmp_path, text), extend=False)
    assert list(directory) == [Bank("970999", "", "TestBank", "", "")]


def test_user_csv_values_are_stripped_and_nfc(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + " 970999 , T ,Test,Ngân hàng Thu\u031b\u0309,\n")
    bank = load_directory(path, extend=False).by_bin("970999")
    assert bank.code == "T"
    assert bank.name == "Ngân hàng Thử"


def test_bad_user_csv_reports_every_problem(tmp_path: Path) -> None:
    text = (
        HEADER
        + "970999,A,Alpha,,\n"  # line 2: fine
        + "97099,B,Beta,,\n"  # line 3: short BIN
        + "970999,C,Gamma,,\n"  # line 4: duplicate BIN
        + '970998,D,,"multi\nline",\n'  # line 5 (to 6): missing short_name
        + "97x997,E,,,\n"  # line 7: bad BIN and missing short_name
        + "970996,F,Ok,,,extra\n"  # line 8: too many fields
    )
    with pytest.raises(DirectoryError) as info:
        load_directory(write(tmp_path, text))
    error = info.value
    assert error.code == "bank-directory" and isinstance(error, CsvError)
    assert error.source == str(tmp_path / "banks.csv")
    assert [(p.line, p.column) for p in error.problems] == [
        (3, "bin"),
        (4, "bin"),
        (5, "short_name"),
        (7, "bin"),
        (7, "short_name"),
        (8, "-"),
    ]
    assert all(isinstance(p, Problem) for p in error.problems)
    assert "not 6 digits" in error.problems[0].reason
    assert "first on line 2" in error.problems[1].reason
    message = str(error)
    assert "6 problems" in message
    for line in (3, 4, 5, 7, 8):
        assert f"line {line}," in message
    assert str(tmp_path) in message


def test_user_csv_missing_header_columns(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError) as info:
        load_directory(write(tmp_path, "code,name\nVCB,x\n"))
    assert [(p.line, p.column) for p in info.value.problems] == [(1, "bin"), (1, "short_name")]
    assert "missing column" in str(info.value)


def test_user_csv_repeated_header_column(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError, match="given twice"):
        load_directory(write(tmp_path, "bin,short_name,bin\n970999,A,970999\n"))


def test_empty_user_csv(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError, match="the file is empty"):
        load_directory(write(tmp_path, ""))


def test_non_utf8_user_csv(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "970999,A,Ngân hàng,,\n", encoding="cp1258")
    with pytest.raises(DirectoryError, match="not UTF-8") as info:
        load_directory(path)
    assert info.value.problems[0].line == 2
    assert str(path) in str(info.value)


def test_missing_user_csv(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError, match="cannot read"):
        load_directory(tmp_path / "nope.csv")


# --- issue 12: banks as people write them; the rebuild script ---------------------------

PEOPLE_WRITE = {
    "BVBank": "970454",
    "MBV": "970414",
    "Vikki": "970406",
    "Ngân hàng Á Châu": "970416",
    "Ngân hàng Quân đội": "970422",
    "Vietcom": "970436",
    "Techcom": "970407",
    "Sacom": "970403",
    "Agri": "970405",
    "Shinhan": "970424",
    "Nam A": "970428",
    "Viet Capital": "970454",
    "NGÂN HÀNG TMCP NGOẠI THƯƠNG": "970436",
    "vcbneo": "970444",
    "Lộc Phát": "970449",
    "LienVietPostBank": "970449",
}


@pytest.mark.parametrize(("written", "bin_text"), PEOPLE_WRITE.items())
def test_banks_as_people_write_them(written: str, bin_text: str) -> None:
    from cashless.banks.directory import match_bank

    assert lookup_bank(written).bin == bin_text
    assert match_bank(written).bank.bin == bin_text


def test_aliases_name_real_bins_and_never_shadow_a_code() -> None:
    from cashless.banks.aliases import ALIASES
    from cashless.banks.directory import match_bank

    directory = load_directory()
    for alias, bin_text, since, source in ALIASES:
        assert bin_text in directory and since and source
        assert match_bank(alias).bank.bin == bin_text
    for bank in directory:  # codes and short names still win over aliases
        if bank.code:
            assert match_bank(bank.code).how in ("code", "bin")


def test_mbv_lists_only_its_bank_and_ambiguous_prefixes_match_nothing(capsys) -> None:
    from cashless.cli import main

    assert main(["banks", "MBV"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("970414")
    with pytest.raises(UnknownBankError):
        lookup_bank("Viet")  # VietinBank, Vietcombank, VietBank, ...: no guess


def _rebuild_module():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "scripts" / "rebuild_banks.py"
    spec = importlib.util.spec_from_file_location("rebuild_banks", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rebuild_follows_the_readme_rules(tmp_path: Path) -> None:
    rebuild = _rebuild_module()
    sbv = [
        {"bin": "970459", "name": "Ngân hàng CIMB (register)"},
        {"bin": "970436", "name": "Ngoại thương"},
    ]
    vietqr = [
        {
            "bin": "422589",
            "code": "CIMB",
            "short_name": "CIMB",
            "name": "CIMB vn",
            "swift": "CIBBVNVN",
        },
        {
            "bin": "970436",
            "code": "VCB",
            "short_name": "Vietcombank",
            "name": "VCB io",
            "swift": "",
        },
    ]
    extra = [
        {
            "bin": "970459",
            "code": "CIMB",
            "short_name": "CIMBBank",
            "name": "",
            "swift": "CIBBVNVN",
        },
        {"bin": "970436", "code": "X", "short_name": "Y", "name": "Z", "swift": "BFTVVNVX"},
    ]
    rows = rebuild.rebuild(sbv, vietqr, [extra])
    assert [row["bin"] for row in rows] == ["422589", "970436", "970459"]
    vcb, cimb = rows[1], rows[2]
    assert (vcb["code"], vcb["short_name"], vcb["name"], vcb["swift"]) == (
        "VCB", "Vietcombank", "Ngoại thương", "BFTVVNVX",
    )  # fmt: skip
    assert (cimb["code"], cimb["name"]) == ("", "Ngân hàng CIMB (register)")
    with pytest.raises(rebuild.RebuildError, match="SWIFT codes disagree"):
        rebuild.rebuild([], vietqr, [[{**extra[0], "bin": "422589", "swift": "OTHERXXX"}]])


def test_rebuild_reproduces_the_bundled_file_byte_for_byte(tmp_path: Path) -> None:
    rebuild = _rebuild_module()
    bundled = rebuild.BUNDLED
    copy = tmp_path / "banks.csv"
    assert rebuild.main(["--extra", str(bundled), "-o", str(copy)]) == 0
    assert copy.read_bytes() == bundled.read_bytes()
    assert rebuild.main(["--extra", str(bundled), "-o", str(bundled), "--check"]) == 0
