"""Datasette over a crawled index, as `pressarchive serve` builds it (real Datasette)."""

from __future__ import annotations

import asyncio
import sys

import pytest

from archive.errors import PressArchiveError
from archive.samplesites import seed_pages
from archive.serve import datasette_app, datasette_command
from archive.sources import load_sources


def get_json(archive, path: str):
    async def run():
        ds = datasette_app(archive)
        await ds.invoke_startup()
        response = await ds.client.get(path)
        assert response.status_code == 200, response.text[:500]
        return response.json()

    return asyncio.run(run())


def test_datasette_search_box_finds_the_trt_world_article(crawled_archive):
    rows = get_json(crawled_archive, "/index/articles.json?_search=Ramadi&_shape=array")
    assert seed_pages()["trtworld"].url in {row["url"] for row in rows}


def test_metadata_gives_title_and_facets(crawled_archive):
    data = get_json(crawled_archive, "/index/articles.json")
    facets = data["facet_results"]
    # Only the indexed `source` and `topic` by default; the others time out on a large
    # index.
    assert set(facets) == {"source", "topic"}
    sources = {item["value"] for item in facets["source"]["results"]}
    assert sources == set(load_sources())
    # Newest captured first: the order SQLite gives a table search without
    # looking every match up.
    order = [row["seq"] for row in get_json(crawled_archive, "/index/articles.json?_shape=array")]
    assert order == sorted(order, reverse=True) and len(order) > 5
    # Other facets on request.
    data = get_json(crawled_archive, "/index/articles.json?_facet=language&_facet_date=published")
    assert {"source", "language", "published"} <= set(data["facet_results"])
    meta = get_json(crawled_archive, "/-/metadata.json")
    assert meta["title"] == "Press Archive"


def test_serve_command_runs_the_app_the_tests_use_and_it_is_not_immutable(crawled_archive):
    command = datasette_command(crawled_archive, host="127.0.0.1", port=8001)
    assert command[:3] == [sys.executable, "-m", "archive.serve"]
    assert str(crawled_archive) in command and "8001" in command
    # The crawl keeps writing to the index: Datasette must not cache it as immutable.
    assert datasette_app(crawled_archive).databases["index"].is_mutable


def test_serving_an_archive_without_index_is_one_clear_line(tmp_path):
    for call in (lambda: datasette_app(tmp_path),
                 lambda: datasette_command(tmp_path, host="127.0.0.1", port=8001)):
        with pytest.raises(PressArchiveError, match="no index at") as err:
            call()
        assert "\n" not in str(err.value)


def test_canned_queries_for_versions_and_removals_run(crawled_archive):
    from archive.samplesites import seed_pages

    url = seed_pages()["ina"].url
    rows = get_json(crawled_archive, f"/index/article_history.json?_shape=array&url={url}")
    assert [row["version"] for row in rows] == [1]
    assert get_json(crawled_archive, "/index/edited_articles.json?_shape=array") == []
    assert get_json(crawled_archive, "/index/removed_articles.json?_shape=array") == []
