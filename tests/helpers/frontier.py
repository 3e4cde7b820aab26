"""Workers of a shared crawl against a sample server that counts what it was asked."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.samplesites.server import SampleSiteHandler, SampleSitesServer

REPO = Path(__file__).resolve().parents[2]


class CountingHandler(SampleSiteHandler):
    def do_GET(self) -> None:
        # When the request came, not when its answer went (gzip takes its time).
        host = self.headers.get("Host", "").rsplit(":", 1)[0].lower()
        with self.server.count_lock:
            self.server.times.setdefault(host, []).append(time.monotonic())
        super().do_GET()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        with self.server.count_lock:
            self.server.requests[(self._host, self.path)] += 1
        super().log_request(code, size)


class CountingServer(SampleSitesServer):
    """The sample sites, counting each (host, path) requested."""

    def __init__(self, scale: int) -> None:
        self.requests: Counter[tuple[str, str]] = Counter()
        self.times: dict[str, list[float]] = {}  # when each host was asked
        self.count_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), scale=scale)
        self.RequestHandlerClass = CountingHandler

    def shortest_gap(self) -> float:
        """The shortest time between two requests to one host."""
        with self.count_lock:
            gaps = [b - a for times in self.times.values()
                    for a, b in zip(times, times[1:], strict=False)]
        return min(gaps)

    def take(self) -> Counter[tuple[str, str]]:
        with self.count_lock:
            taken, self.requests = self.requests, Counter()
        return taken


@contextmanager
def counting_server(scale: int) -> Iterator[tuple[CountingServer, str]]:
    server = CountingServer(scale)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def crawl_args(archive: Path, via: str, sources: tuple[str, ...], *extra: str) -> list[str]:
    return [sys.executable, "-m", "archive.cli", "crawl", *sources, "--archive", str(archive),
            "--via", via, "--delay", "0", "--workers", "1", *extra]


def worker_args(archive: Path, via: str, sources: tuple[str, ...], redis_url: str,
                run: str, worker: str, delay: float = 0) -> list[str]:
    """`delay`: a small crawl at full speed is over before a second worker has started."""
    # Closed at its first idle moment, not 5 s later: the in-flight hashes already say
    # whether another worker may still queue requests.
    return crawl_args(archive, via, sources, "--frontier", redis_url, "--frontier-run", run,
                      "--worker", worker, "--delay", str(delay),
                      "--set", "PRESSARCHIVE_FRONTIER_IDLE_CLOSE=0")


def start(args: list[str], log: Path) -> subprocess.Popen:
    """A crawl process in a session of its own (a kill reaches its helper processes)."""
    with open(log, "w") as stderr:
        return subprocess.Popen(args, cwd=REPO, env=dict(os.environ, PYTHONUNBUFFERED="1"),
                                stdout=subprocess.DEVNULL, stderr=stderr,
                                start_new_session=True)


# Columns that say where and when a row's record was written: they differ between any two
# crawls (file names, offsets, record ids, times, the crawl's id), whatever the workers.
PROVENANCE = {"id", "seq", "fetched_at", "warc_file", "warc_offset", "warc_length",
              "record_id", "capture_record_id", "refers_to", "sitemap_record_id",
              "ip_address", "crawl", "started", "listed_at", "removed_at"}
COMPARED = ("captures", "articles", "non_articles", "article_versions", "claims",
            "listings", "extraction_results", "health")


def comparable_rows(db: Path, table: str) -> list[tuple]:
    """The table's rows without provenance columns, sorted: equal for two crawls that
    fetched the same pages and got the same answers."""
    conn = sqlite3.connect(db)
    try:
        columns = [r[1] for r in conn.execute(f"pragma table_info({table})")
                   if r[1] not in PROVENANCE]
        found = conn.execute(f"select {', '.join(columns)} from {table}").fetchall()
    finally:
        conn.close()
    return sorted(found, key=repr)
