"""Search over a real crawl of every sample site, as a researcher types it: an Arabic
article is found by a word of its text written without harakat, with another alef form, or
without its article, in `pressarchive search` and in Datasette's canned query; a French one
without its accents."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from archive.index.normalise import normalise_text
from archive.samplesites import SamplePage, catalog
from archive.serve import datasette_app
from archive.sources import load_sources
from tests.conftest import run_cli

HARAKAT = re.compile("[\u064b-\u0652\u0670\u0640]")  # tashkeel, superscript alef, tatweel
ALEFS = str.maketrans("أإآ", "ااا")
WORD = re.compile(r"[\w\u064b-\u0652\u0670\u0640]+")


def cli_hits(archive: Path, query: str, source: str) -> list[str]:
    result = run_cli("search", query, "--source", source, "--limit", "50", "--json",
                     "--archive", str(archive))
    assert result.returncode == 0, result.stderr
    return [json.loads(line)["url"] for line in result.stdout.splitlines()]


def datasette_hits(archive: Path, query: str, source: str) -> list[str]:
    async def run() -> Any:
        ds = datasette_app(archive)
        await ds.invoke_startup()
        params = urlencode({"q": query, "source": source, "_shape": "array"})
        response = await ds.client.get(f"/index/search.json?{params}")
        assert response.status_code == 200, response.text
        return response.json()

    return [row["url"] for row in asyncio.run(run())]


def pages_in(language: str) -> list[SamplePage]:
    sources = load_sources()
    return [p for p in catalog() if p.kind == "article"
            and sources[p.source].language == language]


def words_of(pages: list[SamplePage]) -> list[tuple[SamplePage, str]]:
    return [(page, word) for page in pages for phrase in page.phrases
            for word in WORD.findall(phrase)]


def respelled(kind: str) -> list[tuple[SamplePage, str, str]]:
    """(page, word as the page writes it, word as the query writes it), a few of each kind."""
    found = []
    for page, word in words_of(pages_in("ar")):
        bare = HARAKAT.sub("", word)
        if kind == "harakat" and bare != word and len(bare) >= 4:
            found.append((page, word, bare))
        elif kind == "alef" and len(bare) >= 4 and bare != bare.translate(ALEFS):
            found.append((page, word, bare.translate(ALEFS)))
        elif kind == "article" and bare.startswith("ال") and len(bare) >= 6:
            found.append((page, word, bare[2:]))
    # One per page, the first few pages: enough to show it, few enough to stay quick.
    by_page: dict[str, tuple[SamplePage, str, str]] = {}
    for item in found:
        by_page.setdefault(item[0].url, item)
    return list(by_page.values())[:4]


@pytest.mark.parametrize("kind", ["harakat", "alef", "article"])
def test_an_arabic_article_is_found_whatever_the_spelling(crawled_archive: Path, kind: str):
    cases = respelled(kind)
    assert cases, f"no Arabic sample article has a word with {kind} to search for"
    for page, written, typed in cases:
        assert normalise_text(typed) == normalise_text(written) or kind == "article"
        assert page.url in cli_hits(crawled_archive, typed, page.source), (written, typed)
        assert page.url in datasette_hits(crawled_archive, typed, page.source), (written, typed)


def test_a_french_article_is_found_without_its_accents(crawled_archive: Path):
    accented = [(page, word) for page, word in words_of(pages_in("fr"))
                if len(word) >= 6 and re.search("[éèêàçôûî]", word)]
    assert accented, "no French sample article has an accented word"
    for page, word in accented[:3]:
        plain = word.translate(str.maketrans("éèêàçôûî", "eeeacoui"))
        assert page.url in cli_hits(crawled_archive, plain, page.source), (word, plain)
