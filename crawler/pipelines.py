"""Item pipeline: extract each archived article page and index it.

Extraction runs in worker processes (archive.workers) with a time limit per
page; the reactor thread only hands the body over and writes the result.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future

from archive.articles import (
    article_outcome,
    config_hash,
    extraction_task,
)
from archive.sources import Source
from crawler.session import ArchiveSession

logger = logging.getLogger(__name__)


class ArticlePipeline:
    def __init__(self, crawler: Crawler, session: ArchiveSession):
        self.crawler = crawler
        self.stats = crawler.stats
        self.session = session
        source: Source = crawler.spidercls.source
        self.source = source
        # The source's cleanup rules change the text as much as the options do.
        self.config_hash = config_hash(session.extraction_options, source)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticlePipeline:
        if not crawler.settings.getbool("PRESSARCHIVE_INDEX_ENABLED", True):
            raise NotConfigured
        pipeline = cls(crawler, ArchiveSession.acquire(crawler.settings))
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
                await maybe_deferred_to_future(
                    self.session.archiver.call("record_truncated", capture))
            return {"url": item["url"], "source": item["source"], "status": outcome}
        # Imported here: Scrapy imports this module even when the pipeline is
        # off, and the worker module brings trafilatura with it.
        from archive.workers import PoolClosed

        source = self.source
        try:
            task = extraction_task(capture, item["body"], source,
                                   self.session.extraction_options)
            result = await maybe_deferred_to_future(
                self.session.call_in_thread(self.session.extractors.extract, **task)
            )
        except PoolClosed as exc:
            # Shutting down: the page stays archived and is not marked as failed.
            self.stats.inc_value("articles/not_extracted_shutdown")
            raise DropItem(f"{item['url']}: extraction stopped at shutdown") from exc
        self.stats.inc_value(f"articles/{result.status}")
        if result.status != "ok":
            logger.info("not indexed (%s): %s %s", result.status, item["url"], result.error)
        change = await maybe_deferred_to_future(
            self.session.archiver.call("record_extraction", capture, result, self.config_hash))
        if change in ("new", "updated", "same"):
            self.stats.inc_value(f"articles/{change}")
        return {"url": item["url"], "source": item["source"], "status": result.status,
                "title": result.title}
