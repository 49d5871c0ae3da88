"""cashless._io.read_csv: the one CSV reader of the bank directory and the stall registry."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cashless._io import CSV_FIELD_LIMIT, CsvRow, Problem, csv_error, read_csv, read_csv_file
from cashless.errors import DirectoryError, RegistryError

COLUMNS = ("id", "name", "note")


def read(data: str | bytes, **options: object):
    options = {
        "source": "t.csv",
        "error": RegistryError,
        "columns": COLUMNS,
        "required": ("id", "name"),
        **options,
    }
    return read_csv(data, **options)  # type: ignore[arg-type]


def problems(data: str | bytes, **options: object) -> list[tuple[int, str]]:
    with pytest.raises(RegistryError) as info:
        read(data, **options)
    assert info.value.source == "t.csv"
    return [(p.line, p.column) for p in info.value.problems]


def test_bom_semicolons_case_spacing_and_blank_lines() -> None:
    text = "\ufeff\n Name ;ID\r\n\r\nLan ; 7 \r\n"
    for data in (text, text.encode("utf-8")):
        table = read(data)
        assert table.columns == ("name", "id") and table.header_line == 2
        assert table.rows == (CsvRow(4, {"id": "7", "name": "Lan", "note": ""}),)
        assert table.problems == ()


def test_values_are_nfc_and_rows_start_where_they_start() -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn")
    table = read(f'id,name\n1,"{nfd}\nThị"\n2,Lan\n')
    assert [(row.line, row.cells["name"]) for row in table.rows] == [(2, "Nguyễn\nThị"), (4, "Lan")]


def test_a_row_with_the_wrong_number_of_fields_is_set_aside() -> None:
    table = read("id,name\n1,Lan\n2\n3,Hà,extra\n4,Mai\n")
    assert [row.line for row in table.rows] == [2, 5]
    assert table.problems == (
        Problem(3, "-", "1 field, the header has 2"),
        Problem(4, "-", "3 fields, the header has 2"),
    )


def test_header_problems_raise_together() -> None:
    assert problems("name,id,name,colour\n") == [(1, "name")]
    assert problems("note\n1\n") == [(1, "id"), (1, "name")]
    assert problems("id,name,colour,\n", other_columns="refuse") == [(1, "colour"), (1, "-")]
    assert read("id,name,colour\n1,a,red\n").rows[0].cells == {"id": "1", "name": "a", "note": ""}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", (1, "the file is empty; expected a header row: id, name, note")),
        (b"\n \n", (1, "the file is empty")),
        ("id,name\n1,Hà\n".encode("utf-16"), (1, "UTF-16")),
        ("id,name\n1,Hà\n".encode("cp1258"), (2, "not UTF-8 text (byte 0x")),
        ('id,name\n1,"' + "x" * (CSV_FIELD_LIMIT + 1) + "\n", (2, "probably never closed")),
    ],
)
def test_file_level_problems(data: str | bytes, expected: tuple[int, str]) -> None:
    with pytest.raises(RegistryError) as info:
        read(data)
    (problem,) = info.value.problems
    assert problem.line == expected[0] and problem.column == "-"
    assert expected[1] in problem.reason


def test_csv_error_sorts_counts_and_names_the_source_once() -> None:
    error = csv_error(
        DirectoryError, "banks.csv", [Problem(5, "bin", "bad"), Problem(2, "short_name", "empty")]
    )
    assert isinstance(error, DirectoryError) and error.source == "banks.csv"
    assert [p.line for p in error.problems] == [2, 5]
    assert str(error) == "banks.csv: 2 problems: line 2, short_name: empty; line 5, bin: bad"


def test_read_csv_file_names_the_users_path(tmp_path: Path) -> None:
    path = tmp_path / "stalls.csv"
    with pytest.raises(DirectoryError, match="cannot read the file") as info:
        read_csv_file(path, error=DirectoryError, columns=COLUMNS, required=("id",))
    assert info.value.source == str(path)
    path.write_text("id\n1\n", encoding="utf-8")
    table = read_csv_file(path, error=DirectoryError, columns=COLUMNS, required=("id",))
    assert table.rows[0].cells["id"] == "1"


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(st.binary(max_size=120), st.text(max_size=120).map(lambda body: "id;name\n" + body))
)
def test_junk_raises_only_the_given_error(data: str | bytes) -> None:
    try:
        table = read(data, error=DirectoryError)
    except DirectoryError as exc:
        assert exc.problems and all(isinstance(p, Problem) for p in exc.problems)
    else:
        assert all(set(row.cells) == set(COLUMNS) for row in table.rows)


def test_a_stray_quote_is_reported_by_line_and_does_not_swallow_rows_silently() -> None:
    small = read('id,name\n1,"Lan\n2,Mai\n3,Hoa\n')
    assert small.rows == ()
    assert small.problems[0].line == 2
    assert "probably never closed" in small.problems[0].reason
    # A file larger than Python's default 128 KiB field limit: no _csv.Error.
    big = 'id,name\n1,"Lan\n' + "".join(f"{k},Mai {k}\n" for k in range(2, 40_000))
    table = read(big)
    assert table.rows == () and table.problems[0].line == 2


def test_control_characters_and_surrogates_are_row_problems_with_positions() -> None:
    table = read("id,name\n1,La\x07n\n2,Mai\n3,Ho\ud800a\n")
    assert [row.line for row in table.rows] == [3]
    assert table.problems == (
        Problem(2, "name", "holds a control character (U+0007) at character 3"),
        Problem(4, "name", "holds a lone surrogate (U+D800) at character 3"),
    )


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p / "nonexist.csv", "cannot read the file: it does not exist"),
        (lambda p: p / "no" / "r.csv", "the folder"),
        (lambda p: p, "it is a folder"),
    ],
)
def test_a_missing_or_unreadable_file_says_why(tmp_path: Path, make, reason: str) -> None:
    with pytest.raises(RegistryError, match=reason) as info:
        read_csv_file(make(tmp_path), error=RegistryError, columns=COLUMNS, required=("id",))
    assert info.value.source == str(make(tmp_path))
