"""Run independent tasks on this process, local worker processes, or a Dask cluster.

:func:`run_tasks` calls ``fn(*args)`` for every tuple in ``tasks`` and returns the
results in the order of ``tasks``, whichever backend ran them and in whatever order
they finished, so a seeded computation gives the same list everywhere. ``fn`` must be
a module-level function and its arguments picklable. Dask is imported only when a
client or a scheduler address is given.

>>> run_tasks(pow, [(2, 3), (3, 2)])
[8, 9]
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Sequence
from typing import Any

from cashless.errors import ScenarioError

__all__ = ["run_tasks"]


def run_tasks(
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    *,
    workers: int = 1,
    client: Any = None,
    progress: bool = False,
    desc: str = "market days",
    preload: Sequence[str] = (),
) -> list[Any]:
    """Return ``[fn(*args) for args in tasks]``, computed on the chosen backend.

    ``client``: a ``dask.distributed.Client`` or a scheduler address
    (``"tcp://host:8786"``); otherwise ``workers`` local processes (1 runs in this
    process). ``progress`` shows a tqdm bar on a terminal or in a notebook with
    widgets, and stays silent otherwise (logs, pipes, tests). ``preload`` names
    modules that local workers import once, before the first task.
    """
    if client is None and (not isinstance(workers, int) or isinstance(workers, bool)
                           or workers < 1):
        raise ScenarioError(f"must be a whole number >= 1, got {workers!r}", field="workers")
    with _progress_bar(len(tasks), progress, desc) as bar:
        if client is not None:
            return _run_dask(fn, tasks, client, bar.update)
        if workers == 1 or len(tasks) <= 1:
            outputs = []
            for args in tasks:
                outputs.append(fn(*args))
                bar.update(1)
            return outputs
        return _run_processes(fn, tasks, workers, bar.update, preload)


def _run_processes(
    fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], workers: int,
    tick: Callable[[int], object], preload: Sequence[str],
) -> list[Any]:
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # forkserver/spawn rather than fork: forking a process that runs threads (a
    # notebook kernel, a Dask client) can deadlock and is deprecated in Python 3.12.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        # The fork server imports fn's module once; each pool's workers then start warm.
        # (Only the first pool of a process starts the server, so this is set-once.)
        context.set_forkserver_preload([fn.__module__, *preload])
    outputs: list[Any] = [None] * len(tasks)
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
        futures = {pool.submit(fn, *args): k for k, args in enumerate(tasks)}
        for future in as_completed(futures):
            outputs[futures[future]] = future.result()
            tick(1)
    return outputs


def _run_dask(
    fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], client: Any,
    tick: Callable[[int], object],
) -> list[Any]:
    from dask.distributed import Client, as_completed

    if isinstance(client, str):
        with Client(client, set_as_default=False) as own:
            return _run_dask(fn, tasks, own, tick)
    if not tasks:
        return []
    columns = [list(column) for column in zip(*tasks, strict=True)]
    futures = client.map(fn, *columns, pure=False)
    for _ in as_completed(futures, loop=client.loop):
        tick(1)
    return list(client.gather(futures))


class _progress_bar:
    """A tqdm bar that is silent unless asked for and shown on a terminal or notebook."""

    def __init__(self, total: int, enabled: bool, desc: str) -> None:
        self.total, self.enabled, self.desc = total, enabled, desc

    def __enter__(self) -> Any:
        if self.enabled and _in_notebook_with_widgets():
            from tqdm.auto import tqdm

            self.bar = tqdm(total=self.total, desc=self.desc)
        else:
            from tqdm.std import tqdm

            # disable=None: tqdm stays silent when stderr is not a terminal.
            self.bar = tqdm(total=self.total, desc=self.desc,
                            disable=None if self.enabled else True)
        return self.bar

    def __exit__(self, *exc: object) -> None:
        self.bar.close()


def _in_notebook_with_widgets() -> bool:
    # tqdm.auto warns (TqdmWarning) in a kernel without ipywidgets; avoid it there.
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    if shell is None or "IPKernelApp" not in getattr(shell, "config", {}):
        return False
    from importlib.util import find_spec

    return find_spec("ipywidgets") is not None
