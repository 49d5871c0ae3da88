"""cashless.stalls.registry: stall CSV validation, payloads and check codes."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cashless import parse
from cashless._io import Problem
from cashless.errors import CashlessError, CsvError, RegistryError, UnknownStallError
from cashless.payload.spec import max_length
from cashless.stalls.registry import (
    Registry,
    Stall,
    check_code,
    load_registry,
    parse_registry,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "stalls.csv"
HEADER = "stall_id,stall_name,vendor_name,bank,account,amount,purpose,category\n"
GOOD = "A01,Rau sạch,Nguyễn Thị Trâm,VCB,0011001234567,,,Rau củ\n"


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASHLESS_LANG", "en")


def problems_of(text: str | bytes) -> list[Problem]:
    with pytest.raises(RegistryError) as info:
        parse_registry(text, source="stalls.csv")
    assert isinstance(info.value, CsvError) and isinstance(info.value, CashlessError)
    assert info.value.source == "stalls.csv"
    assert str(info.value).startswith("stalls.csv: ")
    return info.value.problems


def test_example_file_loads_sixty_stalls() -> None:
    registry = load_registry(EXAMPLE)
    assert isinstance(registry, Registry)
    assert len(registry) == 60
    assert registry.problems == ()
    ids = [s.stall_id for s in registry]
    assert len(set(ids)) == 60
    for stall in registry:
        code = parse(stall.payload)
        assert (code.bin, code.account, code.amount) == (
            stall.bank.bin,
            stall.account,
            stall.amount,
        )
        assert stall.check_code == check_code(stall.payload)
    assert any(unicodedata.normalize("NFD", s.vendor_name) != s.vendor_name for s in registry)


def test_good_row_builds_payload_and_lookups() -> None:
    registry = parse_registry(
        HEADER + GOOD + "B02,Thịt bò,Lê Văn Hùng,970415,123456789,50.000,Thịt bò tươi,Thịt\n"
    )
    a01, b02 = registry["A01"], registry["b02"]
    assert a01.bank.short_name == "Vietcombank"
    assert b02.bank.short_name == "VietinBank"
    assert b02.amount == 50_000 and isinstance(b02.amount, int)
    code = parse(b02.payload)
    assert code.purpose == "Thit bo tuoi"
    assert code.merchant_name == "LE VAN HUNG"
    assert code.amount == 50_000
    assert (a01.line, b02.line) == (2, 3)
    assert registry.by_payload(b02.payload) is b02
    assert registry.by_check_code(b02.check_code.lower().replace("-", "")) is b02
    assert registry.by_account("970436", "0011001234567") == [a01]
    assert registry.get("Z99") is None
    with pytest.raises(UnknownStallError, match="<registry>: no stall has the id 'Z99'"):
        registry["Z99"]


def test_check_code_shape_and_sensitivity() -> None:
    a = check_code("00020101021138570010A000000727")
    b = check_code("00020101021138570010A000000728")
    assert a != b
    for code in (a, b):
        assert len(code) == 7 and code[3] == "-"
        assert not set(code) & set("ILOU")


def test_nfd_input_is_normalised_to_nfc() -> None:
    nfd = unicodedata.normalize("NFD", GOOD)
    stall = parse_registry(HEADER + nfd)["A01"]
    assert stall.vendor_name == "Nguyễn Thị Trâm"
    assert unicodedata.is_normalized("NFC", stall.stall_name)


def test_bom_and_semicolons_are_accepted() -> None:
    data = ("\ufeff" + HEADER + GOOD).encode("utf-8")
    assert len(parse_registry(data)) == 1
    semicolons = (HEADER + GOOD).replace(",", ";")
    assert parse_registry(semicolons)["A01"].account == "0011001234567"


def test_optional_columns_may_be_absent() -> None:
    registry = parse_registry(
        "account,bank,vendor_name,stall_name,stall_id\n123456,ACB,Bà Lan,Hoa,H1\n"
    )
    stall = registry["H1"]
    assert (stall.amount, stall.purpose, stall.category) == (None, None, "")


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        ("A01,Rau,Lan,NOSUCHBANK,123456,,,", "bank", "no bank matches 'NOSUCHBANK'"),
        ("A01,Rau,Lan,,123456,,,", "bank", "empty"),
        ("A01,Rau,Lan,VCB,12345678901234567890,,,", "account", "20 characters, the limit is 19"),
        ("A01,Rau,Lan,VCB,,,,", "account", "empty"),
        ("A01,Rau,Lan,VCB,0011_0012,,,", "account", "holds '_'"),
        ("A01,Rau,Lan,VCB,1.23457E+13,,,", "account", "Excel turned the account number"),
        ("A01,Rau,Lan,VCB,123456,50.5,,", "amount", "not a whole number"),
        ("A01,Rau,Lan,VCB,123456,-5000,,", "amount", "not a whole number"),
        ("A01,Rau,Lan,VCB,123456,0,,", "amount", "more than 0"),
        ("A01,Rau,Lan,VCB,123456,50k,,", "amount", "not a whole number"),
        ("A01,Rau,Lan,VCB,123456,99999999999999,,", "amount", "13 digits"),
        ("A01,Rau,Lan,VCB,123456,,Một mục đích thật sự rất dài quá,", "purpose", "the limit is 25"),
        (",Rau,Lan,VCB,123456,,,", "stall_id", "empty"),
        ("A01,,Lan,VCB,123456,,,", "stall_name", "empty"),
        ("A01,Rau,,VCB,123456,,,", "vendor_name", "empty"),
        ("A01,Rau\x00,Lan,VCB,123456,,,", "stall_name", "control character"),
    ],
)
def test_each_failure_reason(row: str, column: str, fragment: str) -> None:
    (problem,) = problems_of(HEADER + row + "\n")
    assert (problem.line, problem.column) == (2, column)
    assert fragment in problem.reason
    assert "62.08" not in problem.reason and "38.01" not in problem.reason


@pytest.mark.parametrize(
    ("row", "column", "fragment", "check"),
    [
        (
            "A01,Rau,Lan,VCB,0011-0012 34,,,",
            "account",
            "read as 0011001234",
            ("account", "0011001234"),
        ),
        ("A01,Rau,Lan,VCB,1234.5678,,,", "account", "read as 12345678", ("account", "12345678")),
        ("A01,Rau,Lan,VCB,123456,50.000đ,,", "amount", "read as 50.000 đ", ("amount", 50000)),
        ("A01,Rau,Lan,VCB,123456,50.000 đ,,", "amount", "read as 50.000 đ", ("amount", 50000)),
        ('A01,Rau,Lan,VCB,123456,"50,000 VND",,', "amount", "read as", ("amount", 50000)),
        ("Quầy a01,Rau,Lan,VCB,123456,,,", "stall_id", "written as A01", ("stall_id", "A01")),
        ("A01,Rau,Lan,Vietcom,123456,,,", "bank", "is Vietcombank", ("bank", "970436")),
        (
            "A01,Rau,Nguyễn Thị Thanh Hương Xuân Mai,VCB,123456,,,",
            "vendor_name",
            "carries NGUYEN T T H X MAI",
            ("merchant_name", "NGUYEN T T H X MAI"),
        ),
    ],
)
def test_each_tidying_is_noted(
    row: str, column: str, fragment: str, check: tuple[str, object]
) -> None:
    registry = parse_registry(HEADER + row + "\n")
    (stall,) = registry
    (note,) = registry.notes
    assert (note.line, note.column) == (2, column) and fragment in note.reason
    attribute, value = check
    got = getattr(stall, attribute)
    assert (got.bin if attribute == "bank" else got) == value


def test_a_short_row_leaves_the_missing_cells_empty() -> None:
    (stall,) = parse_registry(HEADER + "A01,Rau,Lan,VCB,123456\n")
    assert (stall.amount, stall.purpose, stall.category) == (None, None, "")


def test_vietnamese_headers_and_problems_name_the_files_column() -> None:
    text = (
        "Số quầy;TEN QUAY;Chủ tài khoản;Ngân Hàng;Số Tài Khoản;Số tiền;;\nA01;Rau;Lan;VCB;12_3;;;\n"
    )
    with pytest.raises(RegistryError) as info:
        parse_registry(text, lang="vi")
    (problem,) = info.value.problems
    assert problem.column == "Số Tài Khoản" and "chỉ dùng chữ A-Z và số" in problem.reason
    assert str(info.value).startswith("<registry>: 1 lỗi: dòng 2, Số Tài Khoản:")


def test_duplicate_stall_id_names_the_first_line() -> None:
    (problem,) = problems_of(HEADER + GOOD + GOOD.replace("VCB", "ACB").replace("A01", "a01"))
    assert problem == Problem(3, "stall_id", "duplicate stall id A01 (first on line 2)")


def test_several_bad_rows_are_all_reported_in_order() -> None:
    text = (
        HEADER
        + GOOD
        + "A02,Rau,Lan,XYZ,12_34,abc,,\n"  # three problems on one line
        + "A03,Cá,Hà,MB,777777,,,\n"
        + "A01,Thịt,Bình,BIDV,888888,,,\n"
    )  # duplicate
    problems = problems_of(text)
    assert [(p.line, p.column) for p in problems] == [
        (3, "bank"),
        (3, "account"),
        (3, "amount"),
        (5, "stall_id"),
    ]


def test_skip_bad_returns_good_rows_and_problems() -> None:
    text = HEADER + GOOD + "A02,Rau,Lan,XYZ,123,,,\n" + "A03,Cá,Hà,MB,777777,,,\n"
    registry = parse_registry(text, skip_bad=True)
    assert [s.stall_id for s in registry] == ["A01", "A03"]
    assert [(p.line, p.column) for p in registry.problems] == [(3, "bank")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"", [(1, "-", "the file is empty")]),
        (b"\xef\xbb\xbf\n\n", [(1, "-", "the file is empty")]),
        (HEADER.encode(), [(1, "-", "no stalls")]),
        (
            b"stall_id,stall_name,bank,account,amount\nA1,x,VCB,1,\n",
            [(1, "vendor_name", "missing column")],
        ),
        (
            b"stall_id,stall_name,vendor_name,bank,acount\n",
            [(1, "account", "missing column")],
        ),
        ((HEADER + GOOD).encode("cp1258", errors="replace"), [(2, "-", "not UTF-8")]),
        ((HEADER + GOOD).encode("utf-16"), [(1, "-", "UTF-16")]),
    ],
)
def test_file_level_problems(text: bytes, expected: list[tuple[int, str, str]]) -> None:
    problems = problems_of(text)
    assert [(p.line, p.column) for p in problems] == [(line, col) for line, col, _ in expected]
    for problem, (_, _, fragment) in zip(problems, expected, strict=True):
        assert fragment in problem.reason


def test_file_level_problems_raise_even_with_skip_bad() -> None:
    with pytest.raises(RegistryError):
        parse_registry(b"", skip_bad=True)


def test_load_registry_reports_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read") as info:
        load_registry(tmp_path / "missing.csv")
    assert info.value.source == str(tmp_path / "missing.csv")


def test_limits_come_from_the_spec_table() -> None:
    longest = "1" * max_length("38.01.01")
    assert parse_registry(HEADER + GOOD.replace("0011001234567", longest))["A01"].account == longest
    (problem,) = problems_of(HEADER + GOOD.replace("0011001234567", longest + "2"))
    assert (
        problem.column == "account" and f"the limit is {max_length('38.01.01')}" in problem.reason
    )
    biggest = "9" * max_length("54")
    assert parse_registry(HEADER + f"A01,Rau,Lan,VCB,123456,{biggest},,\n")["A01"].amount == int(
        biggest
    )
    (problem,) = problems_of(HEADER + f"A01,Rau,Lan,VCB,123456,1{biggest},,\n")
    assert problem.column == "amount" and f"more than {max_length('54')} digits" in problem.reason


def test_a_multi_line_row_is_reported_on_its_first_line() -> None:
    text = HEADER + GOOD + 'A02,"Rau\ncải",Lan,XYZ,123456,,,\n' + "A03,Cá,Hà,QQQ,777777,,,\n"
    problems = problems_of(text)
    assert [(p.line, p.column) for p in problems] == [(3, "stall_name"), (3, "bank"), (5, "bank")]


def test_stall_is_a_frozen_value() -> None:
    stall = parse_registry(HEADER + GOOD)["A01"]
    with pytest.raises(AttributeError):
        stall.account = "1"  # type: ignore[misc]
    assert isinstance(stall, Stall)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda body: HEADER + body),
        st.lists(
            st.sampled_from(["A01", "VCB", "x", "", "5.000", "Đ", '"', ",", ";", "\n", "0" * 20]),
            max_size=30,
        ).map(lambda parts: HEADER + ",".join(parts)),
    )
)
def test_junk_input_raises_only_registry_error(data: str | bytes) -> None:
    for skip_bad in (False, True):
        try:
            registry = parse_registry(data, skip_bad=skip_bad)
        except RegistryError as exc:
            assert exc.problems and all(isinstance(p, Problem) for p in exc.problems)
        else:
            assert all(isinstance(s, Stall) for s in registry)
