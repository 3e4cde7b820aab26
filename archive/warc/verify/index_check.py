"""index.db against the WARC files: every capture and article row points at an intact
record with its id (and length), and every intact response and revisit on disk has its
captures row."""

from __future__ import annotations

import shlex
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from archive.layout import ArchiveLayout
from archive.warc.verify.files import ArchiveFiles
from archive.warc.verify.records import RecordTable
from archive.warc.verify.report import Problem, VerifyReport


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


def check_index(index_db: Path, files: ArchiveFiles, warc_dir: Path, report: VerifyReport,
                table: RecordTable, crawl_running: bool) -> None:
    """index.db's rows against the records of every folder (`files`), by the bare name
    each row gives (files.py); `warc_dir` (DIR/warc) is where a file no folder holds
    would be. `crawl_running`: a run holds DIR's own lock (it writes index.db)."""
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
                if filename and not files.keys_named(str(filename)) and \
                        str(filename) in files.open_files:
                    into_open[str(filename)] += 1
                    continue
                key = _resolve(files, table, filename, offset, record_id)
                problem = _index_problem(files, table, sizes, filename, key, offset, length,
                                         record_id)
                if problem:
                    where = files.path(key) if key else warc_dir / str(filename)
                    report.add(where, offset,
                               f"index.db {name} row {row_id} ({url}): {problem}")
        for filename, rows in sorted(into_open.items()):
            torn = files.open_files[filename]
            if torn.being_written:
                report.notes.append(Problem(torn.path, None,
                                            f"{rows} index rows point into it"))
            else:
                report.add(torn.path, None,
                           f"{rows} index rows point into this torn file: run verify --repair")
        if not crawl_running:
            # A crawl commits a record's capture row after writing it: while one runs,
            # the newest records may not have theirs yet.
            _check_every_response_indexed(index, files, report, table)
    except sqlite3.Error as exc:
        report.add(index_db, None, f"cannot read the index: {exc}")
    finally:
        index.close()


def _resolve(files: ArchiveFiles, table: RecordTable, filename: Any, offset: Any,
             record_id: Any) -> str:
    """The key of the file an index row's bare `warc_file` names ("" if none was
    scanned): of two files of one name (copied by hand), the one whose record at the
    row's offset is the row's."""
    keys = files.keys_named(str(filename)) if filename else []
    for key in keys[1:]:
        if table.db.execute("SELECT 1 FROM records WHERE file = ? AND offset = ? "
                            "AND record_id = ?", (key, offset, record_id)).fetchone():
            return key
    return keys[0] if keys else ""


def _check_every_response_indexed(index: sqlite3.Connection, files: ArchiveFiles,
                                  report: VerifyReport, table: RecordTable) -> None:
    """Every complete response and revisit on disk has its `captures` row: a record
    the index does not know is an article no search finds, and no later crawl fetches
    again (its state says fetched).

    A worker's records reach DIR/index.db only by a rebuild (`reextract --from
    DIR/workers`), never by its crawl, which indexes them in the worker's own index.db:
    while that worker runs, its records not yet in DIR's index are said, not counted."""
    table.db.execute("CREATE TEMP TABLE indexed (record_id TEXT PRIMARY KEY) WITHOUT ROWID")
    cursor = index.execute("SELECT record_id FROM captures WHERE record_id IS NOT NULL")
    while rows := cursor.fetchmany(10_000):
        table.db.executemany("INSERT OR IGNORE INTO indexed VALUES (?)", rows)
    missing = table.db.execute(
        "SELECT file, count(*), min(offset) FROM records "
        "WHERE rec_type IN ('response', 'revisit') AND intact "
        "AND record_id NOT IN (SELECT record_id FROM indexed) GROUP BY file ORDER BY file"
    ).fetchall()
    for key, count, first in missing:
        folder = files.folders[key]
        if not folder.worker:
            report.add(files.path(key), first,
                       f"{count} response/revisit record(s) from here on have no captures "
                       "row in index.db (the next crawl indexes them, or run pressarchive "
                       "reextract)")
            continue
        layout = ArchiveLayout(files.archive)
        rebuild = (f"pressarchive reextract --archive {shlex.quote(str(layout.root))} "
                   f"--from {shlex.quote(str(layout.workers_dir))}")
        writer = files.writers.get(folder.worker)
        if writer is not None:
            report.notes.append(Problem(
                files.path(key), first,
                f"{count} response/revisit record(s) from here on are not in index.db yet: "
                f"worker {folder.worker} is crawling ({writer}); run {rebuild} when it is "
                "done"))
        else:
            report.add(files.path(key), first,
                       f"{count} response/revisit record(s) from here on have no captures "
                       f"row in index.db (worker {folder.worker}'s: run {rebuild})")


def _index_problem(files: ArchiveFiles, table: RecordTable, sizes: dict[str, int | None],
                   filename: Any, key: str, offset: Any, length: Any, record_id: Any) -> str:
    if not filename or offset is None:
        return "no WARC location"
    if not key:
        if str(filename) in files.open_files:
            return "the WARC file is still .open (torn/unclosed): run verify --repair"
        return "the WARC file does not exist"
    found = table.db.execute(
        "SELECT record_id, length, intact FROM records WHERE file = ? AND offset = ?",
        (key, offset),
    ).fetchone()
    if found is None:
        if key not in sizes:
            try:
                sizes[key] = files.path(key).stat().st_size
            except OSError:
                sizes[key] = None
        size = sizes[key]
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
