"""Per-host concurrency across workers, on a real Scrapy crawl: two crawlers in one
process (two workers, each with its own downloader and our download handler) fetch one
host, one request at a time each, from a slow server on 127.0.0.1 that counts the
requests it is answering at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis

from crawler.frontier.hostslots import leases_key
from tests.conftest import REPO

ANSWER_TIME = 0.3
PAGES = 2  # per worker

# Two workers started together, with no delay (no turn is taken) and one request at a
# time per host each, through --via to the test server.
CRAWL = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

host, pages, via, redis_url, shared = sys.argv[1:6]

class Pages(scrapy.Spider):
    name = "pages"

    async def start(self):
        for n in range(int(pages)):
            yield scrapy.Request(f"http://{host}/{self.worker}/{n}", dont_filter=True)

    def parse(self, response):
        pass

handler = "crawler.frontier.politeness.TurnTakingDownloadHandler"
process = CrawlerProcess(get_project_settings())
crawlers = []
for worker in ("w1", "w2"):
    settings = {
        "PRESSARCHIVE_VIA": via, "REDIS_URL": redis_url, "PRESSARCHIVE_WORKER": worker,
        "DOWNLOAD_HANDLERS": {"http": handler}, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "PRESSARCHIVE_FRONTIER_SHARED_CONCURRENCY": shared == "on",
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
        "PRESSARCHIVE_WARC_ENABLED": False, "PRESSARCHIVE_INDEX_ENABLED": False,
        "PRESSARCHIVE_RECHECK_ENABLED": False, "LOG_LEVEL": "INFO",
    }
    spidercls = type("Pages", (Pages,), {"worker": worker, "custom_settings": settings})
    crawlers.append(process.create_crawler(spidercls))
    process.crawl(crawlers[-1])
process.start()
print(json.dumps([{k: v for k, v in c.stats.get_stats().items()
                   if k.startswith(("frontier/", "downloader/response_count"))}
                  for c in crawlers]))
"""


class SlowCounter(BaseHTTPRequestHandler):
    """Answers after ANSWER_TIME, counting the requests it answers at once per host."""

    lock = threading.Lock()
    busy: dict[str, int] = {}
    most: dict[str, int] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        host = (self.headers.get("Host") or "").split(":")[0]
        with self.lock:
            self.busy[host] = self.busy.get(host, 0) + 1
            self.most[host] = max(self.most.get(host, 0), self.busy[host])
        try:
            time.sleep(ANSWER_TIME)
            body = b"<html><body>slow</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            with self.lock:
                self.busy[host] -= 1

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    SlowCounter.busy, SlowCounter.most = {}, {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), SlowCounter)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("shared", ["on", "off"])
def test_a_host_gets_no_more_requests_at_once_from_all_workers_than_from_one(
        server: str, redis_url: str, shared: str) -> None:
    host = f"slots-{shared}.example"
    result = subprocess.run(
        [sys.executable, "-c", CRAWL, host, str(PAGES), server, redis_url, shared],
        cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True,
        text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    assert [s.get("downloader/response_count") for s in stats] == [PAGES, PAGES]
    if shared == "off":
        # Each worker keeps to one request at a time, and the host gets two: the test
        # can fail.
        assert SlowCounter.most[host] == 2
        return
    assert SlowCounter.most[host] == 1
    assert sum(s.get("frontier/slot_waits", 0) for s in stats) >= 1
    # Every lease given back as its download ended.
    assert redis.Redis.from_url(redis_url).zcard(leases_key(host)) == 0
