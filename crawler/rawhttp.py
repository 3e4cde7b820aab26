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

from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import (
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
    _ScrapyAgent,
)

RAW_HEAD_META_KEY = "pressarchive_raw_head"


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

    def header_list(self) -> list[tuple[str, str]]:
        return [(n.decode("latin-1"), v.decode("latin-1")) for n, v in self.headers]


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
        self.response._pressarchive_raw_head = RawHead(self._raw_status, self._raw_headers)
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
        raw = getattr(txresponse, "_pressarchive_raw_head", None)
        if raw is not None:
            request.meta[RAW_HEAD_META_KEY] = raw
        return super()._cb_bodyready(txresponse, request)
