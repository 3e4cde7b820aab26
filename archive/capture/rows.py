"""The capture row of a stored response or revisit record, for the crawl and the
rebuilds alike.

The crawl makes it from the record it has just written, described as the reader will
give it back (`written_record`); reextract and reconcile from the record read from
its file. One function from one description of the record: a rebuild's capture rows
equal the crawl's by construction, not by two functions kept in step.
"""

from __future__ import annotations

from archive.index.schema import Capture
from archive.warc.origin import REPLAYED, Origin
from archive.warc.reader import StoredRecord


def capture_from_record(record: StoredRecord, source: str,
                        origin: Origin | None = None) -> Capture:
    """The capture row of a response or revisit record; ``source`` is the name of the
    source that owns its URL (the spider's name, or "" for none).

    A replayed capture (``origin`` from the metadata record beside it) is filed under
    the original URL and the time the original was captured: that is the page a
    researcher looks for; the replay URL and the fetch time stay in the WARC record."""
    replayed = origin is not None and origin.kind == REPLAYED
    return Capture(
        url=origin.original_url if replayed else record.target_uri,
        source=source,
        status=record.http_status or 0,
        content_type=record.http_header("Content-Type"),
        fetched_at=origin.original_date if replayed else record.date,
        warc_file=record.filename,
        warc_offset=record.offset,
        warc_length=record.length,
        record_id=record.record_id,
        payload_digest=record.payload_digest,
        ip_address=record.warc_header("WARC-IP-Address"),
        location=record.http_header("Location"),
        truncated=record.truncated,
        rec_type=record.rec_type,
        refers_to=record.refers_to,
        etag=record.http_header("ETag"),
        last_modified=record.http_header("Last-Modified"),
        origin=origin.web_archive if origin is not None else "",
    )
