"""Datasette over a crawled index, with the project's metadata (real Datasette, in process)."""

from __future__ import annotations

import asyncio
import json

from datasette.app import Datasette

from archive.samplesites import seed_pages
from archive.serve import DATASETTE_METADATA, datasette_command


def get_json(archive, path: str):
    async def run():
        ds = Datasette(
            [str(archive / "index.db")],
            metadata=json.loads(DATASETTE_METADATA.read_text()),
        )
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
    assert {"source", "language", "published"} <= set(facets)
    sources = {item["value"] for item in facets["source"]["results"]}
    assert sources == {"trtworld", "france24", "ina", "chinatopix", "nina"}
    meta = get_json(crawled_archive, "/-/metadata.json")
    assert meta["title"] == "Press Archive"


def test_serve_command_uses_metadata_and_is_not_immutable(crawled_archive):
    command = datasette_command(crawled_archive, host="127.0.0.1", port=8001)
    assert str(DATASETTE_METADATA) in command
    assert "-i" not in command and "--immutable" not in command


def test_canned_queries_for_versions_and_removals_run(crawled_archive):
    from archive.samplesites import seed_pages

    url = seed_pages()["ina"].url
    rows = get_json(crawled_archive, f"/index/article_history.json?_shape=array&url={url}")
    assert [row["version"] for row in rows] == [1]
    assert get_json(crawled_archive, "/index/edited_articles.json?_shape=array") == []
    assert get_json(crawled_archive, "/index/removed_articles.json?_shape=array") == []
