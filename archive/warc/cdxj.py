"""The archive's CDXJ index (DIR/indexes/index.cdxj), as pywb and other replay tools read it.

One line per response, revisit, resource or metadata record (request and warcinfo records
are not indexed, nor ``application/warc-fields`` records), sorted in byte order::

    <SURT key> <14-digit timestamp> {"url": ..., "mime": ..., "status": ..., "digest": ...,
                                     "length": ..., "offset": ..., "filename": ...}

Field conventions follow pywb's own indexer: ``digest`` without its ``sha1:`` prefix,
``status``, ``length`` and ``offset`` as strings, ``filename`` the WARC file's path relative
to the archive's ``warc/`` directory, ``mime`` the media type without parameters, and
``warc/revisit`` for revisit records. Empty fields are left out.

The index covers every WARC folder of the archive (ArchiveLayout.warc_folders()): DIR/warc
and, for a shared crawl, each worker's DIR/workers/NAME/warc. A file of DIR/warc is named by
its bare name, as always; a worker's file by ``../workers/NAME/warc/FILE``, still relative to
DIR/warc. Why that spelling: replay tools resolve ``filename`` by appending it to the
collection's archive folder (pywb's PrefixResolver is a string concatenation, then a plain
open()), so one rule, "relative to DIR/warc", serves both kinds: a tool given DIR/warc as
its archive folder opens a worker's file through the ``..`` (DIR/warc being a folder of
DIR). The alternatives break something: paths relative to DIR would rename every line of
every existing archive's index, and bare names for the workers' files too would need pywb
to search several folders for each record. archive/web/replay.py builds its collection so
that the ``..`` resolves whatever DIR/warc is (a link elsewhere, or missing: a shared
archive whose files are all the workers').

One exception, so that every capture replays: a server-not-modified revisit (the 304 that
answered a conditional recheck) is indexed under its own URL and timestamp but with the
``mime``, ``status``, ``digest``, ``filename``, ``offset`` and ``length`` of the response it
refers to, and its own record's place in ``revisit_filename``, ``revisit_offset`` and
``revisit_length``. Indexed as a revisit it replayed as the empty 304 it was, from our
index and from a WACZ: pywb takes the status from the revisit record's head and, for any
3xx, never loads the original's payload. The WARC records are unchanged (the revisit still
says 304); pywb's Memento-Datetime is then the original's date, when those bytes came.

The index is brought up to date, not made anew, when only new files were added
(archive/warc/cdxj_update.py): every crawl's end writes it.

The SURT key is the one pywb computes to look a URL up (the ``surt`` package's default
canonicalisation, reimplemented here): see ``surt_key``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import socket
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import SplitResultBytes, unquote_to_bytes

from archive.errors import PressArchiveError
from archive.layout import ArchiveLayout
from archive.warc.reader import ReadError, StoredRecord, iter_records

__all__ = [
    "CdxjEntry",
    "IndexedFiles",
    "archive_file_names",
    "cdx_timestamp",
    "collect_entries",
    "index_files",
    "surt_key",
    "write_cdxj",
]

log = logging.getLogger(__name__)

INDEXED_TYPES = frozenset({"response", "revisit", "resource", "metadata"})
NOT_MODIFIED_PROFILE = "/revisit/server-not-modified"  # the end of its WARC-Profile URI


# --- SURT ------------------------------------------------------------------------------------
#
# The rules of the Internet Archive's URL canonicalisation (surt.surt with its defaults), which
# pywb applies to every URL it looks up, so keys must match it exactly:
#   - whitespace trimmed, tabs and line breaks removed, "http://" added if there is no scheme,
#     a repeated "http://https://" prefix reduced to its last scheme;
#   - fragment dropped; host, path and query percent-decoded until stable, then re-encoded
#     (bytes outside 0x21-0x7e, "#" and "%" as %XX); IDNA for non-ASCII hosts;
#   - numeric hosts normalised as IPv4 dotted quads; host lowercased, a leading "www.",
#     "www2." ... removed; default ports (80 for http, 443 for https) and user info dropped;
#   - path: "." and ".." segments resolved, empty segments dropped, lowercased, ASP.NET
#     session segments removed, a trailing "/" dropped (except for "/" itself);
#   - query: session ids (jsessionid, phpsessid, sid, ASPSESSIONID, cfid/cftoken) removed,
#     lowercased, arguments sorted by (name, value); an empty query dropped;
#   - output: host labels reversed and joined by ",", ":port" if any, ")", path, "?query".

_HAS_SCHEME = re.compile(rb"^[a-zA-Z][a-zA-Z0-9+\-.]*:")
_REPEATED_HTTP = re.compile(rb"^(https?://)+")
_URL_PARTS = re.compile(
    rb"^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$"
)
_LINE_BREAKS = re.compile(rb"[\t\n\r]")
_WWW_PREFIX = re.compile(rb"^www\d*\.")
_DECIMAL_IP = re.compile(rb"^[1-9][0-9]*(?:\.[0-9]+){0,3}$")
_OCTAL_IP = re.compile(rb"^0[0-7]*(?:\.[0-7]+){0,3}$")
_DEFAULT_PORTS = {b"http": 80, b"https": 443}

# Printable ASCII is kept as is, except "#" and "%"; everything else becomes %XX.
_KEPT_BYTES = frozenset(range(0x21, 0x7F)) - {ord("#"), ord("%")}

_QUERY_SESSION_IDS = [
    re.compile(rb"^(.*)" + token + rb"(?:&(.*))?$", re.IGNORECASE)
    for token in (
        rb"jsessionid=[0-9a-z]{32}",
        rb"phpsessid=[0-9a-z]{32}",
        rb"sid=[0-9a-z]{32}",
        rb"aspsessionid[a-z]{8}=[a-z]{24}",
        rb"cfid=[^&]+&cftoken=[^&]+",
    )
]
_PATH_SESSION_IDS = [
    re.compile(rb"^(.*/)" + segment + rb"([^?]+\.aspx.*)$", re.IGNORECASE)
    for segment in (
        rb"\((?:[a-z]\([0-9a-z]{24}\))+\)/",
        rb"\([0-9a-z]{24}\)/",
    )
]


def _escape(data: bytes | None) -> bytes | None:
    if not data or all(byte in _KEPT_BYTES for byte in data):
        return data
    return b"".join(
        bytes((byte,)) if byte in _KEPT_BYTES else b"%%%02X" % byte for byte in data
    )


def _unescape(data: bytes | None) -> bytes | None:
    while data:
        decoded = unquote_to_bytes(data)
        if decoded == data:
            break
        data = decoded
    return data


def _numeric_host(host: bytes) -> bytes | None:
    """A dotted quad for a host written as a number (decimal, octal, 1-4 parts), else None."""
    if host.isdigit():
        return socket.inet_ntoa(struct.pack(">L", int(host) & 0xFFFFFFFF)).encode("ascii")
    if _DECIMAL_IP.match(host) or _OCTAL_IP.match(host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host.decode("ascii"))).encode("ascii")
        except OSError:
            return None
    return None


def _resolve_dots(path: bytes | None) -> bytes:
    if not path:
        return b"/"
    segments = path.split(b"/")[1:]
    kept: list[bytes] = []
    for segment in segments:
        if segment == b".":
            continue
        if segment == b"..":
            if kept:
                kept.pop()
            else:
                kept.append(segment)
            continue
        kept.append(segment)
    if not kept:
        return b"/"
    # Empty segments are dropped except the last (a trailing slash).
    return b"/" + b"".join(segment + b"/" for segment in kept[:-1] if segment) + kept[-1]


def _strip_query_session_ids(query: bytes) -> bytes:
    for pattern in _QUERY_SESSION_IDS:
        match = pattern.match(query)
        if match:
            query = match.group(1) + (match.group(2) or b"")
    return query


def _strip_path_session_ids(path: bytes) -> bytes:
    for pattern in _PATH_SESSION_IDS:
        match = pattern.match(path)
        if match:
            path = match.group(1) + match.group(2)
    return path


def _sort_query(query: bytes) -> bytes:
    if len(query) <= 1:
        return query
    args = sorted(tuple(arg.split(b"=", 1)) for arg in query.split(b"&"))
    return b"&".join(b"=".join(arg) for arg in args)


def _surt(url: bytes) -> bytes:  # noqa: C901 - pywb's SURT rules, one branch each, in its order
    url = _LINE_BREAKS.sub(b"", url.strip())
    if not _HAS_SCHEME.match(url):
        url = b"http://" + url
    repeated = _REPEATED_HTTP.match(url)
    if repeated:
        url = repeated.group(1) + url[repeated.end():]
    parts = _URL_PARTS.match(url)
    if parts is None:  # the pattern matches any string without line breaks
        raise ValueError("unparsable URL")
    scheme, netloc, path, query, _fragment = parts.groups(b"")
    netloc = netloc.rstrip(b":")
    location = SplitResultBytes(b"", netloc, b"", b"", b"")
    port = location.port or None  # ValueError for a bad port
    host = location.hostname or None
    path = path or None
    query = query or None
    if scheme.startswith(b"http") and host is None and path is not None:
        # "http:////example.com/x": the host is the first path segment.
        host, _, rest = path.lstrip(b"/").partition(b"/")
        path = b"/" + rest

    if query:
        query = _escape(_unescape(query))
    if host:
        host = _unescape(host)
        if not host.isascii():
            try:
                host = host.decode("utf-8", "ignore").encode("idna")
            except ValueError:
                pass
        host = host.replace(b"..", b".").strip(b".")
        host = _numeric_host(host) or _escape(host.lower())
    path = _unescape(path)
    if host:
        path = _resolve_dots(path)
    path = _escape(path)

    if host:
        host = host.lower()
        if scheme != b"dns":
            host = _WWW_PREFIX.sub(b"", host, count=1)
    if port is not None and port == _DEFAULT_PORTS.get(scheme.lower()):
        port = None
    if path:
        path = _strip_path_session_ids(path.lower())
        if len(path) > 1 and path.endswith(b"/"):
            path = path[:-1]
    if query:
        query = _sort_query(_strip_query_session_ids(query).lower()) or None

    if host:
        key = b",".join(reversed(host.split(b".")))
        if port is not None:
            key += b":%d" % port
        key += b")"
    else:
        key = scheme + b":"
    if path:
        key += path
    elif query is not None:
        key += b"/"
    if query is not None:
        key += b"?" + query
    return key


def surt_key(url: str) -> str:
    """The SURT form of ``url`` pywb looks it up by, e.g. ``com,example)/a?b=1&c=2``.

    A URL that cannot be canonicalised (a bad port) is its own key, as cdxj-indexer does.
    """
    if not url:
        return "-"
    if url.startswith("filedesc"):
        return url
    try:
        return _surt(url.encode("utf-8")).decode("utf-8")
    except (ValueError, UnicodeError):
        return url


# --- index entries -----------------------------------------------------------------------


@dataclass(frozen=True)
class CdxjEntry:
    key: str
    timestamp: str
    url: str
    mime: str
    status: str
    digest: str
    length: int
    offset: int
    filename: str
    rec_type: str
    record_id: str
    refers_to: str = ""  # WARC-Refers-To of a revisit
    not_modified: bool = False  # a revisit recording a 304 (server-not-modified)
    # For a 304 revisit indexed as the response it refers to: its own record's place.
    revisit_location: tuple[str, int, int] | None = None

    def line(self) -> str:
        fields = {
            "url": self.url, "mime": self.mime, "status": self.status, "digest": self.digest,
            "length": str(self.length), "offset": str(self.offset), "filename": self.filename,
        }
        if self.revisit_location is not None:
            filename, offset, length = self.revisit_location
            fields.update(revisit_filename=filename, revisit_offset=str(offset),
                          revisit_length=str(length))
        data = {name: value for name, value in fields.items() if value and value != "-"}
        return f"{self.key} {self.timestamp} {json.dumps(data)}\n"


def cdx_timestamp(date: str) -> str:
    """The 14-digit UTC timestamp of a WARC-Date (fractions of a second dropped)."""
    try:
        parsed = datetime.fromisoformat(date.strip().replace("Z", "+00:00"))
    except ValueError:
        digits = "".join(c for c in date if c.isdigit())[:14]
        return digits.ljust(14, "0") if digits else ""
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.strftime("%Y%m%d%H%M%S")


def _media_type(content_type: str) -> str:
    return re.split(r"[;\s]", content_type.strip(), maxsplit=1)[0]


def _entry(record: StoredRecord, filename: str) -> CdxjEntry | None:
    if record.rec_type not in INDEXED_TYPES:
        return None
    if record.rec_type in ("resource", "metadata") and (
        _media_type(record.content_type).lower() == "application/warc-fields"
    ):
        return None
    mime = "warc/revisit" if record.rec_type == "revisit" else _media_type(record.content_type)
    digest = record.payload_digest
    if digest.lower().startswith("sha1:"):
        digest = digest[len("sha1:"):]
    status = record.http_status
    return CdxjEntry(
        key=surt_key(record.target_uri),
        timestamp=cdx_timestamp(record.date),
        url=record.target_uri,
        mime=mime,
        status=str(status) if status is not None else "",
        digest=digest,
        length=record.length,
        offset=record.offset,
        filename=filename,
        rec_type=record.rec_type,
        record_id=record.record_id,
        refers_to=record.refers_to,
        not_modified=record.rec_type == "revisit" and (
            status == 304 or record.warc_header("WARC-Profile").endswith(NOT_MODIFIED_PROFILE)),
    )


def replayable(entries: list[CdxjEntry]) -> list[CdxjEntry]:
    """``entries`` with each 304 revisit pointing at the response it refers to.

    The original is found by WARC-Refers-To (through an identical-payload revisit, if a
    tool referred to one), else as the latest earlier response of the same URL with the
    same payload digest. A 304 whose original is not among ``entries`` stays as it is.
    """
    by_id = {entry.record_id: entry for entry in entries if entry.record_id}
    responses: dict[tuple[str, str], list[CdxjEntry]] = {}
    for entry in entries:
        if entry.rec_type == "response":
            responses.setdefault((entry.url, entry.digest), []).append(entry)
    out = []
    for entry in entries:
        original = _original(entry, by_id, responses) if entry.not_modified else None
        if original is None:
            out.append(entry)
            continue
        out.append(dataclasses.replace(
            entry, mime=original.mime, status=original.status, digest=original.digest,
            filename=original.filename, offset=original.offset, length=original.length,
            revisit_location=(entry.filename, entry.offset, entry.length),
        ))
    return out


def _original(revisit: CdxjEntry, by_id: dict[str, CdxjEntry],
              responses: dict[tuple[str, str], list[CdxjEntry]]) -> CdxjEntry | None:
    seen = {revisit.record_id}
    entry = revisit
    while entry.rec_type == "revisit" and entry.refers_to and entry.refers_to not in seen:
        seen.add(entry.refers_to)
        referred = by_id.get(entry.refers_to)
        if referred is None:
            break
        entry = referred
    if entry.rec_type == "response" and entry.status.startswith("2"):
        return entry
    earlier = [e for e in responses.get((revisit.url, revisit.digest), [])
               if e.timestamp <= revisit.timestamp and e.status.startswith("2")]
    return max(earlier, key=lambda e: e.timestamp, default=None)


# What a file is called in the `filename` field: by default its name (a folder's files).
FileNamer = Callable[[Path], str]


def _own_name(path: Path) -> str:
    return path.name


def iter_entries(files: Iterable[Path], errors: list[ReadError] | None = None,
                 filename: FileNamer = _own_name) -> Iterator[CdxjEntry]:
    """Index entries of the records of ``files``, in file order, each file's entries
    under the ``filename`` given by the function of that name."""
    for path in files:
        name = filename(path)
        for record in iter_records(path, types=set(INDEXED_TYPES), errors=errors):
            entry = _entry(record, name)
            if entry is not None:
                yield entry


def collect_entries(files: Iterable[Path], errors: list[ReadError] | None = None,
                    filename: FileNamer = _own_name) -> list[CdxjEntry]:
    """Index entries of ``files`` in index order (the order of their CDXJ lines)."""
    return sorted(replayable(list(iter_entries(files, errors, filename))),
                  key=lambda entry: entry.line())


@dataclass
class IndexedFiles:
    """What ``index_files`` made of a list of files."""

    entries: list[CdxjEntry]  # in index order
    files: list[Path]  # the files with at least one readable record
    left_out: dict[Path, str]  # the others (random bytes, a text file), and why
    errors: list[ReadError]  # every problem, also those of files read in part


def index_files(files: Iterable[Path], filename: FileNamer = _own_name) -> IndexedFiles:
    """Index entries of ``files``, leaving out the files from which no record can be read;
    ``filename`` names each file in its entries (by default its name).

    A file named .warc.gz that holds anything else is no part of an archive: replay tools
    reject it, and `wacz validate` a package that holds it. A file damaged further on
    (torn, or a bad record) keeps the entries of its records before the damage.
    """
    indexed = IndexedFiles(entries=[], files=[], left_out={}, errors=[])
    for path in files:
        file_errors: list[ReadError] = []
        entries = list(iter_entries([path], file_errors, filename))
        indexed.errors.extend(file_errors)
        unreadable = next((e for e in file_errors if e.fatal and e.offset == 0), None)
        if unreadable is not None:
            indexed.left_out[path] = f"not a WARC or ARC file ({unreadable.message})"
        elif not entries and _is_empty(path):
            indexed.left_out[path] = "empty file"
        else:
            indexed.files.append(path)
            indexed.entries.extend(entries)
    indexed.entries = sorted(replayable(indexed.entries), key=lambda entry: entry.line())
    return indexed


def _is_empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except OSError:
        return True


def archive_file_names(layout: ArchiveLayout) -> dict[Path, str]:
    """Every closed WARC file of the archive, folder by folder, with the ``filename`` its
    entries give it (relative to DIR/warc). UnusableArchive if it has no WARC folder."""
    return {path: folder.replay_name(path.name)
            for folder in layout.existing_warc_folders() for path in folder.files()}


def write_cdxj(archive_dir: Path, errors: list[ReadError] | None = None,
               left_out: dict[Path, str] | None = None, target: Path | None = None) -> Path:
    """Index every closed WARC of the archive (DIR/warc and its workers' folders, see the
    module's docstring) into DIR/indexes/index.cdxj and return its path.

    Unreadable data is reported to ``errors`` and the log (records before it are indexed);
    files with no readable record at all are left out, and put in ``left_out`` with why.
    Raises PressArchiveError if DIR is not an archive or the index cannot be written.
    ``target``: another place for the index (serve's replay keeps one of its own).
    """
    from archive.warc import cdxj_update

    layout = ArchiveLayout(archive_dir)
    names = archive_file_names(layout)
    target = target or layout.cdxj_file
    # Only the files the existing index lacks are read, when it can be trusted
    # (archive/warc/cdxj_update.py): a crawl's end reads its own files, not the archive.
    update = cdxj_update.incremental(names, target) or cdxj_update.full(names)
    if errors is not None:
        errors.extend(update.errors)
    if left_out is not None:
        left_out.update(update.left_out)
    if not update.changed:
        return target
    try:
        cdxj_update.write_index(update, target)
    except OSError as exc:
        raise PressArchiveError(f"cannot write {target}: {exc}") from exc
    return target
