"""Option helpers shared by the commands, so that every command speaks the same language.

- ``-o/--output FILE`` on every command that writes a file (:func:`add_output`), checked
  before any work (:func:`check_output_file`) and written under :func:`writing`, which
  turns an :class:`OSError` into an :class:`~cashless.errors.OutputError` naming the flag
  and the user's path;
- ``--scenario NAME|FILE`` and ``--set KEY=VALUE`` wherever a scenario is read
  (:func:`add_scenario_options`, :func:`scenario_from`);
- ``--replications``, ``--seed``, ``--workers``, ``--no-progress`` wherever market days
  are simulated (:func:`add_run_options`, :func:`check_run_options`);
- choices read from the library's own tables, imported only when argparse needs them
  (:class:`TableChoices`), so ``cashless parse`` works without the heavy extras.

>>> parse_settings(["payments.qr_share=0.6", "market.stalls_scale = 0.5"])
{'payments.qr_share': 0.6, 'market.stalls_scale': 0.5}
>>> parse_settings(["novalue"])
Traceback (most recent call last):
cashless.errors.UsageError: --set: expects KEY=VALUE, got 'novalue'
>>> "napas" in TableChoices("cashless.payload.lint", "PROFILES")
True
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cashless._io import check_output
from cashless.errors import CashlessError, OutputError, UsageError

if TYPE_CHECKING:
    from cashless.sim.scenario import Scenario

__all__ = [
    "DEFAULT_SCENARIO",
    "TableChoices",
    "add_output",
    "add_run_options",
    "add_scenario_options",
    "add_settings_option",
    "check_output_file",
    "check_run_options",
    "check_table_output",
    "from_flag",
    "parse_settings",
    "scenario_from",
    "show_progress",
    "writing",
]

DEFAULT_SCENARIO = "dien-bien"


class TableChoices(Sequence[str]):
    """The keys of a table in a library module, imported the first time argparse asks.

    Building the parser therefore loads no extra: ``cashless parse`` runs on a bare
    install, and ``cashless sheet --error X`` imports the QR module only to check ``X``.
    """

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self._names: tuple[str, ...] | None = None

    def _load(self) -> tuple[str, ...]:
        if self._names is None:
            self._names = tuple(getattr(import_module(self.module), self.name))
        return self._names

    def __getitem__(self, index: Any) -> Any:
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, value: object) -> bool:
        return value in self._load()

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __repr__(self) -> str:
        return f"TableChoices({self.module!r}, {self.name!r})"


def add_output(
    parser: argparse.ArgumentParser,
    help: str,
    *,
    required: bool = False,
    flags: Sequence[str] = ("-o", "--output"),
    metavar: str = "FILE",
) -> None:
    """Add the output option (``-o/--output`` unless ``flags`` says otherwise)."""
    dest = flags[-1].lstrip("-").replace("-", "_")
    parser.add_argument(*flags, dest=dest, metavar=metavar, required=required, help=help)


def check_output_file(
    path: str | os.PathLike[str], *, suffixes: tuple[str, ...], flag: str = "--output"
) -> Path:
    """Check, before any work, that ``path`` can be written (suffix, folder, not a folder).

    >>> check_output_file("sheet.png", suffixes=(".pdf",))
    Traceback (most recent call last):
    cashless.errors.OutputError: --output: 'sheet.png' must end in .pdf
    """
    target = check_output(path, suffixes=suffixes, flag=flag)
    if target.is_dir():
        raise OutputError(f"{str(path)!r} is a folder, not a file", source=flag)
    return target


def check_table_output(path: str | os.PathLike[str], *, flag: str = "--output") -> Path:
    """:func:`check_output_file` for a results table (.csv, or .parquet with pyarrow)."""
    from cashless.policy.tables import check_output_path

    target = check_output_path(path, flag=flag)
    return check_output_file(target, suffixes=(), flag=flag)


@contextmanager
def writing(path: str | os.PathLike[str], *, flag: str = "--output") -> Iterator[None]:
    """Turn an :class:`OSError` while writing ``path`` into an ``OutputError`` naming it.

    The operating system names the temporary file beside the target; the user gave
    ``path``, so that is the name the message shows.
    """
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"cannot write {str(path)!r}: {reason}", source=flag) from exc


def from_flag(exc: CashlessError, flags: Mapping[str, str]) -> CashlessError:
    """``exc`` said of the flag its field came from: ``dpi must be ...`` -> ``--dpi: must be ...``.

    >>> print(from_flag(UsageError("must be at least 50", field="dpi"), {"dpi": "--dpi"}))
    --dpi: must be at least 50
    """
    flag = flags.get(exc.field or "")
    if flag is None or exc.source is not None:
        return exc
    return type(exc)(exc.reason, source=flag, line=exc.line, code=exc.code)


def add_scenario_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--scenario NAME|FILE`` and the repeatable ``--set KEY=VALUE``."""
    parser.add_argument(
        "--scenario",
        default=DEFAULT_SCENARIO,
        metavar="NAME|FILE",
        help="a preset name (see `cashless scenarios`) or a scenario .toml file "
        "(default: %(default)s)",
    )
    add_settings_option(parser)


def add_settings_option(parser: argparse.ArgumentParser) -> None:
    """Add the repeatable ``--set KEY=VALUE`` (a dotted scenario key and a TOML value)."""
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="settings",
        help="override a scenario value, e.g. --set payments.qr_share=0.6 (repeatable; "
        "values are TOML literals: numbers, true/false, text, [[7200, 3600]])",
    )


def parse_settings(items: Sequence[str], *, flag: str = "--set") -> dict[str, Any]:
    """``["key=value", ...]`` as a dict of dotted keys to values (TOML literals or text)."""
    from cashless.sim.scenario import parse_value

    settings: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"expects KEY=VALUE, got {item!r}", source=flag)
        if key in settings:
            raise UsageError(f"{key} is given twice", source=flag)
        settings[key] = parse_value(text.strip())
    return settings


def scenario_from(spec: str, settings: Sequence[str] = (), *, flag: str = "--scenario") -> Scenario:
    """The scenario ``spec`` names (a preset or a TOML file), with the ``--set`` values.

    Errors name where the wrong value came from: ``flag`` (the scenario) or ``--set``.
    """
    from cashless.sim.scenario import load_scenario, with_overrides

    overrides = parse_settings(settings)
    scenario = load_scenario(spec, source=flag)
    try:
        return with_overrides(scenario, overrides) if overrides else scenario
    except CashlessError as exc:
        raise exc.with_source("--set") from None


def add_run_options(parser: argparse.ArgumentParser, *, days: str) -> None:
    """Add ``--replications``, ``--seed``, ``--workers`` and ``--no-progress``."""
    parser.add_argument(
        "--replications", type=int, default=10, metavar="N", help=f"{days} (default: %(default)s)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="S",
        help="root seed; the same seed gives the same numbers (default: %(default)s)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="W",
        help="local worker processes; results do not depend on it (default: %(default)s)",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="do not show a progress bar (it only shows on a terminal)",
    )


def check_run_options(args: argparse.Namespace) -> None:
    """Raise :class:`UsageError` for a count below 1 or a negative seed."""
    for flag, value, minimum in (
        ("--replications", args.replications, 1),
        ("--workers", args.workers, 1),
        ("--seed", args.seed, 0),
    ):
        if value < minimum:
            raise UsageError(f"must be at least {minimum}, got {value}", source=flag)


def show_progress(args: argparse.Namespace) -> bool:
    """Whether to draw a progress bar: asked for, and stderr is a terminal."""
    return not args.no_progress and sys.stderr.isatty()
