"""The gzip members of a ``.warc.gz`` file, each decompressed to its end and its record
checked.

``warcio check`` only recomputes digests: it passes a file cut in the middle of a record.
Here every gzip member is decompressed to its end (CRC and length checked by zlib), the
bytes of each block are counted against its Content-Length, and digests are recomputed,
all streaming with bounded memory. ``verify`` reports what ``scan_members`` finds;
``repair`` cuts a torn file after its last intact member.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from archive.warc.decoding import dechunk

__all__ = ["MemberScan", "scan_members"]

_READ_SIZE = 64 * 1024
_OUT_STEP = 256 * 1024  # decompressed bytes per zlib call: bounds memory per member
_MAX_HEADER = 1024 * 1024  # WARC or HTTP header block
_MAX_DECHUNK = 16 * 1024 * 1024  # payload kept to check a digest over a chunked body
_TARGET_URI_TYPES = frozenset({"request", "response", "revisit", "resource"})
IDENTICAL_PAYLOAD = "/revisit/identical-payload-digest"
_HTTP_PAYLOAD_TYPES = frozenset({"request", "response"})


@dataclass
class MemberScan:
    """One gzip member of a WARC file and the record it holds."""

    offset: int
    length: int  # bytes of the member in the file (to the end of the file if incomplete)
    complete: bool  # decompressed to its end with a correct CRC and length
    intact: bool  # complete, and one whole record: header, Content-Length, block digest
    rec_type: str = ""
    record_id: str = ""
    concurrent_to: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)
    payload_digest: str = ""
    refers_to: str = ""

    @property
    def end(self) -> int:
        return self.offset + self.length


class _Digest:
    """A declared ``algorithm:value`` digest and the hash computing it."""

    def __init__(self, declared: str) -> None:
        self.declared = declared.strip()
        algorithm, _, self.value = self.declared.partition(":")
        try:
            self.hasher: Any = hashlib.new(algorithm.strip().lower().replace("-", ""))
        except ValueError:
            self.hasher = None

    def matches(self, digest: bytes) -> bool:
        value = self.value.strip()
        return (value.upper().rstrip("=") == base64.b32encode(digest).decode().rstrip("=")
                or value.lower() == digest.hex())


class _RecordParser:
    """Fed the decompressed bytes of one gzip member; checks it holds exactly one record."""

    def __init__(self) -> None:
        self.state = "header"
        self.buf = bytearray()
        self.damage: list[str] = []  # the record is not whole: repair cuts here
        self.problems: list[str] = []  # whole, but wrong (missing fields, payload digest)
        self.fields: list[tuple[str, str]] = []
        self.rec_type = ""
        self.record_id = ""
        self.concurrent_to: tuple[str, ...] = ()
        self.content_length = 0
        self.remaining = 0
        self.block_digest: _Digest | None = None
        self.payload_digest: _Digest | None = None
        self.http_state = ""  # "headers" while looking for the end of the HTTP headers
        self.http_buf = bytearray()
        self.chunked: bytearray | None = None
        self.trailer = bytearray()
        self.extra = 0
        self.extra_is_record = False

    def field(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for n, v in self.fields if n.lower() == lower), None)

    def feed(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self.state == "header":
                view = self._feed_header(view)
            elif self.state == "block":
                take = view[:self.remaining]
                self._feed_block(take)
                self.remaining -= len(take)
                view = view[len(take):]
                if self.remaining == 0:
                    self.state = "trailer"
            elif self.state == "trailer":
                take = view[:4 - len(self.trailer)]
                self.trailer += take
                view = view[len(take):]
                if len(self.trailer) == 4:
                    if self.trailer != b"\r\n\r\n":
                        self.damage.append("record does not end with CRLF CRLF after "
                                           "its Content-Length: the length is wrong")
                        self.state = "skip"
                    else:
                        self.state = "after"
            elif self.state == "after":
                if self.extra == 0 and bytes(view[:5]) == b"WARC/":
                    self.extra_is_record = True
                self.extra += len(view)
                return
            else:  # "skip": the rest of the member after a fatal problem
                return

    def _feed_header(self, view: memoryview) -> memoryview:
        start = max(len(self.buf) - 3, 0)
        self.buf += view
        end = self.buf.find(b"\r\n\r\n", start)
        if end < 0:
            if len(self.buf) > _MAX_HEADER:
                self.damage.append(f"WARC header has no end within {_MAX_HEADER} bytes")
                self.state = "skip"
            return memoryview(b"")
        rest = bytes(self.buf[end + 4:])
        header = bytes(self.buf[:end])
        self.buf = bytearray()
        self._parse_header(header)
        if self.state == "header":
            self.state = "block" if self.remaining else "trailer"
        return memoryview(rest)

    def _parse_header(self, header: bytes) -> None:
        lines = header.decode("utf-8", "replace").split("\r\n")
        if not lines[0].startswith("WARC/"):
            self.damage.append(f"not a WARC record: starts with {lines[0][:40]!r}")
            self.state = "skip"
            return
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.fields:
                name, value = self.fields[-1]
                self.fields[-1] = (name, f"{value} {line.strip()}")
                continue
            name, sep, value = line.partition(":")
            if not sep:
                self.problems.append(f"malformed WARC header line {line[:60]!r}")
                continue
            self.fields.append((name.strip(), value.strip()))
        self.rec_type = self.field("WARC-Type") or ""
        self.record_id = self.field("WARC-Record-ID") or ""
        self.concurrent_to = tuple(v for n, v in self.fields
                                   if n.lower() == "warc-concurrent-to")
        length = self.field("Content-Length")
        if length is None or not length.isdigit():
            self.damage.append("no Content-Length" if length is None
                               else f"invalid Content-Length {length!r}")
            self.state = "skip"
            return
        self.content_length = self.remaining = int(length)
        for name in ("WARC-Record-ID", "WARC-Date", "WARC-Type"):
            if not self.field(name):
                self.problems.append(f"mandatory header {name} is missing")
        if self.rec_type in _TARGET_URI_TYPES and not self.field("WARC-Target-URI"):
            self.problems.append(f"{self.rec_type} record has no WARC-Target-URI")
        if self.record_id and not (self.record_id.startswith("<")
                                   and self.record_id.endswith(">")):
            self.problems.append(f"WARC-Record-ID {self.record_id} is not enclosed in <>")
        if self.rec_type == "revisit":
            profile = self.field("WARC-Profile")
            if not profile:
                self.problems.append("revisit record has no WARC-Profile")
            elif profile.endswith(IDENTICAL_PAYLOAD) and not self.field("WARC-Payload-Digest"):
                self.problems.append("identical-payload-digest revisit has no "
                                     "WARC-Payload-Digest")
        self.block_digest = self._digest("WARC-Block-Digest")
        if self.rec_type != "revisit":  # a revisit's payload digest is the original's
            self.payload_digest = self._digest("WARC-Payload-Digest")
        content_type = (self.field("Content-Type") or "").lower()
        if (self.payload_digest is not None and self.rec_type in _HTTP_PAYLOAD_TYPES
                and content_type.startswith("application/http")):
            self.http_state = "headers"

    def _digest(self, name: str) -> _Digest | None:
        declared = self.field(name)
        if not declared:
            return None
        digest = _Digest(declared)
        if digest.hasher is None:
            self.problems.append(f"{name} {declared!r}: unsupported algorithm")
            return None
        return digest

    def _feed_block(self, data: memoryview) -> None:
        if self.block_digest is not None:
            self.block_digest.hasher.update(data)
        if self.payload_digest is None:
            return
        if self.http_state == "headers":
            start = max(len(self.http_buf) - 3, 0)
            self.http_buf += data
            end = self.http_buf.find(b"\r\n\r\n", start)
            if end < 0:
                if len(self.http_buf) > _MAX_HEADER:
                    self.problems.append("HTTP headers have no end: payload digest unchecked")
                    self.payload_digest = None
                return
            http_headers = bytes(self.http_buf[:end]).lower()
            data = memoryview(bytes(self.http_buf[end + 4:]))
            self.http_buf = bytearray()
            self.http_state = ""
            if any(line.startswith(b"transfer-encoding:") and b"chunked" in line
                   for line in http_headers.split(b"\r\n")):
                self.chunked = bytearray()
        self.payload_digest.hasher.update(data)
        if self.chunked is not None:
            if len(self.chunked) + len(data) > _MAX_DECHUNK:
                self.chunked = None
            else:
                self.chunked += data

    def finish(self) -> None:
        """Called once the member is complete: what is missing, and the digests."""
        if self.state == "header":
            self.damage.append("gzip member holds no complete WARC header"
                               if self.buf else "gzip member is empty: no record")
            return
        if self.state == "block":
            got = self.content_length - self.remaining
            self.damage.append(f"block is {got} bytes, shorter than its Content-Length "
                               f"{self.content_length}")
            return
        if self.state == "trailer":
            self.damage.append("record does not end with CRLF CRLF")
            return
        if self.state == "skip":
            return
        if self.extra:
            if self.extra_is_record:
                self.damage.append("gzip member holds more than one record")
            else:
                self.damage.append(f"{self.extra} bytes after the record in its gzip member")
        block = self.block_digest
        if block is not None and not block.matches(block.hasher.digest()):
            self.damage.append(f"WARC-Block-Digest mismatch: declared {block.declared}, "
                               "block differs")
        payload = self.payload_digest
        if payload is None:
            return
        if self.http_state == "headers":
            self.problems.append("HTTP headers in the block have no end: payload digest "
                                 "unchecked")
            return
        if payload.matches(payload.hasher.digest()):
            return
        if self.chunked is not None:
            body = dechunk(bytes(self.chunked))
            if body is not None:
                hasher = hashlib.new(payload.hasher.name, body)
                if payload.matches(hasher.digest()):
                    return
        self.problems.append(f"WARC-Payload-Digest mismatch: declared {payload.declared}, "
                             "payload differs")


def _describe(parser: _RecordParser) -> str:
    what = parser.rec_type or "record"
    return f"{what} {parser.record_id}".strip() if parser.record_id else what


def scan_members(fh: BinaryIO) -> Iterator[MemberScan]:
    """Every gzip member of a ``.warc.gz`` file from its start, with its record checked.

    Stops after the first member that is incomplete (torn: the file ends inside it) or
    corrupt (bad data, CRC or length; not gzip), since no later boundary can be trusted.
    """
    fh.seek(0)
    offset = 0
    pending = b""
    while True:
        if not pending:
            pending = fh.read(_READ_SIZE)
            if not pending:
                return
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        parser = _RecordParser()
        fed = 0
        error = ""
        while not decompressor.eof:
            if not pending:
                pending = fh.read(_READ_SIZE)
                if not pending:
                    break
            data, pending = pending, b""
            fed += len(data)
            try:
                while True:
                    out = decompressor.decompress(data, _OUT_STEP)
                    parser.feed(out)
                    data = decompressor.unconsumed_tail
                    if decompressor.eof or (not data and len(out) < _OUT_STEP):
                        break
            except zlib.error as exc:
                error = str(exc)
                break
        if decompressor.eof:
            pending = decompressor.unused_data
            length = fed - len(pending)
            parser.finish()
            yield MemberScan(
                offset, length, True, not parser.damage, parser.rec_type, parser.record_id,
                parser.concurrent_to, parser.damage + parser.problems,
                parser.field("WARC-Payload-Digest") or "",
                parser.field("WARC-Refers-To") or "",
            )
            offset += length
            continue
        rest = fed
        while chunk := fh.read(_READ_SIZE):  # count the bytes up to the end of the file
            rest += len(chunk)
        if error:
            message = ("not a gzip member" if "header" in error and not parser.fields
                       else f"corrupt gzip member ({error})")
            message += f"; {_describe(parser)} unreadable" if parser.fields else ""
        else:
            message = (f"incomplete gzip member: the file ends {rest} bytes into it "
                       f"(torn write); {_describe(parser)} cut short")
            if parser.state == "block":
                got = parser.content_length - parser.remaining
                message += f" ({got} of {parser.content_length} block bytes)"
        yield MemberScan(offset, rest, False, False, parser.rec_type, parser.record_id,
                         parser.concurrent_to, [message])
        return
