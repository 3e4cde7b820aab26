"""scrapy-redis's scheduler, with the fixes and the in-flight requests of the frontier.

A thin subclass of `scrapy_redis.scheduler.Scheduler` (0.9.1, pinned), not a pinned
commit of scrapy-redis: its release passes `spider=` to the stats collector and calls
Spider.log() (both deprecated by Scrapy), forgets popped requests, and marks a request
seen and queues it in two calls (a kill between them loses it); all four are a few
methods and Lua scripts here, and the rest of scrapy-redis (queue, duplicate filter,
serialisation, connection settings) is used as released.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import redis
from scrapy import Request
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler

from crawler import frontier
from crawler.frontier.inflight import INFLIGHT_META

logger = logging.getLogger(__name__)

# Pop the queue's first request (scrapy_redis.queue.PriorityQueue: a sorted set, lowest
# score first) and copy it into the worker's in-flight hash, in one step: a worker
# killed between the two would otherwise lose it.
_POP = """
local found = redis.call('zrange', KEYS[1], 0, 0)
if #found == 0 then return false end
redis.call('zremrangebyrank', KEYS[1], 0, 0)
redis.call('hset', KEYS[2], redis.sha1hex(found[1]), found[1])
redis.call('expire', KEYS[2], ARGV[1])
return found[1]
"""

# Mark a request seen in the duplicate filter and queue it, in one step: a worker killed
# between scrapy-redis's two calls left a fingerprint without its request, so the page
# (its feed parsed again after the restart) was filtered as seen and never fetched.
# KEYS: the filter, the queue; ARGV: fingerprint, score, request. 1 if queued.
_SEEN_AND_QUEUED = """
if redis.call('sadd', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('zadd', KEYS[2], ARGV[2], ARGV[3])
return 1
"""


class FrontierScheduler(Scheduler):
    """Scheduler of one source's spider on the shared frontier."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> FrontierScheduler:
        scheduler = super().from_crawler(crawler)
        settings = crawler.settings
        scheduler.crawler = crawler
        scheduler.keys = frontier.keys(settings)
        scheduler.worker = frontier.worker_name(settings)
        scheduler.key_ttl = max(1, int(settings.getfloat("PRESSARCHIVE_FRONTIER_KEY_TTL")))
        scheduler.heartbeat = max(1.0, settings.getfloat("PRESSARCHIVE_FRONTIER_HEARTBEAT"))
        scheduler._pop = scheduler.server.register_script(_POP)
        scheduler._seen_and_queued = scheduler.server.register_script(_SEEN_AND_QUEUED)
        scheduler._beat: Any = None
        return scheduler

    def open(self, spider: Any) -> None:
        # scrapy-redis's open() without its Spider.log() call (deprecated by Scrapy).
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key % {"spider": spider.name},
            serializer=self.serializer)
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if self.flush_on_start:
            self.flush()
        if len(self.queue):
            logger.info("joining a run with %d request(s) of %s queued", len(self.queue),
                        spider.name)
        spider.frontier_scheduler = self
        self.inflight_key = self.keys.inflight(spider.name, self.worker)
        for key in (self.queue_key % {"spider": spider.name}, self.df.key):
            self.server.expire(key, self.key_ttl)
        # Our own in-flight requests were left by an earlier process of this worker
        # (killed: a live one would hold this worker's archive lock): back to the queue.
        self.requeue(self.inflight_key)
        self.beat()
        from twisted.internet import task

        self._beat = task.LoopingCall(self.beat)
        self._beat.start(self.heartbeat / 3, now=False)

    def close(self, reason: str) -> None:
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        if reason == "finished":
            # Whatever is left was handed on (a retry another worker took) or dropped.
            self.server.delete(self.inflight_key)
        super().close(reason)

    def beat(self) -> None:
        """This worker is alive for another heartbeat; its run's keys stay."""
        self.server.set(self.keys.alive(self.worker), "1", px=int(self.heartbeat * 1000))

    # The two methods of scrapy_redis.scheduler.Scheduler, without `spider=` in the stats.
    def enqueue_request(self, request: Request) -> bool:
        # A request that comes back carrying an in-flight field is the redirect or the
        # retry of one this worker took: once it is queued (or filtered as seen), the
        # one it continues is done.
        field = request.meta.pop(INFLIGHT_META, None)
        try:
            if request.dont_filter:
                self.queue.push(request)
            elif not self._seen_and_queued(
                    keys=[self.df.key, self.queue.key],
                    args=[self.df.request_fingerprint(request), -request.priority,
                          self.queue._encode_request(request)]):
                self.df.log(request, self.spider)
                return False
            self.stats.inc_value("scheduler/enqueued/redis")
            return True
        finally:
            if field:
                self.finished(field)

    def next_request(self) -> Request | None:
        data = self._pop(keys=[self.queue.key, self.inflight_key], args=[self.key_ttl])
        if not data:
            return None
        request = self.queue._decode_request(data)
        request.meta[INFLIGHT_META] = hashlib.sha1(data).hexdigest()
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def finished(self, field: str) -> None:
        self.server.hdel(self.inflight_key, field)

    def has_pending_requests(self) -> bool:
        return len(self.queue) > 0

    def requeue(self, inflight_key: str) -> int:
        """Put a worker's in-flight requests back in the queue (bypassing the duplicate
        filter, which has seen them); the number put back."""
        # Renamed first: of two workers finding the same dead one, one puts them back.
        claimed = f"{inflight_key}:claimed-by-{self.worker}"
        try:
            self.server.rename(inflight_key, claimed)
        except redis.ResponseError:
            return 0  # nothing there, or another worker was first
        entries = self.server.hgetall(claimed)
        for data in entries.values():
            self.queue.push(self.queue._decode_request(data))
        self.server.delete(claimed)
        if entries:
            self.stats.inc_value("frontier/requeued", len(entries))
            logger.warning("%d request(s) %s had in flight put back in the queue",
                           len(entries), inflight_key.rsplit(":", 1)[-1])
        return len(entries)

    def others_busy(self) -> bool:
        """Whether another live worker has requests of this spider in flight; a dead
        one's (its heartbeat expired) are put back in the queue."""
        busy = False
        pattern = self.keys.inflight(self.spider.name, "*")
        for key in self.server.scan_iter(match=pattern, count=100):
            name = key.decode() if isinstance(key, bytes) else key
            worker = name.rsplit(":", 1)[-1]
            if worker == self.worker or "claimed-by-" in worker:
                continue
            if self.server.exists(self.keys.alive(worker)):
                busy = busy or self.server.hlen(name) > 0
            else:
                self.requeue(name)
        return busy
