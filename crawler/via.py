"""Download handler that can send every request to one server (`--via`).

The request keeps its real URL everywhere (WARC target URI, index, dupe filter,
per-host download slots); only the connection goes to the via server, with the
real host in the Host header. The response comes back under the real URL and
carries the address actually contacted (`response.ip_address`), which the WARC
records as WARC-IP-Address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

from archive.errors import ConfigError

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

VIA_META_KEY = "pressarchive_via"


def parse_via(via: str) -> tuple[str, str]:
    """Return (scheme, netloc) of a via URL such as http://127.0.0.1:8000."""
    parts = urlsplit(via)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ConfigError(f"--via must look like http://HOST:PORT, not {via!r}")
    return parts.scheme, parts.netloc


def via_url(url: str, scheme: str, netloc: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


class ViaDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        via = crawler.settings.get("PRESSARCHIVE_VIA", "")
        self._via = parse_via(via) if via else None

    async def download_request(self, request: Request) -> Response:
        if self._via is None:
            return await super().download_request(request)
        real = urlsplit(request.url)
        routed = request.replace(url=via_url(request.url, *self._via))
        # Twisted's agent only adds Host when it is missing: keep the real one.
        routed.headers[b"Host"] = real.netloc.encode("ascii")
        request.meta[VIA_META_KEY] = f"{self._via[0]}://{self._via[1]}"
        response = await super().download_request(routed)
        # AutoThrottle reads the latency from the original request's meta.
        if "download_latency" in routed.meta:
            request.meta["download_latency"] = routed.meta["download_latency"]
        return response.replace(url=request.url)
