"""Scheduled crawls end to end: several runs over sample sites that change
between editions, through Scrapy's real downloader on 127.0.0.1.

The runs crawl the five seed sources: the editions change those sites only
(archive/samplesites/editions.py), and the others would add pages that every run
fetches, rechecks and rebuilds alike."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import exitcodes
from archive.cli import main
from archive.lock import ArchiveLock
from archive.samplesites import catalog, edition_changes, make_server
from archive.samplesites.data import SEED_SITES
from archive.warc.reader import iter_records
from archive.warc.verify import verify_archive
from tests.conftest import REPO, run_cli

ARTICLES = {"article", "unrelated"}


@pytest.fixture(scope="module")
def site() -> Iterator:
    server = make_server("127.0.0.1", 0, edition=1)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def crawl(archive: Path, site, *extra: str) -> subprocess.CompletedProcess:
    return run_cli("crawl", *SEED_SITES, "--archive", str(archive), "--via", site.url,
                   "--delay", "0", "--workers", "2", *extra)


def warc_files(archive: Path) -> set[Path]:
    return set((archive / "warc").glob("*.warc.gz"))


def records(paths: set[Path]) -> list:
    return [r for p in sorted(paths) for r in iter_records(p)]


def article_urls(edition: int) -> set[str]:
    """The seed sources' articles in that edition."""
    return {p.url for p in catalog(edition) if p.kind in ARTICLES and p.source in SEED_SITES}


def db(archive: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(archive / "index.db")
    conn.row_factory = sqlite3.Row
    return conn


@pytest.fixture(scope="module")
def runs(site, tmp_path_factory) -> dict:
    """Four runs on one archive: edition 1; again at once; a recheck of
    everything (edition 1); a recheck of everything at edition 2."""
    archive = tmp_path_factory.mktemp("scheduled") / "archive"
    files: dict[str, set[Path]] = {}
    results: dict[str, subprocess.CompletedProcess] = {}
    plan = [("first", 1, ()), ("again", 1, ()), ("recheck", 1, ("--recheck-all",)),
            ("edition2", 2, ("--recheck-all",))]
    for name, edition, extra in plan:
        site.set_edition(edition)
        before = warc_files(archive) if archive.exists() else set()
        results[name] = crawl(archive, site, *extra)
        assert results[name].returncode == 0, (name, results[name].stderr[-4000:])
        files[name] = warc_files(archive) - before
    site.set_edition(1)
    return {"archive": archive, "files": files, "results": results}


def test_a_second_run_over_unchanged_sites_fetches_no_article_body(runs):
    again = records(runs["files"]["again"])
    assert again, "the second run fetched feeds, sitemaps and listings"
    fetched = {r.target_uri for r in again if r.rec_type in ("response", "revisit")}
    assert not fetched & article_urls(1), "articles not yet due were fetched"
    stderr = runs["results"]["again"].stderr
    assert "'recheck/not_due'" in stderr
    # Nothing to extract: the extraction workers end without a traceback (issue 11, 10).
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr[-5000:]


def test_a_recheck_of_unchanged_articles_is_all_304_revisits(runs):
    recheck = records(runs["files"]["recheck"])
    by_url = {r.target_uri: r for r in recheck if r.rec_type in ("response", "revisit")}
    for url in article_urls(1):
        record = by_url[url]
        assert record.rec_type == "revisit" and record.http_status == 304, url
        assert record.warc_header("WARC-Profile").endswith("/server-not-modified")
    requests = [r for r in recheck if r.rec_type == "request" and r.target_uri in by_url]
    assert all(r.http_header("If-None-Match") for r in requests
               if r.target_uri in article_urls(1))


def test_new_articles_of_a_later_edition_are_indexed(runs):
    conn = db(runs["archive"])
    indexed = {r["url"] for r in conn.execute("select url from articles")}
    for source, changes in edition_changes(2).items():
        for page in changes.new:
            assert page.url in indexed, (source, page.url)


def test_edited_articles_keep_every_version_and_show_a_word_diff(runs):
    conn = db(runs["archive"])
    for source, changes in edition_changes(2).items():
        for page in changes.edited:
            row = conn.execute("select versions, text from articles where url = ?",
                               [page.url]).fetchone()
            assert row["versions"] == 2, (source, page.url)
            for phrase in page.phrases:
                assert phrase in row["text"]
            versions = conn.execute("select text, capture_record_id from article_versions "
                                    "where url = ? order by version", [page.url]).fetchall()
            assert versions[0]["capture_record_id"] != versions[1]["capture_record_id"]
            for phrase in page.old_phrases:
                assert phrase in versions[0]["text"] and phrase not in versions[1]["text"]
            token = changes.tokens[page.url]
            shown = CliRunner().invoke(main, ["history", page.url, "--archive",
                                              str(runs["archive"])])
            assert shown.exit_code == 0, shown.output
            assert "version 2" in shown.output and "{+" in shown.output
            assert token.split()[0] in shown.output
    edited = CliRunner().invoke(main, ["history", "--edited", "--archive", str(runs["archive"])])
    assert sum(len(c.edited) for c in edition_changes(2).values()) == \
        edited.output.count("2 versions")


def test_deleted_and_redirected_home_articles_are_marked_removed_and_kept(runs):
    conn = db(runs["archive"])
    for source, changes in edition_changes(2).items():
        for page in changes.deleted + changes.redirected_home:
            row = conn.execute("select removed_at, removed_reason, capture_record_id "
                               "from articles where url = ?", [page.url]).fetchone()
            assert row is not None and row["removed_at"], (source, page.url)
            assert ("answered 4" in row["removed_reason"]
                    or "home page" in row["removed_reason"]), row["removed_reason"]
            # The archived copy stays and still names its capture.
            assert conn.execute("select status from captures where record_id = ?",
                                [row["capture_record_id"]]).fetchone()["status"] == 200
    untouched = conn.execute("select count(*) from articles where removed_at = ''").fetchone()[0]
    assert untouched > 0


def test_every_run_is_recorded_and_status_shows_it(runs):
    state = sqlite3.connect(runs["archive"] / "state" / "state.db")
    rows = state.execute("select status, exit_code, counts from crawls order by id").fetchall()
    assert [(s, e) for s, e, _ in rows] == [("finished", 0)] * 4
    import json

    last = json.loads(rows[-1][2])
    assert sum(c["new_articles"] for c in last.values()) == \
        sum(len(c.new) for c in edition_changes(2).values())
    assert sum(c["updated_articles"] for c in last.values()) == \
        sum(len(c.edited) for c in edition_changes(2).values())
    assert sum(c["removed"] for c in last.values()) == sum(
        len(c.deleted) + len(c.redirected_home) for c in edition_changes(2).values())
    first = json.loads(rows[0][2])
    assert set(first) == set(SEED_SITES)
    assert all(c["requests"] > 0 and c["bytes"] > 0 for c in first.values())
    shown = CliRunner().invoke(main, ["status", "--archive", str(runs["archive"])])
    assert shown.exit_code == 0
    assert shown.output.count("finished") >= 4
    for source in ("trtworld", "france24", "ina", "chinatopix", "nina"):
        assert source in shown.output


def test_the_archive_stays_valid_across_runs(runs):
    report = verify_archive(runs["archive"], index_db=runs["archive"] / "index.db")
    assert report.ok, report.format()


def test_a_second_crawl_while_one_runs_exits_at_once(tmp_path, site):
    with ArchiveLock(tmp_path, "crawl"):
        started = time.monotonic()
        result = crawl(tmp_path, site)
    assert result.returncode == exitcodes.LOCKED
    assert time.monotonic() - started < 30
    assert "is in use by pid" in result.stderr
    assert result.stderr.strip().count("\n") == 0  # one line, no traceback


def slow_crawl(archive: Path, site) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "archive.cli", "crawl", *SEED_SITES, "--archive", str(archive),
         "--via", site.url, "--delay", "0.3", "--workers", "1"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )


def wait_for_articles(archive: Path, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        opened = list((archive / "warc").glob("*.open")) if (archive / "warc").exists() else []
        if opened:
            seen = sum(1 for r in iter_records(opened[0]) if r.rec_type == "response"
                       and r.target_uri in article_urls(1))
            if seen >= count:
                return
        time.sleep(0.2)
    pytest.fail("the crawl did not archive articles in time")


def test_kill_9_mid_run_then_the_next_run_completes_the_work(tmp_path, site):
    archive = tmp_path / "killed"
    process = slow_crawl(archive, site)
    try:
        wait_for_articles(archive, 4)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    assert list((archive / "warc").glob("*.open"))
    result = crawl(archive, site)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "taken over" in result.stderr or "did not finish" in result.stderr
    conn = db(archive)
    indexed = {r["url"] for r in conn.execute("select url from articles")}
    assert indexed == article_urls(1), "an article was lost"
    # Fetched twice (in full) only if in flight when killed: at most 2 per host.
    full = Counter(r.target_uri for r in records(warc_files(archive))
                   if r.rec_type == "response" and r.http_status == 200
                   and r.target_uri in article_urls(1))
    twice = [url for url, n in full.items() if n > 1]
    assert len(twice) <= 2 * 5, twice
    report = verify_archive(archive, index_db=archive / "index.db")
    assert report.ok, report.format()
    state = sqlite3.connect(archive / "state" / "state.db")
    assert [r[0] for r in state.execute("select status from crawls order by id")] == [
        "killed", "finished"]


def test_sigint_stops_cleanly_and_is_recorded_as_interrupted(tmp_path, site):
    archive = tmp_path / "interrupted"
    process = slow_crawl(archive, site)
    try:
        wait_for_articles(archive, 2)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == exitcodes.FINISHED_WITH_ERRORS, stderr[-3000:]
    assert not list((archive / "warc").glob("*.open")), "files were not closed"
    report = verify_archive(archive, index_db=archive / "index.db")
    assert report.ok, report.format()
    state = sqlite3.connect(archive / "state" / "state.db")
    assert state.execute("select status, exit_code from crawls").fetchall() == [
        ("interrupted", exitcodes.FINISHED_WITH_ERRORS)]


def test_a_rebuild_of_the_multi_run_archive_equals_its_index(runs, tmp_path):
    """Revisits, 304s, versions and removals: reextract makes the same rows."""
    import shutil

    from tests.helpers.index_rows import TABLES, rows

    copy = tmp_path / "rebuilt"
    shutil.copytree(runs["archive"], copy)
    crawl_index = tmp_path / "crawl-index.db"
    shutil.copy(copy / "index.db", crawl_index)
    result = run_cli("reextract", "--archive", str(copy), "--workers", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    for table in TABLES:
        assert rows(copy / "index.db", table) == rows(crawl_index, table), table
