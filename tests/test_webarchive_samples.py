"""The sample web archive and CC-NEWS set (archive.samplesites.webarchive): their WARC files,
pywb's CDX API and raw replay over them, the live sample sites' answers for the same URLs, and
the Range file server. Real pywb, real HTTP, real warcio; nothing mocked.

One file over 500 lines on purpose: the tests share one built archive and one running pywb
(module fixtures); split, each part would build and start them again.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import threading
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import lxml.html
import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.samplesites import make_server
from archive.samplesites.webarchive import (
    Capture,
    CCNews,
    CCNewsService,
    WebArchive,
    build_web_archive,
)
from archive.samplesites.webarchive.build import write_warcs
from archive.samplesites.webarchive.ccnews import write_files
from archive.samplesites.webarchive.warcfiles import http_date, warc_date
from archive.sources import source_for_url
from tests.helpers.samplesites import OPENER, SOURCES, body_text
from tests.helpers.samplesites import fetch as fetch_live
from tests.helpers.webarchive import (
    library_served_web_archive,
    served_cc_news,
    served_web_archive,
)

SEED_CT = ("http://www.chinatopix.com/articles/31164/20150122/"
           "iraq-frustrated-over-coalitions-efforts-in-islamic-state-fight.htm")
SEED_TRT = "http://www.trtworld.com/americas/blinken-coalition-killed-more-10000-isis-militants-2429"
CDX_FIELDS = ("url", "timestamp", "status", "mime", "digest", "filename", "offset", "length")


@pytest.fixture(scope="module")
def wayback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebArchive, str]]:
    with served_web_archive(tmp_path_factory.mktemp("webarchive")) as served:
        yield served


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """A GET that follows no redirect (a 301 capture must stay a 301)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def cdx(prefix: str, query: str) -> list[dict[str, str]]:
    status, _, body = get(f"{prefix}cdx?{query}")
    assert status == 200, body[:500]
    return [json.loads(line) for line in body.decode("utf-8").splitlines() if line.strip()]


def expected(captures: list[Capture]) -> list[tuple[str, ...]]:
    return [(c.url, c.timestamp, str(c.status), c.mime, c.digest, c.filename, str(c.offset),
             str(c.length)) for c in captures]


def listed(lines: list[dict[str, str]]) -> list[tuple[str, ...]]:
    return [tuple(line[f] for f in CDX_FIELDS) for line in lines]


def sha1_base32(data: bytes) -> str:
    return base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


# --- the WARC files ---------------------------------------------------------------------------

def test_warc_files_are_byte_for_byte_the_same_on_every_build(tmp_path: Path) -> None:
    files_a, captures_a = write_warcs(tmp_path / "a")
    files_b, captures_b = write_warcs(tmp_path / "b")
    assert [f.name for f in files_a] == [f.name for f in files_b]
    for a, b in zip(files_a, files_b, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert captures_a == captures_b


def test_records_carry_the_capture_time_and_a_request_each(wayback) -> None:
    archive, _ = wayback
    by_place = {(c.filename, c.offset): c for c in archive.captures}
    ids, seen = set(), 0
    for path in archive.warc_files:
        with path.open("rb") as fh:
            records = []
            for record in (iterator := ArchiveIterator(fh, check_digests=True)):
                records.append((record, iterator.get_record_offset()))
                record.content_stream().read()
                records[-1] += (iterator.get_record_length(),)
        assert records[0][0].rec_type == "warcinfo"
        for (record, offset, length), (request, _, _) in zip(records[1::2], records[2::2],
                                                             strict=True):
            capture = by_place.pop((path.name, offset))
            seen += 1
            assert record.rec_type == "response" and length == capture.length
            assert record.rec_headers["WARC-Date"] == warc_date(capture.timestamp)
            assert record.http_headers["Date"] == http_date(capture.timestamp)
            assert record.rec_headers["WARC-Target-URI"] == capture.url
            assert record.rec_headers["WARC-Payload-Digest"] == "sha1:" + capture.digest
            assert request.rec_type == "request"
            assert request.rec_headers["WARC-Concurrent-To"] == record.rec_headers["WARC-Record-ID"]
            assert request.rec_headers["WARC-Date"] == record.rec_headers["WARC-Date"]
            assert request.http_headers["Host"] == urlsplit(capture.url).hostname
            ids |= {record.rec_headers["WARC-Record-ID"], request.rec_headers["WARC-Record-ID"]}
    assert by_place == {} and seen == len(archive.captures) and len(ids) == 2 * seen


def test_the_archive_has_what_back_fill_tests_need(wayback) -> None:
    archive, _ = wayback
    captures = archive.captures
    assert {c.source for c in captures} == {"chinatopix", "trtworld", "nina"}
    years: dict[str, set[str]] = {}
    for c in captures:
        years.setdefault(c.source, set()).add(c.timestamp[:4])
    assert {"2015"} <= years["chinatopix"] and {"2015"} <= years["trtworld"]
    assert {"2014", "2016", "2017"} <= years["nina"]
    # Duplicates: the same payload at several capture times, for every source.
    for source in ("chinatopix", "trtworld", "nina"):
        by_digest: dict[tuple[str, str], list[str]] = {}
        for c in captures:
            if c.source == source:
                by_digest.setdefault((c.url, c.digest), []).append(c.timestamp)
        assert max(len(times) for times in by_digest.values()) >= 2, source
    assert {c.status for c in captures} >= {200, 301, 404}
    assert {c.kind for c in captures} == {"article", "home", "listing"}
    gone = {c.source for c in captures if c.live == "notfound" and c.status == 200}
    assert gone == {"chinatopix", "trtworld", "nina"}


def test_the_china_topix_seed_is_archived_with_its_2015_date_in_its_own_template(
        wayback) -> None:
    archive, prefix = wayback
    seeds = archive.of(SEED_CT)
    assert len(seeds) == 3 and len({c.digest for c in seeds}) == 1
    assert all(c.timestamp.startswith("2015") for c in seeds)
    assert {c.published for c in seeds} == {"2015-01-22"}
    status, _, body = get(f"{prefix}{seeds[0].timestamp}id_/{SEED_CT}")
    assert status == 200
    tree = lxml.html.fromstring(body)
    assert tree.xpath("//div[contains(@class,'artbody')]/div[contains(@class,'share')]"
                      "[contains(., 'Like Us on Facebook')]")
    assert tree.xpath("//div[contains(@class,'artbody')]/p[@class='storytag']")
    assert tree.xpath("//time/@datetime") == ["2015-01-22"]
    text = tree.text_content()
    for chrome in ("CHINA TOPIX", "Make CT Your Homepage", "Real Time Analytics"):
        assert chrome in text
    assert "(Photo : Reuters/U.S. Air Force/Matthew Bruch)" in text


def test_article_text_survives_the_sources_drop_rules_and_chrome_does_not(wayback) -> None:
    archive, prefix = wayback
    articles = [c for c in archive.captures if c.kind == "article" and c.status == 200]
    for c in articles:
        _, _, body = get(f"{prefix}{c.timestamp}id_/{c.url}")
        text = body_text(c.source, body.decode("utf-8"), drop_chrome=True)
        assert c.phrases and all(p in text for p in c.phrases), c.url
        assert "Like Us on Facebook" not in text and "Photo by:" not in text, c.url


def test_urls_match_the_sources_article_patterns(wayback) -> None:
    archive, _ = wayback
    for c in archive.captures:
        source = source_for_url(c.url, SOURCES)
        assert source is not None and source.name == c.source, c.url
        assert source.is_article(c.url) == (c.kind == "article"), c.url


@pytest.mark.parametrize("edition", [1, 2, 3])
def test_the_live_sample_sites_answer_as_each_capture_says(wayback, edition) -> None:
    """"notfound": the story is gone from the live site in every edition, only the archive
    keeps it; the others answer as ``live`` says."""
    archive, _ = wayback
    with make_server("127.0.0.1", 0, edition=edition) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            for url in sorted({c.url for c in archive.captures}):
                live = archive.of(url)[0].live
                answer = fetch_live(server.server_address[1], url)
                status = {"notfound": 404, "redirect": 301}.get(live, 200)
                assert answer.status == status, (edition, url, answer.status)
                if live in ("notfound", "soft404"):
                    assert "Page not found" in answer.text, url
                if live == "article":
                    assert archive.of(url)[0].title in answer.text, url
        finally:
            server.shutdown()


# --- pywb's CDX API ---------------------------------------------------------------------------

def test_a_prefix_query_lists_every_capture_of_a_site(wayback) -> None:
    archive, prefix = wayback
    mine = [c for c in archive.captures if c.source == "chinatopix"]
    lines = cdx(prefix, "url=www.chinatopix.com/&matchType=prefix&output=json")
    assert listed(lines) == expected(mine)
    # The scheme and the case of the path do not matter to the SURT key; `*` means prefix.
    assert cdx(prefix, "url=https://WWW.CHINATOPIX.COM/*&output=json") == lines
    assert cdx(prefix, "url=www.chinatopix.com&matchType=host&output=json") == lines
    assert cdx(prefix, "url=chinatopix.com/&matchType=prefix&output=json") == lines
    # Without output=json: CDXJ lines, "urlkey timestamp {json}".
    _, _, text = get(f"{prefix}cdx?url=www.chinatopix.com/&matchType=prefix")
    first_key, first_time, first_data = text.decode().splitlines()[0].split(" ", 2)
    assert (first_key, first_time) == (lines[0]["urlkey"], lines[0]["timestamp"])
    assert json.loads(first_data)["offset"] == lines[0]["offset"]
    # A wrong collection name is no error, just no lines.
    other = prefix.removesuffix(f"{archive.coll_name}/") + "no-such-collection/"
    assert cdx(other, "url=www.chinatopix.com/&matchType=prefix&output=json") == []
    nina = cdx(prefix, "url=www.ninanews.com/website/news/details?key=723418&output=json")
    assert listed(nina) == expected(archive.of(
        "http://www.ninanews.com/Website/News/Details?key=723418"))


def test_from_and_to_bound_the_capture_time(wayback) -> None:
    archive, prefix = wayback
    mine = [c for c in archive.captures if c.source == "chinatopix"]
    lines = cdx(prefix, "url=www.chinatopix.com/&matchType=prefix&output=json"
                        "&from=20150123&to=20150301")
    inside = [c for c in mine if "20150123000000" <= c.timestamp <= "20150301235959"]
    assert listed(lines) == expected(inside) and 0 < len(inside) < len(mine)
    # Short bounds are padded: from down to the start, to up to the end of the period.
    lines = cdx(prefix, "url=www.chinatopix.com/&matchType=prefix&output=json"
                        "&from=2015&to=201501")
    assert listed(lines) == expected([c for c in mine if c.timestamp[:6] == "201501"])


def test_filters_on_status_by_substring_exact_regex_and_negation(wayback) -> None:
    archive, prefix = wayback
    site = "url=www.chinatopix.com/&matchType=prefix&output=json"
    mine = [c for c in archive.captures if c.source == "chinatopix"]
    ok = [c for c in mine if c.status == 200]
    assert listed(cdx(prefix, f"{site}&filter=statuscode:200")) == expected(ok)
    assert listed(cdx(prefix, f"{site}&filter==status:200")) == expected(ok)
    assert listed(cdx(prefix, f"{site}&filter=~status:2..")) == expected(ok)
    assert listed(cdx(prefix, f"{site}&filter=!status:200")) == expected(
        [c for c in mine if c.status != 200])
    assert listed(cdx(prefix, f"{site}&filter=statuscode:200&filter=mimetype:html")) \
        == expected(ok)
    assert listed(cdx(prefix, f"{site}&filter=original:/31164/")) == expected(
        archive.of(SEED_CT))
    # Plain `field:value` is a substring test, not IA's whole-value regex.
    assert len(cdx(prefix, f"{site}&filter=status:20")) == len(ok)


def test_collapse_digest_is_ignored_so_clients_drop_duplicates_themselves(wayback) -> None:
    archive, prefix = wayback
    seed = archive.of(SEED_TRT)
    lines = cdx(prefix, f"url={quote(SEED_TRT)}&output=json&collapse=digest")
    assert len(lines) == len(seed) == 3 and len({line["digest"] for line in lines}) == 1
    # collapseTime=N keeps the first of adjacent lines sharing N timestamp digits and status.
    assert len(cdx(prefix, f"url={quote(SEED_TRT)}&output=json&collapseTime=4")) == 1
    assert len(cdx(prefix, f"url={quote(SEED_TRT)}&output=json&collapseTime=6")) == 3
    # ... whatever the URL: in a prefix query it drops other pages' captures too.
    kept = cdx(prefix, "url=www.chinatopix.com/&matchType=prefix&output=json&collapseTime=4")
    assert len({line["url"] for line in kept}) < len(
        {c.url for c in archive.captures if c.source == "chinatopix"})


def test_limit_sort_closest_and_fl(wayback) -> None:
    archive, prefix = wayback
    mine = [c for c in archive.captures if c.source == "trtworld"]
    site = "url=www.trtworld.com/&matchType=prefix&output=json"
    assert listed(cdx(prefix, f"{site}&limit=2")) == expected(mine[:2])
    assert listed(cdx(prefix, f"{site}&sort=reverse&limit=1")) == expected(mine[-1:])
    closest = cdx(prefix, f"url={quote(SEED_TRT)}&output=json&closest=20150901&limit=1")
    assert [line["timestamp"] for line in closest] == ["20150806221037"]
    assert cdx(prefix, f"{site}&fl=timestamp,url&limit=1") == [
        {"timestamp": mine[0].timestamp, "url": mine[0].url}]
    # fl takes pywb's names only: IA's "original" is not one of them.
    assert cdx(prefix, f"{site}&fl=original&limit=1") == [{}]


def test_paging_parameters_are_ignored_on_the_plain_index(wayback) -> None:
    archive, prefix = wayback
    site = "url=www.trtworld.com/&matchType=prefix&output=json"
    everything = cdx(prefix, site)
    assert cdx(prefix, f"{site}&showNumPages=true") == everything
    assert cdx(prefix, f"{site}&page=1&pageSize=1") == everything
    assert cdx(prefix, f"{site}&showResumeKey=true&limit=1") == everything[:1]


def test_paging_works_on_a_zipnum_index(tmp_path: Path) -> None:
    with library_served_web_archive(tmp_path, zipnum_lines=2) as (archive, prefix):
        site = "url=www.trtworld.com/&matchType=prefix&output=json"
        mine = [c for c in archive.captures if c.source == "trtworld"]
        assert listed(cdx(prefix, site)) == expected(mine)
        (pages,) = cdx(prefix, f"{site}&showNumPages=true&pageSize=1")
        assert pages["pages"] > 2 and pages["pageSize"] == 1
        paged = [line for n in range(pages["pages"])
                 for line in cdx(prefix, f"{site}&page={n}&pageSize=1")]
        assert listed(paged) == expected(mine)
        status, _, body = get(f"{prefix}cdx?{site}&page={pages['pages']}&pageSize=1")
        assert status == 400 and b"Last Page is" in body


# --- raw replay -------------------------------------------------------------------------------

def test_an_id_fetch_returns_the_archived_payload_and_its_memento_datetime(wayback) -> None:
    archive, prefix = wayback
    for c in archive.captures:
        status, headers, body = get(f"{prefix}{c.timestamp}id_/{c.url}",
                                    {"Accept-Encoding": "gzip"})
        assert status == c.status, c
        assert headers["Memento-Datetime"] == http_date(c.timestamp), c
        # Exactly the bytes archived: their sha1 is the CDX digest.
        assert sha1_base32(body) == c.digest, c
        assert headers.get("Location", "") == c.location, c
        assert headers.get("Content-Encoding", "") == c.content_encoding, c


def test_without_accept_encoding_pywb_decodes_a_gzip_payload(wayback) -> None:
    archive, prefix = wayback
    (c, *_) = [c for c in archive.captures if c.content_encoding == "gzip"]
    _, zipped_headers, zipped = get(f"{prefix}{c.timestamp}id_/{c.url}",
                                    {"Accept-Encoding": "gzip"})
    status, headers, body = get(f"{prefix}{c.timestamp}id_/{c.url}")
    assert status == 200 and "Content-Encoding" not in headers
    assert headers["X-Archive-Orig-Content-Encoding"] == "gzip"
    assert body == gzip.decompress(zipped) and zipped_headers["Content-Encoding"] == "gzip"


def test_a_url_never_captured_is_a_404_without_memento_datetime(wayback) -> None:
    _, prefix = wayback
    status, headers, _ = get(f"{prefix}20150101000000id_/http://www.trtworld.com/none-1")
    assert status == 404 and "Memento-Datetime" not in headers


def test_a_short_timestamp_replays_the_capture_closest_to_it(wayback) -> None:
    archive, prefix = wayback
    status, headers, _ = get(f"{prefix}2015id_/{SEED_TRT}")
    assert status == 200
    assert headers["Memento-Datetime"] == http_date(archive.of(SEED_TRT)[-1].timestamp)


def test_building_into_a_used_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    with pytest.raises(FileExistsError):
        build_web_archive(tmp_path)


# --- the CC-NEWS set ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ccnews(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CCNews, CCNewsService]]:
    with served_cc_news(tmp_path_factory.mktemp("ccnews")) as served:
        yield served


def ranged(url: str, spec: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Range": spec}, method=method)
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def gzip_members(data: bytes) -> list[bytes]:
    members = []
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        inflater.decompress(data)
        assert inflater.eof, "a truncated gzip member"
        members.append(data[:len(data) - len(inflater.unused_data)])
        data = inflater.unused_data
    return members


def test_cc_files_are_built_byte_for_byte_the_same(tmp_path: Path) -> None:
    first = write_files(tmp_path / "a")
    assert first == write_files(tmp_path / "b")
    paths_files, warc_paths, _ = first
    assert all(p.startswith("crawl-data/CC-NEWS/2017/") for p in warc_paths)
    for relative in (*paths_files, *warc_paths):
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes()


def test_warc_paths_list_every_file_of_the_month(ccnews) -> None:
    cc, service = ccnews
    listed_paths = []
    for paths_file in cc.paths_files:
        status, _, body = get(service.files.base_url + paths_file)
        assert status == 200
        month = paths_file.rsplit("/", 1)[0]
        lines = gzip.decompress(body).decode("ascii").splitlines()
        assert lines and all(line.startswith(month + "/CC-NEWS-") for line in lines)
        listed_paths += lines
    assert listed_paths == list(cc.warc_paths) and len(cc.warc_paths) == 3
    assert {r.filename for r in cc.records} == set(cc.warc_paths)


def test_cc_files_hold_one_gzip_member_per_record_and_no_requests(ccnews) -> None:
    cc, _ = ccnews
    for relative in cc.warc_paths:
        data = (cc.root / relative).read_bytes()
        members = gzip_members(data)
        records = [r for r in cc.records if r.filename == relative]
        assert len(members) == len(records) + 1
        types = [record.rec_type for record in ArchiveIterator(io.BytesIO(data))]
        assert types == ["warcinfo"] + ["response"] * len(records)
        offsets = [sum(map(len, members[:i])) for i in range(1, len(members))]
        assert [r.offset for r in records] == offsets
        assert [r.length for r in records] == [len(m) for m in members[1:]]


def test_mostly_unrelated_hosts_and_sources_in_and_out_of_the_window(ccnews) -> None:
    cc, _ = ccnews
    unrelated = [r for r in cc.records if not r.source]
    assert len(unrelated) > len(cc.records) / 2
    assert all(source_for_url(r.url, SOURCES) is None for r in unrelated)
    for r in cc.records:
        if r.source:
            source = source_for_url(r.url, SOURCES)
            assert source is not None and source.name == r.source and source.is_article(r.url)
    inside = {r.source for r in cc.records if r.source and r in cc.in_window(r.source)}
    outside = {r.source for r in cc.records if r.source and r not in cc.in_window(r.source)}
    assert inside == {"france24", "trtworld", "chinatopix"} and outside == {"nina"}


def test_a_range_request_returns_exactly_one_record(ccnews) -> None:
    cc, service = ccnews
    for r in cc.records:
        spec = f"bytes={r.offset}-{r.offset + r.length - 1}"
        status, headers, body = ranged(service.files.base_url + r.filename, spec)
        size = (cc.root / r.filename).stat().st_size
        assert status == 206 and len(body) == r.length
        assert headers["Content-Range"] == f"bytes {r.offset}-{r.offset + r.length - 1}/{size}"
        assert len(gzip_members(body)) == 1
        (record, html), = [(rec, rec.content_stream().read())
                           for rec in ArchiveIterator(io.BytesIO(body), check_digests=True)]
        assert record.rec_type == "response"
        assert record.rec_headers["WARC-Target-URI"] == r.url
        assert record.rec_headers["WARC-Date"] == warc_date(r.timestamp)
        assert record.rec_headers["WARC-Payload-Digest"] == "sha1:" + r.digest
        text = lxml.html.fromstring(html).text_content()
        assert r.title in text and all(p in text for p in r.phrases), r.url


def test_the_range_server_answers_edge_cases_as_s3_does(ccnews) -> None:
    cc, service = ccnews
    url = service.files.base_url + cc.warc_paths[0]
    data = (cc.root / cc.warc_paths[0]).read_bytes()
    size = len(data)
    assert ranged(url, f"bytes={size - 5}-")[::2] == (206, data[-5:])
    assert ranged(url, "bytes=-7")[::2] == (206, data[-7:])
    assert ranged(url, f"bytes=10-{size + 100}")[::2] == (206, data[10:])
    status, headers, body = ranged(url, f"bytes={size}-")
    assert (status, headers["Content-Range"], body) == (416, f"bytes */{size}", b"")
    assert ranged(url, "bytes=-0")[0] == 416
    for ignored in ("bytes=0-1,5-6", "bytes=9-3", "items=0-1", "bytes=x-y"):
        assert ranged(url, ignored)[::2] == (200, data), ignored
    status, headers, body = ranged(url, "bytes=0-99", method="HEAD")
    assert (status, headers["Content-Length"], body) == (206, "100", b"")
    assert headers["Accept-Ranges"] == "bytes"
    base = service.files.base_url
    assert get(base + "crawl-data/CC-NEWS/2017/10/nothing.warc.gz")[0] == 404
    assert get(base + "crawl-data/CC-NEWS/2017/")[0] == 404
    assert get(base + "crawl-data/..%2f..%2f..%2fetc/passwd")[0] == 404
    assert any(entry.range == "bytes=-7" and entry.status == 206
               for entry in service.files.requests)


def test_the_index_answers_like_common_crawls(ccnews) -> None:
    cc, service = ccnews
    fields = ("url", "timestamp", "status", "mime", "digest", "filename", "offset", "length")
    for host in sorted({urlsplit(r.url).hostname for r in cc.records}):
        status, _, body = get(f"{service.index_url}?url={host}/&matchType=prefix&output=json")
        assert status == 200
        lines = [json.loads(line) for line in body.decode().splitlines()]
        mine = sorted((r for r in cc.records if urlsplit(r.url).hostname == host),
                      key=lambda r: (r.url, r.timestamp))
        assert [tuple(line[f] for f in fields) for line in lines] == [
            (r.url, r.timestamp, str(r.status), r.mime, r.digest, r.filename, str(r.offset),
             str(r.length)) for r in mine], host


def test_a_window_query_then_range_requests_fetch_the_sources_stories(ccnews) -> None:
    cc, service = ccnews
    found = []
    for host in ("www.trtworld.com", "www.ninanews.com", "www.france24.com"):
        _, _, body = get(f"{service.index_url}?url={host}/&matchType=prefix&output=json"
                         "&from=20171001&to=20171031&filter=status:200")
        for line in map(json.loads, body.decode().splitlines()):
            offset, length = int(line["offset"]), int(line["length"])
            _, _, member = ranged(service.files.base_url + line["filename"],
                                  f"bytes={offset}-{offset + length - 1}")
            (record,) = list(ArchiveIterator(io.BytesIO(member)))
            found.append(record.rec_headers["WARC-Target-URI"])
    assert sorted(found) == sorted(r.url for s in ("trtworld", "nina", "france24")
                                   for r in cc.in_window(s))
    assert len(found) == 2


def test_the_index_pages_as_common_crawls_does(ccnews) -> None:
    _, service = ccnews
    query = f"{service.index_url}?url=*.example&output=json"
    everything = get(query)[2].decode().splitlines()
    assert len(everything) > 3
    pages = json.loads(get(f"{query}&showNumPages=true&pageSize=1")[2])
    assert pages["pages"] > 1
    paged = [line for n in range(pages["pages"])
             for line in get(f"{query}&page={n}&pageSize=1")[2].decode().splitlines()]
    assert paged == everything
    assert get(f"{query}&page={pages['pages']}&pageSize=1")[0] == 400
