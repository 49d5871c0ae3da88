"""Sweep speed-up: 40 replications of the default scenario on 1 and 2 local workers
and on a 2-worker Dask LocalCluster (worker processes, one thread each).

Run: ``python benchmarks/bench_sweep.py [--replications 40] [--scale 1.0]``.
Prints wall times and the speed-ups against one worker, and checks that every backend
produced the same numbers. Cluster start-up is outside the timing (a cluster is
long-lived); worker imports are inside it for every backend. The Dask workers run with
their statistical profiler off unless ``--dask-profile`` is given. Targets (issue 5): >= 1.8x from 1 to 2 local workers; Dask
within 15 % of the local pool.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

from pandas.testing import assert_frame_equal

from cashless.policy.sweeps import sweep
from cashless.sim.scenario import preset, with_overrides


def _timed(label: str, **kwargs):
    start = time.perf_counter()
    result = sweep(**kwargs)
    wall = time.perf_counter() - start
    print(f"{label:<32} {wall:7.2f} s")
    return result, wall


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def _ceiling() -> float:
    """Speed-up of 2 processes on pure-Python busy work: what this machine allows now."""
    from concurrent.futures import ProcessPoolExecutor

    n = 4_000_000
    start = time.perf_counter()
    for _ in range(4):
        _burn(n)
    serial = time.perf_counter() - start
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_burn, [10, 10]))
        start = time.perf_counter()
        list(pool.map(_burn, [n] * 4))
        parallel = time.perf_counter() - start
    return serial / parallel


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=40)
    parser.add_argument("--scale", type=float, default=1.0, help="market.stalls_scale")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--dask-profile",
        action="store_true",
        help="keep the Dask workers' profiler on (Dask's default)",
    )
    args = parser.parse_args()

    scenario = preset("dien-bien")
    if args.scale != 1.0:
        scenario = with_overrides(scenario, {"market.stalls_scale": args.scale})
    common = {"scenario": scenario, "replications": args.replications, "seed": args.seed}
    print(
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs; {args.replications} replications, scale {args.scale:g}; "
        f"load average before: {_load()}"
    )

    ceiling = _ceiling()
    print(f"machine ceiling: 2 processes of busy work run {ceiling:.2f}x faster than 1")
    one, t1 = _timed("local, 1 worker", workers=1, **common)
    two, t2 = _timed("local, 2 worker processes", workers=2, **common)

    import dask
    from dask.distributed import Client, LocalCluster

    # The workers' statistical profiler samples the busy thread every 10 ms and costs
    # ~20 % on pure-Python tasks with 2 cores; a compute cluster would switch it off.
    with (
        dask.config.set({"distributed.worker.profile.enabled": args.dask_profile}),
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        dask, td = _timed("Dask LocalCluster, 2 workers", client=client, **common)

    for name, other in (("2 workers", two), ("Dask", dask)):
        assert_frame_equal(other.replications, one.replications, obj=name)
    print(
        f"speed-up 1 -> 2 local workers: {t1 / t2:.2f}x (target >= 1.8x; "
        f"{t1 / t2 / ceiling:.0%} of the machine ceiling)"
    )
    print(
        f"speed-up 1 -> Dask 2 workers:  {t1 / td:.2f}x; Dask / local pool time: "
        f"{td / t2:.2f} (target <= 1.15)"
    )
    print(f"per market day (1 worker): {t1 / args.replications:.2f} s")
    print("identical results on all three backends")
    print(f"load average after: {_load()} (other work on the machine slows the parallel runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
