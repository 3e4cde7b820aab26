"""The crawl process's end of the capture store: the writer process's client, or the
store run inline.

`WriterProcess` starts archive/capture/writer_process.py and talks to it through
pipes watched by the reactor; `InlineWriter` runs the store in the crawl process
(PRESSARCHIVE_WARC_WRITER_PROCESS off). Both answer a call with a Deferred, which is
what the Scrapy components await.
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import subprocess
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from archive.capture.store import OPERATIONS, CaptureStore, StoreConfig, StoreTotals
from archive.capture.writer_process import FRAME_HEADER, frame, write_frame

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

READ_SIZE = 1 << 20
CLOSE_TIMEOUT = 120.0
OPEN_TIMEOUT = 60.0
WRITER_MODULE = "archive.capture.writer_process"


class WriterProcessDied(RuntimeError):
    """The writer process is gone: nothing more can be stored in this crawl."""


class InlineWriter:
    """The store in the crawl process itself (PRESSARCHIVE_WARC_WRITER_PROCESS off)."""

    def __init__(self, config: StoreConfig):
        self.store = CaptureStore(config)

    def call(self, operation: str, *args: Any) -> Deferred:
        from twisted.internet.defer import fail, succeed

        if operation not in OPERATIONS:
            raise ValueError(f"unknown store operation {operation!r}")
        # A batch of one: its rows and its state are committed together or not at all,
        # as in the writer process.
        [(ok, value)] = self.store.run_batch([(operation, args)])
        return succeed(value) if ok else fail(value)

    def close(self) -> StoreTotals:
        return self.store.close()


class WriterProcess:
    """The crawl process's end, driven by the reactor: calls made in one reactor
    turn go out as one frame (one transaction in the writer), answers are read
    when the pipe is readable and fire their Deferreds in the reactor thread. No
    threads: handing each page to a thread and back cost more CPU than the
    pickling itself."""

    def __init__(self, config: StoreConfig, *, pass_fds: tuple[int, ...] = ()):
        self.process = subprocess.Popen(
            [sys.executable, "-m", WRITER_MODULE],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=pass_fds,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._stdin = self.process.stdin
        self._stdout = self.process.stdout
        self._pending: dict[int, Deferred] = {}
        self._next_id = 1
        self._dead: str | None = None
        self._batch: list[tuple[int, str, tuple]] = []
        self._flush_scheduled = False
        self._out = bytearray()
        self._in = bytearray()
        self._watching = False
        # Opening synchronously: an archive that cannot be opened stops the crawl
        # before it downloads anything.
        try:
            write_frame(self._stdin, [(0, "open", (config,))])
            [(_, ok, value)] = self._read_answer(self._next_frame_blocking(OPEN_TIMEOUT))
        except (EOFError, OSError, pickle.UnpicklingError, TimeoutError) as exc:
            self.process.kill()
            self.process.wait()
            raise WriterProcessDied(f"the archive writer process did not start: {exc}") from exc
        if not ok:
            self.process.wait()
            raise value
        os.set_blocking(self._stdin.fileno(), False)
        os.set_blocking(self._stdout.fileno(), False)
        self._reading = _PipeEnd(self._stdout.fileno(), self.read_ready, self.lost)
        self._writing = _PipeEnd(self._stdin.fileno(), self.write_ready, self.lost)
        from twisted.internet import reactor

        reactor.addReader(self._reading)
        self._watching = True

    def call(self, operation: str, *args: Any) -> Deferred:
        # Imported here: importing the reactor with this module would install
        # Twisted's default reactor before Scrapy installs the configured one.
        from twisted.internet import reactor
        from twisted.internet.defer import Deferred, fail

        if operation not in OPERATIONS:
            raise ValueError(f"unknown store operation {operation!r}")
        if self._dead:
            return fail(WriterProcessDied(self._dead))
        result: Deferred = Deferred()
        call_id = self._next_id
        self._next_id += 1
        self._pending[call_id] = result
        self._batch.append((call_id, operation, args))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            reactor.callLater(0, self._flush)
        return result

    def close(self, timeout: float = CLOSE_TIMEOUT) -> StoreTotals | None:
        """Finish the WARC file and the transactions, and wait for the process.

        Blocks the reactor thread: it runs when the crawl has ended."""
        from twisted.internet import reactor

        if self._watching:
            reactor.removeReader(self._reading)
            reactor.removeWriter(self._writing)
            self._watching = False
        totals = None
        if not self._dead:
            close_id = self._next_id
            self._next_id += 1
            self._batch.append((close_id, "close", ()))
            self._flush_scheduled = False
            try:
                os.set_blocking(self._stdin.fileno(), True)
                os.set_blocking(self._stdout.fileno(), True)
                self._out += frame(self._batch)
                self._batch = []
                self._stdin.write(bytes(self._out))
                self._stdin.flush()
                self._out.clear()
                self._stdin.close()
                totals = self._drain_until(close_id, timeout)
            except (OSError, ValueError, EOFError, pickle.UnpicklingError, TimeoutError) as exc:
                logger.error("the archive writer did not close cleanly: %s", exc)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            logger.error("the archive writer did not finish within %.0f s; killing it", timeout)
            self.process.kill()
            self.process.wait()
        self._fail_pending(f"the archive writer process exited (code {self.process.returncode})")
        return totals

    # -------------------------------------------------------------- pipe

    def _flush(self) -> None:
        self._flush_scheduled = False
        if not self._batch or self._dead:
            return
        self._out += frame(self._batch)
        self._batch = []
        self.write_ready()

    def write_ready(self) -> None:
        """Write what the pipe takes now; the reactor calls again when it takes more."""
        from twisted.internet import reactor

        try:
            while self._out:
                written = os.write(self._stdin.fileno(), self._out)
                del self._out[:written]
        except BlockingIOError:
            reactor.addWriter(self._writing)
            return
        except OSError as exc:
            self.lost(f"cannot write to the archive writer process: {exc}")
            return
        reactor.removeWriter(self._writing)

    def read_ready(self) -> None:
        ended = ""
        try:
            while True:
                data = os.read(self._stdout.fileno(), READ_SIZE)
                if not data:
                    ended = "the archive writer process exited"
                    break
                self._in += data
        except BlockingIOError:
            pass
        except OSError as exc:
            ended = f"cannot read from the archive writer process: {exc}"
        for replies in self._complete_frames():
            self._settle(self._read_answer(replies))
        if ended:
            self.lost(ended)

    def _settle(self, replies: list[tuple[int, bool, Any]]) -> None:
        for call_id, ok, value in replies:
            result = self._pending.pop(call_id, None)
            if result is not None:
                (result.callback if ok else result.errback)(value)

    def _complete_frames(self, limit: int = 0) -> list[Any]:
        frames: list[Any] = []
        while len(self._in) >= FRAME_HEADER.size and not (limit and len(frames) >= limit):
            (size,) = FRAME_HEADER.unpack_from(self._in)
            end = FRAME_HEADER.size + size
            if len(self._in) < end:
                break
            frames.append(pickle.loads(self._in[FRAME_HEADER.size:end]))
            del self._in[:end]
        return frames

    def _next_frame_blocking(self, timeout: float) -> Any:
        """The next whole frame, reading the pipe (raw, unbuffered) as needed."""
        deadline = time.monotonic() + timeout
        fd = self._stdout.fileno()
        while True:
            frames = self._complete_frames(limit=1)
            if frames:
                return frames[0]
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError(f"no answer from the archive writer within {timeout:.0f} s")
            data = os.read(fd, READ_SIZE)
            if not data:
                raise EOFError("the archive writer process exited")
            self._in += data

    def _drain_until(self, close_id: int, timeout: float) -> StoreTotals | None:
        """Blocking reads at close: answers still due, then the close's own."""
        while True:
            replies = self._read_answer(self._next_frame_blocking(timeout))
            for call_id, ok, value in replies:
                if call_id == close_id:
                    if not ok:
                        logger.error("archive writer: %s", value)
                    return value if ok else None
            self._settle(replies)

    @staticmethod
    def _read_answer(message: Any) -> list[tuple[int, bool, Any]]:
        replies, logs = message
        for name, level, text in logs:
            logging.getLogger(name).log(level, "%s", text)
        return replies

    def lost(self, why: str) -> None:
        from twisted.internet import reactor

        if self._watching:
            reactor.removeReader(self._reading)
            reactor.removeWriter(self._writing)
            self._watching = False
        self._fail_pending(why)

    def _fail_pending(self, why: str) -> None:
        if not self._dead:
            self._dead = why
        pending, self._pending = self._pending, {}
        self._batch = []
        for result in pending.values():
            result.errback(WriterProcessDied(self._dead))


class _PipeEnd:
    """One of the writer's pipes as the reactor watches it (an IReadDescriptor or
    IWriteDescriptor, duck-typed: the reactor calls these methods, it checks no
    declaration)."""

    def __init__(self, fd: int, ready: Callable[[], None], lost: Callable[[str], None]):
        self.fd = fd
        self.ready = ready
        self.lost = lost

    def fileno(self) -> int:
        return self.fd

    def doRead(self) -> None:
        self.ready()

    def doWrite(self) -> None:
        self.ready()

    def connectionLost(self, reason: Any) -> None:
        self.lost(f"the archive writer's pipe closed: {reason}")

    def logPrefix(self) -> str:
        return "writer process"

