"""The writer process: a process of its own that runs the capture store (WARC records,
capture rows, crawl state), so that the crawl process only downloads and parses.

Why a process: building records (digests), gzip, SQLite writes and their fsyncs
at WAL checkpoints cost about as much CPU per page as Scrapy's own work, and in
the crawl process they hold the GIL and the reactor thread (a checkpoint fsync
behind a busy disk once stalled every download for 19 s). In a process of its
own that work runs on the other core and never blocks a download.

The crawl process (crawler/writer_client.py) sends batches of calls (pickled,
length-framed by pickle itself) on the child's stdin; the child runs each batch in
one SQLite transaction, and answers only after the commit, so an acknowledged
capture is in the index. Log records of the child travel back with the answers and
are logged in the crawl process, under Scrapy's logging configuration. When the
crawl process dies, the child reads end-of-file, closes the WARC file cleanly
and exits; it holds a copy of the archive lock's descriptor, so no other crawl
can start on the directory before it is done.

This side never imports Scrapy or Twisted: the process starts in a fraction of the
time, and its memory holds the store alone.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import struct
import sys
from typing import IO, Any

from archive.capture.errors import short_message
from archive.capture.store import CaptureStore, StoreTotals

# Every message is a pickle preceded by its length.
FRAME_HEADER = struct.Struct("<Q")


class StoreCallError(RuntimeError):
    """A call failed in the writer with an exception that could not be sent back as is."""


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


def frame(message: Any) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return FRAME_HEADER.pack(len(data)) + data


def write_frame(stream: IO[bytes], message: Any) -> None:
    stream.write(frame(message))
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
        return StoreCallError(f"{type(exc).__name__}: {short_message(exc)}")


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
        store = CaptureStore(config)
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


def _run_batch(store: CaptureStore, calls: list[tuple[int, str, tuple]]
               ) -> list[tuple[int, bool, Any]]:
    """One transaction per batch; a failed call (a WARC write on a full disk, say)
    fails only itself, a failed commit every call of the batch (see run_batch)."""
    results = store.run_batch([(operation, args) for _, operation, args in calls])
    return [(call_id, ok, value if ok else _portable(value))
            for (call_id, _, _), (ok, value) in zip(calls, results, strict=True)]


def _close(store: CaptureStore) -> tuple[StoreTotals | None, Exception | None]:
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


if __name__ == "__main__":
    # Run from the module imported under its own name, not from `__main__`: the
    # StoreCallError it sends back must unpickle in the crawl process.
    from archive.capture.writer_process import main as imported_main

    imported_main()
