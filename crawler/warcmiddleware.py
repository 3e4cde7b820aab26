"""Downloader middleware that archives every HTTP exchange as WARC records.

Placed next to the downloader (order 990), it sees each request as it is sent,
after the user agent, cookies and Accept-Encoding were added, and each response
as it was received, before HttpCompressionMiddleware (590) decodes the body and
before RedirectMiddleware (600) follows a redirect; so robots.txt, feeds,
sitemaps, redirects and error pages are all archived, with the body as served.
"""

from __future__ import annotations

import logging
import time
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload
from scrapy.http import Headers, Response
from scrapy.utils.defer import maybe_deferred_to_future

from archive.backfill.wayback import answered_origin
from archive.capture.exchange import Exchange
from archive.sources import Source, source_for_url
from archive.warc.origin import Origin
from crawler import meta
from crawler.rawhttp import RawHead
from crawler.session import WRITE_FAILURES, CrawlSession

logger = logging.getLogger(__name__)


def header_lines(headers: Headers) -> list[tuple[bytes, bytes]]:
    """Every header line, repeated ones (Set-Cookie) included, in order."""
    return [(name, value) for name in headers for value in headers.getlist(name)]


def request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class WarcCaptureMiddleware:
    def __init__(self, crawler: Crawler, session: CrawlSession):
        self.crawler = crawler
        self.stats = crawler.stats
        self.session = session
        self.max_bytes = crawler.settings.getint("PRESSARCHIVE_MAX_RESPONSE_BYTES")
        self.max_seconds = crawler.settings.getfloat("PRESSARCHIVE_MAX_RESPONSE_SECONDS")
        source = getattr(crawler.spidercls, "source", None)
        self.source = source
        self.source_name = source.name if source else crawler.spidercls.name
        self.sources: dict[str, Source] = getattr(crawler.spidercls, "sources", {})
        session.register_crawler(crawler)
        if source is not None:
            session.writer.call("register_source", source).addErrback(
                lambda failure: logger.error("archive writer: %s", failure.value))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        if not crawler.settings.getbool("PRESSARCHIVE_WARC_ENABLED"):
            raise NotConfigured("PRESSARCHIVE_WARC_ENABLED is off: nothing is archived")
        middleware = cls(crawler, CrawlSession.acquire(crawler.settings))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def bytes_received(self, data: bytes, request: Request, spider: Any = None) -> None:
        """Stop a body at the size or time limit, keeping what arrived for the WARC."""
        received = request.meta.get(meta.BYTES_RECEIVED, 0) + len(data)
        request.meta[meta.BYTES_RECEIVED] = received
        started = request.meta.get(meta.STARTED_AT, time.time())
        if self.max_bytes and received > self.max_bytes:
            request.meta[meta.TRUNCATED] = "length"
        elif self.max_seconds and time.time() - started > self.max_seconds:
            request.meta[meta.TRUNCATED] = "time"
        else:
            return
        raise StopDownload(fail=False)

    def spider_closed(self) -> None:
        self.session.release()

    async def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        try:
            capture, counts = await maybe_deferred_to_future(
                self.session.writer.call("store", self.exchange(request, response))
            )
        except WRITE_FAILURES as exc:
            # The WARC stays valid up to the last whole record; this page is
            # not archived, so it must not be indexed either (nor counted as
            # fetched: the next run fetches it).
            self.stats.inc_value("warc/write_errors")
            self.session.write_failed(exc, request.url)
            raise IgnoreRequest(f"not archived: {request.url}") from None
        for key, count in counts.items():
            self.stats.inc_value(key, count)
        request.meta[meta.CAPTURE] = capture
        return response

    def truncation(self, request: Request, response: Response) -> str | None:
        # Only set when this crawler cut the body (size or time limit).
        if meta.TRUNCATED in request.meta:
            return request.meta[meta.TRUNCATED]
        if "dataloss" in response.flags:
            return "disconnect"
        return None

    def origin(self, request: Request, response: Response) -> Origin | None:
        """A back-fill's replay: the Origin of the capture asked for, if the web archive
        answered with that capture (archive/backfill/wayback.py)."""
        asked: Origin | None = request.meta.get(meta.ORIGIN)
        if asked is None:
            return None
        memento = response.headers.get(b"Memento-Datetime", b"").decode("latin-1")
        return answered_origin(asked, response.status, memento)

    def owner(self, url: str, origin: Origin | None) -> str:
        """The source an exchange is filed under: as a rebuild finds it (the source owning
        the URL, or the original's), so that reextract gives the same capture row. A
        back-fill's exchanges with the web archive itself belong to no source."""
        if origin is not None or self.source is None or self.source.owns(url):
            return self.source_name
        # Another edition's part of a shared host (its robots.txt, its home page).
        owner = source_for_url(url, self.sources)
        return owner.name if owner else ""

    def exchange(self, request: Request, response: Response) -> Exchange:
        url = request.url
        raw: RawHead | None = request.meta.get(meta.RAW_HEAD)
        origin = self.origin(request, response)
        request_headers = header_lines(request.headers)
        if not any(name.lower() == b"host" for name, _ in request_headers):
            request_headers.insert(0, (b"Host", urlsplit(url).netloc.encode("ascii")))
        return Exchange(
            url=url,
            source=self.owner(url, origin),
            started_at=request.meta.get(meta.STARTED_AT) or time.time(),
            method=request.method,
            target=request_target(url),
            request_headers=request_headers,
            request_body=request.body,
            protocol=raw.protocol if raw else (response.protocol or "HTTP/1.1"),
            status=response.status,
            reason=raw.reason if raw else reason_phrase(response.status),
            response_headers=raw.headers if raw else header_lines(response.headers),
            body=response.body,
            ip_address=str(response.ip_address) if response.ip_address else None,
            truncated=self.truncation(request, response),
            conditional=bool(request.meta.get(meta.CONDITIONAL)),
            # A replay that is not the capture is no article page of the source.
            article=bool(request.meta.get(meta.ARTICLE)) and (
                origin is not None or meta.ORIGIN not in request.meta),
            origin=origin,
        )
