"""One HTTP exchange as the capture store needs it.

The downloader middleware (crawler/warcmiddleware.py) copies what the store needs out
of Scrapy's request and response into an `Exchange`: plain values, cheap to pickle to
the writer process, and no Scrapy object on the store's side.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.warc.origin import Origin


@dataclass(frozen=True)
class Exchange:
    """A request as sent and its response as received (body still content-encoded)."""

    url: str
    source: str
    started_at: float  # when the request left Scrapy's queues: the WARC-Date
    method: str
    target: str  # request-target of the request line
    # Header lines as bytes, decoded (latin-1) by the writer, not the crawl process.
    request_headers: list[tuple[bytes, bytes]]
    request_body: bytes
    protocol: str
    status: int
    reason: str
    response_headers: list[tuple[bytes, bytes]]  # as received: order, case, repeats
    body: bytes
    ip_address: str | None
    truncated: str | None  # "length", "time" or "disconnect" when the body was cut
    conditional: bool  # sent with If-None-Match / If-Modified-Since
    article: bool  # the URL is an article page of its source
    # A back-fill's fetch from a web archive: the original the replay URL stands for.
    origin: Origin | None = None

