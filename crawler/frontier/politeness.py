"""Politeness held across workers: each request to a host holds one of the host's slots
and takes its turn, both in Redis.

Scrapy spaces the requests of one process to a host by its downloader slot's delay
(DOWNLOAD_DELAY, AutoThrottle, robots.txt Crawl-delay through crawler/crawldelay.py) and
holds them to its concurrency (CONCURRENT_REQUESTS_PER_DOMAIN); N workers would send N
times both. Here every request first holds a lease on one of the host's slots
(crawler/frontier/hostslots.py: at most the slot's concurrency at once, from all
workers), then reserves the host's next turn in Redis (one Lua script on Redis's own
clock, so the machines' clocks do not matter) and waits for it, in the download handler,
as it goes out: requests to a host, from all workers together, are at least that delay
apart and never more at once than one worker would send.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.connection import get_redis_from_settings

from crawler.frontier.hostslots import HostSlots
from crawler.frontier.robots import _sleep
from crawler.politeness import downloader_of
from crawler.via import ViaDownloadHandler

# KEYS[1]: the host's next free moment (ms, Redis's clock); ARGV[1]: the delay in ms.
# Returns how many ms the caller waits for its turn.
_RESERVE = """
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free = tonumber(redis.call('get', KEYS[1]) or '0')
local turn = math.max(now, free)
redis.call('set', KEYS[1], turn + tonumber(ARGV[1]), 'PX', tonumber(ARGV[1]) + 60000)
return turn - now
"""


# KEYS[1]: when a request to the host last went out (ms, Redis's clock); ARGV[1]: the
# delay in ms. Marks this one as going out now, or returns how many ms it waits still.
_SEND = """
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local sent = tonumber(redis.call('get', KEYS[1]) or '-1e15')
local ready = sent + tonumber(ARGV[1])
if now < ready then return ready - now end
redis.call('set', KEYS[1], now, 'PX', tonumber(ARGV[1]) + 60000)
return 0
"""


class HostTurns:
    """Each request to a host takes the host's next turn in Redis and waits for it."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.server = get_redis_from_settings(crawler.settings)
        self.reserve = self.server.register_script(_RESERVE)
        self.send = self.server.register_script(_SEND)
        self.default_delay = crawler.settings.getfloat("DOWNLOAD_DELAY")

    def delay(self, request: Request) -> float:
        """The host's delay as this worker's downloader sees it now (Crawl-delay and
        AutoThrottle included)."""
        downloader = downloader_of(self.crawler)
        if downloader is None:
            return self.default_delay
        slot = downloader.slots.get(downloader.get_slot_key(request))
        return slot.delay if slot is not None else self.default_delay

    async def wait(self, request: Request) -> float:
        """Seconds waited for the turn."""
        delay = self.delay(request)
        if delay <= 0:
            return 0.0  # no delay asked: no turn to take
        host = urlparse_cached(request).hostname or ""
        delay_ms = int(delay * 1000)
        wait_ms = self.reserve(keys=[f"pressarchive:host:{host}:next"], args=[delay_ms])
        if wait_ms > 0:
            self.crawler.stats.inc_value("frontier/delay_waits")
            await _sleep(wait_ms / 1000)
        # A turn orders the requests; the send is checked too: a worker whose loop woke
        # late for its turn (a busy process) sent that much closer to the next turn's
        # request, which then waits for the rest of the delay.
        waited = max(wait_ms, 0)
        while (late_ms := self.send(keys=[f"pressarchive:host:{host}:sent"],
                                    args=[delay_ms])) > 0:
            self.crawler.stats.inc_value("frontier/delay_rewaits")
            waited += late_ms
            await _sleep(late_ms / 1000)
        return waited / 1000


class TurnTakingDownloadHandler(ViaDownloadHandler):
    """Our download handler, holding one of the host's slots and taking the host's turn
    right before the request goes out (each as its setting asks).

    Here and not in a downloader middleware: a middleware runs before the downloader
    slot's own queue, whose wait (Scrapy's randomised delay, the slot's concurrency)
    would shift the send after the turn taken, and two workers' requests closer."""

    def __init__(self, crawler: Any):
        super().__init__(crawler)
        settings = crawler.settings
        self.turns = (HostTurns(crawler) if settings.getbool("PRESSARCHIVE_FRONTIER_SHARED_DELAY")
                      else None)
        self.slots = (HostSlots(crawler)
                      if settings.getbool("PRESSARCHIVE_FRONTIER_SHARED_CONCURRENCY") else None)

    async def download_request(self, request: Request) -> Response:
        if self.slots is None:
            await self._take_turn(request)
            return await super().download_request(request)
        # The slot first, then the turn: a turn taken before a wait for a slot would be
        # spent while waiting, the request going out that much after its turn, closer
        # than the delay to the request of the next turn. Held this way, only a request
        # holding a slot takes a turn, and it goes out when its turn comes.
        async with self.slots.held(request) as lease:
            if await self._take_turn(request):
                # Its life counted again from now, when the download's timeout starts:
                # a long turn (a large Crawl-delay) must not let the lease run out mid-way.
                lease.take()
            return await super().download_request(request)

    async def _take_turn(self, request: Request) -> float:
        return 0.0 if self.turns is None else await self.turns.wait(request)
