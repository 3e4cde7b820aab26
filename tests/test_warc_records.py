"""Building WARC records: whole serialised records are compared byte for byte."""

from __future__ import annotations

import base64
import hashlib
import re
from io import BytesIO

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.warc.records import (
    build_request_record,
    build_response_record,
    build_warcinfo,
    new_record_id,
    reframe_headers,
    serialize_record,
    warc_date,
)

DATE = "2015-07-28T10:00:00.123456Z"
REQ_ID = "<urn:uuid:11111111-1111-4111-8111-111111111111>"
RESP_ID = "<urn:uuid:22222222-2222-4222-8222-222222222222>"
INFO_ID = "<urn:uuid:33333333-3333-4333-8333-333333333333>"
URL = "https://news.example.com/2015/07/coalition-strikes?id=4"

# gzip of b"<html><body>Hello, archive</body></html>", written out so that a different
# zlib build cannot change the expected bytes.
GZIP_BODY = (
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xb3\xc9(\xc9\xcd\xb1\xb3I\xcaO\xa9\xb4\xf3H"
    b"\xcd\xc9\xc9\xd7QH,J\xce\xc8,K\xb5\xd1\x07\x0b\xda\xe8\x83U\x00\x00-\x10\xe7O(\x00"
    b"\x00\x00"
)
HTML = b"<html><body>Hello, archive</body></html>"


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def split_record(raw: bytes) -> tuple[bytes, bytes]:
    """WARC header block and record block (without the two closing CRLFs)."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert rest.endswith(b"\r\n\r\n")
    return head, rest[:-4]


def warc_field(head: bytes, name: str) -> str:
    match = re.search(rb"\r\n" + name.encode() + rb": ([^\r]*)", head)
    assert match, name
    return match.group(1).decode()


def test_warc_date_has_microseconds_in_utc() -> None:
    assert warc_date(1438077600.123456) == DATE
    assert warc_date(0) == "1970-01-01T00:00:00.000000Z"


def test_new_record_id_is_a_fresh_urn_uuid() -> None:
    first, second = new_record_id(), new_record_id()
    assert re.fullmatch(r"<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}>",
                        first)
    assert first != second


def test_warcinfo_record_bytes() -> None:
    fields = {
        "software": "pressarchive/0.1.0 (warcio 1.8.1)",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                      "warc-format/warc-1.1/",
        "robots": "obey",
        "isPartOf": "press-coverage",
    }
    record = build_warcinfo(fields, "press-20150728100000-00000-42.warc.gz",
                            record_id=INFO_ID, date=DATE)
    expected = (
        b"WARC/1.1\r\n"
        b"WARC-Type: warcinfo\r\n"
        b"WARC-Record-ID: <urn:uuid:33333333-3333-4333-8333-333333333333>\r\n"
        b"WARC-Date: 2015-07-28T10:00:00.123456Z\r\n"
        b"WARC-Filename: press-20150728100000-00000-42.warc.gz\r\n"
        b"WARC-Block-Digest: sha1:X3ZARTY3GP4E4ONQ47W5XPF4PJB47FX5\r\n"
        b"Content-Type: application/warc-fields\r\n"
        b"Content-Length: 208\r\n"
        b"\r\n"
        b"software: pressarchive/0.1.0 (warcio 1.8.1)\r\n"
        b"format: WARC File Format 1.1\r\n"
        b"conformsTo: https://iipc.github.io/warc-specifications/specifications/"
        b"warc-format/warc-1.1/\r\n"
        b"robots: obey\r\n"
        b"isPartOf: press-coverage\r\n"
        b"\r\n\r\n"
    )
    assert serialize_record(record) == expected
    head, block = split_record(expected)
    assert warc_field(head, "WARC-Block-Digest") == sha1_b32(block)
    assert int(warc_field(head, "Content-Length")) == len(block)


def test_request_record_bytes() -> None:
    record = build_request_record(
        URL, method="GET", target="/2015/07/coalition-strikes?id=4", http_version="HTTP/1.1",
        headers=[
            ("Host", "news.example.com"),
            ("User-Agent", "PressArchive/0.1 (+https://example.org/bot)"),
            ("Accept-Encoding", "gzip, deflate, br"),
            ("Cookie", "a=1"),
            ("Cookie", "b=2"),
        ],
        body=b"", date=DATE, record_id=REQ_ID, warcinfo_id=INFO_ID, ip_address="192.0.2.7",
    )
    expected = (
        b"WARC/1.1\r\n"
        b"WARC-Type: request\r\n"
        b"WARC-Record-ID: <urn:uuid:11111111-1111-4111-8111-111111111111>\r\n"
        b"WARC-Date: 2015-07-28T10:00:00.123456Z\r\n"
        b"WARC-Target-URI: https://news.example.com/2015/07/coalition-strikes?id=4\r\n"
        b"WARC-IP-Address: 192.0.2.7\r\n"
        b"WARC-Warcinfo-ID: <urn:uuid:33333333-3333-4333-8333-333333333333>\r\n"
        b"WARC-Payload-Digest: sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ\r\n"
        b"WARC-Block-Digest: sha1:PU3FUQX62S3N6BQSLCFWYO4E5FLC4H5E\r\n"
        b"Content-Type: application/http; msgtype=request\r\n"
        b"Content-Length: 191\r\n"
        b"\r\n"
        b"GET /2015/07/coalition-strikes?id=4 HTTP/1.1\r\n"
        b"Host: news.example.com\r\n"
        b"User-Agent: PressArchive/0.1 (+https://example.org/bot)\r\n"
        b"Accept-Encoding: gzip, deflate, br\r\n"
        b"Cookie: a=1\r\n"
        b"Cookie: b=2\r\n"
        b"\r\n"
        b"\r\n\r\n"
    )
    assert serialize_record(record) == expected
    head, block = split_record(expected)
    assert warc_field(head, "WARC-Block-Digest") == sha1_b32(block)
    assert warc_field(head, "WARC-Payload-Digest") == sha1_b32(b"")


def test_response_record_bytes_with_gzip_body_chunked_and_repeated_headers() -> None:
    record = build_response_record(
        URL, status=200, reason="OK", protocol="HTTP/1.1",
        headers=[
            ("Date", "Tue, 28 Jul 2015 10:00:00 GMT"),
            ("Content-Type", "text/html; charset=utf-8"),
            ("Transfer-Encoding", "chunked"),
            ("Content-Encoding", "gzip"),
            ("Set-Cookie", "session=abc; Path=/"),
            ("Set-Cookie", "consent=no; Path=/"),
            ("Vary", "Accept-Encoding"),
        ],
        body=GZIP_BODY, date=DATE, record_id=RESP_ID, concurrent_to=REQ_ID,
        warcinfo_id=INFO_ID, ip_address="192.0.2.7", truncated="length",
    )
    expected = (
        b"WARC/1.1\r\n"
        b"WARC-Type: response\r\n"
        b"WARC-Record-ID: <urn:uuid:22222222-2222-4222-8222-222222222222>\r\n"
        b"WARC-Date: 2015-07-28T10:00:00.123456Z\r\n"
        b"WARC-Target-URI: https://news.example.com/2015/07/coalition-strikes?id=4\r\n"
        b"WARC-IP-Address: 192.0.2.7\r\n"
        b"WARC-Concurrent-To: <urn:uuid:11111111-1111-4111-8111-111111111111>\r\n"
        b"WARC-Warcinfo-ID: <urn:uuid:33333333-3333-4333-8333-333333333333>\r\n"
        b"WARC-Truncated: length\r\n"
        b"WARC-Payload-Digest: sha1:7RRSXNVYZQE7RGQTXVWJ2WFLIWSSVFF6\r\n"
        b"WARC-Block-Digest: sha1:CWEUNTDS54QN2KMK5IYDSWB7ZXKGKJ6K\r\n"
        b"Content-Type: application/http; msgtype=response\r\n"
        b"Content-Length: 325\r\n"
        b"\r\n"
        b"HTTP/1.1 200 OK\r\n"
        b"Date: Tue, 28 Jul 2015 10:00:00 GMT\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n"
        b"X-Archive-Orig-Transfer-Encoding: chunked\r\n"
        b"Content-Length: 54\r\n"
        b"Content-Encoding: gzip\r\n"
        b"Set-Cookie: session=abc; Path=/\r\n"
        b"Set-Cookie: consent=no; Path=/\r\n"
        b"Vary: Accept-Encoding\r\n"
        b"\r\n"
        + GZIP_BODY
        + b"\r\n\r\n"
    )
    assert serialize_record(record) == expected
    head, block = split_record(expected)
    # The payload digest is over the entity body exactly as stored (still gzip-encoded).
    assert warc_field(head, "WARC-Payload-Digest") == sha1_b32(GZIP_BODY)
    assert warc_field(head, "WARC-Block-Digest") == sha1_b32(block)
    assert int(warc_field(head, "Content-Length")) == len(block)


def test_wrong_content_length_is_renamed_and_the_true_one_added() -> None:
    record = build_response_record(
        "http://example.com/", status=200, reason="OK", protocol="HTTP/1.1",
        headers=[("Content-Length", "999"), ("Content-Type", "text/plain")],
        body=b"hello", date=DATE, record_id=RESP_ID,
    )
    expected = (
        b"WARC/1.1\r\n"
        b"WARC-Type: response\r\n"
        b"WARC-Record-ID: <urn:uuid:22222222-2222-4222-8222-222222222222>\r\n"
        b"WARC-Date: 2015-07-28T10:00:00.123456Z\r\n"
        b"WARC-Target-URI: http://example.com/\r\n"
        b"WARC-Payload-Digest: sha1:VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2N\r\n"
        b"WARC-Block-Digest: sha1:AAYM7W4ZF7D64KDRBBQMQTHHF5DLOTBL\r\n"
        b"Content-Type: application/http; msgtype=response\r\n"
        b"Content-Length: 105\r\n"
        b"\r\n"
        b"HTTP/1.1 200 OK\r\n"
        b"X-Archive-Orig-Content-Length: 999\r\n"
        b"Content-Length: 5\r\n"
        b"Content-Type: text/plain\r\n"
        b"\r\n"
        b"hello"
        b"\r\n\r\n"
    )
    assert serialize_record(record) == expected


@pytest.mark.parametrize(
    ("headers", "status", "body_len", "expected"),
    [
        # A correct length is left exactly as sent, name case included.
        ([("content-length", "5")], 200, 5, [("content-length", "5")]),
        ([("Content-Length", "5, 5")], 200, 5, [("Content-Length", "5, 5")]),
        # No framing header at all: nothing is invented.
        ([("Content-Type", "text/plain")], 200, 5, [("Content-Type", "text/plain")]),
        # 304 and 204 never carry a body, so their Content-Length is not a framing error.
        ([("Content-Length", "1234")], 304, 0, [("Content-Length", "1234")]),
        # Duplicated, disagreeing lengths are all renamed; one true length follows.
        (
            [("Content-Length", "5"), ("Content-Length", "7")], 200, 5,
            [("X-Archive-Orig-Content-Length", "5"), ("Content-Length", "5"),
             ("X-Archive-Orig-Content-Length", "7")],
        ),
        (
            [("Content-Length", "abc")], 200, 0,
            [("X-Archive-Orig-Content-Length", "abc"), ("Content-Length", "0")],
        ),
        # Transfer-Encoding alongside a correct length: renamed, length kept.
        (
            [("transfer-encoding", "gzip, chunked"), ("Content-Length", "5")], 200, 5,
            [("X-Archive-Orig-Transfer-Encoding", "gzip, chunked"), ("Content-Length", "5")],
        ),
        # Content-Encoding is never touched: the stored body is still encoded.
        ([("Content-Encoding", "br")], 200, 5, [("Content-Encoding", "br")]),
    ],
)
def test_reframe_headers(headers: list[tuple[str, str]], status: int, body_len: int,
                         expected: list[tuple[str, str]]) -> None:
    assert reframe_headers(headers, status, body_len) == expected


def test_non_ascii_header_bytes_are_stored_exactly() -> None:
    # Servers send raw UTF-8 in Location; Scrapy gives bytes, decoded here as latin-1.
    raw_location = "/caf\u00e9/pr\u00e9sident".encode()
    record = build_response_record(
        "http://example.com/", status=301, reason="Moved Permanently", protocol="HTTP/1.1",
        headers=[("Location", raw_location.decode("latin-1")), ("X-Latin", "\xe9t\xe9")],
        body=b"", date=DATE, record_id=RESP_ID,
    )
    raw = serialize_record(record)
    assert b"\r\nLocation: " + raw_location + b"\r\n" in raw
    assert b"\r\nX-Latin: \xe9t\xe9\r\n" in raw
    head, block = split_record(raw)
    assert warc_field(head, "WARC-Block-Digest") == sha1_b32(block)


def test_empty_reason_keeps_the_space_after_the_status_code() -> None:
    record = build_response_record("http://example.com/", status=404, reason="",
                                   protocol="HTTP/1.1", headers=[], body=b"", date=DATE)
    assert b"\r\n\r\nHTTP/1.1 404 \r\n\r\n" in serialize_record(record)


def test_serialize_twice_gives_the_same_bytes() -> None:
    record = build_response_record("http://example.com/", status=200, reason="OK",
                                   protocol="HTTP/1.1", headers=[], body=b"x" * 100000,
                                   date=DATE)
    assert serialize_record(record) == serialize_record(record)


def test_warcio_parses_and_verifies_what_was_built() -> None:
    record = build_response_record(
        URL, status=200, reason="OK", protocol="HTTP/1.1",
        headers=[("Content-Encoding", "gzip"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        body=GZIP_BODY, date=DATE,
    )
    raw = serialize_record(record)
    parsed = next(iter(ArchiveIterator(BytesIO(raw), check_digests=True)))
    assert parsed.http_headers.get_statuscode() == "200"
    assert [v for n, v in parsed.http_headers.headers if n == "Set-Cookie"] == ["a=1", "b=2"]
    assert parsed.raw_stream.read() == GZIP_BODY
    assert parsed.digest_checker.passed is True
    # warcio's own content decoding sees a gzip body, as a replay tool would.
    parsed = next(iter(ArchiveIterator(BytesIO(raw))))
    assert parsed.content_stream().read() == HTML


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"headers": [("X-Evil", "a\r\nSet-Cookie: injected")]}, "line break"),
        ({"headers": [("X-Wide", "\u20ac")]}, "latin-1"),
        ({"reason": "OK\r\n"}, "line break"),
    ],
)
def test_unrepresentable_input_is_refused(kwargs: dict, message: str) -> None:
    args = {"status": 200, "reason": "OK", "protocol": "HTTP/1.1", "headers": [],
            "body": b"", "date": DATE} | kwargs
    with pytest.raises(ValueError, match=message):
        build_response_record("http://example.com/", **args)


def test_target_uri_with_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="line break"):
        build_request_record("http://example.com/\r\nWARC-Type: x", method="GET", target="/",
                             http_version="HTTP/1.1", headers=[], body=b"", date=DATE)
