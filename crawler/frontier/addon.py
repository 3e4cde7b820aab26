"""Turns the frontier on for a crawler when PRESSARCHIVE_FRONTIER names a Redis server.

An add-on rather than fixed settings: Scrapy's SCHEDULER and DUPEFILTER_CLASS have no
NotConfigured of their own, and the same settings module must give a local crawl (the
default) or a shared one (`--frontier`, `-s PRESSARCHIVE_FRONTIER=...`).
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import NotConfigured

from crawler import frontier

# Our components in place of Scrapy's or beside them (crawler/frontier/*.py).
_ROBOTS = "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"
_SHARED_ROBOTS = "crawler.frontier.robots.SharedRobotsTxtMiddleware"
_INFLIGHT = "crawler.frontier.inflight.InFlightMiddleware"
_TURNS = "crawler.frontier.politeness.TurnTakingDownloadHandler"


class FrontierAddon:
    def __init__(self, crawler: Any = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> FrontierAddon:
        if not frontier.enabled(crawler.settings):
            # No reason given: Scrapy would log it as a warning in every local crawl.
            raise NotConfigured
        return cls(crawler)

    def update_settings(self, settings: Any) -> None:
        keys = frontier.keys(settings)
        frontier.worker_name(settings)  # a bad name fails here, before any request
        values: dict[str, Any] = {
            "REDIS_URL": settings.get(frontier.FRONTIER_SETTING),
            "SCHEDULER": "crawler.frontier.scheduler.FrontierScheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_QUEUE_KEY": keys.spider("requests"),
            "SCHEDULER_DUPEFILTER_KEY": keys.spider("dupefilter"),
            "REDIS_START_URLS_KEY": keys.spider("start_urls", "name"),
            # Never flushed at close: other workers still use the queue and the filter;
            # the run's keys expire instead (PRESSARCHIVE_FRONTIER_KEY_TTL).
            "SCHEDULER_PERSIST": True,
            "SCHEDULER_FLUSH_ON_START": False,
        }
        settings.setdict(values, priority="addon")
        # Requests held by this worker are not in the shared queue for the others. Above
        # the project's priority, which sets 16 (the add-on's is below it); -s still wins.
        settings.set("CONCURRENT_REQUESTS", settings.getint("PRESSARCHIVE_FRONTIER_PREFETCH"),
                     priority="spider")
        # Into the component dicts themselves, as Scrapy's add-on guide does: a dict set at
        # the add-on's priority would lose to the project's DOWNLOADER_MIDDLEWARES.
        settings["DOWNLOADER_MIDDLEWARES"][_ROBOTS] = None
        settings["DOWNLOADER_MIDDLEWARES"][_SHARED_ROBOTS] = 100
        if (settings.getbool("PRESSARCHIVE_FRONTIER_SHARED_DELAY")
                or settings.getbool("PRESSARCHIVE_FRONTIER_SHARED_CONCURRENCY")):
            # Our --via handler, holding one of each host's slots and taking the host's
            # turn in Redis as a request goes out.
            settings["DOWNLOAD_HANDLERS"]["http"] = _TURNS
            settings["DOWNLOAD_HANDLERS"]["https"] = _TURNS
        # Outermost (next to the engine): it sees a callback's whole output, after every
        # other middleware, so a request counts as done only once its children are queued.
        settings["SPIDER_MIDDLEWARES"][_INFLIGHT] = 0
