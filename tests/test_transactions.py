"""archive.transactions.BatchedWrites: one commit per write, or one per batch."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from archive.transactions import BatchedWrites


class Rows(BatchedWrites):
    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path, check_same_thread=False)
        self.conn.execute("create table t (n integer)")
        self.conn.commit()
        self._lock = threading.RLock()

    def _connection(self) -> sqlite3.Connection:
        return self.conn

    def add(self, n: int) -> None:
        with self._write():
            self.conn.execute("insert into t values (?)", (n,))


def committed(path: Path) -> int:
    reader = sqlite3.connect(path)
    try:
        return reader.execute("select count(*) from t").fetchone()[0]
    finally:
        reader.close()


def test_each_write_commits_outside_a_batch(tmp_path):
    rows = Rows(tmp_path / "db")
    rows.add(1)
    assert committed(tmp_path / "db") == 1


def test_a_batch_commits_once_at_its_end_even_with_a_batch_inside(tmp_path):
    rows = Rows(tmp_path / "db")
    with rows.batch():
        rows.add(1)
        with rows.batch():
            rows.add(2)
        rows.add(3)  # still part of the outer batch
        assert committed(tmp_path / "db") == 0
    assert committed(tmp_path / "db") == 3
