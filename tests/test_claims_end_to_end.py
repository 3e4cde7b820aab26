"""Claims of a real crawl of the sample sites: found when the articles are indexed,
listed by `pressarchive claims` (their rebuild by reextract is compared row for row in
tests/test_reextract.py, tests/helpers/index_rows.py naming the claims table)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import run_cli

INA_SORTIES = "https://ina.iq/eng/9948--.html"
TRT_BLINKEN = "http://www.trtworld.com/americas/blinken-coalition-killed-more-10000-isis-militants-2429"


def claims(archive: Path, *args: str) -> list[dict]:
    result = run_cli("claims", "--archive", str(archive), "--json", *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_the_spokesman_gave_37800_sorties_in_the_ina_article(crawled_archive):
    found = claims(crawled_archive, "--counted", "sorties")
    ina = [c for c in found if c["url"] == INA_SORTIES and c["value"] == 37_800]
    assert ina, found
    assert {c["speaker"] for c in ina} >= {"Wayne Marotto"}
    assert all(c["source"] == "ina" and c["published"].startswith("2020-11-15") for c in ina)
    # Oldest article first.
    dates = [c["published"] for c in found if c["published"]]
    assert dates == sorted(dates)


def test_blinken_gave_more_than_10000(crawled_archive):
    found = claims(crawled_archive, "--speaker", "Blinken")
    assert [(c["value"], c["qualifier"], c["counted"], c["url"]) for c in found] == [
        (10_000, "more than", "militants", TRT_BLINKEN)]


def test_every_claims_row_names_its_extractor_and_article(crawled_archive):
    conn = sqlite3.connect(crawled_archive / "index.db")
    orphans = conn.execute("select count(*) from claims c where not exists "
                           "(select 1 from articles a where a.url = c.url)").fetchone()[0]
    versions = conn.execute("select distinct extractor, extractor_version, config_hash "
                            "from claims").fetchall()
    assert orphans == 0 and len(versions) == 1 and all(versions[0])
    conn.close()


def test_datasette_shows_claims_over_time_and_by_speaker(crawled_archive):
    from tests.test_serve import get_json

    rows = get_json(crawled_archive, "/index/claims_over_time.json?_shape=array"
                                     "&counted=sorties&since=")
    assert any(r["value"] == 37_800 and r["url"] == INA_SORTIES
               and r["article_page"].startswith("/index/articles/") for r in rows)
    rows = get_json(crawled_archive, "/index/claims_by_speaker.json?_shape=array"
                                     "&speaker=Blinken")
    assert [(r["value"], r["url"]) for r in rows] == [(10_000, TRT_BLINKEN)]
    assert get_json(crawled_archive, "/index/speakers.json?_shape=array")
