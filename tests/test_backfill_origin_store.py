"""A replayed capture stored with its origin, and rebuilt from the WARC files alone."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

from archive.capture.exchange import Exchange
from archive.capture.store import CaptureStore, StoreConfig
from archive.reextract import ReextractOptions, run_reextract
from archive.samplesites.webarchive.build import exchanges
from archive.sources import load_sources
from archive.warc.origin import REPLAYED, Origin, timestamp_date
from archive.warc.reader import iter_records
from tests.helpers.index_rows import rows

PREFIX = "http://127.0.0.1:9/wayback/"


def china_topix_capture():
    page, served = next((p, e) for p, e in exchanges()
                        if p.source == "chinatopix" and p.kind == "article" and e.status == 200)
    return page, served


def replayed_exchange(n: int = 0) -> tuple[Exchange, Origin]:
    page, served = china_topix_capture()
    body = served.body
    headers = [(k, v) for k, v in served.headers]
    if dict((k.lower(), v) for k, v in headers).get("content-encoding") == "gzip":
        body = gzip.decompress(body)
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-encoding",
                                                                   "content-length")]
    replay = f"{PREFIX}{served.timestamp}id_/{served.url}"
    origin = Origin(kind=REPLAYED, web_archive=PREFIX, original_url=served.url,
                    original_date=timestamp_date(served.timestamp), cdx_digest="DIGEST",
                    cdx_line=f"line for {served.url}")
    exchange = Exchange(
        url=replay, source="chinatopix", started_at=1_790_000_000.0 + n, method="GET",
        target=replay.split("9", 1)[1], request_headers=[(b"Host", b"127.0.0.1:9")],
        request_body=b"", protocol="HTTP/1.1", status=200, reason="OK",
        response_headers=[(k.encode(), v.encode()) for k, v in headers]
        + [(b"Memento-Datetime", b"x")],
        body=body, ip_address="127.0.0.1", truncated=None, conditional=False,
        article=True, origin=origin)
    return exchange, origin


def test_replayed_capture_is_filed_under_its_original(tmp_path: Path) -> None:
    exchange, origin = replayed_exchange()
    store = CaptureStore(StoreConfig(tmp_path, {"software": "test"}, 1_000_000_000, 6))
    try:
        capture, counts = store.store(exchange)
        assert store.index.holds_original(origin.original_url, "DIGEST")
        assert not store.index.holds_original(origin.original_url, "OTHER")
        fetched = store.state.conn.execute("select count(*) from urls").fetchone()[0]
    finally:
        store.close()
    assert counts["warc/origin_records"] == 1 and counts["warc/records"] == 3
    assert capture.url == origin.original_url
    assert capture.fetched_at == origin.original_date
    assert capture.origin == PREFIX
    assert fetched == 0, "a web archive's copy says nothing about the live site"
    records = [r for path in sorted((tmp_path / "warc").glob("*.warc.gz"))
               for r in iter_records(path) if r.rec_type != "warcinfo"]
    assert [r.rec_type for r in records] == ["request", "response", "metadata"]
    assert records[1].target_uri == exchange.url  # the exchange as it happened
    assert records[2].warc_header("WARC-Refers-To") == records[1].record_id
    assert capture.record_id == records[1].record_id


def test_reextract_rebuilds_replayed_captures_and_their_articles(tmp_path: Path) -> None:
    exchange, origin = replayed_exchange()
    store = CaptureStore(StoreConfig(tmp_path, {"software": "test"}, 1_000_000_000, 6))
    try:
        store.store(exchange)
    finally:
        store.close()
    before_captures = rows(tmp_path / "index.db", "captures")
    before_origins = rows(tmp_path / "index.db", "origins")
    report = run_reextract(ReextractOptions(archive=tmp_path, sources=load_sources(),
                                            workers=1))
    assert report.captures == 1
    assert rows(tmp_path / "index.db", "captures") == before_captures
    assert rows(tmp_path / "index.db", "origins") == before_origins
    conn = sqlite3.connect(tmp_path / "index.db")
    conn.row_factory = sqlite3.Row
    [article] = [dict(r) for r in conn.execute("select * from articles")]
    conn.close()
    assert article["url"] == origin.original_url
    assert article["origin"] == PREFIX
    assert article["fetched_at"] == origin.original_date
    assert article["published"].startswith("2015"), article["published"]
    assert "Like Us on Facebook" not in article["text"]
    assert len(article["text"]) > 200
