"""`pressarchive backfill SOURCE... --wayback PREFIX`: the sources' past from a web archive,
fetched with Scrapy through the crawl's archive, extraction and index (one Scrapy spider
per source: crawler/spiders/webarchive.py; what to ask and keep: archive/backfill/wayback.py).

A run is a crawl as far as the archive is concerned: it takes the archive lock, first
makes the index agree with the WARC files (what a killed run left), is recorded in the
`crawls` table, and rewrites the CDXJ index at the end. The sources are back-filled one
after the other, so that the web archive gets one request at a time from this run whatever
the number of sources; a second run fetches nothing the first one stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive import user_agent
from archive.backfill.wayback import WAYBACK_PREFIX, cdx_endpoint, replay_prefix
from archive.crawl import (
    CrawlOptions,
    CrawlReport,
    agree_with_warcs,
    check_names,
    crawl_settings,
    run_recorded,
    write_replay_index,
)
from archive.errors import ConfigError, PressArchiveError
from archive.progress import LiveLine, crawl_progress
from archive.sources import load_sources

if TYPE_CHECKING:
    from archive.lock import ArchiveLock


class BackfillError(PressArchiveError):
    """The web archive could not be used at all (its CDX server never answered)."""


@dataclass(frozen=True)
class BackfillOptions:
    archive: Path
    sources: tuple[str, ...]
    wayback: str = WAYBACK_PREFIX
    cdx: str = ""  # empty: derived from the prefix (archive/backfill/wayback.py)
    since: str = ""  # YYYY-MM-DD, "" for no bound
    until: str = ""
    limit: int = 0  # captures fetched per source, 0: no limit
    max_failures: int | None = None  # replays failed in a row before stopping; None: 10
    delay: float | None = None  # between replays; None: DOWNLOAD_DELAY (1 s)
    cdx_delay: float | None = None  # between CDX queries; None: PRESSARCHIVE_CDX_DELAY
    cdx_page_size: int = 0
    contact_url: str | None = None
    sources_file: str | None = None
    workers: int = 0
    log_level: str = "INFO"
    quiet: bool = False  # no live progress line (archive/progress.py)


# What a source's summary line reports, in order: (stats key, words).
SUMMARY = (
    ("cdx_captures", "captures listed"), ("kept", "kept"),
    ("already_held", "already held"), ("fetched", "fetched"), ("failed", "failed"),
)
# Captures listed but not wanted, by reason (archive/backfill/wayback.py).
PASSED_OVER = ("not_article", "not_ok", "outside_window", "duplicate", "over_limit")
# Stats that mean something went wrong in a back-fill. A 429 or 503 that a retry got
# past is no error (the crawl's rule that a 5xx is one would count politeness as failure).
ERROR_STATS = (
    "log_count/ERROR", "spider_exceptions/count", "warc/write_errors",
    "articles/write_errors", "articles/error", "articles/timeout",
    "backfill/failed", "backfill/cdx_failed",
)


@dataclass
class BackfillReport(CrawlReport):
    wayback: str = ""
    cdx: str = ""

    def errors(self, name: str) -> dict[str, int]:
        stats = self.stats[name]
        return {key: int(stats[key]) for key in ERROR_STATS if stats.get(key)}

    def nothing_archived(self, name: str) -> bool:
        stats = self.stats[name]
        return not stats.get("backfill/cdx_answers") and bool(stats.get("backfill/cdx_failed"))

    def counts(self) -> dict[str, dict[str, Any]]:
        counts = super().counts()
        for name, stats in self.stats.items():
            counts[name].update({key: int(stats.get(f"backfill/{key}", 0))
                                 for key, _ in SUMMARY})
        return counts

    def summary(self) -> str:
        return "\n".join([f"archive: {self.archive}",
                          f"web archive: {self.wayback} (CDX: {self.cdx})",
                          *(self.source_line(name, stats) for name, stats in self.stats.items()),
                          *self.closing_lines()])

    def source_line(self, name: str, stats: dict[str, Any]) -> str:
        numbers = ", ".join(f"{int(stats.get(f'backfill/{key}', 0))} {words}"
                            for key, words in SUMMARY)
        passed = sum(int(stats.get(f"backfill/{key}", 0)) for key in PASSED_OVER)
        line = (f"{name}: {numbers}, {passed} passed over (not articles, not 200 HTML, "
                f"outside the dates, duplicates, over --limit), "
                f"{stats.get('articles/ok', 0)} articles indexed, "
                f"finish: {stats.get('finish_reason', '?')}")
        if stats.get("backfill/cdx_error"):
            line += f"\n  first CDX failure: {stats['backfill/cdx_error']}"
        return line


def check_options(options: BackfillOptions) -> tuple[str, str]:
    """The replay prefix and CDX endpoint; ConfigError for a URL or a day that is none."""
    try:
        prefix = replay_prefix(options.wayback)
        cdx = cdx_endpoint(prefix, options.cdx)
        since = dt.date.fromisoformat(options.since) if options.since else None
        until = dt.date.fromisoformat(options.until) if options.until else None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if since and until and until < since:
        raise ConfigError(f"--to {until} is before --from {since}")
    return prefix, cdx


def backfill_settings(options: BackfillOptions, prefix: str, cdx: str) -> Any:
    settings = crawl_settings(CrawlOptions(
        archive=options.archive, workers=options.workers, log_level=options.log_level,
        sources_file=options.sources_file, contact_url=options.contact_url,
        delay=options.delay))
    overrides: dict[str, Any] = {
        "PRESSARCHIVE_WAYBACK": prefix, "PRESSARCHIVE_CDX": cdx,
        "PRESSARCHIVE_BACKFILL_FROM": options.since, "PRESSARCHIVE_BACKFILL_TO": options.until,
        "PRESSARCHIVE_BACKFILL_LIMIT": options.limit,
        "PRESSARCHIVE_CDX_PAGE_SIZE": options.cdx_page_size,
    }
    if options.cdx_delay is not None:
        overrides["PRESSARCHIVE_CDX_DELAY"] = options.cdx_delay
    if options.max_failures is not None:
        overrides["PRESSARCHIVE_BACKFILL_MAX_FAILURES"] = options.max_failures
    if options.contact_url:
        overrides["USER_AGENT"] = user_agent(options.contact_url)
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_backfill(options: BackfillOptions) -> BackfillReport:
    """Back-fill the sources from the web archive, one after the other; blocks until done.

    Holds the archive lock for the whole run (ArchiveLocked when another run holds it).
    Raises BackfillError, after the run is recorded, when no CDX query got an answer."""
    prefix, cdx = check_options(options)
    known = load_sources(options.sources_file)
    names = list(options.sources)
    if not names:
        raise ConfigError("name the sources to back-fill")
    check_names(names, known)
    return run_recorded(options.archive, names, "backfill", lambda lock, unclean_since: (
        _backfill(options, prefix, cdx, [known[n] for n in names], known, lock,
                  unclean_since)))


def _backfill(options: BackfillOptions, prefix: str, cdx: str, sources: list, known: dict,
              lock: ArchiveLock, unclean_since: dt.datetime | None) -> BackfillReport:
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.webarchive import make_webarchive_spider_class

    report = BackfillReport(archive=options.archive, wayback=prefix, cdx=cdx)
    agree_with_warcs(options.archive, options.workers, known, lock, unclean_since, report)
    process = CrawlerProcess(backfill_settings(options, prefix, cdx))
    crawlers = [process.create_crawler(make_webarchive_spider_class(source))
                for source in sources]
    stopped_by = _one_after_another(process, crawlers, LiveLine(quiet=options.quiet))
    for crawler in crawlers:
        stats = _stats(crawler)
        if stats.get("finish_reason"):  # not started when an earlier one was interrupted
            report.stats[crawler.spidercls.name] = stats
    if stopped_by and not report.stats:
        raise BackfillError(f"the back-fill could not start: {stopped_by}")
    write_replay_index(report)
    answers = sum(int(s.get("backfill/cdx_answers", 0)) for s in report.stats.values())
    failures = [s["backfill/cdx_error"] for s in report.stats.values()
                if s.get("backfill/cdx_error")]
    if failures and not answers and report.status != "interrupted":
        logging.getLogger("pressarchive").info("%s", report.summary())
        raise BackfillError(f"the CDX server {cdx} gave no answer: {failures[0]}")
    return report


def _stats(crawler: Any) -> dict[str, Any]:
    try:
        return crawler.stats.get_stats()
    except RuntimeError:  # Scrapy sets the stats when the crawl starts
        return {}


def _one_after_another(process: Any, crawlers: list, line: LiveLine | None = None) -> str:
    """Run the crawlers one at a time in ``process`` (one reactor); stop at the first that
    did not finish (interrupted by Ctrl-C or SIGTERM, a full disk). Returns the error that
    stopped them, if one did (a crawler that could not start: its archive unusable)."""
    from twisted.internet import defer

    from crawler.session import CrawlSession

    @defer.inlineCallbacks
    def run_all() -> Any:
        held = None
        try:
            for crawler in crawlers:
                running = process.crawl(crawler)
                if held is None:
                    # Opened by the first crawler's components: kept open for the next ones.
                    held = CrawlSession.hold(crawler.settings)
                yield running
                if _stats(crawler).get("finish_reason") != "finished":
                    break
        finally:
            if held is not None:
                held.release()
            # Imported here: the first crawler installs the reactor Scrapy is set for.
            from twisted.internet import reactor

            if reactor.running:
                reactor.callLater(0, _stop, reactor)

    errors: list[str] = []

    def stopped(failure: Any) -> None:
        errors.append(str(failure.value))
        logging.getLogger("pressarchive").error("back-fill stopped: %s", failure.value)

    done = run_all()
    done.addErrback(stopped)
    if not done.called:
        # The reactor is installed now (by the first crawler): the live line can tick on it.
        stop_progress = crawl_progress("backfill", crawlers, line or LiveLine(quiet=True))
        try:
            process.start(stop_after_crawl=False)
        finally:
            stop_progress()
    return errors[0] if errors else ""


def _stop(reactor: Any) -> None:
    try:
        reactor.stop()
    except RuntimeError:  # already stopping (a signal's shutdown got there first)
        pass
