"""The frontier's Scrapy components (crawler/frontier/) on a real Redis server."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler import frontier
from crawler.frontier.inflight import INFLIGHT_META
from crawler.frontier.scheduler import FrontierScheduler
from crawler.frontier.spider import FrontierSourceSpider
from crawler.spiders.source import SourceSpider, make_spider_class
from tests.conftest import run_cli
from tests.test_components import SOURCE, project_settings_dict


def crawler_for(archive: Path, redis_url: str | None, run: str, worker: str = "w1") -> object:
    settings = project_settings_dict(PRESSARCHIVE_ARCHIVE_DIR=str(archive),
                                     PRESSARCHIVE_FRONTIER=redis_url or "",
                                     PRESSARCHIVE_FRONTIER_RUN=run, PRESSARCHIVE_WORKER=worker)
    base = FrontierSourceSpider if redis_url else SourceSpider
    return get_crawler(make_spider_class(SOURCE, base=base), settings)


def test_the_addon_leaves_a_local_crawl_alone(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path, None, "r")
    assert crawler.settings["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    assert "crawler.frontier.robots.SharedRobotsTxtMiddleware" not in crawler.settings.getdict(
        "DOWNLOADER_MIDDLEWARES")


def test_the_addon_puts_the_frontier_in_place(tmp_path: Path, redis_url: str) -> None:
    settings = crawler_for(tmp_path, redis_url, "r1").settings
    assert settings["SCHEDULER"] == "crawler.frontier.scheduler.FrontierScheduler"
    assert settings["SCHEDULER_QUEUE_KEY"] == "pressarchive:r1:%(spider)s:requests"
    assert settings.getbool("SCHEDULER_PERSIST")
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] is None
    assert middlewares["crawler.frontier.robots.SharedRobotsTxtMiddleware"] == 100
    assert frontier.archive_dir(settings) == tmp_path / "workers" / "w1"
    assert settings["DOWNLOAD_HANDLERS"]["https"] == (
        "crawler.frontier.politeness.TurnTakingDownloadHandler")


def scheduler_of(crawler: object) -> tuple[FrontierScheduler, object]:
    spider = crawler.spidercls.from_crawler(crawler)
    crawler.spider = spider
    scheduler = FrontierScheduler.from_crawler(crawler)
    scheduler.open(spider)
    return scheduler, spider


def test_a_taken_request_stays_in_flight_until_done(tmp_path: Path, redis_url: str) -> None:
    server = redis.Redis.from_url(redis_url)
    scheduler, spider = scheduler_of(crawler_for(tmp_path, redis_url, "inflight"))
    try:
        assert scheduler.enqueue_request(Request("https://news.example/article/1",
                                                 callback=spider.parse_article))
        # The duplicate filter is in Redis: the same URL again is refused.
        assert not scheduler.enqueue_request(Request("https://news.example/article/1"))
        request = scheduler.next_request()
        assert request.url == "https://news.example/article/1"
        assert request.callback == spider.parse_article
        assert server.hlen(scheduler.inflight_key) == 1
        scheduler.finished(request.meta[INFLIGHT_META])
        assert server.hlen(scheduler.inflight_key) == 0
        # A redirect or retry of a taken request ends it once queued.
        scheduler.enqueue_request(Request("https://news.example/article/2"))
        taken = scheduler.next_request()
        scheduler.enqueue_request(taken.replace(url="https://news.example/article/2b"))
        assert server.hlen(scheduler.inflight_key) == 0
    finally:
        scheduler.close("finished")


def test_a_killed_workers_requests_go_back_to_the_queue(tmp_path: Path,
                                                         redis_url: str) -> None:
    server = redis.Redis.from_url(redis_url)
    first, spider = scheduler_of(crawler_for(tmp_path / "a", redis_url, "kill", "w1"))
    first.enqueue_request(Request("https://news.example/article/1"))
    first.enqueue_request(Request("https://news.example/article/2"))
    first.next_request()
    first._beat.stop()  # "killed": never closed, its in-flight request left in Redis
    # The same worker again puts it back at once.
    again, _ = scheduler_of(crawler_for(tmp_path / "a", redis_url, "kill", "w1"))
    assert len(again.queue) == 2
    taken = again.next_request()
    again._beat.stop()
    # Another worker puts it back once the dead one's heartbeat is gone.
    other, _ = scheduler_of(crawler_for(tmp_path / "b", redis_url, "kill", "w2"))
    try:
        assert other.others_busy()  # w1 is alive: its request is its own
        server.delete(frontier.keys(other.crawler.settings).alive("w1"))
        assert not other.others_busy()
        urls = {other.next_request().url, other.next_request().url}
        assert taken.url in urls
        assert urls == {"https://news.example/article/1", "https://news.example/article/2"}
        assert len(other.queue) == 0
    finally:
        other.close("finished")


@pytest.mark.parametrize("option", ["--worker", "--frontier-run"])
def test_a_bad_name_is_one_line(tmp_path: Path, redis_url: str, option: str) -> None:
    result = run_cli("crawl", "trtworld", "--archive", str(tmp_path), "--frontier",
                     redis_url, option, "../etc")
    assert result.returncode == 4, result.stderr
    assert result.stderr.strip().count("\n") == 0 and "name" in result.stderr


def test_an_unreachable_frontier_is_one_line(tmp_path: Path) -> None:
    from tests.helpers.redis_server import free_port

    result = run_cli("crawl", "trtworld", "--archive", str(tmp_path), "--frontier",
                     f"redis://127.0.0.1:{free_port()}/0")
    assert result.returncode == 4, result.stderr
    assert result.stderr.startswith("Error: frontier redis://")


def test_requests_to_a_host_from_all_workers_are_a_delay_apart(tmp_path: Path,
                                                               redis_url: str) -> None:
    from crawler.frontier.politeness import HostTurns

    turns = [HostTurns(crawler_for(tmp_path / name, redis_url, "delay", name))
             for name in ("w1", "w2")]
    # Turns taken alternately by two workers, 200 ms each: each waits for the last.
    waits = [turns[n % 2].reserve(keys=["pressarchive:host:delay.example:next"],
                                        args=[200]) for n in range(4)]
    assert waits[0] == 0
    assert [b - a for a, b in zip(waits, waits[1:], strict=False)] == pytest.approx(
        [200, 200, 200], abs=30)


def test_a_hosts_slots_are_held_by_all_workers_together(tmp_path: Path,
                                                        redis_url: str) -> None:
    import time

    from crawler.frontier.hostslots import HostSlots, Lease, leases_key

    server = redis.Redis.from_url(redis_url)
    w1, w2 = (HostSlots(crawler_for(tmp_path / name, redis_url, "slots", name))
              for name in ("w1", "w2"))
    key = leases_key("slots.example")
    first, second = Lease(w1, key, "w1:a", 1, 60_000), Lease(w2, key, "w2:b", 1, 60_000)
    assert first.take()
    assert not second.take()  # one slot, held by w1: w2 waits
    assert not second.take()
    assert first.take()  # a lease held is renewed, whatever the limit
    first.release()
    assert second.take()
    assert server.zrange(key, 0, -1) == [b"w2:b"]
    assert 0 < server.pttl(key) <= 60_000  # the set goes too once its last lease would
    second.release()
    # A killed worker never gives its lease back: it expires, and the next acquire drops
    # it (or the whole set expires with its last lease).
    killed = Lease(w1, key, "w1:killed", 2, 200)
    other, waiting = (Lease(w2, key, f"w2:{n}", 2, 60_000) for n in "cd")
    assert killed.take() and other.take()
    assert not waiting.take()
    time.sleep(0.3)
    assert waiting.take()
    assert sorted(server.zrange(key, 0, -1)) == [b"w2:c", b"w2:d"]
    assert w2.crawler.stats.get_value("frontier/slot_leases_expired") == 1
    other.release()
    waiting.release()
    # The limit is the worker's downloader slot's concurrency (before the crawl: the
    # setting's).
    assert w1.limit(Request("https://slots.example/")) == 2
