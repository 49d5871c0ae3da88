"""Run independent tasks in this process, in local worker processes, or on a Dask cluster.

The only task runner of cashless: replications (:func:`cashless.sim.replicate.run`) and
sweeps (:func:`cashless.policy.sweeps.sweep`) both go through :func:`run_tasks`, which
calls ``fn(*args)`` for every tuple in ``tasks`` and returns the results in the order of
``tasks``, whichever backend ran them and in whatever order they finished. So a seeded
computation gives the same list on one worker, on many, or on a cluster. ``fn`` must be
a module-level function and its arguments picklable. Dask is imported only when a
client or a scheduler address is given; tqdm only when a progress bar is asked for.

>>> run_tasks(pow, [(2, 3), (3, 2)])
[8, 9]
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Sequence
from importlib.util import find_spec
from typing import Any

from cashless.errors import ClusterError, UsageError, require_extra

__all__ = ["check_workers", "progress_bar", "run_tasks"]


def check_workers(workers: object) -> int:
    """``workers`` as an int >= 1, or :class:`~cashless.errors.UsageError`.

    >>> check_workers(2)
    2
    >>> check_workers(0)
    Traceback (most recent call last):
    cashless.errors.UsageError: workers must be a whole number >= 1, got 0
    """
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise UsageError(f"must be a whole number >= 1, got {workers!r}", field="workers")
    return workers


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
    (``"tcp://host:8786"``; needs the ``dask`` extra); otherwise ``workers`` local
    processes (1 runs in this process). ``progress`` shows a bar (see
    :func:`progress_bar`). ``preload`` names modules that local workers import once,
    before the first task. Raises :class:`~cashless.errors.UsageError` for a bad
    worker count and :class:`~cashless.errors.ClusterError` when a scheduler cannot be
    reached.
    """
    if client is None:
        check_workers(workers)
    with progress_bar(len(tasks), enabled=progress, desc=desc) as bar:
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
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    workers: int,
    tick: Callable[[int], object],
    preload: Sequence[str],
) -> list[Any]:
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # One start method everywhere, chosen on purpose: forkserver (spawn where there is
    # none, as on Windows and macOS's default), never fork. Forking a process that runs
    # threads (a notebook kernel, a Dask client, tqdm's monitor) can deadlock, and
    # Python 3.12 warns about it. The fork server imports the simulator once, so each
    # pool's workers then start warm.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        # Read when the server starts, i.e. by the first pool of this process only.
        context.set_forkserver_preload([fn.__module__, *preload])
    outputs: list[Any] = [None] * len(tasks)
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
        futures = {pool.submit(fn, *args): k for k, args in enumerate(tasks)}
        for future in as_completed(futures):
            outputs[futures[future]] = future.result()
            tick(1)
    return outputs


def _run_dask(
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    client: Any,
    tick: Callable[[int], object],
) -> list[Any]:
    require_extra("dask", "dask", "distributed")
    from dask.distributed import Client, as_completed

    if isinstance(client, str):
        try:
            own = Client(client, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {client!r}: {exc}") from None
        except ValueError as exc:  # distributed's reply to a malformed address
            raise ClusterError(f"not a Dask scheduler address: {client!r} ({exc})") from None
        with own:
            return _run_dask(fn, tasks, own, tick)
    if not isinstance(client, Client):
        raise UsageError(
            "client must be a dask.distributed.Client or a scheduler address, "
            f"got {type(client).__name__}"
        )
    if not tasks:
        return []
    columns = [list(column) for column in zip(*tasks, strict=True)]
    futures = client.map(fn, *columns, pure=False)
    for _ in as_completed(futures, loop=client.loop):
        tick(1)
    return list(client.gather(futures))


class _NoBar:
    """The stand-in when no bar is wanted: tqdm is not even imported."""

    def update(self, n: int = 1) -> None:
        """Do nothing."""

    def close(self) -> None:
        """Do nothing."""


class progress_bar:
    """A progress bar for ``total`` tasks, shown only where someone can see it.

    Disabled (``enabled=False``): nothing at all. Enabled: ``tqdm.auto``, which draws a
    widget in a Jupyter kernel with ipywidgets (the ``notebooks`` extra) and text on a
    terminal; on a plain pipe or log file it stays silent. In a kernel without
    ipywidgets the text bar goes to the cell's stderr.

    >>> with progress_bar(2, enabled=False) as bar:
    ...     bar.update(2)
    """

    def __init__(self, total: int, *, enabled: bool, desc: str = "market days") -> None:
        self.total, self.enabled, self.desc = total, enabled, desc
        self.bar: Any = _NoBar()

    def __enter__(self) -> Any:
        if not self.enabled:
            return self.bar
        require_extra("sim", "tqdm")
        if _in_kernel():
            if find_spec("ipywidgets") is not None:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=self.total, desc=self.desc)
            else:  # tqdm.auto would warn that IProgress is missing and draw nothing
                from tqdm.std import tqdm as text_tqdm

                self.bar = text_tqdm(total=self.total, desc=self.desc, file=sys.stderr)
        else:
            from tqdm.auto import tqdm

            # disable=None: silent when stderr is not a terminal (logs, pipes, tests).
            self.bar = tqdm(total=self.total, desc=self.desc, disable=None)
        return self.bar

    def __exit__(self, *exc: object) -> None:
        self.bar.close()


def _in_kernel() -> bool:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})
