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
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from crawler.exchange import ArchiveStore, StoreConfig, StoreTotals

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

# Calls the crawl process may make; anything else is refused by the child.
OPERATIONS = frozenset({"register_source", "archive", "record_extraction", "record_truncated"})
MAX_BATCH = 256
CLOSE_TIMEOUT = 120.0


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


def _portable(exc: BaseException) -> BaseException:
    try:
        pickle.dumps(exc)
        return exc
    except Exception:
        return ArchiverCallError(f"{type(exc).__name__}: {exc}")


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The writer's loop: open the store, answer batches until close or end of input."""
    handler = _ForwardingHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def answer(replies: list[tuple[int, bool, Any]]) -> None:
        pickle.dump((replies, handler.take()), stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()

    try:
        _, _, (config,) = pickle.load(stdin)[0]
        store = ArchiveStore(config)
    except EOFError:
        return
    except Exception as exc:
        answer([(0, False, _portable(exc))])
        return
    answer([(0, True, None)])
    close_id: int | None = None
    try:
        while close_id is None:
            try:
                batch = pickle.load(stdin)
            except EOFError:  # the crawl process died: close cleanly
                break
            replies: list[tuple[int, bool, Any]] = []
            with store.batch():
                for call_id, operation, args in batch:
                    if operation == "close":
                        close_id = call_id
                        continue
                    try:
                        if operation not in OPERATIONS:
                            raise ValueError(f"unknown archive operation {operation!r}")
                        replies.append((call_id, True, getattr(store, operation)(*args)))
                    except Exception as exc:
                        # One failed call (a full disk, say) fails only its response.
                        replies.append((call_id, False, _portable(exc)))
            if close_id is None:
                answer(replies)
    finally:
        try:
            totals = store.close()
        except Exception as exc:
            if close_id is not None:
                answer([*replies, (close_id, False, _portable(exc))])
            raise
    if close_id is not None:
        answer([*replies, (close_id, True, totals)])


def main() -> None:
    # Ctrl-C in a terminal and systemd's SIGTERM reach the whole process group: the
    # writer must not die before the crawl process has sent its last responses;
    # it ends when told to or when its input closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # stdout carries answers only: nothing else may print to it.
    stdout = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.stdin.buffer, stdout)


# ---------------------------------------------------------------- crawl side


class InlineArchiver:
    """The store in the crawl process itself (PRESSARCHIVE_WARC_WRITER_PROCESS off)."""

    def __init__(self, config: StoreConfig):
        self.store = ArchiveStore(config)

    def call(self, operation: str, *args: Any) -> Deferred:
        from twisted.internet.defer import fail, succeed

        if operation not in OPERATIONS:
            raise ValueError(f"unknown archive operation {operation!r}")
        try:
            return succeed(getattr(self.store, operation)(*args))
        except Exception as exc:
            return fail(exc)

    def close(self) -> StoreTotals:
        return self.store.close()


class ArchiverClient:
    """The crawl process's end: calls return Deferreds fired in the reactor thread."""

    def __init__(self, config: StoreConfig, *, pass_fds: tuple[int, ...] = ()):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crawler.archiver"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=pass_fds,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._stdin = self.process.stdin
        self._stdout = self.process.stdout
        self._lock = threading.Lock()
        self._pending: dict[int, Callable[[bool, Any], None]] = {}
        self._next_id = 1
        self._dead: str | None = None
        self._queue: queue.SimpleQueue[tuple[int, str, tuple] | None] = queue.SimpleQueue()
        self._closed_answer: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()
        # Opening synchronously: an archive that cannot be opened stops the crawl
        # before it downloads anything.
        try:
            self._write([(0, "open", (config,))])
            [(_, ok, value)] = self._read()
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            self.process.kill()
            self.process.wait()
            raise ArchiverDied(f"the archive writer process did not start: {exc}") from exc
        if not ok:
            self.process.wait()
            raise value
        threading.Thread(target=self._send_loop, name="archiver-send", daemon=True).start()
        threading.Thread(target=self._receive_loop, name="archiver-receive",
                         daemon=True).start()

    def call(self, operation: str, *args: Any) -> Deferred:
        if operation not in OPERATIONS:
            raise ValueError(f"unknown archive operation {operation!r}")
        # Imported here: the writer process itself never needs Twisted.
        from twisted.internet import reactor
        from twisted.internet.defer import Deferred, fail

        result: Deferred = Deferred()

        def settle(ok: bool, value: Any) -> None:
            if ok:
                reactor.callFromThread(result.callback, value)
            else:
                reactor.callFromThread(result.errback, value)

        with self._lock:
            if self._dead:
                return fail(ArchiverDied(self._dead))
            call_id = self._next_id
            self._next_id += 1
            self._pending[call_id] = settle
        self._queue.put((call_id, operation, args))
        return result

    def close(self, timeout: float = CLOSE_TIMEOUT) -> StoreTotals | None:
        """Finish the WARC file and the transactions, and wait for the process."""
        with self._lock:
            dead = self._dead
            if not dead:
                call_id = self._next_id
                self._next_id += 1
                self._pending[call_id] = lambda ok, value: self._closed_answer.put((ok, value))
        totals = None
        if not dead:
            self._queue.put((call_id, "close", ()))
            try:
                ok, value = self._closed_answer.get(timeout=timeout)
                if ok:
                    totals = value
                else:
                    logger.error("archive writer: %s", value)
            except queue.Empty:
                logger.error("the archive writer did not finish within %.0f s; killing it",
                             timeout)
                self.process.kill()
        self._queue.put(None)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return totals

    # -------------------------------------------------------------- threads

    def _write(self, batch: list[tuple[int, str, tuple]]) -> None:
        pickle.dump(batch, self._stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self._stdin.flush()

    def _read(self) -> list[tuple[int, bool, Any]]:
        replies, logs = pickle.load(self._stdout)
        for name, level, message in logs:
            logging.getLogger(name).log(level, "%s", message)
        return replies

    def _send_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                break
            batch = [item]
            # Whatever queued meanwhile goes in the same batch: one commit for all.
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
            try:
                self._write(batch)
            except (OSError, ValueError):
                break  # the receiver sees the process end and fails what is pending
        try:
            self._stdin.close()
        except OSError:
            pass

    def _receive_loop(self) -> None:
        try:
            while True:
                for call_id, ok, value in self._read():
                    with self._lock:
                        settle = self._pending.pop(call_id, None)
                    if settle is not None:
                        settle(ok, value)
        except (EOFError, OSError, pickle.UnpicklingError, ValueError):
            pass
        code = self.process.wait()
        with self._lock:
            self._dead = f"the archive writer process exited (code {code})"
            pending, self._pending = self._pending, {}
        for settle in pending.values():
            settle(False, ArchiverDied(self._dead))


if __name__ == "__main__":
    main()
