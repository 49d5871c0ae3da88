"""Command ``cashless compare A B``: paired differences of two scenarios with 95 % CIs.

Heavy libraries are imported inside the handler.

>>> from cashless.cli import main
>>> main(["compare", "cash-only", "qr-first", "--set", "market.stalls_scale=0.02",
...       "--replications", "2", "--no-progress"])  # doctest: +ELLIPSIS
baseline cash-only: ...
0
"""

from __future__ import annotations

import argparse
import math

from cashless.cli.options import (
    add_output,
    add_run_options,
    add_settings_option,
    check_run_options,
    check_table_output,
    scenario_from,
    show_progress,
    writing,
)

__all__ = ["COMPARE_LABELS", "register"]

#: Terminal label and number format of each metric ``compare`` prints by default
#: (:data:`cashless.sim.results.COMPARE_METRICS`; a test checks that they match).
COMPARE_LABELS = {
    "all.transactions": ("transactions / day", "{:,.0f}"),
    "all.throughput_per_hour": ("transactions / hour open", "{:,.1f}"),
    "all.wait_mean_s": ("mean wait (s)", "{:.2f}"),
    "all.wait_p95_s": ("95th pct wait (s)", "{:.2f}"),
    "all.lost_sales": ("lost sales / day", "{:,.1f}"),
    "all.loss_per_million_vnd": ("gross loss / 1M VND", "{:,.0f}"),
    "all.vendor_net_loss_per_million_vnd": ("vendors' net loss / 1M VND", "{:,.0f}"),
    "all.shopper_net_loss_per_million_vnd": ("shoppers' net loss / 1M VND", "{:,.0f}"),
    "all.fraud_take_per_million_vnd": ("fraudsters' take / 1M VND", "{:,.1f}"),
    "all.reconciliation_gap_vnd": ("reconciliation gap VND", "{:,.0f}"),
    "cash.payment_time_s": ("cash payment time (s)", "{:.2f}"),
    "static_qr.payment_time_s": ("static QR payment time (s)", "{:.2f}"),
    "dynamic_qr.payment_time_s": ("dynamic QR payment time (s)", "{:.2f}"),
}


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``compare`` to the top-level parser."""
    parser = commands.add_parser(
        "compare",
        help="paired differences of two scenarios (common random numbers, 95 % CIs)",
        description="Run scenarios A and B on the same seeds (replication i of both uses "
        "the same random numbers) and print, per metric, the mean of A and B and the mean "
        "paired difference B - A with its 95 % confidence interval. Only a difference "
        "whose interval excludes 0 is an effect of the change, under the model's "
        "assumptions.",
        epilog="example: cashless compare cash-only qr-first --replications 8 --seed 1",
    )
    parser.add_argument("baseline", metavar="A", help="baseline: a preset name or a .toml file")
    parser.add_argument("alternative", metavar="B", help="alternative: a preset or a .toml file")
    add_settings_option(parser)
    add_run_options(parser, days="paired market days")
    add_output(parser, "also write the table (.csv, or .parquet with pyarrow)")
    parser.set_defaults(handler=_compare)


def _number(fmt: str, x: float) -> str:
    return "-" if x != x else fmt.format(x)


def _interval(fmt: str, low: float, high: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return "-"
    return f"[{fmt.format(low)}, {fmt.format(high)}]"


def _compare(args: argparse.Namespace) -> int:
    from cashless.policy.tables import write_table
    from cashless.sim.compare import compare

    check_run_options(args)
    output = check_table_output(args.output) if args.output is not None else None
    result = compare(
        scenario_from(args.baseline, args.settings, flag="A"),
        scenario_from(args.alternative, args.settings, flag="B"),
        replications=args.replications,
        seed=args.seed,
        workers=args.workers,
        progress=show_progress(args) and args.replications > 1,
    )
    a, b = result.baseline.scenario, result.alternative.scenario
    print(f"baseline {a.name}: {a.description}")
    print(f"alternative {b.name}: {b.description}")
    print(
        f"{args.replications} paired replication(s), seed {args.seed}; difference = B - A, "
        "95 % t-interval of paired differences (common random numbers)"
    )
    print()
    rows = [("metric", "A", "B", "B - A", "95 % CI")]
    for metric, r in result.table.iterrows():
        label, fmt = COMPARE_LABELS.get(str(metric), (str(metric), "{:,.2f}"))
        rows.append(
            (
                label,
                _number(fmt, r["baseline"]),
                _number(fmt, r["alternative"]),
                _number(fmt, r["difference"]),
                _interval(fmt, r["ci_low"], r["ci_high"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [
        row[0].ljust(widths[0])
        + "  "
        + "  ".join(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    print("\n".join(lines))
    if output is not None:
        with writing(args.output):
            write_table(result.table.reset_index(), output, flag="--output")
        print(f"\nwrote {args.output} ({len(result.table)} rows)")
    return 0
