"""Commands ``cashless simulate`` and ``cashless scenarios`` (the simulation column).

Heavy libraries (numpy, pandas, simpy) are imported inside the handlers.

>>> from cashless.cli import main
>>> main(["scenarios"])  # doctest: +ELLIPSIS
dien-bien ...
0
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import TYPE_CHECKING, Any

from cashless.cli.options import (
    add_output,
    add_run_options,
    add_scenario_options,
    add_settings_option,
    check_output_file,
    check_run_options,
    check_table_output,
    scenario_from,
    show_progress,
    writing,
)

if TYPE_CHECKING:
    from cashless.sim.replicate import RunResult

__all__ = ["METRIC_FORMATS", "format_comparison", "format_lost_and_rare", "register"]

#: Terminal label and number format of each headline metric
#: (:data:`cashless.sim.results.HEADLINE_METRICS`; a test checks that they match).
METRIC_FORMATS = {
    "transactions": ("transactions / day", "{:,.0f}"),
    "throughput_per_hour": ("transactions / hour", "{:,.0f}"),
    "peak_stall_throughput_per_hour": ("per stall, peak hour", "{:.2f}"),
    "wait_mean_s": ("mean wait (s)", "{:.1f}"),
    "wait_p95_s": ("95th pct wait (s)", "{:.1f}"),
    "service_mean_s": ("service time (s)", "{:.1f}"),
    "lost_sales": ("lost sales", "{:,.1f}"),
    "errors_per_1000": ("errors / 1,000 tx", "{:.2f}"),
    "loss_per_million_vnd": ("loss / 1M VND sales", "{:,.0f}"),
    "reconciliation_gap_vnd": ("reconciliation gap VND", "{:,.0f}"),
}
_GROUPS = ("cash", "qr", "all")


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``simulate`` and ``scenarios`` to the top-level parser."""
    simulate = commands.add_parser(
        "simulate",
        help="simulate market days and compare cash with QR",
        description="Simulate replications of a market day (SimPy) and print a cash-versus-QR "
        "table: mean and 95 % confidence half-width per metric.",
        epilog="example: cashless simulate --scenario tet-peak-day --set "
        "payments.qr_share=0.8 --replications 20 -o days.csv",
    )
    add_scenario_options(simulate)
    add_run_options(simulate, days="market days to simulate")
    add_output(
        simulate,
        "also write one row of metrics per replication (.csv, or .parquet with pyarrow)",
    )
    simulate.set_defaults(handler=_simulate)

    scenarios = commands.add_parser(
        "scenarios",
        help="list the scenario presets, or show one as TOML",
        description="`cashless scenarios` (or `scenarios list`) lists the presets; "
        "`scenarios show NAME` prints one as TOML, and with -o FILE.toml saves it as a file "
        "you can edit and pass to `cashless simulate --scenario FILE.toml`.",
    )
    scenarios.set_defaults(handler=_list)
    actions = scenarios.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", help="list the presets (the default)")
    listing.set_defaults(handler=_list)
    show = actions.add_parser(
        "show",
        help="print a scenario as TOML, or write it with -o",
        description="Print a preset (or a scenario .toml file), with any --set values, as "
        "TOML; each value is commented with its source.",
        epilog="example: cashless scenarios show outage -o outage.toml",
    )
    show.add_argument("name", metavar="NAME|FILE", help="a preset name or a scenario .toml file")
    show.add_argument(
        "--format",
        choices=("toml", "json"),
        default="toml",
        help="toml (default): the scenario as a file you can edit; json: every parameter "
        "with its value, unit, evidence grade (measured, analogue, assumption), source and "
        "sweep range",
    )
    add_settings_option(show)
    add_output(show, "write the TOML (.toml) or JSON (.json) to FILE instead of printing it")
    show.set_defaults(handler=_show)


def _cell(fmt: str, mean: float | None, half: float | None) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "-"
    text = fmt.format(mean)
    if half is not None and not math.isnan(half) and half > 0:
        text += " ± " + fmt.format(half)
    return text


# Rows added below the headline metrics: (label, format, metric per column cash, QR, all).
_EXTRA_ROWS = (
    (
        "vendors' net loss / 1M VND",
        "{:,.0f}",
        tuple(f"{g}.vendor_net_loss_per_million_vnd" for g in _GROUPS),
    ),
    (
        "shoppers' net loss / 1M VND",
        "{:,.0f}",
        tuple(f"{g}.shopper_net_loss_per_million_vnd" for g in _GROUPS),
    ),
    (
        "fraudsters' take / 1M VND",
        "{:,.1f}",
        tuple(f"{g}.fraud_take_per_million_vnd" for g in _GROUPS),
    ),
    ("payment time (s), no selection", "{:.1f}", ("cash.payment_time_s", "qr.payment_time_s", "")),
    (
        "capacity / seller-hour",
        "{:.1f}",
        ("cash.stall_capacity_per_hour", "qr.stall_capacity_per_hour", ""),
    ),
)
_DESCRIPTIVE_NOTE = (
    "* cash and QR columns describe where each method is used (other stalls, categories and "
    "baskets), not what it causes; for effects run `cashless compare A B`."
)


def _summary_cell(result: RunResult, metric: str, fmt: str) -> str:
    if not metric or metric not in result.summary.index:
        return "-"
    s = result.summary.loc[metric]
    half = (s["ci_high"] - s["mean"]) if s["n"] > 1 else math.nan
    return _cell(fmt, s["mean"], half)


def format_comparison(result: RunResult) -> str:
    """The cash-versus-QR table of a :class:`cashless.sim.replicate.RunResult`, as text.

    One row per headline metric, in the order of the library's comparison table (a ``*``
    marks rows whose cash and QR columns are descriptive), then loss net by party,
    the pure payment time and capacity per method.
    """
    from cashless.sim.results import DESCRIPTIVE_METRICS

    table = result.comparison()
    rows: list[tuple[str, ...]] = [("metric", "cash", "QR", "all")]
    for metric, values in table.iterrows():
        label, fmt = METRIC_FORMATS.get(str(metric), (str(metric), "{:,.2f}"))
        if f"cash.{metric}" in DESCRIPTIVE_METRICS:
            label += " *"
        cells = (_cell(fmt, values[g], values[f"{g}_ci"]) for g in _GROUPS)
        rows.append((label, *cells))
    for label, fmt, metrics in _EXTRA_ROWS:
        rows.append((label, *(_summary_cell(result, m, fmt) for m in metrics)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        r[0].ljust(widths[0])
        + "  "
        + "  ".join(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True))
        for r in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    lines.append(_DESCRIPTIVE_NOTE)
    return "\n".join(lines)


def format_lost_and_rare(result: RunResult) -> str:
    """Lost sales by cause (mean ± 95 % half-width per day), and settlement-error events per
    day by cause with exact Poisson intervals (a cause never seen shows its detection bound).
    """
    from cashless.sim.results import LOST_CAUSES

    lines = ["lost sales per day, by cause:"]
    for cause in LOST_CAUSES:
        cell = _summary_cell(result, f"all.lost_sales.{cause}", "{:,.2f}")
        lines.append(f"  {cause.replace('_', ' '):<24} {cell}")
    lines.append("settlement-error events per day (exact Poisson 95 % interval):")
    for cause, r in result.rare_events().iterrows():
        name = str(cause).replace("_", " ")
        if r["detectable"]:
            text = f"{r['per_day']:,.3g}  [{r['ci_low']:,.3g}, {r['ci_high']:,.3g}]"
        else:
            text = f"none seen in {int(r['days'])} days: below {r['ci_high']:.3g}/day"
        lines.append(f"  {name:<24} {text}")
    return "\n".join(lines)


def _simulate(args: argparse.Namespace) -> int:
    from cashless.policy.tables import write_table
    from cashless.sim.replicate import run

    check_run_options(args)
    output = check_table_output(args.output) if args.output is not None else None
    scenario = scenario_from(args.scenario, args.settings)
    result = run(
        scenario,
        replications=args.replications,
        seed=args.seed,
        workers=args.workers,
        progress=show_progress(args) and args.replications > 1,
    )
    means: Any = result.summary["mean"]
    print(f"scenario {scenario.name}: {scenario.description}")
    print(
        f"{args.replications} replication(s), seed {args.seed}; QR share of sales "
        f"{means['all.qr_share']:.1%}; cash fallbacks {means['all.cash_fallbacks']:.1f}/day; "
        f"fraudsters take {means['all.fraud_take_per_million_vnd']:,.0f} VND per 1M; "
        f"hours open {means['all.hours_open']:.2f}"
    )
    print()
    print(format_comparison(result))
    print()
    print(format_lost_and_rare(result))
    if output is not None:
        with writing(args.output):
            write_table(result.replications, output, flag="--output")
        print(f"\nwrote {args.output} ({len(result.replications)} rows)")
    return 0


def _list(args: argparse.Namespace) -> int:
    from cashless.sim.scenario import PRESETS, preset

    width = max(len(name) for name in PRESETS)
    for name in PRESETS:
        print(f"{name.ljust(width)}  {preset(name).description}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from cashless._io import write_text
    from cashless.sim.scenario import to_toml

    output = None
    if args.output is not None:
        output = check_output_file(args.output, suffixes=(f".{args.format}",))
    scenario = scenario_from(args.name, args.settings, flag="NAME")
    text = to_toml(scenario) if args.format == "toml" else _parameters_json(scenario)
    if output is None:
        sys.stdout.write(text)
        return 0
    with writing(args.output):
        write_text(output, text)
    print(f"wrote {args.output}")
    return 0


def _parameters_json(scenario: Any) -> str:
    import json

    from cashless.sim.scenario import parameter_table

    def plain(v: Any) -> Any:
        return [plain(x) for x in v] if isinstance(v, (tuple, list)) else v

    params = [
        {
            "key": r["key"],
            "value": plain(r["value"]),
            "unit": r["unit"],
            "evidence": r["evidence"],
            "source": r["source"],
            "sweep": None
            if r["sweep_low"] is None
            else [plain(r["sweep_low"]), plain(r["sweep_high"])],
        }
        for r in parameter_table(scenario)
    ]
    doc = {"name": scenario.name, "description": scenario.description, "parameters": params}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
