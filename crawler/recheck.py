"""Rechecks of known article pages: only when due, and conditionally.

A known article page is requested again only when the state store says it is
due (see archive.state for the schedule); then with If-None-Match /
If-Modified-Since from its last full answer, so an unchanged page costs a 304,
archived by the WARC middleware as a server-not-modified revisit. Feeds,
sitemaps and listings are always fetched in full: they say what is new.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from archive.state import CrawlState
from crawler import meta
from crawler.session import CrawlSession

NOT_MODIFIED = 304


class RecheckMiddleware:
    def __init__(self, crawler: Crawler, session: CrawlSession):
        self.stats = crawler.stats
        self.session = session
        self.conditional = crawler.settings.getbool("PRESSARCHIVE_CONDITIONAL_REQUESTS")
        self.recheck_all = crawler.settings.getbool("PRESSARCHIVE_RECHECK_ALL")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecheckMiddleware:
        if not crawler.settings.getbool("PRESSARCHIVE_RECHECK_ENABLED"):
            raise NotConfigured("PRESSARCHIVE_RECHECK_ENABLED is off: every article page "
                                "is fetched in full on every run")
        middleware = cls(crawler, CrawlSession.acquire(crawler.settings))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_closed(self) -> None:
        self.session.release()

    def process_request(self, request: Request, spider: Any = None) -> None:
        if not request.meta.get(meta.ARTICLE) or request.method != "GET":
            return None
        if request.meta.get(meta.RETRY_TIMES):
            return None  # a retry within this run, not a recheck
        known = self.session.state.get(request.url)
        if known is None:
            self.stats.inc_value("recheck/new")
            return None
        if not self.recheck_all and not CrawlState.due(known, dt.datetime.now(dt.UTC)):
            self.stats.inc_value("recheck/not_due")
            raise IgnoreRequest(f"{request.url} is not due for a recheck")
        self.stats.inc_value("recheck/due")
        if not self.conditional or not (known.etag or known.last_modified):
            return None
        if known.etag:
            request.headers[b"If-None-Match"] = known.etag.encode("latin-1")
        if known.last_modified:
            request.headers[b"If-Modified-Since"] = known.last_modified.encode("latin-1")
        request.meta[meta.CONDITIONAL] = True
        # The 304 is the answer hoped for, not an error: the spider gets it (and counts
        # it) instead of Scrapy's HttpErrorMiddleware logging "Ignoring response <304 …>"
        # once per unchanged article.
        handled = request.meta.get(meta.HANDLE_HTTPSTATUS_LIST, [])
        request.meta[meta.HANDLE_HTTPSTATUS_LIST] = [*handled, NOT_MODIFIED]
        self.stats.inc_value("conditional/requests")
        return None
