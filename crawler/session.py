"""What the spiders of one crawl process share for one archive directory.

Several sources crawl at once in one process; they write to the same WARC
files, the same index and the same extraction workers. The first component
that needs the session opens it and the last one to let go closes it, so WARC
files are closed (and renamed from .open) when the crawl ends.

Why a registry in the class (`CrawlSession._sessions`, one session per archive
directory, counted users) rather than a session handed to the components through the
crawler: Scrapy gives a component its crawler and nothing else, and nothing reachable
from a crawler is shared by the crawlers of one process (one per source).

- A Crawler has no reference to the CrawlerProcess that made it.
- Each crawler gets its own copy of the settings (`Settings.copy()` is a deep copy):
  a session put in the settings would become one session per source, i.e. several
  writers, archive locks and worker pools for one archive.
- `scrapy crawl NAME` makes its CrawlerProcess itself: no project code runs before
  the components are built, so the first component has to open the session anyway.
- An object stored on each crawler would still be found through a process-wide
  lookup to be shared, and would only move the counting of users.

The registry is keyed by the resolved archive directory, so crawlers of different
archives in one process (tests, benches) get a session each; the lock makes
`acquire` / `release` safe from any thread. Each component that uses the session
acquires it in `from_crawler` and releases it on its crawler's `spider_closed`.
"""

from __future__ import annotations

import logging
import os
import platform
import threading
import time
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from twisted.python.threadpool import ThreadPool

from archive import __version__
from archive.capture.errors import StoreWriteError, short_message
from archive.capture.store import WARC_PREFIX, StoreConfig
from archive.capture.writer_process import StoreCallError
from archive.layout import ArchiveLayout
from archive.lock import ArchiveLock, held_lock, held_lock_descriptor
from archive.shared_state import SharedCrawlState
from archive.warc.repair import repair_open_files
from crawler import frontier
from crawler.writer_client import InlineWriter, WriterProcess, WriterProcessDied

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from archive.extract import ExtractionOptions
    from archive.extract.pool import ExtractorPool
    from archive.state import CrawlState

logger = logging.getLogger(__name__)

# Failures of the archive writes that end the crawl: nothing more can be archived, and
# a crawler must not fetch what it cannot keep. The value is the spiders' finish reason.
STOPPING_FAILURES = {"disk_full": "disk_full", "writer_died": "archive_writer_died"}
WRITE_FAILURES = (StoreWriteError, WriterProcessDied, StoreCallError)


def failure_kind(exc: BaseException) -> str:
    if isinstance(exc, StoreWriteError):
        return exc.kind
    if isinstance(exc, WriterProcessDied):
        return "writer_died"
    return type(exc).__name__


def failure_line(kind: str, exc: BaseException, url: str) -> str:
    """The one line a kind of failure gets in the log, whatever the number of pages."""
    if kind == "disk_full":
        return (f"the archive's disk is full ({short_message(exc)}): stopping the crawl; "
                "what was archived stays valid, and the next run, with space, fetches "
                "the pages not archived")
    if kind == "writer_died":
        return f"stopping the crawl: {short_message(exc)}"
    return (f"could not archive {url}: {short_message(exc)} (later failures of this "
            "kind are counted in the stats, not logged)")


def warcinfo_fields(settings: Any, crawl_id: str, worker: str = "") -> dict[str, str]:
    fields = {
        "software": (
            f"pressarchive/{__version__} (Scrapy {scrapy.__version__}; "
            f"warcio {version('warcio')}; "
            f"trafilatura {version('trafilatura')})"
        ),
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "hostname": platform.node(),
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "operator": settings.get("PRESSARCHIVE_CONTACT_URL"),
        "http-header-user-agent": settings.get("USER_AGENT"),
        "isPartOf": crawl_id,
    }
    if worker:
        # Which worker of a shared crawl (crawler/frontier/) wrote the file.
        fields["pressarchive-worker"] = worker
    via = settings.get("PRESSARCHIVE_VIA")
    if via:
        fields["description"] = f"fetched through {via}; WARC-IP-Address is the address contacted"
    return fields


class CrawlSession:
    _sessions: dict[Path, CrawlSession] = {}
    _registry_lock = threading.Lock()

    def __init__(self, directory: Path, settings: Any):
        self.directory = directory
        started = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        self.crawl_id = f"pressarchive-{started}-{os.getpid()}"
        self.worker = ""
        prefix = WARC_PREFIX
        shared_state = ""
        if frontier.enabled(settings):
            # One crawl of many workers is one crawl (warcinfo isPartOf, which extraction
            # health groups by), and each worker's files say whose they are.
            self.worker = frontier.worker_name(settings)
            self.crawl_id = f"pressarchive-{frontier.run_name(settings)}"
            prefix = f"{WARC_PREFIX}-{self.worker}"
            if settings.getbool("PRESSARCHIVE_FRONTIER_SHARED_STATE"):
                # Whichever worker fetched a URL before, this one rechecks it on its
                # schedule and conditionally (archive/shared_state.py).
                shared_state = settings.get(frontier.FRONTIER_SETTING)
        layout = ArchiveLayout(directory)
        layout.warc_dir.mkdir(parents=True, exist_ok=True)
        # A crawl killed earlier leaves a torn .open file: keep its complete
        # records, cut the tail and close it before writing anything new.
        # `pressarchive crawl` has done this already (it must, to reconcile the
        # index first); this covers a plain `scrapy crawl`, and finds nothing
        # to do otherwise.
        # A plain `scrapy crawl` takes the archive lock itself: one writer at a time,
        # and the lock, not the pid in a torn file's name, decides that it may repair.
        self._own_lock: ArchiveLock | None = None
        lock = held_lock(directory)
        if lock is None:
            lock = self._own_lock = ArchiveLock(directory, "scrapy crawl").acquire()
        for action in repair_open_files(layout.warc_dir, lock=lock):
            logger.warning("WARC repair: %s", action)
        config = StoreConfig(
            directory=directory,
            warcinfo_fields=warcinfo_fields(settings, self.crawl_id, self.worker),
            warc_prefix=prefix,
            max_file_bytes=settings.getint("PRESSARCHIVE_WARC_MAX_FILE_BYTES"),
            gzip_level=settings.getint("PRESSARCHIVE_WARC_GZIP_LEVEL"),
            shared_state=shared_state,
        )
        self.writer: WriterProcess | InlineWriter
        if settings.getbool("PRESSARCHIVE_WARC_WRITER_PROCESS"):
            lock_fd = held_lock_descriptor(directory)
            self.writer = WriterProcess(
                config, pass_fds=(lock_fd,) if lock_fd is not None else ())
        else:
            self.writer = InlineWriter(config)
        # Read here (is a page due?); written by the capture store, through the writer.
        self.state: CrawlState | SharedCrawlState = layout.open_state()
        if shared_state:
            self.state = SharedCrawlState(self.state, shared_state)
        workers = settings.getint("PRESSARCHIVE_EXTRACT_WORKERS") or os.cpu_count() or 1
        self._extract_workers = workers
        self._extract_timeout = settings.getfloat("PRESSARCHIVE_EXTRACT_TIMEOUT")
        self._extractors: ExtractorPool | None = None
        # Threads that wait on worker processes, so the reactor thread never does.
        self.threads = ThreadPool(minthreads=0, maxthreads=workers, name="extraction")
        self.threads.start()
        self._users = 0
        self._crawlers: list[Crawler] = []
        self._failures_logged: set[str] = set()
        self.stop_reason = ""

    @property
    def extractors(self) -> ExtractorPool:
        # Made on first use, like the options: a crawl without extraction never
        # imports the extractor (trafilatura: half a second of CPU at start-up).
        if self._extractors is None:
            from archive.extract.pool import ExtractorPool

            self._extractors = ExtractorPool(workers=self._extract_workers,
                                             timeout=self._extract_timeout)
        return self._extractors

    @property
    def extraction_options(self) -> ExtractionOptions:
        # Imported on first use: a crawl without extraction never loads trafilatura.
        from archive.extract import DEFAULT_OPTIONS

        return DEFAULT_OPTIONS

    @classmethod
    def acquire(cls, settings: Any) -> CrawlSession:
        directory = frontier.archive_dir(settings).resolve()
        with cls._registry_lock:
            session = cls._sessions.get(directory)
            if session is None:
                session = cls._sessions[directory] = cls(directory, settings)
                logger.info("archive %s opened (crawl %s)", directory, session.crawl_id)
            session._users += 1
            return session

    @classmethod
    def hold(cls, settings: Any) -> CrawlSession | None:
        """One more user of the archive's open session, if there is one (None otherwise):
        crawlers run one after another keep one writer, one WARC file and warm extraction
        workers, instead of closing them after each and starting them again."""
        directory = frontier.archive_dir(settings).resolve()
        with cls._registry_lock:
            session = cls._sessions.get(directory)
            if session is not None:
                session._users += 1
            return session

    def release(self) -> None:
        with self._registry_lock:
            self._users -= 1
            if self._users > 0:
                return
            del self._sessions[self.directory]
        self.close()

    def close(self) -> None:
        self.threads.stop()
        if self._extractors is not None:
            self._extractors.close()
        try:
            totals = self.writer.close()
            self.state.close()
        finally:
            if self._own_lock is not None:
                self._own_lock.release()
        if totals is not None:
            logger.info(
                "archive %s closed: %d WARC records in %d file(s)",
                self.directory, totals.records_written, len(totals.files_written),
            )

    def register_crawler(self, crawler: Crawler) -> None:
        """A crawler writing to this archive, stopped with the others if writing fails."""
        if crawler not in self._crawlers:
            self._crawlers.append(crawler)

    def write_failed(self, exc: BaseException, url: str) -> None:
        """Log a failed archive write once per kind of failure, not once per page (the
        caller counts every page in its stats), and stop every crawl of this archive
        when nothing more can be written."""
        kind = failure_kind(exc)
        if kind in self._failures_logged:
            logger.debug("not archived: %s: %s", url, short_message(exc))
        else:
            self._failures_logged.add(kind)
            logger.error("%s", failure_line(kind, exc, url))
        if kind in STOPPING_FAILURES:
            self.stop(STOPPING_FAILURES[kind])

    def stop(self, reason: str) -> None:
        if self.stop_reason:
            return
        self.stop_reason = reason
        from scrapy.utils.defer import deferred_from_coro

        for crawler in self._crawlers:
            engine = crawler.engine
            if engine is None or engine.spider is None:
                continue
            # A spider that is already closing (or closed) has nothing left to stop.
            deferred_from_coro(engine.close_spider_async(reason=reason)).addErrback(
                lambda failure: logger.debug("closing a spider: %s", failure.value))

    def call_in_thread(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        # Imported here: importing the reactor at module level would install
        # Twisted's default reactor before Scrapy installs the configured one.
        from twisted.internet import reactor
        from twisted.internet.threads import deferToThreadPool

        return deferToThreadPool(reactor, self.threads, func, *args, **kwargs)
