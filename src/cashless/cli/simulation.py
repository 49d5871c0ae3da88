"""Commands ``cashless simulate`` and ``cashless scenarios`` (the simulation column).

Heavy libraries (numpy, pandas, simpy) are imported inside the handlers.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from cashless._io import write_text

_ROWS = (
    ("transactions", "transactions / day", "{:,.0f}"),
    ("throughput_per_hour", "transactions / hour", "{:,.0f}"),
    ("peak_stall_throughput_per_hour", "per stall, peak hour", "{:.2f}"),
    ("wait_mean_s", "mean wait (s)", "{:.1f}"),
    ("wait_p95_s", "95th pct wait (s)", "{:.1f}"),
    ("service_mean_s", "service time (s)", "{:.1f}"),
    ("lost_sales", "lost sales", "{:,.1f}"),
    ("errors_per_1000", "errors / 1,000 tx", "{:.2f}"),
    ("loss_per_million_vnd", "loss / 1M VND sales", "{:,.0f}"),
    ("reconciliation_gap_vnd", "reconciliation gap VND", "{:,.0f}"),
)


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``simulate`` and ``scenarios`` to the top-level parser."""
    p = commands.add_parser(
        "simulate", help="simulate market days and compare cash with QR",
        description="Simulate replications of a market day (SimPy) and print a cash-versus-QR "
                    "table: mean and 95 % confidence half-width per metric.")
    p.add_argument("--scenario", default="dien-bien",
                   help="a preset name (see `cashless scenarios`) or a scenario .toml file")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                   help="override a parameter, e.g. --set payments.qr_share=0.6 (repeatable)")
    p.add_argument("--replications", type=int, default=10, metavar="N",
                   help="days to simulate (default 10)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="root seed (default 0)")
    p.add_argument("--workers", type=int, default=1, metavar="W",
                   help="worker processes (default 1; results do not depend on it)")
    p.add_argument("--out", metavar="FILE.csv",
                   help="also write one row of metrics per replication as CSV")
    p.set_defaults(handler=_simulate)
    q = commands.add_parser(
        "scenarios", help="list scenario presets, show one, or write one as TOML",
        description="List the scenario presets. --show prints one as TOML; --write saves it to "
                    "a file you can edit and pass to `cashless simulate --scenario FILE.toml`.")
    q.add_argument("--show", metavar="NAME", help="print a preset (or a .toml file) as TOML")
    q.add_argument("--write", nargs=2, metavar=("NAME", "FILE"),
                   help="write a preset as TOML to FILE")
    q.set_defaults(handler=_scenarios)


def _load(name: str):
    from cashless.sim.scenario import from_toml, preset

    if name.endswith(".toml") or os.sep in name:
        return from_toml(Path(name))
    return preset(name)


def _cell(fmt: str, mean: float, half: float) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "-"
    text = fmt.format(mean)
    if half is not None and not math.isnan(half) and half > 0:
        text += " ± " + fmt.format(half)
    return text


def format_comparison(result) -> str:
    """The cash-versus-QR table of a :class:`cashless.sim.replicate.RunResult`, as text."""
    table = result.comparison()
    rows = [("metric", "cash", "QR", "all")]
    for key, label, fmt in _ROWS:
        r = table.loc[key]
        rows.append((label, *(_cell(fmt, r[g], r[f"{g}_ci"]) for g in ("cash", "qr", "all"))))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [r[0].ljust(widths[0]) + "  "
             + "  ".join(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True))
             for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _simulate(args: argparse.Namespace) -> int:
    from cashless.errors import ScenarioError
    from cashless.sim.replicate import run
    from cashless.sim.scenario import parse_value, with_overrides

    if args.replications < 1:
        raise ScenarioError("--replications must be at least 1", field="--replications")
    if args.workers < 1:
        raise ScenarioError("--workers must be at least 1", field="--workers")
    scenario = _load(args.scenario)
    overrides = {}
    for item in args.overrides:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(f"--set expects KEY=VALUE, got {item!r}", field="--set")
        overrides[key.strip()] = parse_value(text.strip())
    scenario = with_overrides(scenario, overrides)
    progress = sys.stderr.isatty() and args.replications > 1
    result = run(scenario, replications=args.replications, seed=args.seed,
                 workers=args.workers, progress=progress)
    s = result.summary["mean"]
    print(f"scenario {scenario.name}: {scenario.description}")
    print(f"{args.replications} replication(s), seed {args.seed}; QR share of sales "
          f"{s['all.qr_share']:.1%}; cash fallbacks {s['all.cash_fallbacks']:.1f}/day; "
          f"fraudsters gain {s['all.fraud_gain_per_million_vnd']:,.0f} VND per 1M")
    print()
    print(format_comparison(result))
    if args.out:
        write_text(Path(args.out), result.replications.to_csv(index=False))
        print(f"\nwrote {args.out}")
    return 0


def _scenarios(args: argparse.Namespace) -> int:
    from cashless.sim.scenario import PRESETS, preset, to_toml

    if args.write:
        name, path = args.write
        write_text(Path(path), to_toml(_load(name)))
        print(f"wrote {path}")
        return 0
    if args.show:
        sys.stdout.write(to_toml(_load(args.show)))
        return 0
    width = max(len(n) for n in PRESETS)
    for name in PRESETS:
        print(f"{name.ljust(width)}  {preset(name).description}")
    return 0
