"""The metadata record that ties a back-filled or imported capture to its original."""

from __future__ import annotations

import pytest

from archive.warc.origin import (
    AS_MEMBER,
    COPIED,
    REPLAYED,
    Origin,
    build_origin_record,
    http_date,
    origin_from_record,
    parse_origin_fields,
    timestamp_date,
)
from archive.warc.reader import iter_records
from archive.warc.records import serialize_record
from archive.warc.writer import WarcFileWriter

REPLAY = "http://127.0.0.1:8080/coll/20150412093000id_/http://www.chinatopix.com/articles/1/a.htm"
RESPONSE_ID = "<urn:uuid:00000000-0000-0000-0000-000000000001>"
RECORD_ID = "<urn:uuid:00000000-0000-0000-0000-000000000002>"
DATE = "2026-12-04T10:00:00.000000Z"
CDX = ("com,chinatopix)/articles/1/a.htm 20150412093000 http://www.chinatopix.com/articles/1/a.htm "
       "text/html 200 ABCDEFGHIJKLMNOPQRSTUVWXYZ234567 - - 1234 567 ct.warc.gz")


def replayed() -> Origin:
    return Origin(kind=REPLAYED, web_archive="http://127.0.0.1:8080/coll/",
                  original_url="http://www.chinatopix.com/articles/1/a.htm",
                  original_date="2015-04-12T09:30:00.000000Z",
                  cdx_digest="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", cdx_line=CDX)


def test_origin_record_is_a_whole_known_record() -> None:
    record = build_origin_record(replayed(), described_id=RESPONSE_ID, target_uri=REPLAY,
                                 date=DATE, record_id=RECORD_ID)
    body = (
        "origin-kind: replayed\r\n"
        "web-archive: http://127.0.0.1:8080/coll/\r\n"
        "original-uri: http://www.chinatopix.com/articles/1/a.htm\r\n"
        "original-date: 2015-04-12T09:30:00.000000Z\r\n"
        "cdx-digest: ABCDEFGHIJKLMNOPQRSTUVWXYZ234567\r\n"
        f"cdx-line: {CDX}\r\n"
    ).encode()
    data = serialize_record(record)
    head, _, block = data.partition(b"\r\n\r\n")
    assert block == body + b"\r\n\r\n"
    lines = head.decode().split("\r\n")
    assert lines[0] == "WARC/1.1"
    fields = dict(line.split(": ", 1) for line in lines[1:])
    assert fields["WARC-Type"] == "metadata"
    assert fields["WARC-Record-ID"] == RECORD_ID
    assert fields["WARC-Date"] == DATE
    assert fields["WARC-Target-URI"] == REPLAY
    assert fields["WARC-Refers-To"] == RESPONSE_ID
    assert fields["Content-Type"] == "application/warc-fields"
    assert fields["Content-Length"] == str(len(body))


def test_written_origin_reads_back(tmp_path) -> None:
    copied = Origin(kind=COPIED, web_archive="commoncrawl CC-MAIN-2015-14",
                    original_url="https://www.trtworld.com/mea/x", original_date=DATE,
                    source_file="crawl-data/CC-MAIN-2015-14/x.warc.gz",
                    source_offset=123, source_length=4567, copied_as=AS_MEMBER,
                    filed_under="otherpress")
    with WarcFileWriter(tmp_path, "t", warcinfo_fields={"software": "test"}) as writer:
        writer.write([build_origin_record(replayed(), described_id=RESPONSE_ID,
                                          target_uri=REPLAY, date=DATE)])
        writer.write([build_origin_record(copied, described_id=RECORD_ID,
                                          target_uri=copied.original_url, date=DATE)])
    found = [origin_from_record(r) for path in sorted(tmp_path.glob("*.warc.gz"))
             for r in iter_records(path) if r.rec_type == "metadata"]
    assert found == [(RESPONSE_ID, replayed()), (RECORD_ID, copied)]


def test_other_metadata_is_not_an_origin() -> None:
    assert parse_origin_fields(b"via: http://example.com/\r\nhopsFromSeed: L\r\n") is None
    assert parse_origin_fields(b"origin-kind: guessed\r\noriginal-uri: http://a/\r\n") is None
    assert parse_origin_fields(b"origin-kind: copied\r\noriginal-uri: http://a/\r\n"
                               b"source-offset: twelve\r\n") is None


def test_a_line_break_cannot_enter_a_field() -> None:
    bad = Origin(kind=REPLAYED, web_archive="x", original_url="http://a/\r\nevil: 1",
                 original_date=DATE)
    with pytest.raises(ValueError, match="line break"):
        build_origin_record(bad, described_id=RESPONSE_ID, target_uri=REPLAY, date=DATE)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="origin kind"):
        Origin(kind="live", web_archive="", original_url="http://a/", original_date=DATE)


@pytest.mark.parametrize(("stamp", "iso"), [
    ("20150412093000", "2015-04-12T09:30:00.000000Z"),
    ("2015", "2015-01-01T00:00:00.000000Z"),
    ("201504", "2015-04-01T00:00:00.000000Z"),
    ("2015041209", "2015-04-12T09:00:00.000000Z"),
])
def test_cdx_timestamps(stamp: str, iso: str) -> None:
    assert timestamp_date(stamp) == iso


@pytest.mark.parametrize("stamp", ["", "2015-04-12", "201", "201504120930001", "20151332000000"])
def test_bad_cdx_timestamps(stamp: str) -> None:
    with pytest.raises(ValueError):
        timestamp_date(stamp)


def test_memento_datetime() -> None:
    assert http_date("Sun, 12 Apr 2015 09:30:00 GMT") == "2015-04-12T09:30:00.000000Z"
    with pytest.raises(ValueError):
        http_date("yesterday")
