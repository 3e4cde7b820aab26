"""Live progress (archive/progress.py): a line rewritten in place on a terminal, nothing
elsewhere or with --quiet, erased before the summary."""

from __future__ import annotations

import io

from archive.progress import LiveLine, crawl_line


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_line_is_rewritten_on_a_terminal_and_erased_at_the_end() -> None:
    out = Terminal()
    line = LiveLine(out)
    line.show("crawl: 1 fetched")
    line.show("crawl: 2 fetched")
    line.end()
    assert out.getvalue() == ("\r\x1b[Kcrawl: 1 fetched\r\x1b[Kcrawl: 2 fetched\r\x1b[K")


def test_nothing_when_not_a_terminal_or_quiet() -> None:
    for out, quiet in ((io.StringIO(), False), (Terminal(), True)):
        line = LiveLine(out, quiet=quiet)
        line.show("crawl: 1 fetched")
        line.end()
        assert out.getvalue() == "" and not line.on


def test_crawl_line_sums_the_sources_and_names_each() -> None:
    stats = {
        "trtworld": {"downloader/response_count": 30, "warc/responses": 29, "articles/ok": 12,
                     "download/failed": 1},
        "ina_ar": {"downloader/response_count": 10, "warc/responses": 10, "articles/ok": 4,
                   "log_count/ERROR": 2},
        "nina": {},
    }
    assert crawl_line("crawl", stats, 4.0) == (
        "crawl: 40 fetched, 39 archived, 16 indexed, 3 errors, 10.0 pages/s | "
        "trtworld 30/12 ina_ar 10/4 (fetched/indexed)")
