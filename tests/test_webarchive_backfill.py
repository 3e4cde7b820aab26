"""`pressarchive backfill` against real pywb serving the sample web archive
(archive/samplesites/webarchive): pywb is the CDX server and the replay server, Scrapy's
real downloader fetches, nothing is mocked. Where the web archive must be busy or failing,
a server in front of pywb (tests/helpers/webarchive_front.py) answers some requests itself.

Each run is `pressarchive backfill` in a subprocess (Twisted's reactor cannot restart in
the test process); what it did is read back from the WARC files and the index.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.samplesites.webarchive import Capture, WebArchive
from archive.sources import load_sources
from archive.wacz import export_wacz
from archive.warc.cdxj import surt_key
from archive.warc.origin import origin_from_record, parse_origin_fields, timestamp_date
from archive.warc.reader import StoredRecord, iter_archive
from tests.conftest import REPO, run_cli
from tests.helpers.index_rows import rows
from tests.helpers.replay import copy_archive, free_port
from tests.helpers.webarchive import served_web_archive
from tests.helpers.webarchive_front import Canned, Rule, WebArchiveFront

SEED_CT = ("http://www.chinatopix.com/articles/31164/20150122/"
           "iraq-frustrated-over-coalitions-efforts-in-islamic-state-fight.htm")
SOURCES = ("chinatopix", "trtworld", "nina")
FAST = ("--delay", "0", "--cdx-delay", "0", "--workers", "1")


@pytest.fixture(scope="module")
def wayback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebArchive, str]]:
    with served_web_archive(tmp_path_factory.mktemp("webarchive")) as served:
        yield served


def backfill(archive: Path, prefix: str, *args: str, sources: tuple[str, ...] = SOURCES,
             expect: int | None = 0) -> subprocess.CompletedProcess:
    result = run_cli("backfill", *sources, "--archive", str(archive), "--wayback", prefix,
                     *FAST, *args)
    if expect is not None and result.returncode != expect:
        pytest.fail(f"backfill exited {result.returncode}, not {expect}:\n"
                    f"{result.stderr[-6000:]}")
    return result


def wanted(archive: WebArchive, source: str, since: str = "", until: str = ""
           ) -> list[Capture]:
    """The captures a back-fill must fetch: the source's article pages captured with 200 as
    HTML in the window, the first of each payload of each URL, in CDX order."""
    found, seen = [], set()
    for c in archive.captures:
        day = c.timestamp[:8]
        if (c.source != source or c.kind != "article" or c.status != 200
                or c.mime != "text/html" or (since and day < since) or (until and day > until)):
            continue
        if (surt_key(c.url), c.digest) not in seen:
            seen.add((surt_key(c.url), c.digest))
            found.append(c)
    return found


def replay_of(prefix: str, capture: Capture) -> str:
    return f"{prefix}{capture.timestamp}id_/{capture.url}"


def records(archive: Path) -> list[StoredRecord]:
    return [r for r in iter_archive(archive / "warc") if r.rec_type != "warcinfo"]


def replays_fetched(archive: Path) -> Counter[str]:
    """How many times each replay URL was answered with its capture (an origin record)."""
    found = [origin_from_record(r) for r in records(archive)]
    by_id = {r.record_id: r.target_uri for r in records(archive)}
    return Counter(by_id[pair[0]] for pair in found if pair is not None)


def index(archive: Path, sql: str, *params: object) -> list[sqlite3.Row]:
    conn = sqlite3.connect(archive / "index.db")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def stat(result: subprocess.CompletedProcess, key: str) -> int:
    """A Scrapy stat from the run's one-line stats dumps (summed over the sources)."""
    return sum(int(n) for n in re.findall(rf"'{re.escape(key)}': (\d+)", result.stderr))


@pytest.fixture(scope="module")
def backfilled(wayback, tmp_path_factory: pytest.TempPathFactory
               ) -> tuple[Path, subprocess.CompletedProcess]:
    _, prefix = wayback
    archive = tmp_path_factory.mktemp("backfilled") / "archive"
    return archive, backfill(archive, prefix)


# --- what a back-fill archives and indexes ----------------------------------------------


def test_articles_are_indexed_under_their_original_url_and_date(wayback, backfilled) -> None:
    web, prefix = wayback
    archive, result = backfilled
    for source in SOURCES:
        captures = wanted(web, source)
        articles = {r["url"]: r for r in index(
            archive, "select * from articles where source = ?", source)}
        assert set(articles) == {c.url for c in captures}, source
        for url, row in articles.items():
            latest = [c for c in captures if c.url == url][-1]
            assert row["fetched_at"] == timestamp_date(latest.timestamp), url
            assert row["origin"] == prefix, url
        assert f"{source}: " in result.stderr
    assert "status: finished (exit 0)" in result.stderr


def test_the_china_topix_seed_keeps_its_2015_date_and_clean_text(wayback, backfilled) -> None:
    web, _ = wayback
    archive, _ = backfilled
    [row] = index(archive, "select * from articles where url = ?", SEED_CT)
    assert row["published"] == "2015-01-22" and row["source"] == "chinatopix"
    for phrase in web.of(SEED_CT)[0].phrases:
        assert phrase in row["text"]
    for chrome in ("Like Us on Facebook", "Make CT Your Homepage", "Real Time Analytics"):
        assert chrome not in row["text"]
    # Search and history find it, like any capture, at its original capture time.
    found = run_cli("search", "frustrated coalition", "--archive", str(archive), "--json")
    assert SEED_CT in found.stdout
    history = run_cli("history", SEED_CT, "--archive", str(archive))
    assert history.stdout.startswith("version 1: 2015-01-22T23:15:02"), history.stdout


def test_the_exchange_with_the_web_archive_is_archived_as_it_happened(wayback,
                                                                        backfilled) -> None:
    web, prefix = wayback
    archive, _ = backfilled
    every = records(archive)
    for source in SOURCES:
        for capture in wanted(web, source):
            url = replay_of(prefix, capture)
            [response] = [r for r in every if r.rec_type == "response" and r.target_uri == url]
            [request] = [r for r in every if r.rec_type == "request" and r.target_uri == url]
            assert response.warc_header("WARC-Concurrent-To") == request.record_id
            # The raw replay is the archived payload byte for byte: its digest is the CDX's.
            assert response.payload_digest == f"sha1:{capture.digest}", url
            [described] = [r for r in every if r.rec_type == "metadata"
                           and r.warc_header("WARC-Refers-To") == response.record_id]
            origin = parse_origin_fields(described.body)
            assert origin is not None and origin.original_url == capture.url
            assert origin.original_date == timestamp_date(capture.timestamp)
            assert origin.cdx_digest == capture.digest and capture.timestamp in origin.cdx_line
    # The CDX answers are archived too, belonging to no source.
    cdx_rows = index(archive, "select url, source, status from captures where url like ?",
                     f"{prefix}cdx?%")
    assert cdx_rows and all(r["source"] == "" and r["status"] == 200 for r in cdx_rows)
    verify = run_cli("verify", "--archive", str(archive))
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_the_wacz_export_opens_a_back_filled_article_at_its_replay_record(
        wayback, backfilled, tmp_path: Path) -> None:
    """pages.jsonl points replay at the WARC record as fetched (the web archive's URL at
    the fetch time); the original URL and date are in the index and the origin record."""
    web, prefix = wayback
    archive, _ = backfilled
    export_wacz(archive, tmp_path / "press.wacz")
    with zipfile.ZipFile(tmp_path / "press.wacz") as zf:
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").splitlines()[1:]]
    seed = replay_of(prefix, web.of(SEED_CT)[0])
    [page] = [p for p in pages if p["url"] == seed]
    [row] = index(archive, "select title, capture_record_id from articles where url = ?",
                  SEED_CT)
    assert page["title"] == row["title"]
    [capture] = index(archive, "select fetched_at from captures where record_id = ?",
                      row["capture_record_id"])
    assert not page["ts"].startswith("2015") and capture["fetched_at"].startswith("2015")


def test_reextract_rebuilds_the_back_fills_rows(backfilled, tmp_path: Path) -> None:
    archive, _ = backfilled
    copy = copy_archive(archive, tmp_path / "copy")
    result = run_cli("reextract", "--archive", str(copy), "--workers", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    for table in ("captures", "articles", "article_versions", "origins", "non_articles"):
        assert rows(copy / "index.db", table) == rows(archive / "index.db", table), table


def test_a_second_back_fill_fetches_nothing_already_held(wayback, backfilled,
                                                         tmp_path: Path) -> None:
    _, prefix = wayback
    archive, _ = backfilled
    copy = copy_archive(archive, tmp_path / "copy", link=False)
    before = replays_fetched(copy)
    result = backfill(copy, prefix)
    assert replays_fetched(copy) == before
    assert re.search(r"chinatopix: \d+ captures listed, 0 kept, 3 already held", result.stderr)
    assert stat(result, "backfill/fetched") == 0


# --- interrupted and resumed ---------------------------------------------------------------


def test_a_limited_run_then_the_next_fetch_each_capture_once(wayback, tmp_path: Path) -> None:
    web, prefix = wayback
    archive = tmp_path / "archive"
    first = backfill(archive, prefix, "--limit", "2")
    assert stat(first, "backfill/fetched") == 2 * len(SOURCES)
    assert stat(first, "backfill/over_limit") > 0
    backfill(archive, prefix)
    expected = {replay_of(prefix, c) for s in SOURCES for c in wanted(web, s)}
    fetched = replays_fetched(archive)
    assert set(fetched) == expected
    assert set(fetched.values()) == {1}, "a capture was fetched twice"


def test_an_interrupted_back_fill_resumes_without_fetching_a_capture_twice(
        wayback, tmp_path: Path) -> None:
    web, prefix = wayback
    archive = tmp_path / "archive"
    process = subprocess.Popen(
        [sys.executable, "-m", "archive.cli", "backfill", *SOURCES, "--archive", str(archive),
         "--wayback", prefix, "--delay", "0.4", "--cdx-delay", "0", "--workers", "1"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if (archive / "index.db").exists() and _origins(archive) >= 2:
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 3, stderr[-3000:]  # interrupted: the next run goes on
    assert "status: interrupted" in stderr
    stopped_at = sum(replays_fetched(archive).values())
    total = sum(len(wanted(web, s)) for s in SOURCES)
    assert 2 <= stopped_at < total
    backfill(archive, prefix)
    fetched = replays_fetched(archive)
    assert set(fetched) == {replay_of(prefix, c) for s in SOURCES for c in wanted(web, s)}
    assert set(fetched.values()) == {1}, "a capture was fetched twice"
    urls = {r["url"] for r in index(archive, "select url from articles")}
    assert urls == {c.url for s in SOURCES for c in wanted(web, s)}


def _origins(archive: Path) -> int:
    try:
        return len(index(archive, "select record_id from origins"))
    except sqlite3.OperationalError:  # not created yet
        return 0


# --- a busy or failing web archive ----------------------------------------------------------


def test_a_429_with_retry_after_holds_the_whole_host_then_the_capture_is_archived(
        wayback, tmp_path: Path) -> None:
    web, prefix = wayback
    base, coll = prefix.rstrip("/").rsplit("/", 1)
    busy = Canned(429, (("Retry-After", "2"), ("Content-Type", "text/plain")), b"slow down")
    with WebArchiveFront(base, [Rule("id_/", (busy,), times=1)]) as front:
        front_prefix = f"{front.base}/{coll}/"
        archive = tmp_path / "archive"
        result = backfill(archive, front_prefix, sources=("chinatopix",))
        hits = front.hits
    assert stat(result, "retry/retry_after_waits") == 1
    assert stat(result, "retry/slot_pauses") == 1
    replays = [h for h in hits if "id_/" in h.path]
    refused = replays[0]
    assert refused.status == 429 and refused.canned
    # Nothing went to the web archive's host until the Retry-After was over (the CDX
    # queries, in a slot of their own, were done before).
    later = [h for h in hits if h.started > refused.finished]
    assert later and min(h.started for h in later) - refused.finished >= 1.9
    expected = {replay_of(front_prefix, c) for c in wanted(web, "chinatopix")}
    fetched = replays_fetched(archive)
    assert set(fetched) == expected and set(fetched.values()) == {1}
    statuses = [r["status"] for r in index(
        archive, "select status from captures where url = ?", front.base + refused.path)]
    assert statuses == [429]  # archived as the exchange it was, under the replay URL


def test_a_capture_whose_raw_fetch_fails_is_counted_and_the_run_goes_on(
        wayback, tmp_path: Path) -> None:
    web, prefix = wayback
    base, coll = prefix.rstrip("/").rsplit("/", 1)
    captures = wanted(web, "chinatopix")
    broken = captures[1]
    failing = Rule(f"{broken.timestamp}id_/", (Canned(503, (), b"backend down"),))
    archive = tmp_path / "archive"
    with WebArchiveFront(base, [failing]) as front:
        front_prefix = f"{front.base}/{coll}/"
        result = backfill(archive, front_prefix, sources=("chinatopix",), expect=3)
    assert re.search(r"chinatopix: \d+ captures listed, 3 kept, 0 already held, 2 fetched, "
                     r"1 failed", result.stderr), result.stderr[-2000:]
    assert stat(result, "backfill/failed/status 503") == 1
    assert "status: finished_with_errors (exit 3)" in result.stderr
    urls = {r["url"] for r in index(archive, "select url from articles")}
    assert urls == {c.url for c in captures} - {broken.url}
    # Each attempt is archived under the replay URL, never filed under the article.
    failed_url = replay_of(front_prefix, broken)
    assert [r["status"] for r in index(
        archive, "select status from captures where url = ?", failed_url)] == [503] * 3
    assert not index(archive, "select 1 from captures where url = ?", broken.url)
    # The next run, with the web archive answering again, fetches only that one.
    with WebArchiveFront(base, []) as front:
        again = backfill(archive, f"{front.base}/{coll}/", sources=("chinatopix",))
    assert re.search(r"1 kept, 2 already held, 1 fetched, 0 failed", again.stderr)


def test_replays_from_an_unreachable_host_fail_one_by_one(wayback, tmp_path: Path) -> None:
    web, prefix = wayback
    dead = f"http://127.0.0.1:{free_port()}/wayback/"
    archive = tmp_path / "archive"
    result = backfill(archive, dead, "--cdx", prefix + "cdx", sources=("chinatopix",),
                      expect=3)
    kept = len(wanted(web, "chinatopix"))
    assert stat(result, "backfill/failed") == kept
    # Scrapy names it DownloadConnectionRefusedError (2.19), Twisted ConnectionRefusedError.
    assert re.search(rf"'backfill/failed/\w*ConnectionRefusedError': {kept}", result.stderr)
    assert f"{kept} failed" in result.stderr
    assert not index(archive, "select 1 from articles")


def test_a_web_archive_that_refuses_every_replay_stops_the_back_fill(wayback,
                                                                    tmp_path: Path) -> None:
    """A blocked address: after --max-failures refusals in a row the run stops, and the
    sources after it are left for the next run."""
    _, prefix = wayback
    dead = f"http://127.0.0.1:{free_port()}/wayback/"
    result = backfill(tmp_path / "archive", dead, "--cdx", prefix + "cdx",
                      "--max-failures", "2", expect=3)
    assert 2 <= stat(result, "backfill/failed") <= 3  # the one in flight may fail too
    assert "chinatopix: " in result.stderr and "finish: web_archive_unavailable" in result.stderr
    assert "trtworld: " not in result.stderr and "nina: " not in result.stderr
    assert "2 captures in a row could not be fetched" in result.stderr


def test_the_web_archives_robots_txt_is_obeyed(wayback, tmp_path: Path) -> None:
    web, prefix = wayback
    base, coll = prefix.rstrip("/").rsplit("/", 1)
    robots = Canned(200, (("Content-Type", "text/plain"),),
                    f"User-agent: *\nDisallow: /{coll}/2\n".encode())  # replays, not cdx
    with WebArchiveFront(base, [Rule("/robots.txt", (robots,))]) as front:
        result = backfill(tmp_path / "archive", f"{front.base}/{coll}/",
                          sources=("chinatopix",), expect=3)
        hits = front.hits
    kept = len(wanted(web, "chinatopix"))
    assert not [h for h in hits if "id_/" in h.path]
    assert any("/cdx?" in h.path for h in hits)
    assert stat(result, "backfill/failed/Forbidden by robots.txt") == kept


# --- paging, the date window, the endpoints --------------------------------------------------


def test_a_cdx_server_that_pages_is_read_page_by_page(tmp_path: Path) -> None:
    with served_web_archive(tmp_path / "webarchive", zipnum_lines=1) as (web, prefix):
        archive = tmp_path / "archive"
        result = backfill(archive, prefix, "--cdx-page-size", "1")
    pages = index(archive, "select url from captures where url like ?", f"{prefix}cdx?%page=%")
    assert stat(result, "backfill/cdx_pages") == len(pages) > len(SOURCES)
    assert {r["url"] for r in index(archive, "select url from articles")} == {
        c.url for s in SOURCES for c in wanted(web, s)}
    assert set(replays_fetched(archive).values()) == {1}


def test_the_date_window_is_honoured(wayback, tmp_path: Path) -> None:
    web, prefix = wayback
    archive = tmp_path / "archive"
    backfill(archive, prefix, "--from", "2015-01-23", "--to", "2015-03-01",
             sources=("chinatopix",))
    inside = wanted(web, "chinatopix", "20150123", "20150301")
    everything = wanted(web, "chinatopix")
    assert 0 < len(inside) < len(everything)
    assert set(replays_fetched(archive)) == {replay_of(prefix, c) for c in inside}
    asked = index(archive, "select url from captures where url like ?", f"{prefix}cdx?%")
    assert asked and all("from=20150123" in r["url"] and "to=20150301" in r["url"]
                         for r in asked)


def test_a_cdx_server_that_cannot_be_reached_is_one_line(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/coll/"
    result = run_cli("backfill", "chinatopix", "--archive", str(tmp_path / "a"),
                     "--wayback", dead, *FAST, "--log-level", "WARNING")
    assert result.returncode == 4, result.stderr[-3000:]
    [line] = [x for x in result.stderr.splitlines() if x.startswith("Error:")]
    assert f"the CDX server {dead}cdx gave no answer" in line
    assert "Traceback" not in result.stderr


# --- the demo --------------------------------------------------------------------------------


def test_the_demo_back_fills_the_china_topix_seed_with_its_2015_date(tmp_path: Path) -> None:
    archive = tmp_path / "demo-archive"
    result = run_cli("demo", "--archive", str(archive), "--no-serve")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    [row] = index(archive, "select * from articles where url = ?", SEED_CT)
    assert row["published"] == "2015-01-22" and row["origin"].startswith("http://127.0.0.1:")
    assert row["fetched_at"].startswith("2015-01-22T23:15:02")
    assert "Like Us on Facebook" not in row["text"] and len(row["text"]) > 1000
    assert f"2015-01-22 {row['title']} <{SEED_CT}>" in result.stdout
    assert {r["source"] for r in index(archive, "select distinct source from articles")} == set(
        load_sources())
