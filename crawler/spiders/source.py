"""One generic spider class for every configured source.

Discovery starts at the source's feeds, sitemaps and section listings; any link
that matches the source's article patterns is fetched as an article and handed
to the item pipeline, which extracts and indexes it. Archiving happens below,
in the downloader middleware, for every exchange whatever the callback.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archive.backfill.window import Window
from archive.dated_urls import dated_urls
from archive.sources import Source
from crawler import meta
from crawler.backfill import (
    MAX_PAGES_SETTING,
    ListingWalk,
    listed_dates,
    log_stop,
    window_from_settings,
)
from crawler.discovery import DiscoveryError, feed_links, sitemap_links
from crawler.politeness import DOWNLOAD_FAILED_STAT


def _class_name(source_name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", source_name)) + "Spider"


class SourceSpider(scrapy.Spider):
    source: Source

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.allowed_domains = list(self.source.hosts)
        self.max_articles = 0
        self.index_articles = True
        self._articles_requested: set[str] = set()
        self._archive_list_warned = False
        # A back-fill (PRESSARCHIVE_SINCE): crawler/backfill.py. None: the scheduled crawl.
        self.window: Window | None = None
        self.listing_walk: ListingWalk | None = None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_articles = crawler.settings.getint("PRESSARCHIVE_MAX_ARTICLES")
        # Without the article pipeline an item would only cost Scrapy's item handling.
        spider.index_articles = crawler.settings.getbool("PRESSARCHIVE_INDEX_ENABLED")
        # Checked before Scrapy starts (crawler/spiderloader.py, pressarchive crawl).
        spider.window = window_from_settings(crawler.settings, date.today())
        if spider.window is not None:
            spider.listing_walk = ListingWalk(
                spider.window, max(1, crawler.settings.getint(MAX_PAGES_SETTING)))
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.source.feeds:
            yield self.request(url, self.parse_feed)
        for url in self.source.sitemaps:
            yield self.request(url, self.parse_sitemap)
        for url in self.source.sections:
            yield self.request(url, self.parse_listing, cb_kwargs={"page": 1})
        if self.window is not None:
            for url in self._dated(self.source.daily_sitemaps, self.window):
                yield self.request(url, self.parse_sitemap)
            for url in self._dated(self.source.daily_archives, self.window):
                yield self.request(url, self.parse_dated_page)

    def _dated(self, templates: tuple[str, ...], window: Window) -> Iterator[str]:
        for url in dated_urls(templates, window.since, window.until, self.source.language):
            self._count("dated_pages")
            yield url

    def request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.download_failed, **kwargs)

    def download_failed(self, failure: Failure) -> None:
        """A request that got no usable response: one line, counted.

        Without an errback Scrapy logs each with its traceback. Failures the retries gave
        up on arrive as IgnoreRequest, already logged and counted (crawler/politeness.py),
        as do pages deliberately not fetched (not due, robots.txt).
        """
        if failure.check(HttpError):
            # A 404 or 5xx answer (archived): Scrapy's HttpErrorMiddleware logs and
            # counts it as before.
            failure.raiseException()
        if failure.check(IgnoreRequest):
            return
        reason = type(failure.value).__name__
        self.crawler.stats.inc_value(DOWNLOAD_FAILED_STAT)
        self.crawler.stats.inc_value(f"{DOWNLOAD_FAILED_STAT}/{reason}")
        url = getattr(getattr(failure, "request", None), "url", "?")  # set by Scrapy
        self.logger.error("download failed: %s: %s: %s", url, reason, failure.value)

    def _count(self, key: str) -> None:
        self.crawler.stats.inc_value(f"discovery/{key}")

    def article_request(
        self, url: str, found_in: str, published: str = ""
    ) -> scrapy.Request | None:
        if not self.source.is_article(url):
            return None
        if url in self._articles_requested:
            return None
        if self.max_articles and len(self._articles_requested) >= self.max_articles:
            self._count("articles_over_limit")
            return None
        self._articles_requested.add(url)
        self._count("articles")
        return self.request(
            url,
            self.parse_article,
            cb_kwargs={"found_in": found_in, "listed_date": published},
            meta={meta.ARTICLE: True},
        )

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            links = feed_links(response.body)
        except DiscoveryError as exc:
            self.logger.warning("unreadable feed %s: %s", response.url, exc)
            self._count("feed_errors")
            return
        for link in links:
            request = self.article_request(response.urljoin(link.url), "feed", link.published)
            if request:
                yield request

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            links = sitemap_links(response.body)
        except DiscoveryError as exc:
            self.logger.warning("unreadable sitemap %s: %s", response.url, exc)
            self._count("sitemap_errors")
            return
        for link in links:
            url = response.urljoin(link.url)
            if self.window is not None and self.window.published_before(link.published):
                # A child sitemap last changed before --since holds nothing newer; a URL
                # published before it is outside the back-fill.
                self._count("sitemaps_before_since" if link.is_sitemap
                            else "sitemap_urls_before_since")
                continue
            if link.is_sitemap:
                if self.source.owns(url):
                    yield self.request(url, self.parse_sitemap)
                continue
            request = self.article_request(url, "sitemap", link.published)
            if request:
                yield request

    def parse_listing(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        if not hasattr(response, "css"):
            self._count("listing_errors")
            return
        follow: bool | None = None  # decided at the first link to another listing page
        for href in response.css("a::attr(href), link[rel=next]::attr(href)").getall():
            url = response.urljoin(href.strip())
            request = self.article_request(url, "listing")
            if request:
                yield request
            elif url != response.url and self.source.is_listing(url):
                if follow is None:
                    follow = self._follows_next(response, page)
                if follow:
                    yield self.request(url, self.parse_listing, cb_kwargs={"page": page + 1})

    def _follows_next(self, response: Response, page: int) -> bool:
        if self.listing_walk is None:
            return page < self.source.max_listing_pages
        dates = listed_dates(response, self.source, date.today())
        stop = self.listing_walk.stop_reason(page, dates, self.source.max_listing_pages)
        if stop:
            self._count(stop)
            log_stop(self.source, response.url, page, stop, self.listing_walk.hard_cap)
        return not stop

    def parse_dated_page(self, response: Response) -> Iterator[scrapy.Request]:
        """A dated archive page (daily_archives): the article links of its day's list
        (daily_archive_xpath; the whole page without one) are followed; it does not lead
        to further listing pages (the window's other days are requested)."""
        if not hasattr(response, "css"):
            self._count("listing_errors")
            return
        scope: Any = response
        if self.source.daily_archive_xpath:
            scope = response.xpath(self.source.daily_archive_xpath)
            if not scope:
                # A redesign moved the list: every link of the page rather than none (a
                # window taking in a sidebar's stories loses nothing), and counted.
                self._count("archive_list_missing")
                if not self._archive_list_warned:
                    self._archive_list_warned = True
                    self.logger.warning(
                        "%s: no %s on the dated archive page: following all its links "
                        "(later pages: counted in discovery/archive_list_missing)",
                        response.url, self.source.daily_archive_xpath)
                scope = response
        for href in scope.xpath(".//a/@href").getall():
            request = self.article_request(response.urljoin(href.strip()), "archive")
            if request:
                yield request

    def parse_article(
        self, response: Response, found_in: str = "", listed_date: str = ""
    ) -> Iterator[dict[str, Any]]:
        if response.status == 304:
            # The answer to a conditional recheck (crawler/recheck.py lets it through):
            # archived as a server-not-modified revisit; the indexed article stands.
            self.crawler.stats.inc_value("recheck/not_modified")
            return
        if not self.source.is_article(response.url):
            # Redirected off the article (to a home page when a story is taken
            # down): archived, but not an article. A rebuild decides the same way.
            self._count("redirected_off_article")
            return
        if not self.index_articles:
            return
        yield {
            "url": response.url,
            "source": self.source.name,
            "found_in": found_in,
            "listed_date": listed_date,
            "capture": response.meta.get(meta.CAPTURE),
            "body": response.body,
            "content_type": response.headers.get(b"Content-Type", b"").decode("latin-1"),
        }


def make_spider_class(source: Source, sources: dict[str, Source] | None = None,
                      base: type[SourceSpider] = SourceSpider) -> type[SourceSpider]:
    """`sources`: every source of the file, which the WARC middleware files a capture
    of a shared host under (another edition's robots.txt or home page); `base`: the
    frontier's spider (crawler/frontier/spider.py) on a shared crawl."""
    return type(
        _class_name(source.name),
        (base,),
        {"name": source.name, "source": source, "sources": sources or {source.name: source},
         "__module__": __name__},
    )
