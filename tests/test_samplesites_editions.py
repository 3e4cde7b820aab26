"""Editions of the sample sites: what a second and a third crawl find, over real HTTP."""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
import pytest

from archive.samplesites import (
    BOILERPLATE_PHRASES,
    EDITIONS,
    EditionChanges,
    SamplePage,
    catalog,
    edition_changes,
    make_server,
    seed_pages,
)
from archive.samplesites.data import SEED_SITES, SITES_DIR, load_config
from archive.samplesites.dates import to_datetime
from archive.samplesites.editions import load_changes
from archive.sources import load_sources
from tests.helpers.samplesites import NS, XML_PARSER, body_text, fetch, norm

SOURCES = load_sources()
LATER = (2, 3)
CATALOGS = {n: catalog(n) for n in EDITIONS}
BY_URL = {n: {p.url: p for p in pages} for n, pages in CATALOGS.items()}
CHANGES = {n: edition_changes(n) for n in EDITIONS}
STORY_KINDS = ("article", "unrelated")
WITHDRAWN_KINDS = ("notfound", "gone", "redirect")
# SHA-256 over every edition-1 answer (status, headers but Date, body) as the server gave them
# before editions existed, but CHANGED_SINCE (the same answers, without those two, as the
# server gave them before they changed): edition 1 must stay byte for byte what it was.
EDITION_1_DIGEST = "c55b5880c5945bf84dcd722d2ccdcc4226cc0e105b29faea482e8b306493b007"
EDITION_1_EXTRA = ("https://www.france24.com/en/no-such-page",
                   "https://ina.iq/eng/no-such-page.html", "http://trtworld.com/americas")
# Kinds of pages added to the sites later (new URLs; the digest covers the others).
ADDED_KINDS = ("archive",)
# Pages changed on purpose since, left out of the digest (the rest must not change): the
# news sitemap that gained news:keywords, and the story whose page lost its date (both for
# the news sitemap fields, archive/news_sitemap.py).
CHANGED_SINCE = ("https://www.france24.com/sitemaps/en/news.xml",
                 "https://www.ninanews.com/Website/News/Details?key=722870")
# The "most read" sidebar, the only links of a page outside its own content, one per line.
SIDEBAR_LINE = re.compile(r'^<li><a href="[^"]*">[^<]*</a></li>$', re.M)


def _serve(edition: int) -> Iterator[tuple[int, object]]:
    server = make_server("127.0.0.1", 0, edition=edition)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def ports() -> Iterator[dict[int, int]]:
    """One server per edition, each started with ``edition=n``."""
    gens = {n: _serve(n) for n in EDITIONS}
    ports = {n: next(g)[0] for n, g in gens.items()}
    yield ports
    for g in gens.values():
        next(g, None)


def stories(edition: int, source: str) -> list[SamplePage]:
    return [p for p in CATALOGS[edition] if p.source == source and p.kind in STORY_KINDS]


def page_of(edition: int, source: str, kind: str) -> SamplePage:
    return next(p for p in CATALOGS[edition] if p.source == source and p.kind == kind)


def content_links(url: str, html: str) -> list[str]:
    """Links of a page's own content (the sidebar dropped), in document order."""
    tree = lxml.html.fromstring(SIDEBAR_LINE.sub("", html))
    return [str(h) for h in tree.xpath("//a/@href")]


def story_links(edition: int, source: str, links: list[str]) -> list[str]:
    known = {p.url for p in stories(edition, source)}
    return list(dict.fromkeys(u for u in links if u in known))


def feed_links(text: str) -> list[str]:
    root = lxml.etree.fromstring(text.encode("utf-8"), XML_PARSER)
    return [item.findtext("link") for item in root.findall("channel/item")]


def sitemap_locs(text: str) -> list[str]:
    root = lxml.etree.fromstring(text.encode("utf-8"), XML_PARSER)
    return [u.findtext("sm:loc", namespaces=NS) for u in root.findall("sm:url", NS)]


def newest_first(pages: list[SamplePage], source: str) -> list[SamplePage]:
    tz = load_config(source).tz
    return sorted(pages, key=lambda p: to_datetime(p.published, tz), reverse=True)


def conditional(port: int, url: str, etag: str) -> tuple[int, str]:
    split = urlsplit(url)
    target = split.path + ("?" + split.query if split.query else "")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", target, headers={"Host": split.netloc, "If-None-Match": etag})
        response = connection.getresponse()
        response.read()
        return response.status, response.headers.get("ETag", "")
    finally:
        connection.close()



def seed_changes(edition: int) -> list[tuple[str, EditionChanges]]:
    """What `edition` changed on the seed sites (every other site has no later edition)."""
    return [(name, change) for name, change in CHANGES[edition].items() if name in SEED_SITES]

# -- the catalogs and the changes ------------------------------------------------------------------


def test_edition_1_is_byte_for_byte_what_the_server_served_before_editions(
    ports: dict[int, int],
) -> None:
    assert CATALOGS[1] == catalog()
    digest = hashlib.sha256()
    # Pages added since (daily archive pages) are new URLs: every URL served before is
    # still served byte for byte.
    # The seed sites': every other site serves its edition 1 in every edition.
    urls = [p.url for p in CATALOGS[1] if p.kind not in ADDED_KINDS and p.source in SEED_SITES
            and p.url not in CHANGED_SINCE] + list(EDITION_1_EXTRA)
    connection = http.client.HTTPConnection("127.0.0.1", ports[1], timeout=10)
    try:
        for url in urls:
            split = urlsplit(url)
            target = split.path + ("?" + split.query if split.query else "")
            connection.request("GET", target, headers={"Host": split.netloc})
            response = connection.getresponse()
            body = response.read()
            headers = sorted((k, v) for k, v in response.getheaders() if k.lower() != "date")
            digest.update(repr((url, response.status, headers)).encode() + body)
    finally:
        connection.close()
    assert digest.hexdigest() == EDITION_1_DIGEST
    assert sorted(CHANGES[1]) == sorted(SOURCES)
    assert all(not (c.new or c.edited or c.deleted or c.redirected_home)
               for c in CHANGES[1].values())


def test_unknown_edition_is_refused() -> None:
    for bad in (0, max(EDITIONS) + 1):
        with pytest.raises(ValueError):
            catalog(bad)
        with pytest.raises(ValueError):
            edition_changes(bad)
        with pytest.raises(ValueError):
            make_server("127.0.0.1", 0, edition=bad)


@pytest.mark.parametrize("edition", LATER)
def test_every_source_changes_in_every_later_edition(edition: int) -> None:
    changes = CHANGES[edition]
    assert sorted(changes) == sorted(SOURCES)
    seeds = {p.url for p in seed_pages().values()}
    gone_statuses = []
    for name, change in changes.items():
        if name not in SEED_SITES:  # the other sites stay as edition 1 gives them
            assert change == EditionChanges(), name
            continue
        if edition == 2:
            assert 1 <= len(change.new) <= 2, name
            assert len(change.deleted) == 1 and len(change.redirected_home) == 1, name
            gone_statuses.append(change.deleted[0].status)
        else:
            assert len(change.new) == 1 and not change.deleted and not change.redirected_home
        assert len(change.edited) == 1, name
        touched = [p.url for p in change.edited + change.deleted + change.redirected_home]
        assert len(set(touched)) == len(touched) and not set(touched) & seeds, name
        assert set(change.tokens) == {p.url for p in change.new + change.edited}
        for page in change.new:
            assert page.kind == "article" and page.status == 200 and page.url not in BY_URL[
                edition - 1]
        for page in change.deleted:
            assert (page.kind, page.status) in (("notfound", 404), ("gone", 410))
            assert page.title == "Page not found" and page.url in BY_URL[edition - 1]
        for page in change.redirected_home:
            assert page.kind == "redirect" and page.status == 301
            assert page.redirect_to == load_config(name).home
        for page in change.edited:
            assert page.status == 200 and page.kind in STORY_KINDS
            assert page.modified and page.phrases and page.old_phrases
            assert BY_URL[edition][page.url].modified == page.modified
            assert BY_URL[edition - 1][page.url].status == 200
    if edition == 2:
        assert sorted(gone_statuses) == [404, 404, 404, 404, 410]


@pytest.mark.parametrize("edition", LATER)
def test_catalog_keeps_every_earlier_url_and_lists_each_once(edition: int) -> None:
    pages = CATALOGS[edition]
    assert len(BY_URL[edition]) == len(pages)
    assert set(BY_URL[edition - 1]) <= set(BY_URL[edition])
    withdrawn = {p.url for c in CHANGES[edition].values() for p in c.deleted + c.redirected_home}
    for url, before in BY_URL[edition - 1].items():
        now = BY_URL[edition][url]
        if url not in withdrawn:
            assert (now.kind, now.status) == (before.kind, before.status), url
    for name, seed in seed_pages().items():
        assert BY_URL[edition][seed.url] == seed, name


@pytest.mark.parametrize("edition", EDITIONS)
def test_urls_match_article_patterns(edition: int) -> None:
    for page in CATALOGS[edition]:
        source = SOURCES[page.source]
        assert source.owns(page.url), page.url
        article_shaped = page.kind in STORY_KINDS + WITHDRAWN_KINDS + ("soft404",)
        assert source.is_article(page.url) == article_shaped, page.url


@pytest.mark.parametrize("edition", LATER)
def test_dates_move_forward(edition: int) -> None:
    for name, change in seed_changes(edition):
        tz = load_config(name).tz
        before = max(to_datetime(p.published, tz) for p in stories(edition - 1, name))
        for page in change.new:
            assert to_datetime(page.published, tz) > before, page.url
            assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", page.published)
            assert "2014" <= page.published[:4] <= "2020"
        for page in change.edited:
            assert before < to_datetime(page.modified, tz), page.url
            assert to_datetime(page.modified, tz) > to_datetime(page.published, tz)


def test_edition_data_holds_no_boilerplate_and_notes_its_origin() -> None:
    for name in SEED_SITES:
        for edition in LATER:
            changes = load_changes(name, edition)
            texts = [" ".join(a.paragraphs) for a in changes.new]
            texts += [e.new + " " + e.paragraph for e in changes.edits]
            for text in texts:
                for phrase in BOILERPLATE_PHRASES:
                    assert phrase not in text, f"{name} {edition}: {phrase!r}"
            for article in changes.new:
                words = len(" ".join(article.paragraphs).split())
                assert 200 <= words <= 400, article.url
                assert "coalition" in " ".join(article.paragraphs).lower(), article.url
                assert 2 <= len(article.phrases) <= 4 and not article.seed
    for path in SITES_DIR.glob("*/editions/*/**/*.toml"):
        assert path.read_text(encoding="utf-8").startswith("# "), path
        assert "sample site" in path.read_text(encoding="utf-8").splitlines()[0], path


# -- over HTTP -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edition,page",
    [(n, p) for n in LATER for p in CATALOGS[n]],
    ids=[f"e{n}-{p.source}-{p.kind}-{p.url}" for n in LATER for p in CATALOGS[n]],
)
def test_every_url_answers_as_its_edition_says(
    ports: dict[int, int], edition: int, page: SamplePage
) -> None:
    got = fetch(ports[edition], page.url)
    assert got.status == page.status
    assert int(got.headers["Content-Length"]) == len(got.raw)
    if page.kind == "redirect":
        assert got.headers["Location"] == page.redirect_to
        assert page.redirect_to in BY_URL[edition]
    if page.kind in ("notfound", "gone"):
        assert "Page not found" in got.text and got.headers.get("ETag") is None
    if page.kind in STORY_KINDS:
        html = got.text
        tree = lxml.html.fromstring(html)
        meta = {m.get("property"): m.get("content") for m in tree.xpath("//meta[@property]")}
        assert meta["og:title"] == page.title and meta["og:url"] == page.url
        # An undated story's page shows no date (its sitemap does): test_samplesites.py.
        assert meta.get("article:published_time", page.published) == page.published
        if page.modified:
            assert meta["article:modified_time"] == page.modified
        body = body_text(page.source, html, drop_chrome=True)
        for phrase in page.phrases:
            assert phrase in body, f"{page.url}: {phrase[:60]}"
        for phrase in BOILERPLATE_PHRASES:
            assert phrase not in body


@pytest.mark.parametrize("edition", LATER)
def test_new_stories_head_feed_sitemap_home_and_listing(
    ports: dict[int, int], edition: int
) -> None:
    port = ports[edition]
    for name, change in seed_changes(edition):
        source = SOURCES[name]
        new = [p.url for p in newest_first(list(change.new), name)]
        count = len(new)
        assert feed_links(fetch(port, source.feeds[0]).text)[:count] == new, name
        assert sitemap_locs(fetch(port, source.sitemaps[0]).text)[:count] == new, name
        home = page_of(edition, name, "home").url
        assert story_links(edition, name, content_links(home, fetch(port, home).text))[
            :count] == new, name
        for page in change.new:
            token = change.tokens[page.url]
            html = fetch(port, page.url).text
            assert token in body_text(name, html, drop_chrome=True)
            section_url = next(s for s in source.sections if fetch(port, s).status == 200
                               and page.url in fetch(port, s).text)
            listed = story_links(edition, name, content_links(section_url,
                                                              fetch(port, section_url).text))
            in_section = [u for u in new if u in listed]
            assert listed[:len(in_section)] == in_section and page.url in in_section
            # The distinctive word: on no page the site served in the previous edition.
            for old in CATALOGS[edition - 1]:
                if old.source == name and old.status == 200:
                    assert token not in fetch(ports[edition - 1], old.url).text, old.url


@pytest.mark.parametrize("edition", LATER)
def test_withdrawn_stories_leave_feeds_listings_and_home_but_stay_in_the_sitemap(
    ports: dict[int, int], edition: int
) -> None:
    port = ports[edition]
    for name in SEED_SITES:
        source = SOURCES[name]
        withdrawn = [p for p in CATALOGS[edition] if p.source == name and p.url in {
            w.url for n in range(2, edition + 1)
            for w in CHANGES[n][name].deleted + CHANGES[n][name].redirected_home}]
        assert len(withdrawn) == 2, name
        locs = sitemap_locs(fetch(port, source.sitemaps[0]).text)
        feeds = [u for feed in source.feeds for u in feed_links(fetch(port, feed).text)]
        listings = [p.url for p in CATALOGS[edition] if p.source == name and p.kind == "listing"]
        listed = [u for url in listings + [page_of(edition, name, "home").url]
                  for u in content_links(url, fetch(port, url).text)]
        for page in withdrawn:
            assert page.url in locs, page.url
            assert page.url not in feeds and page.url not in listed, page.url
            assert fetch(port, page.url).status == page.status


@pytest.mark.parametrize("edition", LATER)
def test_unchanged_pages_keep_their_etag_and_answer_304(
    ports: dict[int, int], edition: int
) -> None:
    old_port, port = ports[edition - 1], ports[edition]
    edited = {p.url for c in CHANGES[edition].values() for p in c.edited}
    for before in CATALOGS[edition - 1]:
        now = BY_URL[edition][before.url]
        if before.status != 200 or now.status != 200:
            continue
        old, new = fetch(old_port, before.url), fetch(port, before.url)
        etag = old.headers["ETag"]
        if before.kind in STORY_KINDS + ("robots", "soft404"):
            assert (old.body != new.body) == (before.url in edited), before.url
        if before.kind in ("home", "sitemap") and before.source in SEED_SITES:
            assert old.body != new.body, before.url
        if old.body == new.body:
            assert new.headers["ETag"] == etag
            assert conditional(port, before.url, etag) == (304, etag), before.url
        else:
            assert new.headers["ETag"] != etag
            assert conditional(port, before.url, etag)[0] == 200, before.url
    for name in SEED_SITES:  # the first feed always changes: items come and go
        feed = SOURCES[name].feeds[0]
        assert fetch(old_port, feed).body != fetch(port, feed).body
    missing = "https://www.france24.com/en/no-such-page"
    assert fetch(old_port, missing).body == fetch(port, missing).body


@pytest.mark.parametrize("edition", LATER)
def test_edited_stories_change_one_sentence_and_gain_a_paragraph(
    ports: dict[int, int], edition: int
) -> None:
    for name, change in seed_changes(edition):
        (page,) = change.edited
        token = change.tokens[page.url]
        old_html = fetch(ports[edition - 1], page.url).text
        new_html = fetch(ports[edition], page.url).text
        old_body = body_text(name, old_html, drop_chrome=True)
        new_body = body_text(name, new_html, drop_chrome=True)
        assert token in new_body and token not in old_body
        assert any(token in phrase for phrase in page.phrases)
        for phrase in page.phrases:
            assert phrase in new_body and phrase not in old_body, phrase
        for phrase in page.old_phrases:
            assert phrase in old_body and phrase not in new_body, phrase
        # Same URL, same title and date, one paragraph more, a later dateModified.
        old_tree, new_tree = lxml.html.fromstring(old_html), lxml.html.fromstring(new_html)
        assert old_tree.findtext(".//title") == new_tree.findtext(".//title")
        previous = BY_URL[edition - 1][page.url]
        assert previous.published == page.published
        xpath = "//meta[@property='article:modified_time']/@content"
        assert new_tree.xpath(xpath) == [page.modified] != old_tree.xpath(xpath)
        for script in new_tree.xpath("//script[@type='application/ld+json']"):
            assert json.loads(script.text)["dateModified"] == page.modified
        assert len(new_tree.xpath("//p")) == len(old_tree.xpath("//p")) + 1
        # Nothing else changed: undo the edit and the old story text comes back.
        (edit,) = load_changes(name, edition).edits
        assert (edit.new, edit.old) == (page.phrases[0], page.old_phrases[0])
        undone = new_body.replace(edit.paragraph, "").replace(edit.new, edit.old)
        assert norm(undone) == old_body


# -- switching a running server --------------------------------------------------------------------


def test_set_edition_switches_a_running_server_live() -> None:
    gen = _serve(1)
    port, server = next(gen)
    try:
        assert server.edition == 1
        deleted = CHANGES[2]["trtworld"].deleted[0]
        moved = CHANGES[2]["ina"].redirected_home[0]
        new = CHANGES[3]["nina"].new[0]
        sitemap = SOURCES["nina"].sitemaps[0]
        bodies: dict[int, bytes] = {}
        assert fetch(port, deleted.url).status == 200 and fetch(port, new.url).status == 404
        bodies[1] = fetch(port, sitemap).body
        server.set_edition(2)
        assert server.edition == 2
        assert fetch(port, deleted.url).status == 410
        assert fetch(port, moved.url).headers["Location"] == "https://ina.iq/eng/"
        assert fetch(port, new.url).status == 404
        bodies[2] = fetch(port, sitemap).body
        server.set_edition(3)
        assert fetch(port, new.url).status == 200 and fetch(port, deleted.url).status == 410
        server.set_edition(1)
        assert fetch(port, deleted.url).status == 200 and fetch(port, sitemap).body == bodies[1]
        with pytest.raises(ValueError):
            server.set_edition(7)
        assert server.edition == 1

        # Requests racing the switches see one edition or the other, never a broken answer.
        seen: list[bytes] = []
        errors: list[BaseException] = []

        def hammer() -> None:
            try:
                for _ in range(25):
                    seen.append(fetch(port, sitemap).body)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for thread in threads:
            thread.start()
        for i in range(40):
            server.set_edition(1 + i % 2)
        for thread in threads:
            thread.join()
        assert not errors and len(seen) == 100
        assert set(seen) <= {bodies[1], bodies[2]}
    finally:
        next(gen, None)


def test_a_taken_down_story_leaves_its_daily_archive_page(ports: dict[int, int]) -> None:
    mosul = "https://www.france24.com/en/20161020-paris-hosts-mosul-meeting-coalition-future-iraq"
    day = "https://www.france24.com/en/archives/2016/10/20-October-2016"
    assert BY_URL[1][day].kind == BY_URL[2][day].kind == "archive"
    for edition, listed in ((1, True), (2, False)):
        got = fetch(ports[edition], day)
        assert got.status == 200
        assert ('href="/en/20161020-paris-hosts-mosul' in got.text) == listed, edition
    assert BY_URL[2][mosul].status == 404
