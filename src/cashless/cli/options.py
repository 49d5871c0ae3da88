"""Option helpers shared by the commands, so that every command speaks the same language.

- ``-o/--output FILE`` on every command that writes a file (:func:`add_output`), checked
  before any work (:func:`check_output_file`) and written under :func:`writing`, which
  turns an :class:`OSError` into an :class:`~cashless.errors.OutputError` naming the flag
  and the user's path. ``-o -`` (or ``/dev/stdout``) writes the data to stdout, in the
  command's first format, and the command's messages then go to stderr; a character
  device or a FIFO (``/dev/null``, a named pipe) receives the bytes and stays what it
  is; an output that is also one of the command's inputs is refused before any work
  (:func:`check_outputs_are_not_inputs`, run by :func:`cashless.cli.main`);
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
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cashless._io import check_output, output_kind, same_file, write_bytes
from cashless.errors import CashlessError, OutputError, UsageError

if TYPE_CHECKING:
    from cashless.sim.scenario import Scenario

__all__ = [
    "DEFAULT_SCENARIO",
    "STDOUT_NAMES",
    "TableChoices",
    "add_output",
    "add_run_options",
    "add_scenario_options",
    "add_settings_option",
    "check_output_file",
    "check_outputs_are_not_inputs",
    "check_run_options",
    "check_table_output",
    "from_flag",
    "parse_settings",
    "release_outputs",
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
    """Add the output option (``-o/--output`` unless ``flags`` says otherwise).

    The option is recorded on the parser, so that :func:`check_outputs_are_not_inputs`
    knows which arguments are written and which are read.
    """
    dest = flags[-1].lstrip("-").replace("-", "_")
    parser.add_argument(*flags, dest=dest, metavar=metavar, required=required, help=help)
    known = dict(parser.get_default("_outputs") or {})
    known[dest] = flags[-1]
    parser.set_defaults(_outputs=known)


#: Names that mean "the standard output".
STDOUT_NAMES = ("-", "/dev/stdout")


class _Staged:
    """An output to stdout or a stream, written first to a private file with a suffix."""

    def __init__(self, user: str, suffix: str) -> None:
        self.user = user
        self.folder = Path(tempfile.mkdtemp(prefix="cashless-out-"))
        self.path = self.folder / f"output{suffix}"

    def deliver(self) -> None:
        if not self.path.exists():
            return
        if self.user in STDOUT_NAMES:
            stream = _REAL_STDOUT[0] if _REAL_STDOUT else sys.stdout
            stream.flush()
            with open(self.path, "rb") as data:
                shutil.copyfileobj(data, getattr(stream, "buffer", stream))
            stream.flush()
        else:
            write_bytes(self.user, self.path.read_bytes())

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


_STAGED: dict[str, _Staged] = {}
_REAL_STDOUT: list[Any] = []


def _stage(path: str | os.PathLike[str], suffixes: tuple[str, ...], flag: str) -> Path:
    user = os.fsdecode(path)
    if user in STDOUT_NAMES:
        if any(staged.user in STDOUT_NAMES for staged in _STAGED.values()):
            raise UsageError("only one output can go to stdout", source=flag)
        if not _REAL_STDOUT:
            # The data owns stdout now: the command's messages go to stderr.
            _REAL_STDOUT.append(sys.stdout)
            sys.stdout = sys.stderr
    elif not os.access(path, os.W_OK):
        raise OutputError(f"cannot write {user!r}: permission denied", source=flag)
    suffix = Path(user).suffix.lower()
    if suffix not in suffixes:
        suffix = suffixes[0] if suffixes else ""
    old = _STAGED.pop(flag, None)
    if old is not None:
        old.discard()
    staged = _STAGED[flag] = _Staged(user, suffix)
    return staged.path


def _streams(path: str | os.PathLike[str]) -> bool:
    return os.fsdecode(path) in STDOUT_NAMES or output_kind(path) == "stream"


def check_output_file(
    path: str | os.PathLike[str], *, suffixes: tuple[str, ...], flag: str = "--output"
) -> Path:
    """Check, before any work, that ``path`` can be written; return the path to write.

    That is ``path`` itself, except for stdout (``-``) and a stream (a character device,
    a FIFO): then a private file in the command's format (the first of ``suffixes``, or
    the stream's own suffix when it is one of them), which :func:`writing` delivers.

    >>> check_output_file("sheet.png", suffixes=(".pdf",))
    Traceback (most recent call last):
    cashless.errors.OutputError: --output: 'sheet.png' must end in .pdf
    """
    if _streams(path):
        return _stage(path, suffixes, flag)
    return check_output(path, suffixes=suffixes, flag=flag)


def check_table_output(path: str | os.PathLike[str], *, flag: str = "--output") -> Path:
    """:func:`check_output_file` for a results table (.csv, or .parquet with pyarrow)."""
    from cashless.policy.tables import TABLE_SUFFIXES, check_output_path

    if _streams(path):
        target = _stage(path, TABLE_SUFFIXES, flag)
        check_output_path(target, flag=flag)  # .parquet without pyarrow: refused now
        return target
    return check_output_path(path, flag=flag)


def check_outputs_are_not_inputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output that is one of the command's input files.

    ``cashless sheet r.csv -o r.csv`` would replace the registry by the sheet it is
    read for; every other argument naming an existing file counts as an input.
    """
    outputs: dict[str, str] = getattr(args, "_outputs", None) or {}
    inputs: list[tuple[str, str]] = []
    for name, value in vars(args).items():
        if name in outputs or name.startswith("_"):
            continue
        values = value if isinstance(value, list) else [value]
        inputs.extend((name, v) for v in values if isinstance(v, str) and _is_file(v))
    for dest, flag in outputs.items():
        path = getattr(args, dest, None)
        if not isinstance(path, str) or path in STDOUT_NAMES:
            continue
        for name, given in inputs:
            if same_file(path, given):
                what = name.replace("_", " ")
                raise OutputError(
                    f"{path!r} is also this command's input ({what} {given!r}); it would be "
                    "overwritten, so nothing was done: choose another file",
                    source=flag,
                )


def _is_file(text: str) -> bool:
    try:
        return text not in STDOUT_NAMES and os.path.isfile(text)
    except (OSError, ValueError):
        return False


@contextmanager
def writing(path: str | os.PathLike[str], *, flag: str = "--output") -> Iterator[None]:
    """Write ``path`` in this block; errors name the flag and the user's path.

    An :class:`OSError` becomes an ``OutputError`` naming ``path`` (the operating system
    names the temporary file beside it). For stdout or a stream, what the block wrote to
    the private file of :func:`check_output_file` is delivered when the block ends.
    """
    staged = _STAGED.get(flag)
    if staged is not None and staged.user != os.fsdecode(path):
        staged = None
    try:
        yield
        if staged is not None:
            staged.deliver()
    except BrokenPipeError:
        raise  # the reader of stdout went away: cashless.cli.main stops quietly
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"cannot write {os.fsdecode(path)!r}: {reason}", source=flag) from exc
    except OutputError as exc:
        if staged is None:
            raise
        reason = exc.reason.replace(str(staged.path), staged.user)
        raise OutputError(reason, source=flag) from exc
    finally:
        if staged is not None:
            staged.discard()
            _STAGED.pop(flag, None)


def release_outputs() -> None:
    """Undo what :func:`check_output_file` set up: stdout back, private files removed.

    :func:`cashless.cli.main` calls it after every command, whatever happened.
    """
    while _STAGED:
        _STAGED.popitem()[1].discard()
    if _REAL_STDOUT:
        sys.stdout = _REAL_STDOUT.pop()


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
        try:
            settings[key] = parse_value(text.strip())
        except CashlessError as exc:
            raise type(exc)(exc.reason, field=key, source=flag, code=exc.code) from None
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
