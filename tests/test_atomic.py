"""Atomic writes: all or nothing, and readable like a normal file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cashless._io import atomic_path, write_bytes, write_text
from cashless.errors import OutputError


def test_failure_leaves_neither_file_nor_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sheet.pdf"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"%PDF-half")
        raise RuntimeError("renderer crashed")
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_the_previous_file(tmp_path: Path) -> None:
    target = write_text(tmp_path / "results.csv", "old\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("new, half")
        raise RuntimeError
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


def test_written_file_is_readable_by_others(tmp_path: Path) -> None:
    target = write_bytes(tmp_path / "a.png", b"\x89PNG")
    assert target.read_bytes() == b"\x89PNG"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_unwritable_targets_are_output_errors(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"cannot write .*missing.*No such file"):
        write_bytes(tmp_path / "missing" / "a.png", b"x")
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "inside").write_text("keep")
    with pytest.raises(OutputError, match=r"cannot write .*taken"):
        write_text(folder, "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    assert (folder / "inside").read_text() == "keep"
