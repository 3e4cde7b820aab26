"""Live progress on a terminal for the long commands (`crawl`, `backfill`, `import`;
`reextract` has its own line, archive/reextract_report.py): one line rewritten in place on stderr,
only when stderr is a terminal and --quiet was not given, erased before the summary.

The crawl's line is made from the Scrapy stats of each source's crawler, read on the
reactor thread every INTERVAL seconds (a LoopingCall): pages fetched, archived,
articles indexed, errors, pages per second, and per source fetched/indexed.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

INTERVAL = 0.5
# Stats that count as errors in the line (404s of deleted pages do not).
ERROR_KEYS = ("download/failed", "log_count/ERROR", "warc/write_errors",
              "articles/write_errors")


class LiveLine:
    """One status line rewritten in place; nothing at all unless on a terminal."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.on = not quiet and _isatty(self.stream)
        self.shown = False
        self.last_tick = 0.0

    def show(self, text: str) -> None:
        if not self.on:
            return
        width = shutil.get_terminal_size((100, 20)).columns - 1
        # \r and erase-to-end: a log line printed meanwhile is not overwritten by halves.
        self.stream.write("\r\x1b[K" + text[:width])
        self.stream.flush()
        self.shown = True

    def tick(self, text: Callable[[], str]) -> None:
        """show(text()) at most every INTERVAL seconds (text made only then): for loops
        that call it per record."""
        if not self.on:
            return
        now = time.monotonic()
        if now - self.last_tick >= INTERVAL:
            self.last_tick = now
            self.show(text())

    def end(self) -> None:
        """Erase the line (the command's summary follows)."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def crawl_line(label: str, stats: dict[str, dict[str, Any]], seconds: float) -> str:
    """`crawl: 120 fetched, 118 archived, 40 indexed, 0 errors, 9.5 pages/s | trtworld
    30/12 ...` from each source's Scrapy stats."""
    def total(key: str) -> int:
        return sum(int(s.get(key, 0) or 0) for s in stats.values())

    fetched = total("downloader/response_count")
    errors = sum(total(key) for key in ERROR_KEYS)
    rate = fetched / seconds if seconds > 0 else 0.0
    per_source = " ".join(
        f"{name} {s.get('downloader/response_count', 0)}/{s.get('articles/ok', 0)}"
        for name, s in stats.items() if s.get("downloader/response_count"))
    return (f"{label}: {fetched} fetched, {total('warc/responses')} archived, "
            f"{total('articles/ok')} indexed, {errors} errors, {rate:.1f} pages/s"
            f"{' | ' + per_source if per_source else ''} (fetched/indexed)")


def _stats(crawler: Any) -> dict[str, Any]:
    try:
        return crawler.stats.get_stats() if crawler.stats else {}
    except (AttributeError, RuntimeError):  # Scrapy sets the stats when its crawl starts
        return {}


def crawl_progress(label: str, crawlers: Sequence[Any], line: LiveLine) -> Callable[[], None]:
    """Start showing the crawlers' progress on the running reactor; returns the stop."""
    if not line.on:
        return lambda: None
    from twisted.internet import task

    started = time.monotonic()

    def tick() -> None:
        stats = {crawler.spidercls.name: _stats(crawler) for crawler in crawlers}
        line.show(crawl_line(label, stats, time.monotonic() - started))

    loop = task.LoopingCall(tick)
    loop.start(INTERVAL, now=False)

    def stop() -> None:
        if loop.running:
            loop.stop()
        line.end()

    return stop
