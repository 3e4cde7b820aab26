"""Where a capture came from when it was not fetched from the live site.

A back-filled page is archived as what really happened: the exchange with the web
archive (request and response records of the replay URL), or another crawler's record
copied verbatim. A ``metadata`` record written right after it ties it to the original:
the original URL, when the original was captured, which web archive or file it came
from, and what that archive said about it (its CDX line, or the file and offset). The
record is ``application/warc-fields`` (WARC 1.1, 6.3), so any WARC tool can read it;
it names the record it describes with ``WARC-Refers-To`` (WARC 1.1, 5.11).

Re-extraction reads the pair back with ``origin_from_record``, so the index built from
the WARC files alone files the page under its original URL and date, as the back-fill did.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields

from warcio.recordloader import ArcWarcRecord

from archive.warc.reader import StoredRecord
from archive.warc.records import build_metadata_record, check_line

ORIGIN_CONTENT_TYPE = "application/warc-fields"
# Replayed by a Wayback-style service (the Wayback Machine, pywb): the response
# records are the replay URL's; the original is named here.
REPLAYED = "replayed"
# Another crawler's record copied as it was (Common Crawl, an imported WARC/WACZ):
# the record already carries the original URL and date.
COPIED = "copied"
KINDS = frozenset({REPLAYED, COPIED})
# How a COPIED record was copied (Origin.copied_as): what a reader of the copy may compare
# with the source, byte for byte, at source_offset.
# The gzip member as it was in the source (a per-record .warc.gz, a Common Crawl range).
AS_MEMBER = "member"
# The record's bytes as they were, put in a gzip member here: the source was not gzipped.
AS_RECORD = "record"
# The same, from a file gzipped as one stream (not a member per record, which warcio
# refuses): source_offset and source_length count the decompressed stream's bytes.
AS_RECORD_IN_GZIP_STREAM = "record-in-gzip-stream"
# An ARC record cannot be a WARC record: its header line became WARC headers (target,
# date, IP address, digests computed here); the block (HTTP head and body) is unchanged.
AS_CONVERTED_ARC = "converted-arc-record"
# (Not checked when read: a later version may copy in ways this one does not know.)
COPIED_AS = frozenset({AS_MEMBER, AS_RECORD, AS_RECORD_IN_GZIP_STREAM, AS_CONVERTED_ARC})
# What a reader must ask for to pair captures with their origins.
CAPTURE_AND_ORIGIN_TYPES = frozenset({"response", "revisit", "metadata"})


@dataclass(frozen=True)
class Origin:
    kind: str  # REPLAYED or COPIED
    # The replay prefix ("https://web.archive.org/web/"), "commoncrawl CC-MAIN-2015-14",
    # or the file or URL a record was imported from: what the index's `origin` column shows.
    web_archive: str
    original_url: str
    original_date: str  # ISO 8601 UTC, the format of warc_date()
    # What the web archive said: the payload digest of its CDX line (to skip payloads
    # already held), the CDX line itself, the file, offset and length a record came from.
    cdx_digest: str = ""
    cdx_line: str = ""
    source_file: str = ""
    source_offset: int = -1
    source_length: int = -1
    # A copy: how it was copied (AS_*).
    copied_as: str = ""
    # The source a page of a host no configured source owns is filed under (`import
    # --source S`), so that re-extraction files it there too.
    filed_under: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"origin kind must be one of {sorted(KINDS)}, not {self.kind!r}")


# Field names in the record, in the order written.
_FIELD_NAMES = {
    "kind": "origin-kind",
    "web_archive": "web-archive",
    "original_url": "original-uri",
    "original_date": "original-date",
    "cdx_digest": "cdx-digest",
    "cdx_line": "cdx-line",
    "source_file": "source-file",
    "source_offset": "source-offset",
    "source_length": "source-length",
    "copied_as": "copied-as",
    "filed_under": "filed-under",
}
_INT_FIELDS = frozenset({"source_offset", "source_length"})


def origin_fields(origin: Origin) -> bytes:
    lines = []
    for attribute in (f.name for f in fields(Origin)):
        value = getattr(origin, attribute)
        if value in ("", -1):
            continue
        name = _FIELD_NAMES[attribute]
        lines.append(f"{name}: {check_line(str(value), name)}\r\n")
    return "".join(lines).encode("utf-8")


def build_origin_record(origin: Origin, *, described_id: str, target_uri: str, date: str,
                        record_id: str | None = None) -> ArcWarcRecord:
    """The metadata record for the record ``described_id`` (target ``target_uri``)."""
    return build_metadata_record(target_uri, origin_fields(origin),
                                 content_type=ORIGIN_CONTENT_TYPE, refers_to=described_id,
                                 date=date, record_id=record_id)


def parse_origin_fields(block: bytes) -> Origin | None:
    """The Origin a metadata block describes; None when it is not one of ours."""
    values: dict[str, str] = {}
    by_name = {name: attribute for attribute, name in _FIELD_NAMES.items()}
    for line in block.decode("utf-8", errors="replace").splitlines():
        name, sep, value = line.partition(":")
        attribute = by_name.get(name.strip().lower())
        if sep and attribute:
            values[attribute] = value.strip()
    if values.get("kind") not in KINDS or not values.get("original_url"):
        return None
    try:
        ints = {k: int(values.pop(k)) for k in _INT_FIELDS if k in values}
    except ValueError:
        return None
    return Origin(**values, **ints)


def origin_from_record(record: StoredRecord) -> tuple[str, Origin] | None:
    """(the described record's id, its Origin) for one of our metadata records."""
    if record.rec_type != "metadata":
        return None
    described = record.warc_header("WARC-Refers-To")
    content_type = record.warc_header("Content-Type").split(";")[0].strip().lower()
    if not described or content_type != ORIGIN_CONTENT_TYPE:
        return None
    origin = parse_origin_fields(record.body)
    return (described, origin) if origin else None


def payload_digest_of(cdx_digest: str) -> str:
    """A CDX digest (base32 SHA-1, no label) as a WARC-Payload-Digest value."""
    return cdx_digest if ":" in cdx_digest else f"sha1:{cdx_digest}"


def with_origins(records: Iterable[StoredRecord]
                 ) -> Iterator[tuple[StoredRecord, Origin | None]]:
    """Each response and revisit of ``records`` with the Origin of the metadata record
    written right after it, if there is one; other records are passed over.

    The capture store writes a back-filled exchange and its origin record in one write,
    so the pair is adjacent in one file; an origin record that does not follow the
    record it names is ignored (its record is then an ordinary capture)."""
    held: StoredRecord | None = None
    for record in records:
        found = origin_from_record(record)
        if held is not None:
            if found is not None and found[0] == held.record_id:
                yield held, found[1]
                held = None
                continue
            yield held, None
            held = None
        if record.rec_type in ("response", "revisit"):
            held = record
    if held is not None:
        yield held, None


def timestamp_date(timestamp: str) -> str:
    """A CDX/Memento 14-digit timestamp (shorter ones padded, as CDX servers do) as the
    ISO 8601 format of warc_date(); ValueError if it is not one."""
    digits = timestamp.strip()
    if not digits.isdigit() or not 4 <= len(digits) <= 14:
        raise ValueError(f"not a 4- to 14-digit timestamp: {timestamp!r}")
    padded = digits + "0101000000"[len(digits) - 4:] if len(digits) < 14 else digits
    when = dt.datetime.strptime(padded, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def http_date(value: str) -> str:
    """A Memento-Datetime (an HTTP-date) as the format of warc_date(); ValueError if not."""
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not an HTTP date: {value!r}") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
