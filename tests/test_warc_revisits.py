from __future__ import annotations

import base64
import hashlib

import pytest

from archive.warc.reader import iter_records
from archive.warc.records import (
    build_request_record,
    build_response_record,
    build_revisit_record,
    serialize_record,
)
from archive.warc.revisits import RevisitResolver, UnresolvedRevisit
from archive.warc.writer import WarcFileWriter

HEADERS = [("Content-Type", "text/html"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
           ("Transfer-Encoding", "chunked")]


def revisit(refers_to: str = "<urn:uuid:00000000-0000-0000-0000-000000000001>"):
    return build_revisit_record(
        "https://x.org/a", status=200, reason="OK", protocol="HTTP/1.1", headers=HEADERS,
        body_length=5, payload_digest="sha1:VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2N",
        refers_to=refers_to, refers_to_uri="https://x.org/a",
        refers_to_date="2026-01-01T00:00:00.000000Z", date="2026-02-01T00:00:00.000000Z",
        record_id="<urn:uuid:00000000-0000-0000-0000-000000000002>",
    )


def test_revisit_record_whole():
    expected = (
        b"WARC/1.1\r\n"
        b"WARC-Type: revisit\r\n"
        b"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000002>\r\n"
        b"WARC-Date: 2026-02-01T00:00:00.000000Z\r\n"
        b"WARC-Target-URI: https://x.org/a\r\n"
        b"WARC-Profile: http://netpreserve.org/warc/1.1/revisit/identical-payload-digest\r\n"
        b"WARC-Refers-To: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
        b"WARC-Refers-To-Target-URI: https://x.org/a\r\n"
        b"WARC-Refers-To-Date: 2026-01-01T00:00:00.000000Z\r\n"
        b"WARC-Payload-Digest: sha1:VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2N\r\n"
        b"WARC-Block-Digest: sha1:VDV6WWFJ32QBM2RYVAL2E262ZYDP47JZ\r\n"
        b"Content-Type: application/http; msgtype=response\r\n"
        b"Content-Length: 140\r\n\r\n"
        b"HTTP/1.1 200 OK\r\n"
        b"Content-Type: text/html\r\n"
        b"Set-Cookie: a=1\r\n"
        b"Set-Cookie: b=2\r\n"
        b"X-Archive-Orig-Transfer-Encoding: chunked\r\n"
        b"Content-Length: 5\r\n\r\n\r\n\r\n"
    )
    assert serialize_record(revisit()) == expected
    # The block digest is over the HTTP head alone (a revisit has no body).
    block = expected.split(b"\r\n\r\n", 1)[1][:140]
    digest = base64.b32encode(hashlib.sha1(block).digest()).decode()
    assert f"sha1:{digest}".encode() in expected


def write_original_and_revisit(tmp_path, refers_to: str):
    original = build_response_record(
        "https://x.org/a", status=200, reason="OK", protocol="HTTP/1.1",
        headers=[("Content-Type", "text/html")], body=b"hello",
        date="2026-01-01T00:00:00.000000Z",
        record_id="<urn:uuid:00000000-0000-0000-0000-000000000001>",
    )
    request = build_request_record(
        "https://x.org/a", method="GET", target="/a", http_version="HTTP/1.1",
        headers=[("Host", "x.org")], body=b"", date="2026-01-01T00:00:00.000000Z")
    with WarcFileWriter(tmp_path, "t", warcinfo_fields={"software": "t"}) as writer:
        writer.write([request, original])
        writer.write([revisit(refers_to)])
    return writer.files_written[0]


def test_resolver_gives_the_original_payload(tmp_path):
    path = write_original_and_revisit(tmp_path,
                                      "<urn:uuid:00000000-0000-0000-0000-000000000001>")
    records = list(iter_records(path))
    rev = next(r for r in records if r.rec_type == "revisit")
    resolved = RevisitResolver.scan(tmp_path).resolve(rev)
    assert resolved.body == b"hello"
    assert resolved.date == "2026-02-01T00:00:00.000000Z"


def test_resolver_falls_back_to_uri_and_digest(tmp_path):
    path = write_original_and_revisit(tmp_path, "<urn:uuid:not-in-this-archive>")
    rev = next(r for r in iter_records(path) if r.rec_type == "revisit")
    assert RevisitResolver.scan(tmp_path).resolve(rev).body == b"hello"


def test_unresolvable_revisit_is_a_clear_error(tmp_path):
    with WarcFileWriter(tmp_path, "t", warcinfo_fields={"software": "t"}) as writer:
        writer.write([revisit()])
    rev = next(r for r in iter_records(writer.files_written[0]) if r.rec_type == "revisit")
    with pytest.raises(UnresolvedRevisit, match="refers to"):
        RevisitResolver.scan(tmp_path).resolve(rev)
