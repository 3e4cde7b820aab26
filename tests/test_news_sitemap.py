"""News sitemap fields: read from the archived sitemap (safely), kept in `listings`, and
the date of an article whose page shows none, whichever of the two is indexed first."""

from __future__ import annotations

import gzip
import sqlite3
from collections import Counter
from pathlib import Path

from archive.articles import record_extraction, record_listings
from archive.extract import ExtractionResult
from archive.index.schema import Capture
from archive.index.writer import IndexWriter
from archive.news_sitemap import (
    MAX_ENTRIES,
    NewsSitemap,
    listed_day,
    looks_like_news_sitemap,
    read_news_sitemap,
)
from tests.helpers.index_rows import TABLES, rows

HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n')


def entry(loc: str, date: str = "2015-07-28T10:00:00+03:00", title: str = "Ramadi",
          keywords: str = "ISIS, Ramadi", language: str = "en") -> bytes:
    return (f"<url><loc>{loc}</loc><news:news><news:publication><news:name>TRT World"
            f"</news:name><news:language>{language}</news:language></news:publication>"
            f"<news:publication_date>{date}</news:publication_date>"
            f"<news:title>{title}</news:title><news:keywords>{keywords}</news:keywords>"
            "</news:news></url>\n").encode()


def test_news_fields_are_read() -> None:
    body = HEAD + entry("https://www.trtworld.com/a-1", title="Coalition &amp; Iraq") + \
        b"<url><loc>https://www.trtworld.com/plain</loc></url>\n</urlset>"
    found = read_news_sitemap(body)
    assert [(e.url, e.publication_date, e.title, e.keywords, e.language)
            for e in found.entries] == [
        ("https://www.trtworld.com/a-1", "2015-07-28T10:00:00+03:00", "Coalition & Iraq",
         "ISIS, Ramadi", "en")]
    assert found.skipped == 1 and found.errors == 0  # the plain <url> has no news fields
    assert read_news_sitemap(gzip.compress(body)).entries == found.entries


def test_only_news_sitemaps_are_parsed() -> None:
    assert looks_like_news_sitemap(HEAD + b"</urlset>")
    assert looks_like_news_sitemap(gzip.compress(HEAD + b"</urlset>"))
    assert not looks_like_news_sitemap(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>')
    assert not looks_like_news_sitemap(b"<html><body>urlset</body></html>")
    assert not looks_like_news_sitemap(b"\x1f\x8bnot gzip at all")


def test_broken_sitemap_keeps_what_it_read_and_counts_the_damage() -> None:
    body = HEAD + entry("https://x.org/1") + b"<url><loc>https://x.org/2</loc><news:news>" \
        b"<news:title>cut <b></news:news>\n" + entry("https://x.org/3")  # never closed
    found = read_news_sitemap(body, "test")
    assert found.errors >= 1
    assert {e.url for e in found.entries} >= {"https://x.org/1"}
    assert read_news_sitemap(b"\x1f\x8b garbage").errors == 1
    assert read_news_sitemap(b"").entries == []


def test_hostile_sitemaps_neither_expand_nor_read_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    laughs = b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "' + b"a" * 100 + b'">' + b"".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">'.encode()
        for p, c in zip("abcdefg", "bcdefgh", strict=True)) + b"]>"
    xxe = f'<!DOCTYPE u [<!ENTITY x SYSTEM "file://{secret}">]>'.encode()
    for prolog, title in ((laughs, "&h;"), (xxe, "&x;")):
        body = prolog + HEAD.split(b"\n", 1)[1] + entry("https://x.org/1", title=title) \
            + b"</urlset>"
        found = read_news_sitemap(body)
        # Entities are left unexpanded, or libxml2 stops at the amplification (counted).
        assert found.entries or found.errors
        for got in found.entries:
            assert "TOPSECRET" not in got.title and len(got.title) < 1000


def test_entries_and_fields_are_capped() -> None:
    many = HEAD + entry("https://x.org/0", title="t" * 5000) + \
        entry("https://x.org/1") * (MAX_ENTRIES + 4) + b"</urlset>"
    found = read_news_sitemap(many)
    assert len(found.entries) == MAX_ENTRIES and found.skipped == 5
    assert len(found.entries[0].title) == 1000


def test_listed_day_is_the_publishers_day_and_never_after_the_capture() -> None:
    assert listed_day("2015-07-28T01:00:00+03:00", "2015-07-28T08:00:00Z") == "2015-07-28"
    assert listed_day("2015-07-28T23:30:00-05:00", "2015-07-29T08:00:00Z") == "2015-07-28"
    assert listed_day("2015-07-28", "2015-07-27T22:00:00Z") == "2015-07-28"  # a day east
    assert listed_day("2015-07-28T12:00:00Z", "2015-07-28T08:00:00Z") == ""  # later
    assert listed_day("2015-07-30", "2015-07-28T08:00:00Z") == ""
    assert listed_day("2015-07", "2015-07-28T08:00:00Z") == ""  # no whole day
    assert listed_day("1970-01-01", "2015-07-28T08:00:00Z") == ""
    assert listed_day("yesterday", "2015-07-28T08:00:00Z") == ""


def capture(url: str, record_id: str, fetched_at: str) -> Capture:
    return Capture(url=url, source="trtworld", status=200, content_type="text/xml",
                   fetched_at=fetched_at, warc_file="a.warc.gz", warc_offset=0,
                   warc_length=1, record_id=record_id, payload_digest="sha1:X")


SITEMAP = capture("https://www.trtworld.com/sitemap-news.xml", "<urn:uuid:s>",
                  "2015-07-28T09:00:00Z")
ARTICLE = capture("https://www.trtworld.com/a-1", "<urn:uuid:a>", "2015-07-28T09:00:01Z")
DATED = capture("https://www.trtworld.com/a-2", "<urn:uuid:b>", "2015-07-28T09:00:02Z")


def result(url: str, published: str = "") -> ExtractionResult:
    return ExtractionResult(status="ok", url=url, title="Ramadi", published=published,
                            text="The coalition struck near Ramadi.", word_count=5)


def index_in_order(path: Path, sitemap_first: bool) -> Path:
    sitemap = NewsSitemap(entries=read_news_sitemap(
        HEAD + entry("/a-1") + entry("https://www.trtworld.com/a-2", date="2015-07-20")
        + b"</urlset>").entries)
    index = IndexWriter(path)
    steps = [lambda: record_listings(index, SITEMAP, sitemap),
             lambda: record_extraction(index, ARTICLE, result(ARTICLE.url), "h"),
             lambda: record_extraction(index, DATED, result(DATED.url, "2015-07-27"), "h")]
    for step in (steps if sitemap_first else steps[1:] + steps[:1]):
        step()
    index.close()
    return path


def test_an_undated_page_takes_its_sitemap_date_whichever_is_indexed_first(tmp_path) -> None:
    first = index_in_order(tmp_path / "first.db", sitemap_first=True)
    late = index_in_order(tmp_path / "late.db", sitemap_first=False)
    conn = sqlite3.connect(first)
    assert conn.execute("select url, published, published_from from articles order by url"
                        ).fetchall() == [
        ("https://www.trtworld.com/a-1", "2015-07-28", "sitemap"),
        ("https://www.trtworld.com/a-2", "2015-07-27", "page")]  # the page's date wins
    assert conn.execute("select url, sitemap_record_id, publication_date, published, title, "
                        "keywords, language from listings order by url").fetchall()[0] == (
        "https://www.trtworld.com/a-1", "<urn:uuid:s>", "2015-07-28T10:00:00+03:00",
        "2015-07-28", "Ramadi", "ISIS, Ramadi", "en")
    for table in TABLES:
        if table != "captures":
            assert rows(late, table) == rows(first, table), table
    # A recrawl of the same page is the same version: its date was filled in versions too.
    index = IndexWriter(late)
    assert record_extraction(index, ARTICLE, result(ARTICLE.url), "h") == ("same", Counter())
    index.close()


def test_the_first_listing_of_a_url_is_kept(tmp_path) -> None:
    index = IndexWriter(tmp_path / "index.db")
    first = read_news_sitemap(HEAD + entry("/a-1", title="First") + b"</urlset>")
    later = read_news_sitemap(HEAD + entry("/a-1", title="Later") + b"</urlset>")
    assert record_listings(index, SITEMAP, first)["index/listings_added"] == 1
    again = capture(SITEMAP.url, "<urn:uuid:s2>", "2015-07-28T10:00:00Z")
    assert "index/listings_added" not in record_listings(index, again, later)
    assert index.db.execute("select title from listings").fetchall() == [("First",)]
    index.close()
