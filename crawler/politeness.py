"""Scrapy middlewares changed where the defaults are unsafe or impolite."""

from __future__ import annotations

import time
from typing import Any

from scrapy import Request, signals
from scrapy.core.downloader import Slot
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future

from archive.retry_after import retry_after_seconds
from crawler import meta

RETRY_AFTER_STATUSES = (429, 503)
# Requests that got no response at all, retries included (refused, unresolved, timed out).
DOWNLOAD_FAILED_STAT = "download/failed"


def downloader_of(crawler: Any) -> Any:
    """The crawl's downloader, or None before the crawl starts (Scrapy sets the engine
    then)."""
    try:
        return crawler.engine.downloader
    except (AttributeError, RuntimeError):
        return None


def request_slot(crawler: Any, request: Request) -> tuple[Any, Slot | None]:
    """The downloader and the slot ``request`` went through (its host's, or the slot it
    names), or None for a request that has not been through the downloader (its slot
    key is set there) or whose slot was since dropped as idle."""
    downloader = downloader_of(crawler)
    key = request.meta.get(meta.DOWNLOAD_SLOT)
    if downloader is None or key is None:
        return downloader, None
    return downloader, downloader.slots.get(key)


def pause_slot(crawler: Any, request: Request, seconds: float) -> bool:
    """Send no request through ``request``'s downloader slot (its host, or the slot the
    request names) for ``seconds``; True if there was a slot to pause.

    A server that answers 429 or 503 with Retry-After asks the client to wait, not just
    the one request: the Wayback Machine blocks an address that keeps sending requests
    after its 429s. Scrapy has no public way to hold a slot, so this uses the two fields
    its downloader reads before sending from a slot (Slot.lastseen, from which the
    download delay counts, and Slot.latercall, the pending wake-up that holds the queue);
    tests/test_webarchive_backfill.py checks the pause on a real crawl."""
    from scrapy.utils.asyncio import call_later

    downloader, slot = request_slot(crawler, request)
    if slot is None:
        return False
    slot.lastseen = max(slot.lastseen, time.monotonic() + seconds)
    if slot.latercall is not None:
        slot.latercall.cancel()
    # With a download delay the queue then waits that delay again, counted from the end of
    # the pause; without one it resumes when the pause ends.
    slot.latercall = call_later(slot.lastseen - time.monotonic(), downloader._latercall, slot)
    return True


class RetryAfterMiddleware(RetryMiddleware):
    """Retries 429 and 503 answers no sooner than their Retry-After asks, and holds every
    other request to the same host (downloader slot) as long.

    A 429 without Retry-After waits PRESSARCHIVE_RETRY_429_WAIT: a server that limits
    rates and says so must not get the next request at once. Every wait is capped
    (PRESSARCHIVE_RETRY_AFTER_MAX); a server asking for more gets the retries Scrapy would
    make anyway, after the cap.
    """

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        middleware = super().from_crawler(crawler)
        middleware.max_wait = crawler.settings.getfloat("PRESSARCHIVE_RETRY_AFTER_MAX")
        middleware.wait_429 = crawler.settings.getfloat("PRESSARCHIVE_RETRY_429_WAIT")
        crawler.signals.connect(middleware.response_downloaded,
                                signal=signals.response_downloaded)
        return middleware

    def response_downloaded(self, response: Response, request: Request,
                            spider: Any = None) -> None:
        """Pause the host as the answer leaves the downloader, before the downloader sends
        the slot's next request: by the time process_response runs (after the WARC
        middleware has stored the answer), that request may already be on its way."""
        wait = self.requested_wait(response)
        request.meta[meta.RETRY_AFTER_WAIT] = wait
        if wait and pause_slot(self.crawler, request, wait):
            self.crawler.stats.inc_value("retry/slot_pauses")

    def requested_wait(self, response: Response) -> float:
        """Seconds the answer asks the client to wait before its next request (0: none)."""
        if response.status not in RETRY_AFTER_STATUSES:
            return 0.0
        header = response.headers.get(b"Retry-After")
        if header:
            wait = retry_after_seconds(header.decode("latin-1"))
            if wait is not None:
                if wait:
                    self.crawler.stats.inc_value("retry/retry_after_waits")
                return min(wait, self.max_wait)
        if response.status == 429 and self.wait_429:
            self.crawler.stats.inc_value("retry/429_waits_without_retry_after")
            return min(self.wait_429, self.max_wait)
        return 0.0

    async def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        if meta.RETRY_AFTER_WAIT in request.meta:
            wait = request.meta.pop(meta.RETRY_AFTER_WAIT)
        else:  # an answer that did not come through the downloader
            wait = self.requested_wait(response)
            # The whole host waits, whether this request is retried or its retries are spent.
            if wait and pause_slot(self.crawler, request, wait):
                self.crawler.stats.inc_value("retry/slot_pauses")
        if not wait:
            return result
        if isinstance(result, Request):
            from twisted.internet import reactor, task

            await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))
        return result

    def process_exception(
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Request | Response | None:
        """A retry, or when the retries are spent, IgnoreRequest after counting the failure.

        Scrapy has then logged the failure in one line ("Gave up retrying <GET url> (failed
        3 times): reason", at RETRY_GIVE_UP_LOG_LEVEL); passed on as it is, the failure
        was logged again with its traceback (twenty lines) by the robots.txt middleware
        and by Scrapy's scraper, for every URL of a host that refuses connections.
        IgnoreRequest reaches the spider's errback and robots.txt handling like the
        failure did, and neither logs it. Scrapy's downloader stats (850) have already
        counted the exception by its type.
        """
        retry = super().process_exception(request, exception)
        if retry is not None or not self._retried(request, exception):
            return retry
        reason = type(exception).__name__
        self.crawler.stats.inc_value(DOWNLOAD_FAILED_STAT)
        self.crawler.stats.inc_value(f"{DOWNLOAD_FAILED_STAT}/{reason}")
        raise IgnoreRequest(f"download failed: {request.url}: {exception}") from exception

    def _retried(self, request: Request, exception: Exception) -> bool:
        return (isinstance(exception, self.exceptions_to_retry)
                and not request.meta.get(meta.DONT_RETRY, False))


class CountingHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Counts the responses refused as decompression bombs (Scrapy only logs them)."""

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats:
                self.stats.inc_value("httpcompression/response_ignored_count")
            raise
