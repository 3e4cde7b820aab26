"""Per-host concurrency held across workers: a request to a host holds one of the host's
slots, a lease in Redis, while it is downloaded.

Scrapy holds a process's requests to a host to its downloader slot's concurrency
(CONCURRENT_REQUESTS_PER_DOMAIN, or the slot's own in DOWNLOAD_SLOTS); N workers would
send N times that at once. Here each request first takes a lease in the host's sorted
set (member: the worker and a unique id; score: when the lease expires, in ms on Redis's
own clock) if fewer than that many are held, and gives it back when its download ends.
A worker killed with SIGKILL gives nothing back: its leases expire (the download timeout
and a margin after they were taken) and the next acquire drops them.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis
from scrapy import Request
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.connection import get_redis_from_settings

from crawler import frontier
from crawler.frontier.robots import _sleep
from crawler.politeness import downloader_of

logger = logging.getLogger(__name__)

# KEYS[1]: the host's leases; ARGV[1]: this lease; ARGV[2]: the limit; ARGV[3]: its life
# in ms. A lease already held is renewed whatever the limit. Returns {1 if held, else 0;
# how many expired leases were dropped}.
_ACQUIRE = """
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local life = tonumber(ARGV[3])
local dropped = redis.call('zremrangebyscore', KEYS[1], '-inf', now)
if not redis.call('zscore', KEYS[1], ARGV[1])
    and redis.call('zcard', KEYS[1]) >= tonumber(ARGV[2]) then
  return {0, dropped}
end
redis.call('zadd', KEYS[1], now + life, ARGV[1])
if redis.call('pttl', KEYS[1]) < life then
  redis.call('pexpire', KEYS[1], life)
end
return {1, dropped}
"""

# A lease outlives its download's timeout by this much: the handler gives it back in a
# `finally`, so only a killed worker's ever expires, and then this is all the host waits.
LEASE_MARGIN = 30.0
# A waiting request asks again after this, doubled up to _WAIT_MAX (with some jitter, so
# that workers waiting for one host do not ask in step).
_WAIT_FIRST = 0.05
_WAIT_MAX = 0.5


def leases_key(host: str) -> str:
    return f"pressarchive:host:{host}:leases"


class Lease:
    """One request's slot at a host."""

    def __init__(self, slots: HostSlots, key: str, member: str, limit: int, life_ms: int):
        self.slots, self.key, self.member = slots, key, member
        self.limit, self.life_ms = limit, life_ms

    def take(self) -> bool:
        """Hold the slot, or renew it (its life counted from now); False if the host's
        slots are all held."""
        held, dropped = self.slots.acquire(keys=[self.key],
                                           args=[self.member, self.limit, self.life_ms])
        if dropped:
            self.slots.crawler.stats.inc_value("frontier/slot_leases_expired", dropped)
        return bool(held)

    def release(self) -> None:
        try:
            self.slots.server.zrem(self.key, self.member)
        except redis.RedisError as exc:
            # Not worth failing the download it ended: the lease expires by itself.
            logger.warning("host slot %s not given back (it expires): %s", self.key, exc)


class HostSlots:
    """At most the downloader slot's concurrency of requests to a host, from all workers."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.server = get_redis_from_settings(crawler.settings)
        self.acquire = self.server.register_script(_ACQUIRE)
        self.worker = frontier.worker_name(crawler.settings)
        self.default_limit = crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.default_timeout = crawler.settings.getfloat("DOWNLOAD_TIMEOUT")

    def limit(self, request: Request) -> int:
        """The host's concurrency as this worker's downloader has it (DOWNLOAD_SLOTS
        included)."""
        downloader = downloader_of(self.crawler)
        slot = None if downloader is None else downloader.slots.get(
            downloader.get_slot_key(request))
        return max(1, slot.concurrency if slot is not None else self.default_limit)

    def lease(self, request: Request) -> Lease:
        host = urlparse_cached(request).hostname or ""
        timeout = float(request.meta.get("download_timeout", self.default_timeout))
        return Lease(self, leases_key(host), f"{self.worker}:{uuid.uuid4().hex}",
                     self.limit(request), int((timeout + LEASE_MARGIN) * 1000))

    @asynccontextmanager
    async def held(self, request: Request) -> AsyncIterator[Lease]:
        """Wait (without blocking the reactor) for one of the host's slots; give it back
        when the block ends, however it ends (answer, error, timeout, cancellation)."""
        lease = self.lease(request)
        step = _WAIT_FIRST
        if not lease.take():
            self.crawler.stats.inc_value("frontier/slot_waits")
            while True:
                await _sleep(step * random.uniform(0.75, 1.25))
                if lease.take():
                    break
                step = min(step * 2, _WAIT_MAX)
        try:
            yield lease
        finally:
            lease.release()
