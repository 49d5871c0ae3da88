"""Outputs under file faults: devices, FIFOs, links, inputs, missing or read-only places, kills.

Each test checks what a user would check afterwards: the thing at the path is what it was
(a device, a FIFO, the old file, with its mode), nothing else was left beside it, and the
one-line message named the user's path.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from cashless._io import atomic_path, atomic_paths, check_output, write_bytes, write_text
from cashless.cli import main
from cashless.errors import OutputError

SRC = str(Path(__file__).resolve().parents[1] / "src")
STALLS = (
    "stall_id,stall_name,vendor_name,bank,account,amount,purpose,category\n"
    "A01,Rau sạch,Nguyễn Thị Trâm,VCB,0011001234567,,,Rau củ\n"
)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.csv").write_text(STALLS, encoding="utf-8")
    return tmp_path


def _one_line(err: str) -> str:
    assert err.startswith("cashless: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and ".tmp" not in err, err
    return err


def test_dev_null_stays_a_device(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = os.stat("/dev/null")
    assert main(["scenarios", "show", "dien-bien", "-o", "/dev/null"]) == 0
    write_bytes("/dev/null", b"library writers too")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)
    assert "wrote /dev/null" in capsys.readouterr().out


def test_a_full_device_is_a_one_line_error_naming_it(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    assert main(["scenarios", "show", "dien-bien", "-o", "/dev/full"]) == 1
    err = _one_line(capsys.readouterr().err)
    assert "'/dev/full'" in err and "No space left on device" in err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def _fifo_reader(fifo: Path) -> tuple[threading.Thread, list[bytes]]:
    """A FIFO at ``fifo`` and a thread reading all it receives (the list fills on close)."""
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as stream:
            received.append(stream.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader, received


def test_a_fifo_receives_the_bytes_and_stays_a_fifo(here: Path) -> None:
    fifo = here / "pipe.toml"
    reader, received = _fifo_reader(fifo)
    assert main(["scenarios", "show", "outage", "-o", str(fifo)]) == 0
    reader.join(10)
    assert received and received[0].startswith(b"# cashless market scenario")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in here.iterdir()) == ["pipe.toml", "r.csv"]


def test_dash_o_writes_the_data_to_stdout_and_messages_to_stderr(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scenarios", "show", "outage", "-o", "-"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("# cashless market scenario") and 'name = "outage"' in out
    assert "wrote -" in err and "wrote" not in out
    assert sys.stdout is not sys.stderr  # restored after the command
    assert sorted(p.name for p in here.iterdir()) == ["r.csv"]


def test_a_symlinked_output_is_followed_and_a_mode_is_kept(here: Path) -> None:
    target = here / "real.toml"
    target.write_text("old")
    target.chmod(0o600)
    (here / "link.toml").symlink_to("real.toml")
    assert main(["scenarios", "show", "outage", "-o", "link.toml"]) == 0
    assert (here / "link.toml").is_symlink()
    assert 'name = "outage"' in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in here.iterdir()) == ["link.toml", "r.csv", "real.toml"]


@pytest.mark.parametrize(
    "argv",
    [
        ["sheet", "r.csv", "-o", "r.csv"],
        ["sheet", "r.csv", "-o", "same.csv"],
        ["card", "r.csv", "A01", "-o", "r.csv"],
        ["scenarios", "show", "t.toml", "-o", "t.toml"],
        ["simulate", "--scenario", "t.toml", "-o", "t.toml"],
        ["sweep", "--scenario", "t.toml", "--summary-output", "t.toml"],
    ],
)
def test_an_input_is_never_overwritten_by_an_output(
    here: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    (here / "same.csv").symlink_to("r.csv")
    assert main(["scenarios", "show", "cash-only", "-o", "t.toml"]) == 0
    capsys.readouterr()
    before = {p.name: p.read_bytes() for p in here.iterdir()}
    assert main(argv) == 1
    err = _one_line(capsys.readouterr().err)
    assert "--output" in err or "--summary-output" in err
    assert {p.name: p.read_bytes() for p in here.iterdir()} == before


def test_a_missing_folder_fails_at_once_naming_the_users_path(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    argv = ["simulate", "--replications", "500", "-o", "/missing/x.csv"]
    assert main(argv) == 1
    assert time.monotonic() - started < 5  # before any replication
    err = _one_line(capsys.readouterr().err)
    assert "'/missing/x.csv'" in err


def test_parquet_is_written_as_parquet_or_refused(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["simulate", "--replications", "1", "--set", "market.stalls_scale=0.02"]
    status = main([*argv, "-o", "r.parquet"])
    if status == 0:
        assert (here / "r.parquet").read_bytes()[:4] == b"PAR1"
    else:
        assert "pyarrow" in _one_line(capsys.readouterr().err)
        assert not (here / "r.parquet").exists()


def test_a_read_only_file_is_refused_and_left_alone(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = here / "keep.toml"
    target.write_text("mine")
    target.chmod(0o444)
    assert main(["scenarios", "show", "outage", "-o", "keep.toml"]) == 1
    assert "'keep.toml' is read-only" in _one_line(capsys.readouterr().err)
    assert target.read_text() == "mine" and stat.S_IMODE(target.stat().st_mode) == 0o444
    with pytest.raises(OutputError, match="read-only"):
        write_text(target, "theirs")
    assert target.read_text() == "mine"


def test_a_read_only_folder_is_refused_before_any_work() -> None:
    interpreter, options = sys.executable, {}
    if os.geteuid() == 0:  # root writes anywhere: check as an ordinary user
        interpreter = "/usr/bin/python3"
        options = {"user": 65534, "group": 65534}
        if not os.access(interpreter, os.X_OK):
            pytest.skip("no system python for an unprivileged check")
    base = Path(tempfile.mkdtemp(prefix="cashless-ro-"))  # pytest's folder is private to root
    try:
        base.chmod(0o755)
        folder = base / "locked"
        folder.mkdir()
        folder.chmod(0o555)
        code = (
            "import sys\n"
            "sys.path.insert(0, sys.argv[2])\n"
            "from cashless._io import check_output, write_text\n"
            "from cashless.errors import OutputError\n"
            "for call in (lambda: check_output(sys.argv[1], suffixes=('.toml',)),\n"
            "             lambda: write_text(sys.argv[1], 'x')):\n"
            "    try:\n"
            "        call()\n"
            "    except OutputError as exc:\n"
            "        print(exc)\n"
        )
        target = str(folder / "x.toml")
        done = subprocess.run(
            [interpreter, "-c", code, target, SRC],
            capture_output=True,
            text=True,
            timeout=60,
            **options,  # type: ignore[call-overload]
        )
        lines = done.stdout.splitlines()
        assert len(lines) == 2, done.stdout + done.stderr
        assert all(repr(target) in line for line in lines)
        assert "read-only" in lines[0] and "Permission denied" in lines[1]
        assert list(folder.iterdir()) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_folder_or_a_block_device_is_refused(here: Path) -> None:
    (here / "d.toml").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        check_output(here / "d.toml", suffixes=(".toml",))
    with pytest.raises(OutputError, match="a folder"):
        write_text(here / "d.toml", "x")
    blocks = [
        f"/dev/{name}"
        for name in sorted(os.listdir("/dev"))
        if stat.S_ISBLK(os.stat(f"/dev/{name}", follow_symlinks=True).st_mode)
    ][:1]
    for device in blocks:
        with pytest.raises(OutputError, match="block device"):
            write_bytes(device, b"never")


def test_paired_outputs_appear_both_or_neither(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = write_text(tmp_path / "r.csv", "old r"), write_text(tmp_path / "s.csv", "old s")
    with pytest.raises(RuntimeError), atomic_paths(one, two) as (a, b):
        a.write_text("new r")
        raise RuntimeError("the second table failed")
    assert (one.read_text(), two.read_text()) == ("old r", "old s")

    real_replace = os.replace
    calls: list[object] = []

    def second_rename_fails(src: object, dst: object) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", second_rename_fails)
    with pytest.raises(OutputError, match="No space left"), atomic_paths(one, two) as (a, b):
        a.write_text("new r")
        b.write_text("new s")
    monkeypatch.setattr(os, "replace", real_replace)
    assert (one.read_text(), two.read_text()) == ("old r", "old s")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "s.csv"]


def test_a_sweep_writes_both_tables(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", "--replications", "1", "--set", "market.stalls_scale=0.02"]
    assert main([*argv, "-o", "r.csv", "--summary-output", "s.csv"]) == 0
    assert (here / "r.csv").read_text().startswith("point,") or (here / "r.csv").stat().st_size
    assert (here / "s.csv").stat().st_size > 0
    assert sorted(p.name for p in here.iterdir()) == ["r.csv", "s.csv"]


def test_an_error_in_the_callers_block_about_the_temporary_file_names_the_target(
    tmp_path: Path,
) -> None:
    target = tmp_path / "out.bin"
    with pytest.raises(OutputError) as info, atomic_path(target) as tmp:
        raise OSError(28, "No space left on device", str(tmp))
    assert str(info.value) == f"cannot write {str(target)!r}: No space left on device"
    assert list(tmp_path.iterdir()) == []


_SLOW_WRITER = """
import sys, time
from cashless._io import atomic_path
with atomic_path(sys.argv[1]) as tmp, open(tmp, "wb") as out:
    out.write(b"%PDF-" + b"x" * 3_400_000)
    out.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


def test_sigkill_mid_write_keeps_the_old_file_and_the_next_run_leaves_no_debris(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = here / "days.toml"
    target.write_text("old scenario")
    with subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(target)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
    ) as writer:
        try:
            assert writer.stdout is not None
            assert writer.stdout.readline().strip() == "writing"
            os.kill(writer.pid, signal.SIGKILL)
            writer.wait(10)
        finally:
            if writer.poll() is None:
                writer.kill()
    debris = [p.name for p in here.iterdir() if p.name not in ("days.toml", "r.csv")]
    assert len(debris) == 1 and debris[0].startswith(".days.toml.")  # what SIGKILL left
    assert target.read_text() == "old scenario"
    assert main(["scenarios", "show", "outage", "-o", "days.toml"]) == 0
    assert sorted(p.name for p in here.iterdir()) == ["days.toml", "r.csv"]
    assert 'name = "outage"' in target.read_text()


def test_a_temporary_file_of_a_live_writer_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "t.csv"
    live = tmp_path / f".t.csv.{os.getppid()}-0123abcd.tmp"
    live.write_text("someone else's")
    other = tmp_path / ".u.csv.999999999-0123abcd.tmp"
    other.write_text("another target's")
    write_text(target, "mine")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name, "t.csv"])


def test_a_sheet_to_a_fifo_is_the_pdf_alone_and_says_so(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("fpdf")
    registry = Path(__file__).resolve().parents[1] / "examples" / "stalls.csv"
    fifo = here / "sheet.pdf"
    reader, received = _fifo_reader(fifo)
    assert main(["sheet", str(registry), "--stalls", "A01,A02", "-o", str(fifo)]) == 0
    reader.join(30)
    assert received and received[0].startswith(b"%PDF-") and b"%%EOF" in received[0][-16:]
    out = capsys.readouterr().out
    assert "no manifest (the PDF went to a stream" in out
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in here.iterdir()) == ["r.csv", "sheet.pdf"]
