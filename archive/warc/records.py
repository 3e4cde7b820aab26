"""Building WARC/1.1 records with warcio, separate from writing them.

Records are warcio ``ArcWarcRecord`` objects so that digests, WARC-Content-Length and field
syntax follow warcio. Two deliberate differences from warcio's defaults:

* HTTP header blocks are serialised as latin-1, byte for byte as received. warcio would
  percent-encode any non-ASCII value as UTF-8 (RFC 8187 style), which double-encodes the
  raw UTF-8 bytes servers put in ``Location`` or ``Content-Disposition`` and so would store
  headers the server never sent.
* Field order is fixed here (not left to dict order) so that records are reproducible.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from io import BytesIO

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HeaderList = list[tuple[str, str]]

WARC_VERSION = "WARC/1.1"
WARCINFO_CONTENT_TYPE = "application/warc-fields"

# Status codes whose Content-Length never describes an enclosed body (RFC 9110 8.6), so a
# mismatch with the (empty) stored body is not a framing inconsistency.
_NO_BODY_STATUSES = frozenset({204, 304})

# A single shared builder is safe: create_warc_record keeps no per-call state on it.
_BUILDER = WARCWriter(None, gzip=False, warc_version=WARC_VERSION)


class _RawHttpHeaders(StatusAndHeaders):
    """HTTP status line and headers serialised as latin-1, i.e. as the original bytes."""

    def compute_headers_buffer(self, header_filter: object = None) -> None:
        self.headers_buff = self.to_bytes(header_filter, encoding="latin-1")


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_date(ts: float) -> str:
    """ISO 8601 UTC with microseconds; WARC/1.1 allows fractional seconds."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_line(value: str, what: str) -> str:
    # A CR or LF would end the header line early and corrupt the record structure.
    if "\r" in value or "\n" in value:
        raise ValueError(f"{what} contains a line break: {value!r}")
    return value


def _check_http_headers(headers: HeaderList) -> HeaderList:
    checked: HeaderList = []
    for name, value in headers:
        check_line(name, "HTTP header name")
        check_line(value, f"HTTP header {name!r}")
        try:
            (name + value).encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError(
                f"HTTP header {name!r} is not a latin-1 string (decode raw header bytes "
                "as latin-1)"
            ) from None
        checked.append((name, value))
    return checked


def _warc_headers(rec_type: str, record_id: str | None, date: str,
                  fields: list[tuple[str, str | None]]) -> StatusAndHeaders:
    headers = [
        ("WARC-Type", rec_type),
        ("WARC-Record-ID", record_id or new_record_id()),
        ("WARC-Date", date),
    ]
    headers += [(name, value) for name, value in fields if value]
    for name, value in headers:
        check_line(value, name)
    return StatusAndHeaders("", headers, protocol=WARC_VERSION)


def build_warcinfo(fields: dict[str, str], filename: str, *, record_id: str | None = None,
                   date: str | None = None) -> ArcWarcRecord:
    """A warcinfo record whose block lists ``fields`` in the given order."""
    lines = []
    for name, value in fields.items():
        check_line(name, "warcinfo field name")
        check_line(value, f"warcinfo field {name!r}")
        lines.append(f"{name}: {value}\r\n")
    block = "".join(lines).encode("utf-8")
    warc_headers = _warc_headers(
        "warcinfo", record_id, date or warc_date(time.time()),
        [("WARC-Filename", filename)],
    )
    return _BUILDER.create_warc_record(
        "", "warcinfo", payload=BytesIO(block), length=len(block),
        warc_content_type=WARCINFO_CONTENT_TYPE, warc_headers=warc_headers,
    )


def build_request_record(url: str, *, method: str, target: str, http_version: str,
                         headers: HeaderList, body: bytes, date: str,
                         record_id: str | None = None, warcinfo_id: str | None = None,
                         ip_address: str | None = None) -> ArcWarcRecord:
    """A request record: ``METHOD target HTTP/x.y``, the headers in order, then the body."""
    http_headers = _RawHttpHeaders(
        check_line(f"{target} {http_version}", "request line"),
        _check_http_headers(headers), protocol=method,
    )
    warc_headers = _warc_headers("request", record_id, date, [
        ("WARC-Target-URI", url),
        ("WARC-IP-Address", ip_address),
        ("WARC-Warcinfo-ID", warcinfo_id),
    ])
    return _BUILDER.create_warc_record(
        url, "request", payload=BytesIO(body), length=len(body),
        warc_headers=warc_headers, http_headers=http_headers,
    )


def _content_length_matches(value: str, body_len: int) -> bool:
    # "5, 5" is a legal (if odd) list form of one length.
    try:
        return all(int(part.strip()) == body_len for part in value.split(","))
    except ValueError:
        return False


def reframe_headers(headers: HeaderList, status: int, body_len: int) -> HeaderList:
    """Make the framing headers describe the body as it is stored (de-chunked).

    ``Transfer-Encoding`` becomes ``X-Archive-Orig-Transfer-Encoding``; a wrong
    ``Content-Length`` becomes ``X-Archive-Orig-Content-Length`` followed by the true one. A
    true ``Content-Length`` is also added after a renamed ``Transfer-Encoding`` when none was
    sent, so the stored message is framed explicitly. ``Content-Encoding`` is left alone:
    the stored body is still encoded.
    """
    lengths = [value for name, value in headers if name.lower() == "content-length"]
    bad_length = status not in _NO_BODY_STATUSES and not all(
        _content_length_matches(value, body_len) for value in lengths
    )
    had_transfer_encoding = any(name.lower() == "transfer-encoding" for name, _ in headers)
    add_length = bad_length or (had_transfer_encoding and not lengths)
    true_length = ("Content-Length", str(body_len))

    result: HeaderList = []
    for name, value in headers:
        lower = name.lower()
        if lower == "transfer-encoding":
            result.append(("X-Archive-Orig-Transfer-Encoding", value))
        elif lower == "content-length" and bad_length:
            result.append(("X-Archive-Orig-Content-Length", value))
        else:
            result.append((name, value))
            continue
        if add_length:
            result.append(true_length)
            add_length = False
    return result


def _response_head(status: int, reason: str, protocol: str, headers: HeaderList,
                   body_length: int) -> _RawHttpHeaders:
    # The space after the code is required even when the reason is empty (RFC 9112 4).
    return _RawHttpHeaders(
        check_line(f"{status} {reason}", "status line"),
        _check_http_headers(reframe_headers(headers, status, body_length)),
        protocol=check_line(protocol, "HTTP protocol"),
    )


def build_response_record(url: str, *, status: int, reason: str, protocol: str,
                          headers: HeaderList, body: bytes, date: str,
                          record_id: str | None = None, concurrent_to: str | None = None,
                          warcinfo_id: str | None = None, ip_address: str | None = None,
                          truncated: str | None = None) -> ArcWarcRecord:
    """A response record storing the de-chunked, still content-encoded entity body.

    The payload digest is computed by warcio over ``body`` exactly as stored.
    """
    http_headers = _response_head(status, reason, protocol, headers, len(body))
    warc_headers = _warc_headers("response", record_id, date, [
        ("WARC-Target-URI", url),
        ("WARC-IP-Address", ip_address),
        ("WARC-Concurrent-To", concurrent_to),
        ("WARC-Warcinfo-ID", warcinfo_id),
        ("WARC-Truncated", truncated),
    ])
    return _BUILDER.create_warc_record(
        url, "response", payload=BytesIO(body), length=len(body),
        warc_headers=warc_headers, http_headers=http_headers,
    )


def build_metadata_record(target_uri: str, body: bytes, *, content_type: str,
                          refers_to: str, date: str,
                          record_id: str | None = None) -> ArcWarcRecord:
    """A metadata record about the record ``refers_to`` (WARC 1.1, 6.7 and 5.11)."""
    warc_headers = _warc_headers("metadata", record_id, date, [
        ("WARC-Target-URI", target_uri),
        ("WARC-Refers-To", refers_to),
    ])
    return _BUILDER.create_warc_record(
        target_uri, "metadata", payload=BytesIO(body), length=len(body),
        warc_headers=warc_headers, warc_content_type=content_type,
    )


def serialize_record(record: ArcWarcRecord) -> bytes:
    """The uncompressed record bytes, as warcio's writer produces them.

    warcio adds WARC-Block-Digest, Content-Type and Content-Length to ``record`` on the
    first call and reads its payload stream to the end; the stream is rewound afterwards so
    that serialising twice gives the same bytes.
    """
    stream = record.raw_stream
    start = stream.tell()
    out = BytesIO()
    WARCWriter(out, gzip=False, warc_version=WARC_VERSION).write_record(record)
    stream.seek(start)
    return out.getvalue()


IDENTICAL_PAYLOAD_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
SERVER_NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


def build_revisit_record(url: str, *, status: int, reason: str, protocol: str,
                         headers: HeaderList, body_length: int, payload_digest: str,
                         refers_to: str, refers_to_uri: str, refers_to_date: str, date: str,
                         profile: str = IDENTICAL_PAYLOAD_PROFILE,
                         record_id: str | None = None, concurrent_to: str | None = None,
                         warcinfo_id: str | None = None,
                         ip_address: str | None = None) -> ArcWarcRecord:
    """A revisit record: the response head as received, no body, pointing at the
    capture whose payload it repeats (``refers_to`` is that record's id).

    The head is reframed as the original's was (``body_length`` is the length of the
    payload stored there), so replaying head + original payload gives a consistent message.
    """
    http_headers = _response_head(status, reason, protocol, headers, body_length)
    warc_headers = _warc_headers("revisit", record_id, date, [
        ("WARC-Target-URI", url),
        ("WARC-IP-Address", ip_address),
        ("WARC-Concurrent-To", concurrent_to),
        ("WARC-Warcinfo-ID", warcinfo_id),
        ("WARC-Profile", profile),
        ("WARC-Refers-To", refers_to),
        ("WARC-Refers-To-Target-URI", refers_to_uri),
        ("WARC-Refers-To-Date", refers_to_date),
        ("WARC-Payload-Digest", payload_digest),
    ])
    return _BUILDER.create_warc_record(
        url, "revisit", payload=BytesIO(b""), length=0,
        warc_headers=warc_headers, http_headers=http_headers,
    )
