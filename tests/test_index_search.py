from __future__ import annotations

import dataclasses

import pytest

from archive.errors import PressArchiveError
from archive.index.schema import Capture
from archive.index.search import search, to_fts_query
from archive.index.writer import IndexWriter
from tests.helpers.rows import article


def capture(url: str, n: int) -> Capture:
    return Capture(
        url=url, source="trtworld", status=200, content_type="text/html",
        fetched_at="2026-11-21T10:00:00Z", warc_file="a.warc.gz", warc_offset=n * 100,
        warc_length=100, record_id=f"<urn:uuid:{n:08d}>", payload_digest="sha1:X",
    )


@pytest.fixture
def index(tmp_path):
    idx = IndexWriter(tmp_path / "index.db")
    yield idx
    idx.close()


def test_captures_are_recorded_once_per_record(index):
    index.add_captures([capture("https://x.org/a", 1), capture("https://x.org/b", 2)])
    index.add_captures([capture("https://x.org/a", 1)])
    assert index.counts()["captures"] == 2


def test_fts_follows_inserts_updates_and_deletes(index):
    index.add_article(article("https://x.org/a", "Ramadi falls", "ISIS captured Ramadi."))
    assert [h.url for h in search(index.path, "Ramadi")] == ["https://x.org/a"]
    index.add_article(article("https://x.org/a", "Mosul", "The battle moved to Mosul."))
    assert search(index.path, "Ramadi") == []
    assert [h.url for h in search(index.path, "Mosul")] == ["https://x.org/a"]
    assert index.counts()["articles"] == 1
    index.db["articles"].delete_where("url = ?", ["https://x.org/a"])
    assert search(index.path, "Mosul") == []


def test_article_replaces_earlier_non_article(index):
    index.add_non_article(url="https://x.org/a", source="trtworld", status="timeout", error="t",
                          title="", capture_record_id="<urn:uuid:1>", fetched_at="x")
    index.add_article(article("https://x.org/a", "T", "text words"))
    assert index.counts() == {"captures": 0, "articles": 1, "non_articles": 0}


def test_ranking_prefers_title_matches_and_snippets_mark_the_word(index):
    index.add_article(article("https://x.org/body", "Coalition meeting",
                              "Blinken spoke. " + "Other words here. " * 30))
    index.add_article(article("https://x.org/title", "Blinken: coalition killed 10,000",
                              "The deputy secretary said so. " * 5))
    hits = search(index.path, "Blinken")
    assert [h.url for h in hits] == ["https://x.org/title", "https://x.org/body"]
    assert "[Blinken]" in hits[1].snippet


def test_source_and_since_filters(index):
    index.add_article(article("https://x.org/1", "a", "coalition strikes", published="2014-12-03"))
    index.add_article(article("https://x.org/2", "b", "coalition strikes", published="2020-11-15",
                              source="ina"))
    assert [h.url for h in search(index.path, "coalition", source="ina")] == ["https://x.org/2"]
    assert [h.url for h in search(index.path, "coalition", since="2015-01-01")] == [
        "https://x.org/2"]


def test_stemming_matches_word_forms(index):
    index.add_article(article("https://x.org/1", "a", "The coalition carried out airstrikes."))
    assert search(index.path, "airstrike")


@pytest.mark.parametrize("query", ['"', "*", "NEAR(", "'; drop table articles; --", "a AND OR",
                                   "x" * 999, "col:umn", "^start"])
def test_hostile_queries_give_results_or_a_clean_message(index, query):
    index.add_article(article("https://x.org/1", "a", "text"))
    try:
        search(index.path, query)
    except PressArchiveError as exc:
        assert "\n" not in str(exc)
    assert index.counts()["articles"] == 1


def test_phrases_stay_phrases():
    assert to_fts_query('Haider "al Abadi" NEAR(') == '"Haider" AND "al Abadi" AND "NEAR"'
    with pytest.raises(PressArchiveError, match="longer than"):
        to_fts_query("x" * 1001)


def test_missing_index_is_a_clear_error(tmp_path):
    with pytest.raises(PressArchiveError, match="no index at"):
        search(tmp_path / "index.db", "x")


def test_rows_are_plain_dataclasses():
    assert dataclasses.asdict(article("u", "t", "x"))["config_hash"] == "abc"


# ---------------------------------------------------------------- bounded ranking

NAIVE = """select a.url from articles_fts join articles a on a.seq = articles_fts.rowid
           where articles_fts match ? order by bm25(articles_fts, 10.0, 1.0) limit ?"""


def _fill(index, n: int) -> None:
    """n articles; "ramadi" in every third, more often in some; "mosul" in all."""
    with index.batch():
        for i in range(n):
            body = "The coalition said Mosul. " + " ".join(
                ["Ramadi"] * (i % 7) if i % 3 == 0 else ["Other"] * 3) + " words" * (i % 11)
            index.add_article(article(f"https://x.org/{i}", f"Title {i}", body,
                                      published=f"{2014 + i % 10}-06-01",
                                      source=("ina", "nina", "trtworld")[i % 3 - 1]))


def test_rare_terms_rank_exactly_as_bm25_over_all_matches(index):
    import sqlite3

    _fill(index, 300)
    conn = sqlite3.connect(index.path)
    sql = NAIVE.replace("select a.url", "select a.url, bm25(articles_fts, 10.0, 1.0)")
    naive = conn.execute(sql, ['"ramadi"', 1000]).fetchall()
    conn.close()
    hits = search(index.path, "ramadi", limit=1000, window=2000)
    assert 50 < len(hits) == len(naive)
    assert {h.url for h in hits} == {url for url, _ in naive}
    # Same scores in the same order (rows with equal scores may come in any order).
    assert [round(h.rank, 9) for h in hits] == [round(r, 9) for _, r in naive]
    assert not any(h.approximate for h in hits)
    top = search(index.path, "ramadi", limit=10)
    assert [h.rank for h in top] == [h.rank for h in hits[:10]]


def test_capped_ranking_takes_the_newest_matches_and_says_it_is_approximate(index):
    _fill(index, 300)
    hits = search(index.path, "mosul", limit=5, window=50)
    assert len(hits) == 5 and all(h.approximate for h in hits)
    # Only the 50 newest (highest rowid) articles were ranked.
    assert all(int(h.url.rsplit("/", 1)[1]) >= 250 for h in hits)
    assert not search(index.path, "mosul", limit=5, window=300)[0].approximate


def test_filters_inside_the_window_return_the_right_rows(index):
    _fill(index, 300)
    hits = search(index.path, "mosul", source="nina", limit=30, window=60)
    assert len(hits) == 30 and {h.source for h in hits} == {"nina"}
    assert all(h.approximate for h in hits)
    # The 60 newest nina articles are rows 120..299 (one row in three).
    assert all(int(h.url.rsplit("/", 1)[1]) >= 120 for h in hits)
    assert len(search(index.path, "mosul", source="nina", limit=200)) == 100
    hits = search(index.path, "mosul", since="2023-01-01", limit=100, window=1000)
    assert hits and all(h.published >= "2023-01-01" for h in hits)
    assert len(hits) == 30 and not hits[0].approximate
    # A filter that passes few rows is looked for among filter_scan newest matches.
    few = search(index.path, "mosul", since="2023-01-01", window=5, filter_scan=40)
    assert few and all(h.published >= "2023-01-01" for h in few) and few[0].approximate
    assert all(int(h.url.rsplit("/", 1)[1]) >= 260 for h in few)


def test_snippets_mark_the_words_of_the_final_hits(index):
    _fill(index, 60)
    hits = search(index.path, "ramadi", limit=3)
    assert len(hits) == 3 and all("[Ramadi]" in h.snippet for h in hits)
    assert search(index.path, "ramadi", limit=0) == []
