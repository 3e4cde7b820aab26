"""Write sample WARC files byte for byte the same on every run.

warcio would stamp each record with a random record id and the current time; here every id is
derived from the record's URL, capture time and type, and WARC-Date is the historical capture
time, so a rebuilt file has the same bytes, offsets and digests. Each record is one gzip member
(warcio's writer; zlib's gzip header carries no mtime), as Heritrix and Common Crawl write them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from io import BytesIO
from pathlib import Path

from warcio.warcwriter import WARCWriter

# Any fixed namespace does: it only has to stay the same between runs.
_NAMESPACE = uuid.UUID("7d0b6c52-4a0e-4f53-9a55-2a4a3c1f9e10")


@dataclass(frozen=True)
class Exchange:
    """One HTTP fetch as the archiving crawler saw it."""

    url: str
    timestamp: str  # 14 digits, UTC: the capture time
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]  # response headers as sent, Content-Length included
    body: bytes  # as sent (still gzip-compressed when Content-Encoding says so)
    request_headers: tuple[tuple[str, str], ...] = ()  # empty: no request record written
    ip: str = ""


@dataclass(frozen=True)
class Written:
    """Where a response record landed, and what a CDX line for it says."""

    exchange: Exchange
    offset: int
    length: int  # of the gzip member: the whole record
    digest: str  # WARC-Payload-Digest, "sha1:<base32>"


def capture_time(timestamp: str) -> datetime:
    return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def http_date(timestamp: str) -> str:
    return format_datetime(capture_time(timestamp), usegmt=True)


def warc_date(timestamp: str) -> str:
    return capture_time(timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")


def record_id(*parts: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(_NAMESPACE, ' '.join(parts))}>"


def _head(first_line: str, headers: Iterable[tuple[str, str]]) -> bytes:
    lines = [first_line, *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("iso-8859-1")


def response_bytes(exchange: Exchange) -> bytes:
    return _head(f"HTTP/1.1 {exchange.status} {exchange.reason}", exchange.headers) + exchange.body


def request_bytes(exchange: Exchange) -> bytes:
    target = exchange.url.split("://", 1)[1]
    path = target[target.find("/"):] if "/" in target else "/"
    return _head(f"GET {path} HTTP/1.1", exchange.request_headers)


def write_warc(
    path: Path, exchanges: Iterable[Exchange], *, info: dict[str, str], created: str,
) -> list[Written]:
    """A WARC/1.0 file: a warcinfo record (dated ``created``), then for each exchange its
    response record and, when it has request headers, the request record after it (Heritrix's
    order), the request pointing at the response with WARC-Concurrent-To."""
    writer_out = BytesIO()
    writer = WARCWriter(writer_out, gzip=True, warc_version="1.0")
    warcinfo_id = record_id(path.name, created, "warcinfo")
    fields = "".join(f"{k}: {v}\r\n" for k, v in info.items()).encode("utf-8")
    writer.write_record(writer.create_warc_record(
        "", "warcinfo", payload=BytesIO(fields), length=len(fields),
        warc_content_type="application/warc-fields",
        warc_headers_dict={"WARC-Type": "warcinfo", "WARC-Date": warc_date(created),
                           "WARC-Record-ID": warcinfo_id, "WARC-Filename": path.name}))
    written = []
    for exchange in exchanges:
        response_id = record_id(exchange.url, exchange.timestamp, "response")
        headers = {"WARC-Type": "response", "WARC-Record-ID": response_id,
                   "WARC-Date": warc_date(exchange.timestamp),
                   "WARC-Target-URI": exchange.url, "WARC-Warcinfo-ID": warcinfo_id}
        if exchange.ip:
            headers["WARC-IP-Address"] = exchange.ip
        payload = response_bytes(exchange)
        record = writer.create_warc_record(
            exchange.url, "response", payload=BytesIO(payload), length=len(payload),
            warc_headers_dict=headers)
        offset = writer_out.tell()
        writer.write_record(record)
        written.append(Written(exchange, offset, writer_out.tell() - offset,
                               record.rec_headers.get_header("WARC-Payload-Digest")))
        if exchange.request_headers:
            request = request_bytes(exchange)
            writer.write_record(writer.create_warc_record(
                exchange.url, "request", payload=BytesIO(request), length=len(request),
                warc_headers_dict={
                    "WARC-Type": "request",
                    "WARC-Record-ID": record_id(exchange.url, exchange.timestamp, "request"),
                    "WARC-Date": warc_date(exchange.timestamp),
                    "WARC-Target-URI": exchange.url, "WARC-Warcinfo-ID": warcinfo_id,
                    "WARC-Concurrent-To": response_id,
                }))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(writer_out.getvalue())
    return written
