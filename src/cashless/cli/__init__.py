"""Command-line front end: ``cashless <command> ...``.

Each command lives in a small module that registers its sub-parser and a handler. Handlers
return an exit status and raise on failure; only :func:`main` prints errors, each as one
line ``cashless: <message>`` (a CSV file's problems follow it, one per line). Heavy
libraries are imported inside the handlers, so ``cashless --help`` and the payload commands
start fast and work on a bare install.

>>> main(["parse", "00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN63049E6F"])  # doctest: +ELLIPSIS
{
  "scheme": "vietqr",
...
0
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
from collections.abc import Sequence
from importlib import import_module
from typing import Any

from cashless.errors import CashlessError, CsvError

__all__ = ["build_parser", "main", "printable", "run"]

# Each module adds its commands; their handlers import the heavy libraries when run.
_COMMAND_MODULES = (
    "payments",
    "stalls",
    "checks",
    "simulation",
    "experiments",
    "compare",
    "serve",
    "fees",
)


class _Version(argparse.Action):
    """``--version``, read only when asked for (see ``cashless.__getattr__``)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        import cashless

        print(f"cashless {cashless.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every command registered."""
    parser = argparse.ArgumentParser(
        prog="cashless",
        description="VietQR payloads, stall QR sheets, registry checks and market simulation.",
        epilog="Errors go to stderr as one line, `cashless: <message>`; exit status 1 "
        "(2 for a mistake in the command line itself).",
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for name in _COMMAND_MODULES:
        import_module(f"cashless.cli.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status: 0 ok, 1 failure, 130 interrupted, 141
    output pipe closed. argparse raises ``SystemExit(2)`` on a malformed command line.
    """
    from cashless.cli.options import check_outputs_are_not_inputs, release_outputs

    _tolerant_streams()
    try:
        args = build_parser().parse_args(argv)
        check_outputs_are_not_inputs(args)
        return int(args.handler(args))
    except CashlessError as exc:
        _error(*_lines(exc))
    except BrokenPipeError:
        # The reader went away (`cashless banks | head`): stop quietly, as Unix tools do.
        _silence_stdout()
        return 141
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        _error(f"{where}{exc.strerror or exc}")
    except MemoryError as exc:
        # A size the user asked for (a scale, a market) that does not fit in memory.
        _error(f"not enough memory{': ' if str(exc) else ''}{exc}")
    except ImportError as exc:
        if not _is_missing_extra(exc):
            raise  # a broken import inside cashless is a bug: keep its traceback
        _error(str(exc))
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    finally:
        release_outputs()
    return 1


def _lines(exc: CashlessError) -> list[str]:
    if isinstance(exc, CsvError) and exc.problems:
        count = len(exc.problems)
        where = f"{exc.source}: " if exc.source else ""
        head = where + (exc.heading or f"{count} problem{'s' * (count != 1)}:")
        return [head, *(f"  {problem}" for problem in exc.problems)]
    return [str(exc)]


def _is_missing_extra(exc: ImportError) -> bool:
    """An extra's ``require_extra`` message, or a third-party module that is not installed."""
    if "pip install 'cashless[" in str(exc):
        return True
    return exc.name is not None and exc.name.partition(".")[0] != "cashless"


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass  # not a real file (a test's capture): nothing will be flushed to a closed pipe


def printable(text: str) -> str:
    """``text`` safe for any terminal and any encoding: control characters as ``\\x1b``,
    bytes that were not UTF-8 (lone surrogates from the file system) as ``\\xff``.

    >>> print(printable("red\\x1b[31m caf\\udce9 ok"))
    red\\x1b[31m caf\\xe9 ok
    """
    return _UNPRINTABLE.sub(_escape, text)


_UNPRINTABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _error(first: str, *details: str) -> None:
    print(f"cashless: {printable(first)}", file=sys.stderr)
    for line in details:
        print(printable(line), file=sys.stderr)


def _tolerant_streams() -> None:
    """Text the user gave (a file name in no encoding) never stops a command's output."""
    for stream in (sys.stdout, sys.stderr):
        # Not every stream can be reconfigured (a test's capture, a notebook): leave those.
        with contextlib.suppress(AttributeError, ValueError, io.UnsupportedOperation):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
