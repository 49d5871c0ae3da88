"""Policy: parameter sweeps over the market simulator, their tables and plots.

:mod:`~cashless.policy.sweeps` needs the ``sim`` extra (and ``dask`` for a cluster);
:mod:`~cashless.policy.plots` needs ``plots``. Importing this package loads neither.
"""

__all__: list[str] = []
