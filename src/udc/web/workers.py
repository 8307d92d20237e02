"""Heavy work off the event loop: one bounded pool for every kind of it (gate tables, exports, photos, PDFs, map
documents), so that one request can never freeze the pages, sign-in or Open311.

Why a pool of *admissions* over the ordinary thread pool rather than a queue: a queue of heavy jobs behind each
other makes every later one wait for minutes, and a freeze is exactly what is being prevented. So a job is admitted
at once or answered 503 with ``Retry-After`` at once, on three limits:

- **slots per kind**: at most this many jobs of the kind at the same time (a PDF starts a Chromium of its own, so one
  at a time; photos are short and release the GIL while Pillow decodes, so more);
- **a memory budget** shared by all kinds, in bytes: each job is charged what it will hold (a photo: its pixels, known
  from the header before decoding; an export: its rows and columns once read, see :meth:`Job.reserve`), so four
  large jobs of different kinds cannot add up beyond the budget;
- **a time limit per kind**: after it the request is answered 503 and, where the work can be stopped (a DuckDB query:
  ``cancel`` interrupts the cursor), it is. Work that cannot be stopped (writing an xlsx) finishes in the background
  and keeps its slot and memory until then, so the limits stay true however slow it is.

Threads are right for work that releases the GIL (DuckDB, Arrow, Chromium in a process of its own) or is short
and bounded (a photo: at most its pixel budget). Long pure-Python work would take the GIL from the pages even on a
thread — writing an xlsx of the largest release (~5 s) made the home page 5× slower — so it runs in a worker
process (:meth:`Pool.in_process`): admitted and charged like the rest, but off the server's interpreter.
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from udc.errors import UdcError, Unavailable
from udc.settings import WORK_MEMORY_MB, Settings, current

T = TypeVar("T")
MB = 1024 * 1024


class Busy(Unavailable):
    """Every worker of a kind is busy or the memory budget is spent: try again after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    """What one kind of heavy work may use. ``seconds``: None when the work bounds its own time (a gate query is
    interrupted at the policy's limit; filing a photo is bounded by its pixel budget and must not be answered
    'failed' after the report was stored)."""

    slots: int
    seconds: float | None
    memory: int  # bytes charged for a job of this kind unless it states its own estimate
    what: str  # in the one-line 503: "every {what} worker is busy"


LIMITS: dict[str, Limit] = {
    "gate": Limit(2, None, 128 * MB, "table"),
    "export": Limit(2, 60.0, 64 * MB, "download"),
    "photo": Limit(4, None, 16 * MB, "photo"),
    "pdf": Limit(1, 120.0, 64 * MB, "PDF"),  # Chromium itself is stopped at 180 s (printing.pdf)
    "map": Limit(2, 30.0, 64 * MB, "map"),
}
MEMORY = WORK_MEMORY_MB * MB  # the budget all heavy work shares (UDC_WORK_MEMORY_MB overrides; see docs/web.md)
RETRY_AFTER = 10  # seconds a 503 "busy" asks the client to wait


def memory_budget(settings: Settings | None = None) -> int:
    """``UDC_WORK_MEMORY_MB`` or :data:`MEMORY`: the bytes heavy work may hold at once (checked by the settings)."""
    return (settings or current()).work_memory_mb * MB


class Job:
    """One admitted job: its kind and the bytes it is charged; :meth:`reserve` charges more once the size is known."""

    def __init__(self, pool: Pool, kind: str, memory: int) -> None:
        self.pool, self.kind, self.memory = pool, kind, memory

    def reserve(self, total: int) -> None:
        """Charge the job ``total`` bytes in all (its estimate once the data is read): 503 when the budget cannot
        cover it now, 422 when the whole budget could never cover it (asking again would not help)."""
        extra = total - self.memory
        if extra > 0:
            self.pool._charge(self.kind, extra, total)
            self.memory = total


class Pool:
    """Admission of heavy work: slots per kind, one memory budget, a time limit per kind (see the module)."""

    def __init__(self, limits: dict[str, Limit] | None = None, memory: int | None = None) -> None:
        self.limits = dict(limits or LIMITS)
        self.memory = memory if memory is not None else memory_budget()
        self._lock = threading.Lock()
        self._running = dict.fromkeys(self.limits, 0)
        self._held = 0
        self._processes: ProcessPoolExecutor | None = None

    def in_process(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker process, waited for on the calling worker thread (which gives up the GIL
        meanwhile): for long pure-Python work of an admitted job. Processes are started from a clean server
        (forkserver, never a fork of this threaded one), as many as the export slots, and replaced after a few jobs
        so the memory they held goes back to the system."""
        with self._lock:
            if self._processes is None:
                self._processes = ProcessPoolExecutor(
                    max_workers=max(1, self.limits["export"].slots),
                    mp_context=multiprocessing.get_context("forkserver"),
                    max_tasks_per_child=8,
                )
            processes = self._processes
        return processes.submit(function, *args).result()

    def shutdown(self) -> None:
        """Stop the worker processes (the server is stopping)."""
        with self._lock:
            processes, self._processes = self._processes, None
        if processes is not None:
            processes.shutdown(wait=False, cancel_futures=True)

    def usage(self) -> dict[str, Any]:
        """Jobs running per kind and bytes held (for tests and operators)."""
        with self._lock:
            return {"running": dict(self._running), "held": self._held, "budget": self.memory}

    def _charge(self, kind: str, extra: int, total: int) -> None:
        if total > self.memory:
            raise UdcError(
                f"this {self.limits[kind].what} needs about {total // MB} MB, more than the server's "
                f"{self.memory // MB} MB for such work: ask for less (a filter, csv)"
            )
        with self._lock:
            if self._held + extra > self.memory:
                raise Busy(
                    f"the server is busy with other large {self.limits[kind].what}s: try again in "
                    f"{RETRY_AFTER} seconds",
                    RETRY_AFTER,
                )
            self._held += extra

    def _admit(self, kind: str, memory: int | None) -> Job:
        limit = self.limits[kind]
        cost = limit.memory if memory is None else max(memory, 0)
        if cost > self.memory:
            raise UdcError(
                f"this {limit.what} needs about {cost // MB} MB, more than the server's "
                f"{self.memory // MB} MB for such work"
            )
        with self._lock:
            if self._running[kind] >= limit.slots:
                raise Busy(
                    f"every {limit.what} worker is busy ({limit.slots} at once): try again in {RETRY_AFTER} seconds",
                    RETRY_AFTER,
                )
            if self._held + cost > self.memory:
                raise Busy(f"the server is busy with other large work: try again in {RETRY_AFTER} seconds", RETRY_AFTER)
            self._running[kind] += 1
            self._held += cost
        return Job(self, kind, cost)

    def _release(self, job: Job) -> None:
        with self._lock:
            self._running[job.kind] -= 1
            self._held -= job.memory

    async def run(
        self,
        kind: str,
        work: Callable[[Job], T],
        *,
        memory: int | None = None,
        cancel: Callable[[], None] | None = None,
    ) -> T:
        """``work(job)`` on a worker thread once admitted (else 503 at once); 503 after the kind's time limit, with
        ``cancel`` called to stop the work where it can be stopped. The slot and the memory stay taken until the
        work has really ended, even when the request was answered before."""
        limit = self.limits[kind]
        job = self._admit(kind, memory)
        try:
            task = asyncio.ensure_future(run_in_threadpool(work, job))
        except BaseException:
            self._release(job)
            raise
        task.add_done_callback(lambda done: (self._release(job), done.cancelled() or done.exception()))
        try:
            return await asyncio.wait_for(asyncio.shield(task), limit.seconds)
        except TimeoutError:
            if cancel is not None:
                cancel()
            raise Unavailable(
                f"the {limit.what} took longer than {limit.seconds:g} s and was stopped: ask for less, "
                "or try again later"
            ) from None


def excel(frame: Any) -> bytes:
    """A frame as an xlsx workbook (in a worker process: see :meth:`Pool.in_process`). xlsxwriter: twice as fast as
    openpyxl and a third of its memory."""
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, engine="xlsxwriter")
    return buffer.getvalue()
