"""Command-line front end: ``cashless <command> ...``.

Each command lives in a small module that registers its sub-parser and a handler
returning an exit status. Heavy libraries are imported inside the handlers, so
``cashless --help`` and the payload commands start fast.

>>> main(["parse", "00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN63049E6F"])  # doctest: +ELLIPSIS
{
  "scheme": "vietqr",
...
0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from cashless import __version__
from cashless.errors import CashlessError

# Each module adds its commands; their handlers import the heavy libraries when run.
_COMMAND_MODULES = ("payments", "stalls", "simulation", "experiments")


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every command registered."""
    parser = argparse.ArgumentParser(
        prog="cashless",
        description="VietQR payloads, stall QR sheets, registry checks and market simulation.",
    )
    parser.add_argument("--version", action="version", version=f"cashless {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for name in _COMMAND_MODULES:
        import_module(f"cashless.cli.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status (0 ok, 1 failure, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except CashlessError as exc:
        print(f"cashless: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"cashless: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("cashless: interrupted", file=sys.stderr)
        return 130


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
