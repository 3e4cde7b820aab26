"""The capture store: WARC records, capture rows and crawl state of each exchange.

A `CaptureStore` turns an `Exchange` (archive/capture/exchange.py) into WARC records,
a capture row and the URL's crawl state. It runs in the writer process
(archive/capture/writer_process.py), or in the crawl process itself when that is
switched off, with the same code either way.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.articles import (
    news_sitemap,
    record_extraction,
    record_listings,
    record_removal,
    record_truncated,
)
from archive.capture.errors import StoreWriteError, write_error
from archive.capture.exchange import Exchange
from archive.capture.rows import capture_from_record
from archive.index.schema import Capture
from archive.layout import ArchiveLayout
from archive.shared_state import PayloadHolder, SharedCrawlState
from archive.sources import Source
from archive.warc.origin import build_origin_record
from archive.warc.reader import written_record
from archive.warc.records import (
    IDENTICAL_PAYLOAD_PROFILE,
    SERVER_NOT_MODIFIED_PROFILE,
    build_request_record,
    build_response_record,
    build_revisit_record,
    new_record_id,
    warc_date,
)
from archive.warc.writer import WarcFileWriter

if TYPE_CHECKING:
    from archive.extract import ExtractionResult
    from archive.state import CrawlState

WARC_PREFIX = "pressarchive"
# What the crawl process may ask the store to do; anything else is refused.
OPERATIONS = frozenset({"register_source", "store", "record_extraction", "record_truncated"})


def _database_failure(error: BaseException) -> bool:
    return isinstance(error.__cause__, sqlite3.Error)


@dataclass(frozen=True)
class StoreConfig:
    """What the store needs to open an archive directory (picklable)."""

    directory: Path
    warcinfo_fields: dict[str, str]
    max_file_bytes: int
    gzip_level: int
    # A worker of a shared crawl names its files after itself (crawler/frontier/).
    warc_prefix: str = WARC_PREFIX
    # ... and reads and records URL states in the shared crawl state, in this Redis.
    shared_state: str = ""


@dataclass(frozen=True)
class StoreTotals:
    records_written: int
    files_written: list[Path]


def _decoded(lines: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in lines]


class CaptureStore:
    """Owns the WARC writer, the index and the crawl state's writes for one crawl."""

    def __init__(self, config: StoreConfig):
        self.config = config
        self.sources: dict[str, Source] = {}
        self.writer = WarcFileWriter(
            ArchiveLayout(config.directory).warc_dir,
            config.warc_prefix,
            warcinfo_fields=config.warcinfo_fields,
            max_file_bytes=config.max_file_bytes,
            gzip_level=config.gzip_level,
        )
        self.index = ArchiveLayout(config.directory).open_index()
        self.state: CrawlState | SharedCrawlState = ArchiveLayout(
            config.directory).open_state()
        if config.shared_state:
            self.state = SharedCrawlState(self.state, config.shared_state)
        # Set by the first write that found the disk full: later calls are refused
        # before they write anything (the crawl is stopping; a WARC record written now
        # could not be indexed, and each attempt would grow and cut a file again).
        self.disk_full: StoreWriteError | None = None

    def run_batch(self, calls: Sequence[tuple[str, tuple]]) -> list[tuple[bool, Any]]:
        """Run calls in one transaction on the index and one on the state; (ok, result
        or exception) per call.

        All their rows are committed or none: a database error in any call (SQLite
        may then have rolled the whole transaction back already) or a failed commit
        rolls back the index and the state alike, and every call of the batch fails
        with StoreWriteError. The WARC records of a failed batch stay in the WARC
        files (whole records, unindexed); their URLs are fetched again next run."""
        results: list[tuple[bool, Any]] = []
        try:
            with self.batch():
                results = [self._run(operation, args) for operation, args in calls]
                for ok, value in results:
                    if not ok and _database_failure(value):
                        raise value.__cause__
        except sqlite3.Error as exc:
            failure = write_error(exc, "index rows and crawl state not committed")
            if failure.kind == "disk_full":
                self.disk_full = failure
            if len(results) != len(calls):
                return [(False, failure)] * len(calls)
            # A call that failed on its own (its WARC write) keeps its own error.
            return [(False, value if not ok and not _database_failure(value) else failure)
                    for ok, value in results]
        return results

    def _run(self, operation: str, args: tuple) -> tuple[bool, Any]:
        if self.disk_full is not None and operation != "register_source":
            return False, self.disk_full
        try:
            if operation not in OPERATIONS:
                raise ValueError(f"unknown store operation {operation!r}")
            return True, getattr(self, operation)(*args)
        except (OSError, sqlite3.Error) as exc:
            # One page that cannot be written (WarcWriteError: the WARC file stays
            # valid up to its previous record) fails only itself, unless it is the
            # database that failed (run_batch).
            error = write_error(exc, f"cannot {operation.replace('_', ' ')}")
            error.__cause__ = exc
            if error.kind == "disk_full":
                self.disk_full = error
            return False, error
        except Exception as exc:
            return False, exc

    def register_source(self, source: Source) -> None:
        """The source's recheck schedule and removal rules, for its exchanges."""
        self.sources[source.name] = source

    def close(self) -> StoreTotals:
        try:
            self.writer.close()
        finally:
            self.index.close()
            self.state.close()
        return StoreTotals(self.writer.records_written, self.writer.files_written)

    def store(self, exchange: Exchange) -> tuple[Capture, Counter[str]]:
        """Write the exchange's records; the capture and the stats to add.

        Raises OSError (WarcWriteError) when the records could not be written:
        the WARC stays valid up to the previous record and nothing is indexed.
        """
        counts: Counter[str] = Counter()
        date = warc_date(exchange.started_at)
        request_headers = _decoded(exchange.request_headers)
        response_headers = _decoded(exchange.response_headers)
        request_id = new_record_id()
        request_record = build_request_record(
            exchange.url,
            method=exchange.method,
            target=exchange.target,
            http_version="HTTP/1.1",
            headers=request_headers,
            body=exchange.request_body,
            date=date,
            record_id=request_id,
            ip_address=exchange.ip_address,
        )
        response_record = build_response_record(
            exchange.url,
            status=exchange.status,
            reason=exchange.reason,
            protocol=exchange.protocol,
            headers=response_headers,
            body=exchange.body,
            date=date,
            concurrent_to=request_id,
            ip_address=exchange.ip_address,
            truncated=exchange.truncated,
        )
        payload_digest = response_record.rec_headers.get_header("WARC-Payload-Digest") or ""
        original, profile = (self.find_original(exchange, payload_digest)
                             if exchange.origin is None else (None, ""))
        if original is not None:
            # The payload is already archived: store the head only.
            response_record = build_revisit_record(
                exchange.url,
                status=exchange.status,
                reason=exchange.reason,
                protocol=exchange.protocol,
                headers=response_headers,
                body_length=len(exchange.body),
                payload_digest=original.payload_digest,
                refers_to=original.record_id,
                refers_to_uri=original.url,
                refers_to_date=original.fetched_at,
                date=date,
                profile=profile,
                concurrent_to=request_id,
                ip_address=exchange.ip_address,
            )
            counts["warc/revisits"] += 1
            if profile == SERVER_NOT_MODIFIED_PROFILE:
                counts["warc/revisits_not_modified"] += 1
        records = [request_record, response_record]
        if exchange.origin is not None:
            # Written in the same call, so it lands right after the response, in the
            # same file: re-extraction pairs them by that (archive/warc/origin.py).
            records.append(build_origin_record(
                exchange.origin, described_id=response_record.rec_headers.get_header(
                    "WARC-Record-ID"), target_uri=exchange.url, date=date))
            counts["warc/origin_records"] += 1
        locations = self.writer.write(records)
        location = locations[1]
        counts["warc/records"] += len(records)
        counts["warc/responses"] += 1
        counts["warc/bytes"] += location.length
        if exchange.truncated:
            counts[f"warc/truncated/{exchange.truncated}"] += 1
        # Made from the record as written, by the function a rebuild makes it with from
        # the file: the rebuild's capture row equals this one.
        written = written_record(response_record, location)
        capture = capture_from_record(written, exchange.source, exchange.origin)
        self.index.add_captures([capture])
        if exchange.origin is not None:
            self.index.add_origins([(capture.record_id, exchange.origin)])
        # A news sitemap's entries, read from the record as a rebuild reads it from the file
        # (the body as stored, content encoding still on).
        sitemap = news_sitemap(capture, replace(written, body=exchange.body))
        if sitemap is not None:
            counts.update(record_listings(self.index, capture, sitemap))
        if exchange.origin is not None:
            # The crawl state is the live site's: a web archive's copy says nothing
            # about when the live page is next due, or whether it was removed.
            return capture, counts
        if not exchange.source:
            # A back-fill's exchange with a web archive (its CDX answers): no page of a
            # source, nothing for a later run to recheck.
            return capture, counts
        source = self.sources.get(exchange.source)
        self.note_fetch(exchange, capture, source, original)
        if exchange.article and record_removal(self.index, capture, source):
            counts["articles/removed"] += 1
        return capture, counts

    def find_original(self, exchange: Exchange, payload_digest: str
                      ) -> tuple[Capture | PayloadHolder | None, str]:
        """The earlier capture holding this response's payload, and the revisit profile."""
        if exchange.status == 304:
            if not exchange.conditional:
                return None, ""
            found = self.index.latest_payload_capture(exchange.url)
            return self._latest(exchange.url, found, True), SERVER_NOT_MODIFIED_PROFILE
        if exchange.truncated:
            return None, ""
        found = self.index.latest_payload(exchange.url)
        holder = self._latest(exchange.url, found, False)
        if holder is None or holder.payload_digest != payload_digest:
            return None, ""
        return holder, IDENTICAL_PAYLOAD_PROFILE

    def _latest(self, url: str, found: tuple[Capture, Capture] | None, not_modified: bool
                ) -> Capture | PayloadHolder | None:
        """The payload holder of the URL's latest complete capture (or 200), from this
        archive's index or, for a worker of a shared crawl, from whichever worker made
        the later capture: the revisit refers to a record in that worker's files."""
        shared = self.state.original(url, not_modified=not_modified)
        if shared is not None and (found is None or shared[0] > found[0].fetched_at):
            return shared[1]
        return found[1] if found else None

    def note_fetch(self, exchange: Exchange, capture: Capture, source: Source | None,
                   original: Capture | PayloadHolder | None) -> None:
        """State for the next runs: when this URL is next due, its validators."""
        self.state.record_fetch(
            url=capture.url, source=capture.source,
            kind="article" if exchange.article else "page",
            status=capture.status, etag=capture.etag, last_modified=capture.last_modified,
            payload_digest=capture.payload_digest,
            fetched=dt.datetime.now(dt.UTC),
            schedule=source.recheck_schedule if source else (),
            capture=capture, original=original,
        )

    def record_extraction(self, capture: Capture, result: ExtractionResult,
                          config_hash: str) -> tuple[str, Counter[str]]:
        return record_extraction(self.index, capture, result, config_hash)

    def record_truncated(self, capture: Capture) -> None:
        record_truncated(self.index, capture)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction on the index and one on the state for many calls.

        The index commits first and the state only after it: were it the other way,
        a failed index commit (a full disk) would leave the state counting pages as
        fetched that have no capture row, and no later run would fetch or index them.
        A failed index commit rolls the state back; a failed state commit after a
        good index commit costs a fetch of those pages again, never a loss."""
        with self.state.batch(), self.index.batch():
            yield
