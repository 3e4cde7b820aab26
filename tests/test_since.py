"""Back-fills: `pressarchive crawl --since DATE` (and PRESSARCHIVE_SINCE for `scrapy crawl`)
reaches into the sites' own past through listings, sitemap indexes and dated archive pages.

The crawls run Scrapy's real downloader against the sample sites at a small scale
(generated stories older than the sites' own, archive/samplesites/scale.py), with a
sources file that keeps only the discovery route a test is about, and read what was
requested from the index's capture rows (one per archived response).
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import lxml.etree
import lxml.html
import pytest
import scrapy

from archive.backfill.window import Window, make_window
from archive.dated_urls import check_template, dated_urls, expand
from archive.errors import ConfigError
from archive.listed_dates import check_format, parse_listed_date
from archive.samplesites import catalog, make_server
from archive.sources import load_sources
from crawler.backfill import ListingWalk
from tests.conftest import run_cli
from tests.helpers.crawls import SCRAPY, rows, scrapy_crawl
from tests.helpers.samplesites import NS, XML_PARSER, fetch

F24 = "https://www.france24.com"
ARTICLE_PATTERN = r"'^https?://www\.france24\.com/en/(?:[^/?#]+/)*\d{8}-[^/?#]+/?$'"
DAY_URL = F24 + "/en/archives/{yyyy}/{mm}/{dd}-{Month}-{yyyy}"
SMALL, LARGE = 40, 1001  # scales: 5 listing pages; a sitemap index of two children


# -- the pieces ------------------------------------------------------------------------------


def test_dated_urls_spell_each_day_as_the_site_does() -> None:
    day = date(2021, 11, 5)
    assert expand(DAY_URL, day, "en") == F24 + "/en/archives/2021/11/05-November-2021"
    assert expand(F24 + "/fr/archives/{yyyy}/{mm}/{dd}-{month}-{yyyy}", date(2021, 2, 15),
                  "fr") == F24 + "/fr/archives/2021/02/15-février-2021"
    assert expand(F24 + "/ar/أرشيف/{yyyy}/{mm}/{dd}-{Month}-{yyyy}", date(2022, 1, 26),
                  "ar") == F24 + "/ar/أرشيف/2022/01/26-يناير-2022"
    assert expand("https://www.aljazeera.com/sitemap.xml?yyyy={yyyy}&mm={mm}&dd={dd}", day,
                  "en") == "https://www.aljazeera.com/sitemap.xml?yyyy=2021&mm=11&dd=05"
    assert expand("https://x.org/{yyyy}/{m}/{d}/", day, "en") == "https://x.org/2021/11/5/"


def test_dated_urls_go_back_from_the_last_day_and_a_monthly_template_gives_one_a_month():
    urls = list(dated_urls([DAY_URL], date(2015, 1, 30), date(2015, 2, 2), "en"))
    assert [u.rsplit("/", 1)[1] for u in urls] == [
        "02-February-2015", "01-February-2015", "31-January-2015", "30-January-2015"]
    monthly = "https://x.org/sitemaps/contents_{yyyy}{mm}.xml"
    assert list(dated_urls([monthly], date(2015, 1, 30), date(2015, 3, 1), "en")) == [
        "https://x.org/sitemaps/contents_201503.xml", "https://x.org/sitemaps/contents_201502.xml",
        "https://x.org/sitemaps/contents_201501.xml"]


@pytest.mark.parametrize(("template", "language", "says"), [
    ("https://x.org/{yyy}/", "en", "unknown placeholder {yyy}"),
    ("https://x.org/{YYYY}/", "en", "unknown placeholder {YYYY}"),
    ("https://x.org/archive/", "en", "no date placeholder"),
    ("https://x.org/{yyyy}/{mm", "en", "unbalanced brace"),
    ("https://x.org/{yyyy}/{Month}", "de", "there are none for language 'de'"),
])
def test_a_bad_template_is_refused(template: str, language: str, says: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        check_template(template, language)
    assert says in str(info.value)


def test_listed_dates_are_read_with_the_sources_formats() -> None:
    today = date(2020, 6, 10)
    assert parse_listed_date(" 26/01/2015 ", ("%d/%m/%Y",), "en", today) == date(2015, 1, 26)
    assert parse_listed_date("26/01/2015 - 10:00", ("%d/%m/%Y",), "en", today) == date(
        2015, 1, 26)  # the format matches the start of the text
    assert parse_listed_date("Jul 28, 2015", ("%b %d, %Y",), "en", today) == date(2015, 7, 28)
    assert parse_listed_date("15-11-2020, 13:12", ("%d-%m-%Y, %H:%M",), "en", today) == date(
        2020, 11, 15)
    assert parse_listed_date("15 novembre 2021", ("%d %B %Y",), "fr", today) == date(
        2021, 11, 15)
    formats = ("%b %d, %Y", "ago")
    assert parse_listed_date("3 days ago", formats, "en", today) == date(2020, 6, 7)
    assert parse_listed_date("5 hours ago", formats, "en", today) == today
    assert parse_listed_date("Yesterday", formats, "en", today) == date(2020, 6, 9)
    assert parse_listed_date("Breaking", formats, "en", today) is None
    assert parse_listed_date("13/28/2015", ("%d/%m/%Y",), "en", today) is None


def test_listed_dates_in_eastern_digits_and_arabic_month_names() -> None:
    today = date(2021, 6, 10)
    assert parse_listed_date("١٥/١١/٢٠٢٠", ("%d/%m/%Y",), "ar", today) == date(2020, 11, 15)
    assert parse_listed_date("١٧ أكتوبر ٢٠١٦", ("%d %B %Y",), "ar", today) == date(2016, 10, 17)
    printed = ("printed",)
    assert parse_listed_date("15 تشرين الثاني 2020", printed, "ar", today) == date(2020, 11, 15)
    assert parse_listed_date("١٤ تموز/يوليو ٢٠١٥", printed, "ar", today) == date(2015, 7, 14)
    assert parse_listed_date("3 décembre 2014", printed, "fr", today) == date(2014, 12, 3)
    # Never after the day the listing is read.
    assert parse_listed_date("15 تشرين الثاني 2022", printed, "ar", today) is None


@pytest.mark.parametrize(("fmt", "says"), [
    ("%Q", "not a date format"), ("%m/%Y", "whole date"), ("%d %B", "whole date"),
    ("Today", "whole date"),
])
def test_a_date_format_that_cannot_give_a_day_is_refused(fmt: str, says: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        check_format(fmt)
    assert says in str(info.value)
    for good in ("%d/%m/%Y", "%b %d, %Y", "%Y-%m-%dT%H:%M:%S%z", "ago"):
        check_format(good)


def test_the_window() -> None:
    today = date(2020, 6, 10)
    assert make_window("", "", today) is None
    assert make_window("2015-01-01", "", today) == Window(date(2015, 1, 1), today)
    assert make_window("2015-01-01", "2015-02-01", today).until == date(2015, 2, 1)
    assert make_window("2015-01-01", "2030-01-01", today).until == today  # no future days
    for since, until, says in (("July", "", "--since must be a date YYYY-MM-DD, got 'July'"),
                               ("2015-01-01", "soon", "--until must be a date"),
                               ("", "2015-01-01", "--until needs --since"),
                               ("2015-02-01", "2015-01-01", "is before --since"),
                               ("2020-06-11", "", "is after today")):
        with pytest.raises(ValueError, match=None) as info:
            make_window(since, until, today)
        assert says in str(info.value)
    window = Window(date(2015, 1, 26), today)
    assert window.published_before("2015-01-25T23:59:00+01:00")
    assert not window.published_before("2015-01-26")
    assert not window.published_before("") and not window.published_before("someday")


def test_a_listing_is_followed_while_a_dated_item_is_recent_enough() -> None:
    walk = ListingWalk(Window(date(2015, 1, 26), date(2020, 1, 1)), hard_cap=50)
    recent, old = date(2015, 1, 26), date(2015, 1, 25)
    assert walk.stop_reason(9, [old, recent], max_listing_pages=5) == ""
    assert walk.stop_reason(9, [old, old], max_listing_pages=5) == "listing_reached_since"
    # No date on the page: the source's max_listing_pages bounds the walk, as without --since.
    assert walk.stop_reason(4, [], max_listing_pages=5) == ""
    assert walk.stop_reason(5, [], max_listing_pages=5) == "listing_undated_cap"
    # Whatever the dates say, never past the hard cap.
    assert walk.stop_reason(50, [recent], max_listing_pages=5) == "listing_hard_cap"


def sources_file(tmp_path: Path, **fields: str) -> Path:
    """France 24 with only the discovery routes given (TOML values)."""
    values = {"name": '"france24"', "title": '"France 24"', "language": '"en"',
              "hosts": '["www.france24.com", "france24.com"]',
              "article_patterns": f"[{ARTICLE_PATTERN}]", **fields}
    path = tmp_path / "sources.toml"
    path.write_text("[[source]]\n" + "".join(f"{k} = {v}\n" for k, v in values.items()))
    return path


def test_a_bad_placeholder_names_the_file_the_source_and_the_field(tmp_path: Path) -> None:
    path = sources_file(tmp_path, daily_archives=f'["{F24}/en/archives/{{yyyy}}/{{day}}"]')
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert str(info.value).startswith(
        f"{path}: [[source]] #1 'france24': daily_archives[0]: unknown placeholder {{day}} in ")
    path = sources_file(tmp_path, language='"de"', daily_sitemaps='["https://x.org/{Month}"]')
    with pytest.raises(ConfigError, match=r"daily_sitemaps\[0\]: .* language 'de'"):
        load_sources(path)
    path = sources_file(tmp_path, listing_date_xpath='"//time"')
    with pytest.raises(ConfigError, match="listing_date_xpath and listing_date_formats go"):
        load_sources(path)
    path = sources_file(tmp_path, listing_date_xpath='"//time"', listing_date_formats='["%m/%Y"]')
    with pytest.raises(ConfigError, match=r"listing_date_formats\[0\]: .*whole date"):
        load_sources(path)


def test_a_bad_since_setting_is_one_line_for_scrapy_crawl() -> None:
    result = subprocess.run(
        [str(SCRAPY), "crawl", "france24", "-s", "PRESSARCHIVE_SINCE=July",
         "-s", "PRESSARCHIVE_VIA=http://127.0.0.1:9"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 4
    assert result.stderr.strip().splitlines() == [
        "Error: PRESSARCHIVE_SINCE must be a date YYYY-MM-DD, got 'July'"]


# -- crawls of the sample sites ----------------------------------------------------------------


def serve(scale: int) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, scale=scale)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def small_sites() -> Iterator[str]:
    yield from serve(SMALL)


@pytest.fixture(scope="module")
def large_sites() -> Iterator[str]:
    yield from serve(LARGE)


def crawl(archive: Path, via: str, sources: Path, *args: str) -> None:
    result = run_cli("crawl", "--archive", str(archive), "--via", via, "--delay", "0",
                     "--workers", "1", "--sources-file", str(sources), *args)
    assert result.returncode == 0, result.stderr[-3000:]


def captured(archive: Path) -> dict[str, int]:
    return dict(rows(archive, "select url, status from captures"))


def indexed(archive: Path) -> set[str]:
    return {url for (url,) in rows(archive, "select url from articles")}


LISTING = {"sections": f'["{F24}/en/middle-east/"]',
           "listing_patterns": r"['^https?://www\.france24\.com/en/middle-east/\?page=\d+$']",
           "max_listing_pages": "2",
           "listing_date_xpath": "\"//ul[contains(@class,'list-articles')]//span[@class='date']\"",
           "listing_date_formats": '["%d/%m/%Y"]'}


def listing_pages(scale: int) -> list[str]:
    return [p.url for p in catalog(scale=scale) if p.kind == "listing" and p.source == "france24"]


def test_since_older_than_everything_reaches_the_oldest_story_through_pagination(
    small_sites: str, tmp_path: Path,
) -> None:
    pages = listing_pages(SMALL)
    assert len(pages) == 5  # more than the source's max_listing_pages (2)
    stories = [p for p in catalog(scale=SMALL) if p.source == "france24" and p.kind == "article"
               and "/middle-east/" in p.url]
    oldest = min(stories, key=lambda p: p.published)
    archive = tmp_path / "a"
    crawl(archive, small_sites, sources_file(tmp_path, **LISTING), "--since", "2000-01-01")
    got = captured(archive)
    assert all(got.get(url) == 200 for url in pages), sorted(got)
    assert oldest.url in indexed(archive)
    assert {p.url for p in stories} <= indexed(archive)


def test_since_recent_stops_early_and_works_through_the_scrapy_setting(
    small_sites: str, tmp_path: Path,
) -> None:
    pages = listing_pages(SMALL)
    # The newest item of page 2 is older than the oldest of page 1: a --since just after
    # it leaves page 2 with nothing recent enough, so page 3 must not be requested.
    page2 = lxml.html.fromstring(fetch(int(small_sites.rsplit(":", 1)[1]), pages[1]).text)
    shown = page2.xpath("//ul[contains(@class,'list-articles')]//span[@class='date']/text()")
    newest = max(date(int(y), int(m), int(d)) for d, m, y in (s.split("/") for s in shown))
    since = newest + timedelta(days=1)
    archive = tmp_path / "a"
    process = scrapy_crawl(archive, small_sites, "france24",
                           PRESSARCHIVE_SOURCES_FILE=str(sources_file(tmp_path, **LISTING)),
                           PRESSARCHIVE_SINCE=since.isoformat())
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-3000:]
    got = captured(archive)
    assert got.get(pages[0]) == 200 and got.get(pages[1]) == 200
    assert not set(pages[2:]) & set(got), sorted(got)
    assert "'discovery/listing_reached_since': 1" in stderr


def test_the_hard_cap_ends_a_back_fill_walk_whatever_the_dates_say(
    small_sites: str, tmp_path: Path,
) -> None:
    pages = listing_pages(SMALL)
    archive = tmp_path / "a"
    process = scrapy_crawl(archive, small_sites, "france24",
                           PRESSARCHIVE_SOURCES_FILE=str(sources_file(tmp_path, **LISTING)),
                           PRESSARCHIVE_SINCE="2000-01-01",
                           PRESSARCHIVE_SINCE_MAX_LISTING_PAGES="3")
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-3000:]
    got = captured(archive)
    assert all(got.get(url) == 200 for url in pages[:3])
    assert not set(pages[3:]) & set(got)
    warnings = [line for line in stderr.splitlines() if " WARNING " in line]
    assert len(warnings) == 1 and "PRESSARCHIVE_SINCE_MAX_LISTING_PAGES = 3" in warnings[0]


def test_daily_archive_pages_of_the_window_are_requested_and_their_stories_indexed(
    small_sites: str, tmp_path: Path,
) -> None:
    site = catalog(scale=SMALL)
    first, last = date(2014, 11, 26), date(2014, 12, 3)
    window = {first + timedelta(days=n) for n in range((last - first).days + 1)}
    stories = [p for p in site if p.source == "france24" and p.kind in ("article", "unrelated")]
    inside = {p.url for p in stories if date.fromisoformat(p.published[:10]) in window}
    older = {p.url for p in stories if date.fromisoformat(p.published[:10]) < first}
    assert len(inside) >= 10 and older
    archive = tmp_path / "a"
    crawl(archive, small_sites, sources_file(tmp_path, daily_archives=f'["{DAY_URL}"]'),
          "--since", first.isoformat(), "--until", last.isoformat())
    got = captured(archive)
    days = [u for u in got if "/en/archives/" in u]
    assert sorted(days) == sorted(expand(DAY_URL, day, "en") for day in window)
    assert all(got[u] == 200 for u in days)
    assert inside <= indexed(archive)
    # Older stories are on no page of the window (the sidebar shows the site's own newest).
    assert not older & indexed(archive)


@pytest.fixture(scope="module")
def sites() -> Iterator[str]:
    yield from serve(0)


def editions_file(tmp_path: Path, *names: str, list_xpath: str | None = None) -> Path:
    """Editions of settings/sources.toml with their dated archive pages as their only route
    (`list_xpath`: another daily_archive_xpath than theirs)."""
    text = ""
    for name in names:
        source = load_sources()[name]
        values = {"name": name, "title": source.title, "language": source.language,
                  "hosts": list(source.hosts), "paths": list(source.paths),
                  "article_patterns": list(source.article_patterns),
                  "daily_archives": list(source.daily_archives),
                  "daily_archive_xpath": source.daily_archive_xpath
                  if list_xpath is None else list_xpath}
        # JSON strings and arrays are TOML ones (\uXXXX escapes included).
        text += "[[source]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
    path = tmp_path / "sources.toml"
    path.write_text(text)
    return path


def test_the_french_and_arabic_editions_back_fill_through_their_own_day_pages(
    sites: str, tmp_path: Path,
) -> None:
    """One crawl of both editions (one crawl keeps the test short) over two days of
    December 2014: /fr/archives/2014/12/03-d%C3%A9cembre-2014 lists the French story of the
    3rd; the Arabic days, /ar/أرشيف/2014/12/0N-ديسمبر-2014, answer with empty lists (that
    each Arabic story is on its day's page: tests/test_samplesites.py)."""
    names, first, last = ("france24_fr", "france24_ar"), date(2014, 12, 2), date(2014, 12, 3)
    site = [p for p in catalog() if p.source in names]
    story = next(p.url for p in site if p.source == "france24_fr"
                 and p.published.startswith("2014-12-03"))
    listed_day = next(p.url for p in site if p.kind == "archive" and "/2014/12/03-" in p.url)
    assert listed_day.endswith("/fr/archives/2014/12/03-d%C3%A9cembre-2014")
    archive = tmp_path / "a"
    crawl(archive, sites, editions_file(tmp_path, *names),
          "--since", first.isoformat(), "--until", last.isoformat())
    got = captured(archive)
    # Each edition's own month names, percent-encoded UTF-8 as Scrapy sends them: a 200 a day.
    expected = {scrapy.Request(expand(template, first + timedelta(days=n), lang)).url
                for name, lang in zip(names, ("fr", "ar"), strict=True)
                for template in load_sources()[name].daily_archives for n in range(2)}
    assert len(expected) == 4 and listed_day in expected
    assert (F24 + "/ar/%D8%A3%D8%B1%D8%B4%D9%8A%D9%81/2014/12/02-%D8%AF%D9%8A%D8%B3%D9%85%D8%A8"
            "%D8%B1-2014") in expected
    days = {u for u in got if "/2014/12/0" in u}
    assert days == expected and all(got[u] == 200 for u in days), got
    # No feed, sitemap or listing in this sources file: the stories came from the day pages,
    # from the day's list only (daily_archive_xpath), not their "most read" sidebars.
    window = {p.url for p in site if p.kind in ("article", "unrelated")
              and first.isoformat() <= p.published[:10] <= last.isoformat()}
    assert story in window
    assert indexed(archive) == window


def test_a_day_page_without_its_list_is_followed_whole_and_counted(
    sites: str, tmp_path: Path,
) -> None:
    """A redesign moved the day's list: all the page's links are followed (a window then
    takes in the sidebar's stories, and loses none), and it is said."""
    day = date(2014, 12, 3)
    archive = tmp_path / "a"
    result = run_cli("crawl", "--archive", str(archive), "--via", sites, "--delay", "0",
                     "--workers", "1", "--sources-file", str(editions_file(
                         tmp_path, "france24_fr", list_xpath='//ul[@class="o-day-list"]')),
                     "--since", day.isoformat(), "--until", day.isoformat())
    assert result.returncode == 0, result.stderr[-3000:]
    assert "no //ul[@class=\"o-day-list\"] on the dated archive page" in result.stderr
    story = next(p.url for p in catalog() if p.source == "france24_fr"
                 and p.published.startswith("2014-12-03"))
    assert story in indexed(archive)
    assert len(indexed(archive)) > 1  # the sidebar's stories came in too


def test_sitemap_index_children_and_urls_older_than_since_are_skipped(
    large_sites: str, tmp_path: Path,
) -> None:
    port = int(large_sites.rsplit(":", 1)[1])
    index = F24 + "/sitemaps/en/news.xml"
    root = lxml.etree.fromstring(fetch(port, index).body, XML_PARSER)
    children = [(s.findtext("sm:loc", namespaces=NS), s.findtext("sm:lastmod", namespaces=NS))
                for s in root.findall("sm:sitemap", NS)]
    assert len(children) == 2 and children[1][1] < children[0][1]
    fresh, stale = children
    listed = lxml.etree.fromstring(fetch(port, fresh[0]).body, XML_PARSER)
    dated = {u.findtext("sm:loc", namespaces=NS): u.findtext(
        "news:news/news:publication_date", namespaces=NS)[:10] for u in listed.findall(
        "sm:url", NS)}
    # The day of the 30th newest story: the older child last changed long before it.
    since = date.fromisoformat(sorted(dated.values(), reverse=True)[30])
    assert date.fromisoformat(stale[1][:10]) < since
    expected = {url for url, day in dated.items() if day >= since.isoformat()}
    assert 30 < len(expected) < 40
    archive = tmp_path / "a"
    crawl(archive, large_sites,
          sources_file(tmp_path, sitemaps=f'["{index}"]'), "--since", since.isoformat())
    got = captured(archive)
    assert got.get(index) == 200 and got.get(fresh[0]) == 200
    assert stale[0] not in got
    articles = {u for u in got if u in dated}
    assert articles == expected
