"""Reading WARC and ARC files (ours and anyone's) with warcio, never raising on bad files.

Two checks are added to warcio's ``ArchiveIterator``: a record whose block is shorter than
its Content-Length is reported (warcio silently accepts a file cut in the middle of a
record, and only prints to stderr when a gzip member is corrupt or a record is not
followed by a blank line: that print is silenced, the problem reported), and HTTP headers are
decoded as latin-1 so that ``value.encode("latin-1")`` gives back the stored bytes (warcio
tries UTF-8 first, which cannot be undone unambiguously).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeadersParser
from warcio.timeutils import timestamp_to_iso_date

from archive.warc.decoding import (
    DEFAULT_MAX_BYTES,
    ContentDecodingError,
    dechunk,
    decode_content,
)
from archive.warc.writer import OPEN_SUFFIX, RecordLocation

__all__ = [
    "StoredRecord",
    "ContentDecodingError",
    "ReadError",
    "WarcReadError",
    "iter_archive",
    "iter_records",
    "iter_stream",
    "read_record_at",
    "written_record",
]

log = logging.getLogger(__name__)

ARCHIVE_SUFFIXES = (".warc.gz", ".warc", ".arc.gz", ".arc")
_READ_SIZE = 64 * 1024


@dataclass(frozen=True)
class ReadError:
    filename: str
    offset: int
    message: str
    fatal: bool = True  # True: reading of this file stopped here


class WarcReadError(Exception):
    """Raised by ``read_record_at``, which has no error list to report to."""

    def __init__(self, error: ReadError) -> None:
        super().__init__(f"{error.filename} at offset {error.offset}: {error.message}")
        self.error = error


@dataclass
class StoredRecord:
    """A WARC (or ARC) record as stored in a file: where it is, its headers, its block."""

    filename: str  # name only, as in RecordLocation
    offset: int
    length: int  # bytes in the file: the gzip member, or the record without separator lines
    rec_type: str  # WARC-Type; for ARC files "arc_header" or "response"
    record_id: str
    target_uri: str
    date: str
    payload_digest: str
    http_status: int | None
    http_headers: list[tuple[str, str]]  # values are latin-1 strings of the stored bytes
    content_type: str  # HTTP Content-Type if there are HTTP headers, else the WARC one
    truncated: str
    refers_to: str
    body: bytes  # entity body as stored: de-chunked if stored chunked, may be content-encoded
    warc_headers: list[tuple[str, str]] = field(default_factory=list)

    def http_header(self, name: str, default: str = "") -> str:
        """The first value of an HTTP header, matched case-insensitively."""
        lower = name.lower()
        return next((v for n, v in self.http_headers if n.lower() == lower), default)

    def warc_header(self, name: str, default: str = "") -> str:
        lower = name.lower()
        return next((v for n, v in self.warc_headers if n.lower() == lower), default)

    def decoded_body(self, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
        """The body with its Content-Encoding undone, at most ``max_bytes`` long.

        Raises ContentDecodingError on an unknown coding, corrupt data or a larger result. A
        record marked WARC-Truncated may end mid-stream; what decodes is returned.
        """
        codings = ", ".join(
            v for n, v in self.http_headers if n.lower() == "content-encoding"
        )
        return decode_content(self.body, codings, max_bytes=max_bytes,
                              partial_ok=bool(self.truncated))


class _Latin1Parser(StatusAndHeadersParser):
    @staticmethod
    def decode_header(line: bytes | str) -> str:
        return line if isinstance(line, str) else line.decode("latin-1")


def _archive_iterator(fh: BinaryIO) -> ArchiveIterator:
    iterator = ArchiveIterator(fh)
    # warcio writes its three-line "Record not followed by newline" warning straight to
    # stderr (and counts it in err_count); _check_record reports it, in one line with the
    # file's name, so the template is emptied: nothing is written.
    iterator.INC_RECORD = ""
    loader = iterator.loader
    # warcio 1.8.1 keeps its HTTP parsers as attributes; swap in latin-1 decoding.
    loader.http_parser = _Latin1Parser(ArcWarcRecordLoader.HTTP_TYPES, verify=False)
    loader.http_req_parser = _Latin1Parser(ArcWarcRecordLoader.HTTP_VERBS, verify=False)
    return iterator


def _read_block(record: ArcWarcRecord, keep: bool) -> tuple[bytes, int]:
    """The rest of the record's block (or b"" if not ``keep``) and the bytes missing from it."""
    stream = record.raw_stream
    chunks = []
    while chunk := stream.read(_READ_SIZE):
        if keep:
            chunks.append(chunk)
    # warcio wraps the block in a LimitReader; a positive limit left means the file ended.
    return b"".join(chunks), max(getattr(stream, "limit", 0), 0)


def _http_status(record: ArcWarcRecord) -> int | None:
    if record.http_headers is None or record.rec_type == "request":
        return None
    try:
        return int(record.http_headers.get_statuscode())
    except ValueError:
        return None


def _to_stored(record: ArcWarcRecord, body: bytes, filename: str, offset: int,
                 length: int) -> StoredRecord:
    headers = record.rec_headers
    http = record.http_headers
    http_headers = list(http.headers) if http is not None else []
    if record.format == "arc":
        target_uri = headers.get_header("uri", "")
        date = timestamp_to_iso_date(headers.get_header("archive-date", ""))
    else:
        target_uri = headers.get_header("WARC-Target-URI", "")
        date = headers.get_header("WARC-Date", "")
    if http is not None and "chunked" in http.get_header("Transfer-Encoding", "").lower():
        # Others store chunked bodies as received; a body that only claims to be chunked
        # is kept as is.
        dechunked = dechunk(body)
        if dechunked is not None:
            body = dechunked
    content_type = http.get_header("Content-Type", "") if http is not None else ""
    return StoredRecord(
        filename=filename,
        offset=offset,
        length=length,
        rec_type=record.rec_type or "",
        record_id=headers.get_header("WARC-Record-ID", ""),
        target_uri=target_uri,
        date=date,
        payload_digest=headers.get_header("WARC-Payload-Digest", ""),
        http_status=_http_status(record),
        http_headers=http_headers,
        content_type=content_type or record.content_type or "",
        truncated=headers.get_header("WARC-Truncated", ""),
        refers_to=headers.get_header("WARC-Refers-To", ""),
        body=body,
        warc_headers=list(headers.headers),
    )


def written_record(record: ArcWarcRecord, location: RecordLocation) -> StoredRecord:
    """A record the writer has just stored at ``location``, as the reader will give it
    back, without its block (whoever wrote it has the body already)."""
    return _to_stored(record, b"", location.filename, location.offset, location.length)


def _report(errors: list[ReadError] | None, error: ReadError) -> None:
    log.warning("unreadable WARC data in %s at offset %d: %s",
                error.filename, error.offset, error.message)
    if errors is not None:
        errors.append(error)


def _describe(exc: BaseException) -> str:
    # warcio's messages span several indented lines; one line is enough here.
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _member_state(iterator: ArchiveIterator) -> str:
    """"complete", "torn" (file ends inside the member), "continues" or "" if not gzip."""
    decompressor = iterator.reader.decompressor if iterator.reader else None
    if decompressor is None:
        return ""
    if decompressor.eof:
        return "complete"
    fh = iterator.fh
    try:
        at_end = fh.tell() >= os.fstat(fh.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        # A stream (an HTTP download, a ZIP entry) has no size to compare with; one that
        # can tell whether more bytes follow says so (archive/backfill/streams.py).
        at_eof = getattr(fh, "at_eof", None)
        at_end = at_eof() if at_eof is not None else True
    return "torn" if at_end else "continues"


def _check_record(record: ArcWarcRecord, iterator: ArchiveIterator, missing: int,
                  unterminated: bool) -> tuple[str, str]:
    """(fatal problem, warning) about a record just read; empty strings if none."""
    kind = record.rec_type
    if record.format == "arc" and not record.rec_headers.get_header("archive-date", "").isdigit():
        # warcio takes any line of five words for an ARC header: text is not an archive.
        return "not a WARC or ARC record", ""
    declared = record.rec_headers.get_header("length" if record.format == "arc"
                                              else "Content-Length")
    # warcio silently reads a missing length as "to the end of the file or gzip member",
    # and a bad one as 0 (then goes on, which works for bodiless records such as bad.arc).
    if declared is None:
        return f"{kind} record has no length field", ""
    if not declared.strip().isdigit():
        bad_length = f"{kind} record has an invalid length {declared!r}, read as 0"
    else:
        bad_length = ""
    member = _member_state(iterator)
    if member == "torn":
        return (f"{kind} record is cut short: the file ends inside its gzip member "
                f"({missing} bytes of its block missing)"), ""
    if member == "continues":
        return (f"{kind} record does not end its gzip member (not one member per record, "
                "or a corrupt member)"), ""
    if bad_length:
        return "", bad_length
    if missing:
        # Kept, as warcio does: typically an uncompressed file whose line endings were
        # rewritten, or a record split over gzip members (the next record then fails).
        return "", f"{kind} record is {missing} bytes shorter than its Content-Length"
    if unterminated:
        return "", f"{kind} record is not followed by a blank line: Content-Length may be wrong"
    return "", ""


def _check_tail(fh: BinaryIO, end: int, filename: str, errors: list[ReadError] | None) -> None:
    """Report bytes after the last record that are not just separator blank lines."""
    try:
        fh.seek(end)
        while chunk := fh.read(_READ_SIZE):
            if chunk.strip(b"\r\n"):
                _report(errors, ReadError(
                    filename, end, "data after the last record is not a complete record "
                    "(torn write, or not an archive file)",
                ))
                return
    except (OSError, ValueError) as exc:
        _report(errors, ReadError(filename, end, f"cannot check the end of the file: {exc}"))


def _iter_open(fh: BinaryIO, filename: str, types: set[str] | None,
               errors: list[ReadError] | None, limit: int | None = None,
               ) -> Iterator[StoredRecord]:
    iterator = _archive_iterator(fh)
    count = 0
    last_offset = end = iterator.offset
    while limit is None or count < limit:
        try:
            record = next(iterator)
        except StopIteration:
            # warcio ends quietly on a file cut inside a gzip header or record header.
            _check_tail(fh, end, filename, errors)
            return
        except Exception as exc:  # any parse failure ends this file
            # Inside a gzip file that is not one member per record warcio's offset is
            # meaningless (even negative); the member started at the last record.
            offset = iterator.offset if iterator.offset >= last_offset else last_offset
            _report(errors, ReadError(filename, offset, _describe(exc)))
            return
        wanted = types is None or record.rec_type in types
        try:
            body, missing = _read_block(record, keep=wanted)
            warnings_before = iterator.err_count
            offset = last_offset = iterator.get_record_offset()
            length = iterator.get_record_length()
            end = offset + length
            # warcio only prints this one to stderr.
            fatal, warning = _check_record(record, iterator, missing,
                                           iterator.err_count > warnings_before)
        except Exception as exc:
            _report(errors, ReadError(filename, iterator.offset, _describe(exc)))
            return
        if fatal:
            _report(errors, ReadError(filename, offset, fatal))
            return
        if warning:
            _report(errors, ReadError(filename, offset, warning, fatal=False))
        count += 1
        if not wanted:
            continue
        try:
            archived = _to_stored(record, body, filename, offset, length)
        except Exception as exc:  # one odd record must not end the file
            _report(errors, ReadError(filename, offset, f"skipped record: {_describe(exc)}",
                                      fatal=False))
            continue
        yield archived


def iter_records(path: Path, *, types: set[str] | None = None,
                 errors: list[ReadError] | None = None) -> Iterator[StoredRecord]:
    """Records of one WARC or ARC file (gzip or plain), in file order.

    Never raises for a bad file: the problem goes to ``errors`` and the log, and reading
    stops there (a record that fails only to convert is skipped).
    """
    path = Path(path)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        _report(errors, ReadError(path.name, 0, f"cannot open: {exc}"))
        return
    with fh:
        yield from _iter_open(fh, path.name, types, errors)


def iter_stream(fh: BinaryIO, name: str, *, types: set[str] | None = None,
                errors: list[ReadError] | None = None) -> Iterator[StoredRecord]:
    """Records of an open stream (a download, a ZIP entry), as ``iter_records`` reads a
    file: ``name`` is what records and errors are reported under. ``fh`` needs ``read``
    and ``tell``; ``seek`` back to the end of the last record, for the check of what
    follows it (without it that check is reported as not done)."""
    yield from _iter_open(fh, name, types, errors)


def read_record_at(path: Path, offset: int) -> StoredRecord:
    """The record starting at ``offset`` (e.g. from a RecordLocation or a CDX index)."""
    path = Path(path)
    errors: list[ReadError] = []
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            records = list(_iter_open(fh, path.name, None, errors, limit=1))
    except OSError as exc:
        raise WarcReadError(ReadError(path.name, offset, f"cannot read: {exc}")) from exc
    fatal = [error for error in errors if error.fatal]
    if fatal:
        raise WarcReadError(fatal[0])
    if not records:
        raise WarcReadError(ReadError(path.name, offset, "no record at this offset"))
    return records[0]


def archive_files(directory: Path) -> list[Path]:
    """WARC and ARC files in ``directory``, sorted by name; ``.open`` files are left out."""
    return sorted(
        p for p in Path(directory).iterdir()
        if p.is_file() and p.name.endswith(ARCHIVE_SUFFIXES)
        and not p.name.endswith(OPEN_SUFFIX)
    )


def iter_archive(directory: Path, **kw: Any) -> Iterator[StoredRecord]:
    """Records of every archive file in ``directory``; ``kw`` as for ``iter_records``."""
    for path in archive_files(directory):
        yield from iter_records(path, **kw)
