"""``cashless sweep``: a parameter sweep of the market simulation from the shell.

    cashless sweep --scenario dien-bien --grid payments.qr_share=0,0.3,0.6,0.9 \\
        --replications 20 --workers 2 -o results.csv --summary-output summary.csv

``--grid`` may be repeated (the full product is run). Values are TOML literals, as for
``--set``: numbers, ``true``/``false``, quoted or bare text, and bracketed lists
(``infrastructure.outages=[],[[7200,3600]]``). ``--scheduler tcp://host:8786`` runs the
days on a Dask cluster instead of local processes.

>>> parse_grid_option("payments.qr_share=0,0.45,0.9")
('payments.qr_share', [0, 0.45, 0.9])
>>> parse_grid_option("infrastructure.outages=[],[[7200,3600]]")
('infrastructure.outages', [(), ((7200, 3600),)])
>>> parse_grid_option("payments.qr_share")
Traceback (most recent call last):
cashless.errors.UsageError: --grid: expects KEY=V1,V2,..., got 'payments.qr_share'
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from cashless._io import atomic_paths, same_file
from cashless.cli.options import (
    TableChoices,
    add_output,
    add_run_options,
    add_scenario_options,
    check_run_options,
    check_table_output,
    parse_settings,
    scenario_from,
    show_progress,
    writing,
)
from cashless.errors import ClusterError, ScenarioError, UsageError

if TYPE_CHECKING:
    from cashless.policy.sweeps import SweepResult

__all__ = ["DEFAULT_METRICS", "parse_grid_option", "register"]

#: Headline metrics (of all payments) shown on the terminal by default; the files hold all.
DEFAULT_METRICS = ("throughput_per_hour", "wait_mean_s", "wait_p95_s", "loss_per_million_vnd")


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` command to the top-level sub-parsers."""
    parser = commands.add_parser(
        "sweep",
        help="run a scenario over a grid of settings, with replications",
        description=(
            "Simulate market days at every combination of the --grid settings and write one "
            "row per grid point and replication (-o) and a summary with 95 % confidence "
            "intervals (--summary-output). Runs on local processes or a Dask scheduler."
        ),
        epilog="example: cashless sweep --grid payments.qr_share=0,0.45,0.9 "
        "--set errors.stress_multiplier=2 --replications 20 -o results.csv",
    )
    add_scenario_options(parser)
    parser.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...",
        help="a dotted scenario key and its values; repeat for a product grid",
    )
    add_run_options(parser, days="market days per grid point")
    parser.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="run on this Dask scheduler instead of local processes (the dask extra); waits "
        "at most 10 s for the scheduler and a worker, and gives up when no result comes for "
        "10 min. Trust it as this machine: its results are unpickled here",
    )
    add_output(parser, "write every replication to FILE (.csv, or .parquet with pyarrow)")
    add_output(
        parser,
        "write the per-point summary to FILE (.csv or .parquet)",
        flags=("--summary-output",),
    )
    parser.add_argument(
        "--metric",
        action="append",
        choices=TableChoices("cashless.sim.results", "HEADLINE_METRICS"),
        metavar="NAME",
        dest="metrics",
        help="a headline metric, of all payments, to show on the terminal (repeatable; default: "
        f"{', '.join(DEFAULT_METRICS)}); one of %(choices)s",
    )
    parser.set_defaults(handler=_sweep)


def parse_grid_option(text: str) -> tuple[str, list[Any]]:
    """Split ``"key=v1,v2,..."`` into the key and its list of values."""
    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise UsageError(f"expects KEY=V1,V2,..., got {text!r}", source="--grid")
    parts = _split_top_level(values)
    if any(not part.strip() for part in parts):
        raise UsageError(f"{key} has an empty value in {values!r}", source="--grid")
    return key, [_literal(part.strip()) for part in parts]


def _split_top_level(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for k, char in enumerate(text):
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:k])
            start = k + 1
    parts.append(text[start:])
    return parts


def _literal(text: str) -> Any:
    # The same literals as --set (TOML), lists made tuples.
    from cashless.sim.scenario import parse_value

    return _tuples(parse_value(text))


def _tuples(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_tuples(v) for v in value)
    return value


def _grid(options: list[str], settings: list[str]) -> dict[str, list[Any]]:
    fixed = parse_settings(settings)
    grid: dict[str, list[Any]] = {}
    for option in options:
        key, values = parse_grid_option(option)
        if key in grid:
            raise UsageError(f"{key} is given twice", source="--grid")
        if key in fixed:
            raise UsageError(f"{key} is also given to --set", source="--grid")
        grid[key] = values
    return grid


def _sweep(args: argparse.Namespace) -> int:
    from cashless.policy.sweeps import sweep
    from cashless.policy.tables import write_table

    check_run_options(args)
    grid = _grid(args.grid, args.settings)
    outputs = {
        flag: check_table_output(path, flag=flag)
        for flag, path in (("--output", args.output), ("--summary-output", args.summary_output))
        if path is not None
    }
    if len(outputs) == 2 and (
        outputs["--output"].resolve() == outputs["--summary-output"].resolve()
        or same_file(args.output, args.summary_output)
    ):
        raise UsageError("is the same file as --output", source="--summary-output")
    scenario = scenario_from(args.scenario, args.settings)
    try:
        result = sweep(
            scenario,
            grid or None,
            replications=args.replications,
            seed=args.seed,
            workers=args.workers,
            client=args.scheduler,
            progress=show_progress(args),
        )
    except ClusterError as exc:
        raise exc.with_source("--scheduler") from None
    except ScenarioError as exc:
        raise (exc.with_source("--grid") if grid else exc) from None
    print(_headline_table(result, tuple(args.metrics or DEFAULT_METRICS)))
    tables = {"--output": result.replications, "--summary-output": result.summary}
    users = {"--output": args.output, "--summary-output": args.summary_output}
    # Both files or neither: each is written in full before either replaces its target.
    with ExitStack() as stack:
        for flag in outputs:
            stack.enter_context(writing(users[flag], flag=flag))
        with atomic_paths(*outputs.values()) as temps:
            for flag, tmp in zip(outputs, temps, strict=True):
                write_table(tables[flag], tmp, flag=flag)
    for flag in outputs:
        print(f"wrote {users[flag]} ({len(tables[flag])} rows)")
    return 0


def _headline_table(result: SweepResult, metrics: tuple[str, ...]) -> str:
    names = [f"all.{metric}" for metric in dict.fromkeys(metrics)]
    summary = result.summary
    rows = summary[summary["metric"].isin(names)]
    cells = rows.assign(
        value=[
            f"{m:,.1f} ± {(hi - lo) / 2:,.1f}" if hi == hi else f"{m:,.1f}"
            for m, lo, hi in zip(rows["mean"], rows["ci_low"], rows["ci_high"], strict=True)
        ]
    )
    table = cells.pivot(index="point", columns="metric", values="value")
    table = table[[name for name in names if name in table.columns]]
    labels = summary.drop_duplicates("point").set_index("point")[list(result.keys)]
    table = labels.join(table) if result.keys else table
    table.columns = [str(c).removeprefix("all.") for c in table.columns]
    return "mean ± 95% CI half-width per grid point\n" + table.to_string()
