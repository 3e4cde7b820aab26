"""One SQLite transaction per write, or one for many writes inside batch()."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class BatchedWrites:
    """For a class with one connection shared across threads (under ``_lock``):
    each ``_write()`` commits on its own, unless it runs inside ``batch()``, which
    commits once at its end. A bulk build, or the archive writer handling a batch
    of responses, then pays one commit instead of one per row."""

    _lock: threading.RLock
    _in_batch: bool = False

    def _connection(self) -> sqlite3.Connection:
        raise NotImplementedError

    @contextmanager
    def _write(self) -> Iterator[None]:
        with self._lock:
            if self._in_batch:
                yield
            else:
                connection = self._connection()
                with connection:
                    # Opened here, not by the first write: sqlite-utils (4.x) commits a
                    # write statement at once when no transaction is open, which would
                    # split a batch (or one add_article) into commits of a row each, and
                    # a failed commit at the end could not roll the batch back.
                    if not connection.in_transaction:
                        connection.execute("begin")
                    yield

    @contextmanager
    def batch(self) -> Iterator[None]:
        # A batch inside a batch joins the outer one: it must neither commit early nor
        # end the outer batch's grouping when it finishes.
        with self._write():
            outer, self._in_batch = self._in_batch, True
            try:
                yield
            finally:
                self._in_batch = outer
