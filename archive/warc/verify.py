"""Checking an archive's WARC files byte by byte, and the index against them.

``warcio check`` only recomputes digests: it passes a file cut in the middle of a record.
Here every gzip member is decompressed to its end (CRC and length checked by zlib), the
bytes of each block are counted against its Content-Length, and digests are recomputed,
all streaming with bounded memory. ``scan_members`` is shared with ``repair``.

Index rows are checked against a table of the records found on disk, kept in a temporary
SQLite database rather than in memory (an archive may hold millions of records).
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from archive.errors import PressArchiveError
from archive.layout import ArchiveLayout
from archive.warc.decoding import dechunk
from archive.warc.writer import OPEN_SUFFIX

__all__ = [
    "MemberScan",
    "Problem",
    "VerifyError",
    "VerifyReport",
    "scan_members",
    "verify_archive",
]

CLOSED_SUFFIX = ".warc.gz"
UNCLOSED_MESSAGE = "torn/unclosed file: run verify --repair or the next crawl repairs it"

_READ_SIZE = 64 * 1024
_OUT_STEP = 256 * 1024  # decompressed bytes per zlib call: bounds memory per member
_MAX_HEADER = 1024 * 1024  # WARC or HTTP header block
_MAX_DECHUNK = 16 * 1024 * 1024  # payload kept to check a digest over a chunked body
_TARGET_URI_TYPES = frozenset({"request", "response", "revisit", "resource"})
IDENTICAL_PAYLOAD = "/revisit/identical-payload-digest"
_HTTP_PAYLOAD_TYPES = frozenset({"request", "response"})
_MAX_PROBLEMS = 1000


class VerifyError(PressArchiveError):
    """The archive cannot be verified at all (no such directory)."""


@dataclass(frozen=True)
class Problem:
    path: Path
    offset: int | None  # None: the problem concerns the whole file
    message: str

    def __str__(self) -> str:
        where = f"offset {self.offset}" if self.offset is not None else "whole file"
        return f"{self.path}: {where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "offset": self.offset, "message": self.message}


@dataclass
class MemberScan:
    """One gzip member of a WARC file and the record it holds."""

    offset: int
    length: int  # bytes of the member in the file (to the end of the file if incomplete)
    complete: bool  # decompressed to its end with a correct CRC and length
    intact: bool  # complete, and one whole record: header, Content-Length, block digest
    rec_type: str = ""
    record_id: str = ""
    concurrent_to: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)
    payload_digest: str = ""
    refers_to: str = ""

    @property
    def end(self) -> int:
        return self.offset + self.length


class _Digest:
    """A declared ``algorithm:value`` digest and the hash computing it."""

    def __init__(self, declared: str) -> None:
        self.declared = declared.strip()
        algorithm, _, self.value = self.declared.partition(":")
        try:
            self.hasher: Any = hashlib.new(algorithm.strip().lower().replace("-", ""))
        except ValueError:
            self.hasher = None

    def matches(self, digest: bytes) -> bool:
        value = self.value.strip()
        return (value.upper().rstrip("=") == base64.b32encode(digest).decode().rstrip("=")
                or value.lower() == digest.hex())


class _RecordParser:
    """Fed the decompressed bytes of one gzip member; checks it holds exactly one record."""

    def __init__(self) -> None:
        self.state = "header"
        self.buf = bytearray()
        self.damage: list[str] = []  # the record is not whole: repair cuts here
        self.problems: list[str] = []  # whole, but wrong (missing fields, payload digest)
        self.fields: list[tuple[str, str]] = []
        self.rec_type = ""
        self.record_id = ""
        self.concurrent_to: tuple[str, ...] = ()
        self.content_length = 0
        self.remaining = 0
        self.block_digest: _Digest | None = None
        self.payload_digest: _Digest | None = None
        self.http_state = ""  # "headers" while looking for the end of the HTTP headers
        self.http_buf = bytearray()
        self.chunked: bytearray | None = None
        self.trailer = bytearray()
        self.extra = 0
        self.extra_is_record = False

    def field(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for n, v in self.fields if n.lower() == lower), None)

    def feed(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self.state == "header":
                view = self._feed_header(view)
            elif self.state == "block":
                take = view[:self.remaining]
                self._feed_block(take)
                self.remaining -= len(take)
                view = view[len(take):]
                if self.remaining == 0:
                    self.state = "trailer"
            elif self.state == "trailer":
                take = view[:4 - len(self.trailer)]
                self.trailer += take
                view = view[len(take):]
                if len(self.trailer) == 4:
                    if self.trailer != b"\r\n\r\n":
                        self.damage.append("record does not end with CRLF CRLF after "
                                           "its Content-Length: the length is wrong")
                        self.state = "skip"
                    else:
                        self.state = "after"
            elif self.state == "after":
                if self.extra == 0 and bytes(view[:5]) == b"WARC/":
                    self.extra_is_record = True
                self.extra += len(view)
                return
            else:  # "skip": the rest of the member after a fatal problem
                return

    def _feed_header(self, view: memoryview) -> memoryview:
        start = max(len(self.buf) - 3, 0)
        self.buf += view
        end = self.buf.find(b"\r\n\r\n", start)
        if end < 0:
            if len(self.buf) > _MAX_HEADER:
                self.damage.append(f"WARC header has no end within {_MAX_HEADER} bytes")
                self.state = "skip"
            return memoryview(b"")
        rest = bytes(self.buf[end + 4:])
        header = bytes(self.buf[:end])
        self.buf = bytearray()
        self._parse_header(header)
        if self.state == "header":
            self.state = "block" if self.remaining else "trailer"
        return memoryview(rest)

    def _parse_header(self, header: bytes) -> None:
        lines = header.decode("utf-8", "replace").split("\r\n")
        if not lines[0].startswith("WARC/"):
            self.damage.append(f"not a WARC record: starts with {lines[0][:40]!r}")
            self.state = "skip"
            return
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.fields:
                name, value = self.fields[-1]
                self.fields[-1] = (name, f"{value} {line.strip()}")
                continue
            name, sep, value = line.partition(":")
            if not sep:
                self.problems.append(f"malformed WARC header line {line[:60]!r}")
                continue
            self.fields.append((name.strip(), value.strip()))
        self.rec_type = self.field("WARC-Type") or ""
        self.record_id = self.field("WARC-Record-ID") or ""
        self.concurrent_to = tuple(v for n, v in self.fields
                                   if n.lower() == "warc-concurrent-to")
        length = self.field("Content-Length")
        if length is None or not length.isdigit():
            self.damage.append("no Content-Length" if length is None
                               else f"invalid Content-Length {length!r}")
            self.state = "skip"
            return
        self.content_length = self.remaining = int(length)
        for name in ("WARC-Record-ID", "WARC-Date", "WARC-Type"):
            if not self.field(name):
                self.problems.append(f"mandatory header {name} is missing")
        if self.rec_type in _TARGET_URI_TYPES and not self.field("WARC-Target-URI"):
            self.problems.append(f"{self.rec_type} record has no WARC-Target-URI")
        if self.record_id and not (self.record_id.startswith("<")
                                   and self.record_id.endswith(">")):
            self.problems.append(f"WARC-Record-ID {self.record_id} is not enclosed in <>")
        if self.rec_type == "revisit":
            profile = self.field("WARC-Profile")
            if not profile:
                self.problems.append("revisit record has no WARC-Profile")
            elif profile.endswith(IDENTICAL_PAYLOAD) and not self.field("WARC-Payload-Digest"):
                self.problems.append("identical-payload-digest revisit has no "
                                     "WARC-Payload-Digest")
        self.block_digest = self._digest("WARC-Block-Digest")
        if self.rec_type != "revisit":  # a revisit's payload digest is the original's
            self.payload_digest = self._digest("WARC-Payload-Digest")
        content_type = (self.field("Content-Type") or "").lower()
        if (self.payload_digest is not None and self.rec_type in _HTTP_PAYLOAD_TYPES
                and content_type.startswith("application/http")):
            self.http_state = "headers"

    def _digest(self, name: str) -> _Digest | None:
        declared = self.field(name)
        if not declared:
            return None
        digest = _Digest(declared)
        if digest.hasher is None:
            self.problems.append(f"{name} {declared!r}: unsupported algorithm")
            return None
        return digest

    def _feed_block(self, data: memoryview) -> None:
        if self.block_digest is not None:
            self.block_digest.hasher.update(data)
        if self.payload_digest is None:
            return
        if self.http_state == "headers":
            start = max(len(self.http_buf) - 3, 0)
            self.http_buf += data
            end = self.http_buf.find(b"\r\n\r\n", start)
            if end < 0:
                if len(self.http_buf) > _MAX_HEADER:
                    self.problems.append("HTTP headers have no end: payload digest unchecked")
                    self.payload_digest = None
                return
            http_headers = bytes(self.http_buf[:end]).lower()
            data = memoryview(bytes(self.http_buf[end + 4:]))
            self.http_buf = bytearray()
            self.http_state = ""
            if any(line.startswith(b"transfer-encoding:") and b"chunked" in line
                   for line in http_headers.split(b"\r\n")):
                self.chunked = bytearray()
        self.payload_digest.hasher.update(data)
        if self.chunked is not None:
            if len(self.chunked) + len(data) > _MAX_DECHUNK:
                self.chunked = None
            else:
                self.chunked += data

    def finish(self) -> None:
        """Called once the member is complete: what is missing, and the digests."""
        if self.state == "header":
            self.damage.append("gzip member holds no complete WARC header"
                               if self.buf else "gzip member is empty: no record")
            return
        if self.state == "block":
            got = self.content_length - self.remaining
            self.damage.append(f"block is {got} bytes, shorter than its Content-Length "
                               f"{self.content_length}")
            return
        if self.state == "trailer":
            self.damage.append("record does not end with CRLF CRLF")
            return
        if self.state == "skip":
            return
        if self.extra:
            if self.extra_is_record:
                self.damage.append("gzip member holds more than one record")
            else:
                self.damage.append(f"{self.extra} bytes after the record in its gzip member")
        block = self.block_digest
        if block is not None and not block.matches(block.hasher.digest()):
            self.damage.append(f"WARC-Block-Digest mismatch: declared {block.declared}, "
                               "block differs")
        payload = self.payload_digest
        if payload is None:
            return
        if self.http_state == "headers":
            self.problems.append("HTTP headers in the block have no end: payload digest "
                                 "unchecked")
            return
        if payload.matches(payload.hasher.digest()):
            return
        if self.chunked is not None:
            body = dechunk(bytes(self.chunked))
            if body is not None:
                hasher = hashlib.new(payload.hasher.name, body)
                if payload.matches(hasher.digest()):
                    return
        self.problems.append(f"WARC-Payload-Digest mismatch: declared {payload.declared}, "
                             "payload differs")


def _describe(parser: _RecordParser) -> str:
    what = parser.rec_type or "record"
    return f"{what} {parser.record_id}".strip() if parser.record_id else what


def scan_members(fh: BinaryIO) -> Iterator[MemberScan]:
    """Every gzip member of a ``.warc.gz`` file from its start, with its record checked.

    Stops after the first member that is incomplete (torn: the file ends inside it) or
    corrupt (bad data, CRC or length; not gzip), since no later boundary can be trusted.
    """
    fh.seek(0)
    offset = 0
    pending = b""
    while True:
        if not pending:
            pending = fh.read(_READ_SIZE)
            if not pending:
                return
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        parser = _RecordParser()
        fed = 0
        error = ""
        while not decompressor.eof:
            if not pending:
                pending = fh.read(_READ_SIZE)
                if not pending:
                    break
            data, pending = pending, b""
            fed += len(data)
            try:
                while True:
                    out = decompressor.decompress(data, _OUT_STEP)
                    parser.feed(out)
                    data = decompressor.unconsumed_tail
                    if decompressor.eof or (not data and len(out) < _OUT_STEP):
                        break
            except zlib.error as exc:
                error = str(exc)
                break
        if decompressor.eof:
            pending = decompressor.unused_data
            length = fed - len(pending)
            parser.finish()
            yield MemberScan(
                offset, length, True, not parser.damage, parser.rec_type, parser.record_id,
                parser.concurrent_to, parser.damage + parser.problems,
                parser.field("WARC-Payload-Digest") or "",
                parser.field("WARC-Refers-To") or "",
            )
            offset += length
            continue
        rest = fed
        while chunk := fh.read(_READ_SIZE):  # count the bytes up to the end of the file
            rest += len(chunk)
        if error:
            message = ("not a gzip member" if "header" in error and not parser.fields
                       else f"corrupt gzip member ({error})")
            message += f"; {_describe(parser)} unreadable" if parser.fields else ""
        else:
            message = (f"incomplete gzip member: the file ends {rest} bytes into it "
                       f"(torn write); {_describe(parser)} cut short")
            if parser.state == "block":
                got = parser.content_length - parser.remaining
                message += f" ({got} of {parser.content_length} block bytes)"
        yield MemberScan(offset, rest, False, False, parser.rec_type, parser.record_id,
                         parser.concurrent_to, [message])
        return


@dataclass
class VerifyReport:
    archive_dir: Path
    files_checked: int = 0
    records_checked: int = 0
    index_rows_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    problems_total: int = 0  # more than len(problems) if the list was capped
    # What was not checked and why (a running crawl's file): said, not counted.
    notes: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problems_total == 0

    def add(self, path: Path, offset: int | None, message: str) -> None:
        self.problems_total += 1
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(Problem(path, offset, message))

    def summary(self) -> str:
        checked = (f"{self.files_checked} WARC file(s), {self.records_checked} records"
                   + (f", {self.index_rows_checked} index rows" if self.index_rows_checked
                      else ""))
        if self.ok:
            return f"OK: {checked} checked, no problems"
        omitted = self.problems_total - len(self.problems)
        more = f" ({omitted} not listed)" if omitted else ""
        return f"FAILED: {self.problems_total} problem(s){more}; {checked} checked"

    def format(self) -> str:
        """One line per problem (file, offset, what is wrong), then a summary line."""
        problems = sorted(self.problems, key=lambda p: (str(p.path), p.offset or 0))
        notes = [f"not checked: {note}" for note in self.notes]
        return "\n".join([*notes, *(str(p) for p in problems), self.summary()])

    def to_dict(self) -> dict[str, Any]:
        return {
            "archive": str(self.archive_dir), "ok": self.ok,
            "files_checked": self.files_checked, "records_checked": self.records_checked,
            "index_rows_checked": self.index_rows_checked,
            "problems_total": self.problems_total,
            "problems": [p.to_dict() for p in self.problems],
            "not_checked": [p.to_dict() for p in self.notes],
        }


class _RecordTable:
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
        """)

    def close(self) -> None:
        self.db.close()


def _check_file(path: Path, report: VerifyReport, table: _RecordTable) -> None:
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
                table.add(path.name, member)
        except OSError as exc:
            report.add(path, None, f"cannot read: {exc}")
    if first:
        report.add(path, None, "empty file: no warcinfo record")


def _check_pairs(warc_dir: Path, report: VerifyReport, table: _RecordTable) -> None:
    rows = table.db.execute("""
        SELECT r.file, r.offset, r.rec_type, r.record_id,
               (SELECT group_concat(target, ' ') FROM links l
                WHERE l.file = r.file AND l.offset = r.offset)
        FROM records r
        WHERE r.rec_type IN ('response', 'revisit') AND NOT EXISTS (
            SELECT 1 FROM links l JOIN records q
              ON q.file = l.file AND q.record_id = l.target AND q.rec_type = 'request'
            WHERE l.file = r.file AND l.offset = r.offset)
        ORDER BY r.file, r.offset
    """)
    for filename, offset, rec_type, record_id, targets in rows:
        if targets:
            message = (f"{rec_type} {record_id} is not paired: its request {targets} "
                       "(WARC-Concurrent-To) is not in this file")
        else:
            message = (f"{rec_type} {record_id} has no WARC-Concurrent-To: its request "
                       "is unknown")
        report.add(warc_dir / filename, offset, message)


def _check_revisits(warc_dir: Path, report: VerifyReport, table: _RecordTable) -> None:
    """Each revisit's WARC-Refers-To is a record of the archive, with the same payload."""
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
        report.add(warc_dir / filename, offset, message)


def _check_duplicates(warc_dir: Path, report: VerifyReport, table: _RecordTable) -> None:
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
        report.add(warc_dir / filename, offset,
                   f"duplicate WARC-Record-ID {record_id} (also at {first[1]} offset {first[2]})")


def _index_rows(index: sqlite3.Connection, table: str, id_column: str,
                length_column: str | None) -> Iterator[tuple[Any, ...]]:
    names = {row[1] for row in index.execute(f"PRAGMA table_info({table})")}
    if not names:
        return
    length = length_column if length_column in names else "NULL"
    yield from index.execute(
        f"SELECT id, url, warc_file, warc_offset, {length}, {id_column} FROM {table}"
    )


def _open_index(index_db: Path) -> sqlite3.Connection:
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


def _check_index(index_db: Path, warc_dir: Path, report: VerifyReport, table: _RecordTable,
                 scanned: set[str], crawl_running: bool) -> None:
    try:
        index = _open_index(index_db)
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
                                  report: VerifyReport, table: _RecordTable) -> None:
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


def _index_problem(warc_dir: Path, table: _RecordTable, scanned: set[str],
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


def verify_archive(archive_dir: Path, *, index_db: Path | None = None) -> VerifyReport:
    """Check every closed WARC file in ``archive_dir/warc/``, and ``index_db`` if it exists.

    ``.open`` files are reported, not read (a crawl may be writing them). Raises
    VerifyError if ``archive_dir`` is not a directory.
    """
    from archive.lock import describe_holder, running_holder

    archive_dir = Path(archive_dir)
    if not archive_dir.is_dir():
        raise VerifyError(f"no archive directory at {archive_dir}")
    warc_dir = ArchiveLayout(archive_dir).warc_dir
    report = VerifyReport(archive_dir)
    # The lock, not a pid, tells a file being written from a torn one.
    holder = running_holder(archive_dir)
    table = _RecordTable()
    scanned: set[str] = set()
    try:
        entries = sorted(warc_dir.iterdir()) if warc_dir.is_dir() else []
        for path in entries:
            if not path.is_file():
                continue
            if path.name.endswith(CLOSED_SUFFIX + OPEN_SUFFIX):
                if holder is None:
                    report.add(path, None, UNCLOSED_MESSAGE)
                else:
                    report.notes.append(Problem(path, None, "being written by "
                                                f"{describe_holder(holder)}"))
            elif path.name.endswith(CLOSED_SUFFIX):
                report.files_checked += 1
                scanned.add(path.name)
                _check_file(path, report, table)
        table.create_indexes()
        _check_pairs(warc_dir, report, table)
        _check_revisits(warc_dir, report, table)
        _check_duplicates(warc_dir, report, table)
        if index_db is not None and Path(index_db).is_file():
            _check_index(Path(index_db), warc_dir, report, table, scanned,
                         crawl_running=holder is not None)
    finally:
        table.close()
    return report
