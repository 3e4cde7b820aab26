"""Back-fill from Common Crawl against the sample CC-NEWS set: the real Range file server
and a real pywb ZipNum index on 127.0.0.1 (archive.samplesites.webarchive); and an import
of the same files streamed over HTTP, keeping only the sources' records of the window."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archive.backfill.commoncrawl import (
    HELD,
    NOT_ARTICLE,
    OVER_LIMIT,
    CommonCrawlReport,
    run_commoncrawl_backfill,
)
from archive.backfill.fetching import FetchError, PoliteFetcher
from archive.backfill.importer import OTHER_HOST, OUTSIDE_WINDOW, ImportOptions, run_import
from archive.errors import PressArchiveError
from archive.reextract import ReextractOptions, run_reextract
from archive.samplesites.webarchive import CCNews, CCNewsService, CCRecord
from archive.sources import load_sources
from archive.warc.origin import AS_MEMBER
from tests.helpers.importing import assert_verifies, index_rows, stored_bytes
from tests.helpers.webarchive import served_cc_news

SOURCES = load_sources()
CRAWL = "CC-NEWS-2017-10"


@pytest.fixture(scope="module")
def ccnews(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CCNews, CCNewsService]]:
    with served_cc_news(tmp_path_factory.mktemp("ccnews")) as served:
        yield served


def backfill(archive: Path, service: CCNewsService, cc: CCNews, **options
             ) -> CommonCrawlReport:
    start, end = cc.window
    return run_commoncrawl_backfill(
        archive, SOURCES, [CRAWL], index_url=service.index_url,
        data_url=service.files.base_url, from_=start, to=end, delay=0, workers=1, **options)


def in_window(cc: CCNews, names=None) -> list[CCRecord]:
    return [r for name in (names or SOURCES) for r in cc.in_window(name)]


def ranged(service: CCNewsService, since: int) -> list:
    return [r for r in service.files.requests[since:] if r.range]


def query(archive: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(archive / "index.db") as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def backfilled(ccnews, tmp_path_factory):
    cc, service = ccnews
    archive = tmp_path_factory.mktemp("cc") / "archive"
    before = len(service.files.requests)
    report = backfill(archive, service, cc)
    return archive, report, service.files.requests[before:]


def test_each_record_is_fetched_by_range_and_kept_verbatim(ccnews, backfilled) -> None:
    cc, service = ccnews
    archive, report, requests = backfilled
    wanted = in_window(cc)
    assert len(wanted) == 3 and report.exit_code == 0, report.summary()
    # Only the records: one Range request each, answered 206; no whole file.
    assert sorted((r.path, r.range, r.status) for r in requests) == sorted(
        (f"/{r.filename}", f"bytes={r.offset}-{r.offset + r.length - 1}", 206) for r in wanted)
    assert report.copied == report.fetched == 3
    assert report.bytes_fetched == report.bytes_kept == sum(r.length for r in wanted)
    rows = query(archive, "select url, source, fetched_at, warc_file, warc_offset, warc_length, "
                          "web_archive, source_file, source_offset, source_length, copied_as, "
                          "cdx_digest, cdx_line from captures join origins using (record_id)")
    by_url = {r.url: r for r in wanted}
    assert sorted(row[0] for row in rows) == sorted(by_url)
    for (url, source, fetched_at, warc_file, offset, length, web_archive, source_file,
         source_offset, source_length, copied_as, digest, line) in rows:
        record = by_url[url]
        assert source == record.source and fetched_at[:10].replace("-", "") == \
            record.timestamp[:8]
        assert (web_archive, source_file, source_offset, source_length, copied_as, digest) \
            == (f"commoncrawl {CRAWL}", record.filename, record.offset, record.length,
                AS_MEMBER, record.digest)
        assert f'"filename": "{record.filename}"' in line
        # The gzip member in the archive is the bytes at that offset of Common Crawl's file.
        source_bytes = (cc.root / record.filename).read_bytes()
        assert stored_bytes(archive, warc_file, offset, length) == \
            source_bytes[record.offset:record.offset + record.length]
    texts = dict(query(archive, "select url, text from articles"))
    for record in wanted:
        assert all(phrase in texts[record.url] for phrase in record.phrases), record.url
    assert_verifies(archive)


def test_a_second_backfill_fetches_nothing_and_reextract_rebuilds_the_same_index(
        ccnews, backfilled) -> None:
    cc, service = ccnews
    archive, first, _ = backfilled
    before = len(service.files.requests)
    again = backfill(archive, service, cc)
    assert ranged(service, before) == [] and again.fetched == 0
    assert again.skipped[HELD] == first.copied
    rows = index_rows(archive)
    run_reextract(ReextractOptions(archive=archive, sources=SOURCES, workers=1))
    assert index_rows(archive) == rows


def test_a_limit_and_a_choice_of_sources(ccnews, tmp_path: Path) -> None:
    cc, service = ccnews
    limited = backfill(tmp_path / "a", service, cc, limit=1)
    assert limited.fetched == 1 and limited.skipped[OVER_LIMIT] == 2
    before = len(service.files.requests)
    one = backfill(tmp_path / "b", service, cc, names=["trtworld"])
    [record] = cc.in_window("trtworld")
    assert [r.range for r in ranged(service, before)] == [
        f"bytes={record.offset}-{record.offset + record.length - 1}"]
    assert one.skipped[NOT_ARTICLE] == 0
    with pytest.raises(PressArchiveError, match="unknown source"):
        backfill(tmp_path / "c", service, cc, names=["nosuch"])
    with pytest.raises(PressArchiveError, match="name the Common Crawl crawls"):
        run_commoncrawl_backfill(tmp_path / "c", SOURCES, [])


def test_an_import_streamed_over_http_keeps_the_sources_records_of_the_window(
        ccnews, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """CC-NEWS monthly files read as streams: only the sources' records of the window are
    kept, the other 99 % never stored; a Common Crawl back-fill then fetches nothing."""
    cc, service = ccnews
    archive = tmp_path / "archive"
    before = len(service.files.requests)
    urls = [service.files.base_url + path for path in cc.warc_paths]
    start, end = cc.window
    report = run_import(ImportOptions(archive=archive, sources=SOURCES, inputs=tuple(urls),
                                      from_=start, to=end, workers=1))
    requests = service.files.requests[before:]
    assert [(r.range, r.status) for r in requests] == [("", 200)] * len(urls)
    wanted = in_window(cc)
    assert report.kept == len(wanted) and report.bad == []
    assert report.skipped[OTHER_HOST] == len([r for r in cc.records if not r.source])
    assert report.skipped[OUTSIDE_WINDOW] == len([r for r in cc.records if r.source]) - 3
    sizes = sum((cc.root / path).stat().st_size for path in cc.warc_paths)
    assert report.bytes_read == sizes
    assert report.bytes_kept == sum(r.length for r in wanted)
    with capsys.disabled():
        print(f"\nCC-NEWS import: {report.bytes_kept} of {report.bytes_read} bytes kept "
              f"({report.kept_per_byte_read:.4f} per byte read), {report.records} records")
    assert report.kept_per_byte_read < 0.25
    assert sorted(u for (u,) in query(archive, "select origin from captures")) == sorted(
        service.files.base_url + r.filename for r in wanted)
    assert_verifies(archive)
    before = len(service.files.requests)
    after = backfill(archive, service, cc)
    assert ranged(service, before) == [] and after.skipped[HELD] == 3


# --- politeness, against a server of its own ----------------------------------------


class _Flaky(BaseHTTPRequestHandler):
    """/busy: 503 with Retry-After once, then 200. /later: 429, come back in an hour.
    /norange: the whole file whatever the Range. /gone...: 404. Anything else: 200."""

    calls: dict[str, int] = {}

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        path = "/" + self.path.split("/")[1].split("?")[0]
        count = self.calls[path] = self.calls.get(path, 0) + 1
        if path == "/busy" and count == 1:
            self._send(503, b"busy", [("Retry-After", "2")])
        elif path == "/later":
            self._send(429, b"slow down", [("Retry-After", "3600")])
        elif path == "/gone":
            self._send(404, b"no", [])
        elif path == "/norange":
            self._send(200, b"x" * 100_000, [])
        else:
            self._send(200, b"fine", [])

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def flaky() -> Iterator[str]:
    _Flaky.calls = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_retry_after_is_obeyed_and_a_server_ignoring_range_is_refused(flaky: str) -> None:
    waits: list[float] = []
    fetcher = PoliteFetcher("PressArchive-test", delay=0.0, sleep=waits.append)
    assert fetcher.get(f"{flaky}/busy").body == b"fine"
    assert waits == [2.0] and fetcher.requests == 2
    with pytest.raises(FetchError, match="asks to wait 3600 s"):
        fetcher.get(f"{flaky}/later")
    with pytest.raises(FetchError, match="HTTP 404"):
        fetcher.get(f"{flaky}/gone")
    assert _Flaky.calls["/gone"] == 1  # a 404 is not asked again
    with pytest.raises(FetchError, match="ignores Range"):
        fetcher.get(f"{flaky}/norange", byte_range=(0, 99))


def test_requests_are_spaced_by_the_delay(flaky: str) -> None:
    waits: list[float] = []
    fetcher = PoliteFetcher("PressArchive-test", delay=0.5, sleep=waits.append)
    fetcher.get(f"{flaky}/a")
    fetcher.get(f"{flaky}/b")
    assert len(waits) == 1 and 0.3 < waits[0] <= 0.5


def test_an_index_that_fails_is_reported_and_nothing_is_fetched(flaky: str,
                                                                tmp_path: Path) -> None:
    report = run_commoncrawl_backfill(tmp_path / "archive", SOURCES, ["CC-MAIN-2015-14"],
                                      index_url=f"{flaky}/gone/{{crawl}}", data_url=flaky,
                                      delay=0, workers=1, names=["trtworld"])
    assert report.fetched == 0 and report.exit_code == 3
    assert report.errors == [f"index query failed: {flaky}/gone/CC-MAIN-2015-14?url="
                             "trtworld.com&matchType=host&output=json&filter=%3Dstatus%3A200"
                             "&showNumPages=true: HTTP 404 Not Found"]


def test_backfill_commoncrawl_command(ccnews, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from archive.cli import main as cli

    cc, service = ccnews
    start, end = cc.window
    archive = tmp_path / "archive"
    before = len(service.files.requests)
    result = CliRunner().invoke(cli, [
        "backfill", *SOURCES, "--archive", str(archive), "--commoncrawl", "--crawl", CRAWL,
        "--cc-index", service.index_url, "--cc-data", service.files.base_url,
        "--from", start, "--to", end, "--delay", "0", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "Common Crawl:" in result.output
    assert len(ranged(service, before)) == len(in_window(cc))
    assert sorted(u for (u,) in query(archive, "select url from articles")) == sorted(
        r.url for r in in_window(cc))


@pytest.mark.parametrize(("args", "message"), [
    (["--commoncrawl"], "needs at least one --crawl"),
    (["--commoncrawl", "--crawl", "2015-14"], "CC-MAIN-2015-14"),
    (["--crawl", "CC-MAIN-2015-14"], "--crawl is for --commoncrawl"),
])
def test_backfill_commoncrawl_mistakes_are_one_line(args: list[str], message: str,
                                                    tmp_path: Path) -> None:
    from click.testing import CliRunner

    from archive.cli import main as cli

    result = CliRunner().invoke(cli, ["backfill", "chinatopix", "--archive",
                                      str(tmp_path / "a"), *args])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "a").exists()
