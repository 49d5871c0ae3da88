"""One CLI language: the same output flag everywhere, one-line errors, no tracebacks."""

from __future__ import annotations

import argparse
import io
import itertools
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from cashless.cli import build_parser, main
from cashless.sim.scenario import from_toml_file

PAYLOAD = (
    "00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN63049E6F"
)
STALLS = (
    "stall_id,stall_name,vendor_name,bank,account,amount,purpose,category\n"
    "A01,Rau sạch,Nguyễn Thị Trâm,VCB,0011001234567,,,Rau củ\n"
)
TINY = ["--set", "market.stalls_scale=0.02", "--replications", "1"]
WRITERS = {
    ("sheet",): ["sheet", "stalls.csv"],
    ("card",): ["card", "stalls.csv", "A01"],
    ("simulate",): ["simulate"],
    ("sweep",): ["sweep"],
    ("scenarios", "show"): ["scenarios", "show", "dien-bien"],
}


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _commands(sub, (*path, name))


COMMANDS = dict(_commands(build_parser()))


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.option_strings and a.dest != "help"]


def test_every_command_that_writes_a_file_takes_dash_o_and_output() -> None:
    writers = {
        path: parser
        for path, parser in COMMANDS.items()
        if any(a.dest == "output" for a in parser._actions)
    }
    assert set(WRITERS) <= set(writers)
    for path, parser in writers.items():
        action = next(a for a in parser._actions if a.dest == "output")
        assert action.option_strings == ["-o", "--output"], path
        assert path in WRITERS or "_outputs" in parser._defaults, path  # made by add_output
    parser = build_parser()
    for argv in WRITERS.values():
        for flag in ("-o", "--output"):
            assert parser.parse_args([*argv, flag, "f.x"]).output == "f.x"


def test_no_out_flag_and_no_dead_options() -> None:
    flags = {
        flag
        for parser in COMMANDS.values()
        for a in _options(parser)
        for f in [a]
        for flag in f.option_strings
    }
    assert "--out" not in flags and "--summary-out" not in flags
    assert not flags & {"--write", "--show"}
    long_outputs = {f for f in flags if f.endswith("output")}
    assert long_outputs == {"--output", "--summary-output"}


def test_simulation_commands_share_their_options() -> None:
    def flags(path: tuple[str, ...]) -> set[str]:
        return {f for a in _options(COMMANDS[path]) for f in a.option_strings}

    shared = {"--scenario", "--set", "--replications", "--seed", "--workers", "--no-progress"}
    assert shared <= flags(("simulate",)) and shared <= flags(("sweep",))
    assert "--set" in flags(("scenarios", "show"))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "stalls.csv").write_text(STALLS, encoding="utf-8")
    (tmp_path / "photos").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("not a payload"))
    return tmp_path


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "--replications", "0"],
        ["simulate", "--workers", "0"],
        ["sweep", "--seed", "-1"],
        ["simulate", "--scenario", "nosuch"],
        ["simulate", "--set", "payments.bogus=1"],
        ["simulate", "--set", "payments.qr_share=2"],
        ["simulate", "--set", "novalue"],
        ["sweep", "--grid", "payments.qr_share"],
        ["sweep", "--grid", "payments.qr_share=0,2", *TINY],
        ["card", "stalls.csv", "A01", "-o", "a.png", "--dpi", "0"],
        ["sweep", "-o", "out.xlsx"],
        ["sweep", "-o", "x.csv", "--summary-output", "x.csv"],
        ["simulate", "-o", "missing/x.csv"],
        ["scenarios", "show", "nosuch"],
        ["scenarios", "show", "dien-bien", "-o", "photos"],
        ["sheet", "stalls.csv", "-o", "out.png"],
        ["card", "stalls.csv", "Z9", "-o", "z.png"],
        ["build", "--bank", "Nowhere", "--account", "1"],
        ["parse", "0002"],
        ["banks", "zzzqqq"],
    ],
)
def test_errors_are_one_line_naming_the_flag_once(
    workdir: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("cashless: ") and err.count("\n") == 1
    words = err.split()
    for flag in {w.rstrip(":,") for w in words if w.startswith("-")}:
        assert sum(w.rstrip(":,") == flag for w in words) == 1, err
    assert all(a != b for a, b in itertools.pairwise(words)), err


def test_sweep_takes_set(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", *TINY, "--set", "payments.qr_share=0.9", "-o", "days.csv"]
    assert main(argv) == 0
    assert "wrote days.csv (1 rows)" in capsys.readouterr().out
    assert "payments.qr_share" not in (workdir / "days.csv").read_text().splitlines()[0]
    assert (
        main(["sweep", *TINY, "--set", "payments.qr_share=0.9", "--grid", "payments.qr_share=0"])
        == 1
    )
    assert "--grid: payments.qr_share is also given to --set" in capsys.readouterr().err


def test_simulate_and_sweep_take_a_toml_file(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scenarios", "show", "cash-only", "-o", "mine.toml"]) == 0
    assert from_toml_file(workdir / "mine.toml").name == "cash-only"
    assert main(["simulate", "--scenario", "mine.toml", *TINY]) == 0
    assert "scenario cash-only" in capsys.readouterr().out
    assert main(["sweep", "--scenario", "mine.toml", *TINY, "--summary-output", "s.csv"]) == 0
    assert "wrote s.csv" in capsys.readouterr().out


# Values a user might mistype; "{dir}" is a folder, "{missing}" a path in no folder; then
# what the issue-9 probe found: huge numbers, deep nesting, escapes, bytes that are no UTF-8.
JUNK = ["", "-1", "0", "nan", "abc", "a=b", "[", "{dir}", "{missing}", "x.txt"]
HOSTILE = [
    "1e20",
    "9" * 4301,
    "x=" + "[" * 2000 + "]" * 2000,
    "[" * 2000,
    "\x1b[2J",
    "\udcff\udcfe",
    "/dev/null",
]
BASE = {
    ("build",): ["build", "--bank", "VCB", "--account", "0011001234567"],
    ("parse",): ["parse", PAYLOAD],
    ("lint",): ["lint", PAYLOAD],
    ("banks",): ["banks", "VCB"],
    ("sheet",): ["sheet", "stalls.csv", "-o", "s.pdf"],
    ("card",): ["card", "stalls.csv", "A01", "-o", "c.svg"],
    ("verify",): ["verify", "photos", "--registry", "stalls.csv"],
    ("simulate",): ["simulate", *TINY],
    ("sweep",): ["sweep", *TINY],
    ("scenarios",): ["scenarios"],
    ("scenarios", "list"): ["scenarios", "list"],
    ("scenarios", "show"): ["scenarios", "show", "dien-bien"],
    ("serve",): ["serve", "--no-browser", "--port", "0"],
}
# Commands that run until stopped (a server): stopped after a moment, which is no failure.
LONG_RUNNING = {("serve",)}
LONG_RUNNING_S = 1.5
# Any other command ends within this (the junk is small; a scheduler address is checked).
HANG_S = 60.0


class _Stopped(BaseException):
    """The alarm that ends a command which runs until stopped, or one that hangs."""


def _stop(signum: int, frame: object) -> None:
    raise _Stopped


# Values that would start real work at scale rather than fail (a pool, a cluster).
SLOW = {"--workers", "--scheduler", "--replications"}
# A malformed scheduler address is refused before any connection (sim/parallel.py).
SCHEDULERS = ["", "foo", "tcp://", "tcp://host", "http://127.0.0.1:1", "127.0.0.1:99999"]


def _base(path: tuple[str, ...], parser: argparse.ArgumentParser) -> list[str]:
    """A command line for a command, from BASE or, for a command added later, its parser."""
    if path in BASE:
        return list(BASE[path])
    argv = list(path)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        if not action.option_strings:
            argv.append("stalls.csv")
        elif action.required:
            argv += [action.option_strings[-1], "x.out"]
    return argv


def _junk_invocations(tmp: Path) -> Iterator[tuple[str, list[str]]]:
    """(what is varied, argv): each option and positional of each command, with junk."""
    values = [v.format(dir=tmp / "photos", missing=tmp / "no" / "x.csv") for v in JUNK]
    values += HOSTILE
    for path, parser in COMMANDS.items():
        base = _base(path, parser)
        if any(a.dest == "scheduler" for a in parser._actions):
            for address in SCHEDULERS:
                yield f"{' '.join(path)} --scheduler", [*base, "--scheduler", address]
        yield " ".join(path), base
        for action in _options(parser):
            flag = action.option_strings[-1]
            if action.nargs == 0 or flag in SLOW:
                continue
            for value in values:
                yield f"{' '.join(path)} {flag}", [*base, flag, value]
        positionals = [
            a for a in parser._actions if not a.option_strings and a.nargs != argparse.PARSER
        ]
        for index, action in enumerate(positionals):
            for value in values:
                argv = list(base)
                argv[len(path) + index] = value
                yield f"{' '.join(path)} {action.dest}", argv
    for flag in SLOW - {"--scheduler"}:
        for value in ("0", "-1", "abc", ""):
            yield f"simulate {flag}", [*BASE[("simulate",)], flag, value]


def test_junk_never_escapes_main(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `serve` checks its arguments, then would start a server and open a browser: stop there
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: None)
    monkeypatch.setattr("webbrowser.open", lambda *args, **kwargs: True)
    escaped: list[tuple[list[str], str]] = []
    unexplained: list[tuple[list[str], str]] = []
    tracebacks: list[list[str]] = []
    statuses: set[object] = set()
    # Junk that a command accepts (a market name) does a whole job: twice is enough.
    accepted: Counter[str] = Counter()
    hangs: list[list[str]] = []
    previous = signal.signal(signal.SIGALRM, _stop)
    invocations = list(_junk_invocations(workdir))
    assert len(invocations) > 500
    assert all(any(argv[: len(p)] == list(p) for _, argv in invocations) for p in COMMANDS)
    for varied, argv in invocations:
        if accepted[varied] >= 2:
            continue
        status: object
        long_running = any(tuple(argv[: len(p)]) == p for p in LONG_RUNNING)
        signal.setitimer(signal.ITIMER_REAL, LONG_RUNNING_S if long_running else HANG_S)
        try:
            status = main(argv)
        except SystemExit as exit:  # argparse: usage error (2) or --help (0)
            status = exit.code
        except _Stopped:
            if not long_running:
                hangs.append(argv)
            status = 0  # it was running: the junk was accepted
        except BaseException as exc:  # the point: nothing gets here
            escaped.append((argv, repr(exc)))
            continue
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        out, err = capsys.readouterr()
        statuses.add(status)
        accepted[varied] += status == 0
        if "Traceback" in out + err:
            tracebacks.append(argv)
        # lint and verify exit 1 on a finding, reported on stdout
        if status == 1 and argv[0] not in ("lint", "verify") and not err.startswith("cashless: "):
            unexplained.append((argv, err))
    signal.signal(signal.SIGALRM, previous)
    assert hangs == []
    assert escaped == [], "\n".join(f"{argv[:8]}: {exc}" for argv, exc in escaped)
    assert tracebacks == []
    assert unexplained == []
    assert statuses <= {0, 1, 2} and {0, 1, 2} <= statuses


def test_a_missing_extra_is_one_line_naming_it(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import cashless.errors
    import cashless.stalls

    real = cashless.errors.find_spec
    monkeypatch.setattr(cashless.errors, "find_spec", lambda n: None if n == "fpdf" else real(n))
    for name in [m for m in sys.modules if m.startswith("cashless.stalls.")]:
        monkeypatch.delitem(sys.modules, name)  # imported afresh, then put back
        short = name.removeprefix("cashless.stalls.")
        if hasattr(cashless.stalls, short):
            monkeypatch.setattr(cashless.stalls, short, getattr(cashless.stalls, short))
    assert main(["sheet", "stalls.csv", "-o", "s.pdf"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cashless: ") and err.count("\n") == 1
    assert "pip install 'cashless[print]'" in err
    assert not (workdir / "s.pdf").exists()


def test_payload_commands_run_without_the_extras(tmp_path: Path) -> None:
    # As on a bare install: every third-party library is missing.
    blocked = ["numpy", "pandas", "segno", "fpdf", "PIL", "simpy", "matplotlib", "fontTools"]
    code = (
        "import sys\n"
        f"for name in {blocked!r}: sys.modules[name] = None\n"
        "from cashless.cli import main\n"
        f"print(main(['lint', '--profile', 'strict', {PAYLOAD!r}]))\n"
        f"print(main(['parse', {PAYLOAD!r}]))\n"
        "print(main(['sheet', 'stalls.csv', '-o', 's.pdf', '--error', 'Q']))\n"
        "print(main(['simulate']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert "\n1\n{" in done.stdout  # lint found errors under strict, then parse's JSON
    assert done.stdout.splitlines()[-3:] == ["0", "1", "1"]
    assert '"findings": []' in done.stdout
    errors = done.stderr.splitlines()
    assert len(errors) == 2 and all(line.startswith("cashless: ") for line in errors)
    assert "cashless[qr]" in errors[0] and "cashless[sim]" in errors[1]
