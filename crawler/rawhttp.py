"""Keep the response head exactly as the server sent it.

Twisted parses the status line and headers into objects that lose what an
archive needs: the reason phrase, the header names' case and order, and the
connection headers (Transfer-Encoding, Connection, Content-Length), which it
moves aside. Scrapy then rebuilds Content-Length. These subclasses of Scrapy's
HTTP/1.1 client parts record the raw head lines on the side and hand them to
the request's meta, so the WARC response record can hold the real status line
and every header as received.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import (
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
    _ScrapyAgent,
)
from twisted.internet.defer import Deferred

from crawler import meta

# Where the parser leaves the RawHead on Twisted's response, for the agent to move it
# to the request's meta.
RAW_HEAD_ATTRIBUTE = "_pressarchive_raw_head"


class RawHead:
    """The status line and header lines of one response, as received."""

    __slots__ = ("status_line", "headers")

    def __init__(self, status_line: bytes, headers: list[tuple[bytes, bytes]]):
        self.status_line = status_line
        self.headers = headers

    @property
    def protocol(self) -> str:
        return self.status_line.split(b" ", 1)[0].decode("latin-1")

    @property
    def reason(self) -> str:
        parts = self.status_line.split(b" ", 2)
        return parts[2].decode("latin-1") if len(parts) > 2 else ""


class _RecordingParser(_LenientHTTPClientParser):
    # The protocol swaps this class in on a parser that already exists, so
    # state is created lazily rather than in __init__.
    def statusReceived(self, status: bytes) -> None:
        self._raw_status = status
        self._raw_headers: list[tuple[bytes, bytes]] = []
        super().statusReceived(status)

    def headerReceived(self, name: bytes, value: bytes) -> None:
        self._raw_headers.append((name, value))
        super().headerReceived(name, value)

    def allHeadersReceived(self) -> None:
        setattr(self.response, RAW_HEAD_ATTRIBUTE, RawHead(self._raw_status, self._raw_headers))
        super().allHeadersReceived()


class _RecordingProtocol(_LenientHTTP11ClientProtocol):
    def request(self, request: Any) -> Any:
        d = super().request(request)
        assert self._parser is not None
        self._parser.__class__ = _RecordingParser
        return d


class RecordingClientFactory(_LenientHTTP11ClientFactory):
    def buildProtocol(self, addr: Any) -> _RecordingProtocol:
        return _RecordingProtocol(self._quiescentCallback)


class RecordingAgent(_ScrapyAgent):
    def _cb_bodyready(self, txresponse: Any, request: Request) -> Any:
        raw = getattr(txresponse, RAW_HEAD_ATTRIBUTE, None)
        if raw is not None:
            request.meta[meta.RAW_HEAD] = raw
        result = super()._cb_bodyready(txresponse, request)
        if isinstance(result, Deferred):
            self._cut_body_at_time_limit(txresponse, request, result)
        return result

    def _cut_body_at_time_limit(self, txresponse: Any, request: Request, body: Deferred) -> None:
        """A server that stops sending never triggers bytes_received: a timer
        cuts the body at the time limit so what arrived is archived as truncated
        instead of the download timing out with nothing kept."""
        from twisted.internet import reactor

        limit = self._crawler.settings.getfloat("PRESSARCHIVE_MAX_RESPONSE_SECONDS")
        if not limit:
            return
        started = request.meta.get(meta.STARTED_AT, time.time())
        remaining = max(0.0, started + limit - time.time())

        def cut() -> None:
            request.meta[meta.TRUNCATED] = "time"
            txresponse._transport.loseConnection()

        timer = reactor.callLater(remaining, cut)

        def cancel(result: Any) -> Any:
            if timer.active():
                timer.cancel()
            return result

        body.addBoth(cancel)
