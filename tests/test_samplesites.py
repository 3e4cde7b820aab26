"""The bundled sample sites: what they serve, over real HTTP, and that it matches sources.toml."""

from __future__ import annotations

import gzip
import http.client
import re
import socket
import threading
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Iterator
from datetime import date
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest

from archive.samplesites import (
    BOILERPLATE_PHRASES,
    SamplePage,
    catalog,
    make_server,
    seed_pages,
)
from archive.samplesites.data import SEED_SITES, SITE_NAMES, load_articles, load_config
from archive.samplesites.dates import MONTHS as MONTH_NAMES
from archive.samplesites.render import undated_urls
from archive.sources import Source
from tests.helpers.samplesites import NS, SOURCES, XML_PARSER, body_text, fetch, norm

CATALOG = catalog()
BY_URL = {p.url: p for p in CATALOG}
# Stories whose pages show no date (site.toml extra.undated; archive/samplesites/render.py).
UNDATED = {url for name in SITE_NAMES for url in undated_urls(load_config(name))}
STORY_KINDS = ("article", "unrelated")
DEAD_KINDS = ("soft404", "notfound", "redirect")
HTML_KINDS = ("home", "listing", "article", "unrelated", "soft404", "notfound", "archive")
F24 = "https://www.france24.com"
# Paragraph counts of the seed texts in /work/shared/seeds (sub-headings and datelines
# included): a guard against a seed losing paragraphs in an edit.
SEED_PARAGRAPHS = {"trtworld": 20, "france24": 27, "ina": 12, "chinatopix": 12, "nina": 8}


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    server = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def pages(*kinds: str, source: str | None = None) -> list[SamplePage]:
    return [p for p in CATALOG if p.kind in kinds and (source is None or p.source == source)]


def links(url: str, html: str) -> set[str]:
    tree = lxml.html.fromstring(html)
    hrefs = tree.xpath("//a/@href | //link[@rel='next' or @rel='prev']/@href")
    return {urljoin(url, h) for h in hrefs}


# -- the catalog and sources.toml ----------------------------------------------------------------


def test_catalog_covers_every_source_and_kind() -> None:
    assert sorted({p.source for p in CATALOG}) == sorted(SOURCES)
    for name in SOURCES:
        kinds = [p.kind for p in CATALOG if p.source == name]
        # A site sharing its host with another edition may leave robots.txt to it.
        needed = ("robots",) if load_config(name).robots else ()
        for kind in (*needed, "home", "feed", "sitemap", "unrelated", *DEAD_KINDS):
            assert kind in kinds, f"{name}: no {kind}"
        assert kinds.count("listing") >= 2
        # A seed source: the seed and at least three more.
        assert kinds.count("article") >= (4 if name in SEED_SITES else 3), name
        assert len(pages(*STORY_KINDS, *DEAD_KINDS, source=name)) >= 6
    assert len(BY_URL) == len(CATALOG), "a URL is listed twice"


def test_story_and_dead_urls_match_article_patterns() -> None:
    for page in pages(*STORY_KINDS, *DEAD_KINDS):
        assert SOURCES[page.source].is_article(page.url), page.url


def test_discovery_urls_are_not_article_shaped() -> None:
    for page in pages("robots", "home", "listing", "feed", "sitemap", "archive"):
        assert not SOURCES[page.source].is_article(page.url), page.url


def test_every_discovery_url_of_sources_toml_is_served() -> None:
    for source in SOURCES.values():
        for kind, urls in (("feed", source.feeds), ("sitemap", source.sitemaps),
                           ("listing", source.sections)):
            for url in urls:
                assert url in BY_URL, f"{source.name}: {url} not served"
                assert BY_URL[url].kind == kind and BY_URL[url].source == source.name


def test_every_page_belongs_to_its_source_hosts() -> None:
    for page in CATALOG:
        assert SOURCES[page.source].owns(page.url), page.url


def test_seed_pages() -> None:
    seeds = seed_pages()
    assert sorted(seeds) == sorted(SEED_SITES)
    assert seeds["trtworld"].url == (
        "http://www.trtworld.com/americas/blinken-coalition-killed-more-10000-isis-militants-2429"
    )
    assert seeds["france24"].url == (
        "https://www.france24.com/en/20141203-kerry-coalition-islamic-state-brussels-nato-iraq"
    )
    assert seeds["ina"].url == "https://ina.iq/eng/9948--.html"
    assert seeds["trtworld"].published == "2015-07-28"
    assert seeds["ina"].published.startswith("2020-11-15T13:12")
    assert seeds["chinatopix"].published == "2015-01-22"
    assert seeds["ina"].author == "Amna Al-Salami"
    for page in seeds.values():
        assert page.kind == "article" and page.status == 200 and page in CATALOG


def test_story_pages_carry_phrases_and_dates() -> None:
    for page in pages(*STORY_KINDS):
        assert 2 <= len(page.phrases) <= 4, page.url
        assert page.title and re.match(r"^\d{4}-\d{2}-\d{2}", page.published), page.url
        assert "2014" <= page.published[:4] <= "2020", page.url
        for phrase in page.phrases:
            assert phrase == norm(phrase), f"{page.url}: phrase has odd whitespace"


def test_article_data_holds_no_boilerplate() -> None:
    for name in SITE_NAMES:
        for article in load_articles(name):
            text = " ".join(article.paragraphs)
            for phrase in BOILERPLATE_PHRASES:
                assert phrase not in text, f"{article.url}: {phrase!r} in the story text"


def test_boilerplate_phrases_include_the_seed_chrome() -> None:
    for phrase in ("Photo by: Reuters", "Skip to main content", "Page not found",
                   "The content you requested does not exist", "+A -A", "Like Us on Facebook",
                   "Make CT Your Homepage", "Real Time Analytics"):
        assert phrase in BOILERPLATE_PHRASES


# -- over HTTP ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", CATALOG, ids=[f"{p.source}-{p.kind}-{p.url}" for p in CATALOG])
def test_every_catalog_url_answers_with_its_status(port: int, page: SamplePage) -> None:
    got = fetch(port, page.url)
    assert got.status == page.status
    assert int(got.headers["Content-Length"]) == len(got.raw)
    if page.kind == "redirect":
        assert got.headers["Location"] == page.redirect_to
        assert BY_URL[page.redirect_to].kind in STORY_KINDS
    if page.kind in HTML_KINDS:
        assert got.headers["Content-Type"].startswith("text/html")


def test_html_pages_are_well_formed_news_pages(port: int) -> None:
    for page in pages(*STORY_KINDS):
        tree = lxml.html.fromstring(fetch(port, page.url).text)
        assert tree.get("lang") == SOURCES[page.source].language
        assert tree.xpath("//link[@rel='canonical']/@href") == [page.url]
        meta = {m.get("property"): m.get("content") for m in tree.xpath("//meta[@property]")}
        assert meta["og:title"] == page.title and meta["og:url"] == page.url
        assert meta["og:type"] == "article"
        if page.url in UNDATED:  # its date is only in the feed and the news sitemap
            assert "article:published_time" not in meta
            html = lxml.html.tostring(tree, encoding="unicode")
            assert page.published[:10] not in html and "datePublished" not in html
        else:
            assert meta["article:published_time"] == page.published
        assert tree.xpath("//article | //section") and tree.xpath("//nav") and tree.xpath(
            "//footer"
        )


def test_gzip_when_asked(port: int) -> None:
    for page in pages("home", "listing", "article", "feed", "sitemap", "soft404", "notfound"):
        plain = fetch(port, page.url)
        packed = fetch(port, page.url, gzip_ok=True)
        assert "Content-Encoding" not in plain.headers
        assert packed.headers["Content-Encoding"] == "gzip", page.url
        assert int(packed.headers["Content-Length"]) == len(packed.raw) < len(plain.raw)
        assert gzip.decompress(packed.raw) == plain.raw
    robots = fetch(port, pages("robots")[0].url, gzip_ok=True)
    assert "Content-Encoding" not in robots.headers


def test_output_is_deterministic(port: int) -> None:
    for page in pages("home", "feed", "sitemap") + list(seed_pages().values()):
        first = fetch(port, page.url, gzip_ok=True).raw
        assert fetch(port, page.url, gzip_ok=True).raw == first


def test_home_sets_two_cookies(port: int) -> None:
    for page in pages("home"):
        cookies = fetch(port, page.url).headers.get_all("Set-Cookie")
        assert cookies is not None and len(cookies) == 2, page.url


def test_keep_alive_serves_several_requests_on_one_connection(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for page in pages("home"):
            connection.request("GET", urlsplit(page.url).path, headers={
                "Host": urlsplit(page.url).netloc})
            response = connection.getresponse()
            assert response.status == 200 and response.version == 11
            response.read()
    finally:
        connection.close()


def test_absolute_form_target_and_head(port: int) -> None:
    seed = seed_pages()["trtworld"]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", seed.url, skip_host=True)
        connection.putheader("Host", "ignored.example")
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 200 and seed.title.encode() in response.read()
    finally:
        connection.close()
    head = fetch(port, seed.url, method="HEAD")
    assert head.status == 200 and head.raw == b"" and int(head.headers["Content-Length"]) > 0


def test_unknown_host_alias_host_and_unknown_path(port: int) -> None:
    unknown = fetch(port, "http://www.example.com/")
    assert unknown.status == 404 and unknown.headers["Content-Type"].startswith("text/plain")
    alias = fetch(port, "http://trtworld.com/americas")
    assert alias.status == 301
    assert alias.headers["Location"] == "https://www.trtworld.com/americas"
    missing = fetch(port, "https://www.france24.com/en/no-such-page")
    assert missing.status == 404 and "Page not found" in missing.text


def test_nina_keys_are_case_insensitive(port: int) -> None:
    seed = seed_pages()["nina"]
    assert fetch(port, seed.url.replace("Website/News/Details?key=", "website/news/details?Key="),
                 ).status == 200


def test_robots_txt(port: int) -> None:
    for page in pages("robots"):
        text = fetch(port, page.url).text
        sitemaps = re.findall(r"^Sitemap:\s*(\S+)", text, re.M)
        assert sitemaps == list(SOURCES[page.source].sitemaps)
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(text.splitlines())
        for other in CATALOG:
            if other.source == page.source:
                assert parser.can_fetch("pressarchive", other.url), other.url
        host = urlsplit(page.url).netloc
        assert not parser.can_fetch("pressarchive", f"https://{host}/search?q=isis")


def test_feeds_parse_and_list_the_articles(port: int) -> None:
    for page in pages("feed"):
        got = fetch(port, page.url)
        assert "xml" in got.headers["Content-Type"]
        root = lxml.etree.fromstring(got.body, XML_PARSER)
        assert root.tag == "rss" and root.get("version") == "2.0"
        items = root.findall("channel/item")
        listed = set()
        for item in items:
            for field in ("title", "link", "guid", "pubDate", "description"):
                assert item.findtext(field), f"{page.url}: item without {field}"
            assert parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None
            listed.add(item.findtext("link"))
        assert listed <= set(BY_URL), "a feed links to a URL the site does not serve"
        stories = {p.url for p in pages(*STORY_KINDS, source=page.source)}
        assert len(listed & stories) >= 3
    for source in SOURCES.values():  # the first feed lists every story
        listed = set(re.findall(r"<link>([^<]+)</link>", fetch(port, source.feeds[0]).text))
        assert {p.url for p in pages(*STORY_KINDS, source=source.name)} <= listed


def test_news_sitemaps_parse_and_list_the_articles(port: int) -> None:
    for page in pages("sitemap"):
        root = lxml.etree.fromstring(fetch(port, page.url).body, XML_PARSER)
        assert root.tag == f"{{{NS['sm']}}}urlset"
        locs = set()
        keywords: list[str | None] = []
        for url in root.findall("sm:url", NS):
            news = url.find("news:news", NS)
            assert news is not None
            for field in ("news:publication_date", "news:title",
                          "news:publication/news:language", "news:publication/news:name"):
                assert news.findtext(field, namespaces=NS), field
            locs.add(url.findtext("sm:loc", namespaces=NS))
            if load_config(page.source).extra.get("news_keywords") == "tags" and \
                    BY_URL[locs_last(url)].kind in STORY_KINDS:
                keywords.append(news.findtext("news:keywords", namespaces=NS))
        assert any(keywords) or page.source != "france24", page.source  # stories with tags
        assert UNDATED & {p.url for p in pages("article", "unrelated", source=page.source)} \
            <= locs
        stories = {p.url for p in pages(*STORY_KINDS, source=page.source)}
        assert stories <= locs and locs <= set(BY_URL)


def locs_last(url: lxml.etree._Element) -> str:
    return url.findtext("sm:loc", namespaces=NS) or ""


def test_listings_paginate(port: int) -> None:
    for source in SOURCES.values():
        for first in source.sections:
            html = fetch(port, first).text
            next_urls = lxml.html.fromstring(html).xpath("//link[@rel='next']/@href")
            assert len(next_urls) == 1, first
            second = next_urls[0]
            assert any(re.search(p, second) for p in source.listing_patterns), second
            assert source.is_listing(second) and second in links(first, html)
            assert BY_URL[second].kind == "listing" and fetch(port, second).status == 200
            linked = links(first, html) | links(second, fetch(port, second).text)
            assert len([u for u in linked if u in BY_URL and source.is_article(u)]) >= 3


def test_every_page_is_reachable_and_no_crawlable_link_is_dangling(port: int) -> None:
    linked_from: dict[str, set[str]] = {}
    for page in pages("home", "listing", "feed", "sitemap", *STORY_KINDS):
        text = fetch(port, page.url).text
        found = (set(re.findall(r"<(?:link|loc)>([^<]+)</(?:link|loc)>", text))
                 if page.kind in ("feed", "sitemap") else links(page.url, text))
        source: Source = SOURCES[page.source]
        for url in found:
            if source.owns(url) and (source.is_article(url) or source.is_listing(url)):
                assert url in BY_URL, f"{page.url} links to unserved {url}"
                linked_from.setdefault(url, set()).add(page.kind)
    for page in pages("listing", *STORY_KINDS):
        assert page.url in linked_from or page.url in SOURCES[page.source].sections, page.url
    for page in pages("soft404"):
        assert linked_from[page.url] & {"listing", "sitemap"}
    for page in pages("notfound"):
        assert linked_from[page.url] & {"listing", "feed"}
    for page in pages("redirect"):
        assert linked_from[page.url] & {"feed", "home"}


def test_soft404_and_404_pages_say_page_not_found(port: int) -> None:
    # In the edition's language: what the source's soft404_markers look for.
    for page in pages("soft404", "notfound"):
        markers = SOURCES[page.source].extraction.soft404_markers
        tree = lxml.html.fromstring(fetch(port, page.url).text)
        assert tree.findtext(".//title") in markers, page.url
        heading = tree.xpath("string(//h1 | //h3)")
        assert any(marker in heading for marker in markers), page.url


def test_seed_body_holds_every_seed_paragraph(port: int) -> None:
    for name, page in seed_pages().items():
        seed = next(a for a in load_articles(name) if a.seed)
        assert len(seed.paragraphs) == SEED_PARAGRAPHS[name]
        body = body_text(name, fetch(port, page.url).text, drop_chrome=False)
        for paragraph in seed.paragraphs:
            assert norm(paragraph.removeprefix("## ")) in body, f"{name}: {paragraph[:60]}"


def test_phrases_are_verbatim_in_the_body(port: int) -> None:
    for page in pages(*STORY_KINDS):
        body = body_text(page.source, fetch(port, page.url).text, drop_chrome=True)
        for phrase in page.phrases:
            assert phrase in body, f"{page.url}: {phrase[:60]}"


def test_boilerplate_sits_in_the_chrome_not_in_the_body(port: int) -> None:
    seeds = {p.url for p in seed_pages().values()}
    for page in pages(*STORY_KINDS):
        cfg = load_config(page.source)
        html = fetch(port, page.url).text
        chrome = cfg.boilerplate + (cfg.seed_chrome if page.url in seeds else ())
        page_text = norm(lxml.html.fromstring(html).text_content())
        body = body_text(page.source, html, drop_chrome=True)
        for phrase in chrome:
            assert phrase in page_text, f"{page.url}: {phrase!r} not in the chrome"
        for phrase in BOILERPLATE_PHRASES:
            assert phrase not in body, f"{page.url}: {phrase!r} inside the story"


def test_articles_carry_a_validator_and_answer_304_when_unchanged(server_url=None):
    import urllib.request

    from archive.samplesites import make_server

    server = make_server("127.0.0.1", 0)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        page = seed_pages()["ina"]
        path = page.url.split("ina.iq", 1)[1]

        def get(headers: dict[str, str]):
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                             headers={"Host": "ina.iq", **headers})
            try:
                with urllib.request.urlopen(request) as response:
                    return response.status, response.headers
            except urllib.error.HTTPError as exc:
                return exc.code, exc.headers

        status, headers = get({})
        assert status == 200 and headers["ETag"].startswith('W/"')
        status, again = get({"If-None-Match": headers["ETag"]})
        assert status == 304 and again["ETag"] == headers["ETag"]
        assert get({"If-None-Match": 'W/"other"'})[0] == 200
    finally:
        server.shutdown()
        server.server_close()


# -- daily archive pages (France 24) ---------------------------------------------------------


def day_list(html: str, url: str) -> list[str]:
    """The links of a day page's list, absolute (the page links by path, as France 24 does)."""
    tree = lxml.html.fromstring(html)
    hrefs = tree.xpath("//ul[@class='o-archive-day__list']//li/a/@href")
    assert all(h.startswith("/") for h in hrefs), hrefs
    return [urljoin(url, h) for h in hrefs]


# How each France 24 edition names a day page, written out here (neither the sample site's
# builder nor the crawler's): the dossier's forms, the month names as one scraper's URL
# builder has them (HanlingSu/scraping_scripts INT/france24_getnewurls.py; its Arabic ones
# percent-encoded, as they go on the wire).
F24_DAY = {
    "france24": ("/en/archives/", [quote(m) for m in MONTH_NAMES]),
    "france24_fr": ("/fr/archives/", [quote(m) for m in (
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
        "septembre", "octobre", "novembre", "décembre")]),
    "france24_ar": ("/ar/%D8%A3%D8%B1%D8%B4%D9%8A%D9%81/", [
        "%D9%8A%D9%86%D8%A7%D9%8A%D8%B1", "%D9%81%D8%A8%D8%B1%D8%A7%D9%8A%D8%B1",
        "%D9%85%D8%A7%D8%B1%D8%B3", "%D8%A3%D8%A8%D8%B1%D9%8A%D9%84", "%D9%85%D8%A7%D9%8A%D9%88",
        "%D9%8A%D9%88%D9%86%D9%8A%D9%88", "%D9%8A%D9%88%D9%84%D9%8A%D9%88",
        "%D8%A3%D8%BA%D8%B3%D8%B7%D8%B3", "%D8%B3%D8%A8%D8%AA%D9%85%D8%A8%D8%B1",
        "%D8%A3%D9%83%D8%AA%D9%88%D8%A8%D8%B1", "%D9%86%D9%88%D9%81%D9%85%D8%A8%D8%B1",
        "%D8%AF%D9%8A%D8%B3%D9%85%D8%A8%D8%B1"]),
}


def f24_day(source: str, day: str) -> str:
    """The day page of `day` (YYYY-MM-DD) in a France 24 edition, as it goes on the wire."""
    folder, months = F24_DAY[source]
    return (f"https://www.france24.com{folder}{day[:4]}/{day[5:7]}/{day[8:]}-"
            f"{months[int(day[5:7]) - 1]}-{day[:4]}")


def test_france24_lists_every_story_on_its_daily_archive_page(port: int) -> None:
    days = pages("archive")
    assert days and {p.source for p in days} == set(F24_DAY)
    listed: dict[str, str] = {}
    for page in days:
        got = fetch(port, page.url)
        assert got.status == 200 and got.headers["Content-Type"].startswith("text/html")
        links = day_list(got.text, page.url)
        assert links, f"{page.url} lists no story"
        listed.update(dict.fromkeys(links, page.url))
    for source in F24_DAY:
        for story in pages(*STORY_KINDS, source=source):
            assert listed.get(story.url) == f24_day(source, story.published[:10]), story.url
    assert set(listed) <= {p.url for p in pages(*STORY_KINDS)}
    # Each edition's day page lists its own edition's stories only.
    for story, day in listed.items():
        assert BY_URL[story].source == BY_URL[day].source, story


def test_a_day_without_stories_is_an_empty_list_and_a_day_that_is_no_day_is_a_404(
    port: int,
) -> None:
    quiet = "https://www.france24.com/en/archives/2014/12/04-December-2014"
    assert quiet not in BY_URL
    got = fetch(port, quiet)
    assert got.status == 200 and day_list(got.text, quiet) == []
    assert "<title>Archives - 4 December 2014 - France 24</title>" in got.text
    for wrong in ("2014/12/04-Decembre-2014", "2015/02/30-February-2015",
                  "2015/02/28-February-2016", "2015/2/28-February-2015"):
        assert fetch(port, f"https://www.france24.com/en/archives/{wrong}").status == 404, wrong


def raw_status(port: int, path: bytes) -> int:
    """The status of a GET whose path goes out as these bytes (urllib would refuse UTF-8)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: www.france24.com\r\n"
                     b"Connection: close\r\n\r\n")
        return int(conn.makefile("rb").readline().split()[1])


def test_the_french_and_arabic_editions_name_the_day_in_their_language(port: int) -> None:
    # Accents kept, lower case, percent-encoded UTF-8 as browsers send them.
    for day in ("2021-02-15", "2021-08-01", "2014-12-04", "2021-11-15"):
        got = fetch(port, f24_day("france24_fr", day))
        assert got.status == 200 and day_list(got.text, f24_day("france24_fr", day)) == []
    assert f24_day("france24_fr", "2021-02-15") == F24 + "/fr/archives/2021/02/15-f%C3%A9vrier-2021"
    got = fetch(port, f24_day("france24_fr", "2014-12-04"))
    assert "<title>Archives - 4 décembre 2014 - France 24</title>" in got.text
    assert '<html dir="ltr" lang="fr">' in got.text
    # The same page whether the escapes are lower case or the path is raw UTF-8 bytes.
    assert fetch(port, F24 + "/fr/archives/2021/08/01-ao%c3%bbt-2021").status == 200
    assert raw_status(port, "/fr/archives/2021/08/01-août-2021".encode()) == 200
    assert raw_status(port, "/fr/archives/2021/08/01-août-2021".encode("latin-1")) == 404
    for wrong in ("2021/02/15-fevrier-2021", "2021/02/15-F%C3%A9vrier-2021",
                  "2021/02/15-February-2021", "2021/03/15-f%C3%A9vrier-2021",
                  "2021/02/29-f%C3%A9vrier-2021"):
        assert fetch(port, f"{F24}/fr/archives/{wrong}").status == 404, wrong
    assert fetch(port, F24 + "/en/archives/2021/02/15-f%C3%A9vrier-2021").status == 404

    # Arabic: the three real URLs the scraper quotes answer; the printed dual name, an
    # English month or a French one does not.
    archive = "/ar/%D8%A3%D8%B1%D8%B4%D9%8A%D9%81/"
    for path in ("2022/01/26-%D9%8A%D9%86%D8%A7%D9%8A%D8%B1-2022",
                 "2022/03/30-%D9%85%D8%A7%D8%B1%D8%B3-2022",
                 "2022/04/01-%D8%A3%D8%A8%D8%B1%D9%8A%D9%84-2022"):
        got = fetch(port, F24 + archive + path)
        assert got.status == 200 and '<html dir="rtl" lang="ar">' in got.text, path
    assert "<title>أرشيف - 26 يناير 2022 - فرانس 24</title>" in fetch(
        port, F24 + archive + "2022/01/26-%D9%8A%D9%86%D8%A7%D9%8A%D8%B1-2022").text
    assert raw_status(port, "/ar/أرشيف/2022/01/26-يناير-2022".encode()) == 200
    for wrong in ("2022/01/26-" + quote("كانون الثاني/يناير") + "-2022",
                  "2022/01/26-January-2022", "2022/01/26-janvier-2022",
                  "2022/02/26-%D9%8A%D9%86%D8%A7%D9%8A%D8%B1-2022"):
        assert fetch(port, F24 + archive + wrong).status == 404, wrong
    assert fetch(port, F24 + "/ar/archives/2022/01/26-January-2022").status == 404


def test_the_crawler_asks_for_the_day_pages_the_editions_serve() -> None:
    """sources.toml's daily_archives, expanded by archive/dated_urls.py and made a request
    by Scrapy (which percent-encodes it), give the URL each edition's catalog lists."""
    import scrapy

    from archive.dated_urls import expand

    for page in pages("archive"):
        source = SOURCES[page.source]
        day = date(*map(int, re.findall(r"/(\d{4})/(\d{2})/(\d{2})-", page.url)[0]))
        urls = {scrapy.Request(expand(t, day, source.language)).url
                for t in source.daily_archives}
        assert page.url in urls, (page.url, urls)
