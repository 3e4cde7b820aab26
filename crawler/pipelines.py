"""Item pipeline: extract each archived article page and index it.

Extraction runs in worker processes (archive.extract.pool) with a time limit per
page; the reactor thread only hands the body over and writes the result.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.logformatter import LogFormatter, LogFormatterResult
from scrapy.utils.defer import maybe_deferred_to_future

from archive.articles import (
    article_outcome,
    config_hash,
    extraction_task,
)
from archive.relevance import check_topic
from archive.sources import Source
from crawler.session import WRITE_FAILURES, CrawlSession

logger = logging.getLogger(__name__)


def item_summary(item: Any) -> str:
    """An item as the log shows it: its URL, never its body (a whole page)."""
    if isinstance(item, dict) and "url" in item:
        return f"<{item.get('source', 'item')} {item['url']}>"
    return f"<{type(item).__name__}>"


class ArchiveLogFormatter(LogFormatter):
    """Scrapy's messages about items name the item instead of printing it: an article
    item carries the page body and its capture, and one failure per page would
    otherwise put every page into the log."""

    def scraped(self, item: Any, response: Any, spider: Any) -> LogFormatterResult:
        return self._summarised(super().scraped(item, response, spider), item)

    def dropped(self, item: Any, exception: BaseException, response: Any,
                spider: Any) -> LogFormatterResult:
        return self._summarised(super().dropped(item, exception, response, spider), item)

    def item_error(self, item: Any, exception: BaseException, response: Any,
                   spider: Any) -> LogFormatterResult:
        return self._summarised(super().item_error(item, exception, response, spider), item)

    @staticmethod
    def _summarised(result: LogFormatterResult, item: Any) -> LogFormatterResult:
        args = dict(result.get("args") or {})
        if "item" in args:
            args["item"] = item_summary(item)
        return {**result, "args": args}


class ArticlePipeline:
    def __init__(self, crawler: Crawler, session: CrawlSession):
        self.crawler = crawler
        self.stats = crawler.stats
        self.session = session
        source: Source = crawler.spidercls.source
        self.source = source
        # The source's cleanup rules change the text as much as the options do.
        self.config_hash = config_hash(session.extraction_options, source)
        # crawl --focus: the topic whose articles are counted (archive/relevance.py).
        self.focus: str = crawler.settings.get("PRESSARCHIVE_FOCUS") or ""
        if self.focus:
            check_topic(self.focus)  # `scrapy crawl -s PRESSARCHIVE_FOCUS=...` too

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticlePipeline:
        if not crawler.settings.getbool("PRESSARCHIVE_INDEX_ENABLED"):
            raise NotConfigured("PRESSARCHIVE_INDEX_ENABLED is off: article pages are "
                                "archived, not extracted nor indexed")
        pipeline = cls(crawler, CrawlSession.acquire(crawler.settings))
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def spider_opened(self) -> None:
        # Workers warm up (seconds each) while the first pages download.
        self.session.extractors.start(wait=False)

    def spider_closed(self) -> None:
        # The workers serve every source of this process: this is their total so far.
        # (Forked by the fork server, they are not this process's children, so its
        # rusage never counts them.)
        pool = self.session.extractors
        self.stats.set_value("extract/workers_cpu_seconds", round(pool.worker_cpu_seconds, 3))
        self.stats.set_value("extract/workers_peak_rss_mb",
                             round(pool.peak_worker_rss_bytes / 1024 / 1024, 1))
        self.session.release()

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        capture = item.get("capture")
        if capture is None:
            # Not archived (WARC disabled or failed): never index what the WARC lacks.
            self.stats.inc_value("articles/not_archived")
            raise DropItem(f"{item['url']} has no WARC capture")
        outcome = article_outcome(capture)
        if outcome != "extract":
            self.stats.inc_value(f"articles/{outcome}")
            if outcome == "truncated":
                await self.write(item, "record_truncated", capture)
            return {"url": item["url"], "source": item["source"], "status": outcome}
        # Imported here: Scrapy imports this module even when the pipeline is
        # off, and the worker module brings trafilatura with it.
        from archive.extract.pool import PoolClosed

        source = self.source
        try:
            task = extraction_task(capture, item["body"], source,
                                   self.session.extraction_options)
            result = await maybe_deferred_to_future(
                self.session.call_in_thread(self.session.extractors.extract, task)
            )
        except PoolClosed as exc:
            # Shutting down: the page stays archived and is not marked as failed.
            self.stats.inc_value("articles/not_extracted_shutdown")
            raise DropItem(f"{item['url']}: extraction stopped at shutdown") from exc
        change, counts = await self.write(item, "record_extraction", capture, result,
                                          self.config_hash)
        # Counted once written: "articles indexed" in the crawl summary are index rows.
        self.stats.inc_value(f"articles/{result.status}")
        for key, count in counts.items():  # claims/errors: indexed without its claims
            self.stats.inc_value(key, count)
        if result.status != "ok":
            logger.info("not indexed (%s): %s %s", result.status, item["url"], result.error)
        if change in ("new", "updated", "same"):
            self.stats.inc_value(f"articles/{change}")
        self.count_focus(item["url"], result)
        return {"url": item["url"], "source": item["source"], "status": result.status,
                "title": result.title}

    def count_focus(self, url: str, result: Any) -> None:
        """With --focus, an article on the topic or off it (indexed or, by its source's
        `irrelevant = "archive"`, archived only) is counted, and one off it logged."""
        if not self.focus or result.status not in ("ok", "irrelevant"):
            return
        if result.topic == self.focus:
            self.stats.inc_value("relevance/relevant")
            return
        self.stats.inc_value("relevance/irrelevant")
        if result.status == "ok":  # "irrelevant" was logged as not indexed
            logger.info("off the %s topic (relevance %g), indexed: %s", self.focus,
                        result.relevance, url)

    async def write(self, item: dict[str, Any], operation: str, *args: Any) -> Any:
        """An index write by the archive writer; a failed one drops the item quietly.

        The page stays archived (its capture row is committed) and the next run
        indexes it from its WARC record (archive/reconcile.py); the session logs the
        failure once per kind."""
        try:
            return await maybe_deferred_to_future(self.session.writer.call(operation, *args))
        except WRITE_FAILURES as exc:
            self.stats.inc_value("articles/write_errors")
            self.session.write_failed(exc, item["url"])
            raise DropItem(f"{item['url']} not indexed: {exc}", log_level="DEBUG") from None
