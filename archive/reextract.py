"""Rebuild an archive's index from its WARC files alone, offline.

The WARC records are read in file order (the writer names files by time); the files of
a shared crawl's workers (`--from DIR/workers`) as one stream per worker, the streams
merged by WARC-Date, so that the records come in the order one machine would have
written them (see `merged_by_date`). Each record
becomes a capture row (archive.capture.rows, as in the crawl), and each article
page goes through the same functions the live crawl uses (archive.articles), in
extraction worker processes. The new
index is written to a fresh file and swapped in atomically: DIR/index.db is a
symlink to the current build, so a reader (Datasette) holding the old build
keeps a consistent view, and new readers see the complete new one. SQLite puts
a WAL file beside the symlink's target, so the two builds never share one.
"""

from __future__ import annotations

import datetime as dt
import heapq
import logging
import os
import sqlite3
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from archive.articles import (
    ArticleOutcome,
    article_outcome,
    config_hash,
    extraction_task,
    news_sitemap,
    record_extraction,
    record_listings,
    record_removal,
    record_truncated,
)
from archive.capture.rows import capture_from_record
from archive.errors import PressArchiveError
from archive.extract import DEFAULT_OPTIONS, ExtractionOptions, ExtractionResult, ExtractionTask
from archive.extract.pool import ExtractorPool
from archive.index.builds import (
    LostArticles,
    finish_build,
    lost_articles,
    new_build_path,
    remove_abandoned_builds,
    remove_database,
    swap_in,
)
from archive.index.health import EXTRACTION_RESULT_COLUMNS, files_by_name, refresh_health
from archive.index.schema import Capture, enable_search
from archive.index.writer import IndexWriter
from archive.layout import ArchiveLayout, worker_warc_folders
from archive.lock import ArchiveLock, holding_lock
from archive.news_sitemap import NewsSitemap
from archive.reextract_report import Progress, ReextractReport, record_run
from archive.sources import Source, source_for_url
from archive.stories.cluster import rebuild_stories
from archive.warc.decoding import ContentDecodingError
from archive.warc.origin import CAPTURE_AND_ORIGIN_TYPES, Origin, with_origins
from archive.warc.reader import (
    ARCHIVE_SUFFIXES,
    OPEN_SUFFIX,
    ReadError,
    StoredRecord,
    archive_files,
    iter_records,
)
from archive.warc.repair import repair_open_files

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Pages read ahead per worker (bounded by extract_many's window_bytes too). Results are
# written in WARC order, so while one worker is on a slow page (seconds, for some real
# pages) the others work through this read-ahead; with 2 per worker, as before, they sat
# idle for about 3 % of a 2,000-page rebuild.
WINDOW_PER_WORKER = 32
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class ReextractOptions:
    archive: Path
    sources: dict[str, Source]
    warc_paths: tuple[Path, ...] = ()  # default: DIR/warc/
    workers: int = 0
    source: str | None = None
    since: str | None = None
    timeout: float = 30.0
    options: ExtractionOptions = DEFAULT_OPTIONS
    # Swap in a build that has no trace of some articles of the current index.
    force: bool = False
    # No progress line on a terminal (archive/reextract_report.py: Progress).
    quiet: bool = False


def is_article_page(capture: Capture, source: Source | None) -> bool:
    """The pages the crawl hands to extraction: 2xx answers at article URLs.

    For a WARC the project did not write (no configured source owns the URL),
    every 2xx HTML page is a candidate and extraction decides.
    """
    if not 200 <= capture.status < 300:
        return False
    if source is not None:
        return source.is_article(capture.url)
    return capture.content_type.split(";", 1)[0].strip().lower() in HTML_TYPES


def iter_warc_records(paths: list[Path], errors: list[ReadError],
                      progress: Progress) -> Iterator[tuple[StoredRecord, Origin | None]]:
    """Each response and revisit, with the origin of a back-filled one."""
    for path in paths:
        yield from with_origins(iter_records(path, types=CAPTURE_AND_ORIGIN_TYPES,
                                             errors=errors))
        progress.done_bytes += path.stat().st_size


def iter_streams(streams: list[list[Path]], errors: list[ReadError], progress: Progress
                 ) -> Iterator[tuple[StoredRecord, Origin | None]]:
    """The records of `streams` (see `warc_streams`): one stream read as it is, several
    merged by date (`merged_by_date`)."""
    if len(streams) == 1:
        return iter_warc_records(streams[0], errors, progress)
    return merged_by_date([iter_warc_records(stream, errors, progress)
                           for stream in streams])


def merged_by_date(streams: list[Iterator[tuple[StoredRecord, Origin | None]]]
                   ) -> Iterator[tuple[StoredRecord, Origin | None]]:
    """The records of several workers' streams in the order one machine would have
    written them: by WARC-Date, a tie going to the earlier stream (worker names' order).

    A record of one worker may refer to, or be a later version of, another worker's
    (a revisit of a page the other fetched the day before): versions, the latest
    capture and revisits come out as in a local crawl only in time order. Each stream
    keeps its own order whatever its dates say (heapq.merge takes the next record of
    some stream, never reorders one), and a back-filled capture stays paired with its
    origin record, as the pair is one item of its stream (with_origins)."""
    return (item for _when, item in heapq.merge(*map(_dated, streams), key=itemgetter(0)))


_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


def _dated(records: Iterator[tuple[StoredRecord, Origin | None]]
           ) -> Iterator[tuple[dt.datetime, tuple[StoredRecord, Origin | None]]]:
    """Each record with its WARC-Date as a time (compared as text, a date with a
    fraction of a second would sort before the same second without one); a record
    without a readable date keeps its predecessor's, so stays right behind it."""
    last = _EPOCH
    for item in records:
        last = _warc_time(item[0].date) or last
        yield last, item


def _warc_time(date: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(date.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def warc_inputs(options: ReextractOptions) -> list[Path]:
    """Every WARC file to read (see `warc_streams`), stream after stream."""
    return [path for stream in warc_streams(options) for path in stream]


def warc_streams(options: ReextractOptions) -> list[list[Path]]:
    """The WARC files to read, as streams of files each read in its order.

    One stream, as always, for DIR/warc, and for `--from` files and folders (a folder's
    files walked in name order, one after the other in the order given); one stream per
    worker for a folder of a shared crawl's workers (DIR/workers, or the shared archive
    DIR itself), merged by date (`merged_by_date`)."""
    if not options.warc_paths:
        warc_dir = ArchiveLayout(options.archive).warc_dir
        if not warc_dir.is_dir():
            raise PressArchiveError(f"no WARC files: {warc_dir} does not exist")
        return [archive_files(warc_dir)]
    streams: list[list[Path]] = []
    plain: list[Path] | None = None  # the one stream of everything else, where it came
    for path in options.warc_paths:
        if path.is_dir() and (workers := worker_streams(path)) is not None:
            streams.extend(workers)
            continue
        if plain is None:
            plain = []
            streams.append(plain)
        if path.is_dir():
            plain.extend(_walk(path))
        elif path.is_file():
            plain.append(path)
        else:
            raise PressArchiveError(f"no such WARC file or directory: {path}")
    return streams


def worker_streams(folder: Path) -> list[list[Path]] | None:
    """The files of each worker, by worker name, if `folder` holds a shared crawl's
    workers' archives (DIR/workers, or a copy collected from their machines) or is
    such an archive (DIR, its own DIR/warc first); None if it is anything else, or
    holds WARC files elsewhere too: such a folder is read as one stream, as before."""
    for folders in (worker_warc_folders(folder), ArchiveLayout(folder).warc_folders()):
        if not any(f.worker for f in folders):
            continue
        streams = [f.files() for f in folders]
        # A subset: the walk does not follow links, a worker's folder may be one.
        if set(_walk(folder)) <= {p for stream in streams for p in stream}:
            return [stream for stream in streams if stream]
    return None


def _walk(folder: Path) -> list[Path]:
    # Other tools' collections nest WARCs in folders: walk them.
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.name.endswith(ARCHIVE_SUFFIXES)
        and not p.name.endswith(OPEN_SUFFIX)
    )


def carry_over(index: IndexWriter, old_db: Path, extracted_urls_sql: str) -> int:
    """Rows of the previous index outside --source/--since, kept as they were.

    Run before re-extracting, so that versions re-extracted after --since number
    on from the versions kept."""
    if not old_db.exists():
        return 0
    db = index.db
    db.execute("attach database ? as old", [str(old_db)])
    try:
        # Carried rows keep their ids (links to them stay right) and their seq.
        old_columns = {row[1] for row in db.execute("pragma old.table_info(articles)")}
        old_tables = {row[0] for row in db.execute(
            "select name from old.sqlite_master where type = 'table'")}
        columns = [c for c in db["articles"].columns_dict if c in old_columns]
        selected = list(columns)
        if "seq" not in old_columns:
            # An index from before seq: its ids were the capture order.
            columns.append("seq")
            selected.append("id")
        cols = ", ".join(columns)
        before = db["articles"].count
        with db.conn:
            db.execute(
                f"insert or ignore into articles ({cols}) select {', '.join(selected)} "
                f"from old.articles where not ({extracted_urls_sql})"
            )
            version_cols = ", ".join(db["article_versions"].columns_dict)
            db.execute(
                f"insert or ignore into article_versions ({version_cols}) "
                f"select {version_cols} from old.article_versions "
                f"where not ({extracted_urls_sql}) order by url, version"
            )
            # An older index may lack the table, or columns added since (left at 0).
            old_results = {row[1] for row in db.execute(
                "pragma old.table_info(extraction_results)")}
            result_cols = ", ".join(c for c in EXTRACTION_RESULT_COLUMNS if c in old_results)
            if "extraction_results" in old_tables:
                db.execute(
                    f"insert or ignore into extraction_results ({result_cols}) "
                    f"select {result_cols} from old.extraction_results "
                    f"where not ({extracted_urls_sql})"
                )
            na_cols = ", ".join(db["non_articles"].columns_dict)
            db.execute(
                f"insert or ignore into non_articles ({na_cols}) select {na_cols} "
                f"from old.non_articles where not ({extracted_urls_sql})"
            )
            if "claims" in {r[0] for r in db.execute(
                    "select name from old.sqlite_master where type = 'table'")}:
                # The claims of the articles carried over (claims have no fetched_at).
                claim_cols = ", ".join(db["claims"].columns_dict)
                db.execute(
                    f"insert or ignore into claims ({claim_cols}) select {claim_cols} "
                    f"from old.claims where url in (select url from main.articles)"
                )
            if "story_signatures" in old_tables:
                # The carried articles' signatures and bands (derived from their texts,
                # which are carried as they were); their stories are recomputed below.
                for table in ("story_signatures", "story_bands"):
                    db.execute(f"insert or ignore into {table} select * from old.{table} "
                               f"where url in (select url from main.articles)")
        carried = db["articles"].count - before
    finally:
        db.execute("detach database old")
    # The carried articles' stories as the components among them: the articles then
    # re-extracted join them one by one (refresh_story), as in a crawl.
    with db.conn:
        rebuild_stories(db.conn, [r[0] for r in db.execute(
            "select url from articles where url not in (select url from story_signatures) "
            "order by url")])
    return carried


def run_reextract(options: ReextractOptions) -> ReextractReport:
    started = time.monotonic()
    if options.source and options.source not in options.sources:
        raise PressArchiveError(
            f"unknown source {options.source!r}; known: {', '.join(options.sources)}"
        )
    options.archive.mkdir(parents=True, exist_ok=True)
    with holding_lock(options.archive, "reextract") as lock:
        repaired = _prepare_archive(options, lock)
        report = _rebuild(options, warc_streams(options), started)
    report.repaired = repaired
    return report


def _prepare_archive(options: ReextractOptions, lock: ArchiveLock) -> list[str]:
    """What a killed crawl or rebuild left: torn WARC files are repaired (their
    complete records are archived pages too, and are read), half-built indexes removed."""
    abandoned = remove_abandoned_builds(options.archive)
    if abandoned:
        logger.info("removed %d half-built index(es) of killed rebuilds", abandoned)
    if options.warc_paths:
        return []
    actions = repair_open_files(ArchiveLayout(options.archive).warc_dir, lock=lock)
    for action in actions:
        logger.warning("WARC repair: %s", action)
    return [str(action) for action in actions]


@dataclass(frozen=True)
class PendingWrite:
    """What one capture calls for, queued in WARC order: `extract` waits for its
    extraction result; the others are written as they come up."""

    action: ArticleOutcome | Literal["removal", "undecodable", "listings"]
    capture: Capture
    source: Source | None
    error: str = ""
    sitemap: NewsSitemap | None = None  # "listings": a news sitemap's entries


class RecordIndexer:
    """The captures of WARC records in order, their extraction tasks, and the writes of
    both into an index: a rebuild's (every record of the WARC files), and an import's
    or a Common Crawl back-fill's (each record as copied into the archive,
    archive/backfill/copies.py), so that a rebuild gives the rows the import gave.

    Every write for a capture goes through one queue, in WARC order, whether it waits
    for an extraction result or not: a later capture of a URL (a 404, a cut body) must
    never be written before an earlier one's extraction."""

    def __init__(self, options: ReextractOptions,
                 records: Iterable[tuple[StoredRecord, Origin | None]], index: IndexWriter,
                 report: ReextractReport, started: float, progress: Progress | None) -> None:
        self.options = options
        self.records = records
        self.index = index
        self.report = report
        self.started = started
        self.progress = progress
        self.foreign = bool(options.warc_paths)
        self.hashes = {name: config_hash(options.options, s)
                       for name, s in options.sources.items()}
        self.foreign_hash = config_hash(options.options, None)
        self.pending: deque[PendingWrite] = deque()
        self.captures: list[Capture] = []
        self.origins: list[tuple[str, Origin]] = []

    def tasks(self) -> Iterator[ExtractionTask]:
        """Extraction tasks in WARC order; capture rows are written on the way."""
        for record, origin in self.records:
            capture, source = self._capture(record, origin)
            # Whatever --source and --since select: the listings table is rebuilt whole.
            sitemap = news_sitemap(capture, record)
            if sitemap is not None:
                self.pending.append(PendingWrite("listings", capture, source, sitemap=sitemap))
            write, body = self._what_to_write(capture, source, record)
            if write is None:
                continue
            self.pending.append(write)
            if body is not None:
                self.report.candidates += 1
                yield extraction_task(capture, body, source, self.options.options)
                if self.progress is not None:
                    self.progress.update(self.report.candidates)

    def _capture(self, record: StoredRecord, origin: Origin | None
                 ) -> tuple[Capture, Source | None]:
        self.report.records += 1
        url = origin.original_url if origin is not None else record.target_uri
        source = source_for_url(url, self.options.sources)
        if source is not None:
            name = source.name
        elif origin is not None and origin.filed_under:
            # Imported with --source: a host no source owns, filed under that name.
            name = origin.filed_under
        else:
            # Another tool's WARC: its sites are told apart by host name.
            name = (urlsplit(url).hostname or "") if self.foreign else ""
        capture = capture_from_record(record, name, origin)
        self.captures.append(capture)
        if origin is not None:
            self.origins.append((capture.record_id, origin))
        self.report.captures += 1
        if len(self.captures) >= BATCH_SIZE:
            self._flush_captures()
        return capture, source

    def _what_to_write(self, capture: Capture, source: Source | None, record: StoredRecord
                       ) -> tuple[PendingWrite | None, bytes | None]:
        """The write a capture calls for (None outside --source/--since, or for a page
        that is no article), and the body to extract for an `extract`."""
        options = self.options
        if options.source and capture.source != options.source:
            return None, None
        if options.since and capture.fetched_at < options.since:
            return None, None
        if source is not None and source.is_article(capture.url) and \
                not 200 <= capture.status < 300:
            return PendingWrite("removal", capture, source), None
        # A page of a host no source owns is extracted generically in another tool's WARC
        # (--from), or when an import filed it under a source name (`import --source`).
        generic = self.foreign or bool(capture.source)
        if (source is None and not generic) or not is_article_page(capture, source):
            return None, None
        outcome = article_outcome(capture)
        if outcome != "extract":
            return PendingWrite(outcome, capture, source), None
        try:
            body = record.decoded_body()
        except ContentDecodingError as exc:
            return PendingWrite("undecodable", capture, source, error=str(exc)), None
        return PendingWrite("extract", capture, source), body

    def write_until_extraction(self) -> PendingWrite | None:
        """Write queued outcomes up to the next one that waits for a result."""
        while self.pending:
            write = self.pending.popleft()
            if write.action == "extract":
                return write
            self._write_outcome(write)
        return None

    def _write_outcome(self, write: PendingWrite) -> None:
        capture, outcomes = write.capture, self.report.outcomes
        if write.action == "listings":
            assert write.sitemap is not None
            record_listings(self.index, capture, write.sitemap)
            return
        if write.action == "removal":
            if record_removal(self.index, capture, write.source):
                outcomes["removed"] += 1
            return
        outcomes[write.action] += 1
        if write.action == "truncated":
            record_truncated(self.index, capture)
        elif write.action == "undecodable":
            self.index.add_non_article(
                url=capture.url, source=capture.source, status="error",
                error=f"cannot decode body: {write.error}", title="",
                capture_record_id=capture.record_id, fetched_at=capture.fetched_at,
            )

    def write_results(self, results: Iterator[ExtractionResult]) -> None:
        """Every result and queued outcome, one transaction per batch of results."""
        while True:
            with self.index.batch():
                chunk = 0
                for result in islice(results, BATCH_SIZE):
                    write = self.write_until_extraction()
                    assert write is not None, "a result without its capture"
                    config = (self.hashes[write.source.name] if write.source
                              else self.foreign_hash)
                    record_extraction(self.index, write.capture, result, config)
                    self.report.outcomes[result.status] += 1
                    self.report.last_result_at = time.monotonic() - self.started
                    if not self.report.first_result_at:
                        self.report.first_result_at = self.report.last_result_at
                    chunk += 1
                if not chunk:
                    self.write_until_extraction()
                    return

    def _flush_captures(self) -> None:
        self.index.add_captures(self.captures)
        self.index.add_origins(self.origins)
        self.captures.clear()
        self.origins.clear()

    def finish(self) -> None:
        self._flush_captures()
        if self.progress is not None:
            self.progress.update(self.report.candidates, final=True)


def _rebuild(options: ReextractOptions, streams: list[list[Path]], started: float
             ) -> ReextractReport:
    paths = [path for stream in streams for path in stream]
    # Workers take seconds to import and warm up: started first, that overlaps the
    # index creation and the carry-over of rows outside --source/--since.
    pool = ExtractorPool(workers=options.workers or os.cpu_count() or 1,
                         timeout=options.timeout)
    build = new_build_path(options.archive)
    try:
        pool.start(wait=False)
        index = IndexWriter(build, search=False)
    except BaseException as exc:
        pool.close()
        remove_database(build)
        if isinstance(exc, sqlite3.OperationalError | OSError):
            raise PressArchiveError(f"cannot create the new index {build}: {exc}") from exc
        raise
    report = ReextractReport(index=ArchiveLayout(options.archive).index_db, warc_files=len(paths))
    progress = Progress(sum(p.stat().st_size for p in paths), quiet=options.quiet)
    rebuild = RecordIndexer(options, iter_streams(streams, report.read_errors, progress),
                            index, report, started, progress)
    try:
        if options.source or options.since:
            report.carried_over = carry_over(index, report.index,
                                             _filter_sql(options))
        extract_started = time.monotonic()
        with pool:
            rebuild.write_results(pool.extract_many(
                rebuild.tasks(), window=WINDOW_PER_WORKER * pool.workers))
            report.worker_recycles = pool.recycled
            report.worker_cpu_seconds = pool.worker_cpu_seconds
            report.worker_peak_rss_mb = pool.peak_worker_rss_bytes / 1024 / 1024
        rebuild.finish()
        refresh_health(index.db.conn, files_by_name(paths))
        report.extract_seconds = time.monotonic() - extract_started
        enable_search(index.db)
        report.seconds = time.monotonic() - started
        record_run(index, report, rebuild.hashes, source_filter=options.source or "",
                   since=options.since or "")
        _refuse_lost_articles(index, report, options)
        # The swapped-in file must not depend on a WAL left beside it.
        index.db.execute("pragma wal_checkpoint(truncate)")
    except BaseException as exc:
        pool.close()
        index.close()
        remove_database(build)
        if isinstance(exc, sqlite3.OperationalError | OSError):
            # A full disk, most often: one line, and the current index stays in place.
            raise PressArchiveError(
                f"cannot write the new index in {build.parent}: {exc}; the current "
                "index is kept") from exc
        raise
    index.close()
    swap_in(options.archive, finish_build(build))
    return report


def _filter_sql(options: ReextractOptions) -> str:
    """The rows --source/--since re-extract (the others are carried over)."""
    conditions = []
    if options.source:
        conditions.append(f"source = {_sql_literal(options.source)}")
    if options.since:
        conditions.append(f"fetched_at >= {_sql_literal(options.since)}")
    return " and ".join(conditions)


def _refuse_lost_articles(index: IndexWriter, report: ReextractReport,
                          options: ReextractOptions) -> None:
    report.lost, had = lost_articles(index, report.index)
    if not report.lost or options.force:
        return
    unreadable = ""
    if report.read_errors:
        first = report.read_errors[0]
        unreadable = (f"; {len(report.read_errors)} WARC read error(s), the first: "
                      f"{first.filename} at offset {first.offset}: {first.message}")
    raise LostArticles(
        f"not swapped in: the rebuild has no trace of {report.lost} of the {had} "
        f"articles in {report.index}{unreadable}; the current index "
        "is kept (--force swaps the rebuild in anyway)")


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
