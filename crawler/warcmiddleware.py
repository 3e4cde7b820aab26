"""Downloader middleware that archives every HTTP exchange as WARC records.

Placed next to the downloader (order 990), it sees each request as it is sent,
after the user agent, cookies and Accept-Encoding were added, and each response
as it was received, before HttpCompressionMiddleware (590) decodes the body and
before RedirectMiddleware (600) follows a redirect; so robots.txt, feeds,
sitemaps, redirects and error pages are all archived, with the body as served.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload
from scrapy.http import Headers, Response

from archive.articles import record_removal
from archive.index import Capture
from archive.warc.records import (
    IDENTICAL_PAYLOAD_PROFILE,
    SERVER_NOT_MODIFIED_PROFILE,
    build_request_record,
    build_response_record,
    build_revisit_record,
    new_record_id,
    warc_date,
)
from crawler.rawhttp import (
    RAW_HEAD_META_KEY,
    STARTED_AT_META_KEY,
    TRUNCATED_META_KEY,
    RawHead,
)
from crawler.recheck import ARTICLE_META_KEY, CONDITIONAL_META_KEY
from crawler.session import ArchiveSession

logger = logging.getLogger(__name__)

CAPTURE_META_KEY = "warc_capture"
RECEIVED_META_KEY = "pressarchive_bytes_received"


def header_list(headers: Headers) -> list[tuple[str, str]]:
    """Every header line, repeated ones (Set-Cookie) included, in order."""
    lines: list[tuple[str, str]] = []
    for name in headers:
        for value in headers.getlist(name):
            lines.append((name.decode("latin-1"), value.decode("latin-1")))
    return lines


def request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class WarcCaptureMiddleware:
    def __init__(self, crawler: Crawler, session: ArchiveSession):
        self.crawler = crawler
        self.stats = crawler.stats
        self.session = session
        self.max_bytes = crawler.settings.getint("PRESSARCHIVE_MAX_RESPONSE_BYTES")
        self.max_seconds = crawler.settings.getfloat("PRESSARCHIVE_MAX_RESPONSE_SECONDS")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        if not crawler.settings.getbool("PRESSARCHIVE_WARC_ENABLED", True):
            raise NotConfigured
        middleware = cls(crawler, ArchiveSession.acquire(crawler.settings))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def bytes_received(self, data: bytes, request: Request, spider: Any = None) -> None:
        """Stop a body at the size or time limit, keeping what arrived for the WARC."""
        received = request.meta.get(RECEIVED_META_KEY, 0) + len(data)
        request.meta[RECEIVED_META_KEY] = received
        started = request.meta.get(STARTED_AT_META_KEY, time.time())
        if self.max_bytes and received > self.max_bytes:
            request.meta[TRUNCATED_META_KEY] = "length"
        elif self.max_seconds and time.time() - started > self.max_seconds:
            request.meta[TRUNCATED_META_KEY] = "time"
        else:
            return
        raise StopDownload(fail=False)

    def spider_closed(self) -> None:
        self.session.release()

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        try:
            capture = self.archive(request, response)
        except OSError as exc:
            # The WARC stays valid up to the last whole record; this page is
            # not archived, so it must not be indexed either.
            logger.error("could not write WARC records for %s: %s", request.url, exc)
            self.stats.inc_value("warc/write_errors")
            raise IgnoreRequest(f"WARC write failed: {exc}") from exc
        request.meta[CAPTURE_META_KEY] = capture
        return response

    def truncation(self, request: Request, response: Response) -> str | None:
        # Only set when this crawler cut the body (size or time limit).
        if TRUNCATED_META_KEY in request.meta:
            return request.meta[TRUNCATED_META_KEY]
        if "dataloss" in response.flags:
            return "disconnect"
        return None

    def find_original(
        self, request: Request, response: Response, payload_digest: str, truncated: str | None
    ) -> tuple[Capture | None, str]:
        """The earlier capture holding this response's payload, and the revisit profile."""
        index = self.session.index
        if response.status == 304:
            if not request.meta.get(CONDITIONAL_META_KEY):
                return None, ""
            found = index.latest_payload_capture(request.url)
            return (found[1] if found else None), SERVER_NOT_MODIFIED_PROFILE
        if truncated:
            return None, ""
        return index.find_original(request.url, payload_digest), IDENTICAL_PAYLOAD_PROFILE

    def archive(self, request: Request, response: Response) -> Capture:
        date = warc_date(request.meta.get(STARTED_AT_META_KEY) or time.time())
        url = request.url
        ip_address = str(response.ip_address) if response.ip_address else None
        truncated = self.truncation(request, response)
        raw: RawHead | None = request.meta.get(RAW_HEAD_META_KEY)
        request_headers = header_list(request.headers)
        if not any(name.lower() == "host" for name, _ in request_headers):
            request_headers.insert(0, ("Host", urlsplit(url).netloc))
        request_id = new_record_id()
        request_record = build_request_record(
            url,
            method=request.method,
            target=request_target(url),
            http_version="HTTP/1.1",
            headers=request_headers,
            body=request.body,
            date=date,
            record_id=request_id,
            ip_address=ip_address,
        )
        response_record = build_response_record(
            url,
            status=response.status,
            reason=raw.reason if raw else reason_phrase(response.status),
            protocol=raw.protocol if raw else (response.protocol or "HTTP/1.1"),
            headers=raw.header_list() if raw else header_list(response.headers),
            body=response.body,
            date=date,
            concurrent_to=request_id,
            ip_address=ip_address,
            truncated=truncated,
        )
        payload_digest = response_record.rec_headers.get_header("WARC-Payload-Digest") or ""
        original, profile = self.find_original(request, response, payload_digest, truncated)
        if original is not None:
            # The payload is already archived: store the head only.
            payload_digest = original.payload_digest
            response_record = build_revisit_record(
                url,
                status=response.status,
                reason=raw.reason if raw else reason_phrase(response.status),
                protocol=raw.protocol if raw else (response.protocol or "HTTP/1.1"),
                headers=raw.header_list() if raw else header_list(response.headers),
                body_length=len(response.body),
                payload_digest=payload_digest,
                refers_to=original.record_id,
                refers_to_uri=original.url,
                refers_to_date=original.fetched_at,
                date=date,
                profile=profile,
                concurrent_to=request_id,
                ip_address=ip_address,
            )
            self.stats.inc_value("warc/revisits")
            if profile == SERVER_NOT_MODIFIED_PROFILE:
                self.stats.inc_value("warc/revisits_not_modified")
        _, location = self.session.writer.write([request_record, response_record])
        self.stats.inc_value("warc/records", 2)
        self.stats.inc_value("warc/responses")
        self.stats.inc_value("warc/bytes", location.length)
        if truncated:
            self.stats.inc_value(f"warc/truncated/{truncated}")
        capture = Capture(
            url=url,
            source=self.crawler.spider.name if self.crawler.spider else "",
            status=response.status,
            content_type=response.headers.get(b"Content-Type", b"").decode("latin-1"),
            fetched_at=date,
            warc_file=location.filename,
            warc_offset=location.offset,
            warc_length=location.length,
            record_id=location.record_id,
            payload_digest=payload_digest,
            ip_address=ip_address or "",
            location=response.headers.get(b"Location", b"").decode("latin-1"),
            truncated=truncated or "",
            rec_type="revisit" if original else "response",
            refers_to=original.record_id if original else "",
            etag=response.headers.get(b"ETag", b"").decode("latin-1"),
            last_modified=response.headers.get(b"Last-Modified", b"").decode("latin-1"),
        )
        self.session.index.add_captures([capture])
        self.note_fetch(request, capture)
        if request.meta.get(ARTICLE_META_KEY):
            source = getattr(self.crawler.spidercls, "source", None)
            if record_removal(self.session.index, capture, source):
                self.stats.inc_value("articles/removed")
        return capture

    def note_fetch(self, request: Request, capture: Capture) -> None:
        """State for the next runs: when this URL is next due, its validators."""
        source = getattr(self.crawler.spidercls, "source", None)
        schedule = source.recheck_schedule if source else ()
        self.session.state.record_fetch(
            url=capture.url, source=capture.source,
            kind="article" if request.meta.get(ARTICLE_META_KEY) else "page",
            status=capture.status, etag=capture.etag, last_modified=capture.last_modified,
            payload_digest=capture.payload_digest,
            fetched=dt.datetime.now(dt.UTC), schedule=schedule,
        )
