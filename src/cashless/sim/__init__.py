"""Market simulator: a SimPy model of a Chợ Điện Biên-like market, cash versus QR.

Needs the ``sim`` extra (``pip install 'cashless[sim]'``). The public surface is small;
everything else is reached through its module (:mod:`cashless.sim.scenario`,
:mod:`cashless.sim.replicate`, :mod:`cashless.sim.results`, :mod:`cashless.sim.stats`,
:mod:`cashless.sim.parallel`, :mod:`cashless.sim.compare` for paired comparisons,
:mod:`cashless.sim.evidence` for every parameter's provenance). docs/metrics.md says
what each metric measures.

>>> from cashless import sim
>>> tiny = sim.with_overrides(sim.preset("cash-only"), {"market.stalls_scale": 0.02})
>>> sim.simulate_day(tiny, seed=1).metrics["qr.transactions"]
0.0
"""

from cashless.errors import require_extra

require_extra("sim", "numpy", "simpy", "pandas")

from cashless.sim.replicate import (  # noqa: E402
    RunResult,
    replication_seeds,
    run,
    simulate_day,
)
from cashless.sim.results import (  # noqa: E402
    HEADLINE_METRICS,
    METRIC_NAMES,
    DayResult,
    conservation_residuals,
    summarize,
)
from cashless.sim.scenario import (  # noqa: E402
    PRESETS,
    Scenario,
    from_toml,
    from_toml_file,
    from_toml_text,
    load_scenario,
    parameter_table,
    preset,
    queue_scenario,
    to_toml,
    with_overrides,
)

__all__ = [
    "HEADLINE_METRICS",
    "METRIC_NAMES",
    "PRESETS",
    "DayResult",
    "RunResult",
    "Scenario",
    "conservation_residuals",
    "from_toml",
    "from_toml_file",
    "from_toml_text",
    "load_scenario",
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
