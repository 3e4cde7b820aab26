"""One extraction worker process: its loop in the child, and the parent's handle on it.

The child imports its task function once, then answers tasks from its pipe until told to
stop or until the parent is gone; with every answer it reports its resident memory and
CPU time, which is how the pool (archive/extract/pool.py) decides to recycle it and counts
the workers' CPU. The pool alone decides when a worker starts, stops or is killed; this
module only knows how to do each to one process.
"""

from __future__ import annotations

import importlib
import os
import resource
import signal
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from archive.gc_tuning import freeze_and_relax

# Grace for a worker told to stop (it finishes its page first) before it is killed.
STOP_TIMEOUT = 5.0


def resolve_task_function(dotted: str) -> Callable[..., Any]:
    """The function a "module:function" name stands for; the pool calls it once itself so
    that a wrong name fails at construction, not in every child."""
    module_name, _, attr = dotted.partition(":")
    if not module_name or not attr:
        raise ValueError(f"task_function must be 'module:function', got {dotted!r}")
    target: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f"task_function {dotted!r} is not callable")
    return target


def _worker_main(
    conn: Connection, task_function: str, memory_limit_mb: int | None, warm_up: bool
) -> None:
    """Child process: import once, then run tasks until told to stop or the parent is gone."""
    # Ctrl-C reaches the whole process group; the parent decides when workers stop, so a
    # keyboard interrupt must not kill them mid-task with a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_limit_mb:
        limit = memory_limit_mb * 1024 * 1024
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):
            pass  # a lower hard limit already applies
    try:
        function = resolve_task_function(task_function)
    except Exception as exc:
        _send_to_parent(conn, ("failed", f"cannot load task_function {task_function!r}: {exc!r}"))
        return
    if warm_up:
        # Before "ready", so the one-off loading is not charged to a page's timeout.
        from archive.extract.warmup import warm_up as warm_up_extractor

        warm_up_extractor()
    freeze_and_relax()
    if not _send_to_parent(conn, ("ready", os.getpid())):
        return
    page_size = os.sysconf("SC_PAGE_SIZE")
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # the parent died or closed the pipe
        if task is None:
            return
        try:
            kind, value = "ok", function(task)
        except BaseException as exc:  # noqa: B036 - report, then keep serving
            kind, value = "raised", f"{type(exc).__name__}: {exc}"
        # With every reply, so the parent can recycle a worker whose memory has grown,
        # and count the workers' CPU (forked by the fork server, they are not the
        # parent's children: its rusage never sees them).
        rss, cpu = _resident_bytes(page_size), time.process_time()
        try:
            conn.send((kind, value, rss, cpu))
        except (OSError, EOFError):
            return  # the parent is gone
        except Exception as exc:  # an unpicklable or oversized return value
            if not _send_to_parent(
                    conn, ("raised", f"cannot send result: {type(exc).__name__}: {exc}",
                           rss, cpu)):
                return


def _send_to_parent(conn: Connection, message: tuple[Any, ...]) -> bool:
    """Send ``message``; False if the parent has closed its end or exited.

    A worker still warming up when its pool is closed (a run with next to nothing to
    extract ends within a worker's start-up) or when the parent process exits finds the
    pipe closed: nobody waits for it any more, so it leaves quietly instead of dying on a
    BrokenPipeError traceback printed after the run's summary.
    """
    try:
        conn.send(message)
    except (OSError, EOFError):  # BrokenPipeError, ConnectionResetError
        return False
    return True


def _resident_bytes(page_size: int) -> int:
    """This process's resident memory now (Linux), else its peak (other Unixes)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * page_size
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024  # bytes there, KiB here


class Worker:
    """The parent's handle on one worker process: its pipe, and what it last reported."""

    def __init__(
        self, context: Any, task_function: str, memory_limit_mb: int | None, warm_up: bool
    ) -> None:
        parent_end, child_end = context.Pipe(duplex=True)
        self.conn: Connection = parent_end
        self.process = context.Process(
            target=_worker_main,
            args=(child_end, task_function, memory_limit_mb, warm_up),
            name="pressarchive-extractor",
            daemon=True,  # never outlive the crawl, even if close() is skipped
        )
        self.process.start()
        # Only the child may hold its end: with our copy open, a dead child would never
        # read as EOF here.
        child_end.close()
        self.ready = False
        self.tasks = 0
        self.resident_bytes = 0  # as of its last reply
        self.cpu_seconds = 0.0  # as of its last reply

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def wait_ready(self, timeout: float) -> str:
        """"" when ready, else why not."""
        if self.ready:
            return ""
        try:
            if not self.conn.poll(timeout):
                return f"worker did not start within {timeout:.0f}s"
            kind, value = self.conn.recv()
        except (EOFError, OSError):
            return f"worker died while starting ({self.exit_description()})"
        if kind != "ready":
            return str(value)
        self.ready = True
        return ""

    def exit_description(self) -> str:
        self.process.join(1.0)
        code = self.process.exitcode
        if code is None:
            return "still running"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"

    def started(self) -> bool:
        """Past its import and warm-up (its "ready" is sent), or dead."""
        try:
            return self.ready or self.conn.poll(0)
        except (OSError, ValueError):
            return True  # dead: whoever looks next finds out and cleans up

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()  # SIGKILL: a worker stuck in C code ignores anything softer
        self.process.join(STOP_TIMEOUT)
        self.conn.close()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout)
        self.kill()
