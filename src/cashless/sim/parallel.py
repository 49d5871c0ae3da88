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

import contextlib
import multiprocessing
import re
import sys
import time
from collections.abc import Callable, Sequence
from importlib.util import find_spec
from typing import Any

from cashless.errors import ClusterError, UsageError, require_extra

__all__ = [
    "CONNECT_TIMEOUT_S",
    "RESULT_TIMEOUT_S",
    "check_scheduler_address",
    "check_workers",
    "progress_bar",
    "run_tasks",
]


#: Seconds to reach a scheduler, and then to see at least one worker on it.
CONNECT_TIMEOUT_S = 10.0
#: Seconds a cluster may go without finishing any task before the run is given up.
RESULT_TIMEOUT_S = 600.0

_INPROC = re.compile(r"^inproc://[\w.:/-]+$")
_ADDRESS = re.compile(
    r"^(?:(?P<scheme>tcp|tls|ws|wss)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)"
    r":(?P<port>\d{1,5})/?$"
)


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
    connect_timeout: float = CONNECT_TIMEOUT_S,
    result_timeout: float | None = RESULT_TIMEOUT_S,
) -> list[Any]:
    """Return ``[fn(*args) for args in tasks]``, computed on the chosen backend.

    ``client``: a ``dask.distributed.Client`` or a scheduler address
    (``"tcp://host:8786"``; needs the ``dask`` extra); otherwise ``workers`` local
    processes (1 runs in this process). ``progress`` shows a bar (see
    :func:`progress_bar`). ``preload`` names modules that local workers import once,
    before the first task. Raises :class:`~cashless.errors.UsageError` for a bad
    worker count and :class:`~cashless.errors.ClusterError` when a scheduler address is
    malformed, cannot be reached within ``connect_timeout`` seconds, shows no worker
    within that time, or finishes no task for ``result_timeout`` seconds (``None``: no
    limit). A client made here from an address is closed on every path.

    A scheduler runs code on this machine's behalf and its results are unpickled here:
    use only a scheduler you trust as you trust this machine.
    """
    if client is None:
        check_workers(workers)
    with progress_bar(len(tasks), enabled=progress, desc=desc) as bar:
        if client is not None:
            return _run_dask(fn, tasks, client, bar.update, connect_timeout, result_timeout)
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


def check_scheduler_address(address: object) -> str:
    """``address`` as ``scheme://host:port``, checked before anything connects to it.

    >>> check_scheduler_address("10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    >>> check_scheduler_address("tcp://")
    Traceback (most recent call last):
    cashless.errors.ClusterError: not a Dask scheduler address: 'tcp://' (expected tcp://HOST:PORT)
    """
    if isinstance(address, str) and _INPROC.match(address):
        return address  # a scheduler inside this process (tests, notebooks)
    match = _ADDRESS.match(address) if isinstance(address, str) else None
    if match is None or not 0 < int(match["port"]) < 65536:
        raise ClusterError(f"not a Dask scheduler address: {address!r} (expected tcp://HOST:PORT)")
    return f"{match['scheme'] or 'tcp'}://{match['host']}:{int(match['port'])}"


def _run_dask(
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    client: Any,
    tick: Callable[[int], object],
    connect_timeout: float,
    result_timeout: float | None,
) -> list[Any]:
    require_extra("dask", "dask", "distributed")
    from dask.distributed import Client

    if isinstance(client, str):
        address = check_scheduler_address(client)
        own = _connect(Client, address, connect_timeout)
        try:
            _wait_for_workers(own, address, connect_timeout)
            return _run_on(own, fn, tasks, tick, address, result_timeout)
        finally:
            _close(own, connect_timeout)
    if not isinstance(client, Client):
        raise UsageError(
            "client must be a dask.distributed.Client or a scheduler address, "
            f"got {type(client).__name__}"
        )
    return _run_on(
        client, fn, tasks, tick, str(getattr(client.scheduler, "address", "?")), result_timeout
    )


def _connect(client_type: Any, address: str, timeout: float, attempts: int = 2) -> Any:
    # A sound scheduler very rarely answers the handshake out of order (distributed asserts
    # on its first message); one more attempt tells that apart from a port that is not Dask,
    # which fails the same way every time.
    for attempt in range(1, attempts + 1):
        try:
            return client_type(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ClusterError(
                f"cannot reach the Dask scheduler at {address!r} within {timeout:g} s: {reason}"
            ) from None
        except Exception as exc:  # an HTTP port, another protocol: whatever it is, not Dask
            if attempt < attempts:
                time.sleep(0.2)
                continue
            raise ClusterError(
                f"{address!r} did not answer as a Dask scheduler ({type(exc).__name__})"
            ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _wait_for_workers(client: Any, address: str, timeout: float) -> None:
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (TimeoutError, OSError):
        raise ClusterError(
            f"the Dask scheduler at {address!r} has no workers (waited {timeout:g} s); "
            "start one with `dask worker " + address + "`"
        ) from None


def _close(client: Any, timeout: float) -> None:
    # Best effort: the run's own outcome (its result or its error) is what the caller sees.
    with contextlib.suppress(Exception):
        client.close(timeout=timeout)


def _run_on(
    client: Any,
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    tick: Callable[[int], object],
    address: str,
    result_timeout: float | None,
) -> list[Any]:
    from dask.distributed import as_completed

    if not tasks:
        return []
    columns = [list(column) for column in zip(*tasks, strict=True)]
    futures = client.map(fn, *columns, pure=False)
    try:
        for _ in as_completed(futures, loop=client.loop, timeout=result_timeout):
            tick(1)
        return list(client.gather(futures))
    except TimeoutError:
        raise ClusterError(
            f"no result from the Dask scheduler at {address!r} for {result_timeout:g} s "
            "(no workers left, or a task that does not end)"
        ) from None
    except (OSError, ConnectionError) as exc:
        raise ClusterError(f"lost the Dask scheduler at {address!r}: {exc}") from None
    finally:
        client.cancel(futures)


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
