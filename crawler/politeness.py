"""Scrapy middlewares changed where the defaults are unsafe or impolite."""

from __future__ import annotations

import email.utils
import time
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future

RETRY_AFTER_STATUSES = (429, 503)


def retry_after_seconds(value: str, now: float | None = None) -> float | None:
    """Retry-After as seconds: delay-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class RetryAfterMiddleware(RetryMiddleware):
    """Retries 429 and 503 answers no sooner than their Retry-After asks.

    The wait is capped (PRESSARCHIVE_RETRY_AFTER_MAX); a server asking for
    more gets the retries Scrapy would make anyway, after the cap.
    """

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        middleware = super().from_crawler(crawler)
        middleware.max_wait = crawler.settings.getfloat("PRESSARCHIVE_RETRY_AFTER_MAX")
        return middleware

    async def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        header = response.headers.get(b"Retry-After")
        if (
            isinstance(result, Request)
            and response.status in RETRY_AFTER_STATUSES
            and header
        ):
            wait = retry_after_seconds(header.decode("latin-1"))
            if wait:
                wait = min(wait, self.max_wait)
                self.crawler.stats.inc_value("retry/retry_after_waits")
                from twisted.internet import reactor, task

                await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))
        return result


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
