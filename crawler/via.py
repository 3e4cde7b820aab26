"""HTTP(S) download handler: records the raw response head and can route
every request to one server (`--via`).

With --via, the request keeps its real URL everywhere (WARC target URI, index,
dupe filter, per-host download slots); only the connection goes to the via
server, with the real host in the Host header. The response comes back under
the real URL and carries the address actually contacted
(`response.ip_address`), which the WARC records as WARC-IP-Address.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.utils._download_handlers import wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future

from archive.errors import ConfigError
from crawler import meta
from crawler.rawhttp import RecordingAgent, RecordingClientFactory

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

# Set during a transfer (bytes_received handler, cut timer): a retry or redirect copies
# them from the earlier transfer, and with --via they are set on the routed copy.
COPIED_META_KEYS = (meta.TRUNCATED, meta.BYTES_RECEIVED)


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
        self._pool._factory = RecordingClientFactory
        via = crawler.settings.get("PRESSARCHIVE_VIA")
        self._via = parse_via(via) if via else None

    async def download_request(self, request: Request) -> Response:
        # The capture starts now, when the request leaves Scrapy's queues: this is
        # the WARC-Date, and the time limit counts from here.
        request.meta[meta.STARTED_AT] = time.time()
        # Retries and redirects copy meta: what an earlier transfer set is not ours.
        for key in COPIED_META_KEYS:
            request.meta.pop(key, None)
        routed = request
        if self._via is not None:
            routed = request.replace(url=via_url(request.url, *self._via))
            # Twisted's agent only adds Host when it is missing: keep the real one.
            routed.headers[b"Host"] = urlsplit(request.url).netloc.encode("ascii")
            request.meta[meta.VIA] = f"{self._via[0]}://{self._via[1]}"
        agent = RecordingAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        with wrap_twisted_exceptions():
            response = await maybe_deferred_to_future(agent.download_request(routed))
        if routed is request:
            return response
        for key in (meta.DOWNLOAD_LATENCY, meta.RAW_HEAD, *COPIED_META_KEYS):
            # AutoThrottle and the WARC middleware read these from the original request.
            if key in routed.meta:
                request.meta[key] = routed.meta[key]
        return response.replace(url=request.url)
