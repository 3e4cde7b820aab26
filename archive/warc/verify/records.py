"""The records on disk: each WARC file's records checked as it is read, then the checks
that need every record of the archive, in every one of its WARC folders (request and
response pairs, revisits and what they refer to, duplicate record ids).

The records found are kept in a temporary SQLite database rather than in memory (an
archive may hold millions of records); the index cross-check (index_check.py) reads the
same table.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from archive.warc.members import MemberScan, scan_members
from archive.warc.verify.files import ArchiveFiles
from archive.warc.verify.report import VerifyReport


class RecordTable:
    """Records found on disk, in a temporary SQLite database (deleted on close)."""

    def __init__(self) -> None:
        self.db = sqlite3.connect("")  # "": a private temporary database on disk
        self.db.executescript("""
            CREATE TABLE records (file TEXT, offset INTEGER, length INTEGER,
                                  record_id TEXT, rec_type TEXT, intact INTEGER,
                                  payload_digest TEXT, refers_to TEXT);
            CREATE TABLE links (file TEXT, offset INTEGER, target TEXT);
        """)
        self.rows: list[tuple[Any, ...]] = []
        self.links: list[tuple[Any, ...]] = []

    def add(self, filename: str, member: MemberScan) -> None:
        self.rows.append((filename, member.offset, member.length, member.record_id,
                          member.rec_type, int(member.intact), member.payload_digest,
                          member.refers_to))
        self.links += [(filename, member.offset, target) for target in member.concurrent_to]
        if len(self.rows) >= 10_000:
            self.flush()

    def flush(self) -> None:
        with self.db:
            self.db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self.rows)
            self.db.executemany("INSERT INTO links VALUES (?, ?, ?)", self.links)
        self.rows, self.links = [], []

    def create_indexes(self) -> None:
        self.flush()
        self.db.executescript("""
            CREATE INDEX records_location ON records (file, offset);
            CREATE INDEX records_id ON records (record_id, file);
            CREATE INDEX records_type ON records (rec_type);
            CREATE INDEX links_location ON links (file, offset);
            CREATE INDEX records_refers_to ON records (refers_to);
        """)

    def close(self) -> None:
        self.db.close()


def check_file(path: Path, report: VerifyReport, table: RecordTable, key: str) -> None:
    """The records of `path`, checked and added to `table` under `key` (files.py)."""
    try:
        fh = open(path, "rb")
    except OSError as exc:
        report.add(path, None, f"cannot open: {exc}")
        return
    first = True
    with fh:
        try:
            for member in scan_members(fh):
                report.records_checked += 1
                if first and member.rec_type != "warcinfo" and member.complete:
                    report.add(path, member.offset,
                               f"first record is {member.rec_type or 'unknown'}, not warcinfo")
                first = False
                for message in member.problems:
                    report.add(path, member.offset, message)
                table.add(key, member)
        except OSError as exc:
            report.add(path, None, f"cannot read: {exc}")
    if first:
        report.add(path, None, "empty file: no warcinfo record")


def check_pairs(files: ArchiveFiles, report: VerifyReport, table: RecordTable) -> None:
    """Each response and revisit has its request in the same file, except another
    crawler's record copied verbatim (an origin metadata record follows it and names it,
    archive/warc/origin.py): its request was never ours to write, and many crawlers
    (Common Crawl's news crawl) kept none."""
    rows = table.db.execute("""
        SELECT r.file, r.offset, r.rec_type, r.record_id,
               (SELECT group_concat(target, ' ') FROM links l
                WHERE l.file = r.file AND l.offset = r.offset)
        FROM records r
        WHERE r.rec_type IN ('response', 'revisit') AND NOT EXISTS (
            SELECT 1 FROM links l JOIN records q
              ON q.file = l.file AND q.record_id = l.target AND q.rec_type = 'request'
            WHERE l.file = r.file AND l.offset = r.offset)
        AND NOT EXISTS (
            SELECT 1 FROM records m
            WHERE m.refers_to = r.record_id AND m.file = r.file AND m.rec_type = 'metadata'
              AND m.offset > r.offset)
        ORDER BY r.file, r.offset
    """)
    for filename, offset, rec_type, record_id, targets in rows:
        if targets:
            message = (f"{rec_type} {record_id} is not paired: its request {targets} "
                       "(WARC-Concurrent-To) is not in this file")
        else:
            message = (f"{rec_type} {record_id} has no WARC-Concurrent-To: its request "
                       "is unknown")
        report.add(files.path(filename), offset, message)


def check_revisits(files: ArchiveFiles, report: VerifyReport, table: RecordTable) -> None:
    """Each revisit's WARC-Refers-To is a record of the archive, with the same payload:
    in any of its folders, as a shared crawl's worker revisits a page another worker
    fetched (the record table holds every folder's records)."""
    rows = table.db.execute("""
        SELECT v.file, v.offset, v.record_id, v.refers_to, v.payload_digest,
               o.file, o.offset, o.payload_digest, o.rec_type
        FROM records v LEFT JOIN records o ON o.record_id = v.refers_to
        WHERE v.rec_type = 'revisit' AND v.refers_to != ''
        ORDER BY v.file, v.offset
    """)
    for (filename, offset, record_id, refers_to, digest, original_file, original_offset,
         original_digest, original_type) in rows:
        if original_file is None:
            message = f"revisit {record_id} refers to {refers_to}, not in this archive"
        elif original_type not in ("response", "resource"):
            message = (f"revisit {record_id} refers to a {original_type} record "
                       f"({original_file} offset {original_offset})")
        elif digest and original_digest != digest:
            message = (f"revisit {record_id} has payload digest {digest} but the record it "
                       f"refers to ({original_file} offset {original_offset}) has "
                       f"{original_digest or 'none'}")
        else:
            continue
        report.add(files.path(filename), offset, message)


def check_duplicates(files: ArchiveFiles, report: VerifyReport, table: RecordTable) -> None:
    rows = table.db.execute("""
        SELECT file, offset, record_id FROM records
        WHERE record_id IN (SELECT record_id FROM records WHERE record_id != ''
                            GROUP BY record_id HAVING count(*) > 1)
        ORDER BY record_id, file, offset
    """)
    first: tuple[str, str, int] | None = None
    for filename, offset, record_id in rows:
        if first is None or first[0] != record_id:
            first = (record_id, filename, offset)
            continue
        report.add(files.path(filename), offset,
                   f"duplicate WARC-Record-ID {record_id} (also at {first[1]} offset {first[2]})")
