"""`pressarchive import`: other crawlers' WARC, ARC and WACZ files into the archive.

Each input (a file, a folder of them, or an http(s) URL read as a stream,
archive/backfill/streams.py) is read record by record. A response or revisit of a
configured source's host (with `--source S`, of any host: the others are filed under
S), captured within `--from`/`--to`, that the archive does not hold yet is copied
verbatim into the archive's WARC files with an origin record naming the file and offset
it came from (archive/backfill/copies.py); the rest is counted and passed over, never
stored. The copies are then indexed in order by the rebuild's own RecordIndexer, so
`pressarchive reextract` gives the same rows from the WARC files alone.

What is kept of another crawler's file: response records, and revisit records whose
original the archive holds (by its record id, else by URL and payload digest). Request
and metadata records are left: the page and its headers are in the response, and our
origin record says where it came from. Deduplication: a record whose id the archive
holds, or a response whose URL and payload digest it holds (from a crawl, a back-fill
or an earlier import), is not copied again.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from archive import exitcodes, user_agent
from archive.backfill.copies import (
    CopyWriter,
    IndexingOptions,
    copy_session,
    decompressed,
    index_copies,
    payload_sha1,
    regzipped,
    warc_from_arc,
)
from archive.backfill.streams import (
    GZIP_STREAM,
    MEMBERS,
    CountingReader,
    InputError,
    RecordStream,
    is_url,
    open_streams,
)
from archive.backfill.window import parse_day
from archive.errors import PressArchiveError
from archive.progress import LiveLine
from archive.reextract_report import ReextractReport
from archive.sources import Source, source_for_url
from archive.warc.origin import (
    AS_CONVERTED_ARC,
    AS_MEMBER,
    AS_RECORD,
    AS_RECORD_IN_GZIP_STREAM,
    COPIED,
    Origin,
)
from archive.warc.reader import ARCHIVE_SUFFIXES, ReadError, StoredRecord, iter_stream

log = logging.getLogger(__name__)

DEFAULT_CONTACT_URL = "https://github.com/pressarchive/pressarchive"
INPUT_SUFFIXES = (*ARCHIVE_SUFFIXES, ".wacz")
_SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")

# Why a record read was not copied (ImportReport.skipped).
OTHER_TYPE = "not a response or revisit"
OTHER_HOST = "of other hosts"
OUTSIDE_WINDOW = "outside --from/--to"
NOT_HTTP = "not an HTTP response"
HELD = "already held"
NO_ORIGINAL = "revisits whose original the archive lacks"
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class ImportOptions:
    archive: Path
    sources: dict[str, Source]
    inputs: tuple[str, ...]  # files, folders or http(s) URLs
    source: str = ""  # `--source S`: pages of hosts no source owns are filed under S
    from_: str = ""  # YYYY-MM-DD, the first capture day kept
    to: str = ""  # YYYY-MM-DD, the last
    workers: int = 0
    timeout: float = 30.0
    user_agent: str = user_agent(DEFAULT_CONTACT_URL)
    quiet: bool = False  # no live progress line on a terminal (archive/progress.py)


@dataclass
class ImportReport:
    archive: Path
    inputs: int = 0
    files: int = 0  # WARC/ARC files read: inputs, and each entry of a WACZ
    records: int = 0
    kept: int = 0
    skipped: Counter = field(default_factory=Counter)
    # Records that could not be read or copied, with the file and offset.
    bad: list[ReadError] = field(default_factory=list)
    failed_inputs: list[str] = field(default_factory=list)
    bytes_read: int = 0
    bytes_kept: int = 0
    seconds: float = 0.0
    prepared: list[str] = field(default_factory=list)
    indexing: ReextractReport | None = None

    @property
    def exit_code(self) -> int:
        if self.failed_inputs and len(self.failed_inputs) == self.inputs:
            return exitcodes.COULD_NOT_RUN
        if self.bad or self.failed_inputs:
            return exitcodes.FINISHED_WITH_ERRORS
        return exitcodes.OK

    @property
    def kept_per_byte_read(self) -> float:
        return self.bytes_kept / self.bytes_read if self.bytes_read else 0.0

    def summary(self) -> str:
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items())) or "none"
        lines = [f"archive: {self.archive}"]
        lines += self.prepared
        lines += [
            f"{self.inputs} input(s), {self.files} WARC/ARC file(s): {self.records} records "
            f"read, {self.kept} copied into the archive; not copied: {skipped}",
            f"{self.bytes_read} bytes read, {self.bytes_kept} bytes kept "
            f"({self.kept_per_byte_read:.6f} bytes kept per byte read), "
            f"{self.seconds:.1f} s ({self.records / self.seconds if self.seconds else 0:.0f} "
            "records/s)",
        ]
        if self.indexing is not None:
            outcomes = ", ".join(f"{k} {v}" for k, v in sorted(self.indexing.outcomes.items()))
            lines.append(f"indexed: {self.indexing.captures} captures, "
                         f"{self.indexing.candidates} article pages extracted "
                         f"({outcomes or 'none'})")
        lines += [f"cannot import {failure}" for failure in self.failed_inputs]
        lines += [f"bad record: {e.filename} at offset {e.offset}: {e.message}"
                  for e in self.bad]
        lines.append(f"exit {self.exit_code}")
        return "\n".join(lines)


def check_options(options: ImportOptions) -> None:
    """Every error a user can make, found before the archive is locked or written."""
    if not options.inputs:
        raise PressArchiveError("nothing to import: name WARC, ARC or WACZ files or URLs")
    if options.source and not _SOURCE_NAME.fullmatch(options.source):
        raise PressArchiveError(f"--source must be letters, digits, '-' or '_', got "
                                f"{options.source!r}")
    try:
        first = parse_day(options.from_, "--from") if options.from_ else None
        last = parse_day(options.to, "--to") if options.to else None
    except ValueError as exc:
        raise PressArchiveError(str(exc)) from None
    if first and last and last < first:
        raise PressArchiveError(f"--to {last} is before --from {first}")
    for spec in options.inputs:
        if not is_url(spec) and not Path(spec).exists():
            raise PressArchiveError(f"no such file or directory: {spec}")


def expand_inputs(inputs: tuple[str, ...]) -> list[str]:
    """Folders walked (other tools nest their files), in name order; files and URLs as
    given."""
    found: list[str] = []
    for spec in inputs:
        path = Path(spec)
        if not is_url(spec) and path.is_dir():
            found += sorted(str(p) for p in path.rglob("*")
                            if p.is_file() and p.name.lower().endswith(INPUT_SUFFIXES))
        else:
            found.append(spec)
    return found


def run_import(options: ImportOptions) -> ImportReport:
    """Copy and index what the inputs hold of the configured sources (under the archive
    lock; ArchiveLocked if a crawl holds it)."""
    check_options(options)
    started = time.monotonic()
    report = ImportReport(archive=options.archive)
    inputs = expand_inputs(options.inputs)
    report.inputs = len(inputs)
    description = ("records copied from other crawlers' files by `pressarchive import`; "
                   "each is followed by a metadata record naming its origin")
    with copy_session(options.archive, options.sources, "import", description,
                      workers=options.workers) as session:
        report.prepared = session.prepared
        reading = _Reading(options, session.copies, report)
        report.indexing = index_copies(
            options.archive, session.index, reading.records(inputs),
            IndexingOptions(options.sources, options.workers, options.timeout))
        report.bytes_kept = session.copies.bytes_kept
    report.seconds = time.monotonic() - started
    return report


class _Reading:
    """The records of the inputs, the decision on each, and the copies made."""

    def __init__(self, options: ImportOptions, copies: CopyWriter,
                 report: ImportReport) -> None:
        self.options = options
        self.copies = copies
        self.report = report
        self.counters: list[CountingReader] = []
        self.line = LiveLine(quiet=options.quiet)
        self.started = time.monotonic()

    def progress(self) -> str:
        """The live line: inputs, records read and kept, bytes, rate."""
        report, seconds = self.report, max(time.monotonic() - self.started, 1e-6)
        read = sum(c.bytes_read for c in self.counters)
        return (f"import: {report.files} files, {report.records} records read, "
                f"{report.kept} kept, {len(report.bad)} errors, {read / 1e6:.1f} MB, "
                f"{report.records / seconds:.0f} records/s")

    def records(self, inputs: list[str]) -> Iterator[tuple[StoredRecord, Origin]]:
        for spec in inputs:
            errors: list[ReadError] = []
            try:
                for stream in open_streams(spec, self.counters, errors,
                                           user_agent=self.options.user_agent):
                    self.report.files += 1
                    yield from self._copies_of(stream)
            except InputError as exc:
                log.error("%s", exc)
                self.report.failed_inputs.append(str(exc))
            finally:
                self.report.bad += errors
                self.report.bytes_read = sum(c.bytes_read for c in self.counters)
        self.line.end()

    def _copies_of(self, stream: RecordStream) -> Iterator[tuple[StoredRecord, Origin]]:
        errors: list[ReadError] = []
        seen = 0
        try:
            for record in iter_stream(stream.reader, stream.name, errors=errors):
                self.report.records += 1
                # A warning about this record (a wrong length): it is not copied.
                damaged = any(e.offset == record.offset for e in errors[seen:])
                seen = len(errors)
                try:
                    copied = self._consider(stream, record, damaged)
                finally:
                    stream.reader.forget(record.offset + record.length)
                self.line.tick(self.progress)
                if copied is not None:
                    yield copied
        finally:
            self.report.bad += errors

    def _consider(self, stream: RecordStream, record: StoredRecord,
                  damaged: bool) -> tuple[StoredRecord, Origin] | None:
        """The record copied and its origin, or None (counted in report.skipped)."""
        why = self._not_wanted(record, damaged)
        if why:
            self.report.skipped[why] += 1
            return None
        raw = stream.reader.slice(record.offset, record.offset + record.length)
        owner = source_for_url(record.target_uri, self.options.sources)
        try:
            member, record_id, copied_as = _member(stream.layout, raw, record)
            origin = Origin(
                kind=COPIED, web_archive=stream.web_archive, original_url=record.target_uri,
                original_date=record.date, source_file=stream.source_file,
                source_offset=record.offset, source_length=record.length,
                copied_as=copied_as, filed_under="" if owner else self.options.source)
            stored = self.copies.copy(member, record_id, origin)
        except ValueError as exc:
            # BadCopy (it would not pass verify), or a header that cannot be written. A
            # WARC file of the archive that cannot be written (OSError) stops the import.
            self.report.bad.append(ReadError(stream.name, record.offset,
                                             f"not copied: {exc}", fatal=False))
            self.report.skipped[UNREADABLE] += 1
            return None
        self.report.kept += 1
        return stored, origin

    def _not_wanted(self, record: StoredRecord, damaged: bool) -> str:
        """Why the record is not copied, or "" to copy it: the cheap tests first, since
        most records of a CC-NEWS file are of other hosts."""
        if record.rec_type not in ("response", "revisit"):
            return OTHER_TYPE
        url = record.target_uri
        if source_for_url(url, self.options.sources) is None and not self.options.source:
            return OTHER_HOST
        day = record.date[:10]
        if (self.options.from_ and day < self.options.from_) or \
                (self.options.to and day > self.options.to):
            return OUTSIDE_WINDOW
        if record.http_status is None:
            return NOT_HTTP
        if damaged:
            return UNREADABLE
        if self.copies.holds_record(record.record_id):
            return HELD
        if record.rec_type == "revisit":
            original_url = record.warc_header("WARC-Refers-To-Target-URI") or url
            if not (self.copies.holds_record(record.refers_to)
                    or self.copies.holds_payload(original_url, record.payload_digest)):
                return NO_ORIGINAL
            return ""
        digest = record.payload_digest or payload_sha1(record.body)
        return HELD if self.copies.holds_payload(url, digest) else ""


def _member(layout: str, raw: bytes, record: StoredRecord) -> tuple[bytes, str, str]:
    """The gzip member to write for a record read as ``raw`` from a stream of
    ``layout``, its record id, and how it was copied (Origin.copied_as)."""
    if record.warc_header("archive-date"):
        # An ARC record (warcio keeps its header line's fields as its headers).
        arc_bytes = decompressed(raw) if layout == MEMBERS else raw
        warc_record, record_id = warc_from_arc(arc_bytes, record)
        return regzipped(warc_record), record_id, AS_CONVERTED_ARC
    if layout == MEMBERS:
        return raw, record.record_id, AS_MEMBER
    copied_as = AS_RECORD_IN_GZIP_STREAM if layout == GZIP_STREAM else AS_RECORD
    return regzipped(raw), record.record_id, copied_as
