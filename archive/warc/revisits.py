"""Resolve revisit records to the payload of the capture they repeat.

A revisit stores only the response head; its payload is in an earlier record,
named by WARC-Refers-To (its record id) or, when a tool wrote no id, by
WARC-Refers-To-Target-URI (or the revisit's own target) and the payload digest.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from archive.warc.reader import StoredRecord, archive_files, iter_records, read_record_at


class UnresolvedRevisit(Exception):
    """The record a revisit refers to is not in the archive."""


class RevisitResolver:
    """Knows where every payload-bearing response of an archive is.

    Memory grows with the number of responses (an id and a location each), not
    with their size: bodies are not kept.
    """

    def __init__(self, warc_dir: Path):
        self.warc_dir = Path(warc_dir)
        self._by_id: dict[str, tuple[str, int]] = {}
        self._by_uri_digest: dict[tuple[str, str], tuple[str, int]] = {}

    def add(self, record: StoredRecord) -> None:
        if record.rec_type != "response" or record.truncated:
            return
        location = (record.filename, record.offset)
        if record.record_id:
            self._by_id.setdefault(record.record_id, location)
        if record.payload_digest:
            self._by_uri_digest.setdefault((record.target_uri, record.payload_digest), location)

    @classmethod
    def scan(cls, warc_dir: Path) -> RevisitResolver:
        resolver = cls(warc_dir)
        for path in archive_files(warc_dir):
            for record in iter_records(path, types={"response"}):
                resolver.add(record)
        return resolver

    def resolve(self, record: StoredRecord) -> StoredRecord:
        """The record itself, or for a revisit its head with the original's payload."""
        if record.rec_type != "revisit":
            return record
        target = record.warc_header("WARC-Refers-To-Target-URI") or record.target_uri
        location = self._by_id.get(record.refers_to) or self._by_uri_digest.get(
            (target, record.payload_digest)
        )
        if location is None:
            raise UnresolvedRevisit(
                f"{record.filename}@{record.offset}: revisit of {record.target_uri} refers to "
                f"{record.refers_to or record.payload_digest}, which is not in {self.warc_dir}"
            )
        original = read_record_at(self.warc_dir / location[0], location[1])
        if record.warc_header("WARC-Profile").endswith("/server-not-modified"):
            # A 304 head does not describe the payload (its Content-Encoding,
            # type, length): the original's head does.
            return dataclasses.replace(
                record, body=original.body, http_status=original.http_status,
                http_headers=original.http_headers, content_type=original.content_type,
            )
        # Identical payload: the revisit's own head (status, headers, date) describes it.
        return dataclasses.replace(record, body=original.body)
