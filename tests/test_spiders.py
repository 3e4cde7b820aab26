"""The generic source spider: what Scrapy's runtime checks would say, checked once here,
and a WARC-only crawl that archives article pages without handing items on."""

from __future__ import annotations

import inspect

import pytest
from scrapy.utils.misc import is_generator_with_return_value

from crawler.spiders.source import SourceSpider
from tests.helpers.crawls import rows, scrapy_crawl

CALLBACKS = [name for name, member in inspect.getmembers(SourceSpider, inspect.isfunction)
             if name.startswith("parse_")]


@pytest.mark.parametrize("name", CALLBACKS)
def test_no_callback_is_a_generator_with_a_return_value(name: str) -> None:
    # crawler/settings.py turns off WARN_ON_GENERATOR_RETURN_VALUE, which redoes this
    # check (inspect.getsource + ast.parse) on almost every response.
    assert not is_generator_with_return_value(getattr(SourceSpider, name))


def test_callbacks_are_found() -> None:
    assert {"parse_article", "parse_feed", "parse_sitemap", "parse_listing"} <= set(CALLBACKS)


def test_a_warc_only_crawl_archives_articles_and_scrapes_no_items(sample_sites_url, tmp_path):
    archive = tmp_path / "a"
    process = scrapy_crawl(archive, sample_sites_url, "france24",
                           PRESSARCHIVE_INDEX_ENABLED="False")
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-3000:]
    pages = rows(archive, "select count(*) from captures where status = 200 and url glob "
                          "'https://www.france24.com/en/*[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-*'")
    assert pages[0][0] >= 3
    assert "'item_scraped_count'" not in stderr
    assert "'warc/records':" in stderr
    tables = {name for (name,) in rows(archive, "select name from sqlite_master")}
    assert "articles" in tables  # the index exists (capture rows), with no article
    assert rows(archive, "select count(*) from articles") == [(0,)]
