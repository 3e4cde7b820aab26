"""robots.txt Crawl-delay, on a real Scrapy crawl (the project's settings and download
handler) of two hosts served by one real server on 127.0.0.1: the host whose robots.txt
asks for a delay gets its requests that far apart, the other is not slowed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import REPO

DELAY = 1.0
ROBOTS = {
    "slow.example": f"User-agent: *\nCrawl-delay: {DELAY:g}\nDisallow: /private/\n",
    "fast.example": "User-agent: *\nDisallow: /private/\n",
    "greedy.example": "User-agent: *\nCrawl-delay: 3600\n",
}
PAGES = 3

# A crawl of PAGES pages of each host, through --via to the test server, with no
# configured delay (as `crawl --delay 0`): only Crawl-delay may space the requests.
CRAWL = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

hosts, pages, via = sys.argv[1].split(","), int(sys.argv[2]), sys.argv[3]

class Pages(scrapy.Spider):
    name = "pages"

    async def start(self):
        for n in range(pages):
            for host in hosts:
                yield scrapy.Request(f"http://{host}/page{n}", dont_filter=True)

    def parse(self, response):
        pass

settings = get_project_settings()
settings.setdict({
    "PRESSARCHIVE_VIA": via, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_START_DELAY": 0.01,
    "PRESSARCHIVE_WARC_ENABLED": False, "PRESSARCHIVE_INDEX_ENABLED": False,
    "PRESSARCHIVE_RECHECK_ENABLED": False, "PRESSARCHIVE_CRAWL_DELAY_MAX": 2.0,
    "SPIDER_LOADER_CLASS": "scrapy.spiderloader.SpiderLoader", "SPIDER_MODULES": [],
    "LOG_LEVEL": "INFO",
}, priority="cmdline")
process = CrawlerProcess(settings)
crawler = process.create_crawler(Pages)
process.crawl(crawler)
process.start()
print(json.dumps({k: v for k, v in crawler.stats.get_stats().items()
                  if k.startswith("robotstxt/")}, default=str))
"""


class Recorder(BaseHTTPRequestHandler):
    arrivals: list[tuple[str, str, float]] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        host = (self.headers.get("Host") or "").split(":")[0]
        self.arrivals.append((host, self.path, time.monotonic()))
        body = (ROBOTS[host] if self.path == "/robots.txt" else
                f"<html><body><p>{self.path}</p></body></html>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain" if self.path == "/robots.txt"
                         else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Recorder.arrivals = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def crawl(via: str, hosts: list[str], tmp_path: Path) -> dict:
    script = tmp_path / "crawl.py"
    script.write_text(CRAWL)
    result = subprocess.run(
        [sys.executable, str(script), ",".join(hosts), str(PAGES), via], cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True,
        timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    stats["log"] = result.stderr
    return stats


def times(host: str) -> list[float]:
    """Arrival times of the host's requests, robots.txt first."""
    return [t for h, _, t in Recorder.arrivals if h == host]


def test_crawl_delay_spaces_one_host_and_leaves_the_other_alone(server, tmp_path) -> None:
    stats = crawl(server, ["slow.example", "fast.example"], tmp_path)
    slow, fast = times("slow.example"), times("fast.example")
    assert len(slow) == len(fast) == PAGES + 1  # robots.txt, then the pages
    gaps = [b - a for a, b in zip(slow, slow[1:], strict=False)]
    # The downloader counts the delay from when it sent the previous request, a little
    # before it reached the server.
    assert min(gaps) >= DELAY - 0.05, gaps
    assert fast[-1] - fast[1] < DELAY, [t - fast[0] for t in fast]
    assert stats["robotstxt/crawl_delay/slow.example"] == DELAY
    assert stats["robotstxt/crawl_delay_hosts"] == 1
    assert "slow.example: robots.txt Crawl-delay 1 s honoured" in stats["log"]


def test_a_crawl_delay_over_the_maximum_is_capped_and_logged(server, tmp_path) -> None:
    stats = crawl(server, ["greedy.example"], tmp_path)
    greedy = times("greedy.example")
    assert len(greedy) == PAGES + 1
    assert min(b - a for a, b in zip(greedy, greedy[1:], strict=False)) >= 2.0 - 0.05
    assert stats["robotstxt/crawl_delay/greedy.example"] == 2.0
    assert stats["robotstxt/crawl_delay_capped"] == 1
    assert "asks for Crawl-delay 3600 s; waiting 2 s" in stats["log"]
