"""index.db against the WARC files: every capture and article row points at an intact
record with its id (and length), and every intact response and revisit on disk has its
captures row."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from archive.warc.verify.records import RecordTable
from archive.warc.verify.report import Problem, VerifyReport
from archive.warc.writer import OPEN_SUFFIX


def _index_rows(index: sqlite3.Connection, table: str, id_column: str,
                length_column: str | None) -> Iterator[tuple[Any, ...]]:
    names = {row[1] for row in index.execute(f"PRAGMA table_info({table})")}
    if not names:
        return
    length = length_column if length_column in names else "NULL"
    yield from index.execute(
        f"SELECT id, url, warc_file, warc_offset, {length}, {id_column} FROM {table}"
    )


def open_index(index_db: Path) -> sqlite3.Connection:
    """index.db for reading; the one place verify opens it."""
    # Read-write if allowed, but only reading: a read-only connection to a WAL database
    # leaves -wal and -shm files behind, and cannot recover a WAL left by a crash.
    uri = index_db.resolve().as_uri()
    index = None
    try:
        index = sqlite3.connect(f"{uri}?mode=rw", uri=True, timeout=30)
        index.execute("PRAGMA query_only = 1")
        index.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return index
    except sqlite3.Error:
        if index is not None:
            index.close()
    return sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30)


def check_index(index_db: Path, warc_dir: Path, report: VerifyReport, table: RecordTable,
                 scanned: set[str], crawl_running: bool) -> None:
    try:
        index = open_index(index_db)
    except sqlite3.Error as exc:
        report.add(index_db, None, f"cannot open the index: {exc}")
        return
    sizes: dict[str, int | None] = {}
    # Rows pointing into an .open file: one line per file, not one per row (a running
    # crawl's file has thousands).
    into_open: Counter[str] = Counter()
    try:
        for name, id_column, length_column in (("captures", "record_id", "warc_length"),
                                               ("articles", "capture_record_id", None)):
            for row_id, url, filename, offset, length, record_id in _index_rows(
                    index, name, id_column, length_column):
                report.index_rows_checked += 1
                if filename and str(filename) not in scanned and \
                        (warc_dir / (str(filename) + OPEN_SUFFIX)).exists():
                    into_open[str(filename) + OPEN_SUFFIX] += 1
                    continue
                problem = _index_problem(warc_dir, table, scanned, sizes, filename, offset,
                                         length, record_id)
                if problem:
                    report.add(warc_dir / str(filename), offset,
                               f"index.db {name} row {row_id} ({url}): {problem}")
        for filename, rows in sorted(into_open.items()):
            if crawl_running:
                report.notes.append(Problem(warc_dir / filename, None,
                                            f"{rows} index rows point into it"))
            else:
                report.add(warc_dir / filename, None,
                           f"{rows} index rows point into this torn file: run verify --repair")
        if not crawl_running:
            # A crawl commits a record's capture row after writing it: while one runs,
            # the newest records may not have theirs yet.
            _check_every_response_indexed(index, warc_dir, report, table)
    except sqlite3.Error as exc:
        report.add(index_db, None, f"cannot read the index: {exc}")
    finally:
        index.close()


def _check_every_response_indexed(index: sqlite3.Connection, warc_dir: Path,
                                  report: VerifyReport, table: RecordTable) -> None:
    """Every complete response and revisit on disk has its `captures` row: a record
    the index does not know is an article no search finds, and no later crawl fetches
    again (its state says fetched)."""
    table.db.execute("CREATE TEMP TABLE indexed (record_id TEXT PRIMARY KEY) WITHOUT ROWID")
    cursor = index.execute("SELECT record_id FROM captures WHERE record_id IS NOT NULL")
    while rows := cursor.fetchmany(10_000):
        table.db.executemany("INSERT OR IGNORE INTO indexed VALUES (?)", rows)
    missing = table.db.execute(
        "SELECT file, count(*), min(offset) FROM records "
        "WHERE rec_type IN ('response', 'revisit') AND intact "
        "AND record_id NOT IN (SELECT record_id FROM indexed) GROUP BY file ORDER BY file"
    ).fetchall()
    for filename, count, first in missing:
        report.add(warc_dir / filename, first,
                   f"{count} response/revisit record(s) from here on have no captures row "
                   "in index.db (the next crawl indexes them, or run pressarchive reextract)")


def _index_problem(warc_dir: Path, table: RecordTable, scanned: set[str],
                   sizes: dict[str, int | None], filename: Any, offset: Any, length: Any,
                   record_id: Any) -> str:
    if not filename or offset is None:
        return "no WARC location"
    filename = str(filename)
    if filename not in scanned:
        if (warc_dir / (filename + OPEN_SUFFIX)).exists():
            return "the WARC file is still .open (torn/unclosed): run verify --repair"
        return "the WARC file does not exist"
    found = table.db.execute(
        "SELECT record_id, length, intact FROM records WHERE file = ? AND offset = ?",
        (filename, offset),
    ).fetchone()
    if found is None:
        if filename not in sizes:
            try:
                sizes[filename] = (warc_dir / filename).stat().st_size
            except OSError:
                sizes[filename] = None
        size = sizes[filename]
        if size is not None and offset >= size:
            return f"offset is past the end of the file ({size} bytes)"
        return "no complete record starts at this offset"
    on_disk_id, on_disk_length, intact = found
    if on_disk_id != record_id:
        return f"the record at this offset is {on_disk_id or 'without id'}, not {record_id}"
    if not intact:
        return f"record {record_id} is not complete on disk"
    if length is not None and length != on_disk_length:
        return f"warc_length is {length} but the record's gzip member is {on_disk_length} bytes"
    return ""
