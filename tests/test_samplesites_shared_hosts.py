"""Hosts several sample sites share (an outlet's editions): the server picks the site by
path, and sources.toml files every URL under the source whose site serves it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import lxml.html
import pytest

from archive.samplesites import catalog, make_server
from archive.samplesites.data import load_config
from archive.samplesites.registry import SharedHost, all_sites, sites_by_host
from archive.sources import load_sources, source_for_url
from tests.helpers.samplesites import fetch

SOURCES = load_sources()
F24 = "https://www.france24.com"


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    server = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def language(port: int, url: str) -> tuple[int, str, str]:
    got = fetch(port, url)
    root = lxml.html.fromstring(got.text)
    return got.status, root.get("lang", ""), root.get("dir", "")


def test_france24_is_routed_by_path(port: int) -> None:
    assert language(port, F24 + "/fr/") == (200, "fr", "ltr")
    assert language(port, F24 + "/fr/moyen-orient/") == (200, "fr", "ltr")
    assert language(port, F24 + "/ar/") == (200, "ar", "rtl")
    assert language(port, F24 + "/ar/middle-east/") == (200, "ar", "rtl")
    assert language(port, F24 + "/en/")[:2] == (200, "en")
    assert language(port, F24 + "/en/middle-east/")[:2] == (200, "en")
    # robots.txt and everything outside /fr/ and /ar/ come from the seed site.
    robots = fetch(port, F24 + "/robots.txt")
    assert robots.status == 200 and robots.text == load_config("france24").robots
    # Each edition answers its own missing pages, in its language.
    assert "Page introuvable" in fetch(port, F24 + "/fr/no-such-page").text
    assert "الصفحة غير موجودة" in fetch(port, F24 + "/ar/no-such-page").text
    english_404 = fetch(port, F24 + "/en/no-such-page")
    assert english_404.status == 404 and 'lang="en"' in english_404.text
    # "/free/" is not under "/fr/".
    assert fetch(port, F24 + "/free/").text == english_404.text


def test_ina_and_nina_arabic_editions_are_routed_by_path(port: int) -> None:
    assert language(port, "https://ina.iq/ar/") == (200, "ar", "rtl")
    assert language(port, "https://ina.iq/eng/")[:2] == (200, "en")
    assert fetch(port, "https://ina.iq/robots.txt").text == load_config("ina").robots
    assert language(port, "https://www.ninanews.com/ar/website/") == (200, "ar", "rtl")
    assert language(port, "https://www.ninanews.com/website/")[:2] == (200, "en")
    assert fetch(port, "https://www.ninanews.com/robots.txt").text == load_config("nina").robots


def test_every_catalog_page_on_a_shared_host_comes_from_its_site(port: int) -> None:
    shared = {host for host, site in sites_by_host().items() if isinstance(site, SharedHost)}
    assert {"www.france24.com", "ina.iq", "www.ninanews.com"} <= shared
    sites = all_sites()
    checked = set()
    for page in catalog():
        split = urlsplit(page.url)
        if split.hostname not in shared or page.kind == "archive":
            continue
        expected = sites[page.source].lookup(split.path, split.query)
        got = fetch(port, page.url)
        assert (got.status, got.body) == (expected.status, expected.body), page.url
        checked.add(page.source)
    assert {"france24", "france24_fr", "france24_ar", "ina", "ina_ar", "nina", "nina_ar"} <= checked


def test_source_for_url_files_each_catalog_url_under_the_site_that_serves_it() -> None:
    for page in catalog():
        source = source_for_url(page.url, SOURCES)
        assert source is not None and source.name == page.source, page.url
    assert source_for_url(F24 + "/robots.txt", SOURCES).name == "france24"
    assert source_for_url(F24 + "/fr/", SOURCES).name == "france24_fr"
    assert source_for_url(F24 + "/ar/", SOURCES).name == "france24_ar"
    assert source_for_url(F24 + "/sitemaps/en/news.xml", SOURCES).name == "france24"
    assert source_for_url("https://ina.iq/ar/local/1--.html", SOURCES).name == "ina_ar"
    assert source_for_url("https://ina.iq/eng/1--.html", SOURCES).name == "ina"
