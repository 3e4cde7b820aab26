"""Offline re-extraction: the index rebuilt from the WARC files alone is the
crawl's index, row for row, and it is built without any network access."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archive.index.compare import compare_indexes
from archive.index.schema import register_search_form
from archive.sources import load_sources
from tests.conftest import REPO, SHARED
from tests.helpers.index_rows import TABLES, rows, search_terms

GUARD = '''
import socket

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _refuse(*args, **kwargs):
    raise OSError("network access attempted during an offline test")


def _connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _refuse()
    return _real_connect(self, address)


def _connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _refuse()
    return _real_connect_ex(self, address)


socket.socket.connect = _connect
socket.socket.connect_ex = _connect_ex
socket.getaddrinfo = _refuse
socket.create_connection = _refuse
'''


@pytest.fixture(scope="module")
def guard_dir(tmp_path_factory) -> Path:
    """A sitecustomize that makes every IPv4/IPv6 connection and DNS lookup fail,
    in the process and in the extraction workers it spawns (they inherit the env)."""
    path = tmp_path_factory.mktemp("guard")
    (path / "sitecustomize.py").write_text(GUARD)
    return path


def offline_cli(guard_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=f"{guard_dir}{os.pathsep}{REPO}")
    return subprocess.run([sys.executable, "-m", "archive.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_guard_really_blocks_the_network(guard_dir, sample_sites_url):
    env = dict(os.environ, PYTHONPATH=str(guard_dir))
    code = f"import urllib.request; urllib.request.urlopen({sample_sites_url!r})"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True)
    assert result.returncode != 0
    assert "network access attempted" in result.stderr


@pytest.fixture(scope="module")
def rebuilt(crawled_archive, guard_dir, tmp_path_factory) -> tuple[Path, Path]:
    """A copy of the crawl, its index kept aside, then rebuilt offline."""
    archive = tmp_path_factory.mktemp("rebuilt") / "archive"
    shutil.copytree(crawled_archive, archive)
    crawl_index = archive.parent / "crawl-index.db"
    shutil.copy(archive / "index.db", crawl_index)
    result = offline_cli(guard_dir, "reextract", "--archive", str(archive), "--workers", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    assert "article pages extracted" in result.stderr
    return archive, crawl_index


def test_rebuilt_index_is_the_crawl_index_row_for_row(rebuilt):
    archive, crawl_index = rebuilt
    for table in TABLES:
        crawled, rebuilt_rows = rows(crawl_index, table), rows(archive / "index.db", table)
        # A crawl of the live sites back-fills nothing: its origins table is empty (the
        # back-fill's rebuild is tests/test_webarchive_backfill.py's).
        assert crawled or table == "origins", table
        assert rebuilt_rows == crawled, table
    # The full-text index too: every token of every article, where it is.
    crawled_terms = search_terms(crawl_index)
    assert crawled_terms and search_terms(archive / "index.db") == crawled_terms


def test_search_works_on_the_rebuilt_index(rebuilt):
    from archive.index.search import search

    archive, _ = rebuilt
    hits = search(archive / "index.db", "Ramadi", synonyms=False)
    assert hits and hits[0].source == "trtworld"


@pytest.fixture(scope="module")
def rebuilt_again(rebuilt, guard_dir, tmp_path_factory) -> dict:
    """A copy of the rebuilt archive rebuilt once more, offline, while a reader of its
    index held a transaction open on it: that reader (still in its transaction), what it
    saw before and the build it had open, for the two tests that read this second run."""
    archive, _ = rebuilt
    copy = tmp_path_factory.mktemp("again") / "archive"
    shutil.copytree(archive, copy, symlinks=True)
    reader = sqlite3.connect(copy / "index.db")
    reader.execute("begin")
    before = reader.execute("select count(*), max(id) from articles").fetchone()
    old_target = (copy / "index.db").resolve()
    result = offline_cli(guard_dir, "reextract", "--archive", str(copy), "--workers", "1")
    assert result.returncode == 0, result.stderr[-4000:]
    yield {"archive": copy, "reader": reader, "before": before, "old_target": old_target}
    reader.close()


def test_reextract_twice_gives_the_same_index(rebuilt, rebuilt_again):
    archive, _ = rebuilt
    again = rebuilt_again["archive"]
    for table in TABLES:
        assert rows(again / "index.db", table) == rows(archive / "index.db", table), table


def test_each_run_is_recorded_with_versions_and_config(rebuilt):
    archive, _ = rebuilt
    conn = sqlite3.connect(archive / "index.db")
    conn.row_factory = sqlite3.Row
    run = conn.execute("select * from extractions order by id desc").fetchone()
    assert run["kind"] == "reextract" and run["extractor"] == "trafilatura"
    assert set(json.loads(run["versions"])) >= {"trafilatura", "htmldate", "lxml", "warcio"}
    hashes = json.loads(run["config_hashes"])
    assert set(hashes) == set(load_sources())
    outcomes = json.loads(run["outcomes"])
    articles = conn.execute("select count(*) from articles").fetchone()[0]
    assert outcomes["ok"] == articles and outcomes["soft404"] >= 5
    assert run["duration_s"] > 0 and run["records"] >= run["captures"] > 0
    # Every article row names its provenance, with the config hash of its source.
    for row in conn.execute("select source, config_hash, warc_file, warc_offset, "
                            "capture_record_id, payload_digest from articles"):
        assert row["config_hash"] == hashes[row["source"]]
        assert row["warc_file"] and row["capture_record_id"] and row["payload_digest"]


def test_the_swap_is_atomic_for_a_reader_of_the_old_index(rebuilt_again):
    copy, reader = rebuilt_again["archive"], rebuilt_again["reader"]
    before, old_target = rebuilt_again["before"], rebuilt_again["old_target"]
    # The old reader still sees its whole, unchanged index...
    assert reader.execute("select count(*), max(id) from articles").fetchone() == before
    reader.execute("commit")
    # ...and new readers see the complete new build.
    assert (copy / "index.db").is_symlink()
    assert (copy / "index.db").resolve() != old_target
    assert old_target.exists(), "the build a reader may hold is kept until the next swap"
    fresh = sqlite3.connect(copy / "index.db")
    assert fresh.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert fresh.execute("select count(*) from articles").fetchone()[0] == before[0]
    assert not list(copy.glob(".index.db.*"))


def test_source_filter_reextracts_one_source_and_keeps_the_others(rebuilt, guard_dir,
                                                                  tmp_path):
    archive, crawl_index = rebuilt
    copy = tmp_path / "filtered"
    shutil.copytree(archive, copy, symlinks=True)
    result = offline_cli(guard_dir, "reextract", "--archive", str(copy), "--source", "ina",
                         "--workers", "1")
    assert result.returncode == 0, result.stderr[-4000:]
    assert "kept from the previous index" in result.stderr
    for table in TABLES:
        assert rows(copy / "index.db", table) == rows(crawl_index, table), table
    conn = sqlite3.connect(copy / "index.db")
    run = conn.execute("select candidates, source_filter from extractions "
                       "order by id desc").fetchone()
    ina_pages = conn.execute("select (select count(*) from articles where source='ina') + "
                             "(select count(*) from non_articles where source='ina')"
                             ).fetchone()[0]
    assert run == (ina_pages, "ina")


def test_compare_reports_what_changed_per_source(rebuilt, tmp_path):
    archive, crawl_index = rebuilt
    edited = tmp_path / "edited.db"
    shutil.copy(crawl_index, edited)
    conn = sqlite3.connect(edited)
    register_search_form(conn)  # the full-text index follows the edits
    with conn:
        conn.execute("update articles set text = text || ' Like Us on Facebook', "
                     "published = '' where source = 'chinatopix'")
        conn.execute("delete from articles where id = (select min(id) from articles "
                     "where source = 'nina')")
    conn.close()
    comparison = {s.source: s for s in compare_indexes(crawl_index, edited).sources}
    topix = comparison["chinatopix"]
    assert topix.text_changed == topix.new_articles > 0 and topix.date_changed == topix.new_articles
    assert topix.old_date_rate == 1.0 and topix.new_date_rate == 0.0
    assert topix.new_boilerplate["Like Us on Facebook"] == topix.new_articles
    assert topix.old_boilerplate["Like Us on Facebook"] == 0
    assert comparison["nina"].lost == 1 and comparison["nina"].added == 0
    assert comparison["trtworld"].text_changed == 0
    assert comparison["trtworld"].old_median_length == comparison["trtworld"].new_median_length


@pytest.mark.skipif(not (SHARED / "realdata" / "warc").is_dir(),
                    reason="other crawlers' WARCs are in ../shared/realdata, absent here")
def test_other_crawlers_warcs_are_read_and_broken_records_reported(guard_dir, tmp_path):
    archive = tmp_path / "foreign"
    result = offline_cli(guard_dir, "reextract", "--archive", str(archive), "--from",
                         str(SHARED / "realdata" / "warc"), "--workers", "1")
    assert result.returncode == 0, result.stderr[-4000:]
    assert "unreadable:" in result.stderr  # the broken files are named, with offsets
    conn = sqlite3.connect(archive / "index.db")
    run = conn.execute("select records, candidates, read_errors, outcomes from extractions"
                       ).fetchone()
    assert run[0] > 20 and run[1] > 0 and run[2] >= 3
    captured = {r[0] for r in conn.execute("select url from captures")}
    assert any("iana.org" in url for url in captured)
