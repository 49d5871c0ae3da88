"""Market simulator: a SimPy model of a Chợ Điện Biên-like market, cash versus QR.

The public surface is small; everything else is reached through its module
(:mod:`cashless.sim.scenario`, :mod:`cashless.sim.run`, :mod:`cashless.sim.results`).

>>> from cashless import sim
>>> tiny = sim.with_overrides(sim.preset("cash-only"), {"market.stalls_scale": 0.02})
>>> sim.simulate_day(tiny, seed=1).metrics["qr.transactions"]
0.0
"""

from cashless.sim.replicate import RunResult, replication_seeds, run, simulate_day
from cashless.sim.results import METRIC_NAMES, DayResult, conservation_residuals, summarize
from cashless.sim.scenario import (
    PRESETS,
    Scenario,
    from_toml,
    parameter_table,
    preset,
    queue_scenario,
    to_toml,
    with_overrides,
)

__all__ = [
    "METRIC_NAMES",
    "PRESETS",
    "DayResult",
    "RunResult",
    "Scenario",
    "conservation_residuals",
    "from_toml",
    "parameter_table",
    "preset",
    "queue_scenario",
    "replication_seeds",
    "run",
    "simulate_day",
    "summarize",
    "to_toml",
    "with_overrides",
]
