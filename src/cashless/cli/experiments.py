"""``cashless sweep``: a parameter sweep of the market simulation from the shell.

    cashless sweep --scenario dien-bien --grid payments.qr_share=0,0.3,0.6,0.9 \\
        --replications 20 --workers 2 --out results.csv --summary-out summary.csv

``--grid`` may be repeated (the full product is run). Values are TOML literals, as for
``cashless simulate --set``: numbers, ``true``/``false``, quoted or bare text, and
bracketed lists (``infrastructure.outages=[],[[7200,3600]]``). ``--scheduler tcp://host:8786`` runs the
days on a Dask cluster instead of local processes.

>>> parse_grid_option("payments.qr_share=0,0.45,0.9")
('payments.qr_share', [0, 0.45, 0.9])
>>> parse_grid_option("infrastructure.outages=[],[[7200,3600]]")
('infrastructure.outages', [(), ((7200, 3600),)])
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cashless.errors import ScenarioError

# Metrics shown on the terminal; the files hold all of them.
_HEADLINE = (
    "all.throughput_per_hour",
    "all.wait_mean_s",
    "all.wait_p95_s",
    "all.loss_per_million_vnd",
)


def register(commands: Any) -> None:
    """Add the ``sweep`` command to the top-level sub-parsers."""
    parser = commands.add_parser(
        "sweep",
        help="run a scenario over a grid of settings, with replications",
        description=(
            "Simulate market days at every combination of the --grid settings and write one "
            "row per grid point and replication (--out) and a summary with 95 % confidence "
            "intervals (--summary-out). Runs on local processes or a Dask scheduler."
        ),
    )
    parser.add_argument(
        "--scenario", default="dien-bien", metavar="NAME|FILE",
        help="a preset name or a scenario TOML file (default: %(default)s)",
    )
    parser.add_argument(
        "--grid", action="append", default=[], metavar="KEY=V1,V2,...",
        help="a dotted scenario key and its values; repeat for a product grid",
    )
    parser.add_argument("--replications", type=int, default=10, metavar="N",
                        help="market days per grid point (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="root seed; the same seed gives the same numbers (default: 0)")
    parser.add_argument("--workers", type=int, default=1, metavar="W",
                        help="local worker processes (default: %(default)s)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="run on this Dask scheduler instead of local processes")
    parser.add_argument("--out", metavar="FILE",
                        help="write every replication to FILE (.csv, or .parquet with pyarrow)")
    parser.add_argument("--summary-out", metavar="FILE",
                        help="write the per-point summary to FILE (.csv or .parquet)")
    parser.add_argument("--no-progress", action="store_true",
                        help="do not show a progress bar (it only shows on a terminal)")
    parser.set_defaults(handler=_sweep)


def parse_grid_option(text: str) -> tuple[str, list[Any]]:
    """Split ``"key=v1,v2,..."`` into the key and its list of values."""
    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError(f"expected KEY=V1,V2,..., got {text!r}", field="--grid")
    parts = _split_top_level(values)
    if not parts or any(not p.strip() for p in parts):
        raise ScenarioError(f"empty value in {values!r}", field=key)
    return key, [_literal(p.strip()) for p in parts]


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
    # The same literals as `cashless simulate --set` (TOML), lists made tuples.
    from cashless.sim.scenario import parse_value

    return _tuples(parse_value(text))


def _tuples(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_tuples(v) for v in value)
    return value


def _load_scenario(name: str) -> Any:
    from cashless.sim.scenario import PRESETS, from_toml, preset

    if name in PRESETS:
        return preset(name)
    path = Path(name)
    if path.is_file():
        return from_toml(path.read_text(encoding="utf-8"))
    raise ScenarioError(
        f"no preset or file named {name!r}; presets: {', '.join(PRESETS)}", field="--scenario"
    )


def _sweep(args: argparse.Namespace) -> int:
    from cashless.policy.sweeps import sweep
    from cashless.policy.tables import check_output_path, write_table

    grid: dict[str, list[Any]] = {}
    for option in args.grid:
        key, values = parse_grid_option(option)
        if key in grid:
            raise ScenarioError("given twice in --grid", field=key)
        grid[key] = values
    outputs = [check_output_path(p) for p in (args.out, args.summary_out) if p]
    scenario = _load_scenario(args.scenario)
    try:
        result = sweep(
            scenario, grid or None, replications=args.replications, seed=args.seed,
            workers=args.workers, client=args.scheduler, progress=not args.no_progress,
        )
    except OSError as exc:
        if args.scheduler is None:
            raise
        raise ScenarioError(f"cannot reach the Dask scheduler: {exc}",
                            field=args.scheduler) from None
    print(_headline_table(result))
    if args.out:
        write_table(result.replications, outputs[0])
        print(f"wrote {args.out} ({len(result.replications)} rows)")
    if args.summary_out:
        write_table(result.summary, outputs[-1])
        print(f"wrote {args.summary_out} ({len(result.summary)} rows)")
    return 0


def _headline_table(result: Any) -> str:
    summary = result.summary
    rows = summary[summary["metric"].isin(_HEADLINE)]
    cells = rows.assign(
        value=[
            f"{m:,.1f} ± {(hi - lo) / 2:,.1f}" if hi == hi else f"{m:,.1f}"
            for m, lo, hi in zip(rows["mean"], rows["ci_low"], rows["ci_high"], strict=True)
        ]
    )
    table = cells.pivot(index="point", columns="metric", values="value")
    table = table[[m for m in _HEADLINE if m in table.columns]]
    labels = summary.drop_duplicates("point").set_index("point")[list(result.keys)]
    table = labels.join(table) if result.keys else table
    table.columns = [c.replace("all.", "") for c in table.columns]
    return "mean ± 95% CI half-width per grid point\n" + table.to_string()
