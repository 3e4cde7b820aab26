"""Sample sites at scale: N generated stories per site, reachable from feeds, sitemaps and
listings (archive/samplesites/scale.py)."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest

from archive.samplesites import BOILERPLATE_PHRASES, catalog, make_server
from archive.samplesites.build import BuiltSite
from archive.samplesites.corpus import CORPUS_FILE, build_corpus, corpus_text, load_corpus
from archive.samplesites.data import SEED_SITES, SITE_NAMES, load_articles, load_config
from archive.samplesites.dates import MONTHS
from archive.samplesites.registry import all_sites, sites_by_host
from archive.samplesites.scale import (
    FEED_ITEMS,
    MAX_SCALE,
    MAX_WORDS,
    MIN_WORDS,
    SITEMAP_URLS,
    ScaledSite,
    generated_article,
    stub,
    token,
)
from archive.sources import load_sources
from crawler.discovery import feed_links, sitemap_links

SCALE = 30
SOURCES = load_sources()
# The sites a scale above 0 adds generated stories to.
SCALED_SOURCES = {name: SOURCES[name] for name in SEED_SITES}
BASE = catalog()
BASE_URLS = {p.url for p in BASE}
SCALED = catalog(scale=SCALE)
BY_URL = {p.url: p for p in SCALED}
GENERATED = [p for p in SCALED if p.url not in BASE_URLS and p.kind == "article"]
XML_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True)
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# The shape of a generated story's URL on each site (besides sources.toml's article_patterns).
URL_SHAPES = {
    "trtworld": r"^https://www\.trtworld\.com/(middle-east|americas)/[a-z0-9-]+-\d+$",
    "france24": r"^https://www\.france24\.com/en/middle-east/\d{8}-[a-z0-9-]+$",
    "ina": r"^https://ina\.iq/eng/\d+--\.html$",
    "chinatopix": r"^https://www\.chinatopix\.com/articles/\d+/\d{8}/[a-z0-9-]+\.htm$",
    "nina": r"^https://www\.ninanews\.com/Website/News/Details\?key=\d+$",
}
BODY_XPATH = {
    "trtworld": "//div[contains(@class,'contentBox')]",
    "france24": "//div[contains(concat(' ',normalize-space(@class),' '),' bd ')]",
    "ina": "//div[@id='news-id-text']",
    "chinatopix": "//div[contains(@class,'artbody')]",
    "nina": "//div[contains(@class,'post-content')]",
}


class Client:
    """One keep-alive connection; sends a real URL's path with its Host header."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def get(self, url: str) -> tuple[int, bytes]:
        split = urlsplit(url)
        target = split.path + ("?" + split.query if split.query else "")
        self.connection.request("GET", target, headers={"Host": split.netloc,
                                                        "Accept-Encoding": "gzip"})
        response = self.connection.getresponse()
        body = response.read()
        if response.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return response.status, body


@pytest.fixture(scope="module")
def server() -> Iterator[object]:
    server = make_server("127.0.0.1", 0, scale=SCALE)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def client(server: object) -> Iterator[Client]:
    c = Client(server.server_address[1])  # type: ignore[attr-defined]
    yield c
    c.connection.close()


@pytest.fixture(scope="module")
def bodies(client: Client) -> dict[str, str]:
    """Generated story URL -> its page."""
    out = {}
    for page in GENERATED:
        status, body = client.get(page.url)
        assert status == 200, page.url
        out[page.url] = body.decode("utf-8")
    return out


def story_text(source: str, html: str) -> str:
    tree = lxml.html.fromstring(html)
    for xpath in SOURCES[source].extraction.drop_xpaths:
        for element in tree.xpath(xpath):
            element.drop_tree()
    found = tree.xpath(BODY_XPATH[source])
    assert len(found) == 1
    return re.sub(r"\s+", " ", found[0].text_content()).strip()


def sitemap_urls(get: object, url: str) -> tuple[list[str], list[str]]:
    """(story URLs, child sitemap URLs) of a sitemap or sitemap index, children followed."""
    body = get(url)  # type: ignore[operator]
    links = sitemap_links(body)
    children = [link.url for link in links if link.is_sitemap]
    stories = [link.url for link in links if not link.is_sitemap]
    for child in children:
        child_links = sitemap_links(get(child))  # type: ignore[operator]
        assert child_links and not any(link.is_sitemap for link in child_links)
        stories += [link.url for link in child_links]
    return stories, children


# -- scale 0 ---------------------------------------------------------------------------------


def test_scale_0_is_the_sites_as_they_were() -> None:
    assert catalog(scale=0) == BASE
    assert catalog(2, 0) == catalog(2)
    assert sites_by_host(1, 0) is sites_by_host(1)
    assert all(type(site) is BuiltSite for site in all_sites(1, 0).values())
    assert make_server(scale=0).sites() is sites_by_host(1)


def test_bad_scales_are_refused() -> None:
    for scale in (-1, MAX_SCALE + 1):
        with pytest.raises(ValueError):
            make_server(scale=scale)


# -- the generated stories -------------------------------------------------------------------


def test_catalog_lists_the_generated_stories() -> None:
    counts = Counter(p.source for p in GENERATED)
    assert counts == dict.fromkeys(SEED_SITES, SCALE)
    assert len(BY_URL) == len(SCALED)  # every URL once
    # Every page of scale 0 is still there, with its kind (listings and sitemaps re-paginated).
    kept = {p.url: p.kind for p in SCALED}
    for page in BASE:
        assert kept[page.url] == page.kind, page.url
        if page.kind not in ("listing", "sitemap", "feed"):
            assert BY_URL[page.url] == page


def test_generated_urls_are_article_shaped_and_distinct() -> None:
    for page in GENERATED:
        source = SOURCES[page.source]
        assert source.is_article(page.url) and source.owns(page.url), page.url
        assert re.match(URL_SHAPES[page.source], page.url), page.url
        assert page.status == 200 and page.title and page.published and len(page.phrases) == 2
    assert len({p.url for p in GENERATED}) == len(GENERATED)
    assert len({p.title for p in GENERATED}) == len(GENERATED)
    for page in SCALED:  # nothing else generated looks like a story
        if page.kind in ("listing", "sitemap", "feed"):
            assert not SOURCES[page.source].is_article(page.url), page.url


def test_stories_are_the_same_at_every_scale_and_older_than_the_sites_own() -> None:
    big = ScaledSite(all_sites()["ina"], 1, 200)
    assert [s.url for s in big.stubs[:SCALE]] == [
        p.url for p in GENERATED if p.source == "ina"]
    for name in SEED_SITES:
        cfg = load_config(name)
        oldest_own = min(a.published for a in load_articles(name))
        own = [p for p in GENERATED if p.source == name]
        assert all(p.published < oldest_own or p.published[:10] < oldest_own[:10] for p in own)
        stamps = [p.published for p in own]
        assert stamps == sorted(stamps, reverse=True) and len(set(stamps)) == len(stamps)
        assert all(p.published.endswith(cfg.tz) for p in own)
    assert generated_article("nina", 7) == generated_article("nina", 7)


def test_pages_carry_the_site_chrome_and_their_dates(bodies: dict[str, str]) -> None:
    for page in GENERATED:
        cfg = load_config(page.source)
        html = bodies[page.url]
        tree = lxml.html.fromstring(html)
        text = re.sub(r"\s+", " ", tree.text_content())
        for phrase in cfg.boilerplate:
            assert phrase in text, f"{page.url}: no {phrase!r}"
        assert tree.findtext(".//title") == page.title + cfg.extra["title_suffix"]
        assert tree.xpath("//link[@rel='canonical']/@href") == [page.url]
        assert tree.xpath("//meta[@property='og:url']/@content") == [page.url]
        assert tree.xpath("//meta[@property='article:published_time']/@content") == [
            page.published]
        scripts = tree.xpath("//script[@type='application/ld+json']/text()")
        if cfg.jsonld:
            data = json.loads(scripts[0])
            assert data["datePublished"] == page.published and data["headline"] == page.title
        else:  # INA's and NINA's templates never had JSON-LD
            assert not scripts


def test_texts_are_realistic_and_distinct(bodies: dict[str, str]) -> None:
    texts = {}
    for page in GENERATED:
        text = story_text(page.source, bodies[page.url])
        words = len(text.split())
        assert MIN_WORDS <= words <= MAX_WORDS + 20, f"{page.url}: {words} words"
        for phrase in page.phrases:
            assert phrase in text, f"{page.url}: {phrase[:50]}"
        for phrase in BOILERPLATE_PHRASES:
            assert phrase not in text, f"{page.url}: chrome {phrase!r} in the story"
        texts[page.url] = text
    assert len(set(texts.values())) == len(texts)
    lengths = [len(t.split()) for t in texts.values()]
    assert max(lengths) - min(lengths) > 300  # lengths vary
    # Each story's token (its made-up village) is in its title and text and in no other story.
    index = {p.url: i for name in SITE_NAMES
             for i, p in enumerate(p for p in GENERATED if p.source == name)}
    for url, i in index.items():
        page = BY_URL[url]
        assert stub(page.source, i).url == url
        word = token(page.source, i)
        assert word in page.title and word in texts[url]
        assert [u for u, t in texts.items() if word in t] == [url]


def test_tokens_are_unique_and_new_words() -> None:
    words = [token(name, i) for name in SEED_SITES for i in range(MAX_SCALE)]
    assert len({w.lower() for w in words}) == len(words)
    vocabulary = set()
    for name in SITE_NAMES:
        for article in load_articles(name):
            vocabulary |= set(re.findall(r"[a-z]+", " ".join(article.paragraphs).lower()))
    assert not vocabulary & {w.lower() for w in words}


def test_generated_text_holds_no_word_a_later_edition_introduces(
        bodies: dict[str, str]) -> None:
    from archive.samplesites.corpus import _edition_words

    banned = _edition_words()
    for page in GENERATED:
        text = story_text(page.source, bodies[page.url]) + " " + page.title
        assert not [w for w in banned if w in text], page.url


# -- discovery -------------------------------------------------------------------------------


def test_every_catalog_url_answers_with_its_status(client: Client) -> None:
    for page in SCALED:
        if page.url in BASE_URLS and page.kind not in ("listing", "sitemap", "feed"):
            continue  # unchanged pages: test_samplesites.py
        status, _ = client.get(page.url)
        assert status == page.status, page.url


def test_sitemaps_list_every_story_once(client: Client) -> None:
    def get(url: str) -> bytes:
        status, body = client.get(url)
        assert status == 200, url
        return body

    for name, source in SCALED_SOURCES.items():
        stories, children = sitemap_urls(get, source.sitemaps[0])
        assert not children  # SCALE + the site's own stories fit one sitemap
        counts = Counter(stories)
        assert max(counts.values()) == 1
        wanted = {p.url for p in SCALED
                  if p.source == name and p.kind in ("article", "unrelated")}
        assert wanted <= set(counts)


def test_feeds_list_the_newest_stories(client: Client) -> None:
    for name, source in SCALED_SOURCES.items():
        own = [p for p in GENERATED if p.source == name]  # newest first
        for feed in source.feeds:
            status, body = client.get(feed)
            assert status == 200
            links = [link.url for link in feed_links(body)]
            assert len(links) <= max(FEED_ITEMS, len(links) - len(own))
            listed = [u for u in links if u in {p.url for p in own}]
            assert listed and listed == [p.url for p in own][:len(listed)], feed
            if len(links) < FEED_ITEMS:
                assert len(listed) == len(own)


def test_listings_paginate_over_the_generated_stories(client: Client) -> None:
    for name, source in SCALED_SOURCES.items():
        reached: set[str] = set()
        for first in source.sections:
            url, seen = first, 0
            while url:
                assert url == first or source.is_listing(url), url
                status, body = client.get(url)
                assert status == 200
                tree = lxml.html.fromstring(body.decode("utf-8"))
                reached |= {urljoin(url, h) for h in tree.xpath("//a/@href")}
                nxt = tree.xpath("//link[@rel='next']/@href")
                url = urljoin(url, nxt[0]) if nxt else ""
                seen += 1
            assert seen <= source.max_listing_pages  # at scale 30 listings reach everything
        assert {p.url for p in GENERATED if p.source == name} <= reached


def test_edition_switch_keeps_the_scale(server: object, client: Client) -> None:
    url = GENERATED[0].url
    _, before = client.get(url)
    server.set_edition(2)  # type: ignore[attr-defined]
    try:
        status, after = client.get(url)
        assert status == 200 and after == before  # generated stories: the same in every edition
        feed = SOURCES["trtworld"].feeds[0]
        links = [link.url for link in feed_links(client.get(feed)[1])]
        new = {p.url for p in catalog(2) if p.url not in BASE_URLS and p.source == "trtworld"
               and p.kind == "article"}
        assert new and set(links[:len(new)]) == new  # the edition's new stories come first
        assert {p.url for p in GENERATED if p.source == "trtworld"} & set(links)
    finally:
        server.set_edition(1)  # type: ignore[attr-defined]


def test_above_1000_urls_the_sitemap_becomes_an_index() -> None:
    base = all_sites()["ina"]
    site = ScaledSite(base, 1, 1200)
    cfg = site.cfg
    source = SOURCES["ina"]

    def get(url: str) -> bytes:
        assert source.owns(url)
        split = urlsplit(url)
        response = site.lookup(split.path, split.query)
        assert response.status == 200, url
        return response.body

    root = lxml.etree.fromstring(get(cfg.sitemap), XML_PARSER)
    assert root.tag == f"{SM}sitemapindex"
    stories, children = sitemap_urls(get, cfg.sitemap)
    assert len(children) >= 2
    for child in children:
        assert not source.is_article(child) and urlsplit(child).hostname == cfg.host
        assert len(sitemap_links(get(child))) <= SITEMAP_URLS
    counts = Counter(stories)
    assert max(counts.values()) == 1
    wanted = {s.url for s in site.stubs} | {
        p.url for p in base.pages if p.kind in ("article", "unrelated", "soft404")}
    assert set(counts) == wanted


# -- the corpus ------------------------------------------------------------------------------


def test_the_bundled_corpus_is_made_from_the_sample_stories() -> None:
    assert CORPUS_FILE.stat().st_size < 200_000
    assert CORPUS_FILE.read_text(encoding="utf-8") == corpus_text(build_corpus())
    corpus = load_corpus()
    assert all(len(corpus[name]) >= 20 for name in SEED_SITES)
    for name, sentences in corpus.items():
        text = " ".join(p for a in load_articles(name) for p in a.paragraphs)
        assert all(s in text for s in sentences)


def test_daily_archive_pages_list_the_generated_stories_of_their_day(client: Client) -> None:
    days = {p.url: p for p in SCALED if p.kind == "archive"}
    generated = [p for p in GENERATED if p.source == "france24"]
    for story in generated:
        y, m, d = story.published[:10].split("-")
        url = (f"https://www.france24.com/en/archives/{y}/{m}/{d}-"
               f"{MONTHS[int(m) - 1]}-{y}")
        assert url in days, story.url
        status, body = client.get(url)
        tree = lxml.html.fromstring(body.decode("utf-8"))
        links = {urljoin(url, h) for h in tree.xpath("//ul[@class='o-archive-day__list']//a/@href")}
        assert status == 200 and story.url in links, story.url
