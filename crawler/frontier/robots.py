"""robots.txt fetched once per run and source for all workers, the others reading the
copy in Redis.

Scrapy's RobotsTxtMiddleware fetches each host's robots.txt once per crawler; with N
workers it would be fetched (and archived) N times. The first worker to want it takes a
marker key and fetches it; the others wait for the body it stores. Per source, as a
local crawl does (each source's spider reads a shared host's robots.txt itself), so that
the archive holds the same records whatever the number of workers.
"""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from scrapy_redis.connection import get_redis_from_settings

from crawler import frontier

FETCHING = b"fetching"
FAILED = b"failed"
BODY = b"body:"
_WAIT_STEP = 0.2


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self.server = get_redis_from_settings(crawler.settings)
        self.keys = frontier.keys(crawler.settings)
        self.fetch_timeout = crawler.settings.getfloat("DOWNLOAD_TIMEOUT") * 2

    def _key(self, netloc: str) -> str:
        return self.keys.of(self.crawler.spider.name, f"robots:{netloc}")

    async def robot_parser(self, request: Request) -> Any:
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            key = self._key(netloc)
            waited = 0.0
            while True:
                value = self.server.get(key)
                if value is None and self.server.set(key, FETCHING, nx=True,
                                                     ex=int(self.fetch_timeout) + 1):
                    break  # ours to fetch, by Scrapy's own code below
                if value and value != FETCHING:
                    return await self._shared(value, netloc, request)
                if waited > self.fetch_timeout:
                    break  # the fetching worker died: the marker expires, fetch it too
                await _sleep(_WAIT_STEP)
                waited += _WAIT_STEP
        return await super().robot_parser(request)

    async def _shared(self, value: bytes, netloc: str, request: Request) -> Any:
        self._stats.inc_value("robotstxt/shared")
        if value == FAILED:
            self._parsers[netloc] = None
            return None
        parser = build_from_crawler(self._parserimpl, self.crawler, value[len(BODY):])
        self._parsers[netloc] = parser
        # crawler/crawldelay.py reads Crawl-delay from this signal.
        await self.crawler.signals.send_catch_log_async(
            signal=signals.robots_parsed, robotparser=parser, request=request)
        return parser

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        self.server.set(self._key(netloc), BODY + response.body,
                        ex=int(self.crawler.settings.getfloat("PRESSARCHIVE_FRONTIER_KEY_TTL")))
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        # Ignored or failed, Scrapy then obeys no robots.txt for the host: the others too.
        self.server.set(self._key(netloc), FAILED, ex=int(self.fetch_timeout) + 1)
        super()._robots_error(exc, netloc)


async def _sleep(seconds: float) -> None:
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))
