"""The spider of a source on the frontier: our SourceSpider with scrapy-redis's start
URLs.

A thin subclass of ours with scrapy-redis's RedisMixin, not its RedisSpider: the mixin
reads start URLs through `start_requests()`, which Scrapy (2.13 on) no longer calls, so
`start()` here seeds them and reads them; and its idle rule (close after N idle seconds)
would close a worker while another one's pages can still yield requests. Discovery
(feeds, sitemaps, listings, back-fills, rechecks) stays SourceSpider's.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.spiders import RedisMixin
from twisted.python.failure import Failure

from crawler import frontier
from crawler.frontier.inflight import finished
from crawler.spiders.source import SourceSpider

# Seed the start URLs once per run, whichever worker starts first, in one step: another
# worker must never see the run seeded but its start URLs not yet there.
_SEED = """
if redis.call('set', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  for i = 2, #ARGV do redis.call('rpush', KEYS[2], ARGV[i]) end
  redis.call('expire', KEYS[2], ARGV[1])
  return #ARGV - 1
end
return -1
"""


class FrontierSourceSpider(RedisMixin, SourceSpider):
    """Start URLs are JSON in `…:SPIDER:start_urls`: {"url": …, "kind": "feed" |
    "sitemap" | "listing" | "dated"}; an operator may push more with redis-cli."""

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> FrontierSourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.idle_close = crawler.settings.getfloat("PRESSARCHIVE_FRONTIER_IDLE_CLOSE")
        spider.key_ttl = max(1, int(crawler.settings.getfloat("PRESSARCHIVE_FRONTIER_KEY_TTL")))
        spider.frontier_keys = frontier.keys(crawler.settings)
        spider.idle_since = 0.0
        return spider

    def seed_data(self) -> list[str]:
        seeds = [("feed", url) for url in self.source.feeds]
        seeds += [("sitemap", url) for url in self.source.sitemaps]
        seeds += [("listing", url) for url in self.source.sections]
        if self.window is not None:
            seeds += [("sitemap", url) for url in self._dated(self.source.daily_sitemaps,
                                                              self.window)]
            seeds += [("dated", url) for url in self._dated(self.source.daily_archives,
                                                            self.window)]
        return [json.dumps({"url": url, "kind": kind}) for kind, url in seeds]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # Here, not in from_crawler: Scrapy makes the spider before the add-ons set
        # REDIS_URL (crawler/frontier/addon.py).
        self.setup_redis(self.crawler)
        seeded = self.server.register_script(_SEED)(
            keys=[self.frontier_keys.of(self.name, "seeded"), self.redis_key],
            args=[self.key_ttl, *self.seed_data()])
        if seeded >= 0:
            self.logger.info("seeded %d start URL(s) in %s", seeded, self.redis_key)
        # All of them now: they go through the scheduler into the shared queue, which
        # every worker takes from (RedisMixin would read a batch per idle spell).
        while True:
            batch = list(self.next_requests())
            if not batch:
                break
            for request in batch:
                yield request

    def make_request_from_data(self, data: bytes) -> scrapy.Request | list:
        try:
            seed = json.loads(data)
            url, kind = seed["url"], seed.get("kind", "feed")
        except (ValueError, KeyError, TypeError):
            self.logger.warning("start URL not understood: %r", data[:200])
            return []
        if kind == "listing":
            return self.request(url, self.parse_listing, cb_kwargs={"page": 1})
        callbacks = {"feed": self.parse_feed, "sitemap": self.parse_sitemap,
                     "dated": self.parse_dated_page}
        if kind not in callbacks:
            self.logger.warning("start URL of unknown kind %r: %s", kind, url)
            return []
        return self.request(url, callbacks[kind])

    def download_failed(self, failure: Failure) -> None:
        try:
            super().download_failed(failure)
        finally:
            # No output will follow a failed request: it is done (a 404 included).
            finished(self, getattr(failure, "request", None))

    def spider_idle(self) -> None:
        """Close only when the run is over for this source: no start URL, nothing queued
        and no live worker with a request in flight, for PRESSARCHIVE_FRONTIER_IDLE_CLOSE
        seconds (a page another worker is parsing may still yield requests)."""
        self.schedule_next_requests()
        scheduler = self.frontier_scheduler
        busy = (self.count_size(self.redis_key) > 0 or scheduler.has_pending_requests()
                or scheduler.others_busy())
        now = time.monotonic()
        if busy:
            self.idle_since = 0.0
            raise DontCloseSpider
        if not self.idle_since:
            self.idle_since = now
        # Scrapy asks again every 5 s while the spider stays idle.
        if now - self.idle_since < self.idle_close:
            raise DontCloseSpider
