"""Extraction in killable worker processes.

trafilatura cannot be interrupted from Python (its timeout works only on its CLI, via
signals), can run for minutes on pathological pages, and threads add no throughput
(tree walking holds the GIL). So each extraction runs in a child process that the pool
kills when it overruns, and replaces.

Use from a Twisted/Scrapy pipeline through a thread, never on the reactor thread:

    pool = ExtractorPool(workers=2, timeout=30)
    result = yield deferToThread(pool.extract, ExtractionTask(body, url, language="en"))

`extract` blocks until a worker is free and is safe to call from many threads at once.

This module is the pool: how many workers, which one gets a page, when one is killed,
recycled or replaced, and what the callers get back. One worker process, both its loop
and the parent's handle on it, is archive/extract/worker.py.
"""

from __future__ import annotations

import collections
import logging
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from archive.extract.task import ExtractionResult, ExtractionTask
from archive.extract.worker import STOP_TIMEOUT, Worker, resolve_task_function

logger = logging.getLogger(__name__)

DEFAULT_TASK = "archive.extract.text:extract"
WARM_PRELOAD = "archive.extract.warm_worker"
# A worker is recycled when its resident memory has grown past this (fragmentation after a
# huge page, a leak in C code), not after a fixed number of pages: over 4,000 real pages
# one worker levels off at about 170 MB. (Spawned, each replacement cost 4-6 s of CPU for
# import and warm-up, about 8 % of a 2-core machine's extraction time when it came every
# 1,000 pages; forked from the warm fork server it costs milliseconds.)
DEFAULT_RECYCLE_RSS_MB = 512
# Backstop for creep that resident memory does not show.
DEFAULT_MAX_TASKS = 10_000
# A spawned worker imports trafilatura and warms up (about 4 s, more on a loaded machine),
# and so does the fork server before its first worker; this bounds that, separately from
# the per-task timeout.
STARTUP_TIMEOUT = 60.0


class PoolClosed(RuntimeError):
    """extract() was called on a closed pool: the page was not extracted (not an error
    of the page, so it must not be recorded as one)."""


class ExtractorPool:
    """Up to `workers` processes running `archive.extract.extract` on ExtractionTasks.

    timeout               wall-clock seconds per page; the worker is then SIGKILLed
    recycle_rss_mb        a worker is replaced after a page that leaves its resident
                          memory above this (memory creep); None: never for memory
    max_tasks_per_worker  a worker is replaced after this many pages in any case
    memory_limit_mb       RLIMIT_AS of each worker; None for no limit
    task_function         "module:function" run instead of extract on each
                          ExtractionTask; for tests (a task that sleeps or crashes on
                          demand). It must be importable in a fresh interpreter.
    start_method          "forkserver" (default) or "spawn"; never fork, which would copy
                          the locks of the caller's other threads (the reactor's) mid-use.
                          The fork server is a fresh single-threaded interpreter that
                          imports and warms up trafilatura once (archive.extract.warm_worker);
                          each worker forked from it starts warm in milliseconds, where a
                          spawned one spends 2-4 s of CPU first, at every recycling too
    stop_timeout          grace for busy workers in close()
    warm_up               load trafilatura's lazy data (3-4 s) before a worker's first task
    """

    def __init__(
        self,
        workers: int | None = None,
        timeout: float = 30.0,
        max_tasks_per_worker: int = DEFAULT_MAX_TASKS,
        memory_limit_mb: int | None = 2048,
        *,
        recycle_rss_mb: int | None = DEFAULT_RECYCLE_RSS_MB,
        task_function: str | Callable[..., Any] = DEFAULT_TASK,
        start_method: str = "forkserver",
        stop_timeout: float = STOP_TIMEOUT,
        warm_up: bool = True,
    ) -> None:
        if start_method not in ("spawn", "forkserver"):
            raise ValueError("start_method must be 'spawn' or 'forkserver'")
        if callable(task_function):
            task_function = f"{task_function.__module__}:{task_function.__qualname__}"
        resolve_task_function(task_function)  # fail here, not in every child
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.timeout = float(timeout)
        self.max_tasks_per_worker = max(1, max_tasks_per_worker)
        self.recycle_rss_bytes = recycle_rss_mb * 1024 * 1024 if recycle_rss_mb else None
        self.memory_limit_mb = memory_limit_mb
        self.task_function = task_function
        self.stop_timeout = stop_timeout
        self.warm_up = warm_up
        self._context = mp.get_context(start_method)
        if start_method == "forkserver":
            # Process-wide, and only heeded before the fork server's first start.
            self._context.set_forkserver_preload([WARM_PRELOAD])
        self._lock = threading.Lock()
        self._available = threading.Condition(self._lock)
        self._idle: list[Worker] = []
        self._live: set[Worker] = set()  # idle and busy
        self._slots = 0  # workers running or being started; at most self.workers
        self._closed = False
        self.tasks_done = 0
        self.timeouts = 0
        self.crashes = 0
        self.recycled = 0
        self._retired_cpu_seconds = 0.0
        # The largest resident memory any worker reported after a page.
        self.peak_worker_rss_bytes = 0

    # ------------------------------------------------------------------ lifecycle

    def start(self, *, wait: bool = True) -> ExtractorPool:
        """Start all workers now instead of on first use.

        The first start in a process waits for the fork server's import and warm-up
        (seconds); wait=False does that in a background thread and returns at once, for
        a caller with other work meanwhile (a reactor thread must never block on it).
        """
        self._check_open()
        if not wait:
            # close() does not wait for this thread: it kills the worker it is creating once
            # it exists (_add_idle), or if this process has exited by then, the worker finds
            # its pipe closed and leaves quietly (_send_to_parent in worker.py).
            threading.Thread(target=self._start_in_background, daemon=True,
                             name="extractor-pool-start").start()
            return self
        while True:
            with self._lock:
                self._check_open()
                if self._slots >= self.workers:
                    return self
                self._slots += 1
            self._add_idle(self._spawn())

    def _start_in_background(self) -> None:
        try:
            self.start()
        except PoolClosed:
            pass  # closed while starting: nothing to start for
        except Exception as exc:  # noqa: BLE001 - the next extract() starts its own
            logger.warning("extraction workers did not start in advance: %s", exc)

    def _add_idle(self, worker: Worker) -> None:
        with self._available:
            if not self._closed:
                self._idle.append(worker)
                self._available.notify()
                return
        # close() ran while this one was starting: it never saw it.
        worker.kill()
        self._forget(worker)

    def close(self) -> None:
        """Stop every worker: idle ones at once, busy ones when their task ends; kill any
        still busy after stop_timeout (their callers get PoolClosed)."""
        with self._available:
            if self._closed:
                return
            self._closed = True
            idle, self._idle = self._idle, []
            self._available.notify_all()
        for worker in idle:
            if worker.started():
                self._retire(worker)
            else:
                # Still importing or warming up (a replacement started near the end): it
                # holds no task, and a polite stop would wait seconds for its warm-up.
                worker.kill()
                self._forget(worker)
        if self._wait_until_no_workers(self.stop_timeout):
            return
        # Busy past the grace period: kill the processes; each caller sees its pipe close,
        # gets PoolClosed and cleans up its worker (closing the pipe under it here could
        # hand its descriptor number to someone else mid-poll).
        with self._lock:
            leftovers = list(self._live)
        for worker in leftovers:
            if worker.process.is_alive():
                worker.process.kill()
        if self._wait_until_no_workers(STOP_TIMEOUT):
            return
        with self._lock:
            leftovers = list(self._live)
        for worker in leftovers:
            worker.kill()
            self._forget(worker)

    def _wait_until_no_workers(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if not self._live:
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def __enter__(self) -> ExtractorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def worker_pids(self) -> list[int]:
        with self._lock:
            return sorted(w.pid for w in self._live if w.pid is not None)

    # ------------------------------------------------------------------ extraction

    def extract(self, task: ExtractionTask) -> ExtractionResult:
        """Blocking and thread-safe. Returns a result for every page (status "timeout" or
        "error" when the worker overran or died); raises only PoolClosed."""
        # Answered here: shipping 20+ MB through a pipe to say "too large" is waste.
        too_large = task.too_large()
        if too_large is not None:
            return too_large
        return self._run(task)

    def extract_many(
        self,
        tasks: Iterable[ExtractionTask],
        *,
        window: int = 0,
        window_bytes: int = 64 * 1024 * 1024,
    ) -> Iterator[ExtractionResult]:
        """extract() of every task, the results in task order.

        At most `window` tasks (default and minimum 2 x workers) are read ahead of the
        result being waited for, and beyond 2 x workers only while their bodies total
        less than `window_bytes`, so a long iterable is never read far ahead. Results come
        in order, so a deeper window is what keeps the other workers busy while one works
        through a slow page (a few seconds is common on real pages).
        """
        window = max(window, 2 * self.workers)
        executor = ThreadPoolExecutor(max_workers=self.workers,
                                      thread_name_prefix="extract-many")
        pending: collections.deque[tuple[Future[ExtractionResult], int]] = collections.deque()
        in_flight = 0
        try:
            for task in tasks:
                size = len(task.body)
                pending.append((executor.submit(self.extract, task), size))
                in_flight += size
                while pending and (
                    len(pending) >= window
                    or (len(pending) > 2 * self.workers and in_flight >= window_bytes)
                ):
                    future, size = pending.popleft()
                    in_flight -= size
                    yield future.result()
            while pending:
                future, _ = pending.popleft()
                yield future.result()
        finally:
            # Abandoned early (an error, a closed generator): the queued pages are not run.
            executor.shutdown(wait=True, cancel_futures=True)

    def _run(self, task: ExtractionTask) -> Any:
        url = task.url
        for attempt in range(2):
            worker = self._acquire()
            problem = worker.wait_ready(STARTUP_TIMEOUT)
            if problem:
                self._discard(worker, crashed=True)
                return ExtractionResult(status="error", url=url,
                                        error=f"extraction worker failed: {problem}")
            try:
                worker.conn.send(task)
            except (OSError, ValueError):
                # Died while idle, before it saw this task: not the page's fault, retry once.
                self._discard(worker, crashed=True)
                if attempt == 0:
                    continue
                return ExtractionResult(status="error", url=url,
                                        error="extraction worker died before the task")
            try:
                if not worker.conn.poll(self.timeout):
                    self._discard(worker, timed_out=True)
                    return ExtractionResult(
                        status="timeout", url=url,
                        error=f"extraction exceeded {self.timeout:g}s",
                    )
                kind, value, worker.resident_bytes, worker.cpu_seconds = worker.conn.recv()
                self.peak_worker_rss_bytes = max(self.peak_worker_rss_bytes,
                                                 worker.resident_bytes)
            except (EOFError, OSError):
                how = worker.exit_description()
                if self._closed:
                    self._discard(worker)
                    raise PoolClosed("ExtractorPool closed during the extraction") from None
                self._discard(worker, crashed=True)
                return ExtractionResult(
                    status="error", url=url,
                    error=f"extraction worker died ({how}); memory limit or a crash in C code",
                )
            self._release(worker)
            if kind == "raised":  # only a custom task_function can raise
                return ExtractionResult(status="error", url=url, error=str(value))
            return value
        raise AssertionError("unreachable")

    @property
    def worker_cpu_seconds(self) -> float:
        """CPU time of every worker so far, as each reported with its last result (the
        page a worker was killed on is not in it; the fork server's warm-up is not)."""
        with self._lock:
            return self._retired_cpu_seconds + sum(w.cpu_seconds for w in self._live)

    # ------------------------------------------------------------------ worker bookkeeping

    def _check_open(self) -> None:
        if self._closed:
            raise PoolClosed("ExtractorPool is closed")

    def _spawn(self) -> Worker:
        try:
            worker = Worker(self._context, self.task_function, self.memory_limit_mb,
                             self.warm_up)
        except BaseException:
            with self._available:
                self._slots -= 1
                self._available.notify()
            raise
        with self._lock:
            self._live.add(worker)
        return worker

    def _acquire(self) -> Worker:
        with self._available:
            while True:
                self._check_open()
                while self._idle:
                    worker = self._take_idle()
                    if worker.process.is_alive():
                        return worker
                    # Died while idle (killed from outside, OOM killer): replace quietly.
                    self._live.discard(worker)
                    self._slots -= 1
                    self.crashes += 1
                    worker.conn.close()
                if self._slots < self.workers:
                    self._slots += 1
                    break
                self._available.wait()
        # Started outside the lock: process creation must not stall the other callers.
        return self._spawn()

    def _take_idle(self) -> Worker:
        # A started worker before one still importing and warming up (a replacement after
        # a timeout takes seconds): nobody waits for it while another is ready.
        for index in range(len(self._idle) - 1, -1, -1):
            if self._idle[index].started():
                return self._idle.pop(index)
        return self._idle.pop()

    def _release(self, worker: Worker) -> None:
        worker.tasks += 1
        grown = (self.recycle_rss_bytes is not None
                 and worker.resident_bytes > self.recycle_rss_bytes)
        with self._available:
            self.tasks_done += 1
            recycle = self._closed or grown or worker.tasks >= self.max_tasks_per_worker
            if not recycle:
                self._idle.append(worker)
                self._available.notify()
                return
            if not self._closed:
                self.recycled += 1
        # Recycled to return memory that a long-lived worker keeps.
        self._retire(worker)
        self._replace()

    def _retire(self, worker: Worker) -> None:
        worker.stop()
        self._forget(worker)

    def _discard(self, worker: Worker, *, timed_out: bool = False, crashed: bool = False) -> None:
        worker.kill()
        with self._available:
            if timed_out:
                self.timeouts += 1
            if crashed:
                self.crashes += 1
        self._forget(worker)
        self._replace()

    def _replace(self) -> None:
        """Start a successor now: it imports while its predecessor's caller returns, so
        the next task does not pay for the start-up."""
        with self._available:
            if self._closed or self._slots >= self.workers:
                return
            self._slots += 1
        worker = self._spawn()
        with self._available:
            if self._closed:
                closed = True
            else:
                closed = False
                self._idle.append(worker)
                self._available.notify()
        if closed:
            self._retire(worker)

    def _forget(self, worker: Worker) -> None:
        with self._available:
            if worker in self._live:
                self._retired_cpu_seconds += worker.cpu_seconds
                self._live.discard(worker)
                self._slots -= 1
                self._available.notify()
