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
    assert set(sources) == {"trtworld", "france24", "ina", "chinatopix", "nina"}
    for source in sources.values():
        assert source.start_urls, source.name
        assert source.language == "en"


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
    assert scrapy_list() == ["chinatopix", "france24", "ina", "nina", "trtworld"]


def test_adding_a_source_is_a_configuration_block(tmp_path):
    extra = DEFAULT_SOURCES_FILE.read_text() + """
[[source]]
name = "middleeasteye"
title = "Middle East Eye"
language = "en"
hosts = ["www.middleeasteye.net"]
feeds = ["https://www.middleeasteye.net/rss"]
article_patterns = ['^https://www\\.middleeasteye\\.net/(news|opinion)/[a-z0-9-]+$']
"""
    path = write(tmp_path, extra)
    assert "middleeasteye" in scrapy_list("-s", f"PRESSARCHIVE_SOURCES_FILE={path}")


def test_every_source_field_is_documented_in_the_sources_file():
    from archive.sources import _EXTRACTION_FIELDS, _SOURCE_FIELDS

    header = DEFAULT_SOURCES_FILE.read_text().split("\n[[source]]", 1)[0]
    documented = set(re.findall(r"^#\s+([a-z0-9_]+)\s", header, re.M))
    assert set(_SOURCE_FIELDS) | set(_EXTRACTION_FIELDS) <= documented
    readme = (REPO / "README.md").read_text()
    for name in ("listing_date_xpath", "listing_date_formats", "daily_archives",
                 "daily_sitemaps"):
        assert f"`{name}`" in readme, name
