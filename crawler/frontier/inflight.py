"""Requests a worker took from the queue and has not finished: kept in Redis, so that a
worker killed mid-crawl loses none of them.

scrapy-redis pops a request from the queue and forgets it: a worker killed then loses
every request it was downloading or parsing, and the run's duplicate filter keeps them
from being asked for again. Here the pop and a copy into the worker's in-flight hash are
one Lua script (scheduler.py); the copy is removed once the callback's output has gone
through (its new requests are queued) or its errback ran. The next start of the same
worker, or any worker that finds the killed one's heartbeat gone, puts them back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request
from scrapy.http import Response

# Request meta: the field of the request's copy in its worker's in-flight hash.
INFLIGHT_META = "pressarchive_inflight"


def finished(spider: Any, request: Request | None) -> None:
    """Forget a request's in-flight copy (the scheduler that took it knows where)."""
    if request is None:
        return
    field = request.meta.get(INFLIGHT_META)
    # Set by FrontierScheduler.open: Scrapy gives components no public way to the scheduler.
    scheduler = getattr(spider, "frontier_scheduler", None)
    if field and scheduler is not None:
        scheduler.finished(field)


class InFlightMiddleware:
    """Spider middleware: a response's request is done once its callback's requests are
    queued (in Redis) and its items handed on."""

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any],
                                          spider: Any = None) -> AsyncIterator[Any]:
        async for output in result:
            if self._handed_on(output):
                yield output
        finished(self.spider, response.request)

    def process_spider_output(self, response: Response, result: Any,
                              spider: Any = None) -> Any:
        yield from (output for output in result if self._handed_on(output))
        finished(self.spider, response.request)

    def _handed_on(self, output: Any) -> bool:
        """An item goes on to the scraper; a request is scheduled here, now. The scraper
        pulls a callback's output into a queue that tasks work off in parallel
        (CONCURRENT_ITEMS), so the output would end, and the response's request be marked
        done, while requests still waited in that queue: a worker killed then lost them
        (the feed done, its links never queued). engine.crawl() is what the scraper itself
        calls for a request."""
        if isinstance(output, Request):
            self.crawler.engine.crawl(output)
            return False
        return True

    def process_spider_exception(self, response: Response, exception: Exception,
                                 spider: Any = None) -> None:
        # A callback that failed will not be run again by anyone: done, not in flight.
        finished(self.spider, response.request)

    @classmethod
    def from_crawler(cls, crawler: Any) -> InFlightMiddleware:
        middleware = cls()
        middleware.crawler = crawler
        return middleware

    @property
    def spider(self) -> Any:
        return self.crawler.spider
