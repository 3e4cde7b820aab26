"""Run the Scrapy crawl of one or more sources into an archive directory."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive import exitcodes, user_agent
from archive.backfill.window import make_window
from archive.errors import ConfigError, PressArchiveError
from archive.health import refresh_index_health
from archive.layout import INDEX_FILENAME, ArchiveLayout
from archive.progress import LiveLine, crawl_progress
from archive.relevance import check_topic
from archive.sources import load_sources
from archive.warc.cdxj import write_cdxj

if TYPE_CHECKING:
    from archive.lock import ArchiveLock


@dataclass(frozen=True)
class CrawlOptions:
    archive: Path
    sources: tuple[str, ...] = ()
    via: str = ""
    max_articles: int = 0
    delay: float | None = None
    contact_url: str | None = None
    sources_file: str | None = None
    workers: int = 0
    log_level: str = "INFO"
    conditional: bool = True
    recheck_all: bool = False
    # A back-fill window (archive/backfill/window.py), YYYY-MM-DD; "" for none.
    since: str = ""
    until: str = ""
    # robots.txt Crawl-delay honoured per host (crawler/crawldelay.py), whatever `delay`
    # says. Only the demo turns it off, for the local copies of the sites it serves itself.
    crawl_delay: bool = True
    # crawl --focus TOPIC: count and log the articles off the topic (archive/relevance.py);
    # "" for none. Whether they are indexed is each source's `irrelevant` setting.
    focus: str = ""
    # The shared frontier (crawler/frontier/): redis://HOST:PORT/DB, "" for a local crawl;
    # the run's name ("" for today's UTC date) and this worker's ("" for the host name).
    frontier: str = ""
    frontier_run: str = ""
    worker: str = ""
    # --set NAME=VALUE: settings of Scrapy's or ours for this crawl, as `scrapy crawl -s`
    # (after every option above, so they win).
    settings: tuple[tuple[str, str], ...] = ()
    # Set by on_frontier: the shared folder; `archive` is then the worker's own in it.
    frontier_archive: Path | None = None
    # crawl --quiet: no live progress line (there is none anyway unless stderr is a
    # terminal: archive/progress.py).
    quiet: bool = False


# Outcomes of article pages that did not become articles.
NOT_INDEXED = ("soft404", "empty", "too_large", "error", "timeout", "truncated",
               "irrelevant")
# Stats that mean something went wrong in a run (404s of deleted pages do not).
ERROR_STATS = (
    "log_count/ERROR", "spider_exceptions/count",
    "warc/write_errors", "articles/write_errors",
    "discovery/feed_errors", "discovery/sitemap_errors",
    "discovery/listing_errors", "articles/error", "articles/timeout", "claims/errors",
    "download/failed",
)


@dataclass
class CrawlReport:
    archive: Path
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    cdxj: Path | None = None
    cdxj_error: str = ""
    reconciled: int = 0
    rebuilt_articles: int | None = None  # articles of an index rebuilt before the crawl
    captures_added: int = 0
    focus: str = ""  # crawl --focus TOPIC

    def errors(self, name: str) -> dict[str, int]:
        stats = self.stats[name]
        found = {key: int(stats[key]) for key in ERROR_STATS if stats.get(key)}
        for key, value in stats.items():
            if key.startswith("downloader/response_status_count/5"):
                found[key] = int(value)
            # Failed downloads; IgnoreRequest is a page deliberately not fetched
            # (not due, robots.txt), not a failure.
            elif (key.startswith("downloader/exception_type_count/")
                  and not key.endswith(".IgnoreRequest")):
                found[key] = int(value)
        return found

    @property
    def status(self) -> str:
        reasons = {stats.get("finish_reason", "") for stats in self.stats.values()}
        if "disk_full" in reasons:
            # Stopped: nothing more could be archived (exit 3, the next run retries).
            return "disk_full"
        if reasons - {"finished", "closespider_pagecount"}:
            return "interrupted" if "shutdown" in reasons else "failed"
        if self.stats and all(self.nothing_archived(n) for n in self.stats):
            # Every download failed (a refused port, no network): "finished" would hide it.
            return "failed"
        if self.cdxj_error or any(self.errors(n) for n in self.stats):
            return "finished_with_errors"
        return "finished"

    def nothing_archived(self, name: str) -> bool:
        """True if the source archived no response because its downloads all failed."""
        stats = self.stats[name]
        return not stats.get("warc/responses") and bool(stats.get("download/failed"))

    @property
    def exit_code(self) -> int:
        return exitcodes.OK if self.status == "finished" else exitcodes.FINISHED_WITH_ERRORS

    def counts(self) -> dict[str, dict[str, Any]]:
        """Per source, what the `crawls` table keeps of a run."""
        keys = {
            "requests": "downloader/request_count", "responses": "warc/responses",
            "bytes": "warc/bytes", "new_articles": "articles/new",
            "updated_articles": "articles/updated", "unchanged_articles": "articles/same",
            "revisits": "warc/revisits", "not_modified": "warc/revisits_not_modified",
            "removed": "articles/removed", "not_due": "recheck/not_due",
            "soft404": "articles/soft404", "truncated": "articles/truncated",
        }
        return {
            name: {**{label: int(stats.get(key, 0)) for label, key in keys.items()},
                   "errors": self.errors(name), "finish_reason": stats.get("finish_reason", "")}
            for name, stats in self.stats.items()
        }

    def summary(self) -> str:
        return "\n".join([f"archive: {self.archive}",
                          *(self.source_line(name, stats) for name, stats in self.stats.items()),
                          *self.closing_lines()])

    def source_line(self, name: str, stats: dict[str, Any]) -> str:
        not_indexed = sum(stats.get(f"articles/{status}", 0) for status in NOT_INDEXED)
        failed = stats.get("download/failed", 0)
        return (
            f"{name}: {stats.get('warc/responses', 0)} responses archived, "
            f"{stats.get('articles/ok', 0)} articles indexed, "
            f"{not_indexed} pages not indexed, "
            f"{f'{failed} downloads failed, ' if failed else ''}"
            f"{self.focus_part(stats)}"
            f"finish: {stats.get('finish_reason', '?')}"
        )

    def focus_part(self, stats: dict[str, Any]) -> str:
        """With crawl --focus: how many articles were on and off the topic, and how many
        of those off it were archived only (a source with irrelevant = "archive")."""
        if not self.focus:
            return ""
        relevant = stats.get("relevance/relevant", 0)
        irrelevant = stats.get("relevance/irrelevant", 0)
        archived = stats.get("articles/irrelevant", 0)
        kept = f" ({archived} archived only)" if archived else ""
        return f"{relevant} on {self.focus}, {irrelevant} off it{kept}, "

    def closing_lines(self) -> list[str]:
        """What the run did besides its sources' pages, then its status."""
        lines = []
        if self.rebuilt_articles is not None:
            lines.append(f"{INDEX_FILENAME} was missing or empty: rebuilt from the WARC files "
                         f"first ({self.rebuilt_articles} articles)")
        if self.captures_added:
            lines.append(f"{self.captures_added} archived response(s) an earlier run left "
                         "without a capture row were indexed")
        if self.reconciled:
            lines.append(f"{self.reconciled} article page(s) left unindexed by an earlier run "
                         "(killed, or out of disk space) were indexed from the WARC files")
        if self.cdxj:
            lines.append(f"CDXJ index: {self.cdxj}")
        lines.append(f"status: {self.status} (exit {self.exit_code})")
        return lines


def crawl_settings(options: CrawlOptions) -> Any:
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    overrides: dict[str, Any] = {
        "PRESSARCHIVE_ARCHIVE_DIR": str(options.frontier_archive or options.archive),
        "PRESSARCHIVE_VIA": options.via,
        "PRESSARCHIVE_MAX_ARTICLES": options.max_articles,
        "PRESSARCHIVE_EXTRACT_WORKERS": options.workers,
        "LOG_LEVEL": options.log_level,
        "PRESSARCHIVE_CONDITIONAL_REQUESTS": options.conditional,
        "PRESSARCHIVE_RECHECK_ALL": options.recheck_all,
        "PRESSARCHIVE_SINCE": options.since,
        "PRESSARCHIVE_UNTIL": options.until,
        "PRESSARCHIVE_FOCUS": options.focus,
        # A scheduled run's log stays short: its summary and `crawls` row say the rest.
        "PRESSARCHIVE_ONE_LINE_STATS": True,
    }
    if options.sources_file:
        overrides["PRESSARCHIVE_SOURCES_FILE"] = options.sources_file
    if options.contact_url:
        overrides["PRESSARCHIVE_CONTACT_URL"] = options.contact_url
        overrides["USER_AGENT"] = user_agent(options.contact_url)
    if not options.crawl_delay:
        overrides["PRESSARCHIVE_CRAWL_DELAY_ENABLED"] = False
    if options.frontier:
        overrides["PRESSARCHIVE_FRONTIER"] = options.frontier
        overrides["PRESSARCHIVE_FRONTIER_RUN"] = options.frontier_run
        overrides["PRESSARCHIVE_WORKER"] = options.worker
    if options.delay is not None:
        overrides["DOWNLOAD_DELAY"] = options.delay
        overrides["AUTOTHROTTLE_START_DELAY"] = max(options.delay, 0.01)
    settings.setdict(overrides, priority="cmdline")
    settings.setdict(dict(options.settings), priority="cmdline")
    return settings


def run_crawl(options: CrawlOptions) -> CrawlReport:
    """Crawl the sources concurrently in one Scrapy process; blocks until done.

    Holds the archive lock for the whole run; raises ArchiveLocked when another
    run holds it."""
    try:
        make_window(options.since, options.until, dt.date.today())
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if options.focus:
        check_topic(options.focus)
    known = load_sources(options.sources_file)
    names = list(options.sources) or list(known)
    check_names(names, known)
    if options.via:
        from crawler.via import parse_via

        parse_via(options.via)
    if options.frontier:
        options = on_frontier(options)
    return run_recorded(options.archive, names, "crawl", lambda lock, unclean_since: _crawl(
        options, names, known, lock, unclean_since))


def on_frontier(options: CrawlOptions) -> CrawlOptions:
    """A worker of a shared crawl: its names checked, Redis reached, and the options of
    its own folder DIR/workers/NAME (which the lock, reconcile and report then use)."""
    from crawler import frontier

    settings = crawl_settings(options)
    try:
        worker = frontier.worker_name(settings)
        frontier.run_name(settings)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    frontier.check_server(options.frontier)
    return replace(options, archive=frontier.worker_archive(options.archive, worker),
                   worker=worker, frontier_archive=options.archive)


def check_names(names: list[str], known: dict) -> None:
    unknown = [n for n in names if n not in known]
    if unknown:
        raise PressArchiveError(
            f"unknown source(s): {', '.join(unknown)}; known: {', '.join(known)}"
        )


def run_recorded(archive: Path, names: list[str], command: str,
                 run: Callable[[ArchiveLock, dt.datetime | None], CrawlReport]
                 ) -> CrawlReport:
    """``run(lock, unclean_since)`` under the archive lock, recorded as a run in the
    `crawls` table of the crawl state (a crawl, a back-fill): earlier runs left "running"
    are marked killed first, and the run's status, exit code and counts are kept."""
    import sqlite3

    from archive.lock import ArchiveLock

    try:
        archive.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PressArchiveError(
            f"cannot create archive directory {archive}: {exc}"
        ) from exc
    logger = logging.getLogger("pressarchive")
    layout = ArchiveLayout(archive)
    with ArchiveLock(archive, command) as lock:
        state = layout.open_state()
        try:
            if lock.taken_over_from:
                logger.warning("%s", lock.takeover_message())
            killed = state.mark_unfinished_crawls()
            if killed:
                logger.warning("%d earlier run(s) did not finish (killed)", killed)
            unclean_since = state.unclean_since()
            crawl_id = state.start_crawl(names, os.getpid(), dt.datetime.now(dt.UTC))
            try:
                report = run(lock, unclean_since)
                refresh_index_health(archive)  # its WARC files are closed now
            except BaseException as exc:
                state.finish_crawl(crawl_id, status="failed", exit_code=exitcodes.COULD_NOT_RUN,
                                   counts={}, finished=dt.datetime.now(dt.UTC))
                if isinstance(exc, sqlite3.DatabaseError):
                    raise layout.unusable_index(exc) from exc
                raise
            try:
                state.finish_crawl(crawl_id, status=report.status, exit_code=report.exit_code,
                                   counts=report.counts(), finished=dt.datetime.now(dt.UTC))
            except sqlite3.OperationalError as exc:
                # A full disk: the run stays "running" in `crawls`, and the next run marks
                # it killed; its report (and exit code) still say what happened.
                logger.error("could not record the run in %s: %s", state.path, exc)
        finally:
            state.close()
    return report


def _crawl(options: CrawlOptions, names: list[str], known: dict, lock: ArchiveLock,
           unclean_since: dt.datetime | None) -> CrawlReport:
    from scrapy.crawler import CrawlerProcess

    report = CrawlReport(archive=options.archive, focus=options.focus)
    agree_with_warcs(options.archive, options.workers, known, lock, unclean_since, report)
    process = CrawlerProcess(crawl_settings(options))
    crawlers = []
    for name in names:
        crawler = process.create_crawler(name)
        crawlers.append(crawler)
        process.crawl(crawler)
    stop_progress = crawl_progress("crawl", crawlers, LiveLine(quiet=options.quiet))
    try:
        process.start()
    finally:
        stop_progress()
    for crawler in crawlers:
        report.stats[crawler.spidercls.name] = crawler.stats.get_stats()
    write_replay_index(report)
    return report


def write_replay_index(report: CrawlReport) -> None:
    """Rewrite the CDXJ index of the closed WARC files, which replay tools (pywb) read."""
    try:
        report.cdxj = write_cdxj(report.archive)
    except PressArchiveError as exc:
        # A full disk, say: the WARCs are complete; `pressarchive export cdxj` or the
        # next crawl writes it.
        report.cdxj_error = str(exc)
        logging.getLogger("pressarchive").error("%s", exc)


def agree_with_warcs(archive: Path, workers: int, known: dict, lock: ArchiveLock,
                     unclean_since: dt.datetime | None, report: CrawlReport) -> None:
    """Before crawling, make the index account for every archived record (the WARCs
    are the truth): torn files of a killed run closed, an index that is missing or
    empty rebuilt from the WARC files, records that runs ended uncleanly left without
    a capture row indexed, and archived article pages never extracted extracted."""
    from archive.reconcile import add_missing_captures, files_written_since, reconcile
    from archive.warc.reader import archive_files
    from archive.warc.repair import repair_open_files

    logger = logging.getLogger("pressarchive")
    layout = ArchiveLayout(archive)
    warc_dir = layout.warc_dir
    repaired: list[Path] = []
    if warc_dir.is_dir():
        # Every .open file is repaired: holding the lock proves that no writer of this
        # archive runs, whatever process now has the pid in its name.
        for action in repair_open_files(warc_dir, lock=lock):
            logger.warning("WARC repair: %s", action)
            if action.final_path is not None:
                repaired.append(action.final_path)
    if warc_dir.is_dir() and archive_files(warc_dir) and layout.index_is_missing_or_empty():
        from archive.reextract import ReextractOptions, run_reextract

        logger.warning("%s is missing or empty but %s holds WARC files: rebuilding the "
                       "index from them first", layout.index_db, warc_dir)
        rebuilt = run_reextract(ReextractOptions(archive=archive, sources=known,
                                                 workers=workers))
        report.rebuilt_articles = rebuilt.outcomes.get("ok", 0)
        return
    index = layout.open_index()
    try:
        written = set(repaired)
        if unclean_since is not None and warc_dir.is_dir():
            written.update(files_written_since(warc_dir, unclean_since))
        report.captures_added = add_missing_captures(index, sorted(written), known)
        report.reconciled = reconcile(archive, index, known,
                                      workers=workers or os.cpu_count() or 1)
    finally:
        index.close()
