from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from archive.errors import ConfigError
from archive.sources import DEFAULT_SOURCES_FILE, load_sources, source_for_url
from tests.conftest import REPO

SEED_URLS = {
    "trtworld": "http://www.trtworld.com/americas/blinken-coalition-killed-more-10000-isis-militants-2429",
    "france24": "https://www.france24.com/en/20141203-kerry-coalition-islamic-state-brussels-nato-iraq",
    "ina": "https://ina.iq/eng/9948--.html",
    "nina": "https://www.ninanews.com/Website/News/Details?key=1313421",
}


def test_the_five_seed_sources_are_configured():
    sources = load_sources()
    assert {"trtworld", "france24", "ina", "chinatopix", "nina"} <= set(sources)
    for source in sources.values():
        assert source.start_urls, source.name
    for name in ("trtworld", "france24", "ina", "chinatopix", "nina"):
        assert sources[name].language == "en"


@pytest.mark.parametrize(("name", "url"), SEED_URLS.items())
def test_real_article_urls_match_their_source(name, url):
    sources = load_sources()
    assert sources[name].is_article(url)
    assert source_for_url(url, sources).name == name


def test_non_article_urls_are_not_articles():
    sources = load_sources()
    assert not sources["trtworld"].is_article(
        "https://www.trtworld.com/video/news/turkiye-switches-to-sustainable-tourism-16067690")
    assert not sources["france24"].is_article("https://www.france24.com/en/middle-east/")
    assert not sources["nina"].is_article("https://www.ninanews.com/Website/News/Details")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[source]]\nname='x'\n", "missing title, language, hosts"),
        ("[[source]]\nname='x'\ntitle='X'\nlanguage='en'\nhosts=['x.org']\nfeeds='a'\n",
         "feeds must be a list"),
        ("[[source]]\nname='x'\ntitle='X'\nlanguage='en'\nhosts=['x.org']\n"
         "article_patterns=['(']\n", "bad regex in article_patterns"),
        ("[[source]]\nname='x'\ntitle='X'\nlanguage='en'\nhosts=['x.org']\ncolour='red'\n",
         "unknown field(s) colour"),
        ("[[source]]\nname='x'\ntitle='X'\nlanguage='ar'\nhosts=['x.org']\n"
         "[source.extraction]\ndate_xpaths=['//time[']\n",
         "bad XPath in extraction.date_xpaths[0]"),
        ("[[source]\n", "sources.toml"),
        ("", "no [[source]] blocks"),
    ],
)
def test_bad_configuration_is_one_clear_error(tmp_path, text, message):
    with pytest.raises(ConfigError, match=None) as info:
        load_sources(write(tmp_path, text))
    assert message in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="sources file not found"):
        load_sources(tmp_path / "nope.toml")


def scrapy_list(*args: str) -> list[str]:
    scrapy = Path(sys.executable).with_name("scrapy")
    out = subprocess.run([str(scrapy), "list", *args], cwd=REPO, capture_output=True,
                         text=True, check=True)
    return out.stdout.split()


def test_scrapy_list_shows_one_spider_per_source():
    assert scrapy_list() == sorted(load_sources())


def test_adding_a_source_is_a_configuration_block(tmp_path):
    extra = DEFAULT_SOURCES_FILE.read_text() + """
[[source]]
name = "example-news"
title = "Example News"
language = "en"
hosts = ["www.example-news.net"]
feeds = ["https://www.example-news.net/rss"]
article_patterns = ['^https://www\\.example-news\\.net/(news|opinion)/[a-z0-9-]+$']
"""
    path = write(tmp_path, extra)
    assert "example-news" in scrapy_list("-s", f"PRESSARCHIVE_SOURCES_FILE={path}")


def test_every_source_field_is_documented_in_the_sources_file():
    from archive.sources import _EXTRACTION_FIELDS, _SOURCE_FIELDS

    header = DEFAULT_SOURCES_FILE.read_text().split("\n[[source]]", 1)[0]
    documented = set(re.findall(r"^#\s+([a-z0-9_]+)\s", header, re.M))
    assert set(_SOURCE_FIELDS) | set(_EXTRACTION_FIELDS) <= documented
    readme = (REPO / "README.md").read_text()
    for name in ("listing_date_xpath", "listing_date_formats", "daily_archives",
                 "daily_sitemaps"):
        assert f"`{name}`" in readme, name


SHARED_HOST = """
[[source]]
name = "f24en"
title = "France 24"
language = "en"
hosts = ["www.france24.com"]

[[source]]
name = "f24fr"
title = "France 24 (French)"
language = "fr"
hosts = ["www.france24.com"]
paths = ["/fr/"]

[[source]]
name = "f24ar"
title = "France 24 (Arabic)"
language = "ar"
hosts = ["www.france24.com"]
paths = ["/ar/", "/ar/live/"]
"""


def test_editions_sharing_a_host_own_their_paths(tmp_path):
    sources = load_sources(write(tmp_path, SHARED_HOST))
    owners = {
        "https://www.france24.com/fr/moyen-orient/20141203-kerry": "f24fr",
        "https://www.france24.com/fr": "f24fr",
        "https://www.france24.com/ar/20141203-x": "f24ar",
        "https://www.france24.com/ar/live/": "f24ar",
        "https://www.france24.com/en/20141203-kerry": "f24en",
        "https://www.france24.com/robots.txt": "f24en",
        "https://www.france24.com/free/": "f24en",  # not under /fr/
    }
    for url, name in owners.items():
        assert source_for_url(url, sources).name == name, url
        # Each source answers alone as source_for_url does over all of them.
        assert [s.name for s in sources.values() if s.owns(url)] == [name], url


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace('paths = ["/fr/"]\n', ""), "share www.france24.com and neither"),
    (lambda t: t.replace('paths = ["/ar/", "/ar/live/"]', 'paths = ["/fr/"]'),
     "both claim /fr/"),
    (lambda t: t.replace('paths = ["/fr/"]', 'paths = ["fr"]'), "beginning and ending with '/'"),
])
def test_shared_host_mistakes_are_one_clear_error(tmp_path, edit, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_sources(write(tmp_path, edit(SHARED_HOST)))
