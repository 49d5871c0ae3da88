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
import io
import os
import sys
from collections.abc import Sequence
from importlib import import_module

from cashless import __version__
from cashless.errors import CashlessError, CsvError

__all__ = ["build_parser", "main", "run"]

# Each module adds its commands; their handlers import the heavy libraries when run.
_COMMAND_MODULES = ("payments", "stalls", "checks", "simulation", "experiments")


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every command registered."""
    parser = argparse.ArgumentParser(
        prog="cashless",
        description="VietQR payloads, stall QR sheets, registry checks and market simulation.",
        epilog="Errors go to stderr as one line, `cashless: <message>`; exit status 1 "
        "(2 for a mistake in the command line itself).",
    )
    parser.add_argument("--version", action="version", version=f"cashless {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for name in _COMMAND_MODULES:
        import_module(f"cashless.cli.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status: 0 ok, 1 failure, 130 interrupted, 141
    output pipe closed. argparse raises ``SystemExit(2)`` on a malformed command line.
    """
    try:
        args = build_parser().parse_args(argv)
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
    return 1


def _lines(exc: CashlessError) -> list[str]:
    if isinstance(exc, CsvError) and exc.problems:
        count = len(exc.problems)
        where = f"{exc.source}: " if exc.source else ""
        head = f"{where}{count} problem{'s' * (count != 1)}:"
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


def _error(first: str, *details: str) -> None:
    print(f"cashless: {first}", file=sys.stderr)
    for line in details:
        print(line, file=sys.stderr)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
