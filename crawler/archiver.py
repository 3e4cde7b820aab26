"""The archive writer: a process of its own that writes WARC records, capture rows
and crawl state, so that the crawl process only downloads and parses.

Why a process: building records (digests), gzip, SQLite writes and their fsyncs
at WAL checkpoints cost about as much CPU per page as Scrapy's own work, and in
the crawl process they hold the GIL and the reactor thread (a checkpoint fsync
behind a busy disk once stalled every download for 19 s). In a process of its
own that work runs on the other core and never blocks a download.

The crawl process sends batches of calls (pickled, length-framed by pickle
itself) on the child's stdin; the child runs each batch in one SQLite
transaction, and answers only after the commit, so an acknowledged capture is
in the index. Log records of the child travel back with the answers and are
logged in the crawl process, under Scrapy's logging configuration. When the
crawl process dies, the child reads end-of-file, closes the WARC file cleanly
and exits; it holds a copy of the archive lock's descriptor, so no other crawl
can start on the directory before it is done.
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from crawler.exchange import OPERATIONS, ArchiveStore, StoreConfig, StoreTotals, short_message

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

# Every message is a pickle preceded by its length.
FRAME_HEADER = struct.Struct("<Q")
READ_SIZE = 1 << 20
CLOSE_TIMEOUT = 120.0
OPEN_TIMEOUT = 60.0


class ArchiverDied(RuntimeError):
    """The archive writer process is gone: nothing more can be archived in this crawl."""


class ArchiverCallError(RuntimeError):
    """A call failed in the writer with an exception that could not be sent back as is."""


# ---------------------------------------------------------------- child side


class _ForwardingHandler(logging.Handler):
    """Keeps the child's log records to send back with the next answer."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.records.append((record.name, record.levelno, record.getMessage()))
        except Exception:  # a bad format string must not kill the writer
            self.handleError(record)

    def take(self) -> list[tuple[str, int, str]]:
        records, self.records = self.records, []
        return records


def write_frame(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(FRAME_HEADER.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """The next message; EOFError at the end of the stream (or inside a frame)."""
    header = stream.read(FRAME_HEADER.size)
    if len(header) < FRAME_HEADER.size:
        raise EOFError
    (size,) = FRAME_HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


def _portable(exc: BaseException) -> BaseException:
    try:
        pickle.dumps(exc)
        return exc
    except Exception:
        return ArchiverCallError(f"{type(exc).__name__}: {short_message(exc)}")


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> bool:
    """The writer's loop: open the store, answer batches until close or end of input.

    False when the archive could not be opened or closed cleanly."""
    handler = _ForwardingHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def answer(replies: list[tuple[int, bool, Any]]) -> None:
        write_frame(stdout, (replies, handler.take()))

    try:
        _, _, (config,) = read_frame(stdin)[0]
        store = ArchiveStore(config)
    except EOFError:
        return False
    except Exception as exc:
        answer([(0, False, _portable(exc))])
        return False
    answer([(0, True, None)])
    close_id: int | None = None
    replies: list[tuple[int, bool, Any]] = []
    try:
        while close_id is None:
            try:
                batch = read_frame(stdin)
            except EOFError:  # the crawl process died: close cleanly
                break
            close_id = next((call_id for call_id, operation, _ in batch
                             if operation == "close"), None)
            replies = _run_batch(store, [call for call in batch if call[1] != "close"])
            if close_id is None:
                answer(replies)
    finally:
        totals, close_error = _close(store)
    if close_error is not None:
        # One line, not a traceback: the crawl logs it (or, if the crawl is gone,
        # stderr shows it); what was written before stays valid.
        if close_id is None:
            sys.stderr.write(f"archive writer: cannot close the archive: "
                             f"{short_message(close_error)}\n")
        else:
            answer([*replies, (close_id, False, _portable(close_error))])
        return False
    if close_id is not None:
        answer([*replies, (close_id, True, totals)])
    return True


def _run_batch(store: ArchiveStore, calls: list[tuple[int, str, tuple]]
               ) -> list[tuple[int, bool, Any]]:
    """One transaction per batch; a failed call (a WARC write on a full disk, say)
    fails only itself, a failed commit every call of the batch (see run_batch)."""
    results = store.run_batch([(operation, args) for _, operation, args in calls])
    return [(call_id, ok, value if ok else _portable(value))
            for (call_id, _, _), (ok, value) in zip(calls, results, strict=True)]


def _close(store: ArchiveStore) -> tuple[StoreTotals | None, Exception | None]:
    try:
        return store.close(), None
    except Exception as exc:
        return None, exc


def main() -> None:
    # Ctrl-C in a terminal and systemd's SIGTERM reach the whole process group: the
    # writer must not die before the crawl process has sent its last responses;
    # it ends when told to or when its input closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # stdout carries answers only: nothing else may print to it.
    stdout = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.exit(0 if serve(sys.stdin.buffer, stdout) else 1)


# ---------------------------------------------------------------- crawl side


class InlineArchiver:
    """The store in the crawl process itself (PRESSARCHIVE_WARC_WRITER_PROCESS off)."""

    def __init__(self, config: StoreConfig):
        self.store = ArchiveStore(config)

    def call(self, operation: str, *args: Any) -> Deferred:
        from twisted.internet.defer import fail, succeed

        if operation not in OPERATIONS:
            raise ValueError(f"unknown archive operation {operation!r}")
        # A batch of one: its rows and its state are committed together or not at all,
        # as in the writer process.
        [(ok, value)] = self.store.run_batch([(operation, args)])
        return succeed(value) if ok else fail(value)

    def close(self) -> StoreTotals:
        return self.store.close()


class ArchiverClient:
    """The crawl process's end, driven by the reactor: calls made in one reactor
    turn go out as one frame (one transaction in the writer), answers are read
    when the pipe is readable and fire their Deferreds in the reactor thread. No
    threads: handing each page to a thread and back cost more CPU than the
    pickling itself."""

    def __init__(self, config: StoreConfig, *, pass_fds: tuple[int, ...] = ()):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crawler.archiver"],
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
            raise ArchiverDied(f"the archive writer process did not start: {exc}") from exc
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
        # Imported here: the writer process itself never needs Twisted.
        from twisted.internet import reactor
        from twisted.internet.defer import Deferred, fail

        if operation not in OPERATIONS:
            raise ValueError(f"unknown archive operation {operation!r}")
        if self._dead:
            return fail(ArchiverDied(self._dead))
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
                self._out += self._frame(self._batch)
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

    @staticmethod
    def _frame(message: Any) -> bytes:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        return FRAME_HEADER.pack(len(data)) + data

    def _flush(self) -> None:
        self._flush_scheduled = False
        if not self._batch or self._dead:
            return
        self._out += self._frame(self._batch)
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
            result.errback(ArchiverDied(self._dead))


class _PipeEnd:
    """One of the writer's pipes as the reactor watches it (an IReadDescriptor or
    IWriteDescriptor; not declared, so the writer process never imports Twisted)."""

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
        return "archiver"


if __name__ == "__main__":
    main()
