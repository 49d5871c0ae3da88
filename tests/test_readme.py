"""The README's console examples run and print what the README says.

Python examples in README.md run as doctests (pytest collects README.md with
``--doctest-glob``); this file runs the ``console`` blocks: each ``$ cashless ...`` line
is executed in-process and its output compared with the lines below it (``...`` matches
anything, as in doctest).
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
from pathlib import Path

import pytest

from cashless.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
_BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def _examples() -> list[tuple[str, str]]:
    examples = []
    for block in _BLOCK.findall(README.read_text(encoding="utf-8")):
        command, output = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    examples.append((command, "\n".join(output)))
                command, output = line[2:], []
            else:
                output.append(line)
        if command is not None:
            examples.append((command, "\n".join(output)))
    return [e for e in examples if e[0].startswith("cashless ")]


EXAMPLES = _examples()


def test_readme_has_console_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_console_example(
    command: str,
    expected: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # run from a scratch copy of the repo's relative layout, so outputs land in tmp_path
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    argv = shlex.split(command)[1:]
    status = main(argv)
    out = capsys.readouterr().out
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    want = expected.strip() + "\n" if expected.strip() else ""
    assert checker.check_output(want, out, flags), f"{command}\nexpected:\n{want}\ngot:\n{out}"
    # `lint` exits 1 when it lists an error; every other example succeeds
    expected_status = 1 if re.search(r"^error ", expected, re.M) else 0
    assert status == expected_status
    assert os.getcwd() == str(tmp_path)
