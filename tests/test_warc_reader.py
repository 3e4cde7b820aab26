"""Reading WARC/ARC files: real-world files, damaged files, random access, decoding."""

from __future__ import annotations

import ast
import csv
import gzip
import zlib
from collections import Counter
from pathlib import Path

import brotli
import pytest
from backports import zstd

from archive.warc.reader import (
    ContentDecodingError,
    ReadError,
    StoredRecord,
    WarcReadError,
    iter_archive,
    iter_records,
    read_record_at,
)
from archive.warc.records import build_request_record, build_response_record, warc_date
from archive.warc.writer import WarcFileWriter

SHARED = Path(__file__).resolve().parents[2] / "shared"
REALDATA = SHARED / "realdata"
FIELDS = {"software": "pressarchive-test", "format": "WARC File Format 1.1"}
HTML = b"<!doctype html><html><head><title>Strikes</title></head><body>" + b"news " * 4000


def realdata_index() -> list[dict[str, str]]:
    if not REALDATA.is_dir():
        pytest.skip(f"real WARC samples not found at {REALDATA}")
    with open(REALDATA / "warc" / "INDEX.tsv", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def response(n: int, body: bytes = HTML, headers: list[tuple[str, str]] | None = None,
             truncated: str | None = None) -> list:
    url = f"https://news.example.com/{n}"
    date = warc_date(1438077600 + n)
    request = build_request_record(url, method="GET", target=f"/{n}", http_version="HTTP/1.1",
                                   headers=[("Host", "news.example.com")], body=b"", date=date)
    resp = build_response_record(
        url, status=200, reason="OK", protocol="HTTP/1.1",
        headers=headers if headers is not None else [("Content-Type", "text/html")],
        body=body, date=date, truncated=truncated,
        concurrent_to=request.rec_headers.get_header("WARC-Record-ID"),
    )
    return [request, resp]


def write_warc(directory: Path, groups: list[list], prefix: str = "press", **kw) -> Path:
    with WarcFileWriter(directory, prefix, warcinfo_fields=FIELDS, **kw) as writer:
        for group in groups:
            writer.write(group)
    [path] = writer.files_written
    return path


def only_response(path: Path) -> StoredRecord:
    [record] = iter_records(path, types={"response"})
    return record


# --- real-world files -------------------------------------------------------------------


def test_every_realdata_file_is_read_without_exceptions() -> None:
    rows = realdata_index()
    assert len(rows) > 20
    for row in rows:
        path = REALDATA / row["path"]
        errors: list[ReadError] = []
        counts = Counter(r.rec_type for r in iter_records(path, errors=errors))
        expected = ast.literal_eval(row["record_counts"])
        assert dict(counts) == expected, row["path"]
        fatal = [e for e in errors if e.fatal]
        if row["warcio_1.8.1_error"]:
            # Broken on purpose: reported with the file name and a usable offset.
            assert len(fatal) == 1, (row["path"], errors)
            assert fatal[0].filename == path.name
            assert 0 <= fatal[0].offset < path.stat().st_size
        else:
            assert fatal == [], (row["path"], errors)


def test_realdata_warnings_are_the_known_anomalies() -> None:
    warnings = {}
    for row in realdata_index():
        path = REALDATA / row["path"]
        errors: list[ReadError] = []
        list(iter_records(path, errors=errors))
        for error in errors:
            if not error.fatal:
                warnings.setdefault(path.name, []).append((error.offset, error.message))
    assert warnings == {
        # Headers that should end in CRLF were saved with LF: 12 bytes short.
        "example-space-in-url.arc": [
            (151, "response record is 12 bytes shorter than its Content-Length")],
        # Length fields of -1 and "abc", read as 0 as warcio does.
        "bad.arc": [
            (0, "arc_header record has an invalid length '-1', read as 0"),
            (134, "response record has an invalid length '-1', read as 0"),
            (262, "response record has an invalid length 'abc', read as 0"),
        ],
        "example-trunc.warc": [
            (1197, "response record is not followed by a blank line: Content-Length may "
                   "be wrong")],
        "link-extraction-test.warc": [
            (2807, "response record is not followed by a blank line: Content-Length may "
                   "be wrong")],
        "example-wrong-chunks.warc.gz": [
            (0, "response record is 1270 bytes shorter than its Content-Length")],
    }


def test_realdata_fields_of_warc_arc_and_revisit_records() -> None:
    realdata_index()
    warc = REALDATA / "warc" / "warcio" / "example.warc.gz"
    records = list(iter_records(warc))
    resp = next(r for r in records if r.rec_type == "response")
    assert resp.target_uri == "http://example.com/"
    assert resp.http_status == 200
    assert resp.content_type == "text/html"
    assert resp.payload_digest == "sha1:G7HRM7BGOKSKMSXZAHMUQTTV53QOFSMK"
    assert resp.decoded_body().startswith(b"<!doctype html>")
    assert read_record_at(warc, resp.offset).record_id == resp.record_id
    revisit = next(r for r in records if r.rec_type == "revisit")
    assert revisit.body == b""
    assert revisit.payload_digest == resp.payload_digest
    assert revisit.warc_header("WARC-Refers-To-Target-URI") == "http://example.com/"

    arc = REALDATA / "warc" / "warcio" / "example.arc.gz"
    header, page = iter_records(arc)
    assert header.rec_type == "arc_header"
    assert (page.target_uri, page.date, page.http_status) == (
        "http://example.com/", "2014-02-16T05:02:21Z", 200)
    assert page.decoded_body().startswith(b"<!doctype html>")


def test_chunked_body_in_others_warc_is_dechunked() -> None:
    realdata_index()
    record = only_response(REALDATA / "warc" / "warcio" / "example-iana.org-chunked.warc")
    assert record.http_header("Transfer-Encoding") == "chunked"
    assert record.body.startswith(b"<!doctype html>")
    assert record.body.rstrip().endswith(b"</html>")


def test_repeated_headers_from_others_warc_are_all_kept() -> None:
    realdata_index()
    record = only_response(REALDATA / "warc" / "webarchive-commons" / "mutliple-headers.warc")
    assert [v for n, v in record.http_headers if n == "link"] == [
        '<https://www.example.com/wp-json/>; rel="https://api.w.org/"',
        '<https://www.example.com/wp-json/wp/v2/posts/00000>; rel="alternate"; '
        'title="JSON"; type="application/json"',
        "<https://www.example.com/?p=00000>; rel=shortlink",
    ]


# --- our own files ----------------------------------------------------------------------


def test_gzip_body_round_trip(tmp_path: Path) -> None:
    stored = gzip.compress(HTML)
    path = write_warc(tmp_path, [response(1, stored, [
        ("Content-Type", "text/html; charset=utf-8"), ("Transfer-Encoding", "chunked"),
        ("Content-Encoding", "gzip"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
    ])])
    record = only_response(path)
    assert record.body == stored
    assert record.content_type == "text/html; charset=utf-8"
    assert record.http_headers == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("X-Archive-Orig-Transfer-Encoding", "chunked"),
        ("Content-Length", str(len(stored))),
        ("Content-Encoding", "gzip"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
    ]
    assert record.decoded_body() == HTML


def test_non_ascii_header_bytes_round_trip(tmp_path: Path) -> None:
    location = "/caf\u00e9".encode().decode("latin-1")  # raw UTF-8 bytes as sent
    path = write_warc(tmp_path, [response(1, b"", [("Location", location),
                                                   ("X-Latin", "\xe9t\xe9")])])
    record = only_response(path)
    assert record.http_header("location") == location
    assert record.http_header("X-Latin").encode("latin-1") == b"\xe9t\xe9"


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some send
        ("br", brotli.compress),
        ("zstd", zstd.compress),
        ("gzip, br", lambda data: brotli.compress(gzip.compress(data))),
        ("identity", lambda data: data),
    ],
)
def test_decoded_body_undoes_content_encoding(tmp_path: Path, coding: str, encode) -> None:
    path = write_warc(tmp_path, [response(1, encode(HTML), [("Content-Encoding", coding)])])
    record = only_response(path)
    assert record.decoded_body() == HTML
    with pytest.raises(ContentDecodingError, match="exceeds"):
        record.decoded_body(max_bytes=1000)


@pytest.mark.parametrize(
    ("coding", "compress"),
    [
        ("gzip", gzip.compress),
        ("br", lambda data: brotli.compress(data, quality=1)),
        ("zstd", zstd.compress),
    ],
)
def test_decompression_bomb_is_stopped(coding: str, compress) -> None:
    bomb = compress(b"\0" * (60 * 1024 * 1024))
    assert len(bomb) < 100_000
    record = StoredRecord(
        filename="x.warc.gz", offset=0, length=0, rec_type="response", record_id="",
        target_uri="", date="", payload_digest="", http_status=200,
        http_headers=[("Content-Encoding", coding)], content_type="text/html", truncated="",
        refers_to="", body=bomb,
    )
    with pytest.raises(ContentDecodingError, match="exceeds"):
        record.decoded_body()


@pytest.mark.parametrize(
    ("coding", "body", "message"),
    [
        ("gzip", b"not gzip at all", "corrupt"),
        ("gzip", gzip.compress(HTML)[:-12], "ends early"),
        ("br", b"\xff\xff\xff\xff", "corrupt"),
        ("compress", b"x", "unsupported"),
    ],
)
def test_undecodable_body_raises(tmp_path: Path, coding: str, body: bytes,
                                 message: str) -> None:
    path = write_warc(tmp_path, [response(1, body, [("Content-Encoding", coding)])])
    with pytest.raises(ContentDecodingError, match=message):
        only_response(path).decoded_body()


def test_truncated_record_decodes_what_it_has(tmp_path: Path) -> None:
    cut = gzip.compress(HTML)[:-12]
    path = write_warc(tmp_path, [response(1, cut, [("Content-Encoding", "gzip")], "length")])
    record = only_response(path)
    assert record.truncated == "length"
    assert HTML.startswith(record.decoded_body()) and record.decoded_body()


def test_types_filter_and_offsets(tmp_path: Path) -> None:
    path = write_warc(tmp_path, [response(n) for n in range(3)])
    everything = list(iter_records(path))
    responses = list(iter_records(path, types={"response"}))
    assert [r.offset for r in responses] == [
        r.offset for r in everything if r.rec_type == "response"]
    for record in everything:
        assert read_record_at(path, record.offset) == record


def test_iter_archive_reads_closed_files_in_order_and_skips_open_ones(tmp_path: Path) -> None:
    first = write_warc(tmp_path / "a", [response(1)], prefix="press-a")
    second = write_warc(tmp_path / "b", [response(2)], prefix="press-b")
    for path in (second, first):
        path.rename(tmp_path / path.name)
    data = (tmp_path / first.name).read_bytes()
    (tmp_path / "press-zzz.warc.gz.open").write_bytes(data)
    (tmp_path / "notes.txt").write_text("not an archive")
    names = [r.filename for r in iter_archive(tmp_path, types={"response"})]
    assert names == sorted([first.name, second.name])


def test_read_record_at_a_wrong_offset_raises(tmp_path: Path) -> None:
    path = write_warc(tmp_path, [response(1)])
    with pytest.raises(WarcReadError) as caught:
        read_record_at(path, 5)
    assert caught.value.error.filename == path.name
    assert caught.value.error.offset == 5


def test_torn_file_is_read_up_to_the_last_complete_record(tmp_path: Path) -> None:
    path = write_warc(tmp_path, [response(n) for n in range(3)])
    records = list(iter_records(path))
    data = path.read_bytes()
    starts = [r.offset for r in records]
    ends = [r.offset + r.length for r in records]
    torn = tmp_path / "torn.warc.gz"
    # Every cut inside the last five members: in the compressed data, in the gzip header, in
    # the trailer. Complete records before the cut are read, then one fatal error.
    for cut in range(starts[-5], len(data)):
        torn.write_bytes(data[:cut])
        errors: list[ReadError] = []
        read = list(iter_records(torn, errors=errors))
        complete = sum(1 for end in ends if end <= cut)
        assert [r.record_id for r in read] == [r.record_id for r in records[:complete]]
        if cut in ends:
            assert errors == []
        else:
            assert [(e.offset, e.fatal) for e in errors] == [(starts[complete], True)], cut


def test_missing_or_garbage_file_is_reported(tmp_path: Path) -> None:
    errors: list[ReadError] = []
    assert list(iter_records(tmp_path / "nope.warc.gz", errors=errors)) == []
    assert errors[0].filename == "nope.warc.gz" and "cannot open" in errors[0].message
    garbage = tmp_path / "garbage.warc"
    garbage.write_bytes(b"this is not a WARC file\r\n" * 10)
    errors = []
    assert list(iter_records(garbage, errors=errors)) == []
    assert [(e.filename, e.offset) for e in errors] == [("garbage.warc", 0)]
