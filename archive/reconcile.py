"""Make the index agree with the WARC files before a crawl writes more.

A crawl killed (kill -9) or stopped by a full disk can leave complete WARC records
that the index does not know: records written in a batch whose commit never happened
have no capture row, and an article page archived but not yet extracted has no
article row. Reconciling first adds the missing capture rows (reading only the files
written since the last clean run), then extracts exactly the unindexed article pages
from their WARC records, through the same path as the crawl and reextract. A crawl
whose index is missing or empty while WARC files exist rebuilds it from them first
(ArchiveLayout.index_is_missing_or_empty).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from archive.articles import article_outcome, config_hash, extraction_task, record_extraction
from archive.capture.rows import capture_from_record
from archive.extract import DEFAULT_OPTIONS, ExtractionOptions, ExtractionTask
from archive.extract.pool import ExtractorPool
from archive.index.schema import Capture
from archive.index.writer import IndexWriter
from archive.layout import ArchiveLayout
from archive.sources import Source, source_for_url
from archive.warc.decoding import ContentDecodingError
from archive.warc.origin import CAPTURE_AND_ORIGIN_TYPES, Origin, with_origins
from archive.warc.reader import (
    ReadError,
    StoredRecord,
    WarcReadError,
    archive_files,
    iter_records,
    read_record_at,
)

logger = logging.getLogger(__name__)


def files_written_since(warc_dir: Path, since: dt.datetime) -> list[Path]:
    """Closed WARC files modified at or after ``since`` (a minute of slack for clocks
    that rounded the run's start down to the second)."""
    threshold = since.timestamp() - 60
    return [path for path in archive_files(warc_dir) if path.stat().st_mtime >= threshold]


def source_name(record: StoredRecord, origin: Origin | None,
                sources: dict[str, Source]) -> str:
    """The source a record of the archive's own WARC files is filed under, as reextract
    files it: the configured source owning its (original) URL, else the name an import
    filed it under (`import --source`), else none."""
    url = origin.original_url if origin is not None else record.target_uri
    source = source_for_url(url, sources)
    if source is not None:
        return source.name
    return origin.filed_under if origin is not None else ""


def add_missing_captures(index: IndexWriter, paths: list[Path],
                         sources: dict[str, Source]) -> int:
    """Capture rows for the complete response and revisit records of ``paths`` that the
    index lacks (made as the crawl and reextract make them); returns how many were added."""
    added = 0
    errors: list[ReadError] = []
    for path in paths:
        missing = []
        origins = []
        for record, origin in with_origins(
                iter_records(path, types=CAPTURE_AND_ORIGIN_TYPES, errors=errors)):
            if not index.has_capture(record.record_id):
                missing.append(capture_from_record(record, source_name(record, origin,
                                                                       sources), origin))
                if origin is not None:
                    origins.append((record.record_id, origin))
        index.add_captures(missing)
        index.add_origins(origins)
        added += len(missing)
    for error in errors:
        logger.error("cannot read %s at offset %d: %s", error.filename, error.offset,
                     error.message)
    return added


def unindexed_article_captures(index: IndexWriter,
                               sources: dict[str, Source]) -> list[Capture]:
    """The latest 2xx response of each article URL that no row accounts for."""
    found = []
    for capture in index.unaccounted_captures():
        source = sources.get(capture.source)
        if source is not None and source.is_article(capture.url):
            found.append(capture)
    return found


def reconcile(archive: Path, index: IndexWriter, sources: dict[str, Source], *,
              options: ExtractionOptions = DEFAULT_OPTIONS, workers: int = 1) -> int:
    """Index the archived article pages the index lacks; returns how many."""
    missing = unindexed_article_captures(index, sources)
    if not missing:
        return 0
    logger.warning("%d archived article page(s) were never indexed (an earlier run was "
                   "killed or ran out of disk space): indexing them from the WARC files",
                   len(missing))
    warc_dir = ArchiveLayout(archive).warc_dir
    # In order, as extract_many gives the results: the captures whose tasks it took.
    extracting: deque[Capture] = deque()

    def tasks() -> Iterator[ExtractionTask]:
        for capture in missing:
            if article_outcome(capture) != "extract":
                continue
            try:
                record = read_record_at(warc_dir / capture.warc_file, capture.warc_offset)
                body = record.decoded_body()
            except (WarcReadError, ContentDecodingError, OSError) as exc:
                logger.error("cannot reconcile %s: %s", capture.url, exc)
                continue
            extracting.append(capture)
            yield extraction_task(capture, body, sources[capture.source], options)

    done = 0
    # Every worker busy: a run killed early can leave hundreds of pages to extract here,
    # before the crawl starts.
    with ExtractorPool(workers=workers) as pool:
        for result in pool.extract_many(tasks()):
            capture = extracting.popleft()
            record_extraction(index, capture, result,
                              config_hash(options, sources[capture.source]))
            done += 1
    return done
