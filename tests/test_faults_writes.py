"""Faults on the crawl's write path (issue 11, cases 3, 8, 11 and 12), through real crawls.

- A failed index commit (a full disk) must never leave the crawl state counting a page
  as fetched that has no capture row: a re-run with space indexes every article.
- A full disk stops the crawl with one line per kind of failure, no page content in
  the log, exit 3, and an archive that `verify` passes.
- A crawl connects to nothing but the sites it archives (no public suffix download).
- Article ids derive from the URLs: equal across crawl orders and rebuilds.

Disk faults are injected in every process of the crawl (crawl, archive writer,
extraction workers) by a sitecustomize module: an OSError(ENOSPC) at the WARC
write once a byte budget is spent, and SQLite's "database or disk is full" at the
commit, where a full disk makes a WAL database fail. SQLite itself runs for real.

The crawls are of the five seed sources (conftest.py seed_archive is the same crawl
without faults): a fault does to them what it does to 26.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.capture.exchange import Exchange
from archive.capture.store import CaptureStore, StoreConfig
from archive.index.schema import ArticleRow
from archive.index.writer import IndexWriter
from archive.samplesites.data import SEED_SITES
from archive.sources import load_sources
from archive.warc.verify import verify_archive
from tests.conftest import REPO
from tests.helpers.faults import FAULTS

# What this change added (StoreWriteError, stable_id, ...) is imported in the tests
# that use it, so that the others run, and fail for what they test, on the old code.


@pytest.fixture(scope="module")
def faults_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faults")
    (path / "sitecustomize.py").write_text(FAULTS)
    return path


def cli(faults_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`pressarchive ARGS` with the fault module loaded in each of its processes."""
    environment = dict(os.environ, PYTHONUNBUFFERED="1",
                       PYTHONPATH=os.pathsep.join([str(faults_dir), str(REPO)]), **env)
    return subprocess.run([sys.executable, "-m", "archive.cli", *args], cwd=REPO,
                          env=environment, capture_output=True, text=True, timeout=300)


def crawl(faults_dir: Path, archive: Path, via: str, *sources: str,
          **env: str) -> subprocess.CompletedProcess:
    """A crawl of SOURCES, by default the seed sources."""
    return cli(faults_dir, "crawl", *(sources or SEED_SITES), "--archive", str(archive),
               "--via", via, "--delay", "0", "--workers", "2", **env)


def query(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def article_urls(archive: Path) -> set[str]:
    return {url for (url,) in query(archive / "index.db", "select url from articles")}


def fetched_without_capture(archive: Path) -> list[str]:
    """URLs the crawl state counts as fetched that have no committed capture row."""
    conn = sqlite3.connect(archive / "index.db")
    try:
        conn.execute("attach database ? as state", [str(archive / "state" / "state.db")])
        return [url for (url,) in conn.execute(
            "select url from state.urls where url not in (select url from main.captures)")]
    finally:
        conn.close()


def assert_clean_log(stderr: str, normal_log: str) -> None:
    lines = stderr.splitlines()
    assert "Traceback" not in stderr, stderr[-4000:]
    assert "<html" not in stderr.lower()
    # A normal crawl's log (Scrapy's settings and stats dumps) and a few lines more,
    # however many pages failed.
    assert len(lines) <= len(normal_log.splitlines()) + 20, stderr[-4000:]
    errors = [line for line in lines if " ERROR " in line]
    assert any("disk is full" in line for line in errors), errors
    assert len(errors) <= 3, errors


# ---------------------------------------------------------------- case 3


def test_a_failed_index_commit_counts_no_page_as_fetched_and_a_rerun_indexes_them_all(
        faults_dir, sample_sites_url, seed_archive, tmp_path):
    archive = tmp_path / "a"
    # The index's disk fills once it holds 20 of the ~70 captures: every index commit
    # fails from then on, the state's still succeed.
    first = crawl(faults_dir, archive, sample_sites_url, PRESSARCHIVE_TEST_FAULT="index-full",
                  PRESSARCHIVE_TEST_FAULT_AFTER="20",
                  PRESSARCHIVE_TEST_FAULT_MARK=str(tmp_path / "full"))
    assert (tmp_path / "full").exists(), "the fault never fired"
    assert len(article_urls(archive)) < len(article_urls(seed_archive))
    assert fetched_without_capture(archive) == []

    again = crawl(faults_dir, archive, sample_sites_url)
    assert article_urls(archive) == article_urls(seed_archive)
    assert again.returncode == 0, again.stderr[-4000:]
    assert first.returncode == 3, first.stderr[-4000:]
    assert "status: disk_full (exit 3)" in first.stderr
    report = verify_archive(archive, index_db=archive / "index.db")
    assert report.ok, report.format()


def exchange(n: int) -> Exchange:
    return Exchange(
        url=f"https://www.trtworld.com/middle-east/story-{n}", source="trtworld",
        started_at=1_700_000_000.0 + n, method="GET", target=f"/middle-east/story-{n}",
        request_headers=[(b"Host", b"www.trtworld.com")], request_body=b"",
        protocol="HTTP/1.1", status=200, reason="OK",
        response_headers=[(b"Content-Type", b"text/html")],
        body=b"<html><body>" + os.urandom(2000).hex().encode() + b"</body></html>",
        ip_address="127.0.0.1", truncated=None, conditional=False, article=True,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CaptureStore]:
    store = CaptureStore(StoreConfig(tmp_path, {"software": "test"}, 1_000_000_000, 6))
    yield store
    store.close()


def counts(store: CaptureStore) -> tuple[int, int]:
    captures = store.index.db.execute("select count(*) from captures").fetchone()[0]
    fetched = store.state.conn.execute("select count(*) from urls").fetchone()[0]
    return captures, fetched


def fill_index(store: CaptureStore) -> None:
    """A real SQLITE_FULL: the index may not grow by a single page."""
    pages = store.index.db.execute("pragma page_count").fetchone()[0]
    store.index.db.execute(f"pragma max_page_count = {pages}")


def test_a_batch_of_the_writer_is_committed_whole_or_not_at_all(store):
    from archive.capture.errors import StoreWriteError

    results = store.run_batch([("store", (exchange(n),)) for n in range(3)])
    assert all(ok for ok, _ in results)
    assert counts(store) == (3, 3)
    fill_index(store)
    results = store.run_batch([("store", (exchange(n),)) for n in range(3, 200)])
    assert not any(ok for ok, _ in results)
    errors = {type(error) for _, error in results}
    assert errors == {StoreWriteError}
    assert {error.kind for _, error in results} == {"disk_full"}
    # Neither the captures nor the state of the batch: no page counted as fetched.
    assert counts(store) == (3, 3)
    # Nothing more is written once the disk is full, not even WARC records.
    records = store.writer.records_written
    [(ok, error)] = store.run_batch([("store", (exchange(500),))])
    assert not ok and error.kind == "disk_full"
    assert store.writer.records_written == records


def test_an_index_batch_is_one_transaction(tmp_path):
    """sqlite-utils commits a write at once when no transaction is open: a batch of
    article rows must not be committed row by row before its end."""
    index = IndexWriter(tmp_path / "index.db")
    try:
        with index.batch():
            index.add_article(article("https://x.org/a", "one"))
            index.add_non_article(url="https://x.org/b", source="nina", status="empty",
                                  error="", title="", capture_record_id="<b>", fetched_at="")
            assert query(index.path, "select count(*) from articles") == [(0,)]
            assert query(index.path, "select count(*) from article_versions") == [(0,)]
            assert query(index.path, "select count(*) from non_articles") == [(0,)]
        assert query(index.path, "select count(*) from articles") == [(1,)]
    finally:
        index.close()


def test_the_writer_in_the_crawl_process_commits_each_call_whole(tmp_path):
    from archive.capture.errors import StoreWriteError
    from crawler.writer_client import InlineWriter

    inline = InlineWriter(StoreConfig(tmp_path, {"software": "test"}, 1_000_000_000, 6))
    try:
        assert inline.call("store", exchange(1)).called
        fill_index(inline.store)
        failures: list[BaseException] = []
        for n in range(2, 200):
            inline.call("store", exchange(n)).addErrback(lambda f: failures.append(f.value))
        assert failures and all(isinstance(f, StoreWriteError) for f in failures)
        captures, fetched = counts(inline.store)
        # Every page the state counts has its capture row.
        assert captures == fetched and captures < 199
    finally:
        inline.close()


# ---------------------------------------------------------------- case 8


def test_a_full_disk_stops_the_crawl_with_one_line_and_leaves_a_valid_archive(
        faults_dir, sample_sites_url, seed_archive, tmp_path):
    archive = tmp_path / "a"
    # Room for about half the crawl (the extraction workers are at work by then: a crawl
    # stopped before they are ready meets issue 11 case 10, their late tracebacks); then
    # every write of every process fails.
    result = crawl(faults_dir, archive, sample_sites_url, PRESSARCHIVE_TEST_FAULT="disk",
                   PRESSARCHIVE_TEST_FAULT_AFTER="120000",
                   PRESSARCHIVE_TEST_FAULT_MARK=str(tmp_path / "full"))
    assert result.returncode == 3, result.stderr[-4000:]
    assert (tmp_path / "full").exists(), "the fault never fired"
    assert_clean_log(result.stderr, (seed_archive / "crawl.log").read_text())
    assert "status: disk_full (exit 3)" in result.stderr
    assert "finish: disk_full" in result.stderr
    assert fetched_without_capture(archive) == []
    # Every WARC file is whole. The records of the batch whose commit the full disk
    # failed have no capture row yet: verify names them (and only them) ...
    verified = cli(faults_dir, "verify", "--archive", str(archive))
    problems = verified.stdout.splitlines()[:-1]
    assert verified.returncode == (6 if problems else 0), verified.stdout + verified.stderr
    assert all("have no captures row in index.db" in line for line in problems), problems
    # ... and the next run, with room again, indexes them and everything else.
    rerun = crawl(faults_dir, archive, sample_sites_url)
    assert rerun.returncode == 0, rerun.stderr[-4000:]
    verified = cli(faults_dir, "verify", "--archive", str(archive))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert article_urls(archive) == article_urls(seed_archive)


# ---------------------------------------------------------------- case 11


@pytest.fixture(scope="module")
def edition_2_url() -> Iterator[str]:
    """Edition 2 redirects an article to its home page, which sets cookies."""
    from archive.samplesites import make_server

    server = make_server("127.0.0.1", 0, edition=2)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_crawl_connects_only_to_the_sites_it_archives(faults_dir, edition_2_url, tmp_path):
    archive, audit_log, cache = tmp_path / "a", tmp_path / "connections", tmp_path / "tld"
    audit_log.touch()
    result = crawl(faults_dir, archive, edition_2_url, PRESSARCHIVE_TEST_AUDIT_LOG=str(audit_log),
                   TLDEXTRACT_CACHE=str(cache))
    assert result.returncode == 0, result.stderr[-4000:]
    # The cookie path ran: home pages that set cookies were fetched.
    homes = query(archive / "index.db", "select url from captures where url in "
                  "('https://www.trtworld.com/', 'https://www.chinatopix.com/')")
    assert homes
    assert audit_log.read_text() == ""
    assert "tldextract" not in result.stderr and "Public Suffix" not in result.stderr
    assert not cache.exists() or not any(cache.rglob("*.json"))


def test_cookies_for_a_public_suffix_are_still_refused():
    from scrapy import Request
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    from crawler.cookies import OfflineCookiesMiddleware

    middleware = OfflineCookiesMiddleware.from_crawler(get_crawler())
    page = Request("https://news.example.co.uk/story")
    middleware.process_response(page, Response(page.url, headers={"Set-Cookie": [
        "suffix=1; Domain=co.uk; Path=/", "site=2; Domain=example.co.uk; Path=/"]}))
    other = Request("https://www.other.co.uk/")
    middleware.process_request(other)
    assert b"suffix" not in other.headers.get(b"Cookie", b"")
    same_site = Request("https://www.example.co.uk/")
    middleware.process_request(same_site)
    assert same_site.headers.get(b"Cookie") == b"site=2"


# ---------------------------------------------------------------- case 12


def ids(archive: Path) -> tuple[dict[str, int], dict[tuple[str, int], int]]:
    db = archive / "index.db"
    articles = dict(query(db, "select url, id from articles"))
    versions = {(url, version): id_ for url, version, id_ in
                query(db, "select url, version, id from article_versions")}
    return articles, versions


def row_page_url(archive: Path, article_id: int) -> str:
    from archive.serve import datasette_app

    async def get() -> str:
        app = datasette_app(archive)
        await app.invoke_startup()
        response = await app.client.get(f"/index/articles/{article_id}.json?_shape=array")
        assert response.status_code == 200, response.text[:300]
        return response.json()[0]["url"]

    return asyncio.run(get())


def test_article_ids_derive_from_the_url_and_survive_rebuilds(seed_archive, tmp_path):
    from archive.reextract import ReextractOptions, run_reextract

    archive = tmp_path / "a"
    shutil.copytree(seed_archive, archive)
    articles, versions = ids(archive)
    url, article_id = next(iter(articles.items()))
    assert row_page_url(archive, article_id) == url

    sources = load_sources()
    run_reextract(ReextractOptions(archive=archive, sources=sources, workers=1))
    assert ids(archive) == (articles, versions)
    assert row_page_url(archive, article_id) == url
    # A partial rebuild carries the other sources' rows over with their ids.
    run_reextract(ReextractOptions(archive=archive, sources=sources, workers=1, source="nina"))
    assert ids(archive) == (articles, versions)

    from archive.index.schema import stable_id, version_id_key

    assert articles and all(id_ == stable_id(url) for url, id_ in articles.items())
    assert all(id_ == stable_id(version_id_key(*key)) for key, id_ in versions.items())


def test_article_ids_do_not_depend_on_the_crawl_order(faults_dir, sample_sites_url,
                                                     seed_archive, tmp_path):
    archive = tmp_path / "a"
    # NINA alone first, then the others: a different order of every article.
    for sources in (("nina",), tuple(name for name in SEED_SITES if name != "nina")):
        result = crawl(faults_dir, archive, sample_sites_url, *sources)
        assert result.returncode == 0, result.stderr[-4000:]
    assert ids(archive) == ids(seed_archive)


def article(url: str, text: str) -> ArticleRow:
    return ArticleRow(url=url, source="nina", title="t", author="", published="", language="en",
                      canonical_url=url, text=text, word_count=1, capture_record_id=f"<{url}>",
                      warc_file="f.warc.gz", warc_offset=0, payload_digest="", fetched_at="",
                      extractor="x", extractor_version="1", config_hash="h")


def test_an_id_held_by_another_url_is_probed_not_shared(tmp_path):
    from archive.index.schema import stable_id

    index = IndexWriter(tmp_path / "index.db")
    try:
        first, second = "https://x.org/a", "https://x.org/b"
        # As if the two URLs' hashes collided: `first` holds `second`'s id.
        with index.db.conn:
            index.db.execute(
                "insert into articles (id, seq, url, text) values (?, 1, ?, 'x')",
                [stable_id(second), first])
        assert index.add_article(article(second, "one")) == "new"
        assert index.add_article(article(second, "two")) == "updated"
        [(taken_by, _)] = query(index.path, f"select url, seq from articles "
                                            f"where id = {stable_id(second)}")
        assert taken_by == first
        [(probed,)] = query(index.path, f"select id from articles where url = '{second}'")
        assert probed == stable_id(second, 1)
    finally:
        index.close()


def test_an_index_from_before_stable_ids_keeps_its_ids_and_its_search(tmp_path):
    import sqlite_utils

    from archive.index.schema import stable_id
    from archive.index.search import search

    path = tmp_path / "index.db"
    legacy = sqlite_utils.Database(path)
    legacy["articles"].insert_all(
        [{"id": n, "url": f"https://x.org/{n}", "title": f"Ramadi {n}", "text": "Ramadi",
          "source": "nina"} for n in range(1, 4)], pk="id")
    legacy["articles"].create_index(["url"], unique=True)
    legacy["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")
    legacy.close()
    index = IndexWriter(path)
    try:
        index.add_article(article("https://x.org/new", "Ramadi again"))
    finally:
        index.close()
    rows = dict(query(path, "select url, id from articles"))
    assert [rows[f"https://x.org/{n}"] for n in range(1, 4)] == [1, 2, 3]
    assert rows["https://x.org/new"] == stable_id("https://x.org/new")
    hits = search(path, "Ramadi", limit=10)
    assert {hit.url for hit in hits} == set(rows)
    assert query(path, "select max(seq) from articles") == [(4,)]
