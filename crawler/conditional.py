"""Conditional rechecks of article pages: If-None-Match / If-Modified-Since.

Only article pages are asked conditionally: feeds, sitemaps and listings are
needed in full to find what is new. A 304 answer is archived as a
server-not-modified revisit by the WARC middleware.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.session import ArchiveSession

ARTICLE_META_KEY = "pressarchive_article"
CONDITIONAL_META_KEY = "pressarchive_conditional"


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Crawler, session: ArchiveSession):
        self.stats = crawler.stats
        self.session = session

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        if not crawler.settings.getbool("PRESSARCHIVE_CONDITIONAL_REQUESTS"):
            raise NotConfigured
        from scrapy import signals

        middleware = cls(crawler, ArchiveSession.acquire(crawler.settings))
        crawler.signals.connect(middleware.session.release, signal=signals.spider_closed)
        return middleware

    def process_request(self, request: Request, spider: Any = None) -> None:
        if not request.meta.get(ARTICLE_META_KEY) or request.method != "GET":
            return None
        found = self.session.index.latest_payload_capture(request.url)
        if found is None:
            return None
        latest, _ = found
        if latest.etag:
            request.headers[b"If-None-Match"] = latest.etag.encode("latin-1")
        if latest.last_modified:
            request.headers[b"If-Modified-Since"] = latest.last_modified.encode("latin-1")
        if latest.etag or latest.last_modified:
            request.meta[CONDITIONAL_META_KEY] = True
            self.stats.inc_value("conditional/requests")
        return None
