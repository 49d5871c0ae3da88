"""Write result tables to ``.csv`` or ``.parquet`` files, atomically.

The file is written under a temporary name in the same folder and moved over the
target only when complete, so a reader never sees half a file. Parquet needs
``pyarrow``, which cashless does not require; without it the error says so before any
work is done (call :func:`check_output_path` first).

>>> check_output_path("results.xlsx")
Traceback (most recent call last):
...
cashless.errors.OutputError: --output: 'results.xlsx' must end in .csv or .parquet
"""

from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cashless._io import atomic_path, check_output
from cashless.errors import OutputError, UsageError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TABLE_SUFFIXES", "check_output_path", "headline_summary", "write_table"]

TABLE_SUFFIXES = (".csv", ".parquet")


def check_output_path(path: str | os.PathLike[str], *, flag: str = "--output") -> Path:
    """Check that :func:`write_table` can write ``path``: suffix, folder, pyarrow.

    Raises :class:`~cashless.errors.OutputError` naming ``flag`` (the option or argument
    the path came from) and the user's path.
    """
    target = check_output(path, suffixes=TABLE_SUFFIXES, flag=flag)
    if target.suffix.lower() == ".parquet" and find_spec("pyarrow") is None:
        raise OutputError(
            f"{os.fspath(path)!r}: writing Parquet needs pyarrow (pip install pyarrow); "
            "or use a .csv name",
            source=flag,
        )
    return target


def headline_summary(result: Any, *, group: str = "all") -> pd.DataFrame:
    """The summary rows of the headline metrics of ``group``, point by point.

    ``result`` is a :class:`~cashless.policy.sweeps.SweepResult` (or its ``summary``);
    ``group`` is one of :data:`~cashless.sim.results.GROUPS`. The rows come in the order
    of :data:`~cashless.sim.results.HEADLINE_METRICS` within each grid point, with the
    ``metric`` column holding the bare name (``"wait_mean_s"``).
    """
    from cashless.sim.results import GROUPS, HEADLINE_METRICS

    if group not in GROUPS:
        raise UsageError(f"must be one of {', '.join(GROUPS)}, got {group!r}", field="group")
    summary = getattr(result, "summary", result)
    if "metric" not in getattr(summary, "columns", ()) or "point" not in summary.columns:
        raise UsageError("expected a sweep result (cashless.policy.sweeps.SweepResult)")
    order = {f"{group}.{name}": k for k, name in enumerate(HEADLINE_METRICS)}
    rows = summary[summary["metric"].isin(order)].copy()
    rows["_order"] = rows["metric"].map(order)
    rows = rows.sort_values(["point", "_order"], kind="stable").drop(columns="_order")
    rows["metric"] = rows["metric"].str.removeprefix(f"{group}.")
    return rows.reset_index(drop=True)


def write_table(
    frame: pd.DataFrame, path: str | os.PathLike[str], *, flag: str = "--output"
) -> Path:
    """Write ``frame`` to ``.csv`` or ``.parquet`` atomically; return the path.

    Checks the path first (:func:`check_output_path`, errors naming ``flag``). Columns
    holding tuples (outage windows) are written as text in Parquet.
    """
    target = check_output_path(path, flag=flag)
    if not hasattr(frame, "to_csv"):
        raise UsageError(f"can only write a pandas DataFrame, got {type(frame).__name__}")
    if target.suffix.lower() == ".parquet":
        frame = frame.copy()
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].map(lambda v: v if v is None else str(v))
    try:
        with atomic_path(target) as tmp:
            if target.suffix.lower() == ".csv":
                frame.to_csv(tmp, index=False)
            else:
                frame.to_parquet(tmp, index=False)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"{os.fspath(path)!r}: cannot write: {reason}", source=flag) from None
    return target
