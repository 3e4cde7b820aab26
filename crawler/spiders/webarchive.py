"""The back-fill of one source from a web archive (`pressarchive backfill`): CDX queries for
the source's hosts, then the raw replay of each listed capture worth having.

It runs on the live crawl's machinery: every exchange (robots.txt, each CDX answer, each
replay) is archived by the WARC capture middleware as it happened, with the web archive's
URLs; a replay that is the capture asked for also gets its origin record, and its capture
row the original URL and date (archive/capture/store.py). The article pipeline then
extracts it with the source's rules, as any article page. What to ask and what to keep is
decided in archive/backfill/wayback.py.

Politeness towards a shared public service: one request at a time per web archive, the
download delay between replays (AutoThrottle only lengthens it), CDX queries in a slot of
their own with a longer fixed delay (PRESSARCHIVE_CDX_DELAY), robots.txt obeyed, and a
429 or 503 holds the slot that got it for its Retry-After (crawler/politeness.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archive.backfill.cdx import CdxCapture, CdxError, parse_cdx
from archive.backfill.wayback import (
    CaptureFilter,
    CdxQuery,
    capture_origin,
    cdx_endpoint,
    page_count,
    query_targets,
    replay_prefix,
    replay_url,
)
from archive.index.queries import holds_original
from archive.layout import ArchiveLayout
from archive.sources import Source
from crawler import meta
from crawler.spiders.source import _class_name

# The downloader slot of the CDX queries (a crawler has one downloader, so a fixed name).
CDX_SLOT = "pressarchive-cdx"
# The finish reason when too many replays in a row failed.
UNAVAILABLE = "web_archive_unavailable"


def _day(value: str) -> date | None:
    return date.fromisoformat(value) if value.strip() else None


class WebArchiveSpider(scrapy.Spider):
    source: Source
    custom_settings = {
        # One request at a time to the web archive: it is one shared service.
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        # Due dates belong to the live site; a web archive's copy never is "not due".
        "PRESSARCHIVE_RECHECK_ENABLED": False,
        # First in, first out: each URL's captures are fetched (and their versions
        # indexed) in CDX order, oldest first, and CDX pages in order.
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
    }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.prefix = ""
        self.cdx = ""
        self.page_size = 0
        self.limit = 0
        self.kept = 0
        self.max_failures = 0
        self.failures_in_a_row = 0
        self.index_articles = True
        self.filter = CaptureFilter(self.source)
        self._index: sqlite3.Connection | None = None
        self._closing = ExitStack()

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        # The CDX slot's own delay; AutoThrottle leaves it alone (request meta).
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        slots[CDX_SLOT] = {"concurrency": 1,
                           "delay": settings.getfloat("PRESSARCHIVE_CDX_DELAY")}
        settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> WebArchiveSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        # Checked before Scrapy starts (archive/backfill/run.py).
        spider.prefix = replay_prefix(settings.get("PRESSARCHIVE_WAYBACK"))
        spider.cdx = cdx_endpoint(spider.prefix, settings.get("PRESSARCHIVE_CDX") or "")
        spider.page_size = settings.getint("PRESSARCHIVE_CDX_PAGE_SIZE")
        spider.limit = settings.getint("PRESSARCHIVE_BACKFILL_LIMIT")
        spider.max_failures = settings.getint("PRESSARCHIVE_BACKFILL_MAX_FAILURES")
        spider.index_articles = settings.getbool("PRESSARCHIVE_INDEX_ENABLED")
        spider.filter = CaptureFilter(
            spider.source, _day(settings.get("PRESSARCHIVE_BACKFILL_FROM") or ""),
            _day(settings.get("PRESSARCHIVE_BACKFILL_TO") or ""))
        layout = ArchiveLayout(Path(settings.get("PRESSARCHIVE_ARCHIVE_DIR")))
        if layout.has_index():
            # Read-only, beside the writer process: what earlier runs (and this one, as
            # it commits) hold is never fetched again.
            spider._index = spider._closing.enter_context(layout.read_index())
        return spider

    def closed(self, reason: str) -> None:
        self._closing.close()

    def count(self, key: str, value: int = 1) -> None:
        self.crawler.stats.inc_value(f"backfill/{key}", value)

    # --- the CDX queries ----------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for target in query_targets(self.source):
            query = CdxQuery(self.cdx, target, self.filter.since, self.filter.until,
                             self.page_size)
            yield self.cdx_request(query.count_url(), self.parse_count, query)

    def cdx_request(self, url: str, callback: Any, query: CdxQuery) -> scrapy.Request:
        self.count("cdx_requests")
        return scrapy.Request(url, callback=callback, errback=self.cdx_failed,
                              cb_kwargs={"query": query},
                              meta={meta.DOWNLOAD_SLOT: CDX_SLOT,
                                    meta.AUTOTHROTTLE_DONT_ADJUST_DELAY: True})

    def parse_count(self, response: Response, query: CdxQuery) -> Iterator[scrapy.Request]:
        self.count("cdx_answers")
        pages = page_count(response.body)
        if pages is None:
            # A server that does not page: one list.
            yield self.cdx_request(query.list_url(), self.parse_captures, query)
            return
        self.count("cdx_pages", pages)
        for page in range(pages):
            yield self.cdx_request(query.page_url(page), self.parse_captures, query)

    def parse_captures(self, response: Response, query: CdxQuery
                       ) -> Iterator[scrapy.Request]:
        try:
            page = parse_cdx(response.body)
        except CdxError as exc:
            self.cdx_error(response.url, str(exc))
            return
        self.count("cdx_answers")
        self.count("cdx_captures", len(page.captures))
        if page.unreadable:
            self.count("cdx_unreadable", page.unreadable)
        for capture in page.captures:
            request = self.replay_request(capture)
            if request is not None:
                yield request
        if page.resume_key:
            # Scrapy's duplicate filter ends a server that sends the same key again.
            yield self.cdx_request(query.resume_url(page.resume_key), self.parse_captures,
                                   query)

    def cdx_failed(self, failure: Failure) -> None:
        self.cdx_error(getattr(failure.request, "url", "?"), _reason(failure))

    def cdx_error(self, url: str, reason: str) -> None:
        self.count("cdx_failed")
        if not self.crawler.stats.get_value("backfill/cdx_error"):
            # The first one says what went wrong, for the run's summary and its one line
            # when no CDX query got an answer at all.
            self.crawler.stats.set_value("backfill/cdx_error", f"{url}: {reason}")
        self.logger.error("CDX query failed: %s: %s", url, reason)

    # --- the replays ----------------------------------------------------------------------

    def held(self, capture: CdxCapture) -> bool:
        return self._index is not None and holds_original(self._index, capture.original,
                                                          capture.digest)

    def replay_request(self, capture: CdxCapture) -> scrapy.Request | None:
        verdict = self.filter.verdict(capture)
        if verdict == "keep" and self.held(capture):
            verdict = "already_held"
        if verdict == "keep" and self.limit and self.kept >= self.limit:
            verdict = "over_limit"
        if verdict != "keep":
            self.count(verdict)
            return None
        self.kept += 1
        self.count("kept")
        return scrapy.Request(
            replay_url(self.prefix, capture), callback=self.parse_replay,
            errback=self.replay_failed,
            meta={meta.ORIGIN: capture_origin(self.prefix, capture), meta.ARTICLE: True,
                  meta.DONT_REDIRECT: True})

    def parse_replay(self, response: Response) -> Iterator[dict[str, Any]]:
        capture = response.meta.get(meta.CAPTURE)
        if capture is None or not capture.origin:
            # 200, but not the capture asked for (no Memento-Datetime): archived as the
            # exchange it was, not indexed.
            self.not_backfilled(response.url, "not the capture (no Memento-Datetime)")
            return
        self.count("fetched")
        self.failures_in_a_row = 0
        if not self.index_articles:
            return
        yield {
            "url": capture.url,
            "source": self.source.name,
            "found_in": "web_archive",
            "listed_date": "",
            "capture": capture,
            "body": response.body,
            "content_type": capture.content_type,
        }

    def replay_failed(self, failure: Failure) -> None:
        self.not_backfilled(getattr(failure.request, "url", "?"), _reason(failure))

    def not_backfilled(self, url: str, reason: str) -> None:
        """A capture the web archive did not give: counted, one line; the next run asks
        for it again (nothing of it is held)."""
        self.count("failed")
        self.count(f"failed/{reason.split(' (')[0]}")
        self.logger.warning("not back-filled: %s: %s", url, reason)
        self.failures_in_a_row += 1
        if self.max_failures and self.failures_in_a_row == self.max_failures:
            # A web archive that has blocked this address refuses every connection (the
            # Wayback Machine, for an hour at first): asking for the rest of the list
            # would only prolong the block. The next run goes on from here.
            self.logger.error("%d captures in a row could not be fetched: stopping the "
                              "back-fill of %s (the next run resumes it)",
                              self.failures_in_a_row, self.source.name)
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(self.crawler.engine.close_spider_async(reason=UNAVAILABLE))


def _reason(failure: Failure) -> str:
    """Why a request got no usable answer, in a few words."""
    if failure.check(HttpError):
        return f"status {failure.value.response.status}"
    error = failure.value
    if failure.check(IgnoreRequest):
        if error.__cause__ is None:
            # Not fetched on purpose: "Forbidden by robots.txt", say.
            return str(error) or type(error).__name__
        # Retries spent (crawler/politeness.py): the failure they gave up on.
        error = error.__cause__
    return type(error).__name__


def make_webarchive_spider_class(source: Source) -> type[WebArchiveSpider]:
    return type(
        "WebArchive" + _class_name(source.name),
        (WebArchiveSpider,),
        {"name": source.name, "source": source, "__module__": __name__},
    )
