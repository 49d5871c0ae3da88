"""Write result tables to ``.csv`` or ``.parquet`` files, atomically.

The file is written under a temporary name in the same folder and moved over the
target only when complete, so a reader never sees half a file. Parquet needs
``pyarrow``, which cashless does not require; without it the error says so before any
work is done (call :func:`check_output_path` first).

>>> check_output_path("results.xlsx")
Traceback (most recent call last):
...
cashless.errors.ScenarioError: results.xlsx output must end in .csv or .parquet
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from cashless._io import atomic_path
from cashless.errors import ScenarioError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["check_output_path", "write_table"]


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` to ``.csv`` or ``.parquet`` atomically; return the path.

    Parquet needs ``pyarrow``; without it a :class:`ScenarioError` says so before
    anything is written. Columns holding tuples (outage windows) are written as text.
    """
    path = check_output_path(path)
    if path.suffix.lower() == ".parquet":
        frame = frame.copy()
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].map(lambda v: v if v is None else str(v))
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
    return path


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """Check that :func:`write_table` can write ``path`` (suffix, pyarrow, folder)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".parquet"}:
        raise ScenarioError("output must end in .csv or .parquet", field=str(path))
    if suffix == ".parquet":
        from importlib.util import find_spec

        if find_spec("pyarrow") is None:
            raise ScenarioError(
                "writing Parquet needs pyarrow (pip install pyarrow); or use a .csv name",
                field=str(path),
            )
    if not path.parent.is_dir():
        raise ScenarioError("the folder does not exist", field=str(path.parent))
    return path
