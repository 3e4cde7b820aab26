"""Other crawlers' records copied into the archive's WARC files, and indexed.

`pressarchive import` and the Common Crawl back-fill keep what they take as it was: a
record that is one gzip member (a per-record `.warc.gz`, a Common Crawl range) is
written byte for byte; a record that was not gzipped on its own (an uncompressed WARC, a
file gzipped as one stream) keeps its exact bytes in a gzip member made here; an ARC
record, which cannot stand in a WARC file, becomes a WARC response with its block
unchanged. Right after it, in the same write, comes the origin metadata record
(archive/warc/origin.py, kind COPIED) naming where it came from and how it was copied.

Before a record is written its member is checked as `pressarchive verify` checks the
archive (archive/warc/members.py: one member, one whole record, block and payload
digests): a record that would not pass is reported and left out, so that copying never
makes the archive invalid. After it is written it is read back from the file, and its
capture row is made from that, by the function a rebuild uses (`RecordIndexer`).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import logging
import os
import platform
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from archive import __version__
from archive.capture.errors import short_message
from archive.capture.store import WARC_PREFIX
from archive.errors import PressArchiveError
from archive.extract import DEFAULT_OPTIONS, ExtractionOptions
from archive.extract.pool import ExtractorPool
from archive.health import refresh_index_health
from archive.index.writer import IndexWriter
from archive.layout import ArchiveLayout
from archive.lock import ArchiveLock, holding_lock
from archive.reconcile import add_missing_captures, reconcile
from archive.reextract import (
    WINDOW_PER_WORKER,
    RecordIndexer,
    ReextractOptions,
    run_reextract,
)
from archive.reextract_report import ReextractReport
from archive.sources import Source
from archive.warc.cdxj import write_cdxj
from archive.warc.members import scan_members
from archive.warc.origin import Origin, build_origin_record
from archive.warc.reader import StoredRecord, archive_files, read_record_at
from archive.warc.records import check_line, new_record_id, warc_date
from archive.warc.repair import repair_open_files
from archive.warc.writer import RawMember, WarcFileWriter, gzip_member

log = logging.getLogger(__name__)

# As the crawl's files (PRESSARCHIVE_WARC_MAX_FILE_BYTES): rolled over at a record group.
MAX_FILE_BYTES = 1_000_000_000
GZIP_LEVEL = 6


class BadCopy(ValueError):
    """A record that would not pass `verify` once copied: reported, not written."""


def member_problem(member: bytes) -> str:
    """What `verify` would find wrong with ``member`` as a member of a WARC file: not
    exactly one complete gzip member holding one whole record with matching digests and
    the mandatory fields. "" if nothing."""
    scans = list(scan_members(io.BytesIO(member)))
    if not scans:
        return "empty: no gzip member"
    first = scans[0]
    if first.problems:
        return "; ".join(first.problems)
    if not first.intact:
        return "not one whole record"
    if len(scans) > 1 or first.length != len(member):
        return "more than one gzip member"
    return ""


def payload_sha1(body: bytes) -> str:
    """The WARC-Payload-Digest of ``body`` (de-chunked entity body), as the crawl writes."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def regzipped(record_bytes: bytes) -> bytes:
    """A record's exact bytes (header and block, without the line ends after it) as one
    gzip member, with the two line ends a WARC record ends with."""
    return gzip_member(record_bytes + b"\r\n\r\n", GZIP_LEVEL)


def decompressed(member: bytes) -> bytes:
    """The bytes of one gzip member (a record's, read and checked already)."""
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(member)


def warc_from_arc(arc_bytes: bytes, record: StoredRecord) -> tuple[bytes, str]:
    """An ARC record (its header line and block) as a WARC/1.1 response: WARC headers
    from the ARC header line, digests computed here, the block byte for byte. Returns
    the uncompressed record and its new record id."""
    line_end = arc_bytes.index(b"\n")
    fields = arc_bytes[:line_end].decode("latin-1").rstrip("\r").rsplit(" ", 4)
    if len(fields) != 5 or not fields[4].isdigit():
        raise BadCopy(f"not an ARC record header: {arc_bytes[:80]!r}")
    uri, ip_address, _date, _content_type, length = fields
    block = arc_bytes[line_end + 1:line_end + 1 + int(length)]
    if len(block) != int(length):
        raise BadCopy(f"ARC record block is {len(block)} bytes, its header says {length}")
    record_id = new_record_id()
    headers = [
        ("WARC-Type", "response"),
        ("WARC-Record-ID", record_id),
        ("WARC-Date", record.date),
        ("WARC-Target-URI", uri),
        ("WARC-IP-Address", ip_address if ip_address not in ("", "0.0.0.0", "-") else ""),
        ("Content-Type", "application/http; msgtype=response"),
        ("WARC-Block-Digest", payload_sha1(block)),
        # Over the de-chunked body, as the reader gives it and the crawl digests it.
        ("WARC-Payload-Digest", payload_sha1(record.body)),
        ("Content-Length", str(len(block))),
    ]
    head = "".join(f"{name}: {check_line(value, name)}\r\n" for name, value in headers
                   if value)
    return b"WARC/1.1\r\n" + head.encode("utf-8") + b"\r\n" + block, record_id


def import_warcinfo(description: str) -> dict[str, str]:
    return {
        "software": f"pressarchive/{__version__} (warcio {version('warcio')})",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                      "warc-format/warc-1.1/",
        "hostname": platform.node(),
        "description": description,
    }


class CopyWriter:
    """Writes copied records and their origin records into DIR/warc, and knows what the
    archive holds already (the index, and what this run copied)."""

    def __init__(self, archive: Path, index: IndexWriter, description: str) -> None:
        self.index = index
        self.writer = WarcFileWriter(
            ArchiveLayout(archive).warc_dir, WARC_PREFIX,
            warcinfo_fields=import_warcinfo(description),
            max_file_bytes=MAX_FILE_BYTES, gzip_level=GZIP_LEVEL)
        # What this run copied: its capture rows are written in batches, later.
        self._record_ids: set[str] = set()
        self._payloads: set[tuple[str, str]] = set()
        self.bytes_kept = 0
        self.copied = 0

    def holds_record(self, record_id: str) -> bool:
        return bool(record_id) and (record_id in self._record_ids
                                    or self.index.has_capture(record_id))

    def holds_payload(self, url: str, digest: str) -> bool:
        """The archive has this payload of ``url`` (a CDX digest or "sha1:...")."""
        if not digest:
            return False
        labelled = digest if ":" in digest else f"sha1:{digest}"
        return (url, labelled) in self._payloads or self.index.holds_original(url, digest)

    def copy(self, member: bytes, record_id: str, origin: Origin) -> StoredRecord:
        """Write ``member`` (one gzip member, one record) and its origin record; the
        record as read back from the file. BadCopy if it would not pass verify; OSError
        (WarcWriteError) if it could not be written (the file stays valid)."""
        problem = member_problem(member)
        if problem:
            raise BadCopy(problem)
        origin_record = build_origin_record(
            origin, described_id=record_id, target_uri=origin.original_url,
            date=warc_date(time.time()))
        location = self.writer.write([RawMember(member, record_id), origin_record])[0]
        open_path = self.writer.current_path
        assert open_path is not None
        stored = read_record_at(open_path, location.offset)
        self._record_ids.add(record_id)
        self._payloads.add((stored.target_uri, stored.payload_digest))
        self.bytes_kept += len(member)
        self.copied += 1
        return dataclasses.replace(stored, filename=location.filename)

    def close(self) -> list[Path]:
        self.writer.close()
        return self.writer.files_written


@dataclass(frozen=True)
class IndexingOptions:
    sources: dict[str, Source]
    workers: int = 0
    timeout: float = 30.0
    options: ExtractionOptions = DEFAULT_OPTIONS


def index_copies(archive: Path, index: IndexWriter,
                 copies: Iterable[tuple[StoredRecord, Origin]],
                 options: IndexingOptions) -> ReextractReport:
    """Capture rows, origins rows and article rows of ``copies`` (each as read back
    from the archive), in order, through the rebuild's own RecordIndexer: a later
    `reextract` makes the same rows from the same records. Extraction workers start
    at the first article page (an import of a file of other hosts starts none)."""
    started = time.monotonic()
    report = ReextractReport(index=index.path)
    indexer = RecordIndexer(
        ReextractOptions(archive=archive, sources=options.sources,
                         timeout=options.timeout, options=options.options),
        copies, index, report, started, progress=None)
    pool = ExtractorPool(workers=options.workers or os.cpu_count() or 1,
                         timeout=options.timeout)
    with pool:
        indexer.write_results(pool.extract_many(indexer.tasks(),
                                                window=WINDOW_PER_WORKER * pool.workers))
    indexer.finish()
    report.seconds = time.monotonic() - started
    return report



@dataclass
class CopySession:
    """An archive open for copying into: its index, its copy writer, and what was done
    to make the index agree with the WARC files first."""

    index: IndexWriter
    copies: CopyWriter
    prepared: list[str]


@contextmanager
def copy_session(archive: Path, sources: dict[str, Source], purpose: str,
                 description: str, *, workers: int = 0) -> Iterator[CopySession]:
    """The archive under its lock for the block (ArchiveLocked if a crawl or another
    import holds it), made to agree with its WARC files as a crawl's start does: torn
    `.open` files repaired, an index that is missing or empty while WARC files exist
    rebuilt from them, records a killed run left without a capture row indexed (in the
    files written since the newest capture row's), and article pages never extracted
    extracted. Then the index and a CopyWriter, closed at the end."""
    try:
        archive.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PressArchiveError(f"cannot create archive directory {archive}: {exc}") from exc
    layout = ArchiveLayout(archive)
    with holding_lock(archive, purpose) as lock:
        prepared = _agree_with_warcs(archive, sources, lock, workers)
        index = layout.open_index()
        try:
            prepared += _reconcile(archive, index, sources, workers)
            copies = CopyWriter(archive, index, description)
            try:
                yield CopySession(index, copies, prepared)
            except (OSError, sqlite3.Error) as exc:
                # Only writes raise these here (a bad input is reported, not raised):
                # the WARC file is valid up to its last whole record, and the index
                # rows of the last batch were rolled back; the next run indexes them.
                raise PressArchiveError(
                    f"{purpose} stopped: cannot write the archive {archive}: "
                    f"{short_message(exc)}; what was copied stays valid, and the next "
                    "import, back-fill or crawl indexes it") from exc
            finally:
                try:
                    copies.close()
                except OSError as exc:
                    # Left as .open: the next run repairs and closes it (the lock says
                    # no writer is at work then).
                    log.error("cannot close the WARC file: %s", short_message(exc))
        finally:
            index.close()
        if copies.copied:
            refresh_index_health(archive)
            try:
                # Replay tools read it (the crawl rewrites it at its end too).
                write_cdxj(archive)
            except PressArchiveError as exc:
                log.error("%s", exc)


def _agree_with_warcs(archive: Path, sources: dict[str, Source], lock: ArchiveLock,
                      workers: int) -> list[str]:
    layout = ArchiveLayout(archive)
    done: list[str] = []
    if not layout.warc_dir.is_dir():
        return done
    for action in repair_open_files(layout.warc_dir, lock=lock):
        log.warning("WARC repair: %s", action)
        done.append(f"WARC repair: {action}")
    if archive_files(layout.warc_dir) and layout.index_is_missing_or_empty():
        log.warning("%s is missing or empty but %s holds WARC files: rebuilding the index "
                    "from them first", layout.index_db, layout.warc_dir)
        rebuilt = run_reextract(ReextractOptions(archive=archive, sources=sources,
                                                 workers=workers))
        done.append(f"index rebuilt from the WARC files first "
                    f"({rebuilt.outcomes.get('ok', 0)} articles)")
    return done


def _reconcile(archive: Path, index: IndexWriter, sources: dict[str, Source],
               workers: int) -> list[str]:
    done: list[str] = []
    if not ArchiveLayout(archive).warc_dir.is_dir():
        return done
    own = archive_files(ArchiveLayout(archive).warc_dir)
    # The newest of DIR/warc's own files the index knows, not of all its rows: a shared
    # crawl's rebuilt index also names the workers' files (pressarchive-NAME-…), which
    # sort after every name here and would leave a killed run's files unread.
    newest = index.db.execute(
        "select max(warc_file) from captures where warc_file in "
        "(select value from json_each(?))", [json.dumps([path.name for path in own])],
    ).fetchone()[0] or ""
    recent = [path for path in own if path.name >= newest]
    added = add_missing_captures(index, recent, sources)
    if added:
        done.append(f"{added} archived response(s) an earlier run left without a capture "
                    "row were indexed")
    extracted = reconcile(archive, index, sources, workers=workers or os.cpu_count() or 1)
    if extracted:
        done.append(f"{extracted} article page(s) left unindexed by an earlier run were "
                    "indexed from the WARC files")
    return done
