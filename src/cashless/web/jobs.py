"""Long work off the request path: a sheet of 2,000 cards renders in a worker thread while
the page keeps answering; its progress is polled.

:func:`cashless.stalls.sheet.render_sheet` reports no progress of its own, so progress is
the time spent against the time the same number of cards took last time (a first guess
before any sheet was made), shown as an estimate and held below 100 % until done.

>>> jobs = Jobs(workers=1)
>>> job = jobs.start(lambda: ("done", "ok"), cards=3)
>>> jobs.wait(job.id, timeout=5).state, job.result
('done', ('done', 'ok'))
>>> jobs.close()
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Job", "Jobs"]

_FIRST_GUESS_S_PER_CARD = 0.05  # a 2,000-card A4 sheet took ~2 min on a busy 2-core PC
_KEEP = 8  # finished jobs kept in memory (their PDFs)


@dataclass
class Job:
    """One piece of work: ``queued``, ``running``, ``done`` or ``failed``."""

    id: str
    cards: int
    options: dict[str, Any] = field(default_factory=dict)
    kind: str = "print"  # the page whose job it is: its routes serve no other page's
    state: str = "queued"
    started: float = 0.0
    finished: float = 0.0
    result: Any = None
    error: str = ""
    expected_s: float = 0.0

    def percent(self, now: float | None = None) -> int:
        """Progress in per cent: 100 when finished, an estimate below 99 until then."""
        if self.state in ("done", "failed"):
            return 100
        if self.state == "queued" or self.expected_s <= 0:
            return 0
        now = time.monotonic() if now is None else now
        return min(99, int(100 * (now - self.started) / self.expected_s))


class Jobs:
    """A small pool of worker threads and the jobs it ran (the last few kept)."""

    def __init__(self, workers: int = 1) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cashless-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._seconds_per_card = _FIRST_GUESS_S_PER_CARD
        self._done = threading.Condition(self._lock)

    def start(
        self, work: Callable[[], Any], *, cards: int, kind: str = "print", **options: Any
    ) -> Job:
        """Queue ``work`` (returns the result kept on the job); ``cards`` sizes the estimate."""
        job = Job(secrets.token_urlsafe(12), cards, dict(options), kind)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > _KEEP:
                oldest = next(iter(self._jobs.values()))
                if oldest.state not in ("done", "failed"):
                    break
                self._jobs.popitem(last=False)
        self._pool.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Callable[[], Any]) -> None:
        with self._lock:
            job.state = "running"
            job.started = time.monotonic()
            job.expected_s = max(0.5, job.cards * self._seconds_per_card)
        try:
            result = work()
        except Exception as exc:  # the job's page says what went wrong
            with self._done:
                job.state, job.error = "failed", str(exc) or exc.__class__.__name__
                job.finished = time.monotonic()
                self._done.notify_all()
            return
        with self._done:
            job.result, job.state = result, "done"
            job.finished = time.monotonic()
            if job.cards:
                self._seconds_per_card = (job.finished - job.started) / job.cards
            self._done.notify_all()

    def get(self, job_id: str, kind: str | None = None) -> Job | None:
        """The job with this id, if it is still kept (and of ``kind``, when given)."""
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and kind in (None, job.kind) else None

    def wait(self, job_id: str, timeout: float) -> Job | None:
        """Wait until the job is finished (or ``timeout`` seconds) and return it."""
        deadline = time.monotonic() + timeout
        with self._done:
            while True:
                job = self._jobs.get(job_id)
                left = deadline - time.monotonic()
                if job is None or job.state in ("done", "failed") or left <= 0:
                    return job
                self._done.wait(left)

    def close(self) -> None:
        """Stop taking work; running jobs finish."""
        self._pool.shutdown(wait=False, cancel_futures=True)
