"""robots.txt Crawl-delay, honoured per host.

Scrapy's RobotsTxtMiddleware obeys Allow/Disallow only. This downloader middleware takes
the Crawl-delay robots.txt gives our user agent, from the parser that middleware has just
built (its public `robots_parsed` signal and `RobotParser.crawl_delay()`, so whatever
ROBOTSTXT_PARSER is configured is the one read), and makes it the least delay of that
host's downloader slot: max(the configured delay, Crawl-delay), capped at
PRESSARCHIVE_CRAWL_DELAY_MAX (a robots.txt asking for an hour between requests would stop
the crawl of that site; the cap is logged). The slot's jitter is set to 0 there: Scrapy's
random jitter would otherwise send some requests sooner than the host asked.

Three things lower a slot's delay that must not go under the Crawl-delay: AutoThrottle
(it sets the delay from latencies, down to DOWNLOAD_DELAY, after every response), the
downloader dropping an idle slot and making a new one with the default delay, and a
robots.txt parsed before the first request made the slot. So the delay is kept in
Scrapy's per-slot settings (DOWNLOAD_SLOTS, read when a slot is made), set on the slot as
soon as it exists, and set again after each response of that host (this middleware's
handler runs after AutoThrottle's, which connected first) and before each request.

Statistics: robotstxt/crawl_delay/<host> (seconds applied), robotstxt/crawl_delay_hosts,
robotstxt/crawl_delay_capped.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached

from crawler.politeness import downloader_of

logger = logging.getLogger(__name__)

ENABLED_SETTING = "PRESSARCHIVE_CRAWL_DELAY_ENABLED"
MAX_SETTING = "PRESSARCHIVE_CRAWL_DELAY_MAX"


class CrawlDelayMiddleware:
    def __init__(self, crawler: Any, max_delay: float):
        self.crawler = crawler
        self.max_delay = max_delay
        settings = crawler.settings
        # The user agent robots.txt is read for, as RobotsTxtMiddleware chooses it.
        self.robots_agent: str = settings.get("ROBOTSTXT_USER_AGENT") or ""
        self.default_agent: str = settings.get("USER_AGENT") or ""
        self.configured_delay = settings.getfloat("DOWNLOAD_DELAY")
        # Host name -> its Crawl-delay (capped).
        self.delays: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlDelayMiddleware:
        settings = crawler.settings
        if not settings.getbool(ENABLED_SETTING):
            raise NotConfigured(f"{ENABLED_SETTING} is off: robots.txt Crawl-delay ignored")
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("ROBOTSTXT_OBEY is off: no robots.txt is read")
        middleware = cls(crawler, settings.getfloat(MAX_SETTING))
        crawler.signals.connect(middleware.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(middleware.response_downloaded,
                                signal=signals.response_downloaded)
        return middleware

    def user_agent(self, request: Request) -> str:
        if self.robots_agent:
            return self.robots_agent
        agent = request.headers.get(b"User-Agent")
        return agent.decode("latin-1") if agent else self.default_agent

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        """A host's robots.txt has been read (``request`` is the one that made the
        robots middleware fetch it, held until now)."""
        try:
            asked = robotparser.crawl_delay(self.user_agent(request))
        except NotImplementedError:  # a custom ROBOTSTXT_PARSER without crawl_delay()
            return
        if not asked or asked <= 0:
            return
        host = urlparse_cached(request).hostname or ""
        delay = min(float(asked), self.max_delay)
        if delay < asked:
            self.crawler.stats.inc_value("robotstxt/crawl_delay_capped")
            logger.warning("%s: robots.txt asks for Crawl-delay %g s; waiting %g s "
                           "(%s)", host, asked, delay, MAX_SETTING)
        else:
            logger.info("%s: robots.txt Crawl-delay %g s honoured", host, delay)
        self.delays[host] = delay
        self.crawler.stats.set_value(f"robotstxt/crawl_delay/{host}", delay)
        self.crawler.stats.inc_value("robotstxt/crawl_delay_hosts")
        self.enforce(request)

    def enforce(self, request: Request) -> None:
        """The delay of the slot ``request`` goes through no lower than its host's
        Crawl-delay (if it has one), without jitter: in the slot's settings, for when the
        downloader makes it (again), and on the slot if it exists. Keyed by host, not by
        slot: a request may name a slot of its own (download_slot), and the host's
        Crawl-delay holds there too."""
        delay = self.delays.get(urlparse_cached(request).hostname or "")
        downloader = downloader_of(self.crawler)
        if delay is None or downloader is None:
            return
        key = downloader.get_slot_key(request)
        slot_settings = downloader.per_slot_settings.setdefault(key, {})
        if float(slot_settings.get("delay", self.configured_delay)) < delay:
            slot_settings["delay"] = delay
        slot_settings["jitter"] = 0.0
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay = max(slot.delay, delay)
            slot.jitter = 0.0

    def response_downloaded(self, response: Response, request: Request,
                            spider: Any = None) -> None:
        if self.delays:
            self.enforce(request)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if self.delays:
            self.enforce(request)
