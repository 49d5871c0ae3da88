"""Cost of a Morris screen and a Sobol run, against a bare ``simulate_day`` loop in the same run.

For each design this prints the model days, the CPU seconds spent inside the days (as
the design reports them), the whole process's CPU seconds (sampling, analysis, task
handling included), days per CPU-second, and the ratio against a bare loop of
``simulate_day`` over the very same scenarios and seeds (1.0 = no overhead at all). Also
printed: a bare loop over the default scenario, since a design's extreme points (demand
x2.5, 12,000 visitors) cost more per day than the default does.

Run: ``python benchmarks/bench_sensitivity.py [--scale 0.25] [--trajectories 2]
[--sobol-base 16] [--leaders 3] [--quick]`` (about two minutes at the defaults;
``--quick`` about 20 s). Everything runs in this process (workers=1), so every CPU
second is counted.
"""

from __future__ import annotations

import argparse
import platform
import time
from typing import Any

from cashless.policy import sensitivity as sa
from cashless.sim import preset, replication_seeds, simulate_day, with_overrides


def bare_loop(scenario: Any, points: list[dict[str, Any]], seeds: list[Any]) -> tuple[int, float]:
    """Days run and CPU seconds of ``simulate_day`` over ``points`` x ``seeds``, nothing else."""
    scenarios = [with_overrides(scenario, point) for point in points]
    start = time.process_time()
    for sc in scenarios:
        for seed in seeds:
            simulate_day(sc, seed)
    return len(scenarios) * len(seeds), time.process_time() - start


def report(name: str, result: Any, cpu_total: float, scenario: Any, seed: int) -> None:
    cost = result.cost
    keys = [f.key for f in result.factors]
    points = result.outputs[keys].to_dict("records")
    days, bare_cpu = bare_loop(scenario, points, replication_seeds(seed, cost.replications))
    design_rate = cost.model_days / cpu_total
    bare_rate = days / bare_cpu
    print(f"{name}: {cost}")
    print(
        f"  {len(keys)} factors; whole process {cpu_total:,.1f} CPU-s, "
        f"{design_rate:,.2f} days per CPU-s; bare loop over the same days "
        f"{bare_rate:,.2f} days per CPU-s; ratio {design_rate / bare_rate:.2f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.25, help="market.stalls_scale")
    parser.add_argument("--trajectories", type=int, default=2)
    parser.add_argument("--replications", type=int, default=1)
    parser.add_argument("--sobol-base", type=int, default=16)
    parser.add_argument("--leaders", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="scale 0.05, Sobol base 8")
    args = parser.parse_args()
    if args.quick:
        args.scale, args.sobol_base = 0.05, 8

    scenario = with_overrides(preset("qr-first"), {"market.stalls_scale": args.scale})
    # The market's size is the benchmark's control, not a factor to screen.
    fixed = [f.key for f in sa.factors(scenario) if f.key == "market.stalls_scale"]
    metric = "all.wait_mean_s"
    print(f"Python {platform.python_version()}, scale {args.scale:g}, workers 1")

    days, cpu = bare_loop(scenario, [{}] * 10, replication_seeds(args.seed, 1))
    print(f"bare simulate_day, default scenario: {days / cpu:,.2f} days per CPU-s")

    start = time.process_time()
    screen = sa.morris(
        scenario,
        [metric, "all.loss_per_million_vnd"],
        exclude=fixed,
        trajectories=args.trajectories,
        replications=args.replications,
        seed=args.seed,
    )
    report("Morris", screen, time.process_time() - start, scenario, args.seed)

    leaders = screen.leaders(metric, args.leaders)
    start = time.process_time()
    indices = sa.sobol(
        scenario,
        [metric],
        keys=leaders,
        base_samples=args.sobol_base,
        replications=args.replications,
        seed=args.seed,
    )
    report("Sobol", indices, time.process_time() - start, scenario, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
