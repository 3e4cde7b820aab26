"""End to end: every source (the 26 sample sites) crawled through Scrapy's real
downloader on 127.0.0.1 into WARC files, extracted, indexed and searched; a second
crawl of an archive is that of the five seed sources (conftest.py)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.samplesites import BOILERPLATE_PHRASES, catalog, seed_pages
from archive.sources import load_sources
from tests.conftest import run_cli

ARTICLE_KINDS = {"article", "unrelated"}


def warc_files(archive: Path) -> list[Path]:
    return sorted((archive / "warc").glob("*.warc.gz"))


def all_records(archive: Path) -> list[tuple[Path, dict[str, str], int | None]]:
    records = []
    for path in warc_files(archive):
        with path.open("rb") as f:
            for record in ArchiveIterator(f):
                headers = dict(record.rec_headers.headers)
                status = None
                if record.http_headers and record.rec_type == "response":
                    status = int(record.http_headers.get_statuscode())
                records.append((path, headers, status))
    return records


def db(archive: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(archive / "index.db")
    conn.row_factory = sqlite3.Row
    return conn


def test_every_warc_file_is_closed_valid_and_passes_warcio_check_and_gzip_t(crawled_archive):
    files = warc_files(crawled_archive)
    assert files, "no WARC written"
    assert not list((crawled_archive / "warc").glob("*.open")), "a WARC file was left open"
    warcio = Path(sys.executable).with_name("warcio")
    for path in files:
        check = subprocess.run([str(warcio), "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        assert subprocess.run(["gzip", "-t", str(path)]).returncode == 0
        with gzip.open(path) as f:
            assert f.readline().startswith(b"WARC/1.1")


def test_each_file_starts_with_warcinfo_and_requests_pair_with_responses(crawled_archive):
    records = all_records(crawled_archive)
    by_file: dict[Path, list[dict[str, str]]] = {}
    for path, headers, _ in records:
        by_file.setdefault(path, []).append(headers)
    for path, headers_list in by_file.items():
        assert headers_list[0]["WARC-Type"] == "warcinfo", path
        warcinfo_id = headers_list[0]["WARC-Record-ID"]
        requests = {h["WARC-Record-ID"]: h for h in headers_list if h["WARC-Type"] == "request"}
        responses = [h for h in headers_list if h["WARC-Type"] == "response"]
        # A revisit answers a request too: the robots.txt of a host that several editions
        # share is fetched by each edition's spider, and is the same payload each time.
        exchanges = responses + [h for h in headers_list if h["WARC-Type"] == "revisit"]
        assert len(requests) == len(exchanges) and responses
        for exchange in exchanges:
            request = requests[exchange["WARC-Concurrent-To"]]
            assert request["WARC-Target-URI"] == exchange["WARC-Target-URI"]
            assert request["WARC-Date"] == exchange["WARC-Date"]
        for response in responses:
            assert response["WARC-Warcinfo-ID"] == warcinfo_id
            assert response["WARC-Payload-Digest"].startswith("sha1:")
            assert response["WARC-Block-Digest"].startswith("sha1:")
            # --via: the real URL is kept, the address contacted is recorded.
            assert response["WARC-IP-Address"] == "127.0.0.1"


def test_every_kind_of_exchange_is_archived_under_its_real_url(crawled_archive):
    statuses = {h["WARC-Target-URI"]: s for _, h, s in all_records(crawled_archive)
                if h["WARC-Type"] == "response"}
    pages = catalog()
    for page in pages:
        if page.kind in {"robots", "feed", "sitemap", "listing", "redirect", "notfound",
                         "soft404", "article", "unrelated"}:
            assert statuses.get(page.url) == page.status, (page.kind, page.url)
    assert not any("127.0.0.1" in uri for uri in statuses)


def test_every_article_of_every_source_is_indexed_once(crawled_archive):
    expected = {p.url for p in catalog() if p.kind in ARTICLE_KINDS}
    rows = db(crawled_archive).execute("select url, source from articles").fetchall()
    urls = Counter(row["url"] for row in rows)
    assert set(urls) == expected
    assert max(urls.values()) == 1
    assert {row["source"] for row in rows} == set(load_sources())


def test_every_article_has_its_title_its_date_and_its_language(crawled_archive):
    conn = db(crawled_archive)
    sources = load_sources()
    for page in catalog():
        if page.kind not in ARTICLE_KINDS:
            continue
        row = conn.execute("select * from articles where url = ?", [page.url]).fetchone()
        assert row["source"] == page.source, page.url
        assert row["title"] == page.title, page.url
        # The newsroom's day, as the page prints it (Arabic month names, Eastern digits).
        assert row["published"] == page.published[:10], page.url
        assert row["language"] == sources[page.source].language, page.url
        for phrase in page.phrases:
            assert phrase in row["text"], (page.url, phrase)


def test_the_topic_separates_coalition_stories_from_the_unrelated_ones(crawled_archive):
    # Every sample site has stories about the coalition's war (kind "article") and
    # stories about something else (kind "unrelated"), in its edition's language; the
    # lexicon was not tuned on the newer sites' stories. One known miss: a 190-word
    # culture story that mentions "the war with ISIS" once (Kurdistan24's book fair).
    conn = db(crawled_archive)
    topics = dict(conn.execute("select url, topic from articles").fetchall())
    pages = [p for p in catalog() if p.kind in ARTICLE_KINDS]
    marked = {p.url for p in pages if topics[p.url] == "coalition"}
    about = {p.url for p in pages if p.kind == "article"}
    precision, recall = len(marked & about) / len(marked), len(marked & about) / len(about)
    assert precision >= 0.97 and recall >= 0.97, sorted(marked ^ about)
    facet = dict(conn.execute("select topic, count(*) from articles group by topic"))
    assert facet["coalition"] == len(marked) and facet[""] == len(pages) - len(marked)


def test_seed_articles_are_complete_with_metadata(crawled_archive):
    conn = db(crawled_archive)
    for source, page in seed_pages().items():
        row = conn.execute("select * from articles where url = ?", [page.url]).fetchone()
        assert row is not None, source
        assert row["source"] == source
        for phrase in page.phrases:
            assert phrase in row["text"], (source, phrase)
        assert row["title"] == page.title
        assert row["published"] == page.published[:10]
        if page.author:
            assert page.author in row["author"]
        assert row["language"] == "en"
        assert row["extractor"] == "trafilatura" and row["extractor_version"]
        assert row["warc_file"].endswith(".warc.gz") and row["capture_record_id"]


def test_a_page_without_a_date_is_dated_by_its_news_sitemap(crawled_archive):
    """The sample NINA story whose page shows no date (archive/samplesites/render.py,
    undated_urls) takes the day its news sitemap gives; every other article keeps its
    page's date. The sitemap's fields are in `listings`, pointing at its capture."""
    from archive.samplesites.data import load_config
    from archive.samplesites.render import undated_urls

    conn = db(crawled_archive)
    undated = undated_urls(load_config("nina"))
    assert undated
    pages = {p.url: p for p in catalog()}
    for url in undated:
        row = conn.execute("select published, published_from from articles where url = ?",
                           [url]).fetchone()
        assert tuple(row) == (pages[url].published[:10], "sitemap")
        listing = conn.execute(
            "select l.title, l.language, l.publication_date, c.url from listings l "
            "join captures c on c.record_id = l.sitemap_record_id where l.url = ?",
            [url]).fetchone()
        assert listing["title"] == pages[url].title and listing["language"] == "en"
        assert listing["publication_date"].startswith(pages[url].published[:10])
        assert listing["url"] == "https://www.ninanews.com/Website/sitemap.xml"
    others = conn.execute("select published_from, count(*) from articles where url not in "
                          f"({', '.join('?' for _ in undated)}) group by 1", list(undated))
    assert dict(others.fetchall()) == {"page": len(pages_of_kinds(ARTICLE_KINDS)) - 1}
    keywords = conn.execute("select count(*) from listings where source = 'france24' "
                            "and keywords != ''").fetchone()[0]
    assert keywords >= 1


def pages_of_kinds(kinds: set[str]) -> list:
    return [p for p in catalog() if p.kind in kinds]


def test_no_boilerplate_reaches_any_article_text(crawled_archive):
    rows = db(crawled_archive).execute("select url, title, text from articles").fetchall()
    assert len(rows) >= 25
    for row in rows:
        for phrase in BOILERPLATE_PHRASES:
            assert phrase not in row["text"], (row["url"], phrase)
            assert phrase not in row["title"], (row["url"], phrase)


def test_soft_404_is_archived_but_not_indexed(crawled_archive):
    conn = db(crawled_archive)
    soft404s = [p for p in catalog() if p.kind == "soft404"]
    assert len(soft404s) >= 5
    for page in soft404s:
        assert conn.execute("select 1 from articles where url = ?", [page.url]).fetchone() is None
        row = conn.execute("select status from non_articles where url = ?", [page.url]).fetchone()
        assert row is not None and row["status"] == "soft404", page.url
        assert conn.execute(
            "select status from captures where url = ?", [page.url]
        ).fetchone()["status"] == 200


def test_redirects_and_404s_are_captured_not_indexed(crawled_archive):
    conn = db(crawled_archive)
    pages = [page for page in catalog() if page.kind in ("redirect", "notfound")]
    assert {page.kind for page in pages} == {"redirect", "notfound"} and len(pages) >= 10
    for page in pages:
        indexed = conn.execute("select 1 from articles where url = ?", [page.url]).fetchone()
        assert indexed is None
        capture = conn.execute("select * from captures where url = ?", [page.url]).fetchone()
        assert capture["status"] == page.status
        if page.kind == "redirect":
            target = urlsplit(page.redirect_to)
            path = target.path + (f"?{target.query}" if target.query else "")
            assert capture["location"].endswith(path)


# Words the sample sites' other outlets use in their reports of the seed's figure (the 37,800
# sorties quoted by Shafaq News, Kurdistan24, Al Jazeera and Middle East Eye, for claims
# and stories).
QUOTED_ELSEWHERE = {"sorties"}


@pytest.mark.parametrize(
    ("word", "source"),
    [("Ramadi", "trtworld"), ("Blinken", "trtworld"), ("Stoltenberg", "france24"),
     ("sorties", "ina"), ("Hagel", "chinatopix"), ("Lavrov", "nina")],
)
def test_search_finds_the_seed_article_first(crawled_archive, word, source):
    # The word as typed: with synonyms, an Arabic story with الرمادي in its title ranks
    # above the English ones for "Ramadi" (the next test).
    result = run_cli("search", word, "--json", "--no-synonyms",
                     "--archive", str(crawled_archive))
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert hits, word
    if word in QUOTED_ELSEWHERE:
        # Other outlets' shorter reports of the same figure may rank above it: the seed
        # is its own source's first hit.
        hits = [hit for hit in hits if hit["source"] == source]
    assert hits[0]["url"] == seed_pages()[source].url
    assert word.lower() in hits[0]["snippet"].lower()


def test_search_with_synonyms_finds_the_other_languages_editions_too(crawled_archive):
    def found(*extra: str) -> set[str]:
        result = run_cli("search", "Ramadi", "--json", "--limit", "100", *extra,
                         "--archive", str(crawled_archive))
        assert result.returncode == 0, result.stderr
        return {json.loads(line)["source"] for line in result.stdout.splitlines()}

    plain, widened = found("--no-synonyms"), found()
    assert "trtworld" in plain and plain < widened
    assert any(source.endswith("_ar") for source in widened - plain), widened - plain


def test_search_filters_by_source_and_date(crawled_archive):
    result = run_cli("search", "coalition", "--json", "--source", "france24",
                     "--archive", str(crawled_archive))
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert hits and {h["source"] for h in hits} == {"france24"}
    # A limit above the default 20: the sample sites have more than 20 coalition
    # articles since 2019 (four outlets quote the seed's sorties).
    result = run_cli("search", "coalition", "--json", "--since", "2019-01-01",
                     "--limit", "100", "--archive", str(crawled_archive))
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(h["published"] >= "2019-01-01" for h in hits)
    assert seed_pages()["ina"].url in {h["url"] for h in hits}
    assert seed_pages()["trtworld"].url not in {h["url"] for h in hits}


def test_crawl_stats_reach_the_user(crawled_archive):
    log = (crawled_archive / "crawl.log").read_text()
    for source in ("trtworld", "france24", "ina", "chinatopix", "nina"):
        assert f"{source}: " in log and "articles indexed" in log


def test_second_crawl_of_same_archive_appends_new_files(seed_archive, rechecked_seed_archive):
    # The seed sources' crawl, and a copy of it crawled again (conftest.py).
    archive, _ = rechecked_seed_archive
    before = {path.name for path in warc_files(seed_archive)}
    after = {path.name for path in warc_files(archive)}
    assert before < after
    conn = db(archive)
    # Re-crawled articles update their row, never duplicate it.
    assert conn.execute("select count(*) from articles").fetchone()[0] == \
        db(seed_archive).execute("select count(*) from articles").fetchone()[0]


def test_plain_scrapy_crawl_works_and_a_slow_extraction_cannot_stall_it(sample_sites_url,
                                                                        tmp_path):
    """`scrapy crawl NAME` runs the same components; with an extraction time limit
    no page can meet, every article is killed and counted while the crawl goes on."""
    scrapy = Path(sys.executable).with_name("scrapy")
    archive = tmp_path / "a"
    settings = {
        "PRESSARCHIVE_ARCHIVE_DIR": str(archive), "PRESSARCHIVE_VIA": sample_sites_url,
        "DOWNLOAD_DELAY": "0", "PRESSARCHIVE_MAX_ARTICLES": "2",
        "PRESSARCHIVE_EXTRACT_TIMEOUT": "0.001", "PRESSARCHIVE_EXTRACT_WORKERS": "1",
    }
    args = [str(scrapy), "crawl", "trtworld"]
    for key, value in settings.items():
        args += ["-s", f"{key}={value}"]
    result = subprocess.run(args, cwd=Path(__file__).resolve().parents[1], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "'articles/timeout': 2" in result.stderr
    conn = db(archive)
    assert conn.execute("select count(*) from articles").fetchone()[0] == 0
    statuses = [r[0] for r in conn.execute("select status from non_articles")]
    assert statuses == ["timeout", "timeout"]
    # Everything else was still fetched and archived.
    assert conn.execute("select count(*) from captures").fetchone()[0] >= 8
    assert not list((archive / "warc").glob("*.open"))


def test_unchanged_pages_are_archived_as_revisits_that_resolve(seed_archive,
                                                                rechecked_seed_archive):
    """A second crawl (of the seed sources, conftest.py): articles are rechecked
    conditionally and answer 304 (server-not-modified revisits); feeds, sitemaps and
    listings are fetched in full and, unchanged, become identical-payload revisits. Both
    resolve to the original payload."""
    from archive.warc.reader import iter_records
    from archive.warc.revisits import RevisitResolver

    archive, _ = rechecked_seed_archive
    old_names = {p.name for p in warc_files(seed_archive)}
    new_files = [p for p in warc_files(archive) if p.name not in old_names]
    assert new_files
    warcio = Path(sys.executable).with_name("warcio")
    for path in new_files:
        assert subprocess.run([str(warcio), "check", str(path)]).returncode == 0
    resolver = RevisitResolver.scan(archive / "warc")
    new_records = [r for p in new_files for r in iter_records(p)]
    revisits = {r.target_uri: r for r in new_records if r.rec_type == "revisit"}
    requests = {r.record_id: r for r in new_records if r.rec_type == "request"}
    pages = [p for p in catalog() if p.source == "france24"]

    seed = seed_pages()["france24"]
    not_modified = revisits[seed.url]
    assert not_modified.warc_header("WARC-Profile").endswith("/server-not-modified")
    assert not_modified.http_status == 304
    request = requests[not_modified.warc_header("WARC-Concurrent-To")]
    assert request.http_header("If-None-Match").startswith('W/"')
    assert not_modified.warc_header("WARC-Refers-To-Target-URI") == seed.url
    assert not_modified.warc_header("WARC-Refers-To-Date")
    assert not_modified.body == b""
    assert seed.phrases[0].encode() in resolver.resolve(not_modified).decoded_body()

    feed = next(p for p in pages if p.kind == "feed")
    identical = revisits[feed.url]
    assert identical.warc_header("WARC-Profile").endswith("/identical-payload-digest")
    assert identical.http_status == 200

    articles = [p for p in pages if p.kind in ARTICLE_KINDS]
    assert {p.url for p in articles} <= set(revisits)
    # Every revisit resolves to a payload with the digest it claims.
    for revisit in revisits.values():
        digest = base64.b32encode(hashlib.sha1(resolver.resolve(revisit).body).digest())
        assert revisit.payload_digest == "sha1:" + digest.decode()
    conn = db(archive)
    sql = "select capture_record_id from articles where url = ?"
    row = conn.execute(sql, [seed.url]).fetchone()
    original = conn.execute("select rec_type from captures where record_id = ?",
                            [row["capture_record_id"]]).fetchone()
    assert original["rec_type"] == "response"
    # The second crawl's captures (the first may hold revisits of its own, in a crawl of
    # two editions that share a robots.txt): each of its revisits has its capture row.
    new_names = {p.name for p in new_files}
    kinds = Counter(r[0] for r in conn.execute("select rec_type, warc_file from captures")
                    if Path(r[1]).name in new_names)
    assert kinds["revisit"] == len(revisits)
