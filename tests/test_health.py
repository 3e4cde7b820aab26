"""Extraction health: the figures per crawl and source, kept in the index, rebuilt the
same by reextract, and `pressarchive health` flagging the source that a sample-site
edition redesigned (edition 4: TRT World), after real Scrapy crawls on 127.0.0.1.

The two crawls of editions 3 and 4 are of the five seed sources, the ones the editions
change; every source's figures are checked on the session's crawl of all 26
(conftest.py crawled_archive)."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import exitcodes
from archive.cli import main
from archive.health import MIN_PAGES, CrawlHealth, assess, sharp_changes
from archive.samplesites import make_server
from archive.samplesites.data import SEED_SITES
from archive.sources import load_sources
from tests.conftest import run_cli
from tests.helpers.index_rows import rows

REDESIGNED = "trtworld"


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Iterator[Path]:
    """The seed sources' edition 3 crawled, then edition 4 with every known article
    rechecked (as a scheduled crawl does over time): TRT World's pages come back in the
    new design."""
    server = make_server("127.0.0.1", 0, edition=3)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    folder = tmp_path_factory.mktemp("health") / "archive"
    try:
        for edition, extra in ((3, ()), (4, ("--recheck-all",))):
            server.set_edition(edition)
            result = run_cli("crawl", *SEED_SITES, "--archive", str(folder), "--via", url,
                             "--delay", "0", "--workers", "2", *extra)
            assert result.returncode == 0, result.stderr[-4000:]
    finally:
        server.shutdown()
        server.server_close()
    yield folder


def health(*args: str):
    return CliRunner().invoke(main, ["health", *args])


def table(folder: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(folder / "index.db")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("select * from health order by started, source").fetchall()
    finally:
        conn.close()


def check_first_crawl_row(row: sqlite3.Row) -> None:
    """A first crawl of a source extracts every article page, and extracts it well."""
    # The seed sites have enough stories to be compared; the others 4 or 5.
    least = MIN_PAGES if row["source"] in SEED_SITES else 4
    assert row["pages_fetched"] > row["extracted"] >= least, dict(row)
    assert row["articles"] >= row["extracted"] - row["soft404s"] - row["empty"] - 1
    # The newer sites' stories are shorter (and Arabic words longer).
    assert row["median_words"] > (100 if row["source"] in SEED_SITES else 50), dict(row)
    assert row["boilerplate_kept"] == 0, dict(row)
    if row["source"] in SEED_SITES:
        assert row["boilerplate_elements"] > 0, dict(row)


def test_a_crawl_of_every_source_has_a_row_per_source(crawled_archive: Path) -> None:
    found = table(crawled_archive)
    assert len({r["crawl"] for r in found}) == 1
    assert {r["source"] for r in found} == set(load_sources())
    for row in found:
        check_first_crawl_row(row)


def test_two_crawls_each_have_a_row_per_source(archive: Path) -> None:
    found = table(archive)
    crawls = sorted({(r["started"], r["crawl"]) for r in found})
    assert len(crawls) == 2
    first, second = ([r for r in found if r["crawl"] == c] for _, c in crawls)
    assert {r["source"] for r in first} == {r["source"] for r in second} == set(SEED_SITES)
    for row in first:
        check_first_crawl_row(row)
    redesigned = next(r for r in second if r["source"] == REDESIGNED)
    assert redesigned["extracted"] >= MIN_PAGES
    assert redesigned["empty"] > redesigned["articles"]
    assert redesigned["median_words"] < 50
    # The body now sits in a container the drop rules remove: more elements dropped.
    before = next(r for r in first if r["source"] == REDESIGNED)
    assert redesigned["boilerplate_elements"] > before["boilerplate_elements"]
    for row in second:
        if row["source"] != REDESIGNED:  # unchanged: rechecked with 304s, nothing extracted
            assert row["extracted"] == 0 and row["pages_fetched"] > 0, dict(row)


def test_health_flags_exactly_the_redesigned_source(archive: Path) -> None:
    result = health("--archive", str(archive))
    assert result.exit_code == exitcodes.PROBLEMS_FOUND, result.output
    flagged = [line for line in result.output.splitlines() if line.startswith("flagged:")]
    assert len(flagged) == 1 and flagged[0].startswith(f"flagged: {REDESIGNED}:"), \
        result.output
    assert "indexed 88% -> 29%" in flagged[0] and "median words" in flagged[0]
    rows_shown = [line for line in result.output.splitlines()
                  if line.split(" ", 1)[0] in {"trtworld", "france24", "ina", "nina",
                                               "chinatopix"}]
    assert len(rows_shown) == 10  # one line per crawl per source
    assert sum("FLAGGED" in line for line in rows_shown) == 1


def test_health_of_one_source_and_its_exit_status(archive: Path) -> None:
    result = health("--archive", str(archive), "--source", REDESIGNED)
    assert result.exit_code == exitcodes.PROBLEMS_FOUND
    assert all(line.startswith(REDESIGNED) for line in result.output.splitlines()[2:4])
    result = health("--archive", str(archive), "--source", "france24", "--json")
    assert result.exit_code == exitcodes.OK, result.output
    data = json.loads(result.output)
    assert data["flagged"] == [] and {c["source"] for c in data["crawls"]} == {"france24"}


def test_an_unknown_source_is_one_error_line(archive: Path) -> None:
    result = health("--archive", str(archive), "--source", "nosuch")
    assert result.exit_code == exitcodes.COULD_NOT_RUN
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: no extraction health for source "
                                                   "'nosuch'"), result.output
    assert "trtworld" in lines[0]


def test_an_index_without_figures_is_one_error_line(tmp_path: Path) -> None:
    from archive.index.writer import IndexWriter

    IndexWriter(tmp_path / "index.db").close()
    result = health("--archive", str(tmp_path))
    assert result.exit_code == exitcodes.COULD_NOT_RUN
    assert result.output.strip().splitlines() == [
        f"Error: {tmp_path / 'index.db'} has no extraction health yet: the next crawl, or "
        "`pressarchive reextract`, computes it"]
    result = health("--archive", str(tmp_path / "nothing"))
    assert result.exit_code == exitcodes.COULD_NOT_RUN
    assert len(result.output.strip().splitlines()) == 1


def test_reextract_rebuilds_the_same_health_rows(archive: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(archive, copy)
    crawl_index = tmp_path / "crawl-index.db"
    shutil.copy(copy / "index.db", crawl_index)
    result = run_cli("reextract", "--archive", str(copy), "--workers", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    for name in ("health", "warc_files", "extraction_results"):
        assert rows(copy / "index.db", name) == rows(crawl_index, name), name
    assert health("--archive", str(copy)).output == health("--archive", str(archive)).output


def test_datasette_shows_the_same_figures(archive: Path) -> None:
    from archive.serve import datasette_app

    async def run() -> tuple[list[dict], int]:
        ds = datasette_app(archive)
        await ds.invoke_startup()
        canned = await ds.client.get("/index/extraction_health.json?source=trtworld"
                                     "&_shape=array")
        page = await ds.client.get("/index/health")
        return canned.json(), page.status_code

    canned, status = asyncio.run(run())
    assert status == 200
    assert [r["source"] for r in canned] == [REDESIGNED, REDESIGNED]
    assert canned[0]["indexed_pct"] > 80 and canned[1]["indexed_pct"] < 40
    assert canned[1]["empty_pct"] > 50
    assert [r["median_words"] for r in canned] == [
        r["median_words"] for r in table(archive) if r["source"] == REDESIGNED]


# -- the comparison itself, on figures made up for the purpose --------------------------------


def crawl(n: int, source: str = "s", *, extracted: int = 10, articles: int = 10,
          empty: int = 0, missing_dates: int = 0, median_words: int = 400) -> CrawlHealth:
    return CrawlHealth(
        crawl=f"c{n}", started=f"2026-01-0{n}T00:00:00Z", source=source, pages_fetched=50,
        extracted=extracted, articles=articles, soft404s=0, empty=empty, failed=0,
        missing_dates=missing_dates, missing_titles=0, median_words=median_words,
        boilerplate_lines=0, boilerplate_elements=0, boilerplate_kept=0)


def test_small_changes_are_not_flagged() -> None:
    assert sharp_changes(crawl(1), crawl(2, articles=8, empty=2, median_words=250)) == []


def test_each_sharp_fall_is_named() -> None:
    changes = sharp_changes(crawl(1), crawl(2, articles=5, empty=5, missing_dates=6,
                                            median_words=150))
    assert changes == ["indexed 100% -> 50%", "empty 0% -> 50%", "missing date 0% -> 60%",
                       "median words 400 -> 150"]


def test_a_crawl_is_compared_with_the_last_good_crawl_of_enough_pages() -> None:
    rows_ = assess([crawl(1), crawl(2, extracted=1, articles=0, empty=1, median_words=3),
                    crawl(3, articles=2, empty=8, median_words=20),
                    crawl(4, articles=2, empty=8, median_words=20),
                    crawl(5, "t")])
    assert [r.compared_with for r in rows_] == ["", "", "c1", "c1", ""]
    # Too few pages to say anything; then broken twice against the last good crawl.
    assert [bool(r.flags) for r in rows_] == [False, False, True, True, False]
