"""The `search` canned query through Datasette's real app, as `pressarchive serve` builds it,
on a fresh index: same hits as `pressarchive search`, filters, hostile input."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from archive.index.search import RANK_WINDOW, ranked_search_sql, search
from archive.index.writer import IndexWriter
from archive.serve import (
    DATASETTE_METADATA,
    DATASETTE_SETTINGS,
    datasette_app,
    datasette_command,
    warm_up,
)
from tests.helpers.search_corpus import article

# More articles than the ranking window, so that a common word is ranked approximately.
ROWS = RANK_WINDOW + 400


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    archive = tmp_path_factory.mktemp("archive")
    index = IndexWriter(archive / "index.db")
    with index.batch():
        for i in range(ROWS):
            index.add_article(article(i))
    index.close()
    return archive


def get(archive: Path, path: str) -> tuple[int, Any]:
    async def run() -> tuple[int, Any]:
        ds = datasette_app(archive)
        await ds.invoke_startup()
        response = await ds.client.get(path)
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.status_code, response.json()
        return response.status_code, response.text

    return asyncio.run(run())


def canned(archive: Path, **params: str) -> list[dict]:
    status, rows = get(archive, f"/index/search.json?{urlencode({**params, '_shape': 'array'})}")
    assert status == 200, rows
    return rows


CASES = [
    {"q": "ramadi"},                                   # exact: fewer matches than the window
    {"q": "mosul"},                                    # approximate: every row matches
    {"q": "Ramadi MOSUL"},                             # all words
    {"q": '"Haider al Abadi"'},                        # a phrase stays a phrase
    {"q": "mosul", "source": "nina"},
    {"q": "ramadi", "since": "2022-01-01"},
    {"q": "mosul", "source": "ina", "since": "2023-01-01"},
    {"q": "ramadi", "source": "nosuchsource"},
]


@pytest.mark.parametrize("params", CASES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_canned_query_returns_what_pressarchive_search_returns(archive: Path, params: dict) -> None:
    rows = canned(archive, **params)
    hits = search(archive / "index.db", params["q"], source=params.get("source"),
                  since=params.get("since"))
    assert [r["url"] for r in rows] == [h.url for h in hits]
    assert [r["rank"] for r in rows] == [h.rank for h in hits]
    assert [r["snippet"] for r in rows] == [h.snippet for h in hits]
    assert [bool(r["approximate"]) for r in rows] == [h.approximate for h in hits]
    if params.get("source") != "nosuchsource":
        assert len(rows) == 20


def test_filters_and_the_approximate_flag(archive: Path) -> None:
    rows = canned(archive, q="mosul", source="nina", since="2020-01-01")
    assert {r["source"] for r in rows} == {"nina"}
    assert all(r["published"] >= "2020-01-01" for r in rows)
    # Every row matches "mosul": more matches than the window, so the ranking says so.
    assert all(r["approximate"] == 1 for r in canned(archive, q="mosul"))
    assert all(r["approximate"] == 0 for r in canned(archive, q="ramadi"))
    # Title matches weigh more: the "Ramadi report" titles come first.
    assert canned(archive, q="ramadi")[0]["title"].startswith("Ramadi report")
    assert "[Ramadi]" in canned(archive, q="ramadi")[0]["snippet"]
    assert canned(archive, q="ramadi", source="nosuchsource") == []


def test_a_phrase_of_common_words_is_looked_for_among_the_newest_and_ranked_by_its_words(
        archive: Path) -> None:
    """Every article contains haider, al and abadi; one in seven the phrase."""
    import sqlite3

    db = archive / "index.db"
    phrase = '"Haider al Abadi"'
    exact = search(db, phrase, limit=1000)
    assert len(exact) == len(range(0, ROWS, 7)) and not exact[0].approximate
    # The words occur together in more than filter_scan articles: the phrase is looked
    # for among the filter_scan newest of them, and ranked by bm25 of its words.
    hits = search(db, phrase, limit=20, window=20, filter_scan=100)
    newest = {f"https://x.org/{i}" for i in range(ROWS - 100, ROWS) if i % 7 == 0}
    assert {h.url for h in hits} == newest and all(h.approximate for h in hits)
    conn = sqlite3.connect(db)
    ids = ",".join(h.url.rsplit("/", 1)[1] for h in hits)
    by_words = conn.execute(
        "select 'https://x.org/' || (rowid - 1), bm25(articles_fts, 10.0, 1.0) from articles_fts "
        f"where articles_fts match '\"Haider\" \"al\" \"Abadi\"' and rowid - 1 in ({ids})"
    ).fetchall()
    conn.close()
    assert sorted((rank, url) for url, rank in by_words) == sorted((h.rank, h.url) for h in hits)
    assert all("[Haider al Abadi]" in h.snippet for h in hits)


@pytest.mark.parametrize("q", ['"', '"unbalanced phrase', "*", "mosul*", "NEAR(", "NEAR(a b)",
                               "a AND OR", "col:umn", "^start", "'; drop table articles; --",
                               "-", "", "   ", "x" * 1001, "ramadi) OR (mosul", "\u0000",
                               "Мосул", "title:mosul"])
def test_hostile_text_gives_rows_or_none_never_an_error(archive: Path, q: str) -> None:
    status, data = get(archive, f"/index/search.json?{urlencode({'q': q})}")
    assert status == 200, data
    assert data["ok"] is True and data["error"] is None
    hits = search_or_none(archive, q)
    assert [row[0] for row in data["rows"]] == [h.url for h in hits]


def search_or_none(archive: Path, q: str) -> list:
    from archive.errors import PressArchiveError

    try:
        return search(archive / "index.db", q)
    except PressArchiveError:
        return []  # the CLI says why (no words, too long); the canned query returns no rows


def test_hostile_text_in_the_html_form_is_a_page_not_an_error(archive: Path) -> None:
    status, html = get(archive, "/index/search?" + urlencode({"q": 'NEAR("', "source": "'"}))
    assert status == 200 and '<p class="zero-results">0 results</p>' in html


@pytest.mark.parametrize("query", ['"', "*", "NEAR(", "a AND OR", "col:umn", ""])
def test_table_search_with_hostile_text_is_not_a_server_error(archive: Path, query: str) -> None:
    status, data = get(archive, f"/index/articles.json?{urlencode({'_search': query})}")
    assert status == 200, data
    # Raw mode hands the text to FTS5 as it is: a syntax error is a 400 that says so.
    status, data = get(archive, "/index/articles.json?"
                       + urlencode({"_search": query, "_searchmode": "raw"}))
    assert status in (200, 400), data
    if status == 400:
        assert data["title"] == "Invalid SQL" and data["error"]


def test_table_search_box_reads_text_as_pressarchive_search_does(archive: Path) -> None:
    def count(text: str) -> int:
        status, data = get(archive, f"/index/articles.json?{urlencode({'_search': text})}")
        assert status == 200, data
        return data["filtered_table_rows_count"]

    assert count("Haider al Abadi") == ROWS  # every word, anywhere
    assert count('"Haider al Abadi"') == len(range(0, ROWS, 7))  # a phrase
    # Operators are words: "and" occurs only in the rows without the phrase.
    assert count("Haider AND Abadi") == ROWS - len(range(0, ROWS, 7))
    assert count("mosul*") == count('"mosul') == ROWS


def test_the_sql_is_the_librarys_never_a_copy(archive: Path) -> None:
    status, meta = get(archive, "/-/metadata.json")
    assert status == 200
    query = meta["databases"]["index"]["queries"]["search"]
    assert query["sql"] == ranked_search_sql()
    assert query["params"] == ["q", "source", "since", "topic", "synonyms"]
    on_disk = json.loads(DATASETTE_METADATA.read_text())
    assert "search" not in on_disk["databases"]["index"].get("queries", {})


def test_the_table_page_links_to_the_canned_query(archive: Path) -> None:
    status, html = get(archive, "/index/articles")
    assert status == 200
    assert 'href="/index/search"' in html
    status, html = get(archive, "/index/search")
    assert status == 200 and 'name="q"' in html and 'name="since"' in html


def test_served_settings(archive: Path) -> None:
    status, settings = get(archive, "/-/settings.json")
    assert status == 200
    for name, value in DATASETTE_SETTINGS.items():
        assert settings[name] == value, name
    assert settings["sql_time_limit_ms"] == 1000  # Datasette's default, kept


def test_table_search_of_a_common_word_answers_with_its_page(archive: Path) -> None:
    status, data = get(archive, "/index/articles.json?_search=mosul")
    assert status == 200, data
    assert len(data["rows"]) == 100 and data["filtered_table_rows_count"] == ROWS
    assert data["suggested_facets"] == []
    assert set(data["facet_results"]) == {"source", "topic"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url + "/-/versions.json", timeout=2).read()
        return True
    except OSError:
        return False


def start(command: list[str], url: str) -> subprocess.Popen:
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while not answers(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out = proc.stdout.read().decode() if proc.stdout else ""
            pytest.fail(f"the server did not start: {out[-2000:]}")
        time.sleep(0.2)
    return proc


@pytest.fixture
def served(archive: Path) -> Iterator[str]:
    """`pressarchive serve`'s command, really run."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start(datasette_command(archive, host="127.0.0.1", port=port), url)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_stopping_pressarchive_serve_stops_datasette(archive: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start([sys.executable, "-m", "archive.cli", "serve", "--archive", str(archive),
                  "--port", str(port), "--replay-port", "0"], url)
    proc.terminate()  # SIGTERM to `pressarchive serve` only, not to its child
    proc.wait(timeout=20)
    deadline = time.monotonic() + 10
    while answers(url) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not answers(url), "the Datasette child outlived `pressarchive serve`"


def test_the_served_process_answers_the_canned_query(served: str, archive: Path) -> None:
    with urllib.request.urlopen(served + "/index/search.json?q=ramadi&_shape=array") as r:
        rows = json.loads(r.read())
    assert [row["url"] for row in rows] == [h.url for h in search(archive / "index.db", "ramadi")]
    assert sys.executable in datasette_command(archive, host="127.0.0.1", port=1)


def test_warm_up_reads_an_index_with_or_without_search(archive: Path, tmp_path: Path) -> None:
    assert warm_up(archive / "index.db") >= 0
    IndexWriter(tmp_path / "index.db", search=False).close()
    assert warm_up(tmp_path / "index.db") >= 0
