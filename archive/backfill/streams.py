"""Other crawlers' files, opened as streams of records with the bytes each came from.

An input of `pressarchive import` is a local file or an http(s) URL, read once from its
start and never held whole in memory (a CC-NEWS file is about 1 GB, of which a back-fill
keeps a few records). What it holds is told by its first bytes, not its name:

- a ZIP (WACZ): each `archive/*.warc[.gz]` and `*.arc[.gz]` entry in turn. A ZIP is read
  from its end (the central directory), so a WACZ given by URL is downloaded to a
  temporary file first;
- gzip, one member per record (what WARC 1.1 asks for, and what Common Crawl, wget,
  Heritrix and Browsertrix write): each record's bytes are its gzip member, copied as is;
- gzip as one stream over the whole file (warcio refuses it: "non-chunked gzip file"),
  told apart by decompressing the first member only until it is clearly longer than the
  first record: it is read through a decompressor, and each record's bytes are its
  decompressed bytes (offsets count the decompressed stream);
- anything else: an uncompressed WARC or ARC file (or not an archive at all, which the
  reader reports).

Every layer counts or keeps what it must and no more: `CountingReader` the bytes taken
from the network or disk, `RecordingReader` the bytes since the last record handed on,
so that the importer can copy a record's exact bytes once the reader has parsed it.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import tempfile
import urllib.request
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from archive.warc.reader import ARCHIVE_SUFFIXES, ReadError

log = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
_OUT_STEP = 1024 * 1024  # decompressed bytes per zlib call: bounds memory
# A member that holds one record may end with a few stray line ends after it.
_SLACK = 16
_MAX_FIRST_HEADER = 1024 * 1024
HTTP_TIMEOUT = 60.0

MEMBERS = "gzip-members"  # one gzip member per record
GZIP_STREAM = "gzip-stream"  # the whole file one gzip stream
PLAIN = "plain"  # not compressed
ZIP = "zip"


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def is_url(spec: str) -> bool:
    return urlsplit(spec).scheme.lower() in ("http", "https")


class CountingReader:
    """Counts the bytes read from the source: what an import costs in transfer."""

    def __init__(self, raw: Readable) -> None:
        self._raw = raw
        self.bytes_read = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._raw.read(size)
        self.bytes_read += len(data)
        return data


class PrefixReader:
    """Bytes already read to look at a stream (its first gzip member), then the rest."""

    def __init__(self, prefix: bytes, raw: Readable) -> None:
        self._prefix = memoryview(prefix)
        self._raw = raw

    def read(self, size: int = -1, /) -> bytes:
        if self._prefix:
            take = len(self._prefix) if size is None or size < 0 else size
            data = bytes(self._prefix[:take])
            self._prefix = self._prefix[take:]
            return data
        return self._raw.read(size)


class GunzipReader:
    """A gzip stream (one member or many) decompressed as it is read.

    A stream that ends inside a member, or bytes that are not gzip, raise OSError from
    read(): the record reader reports that where it happened, after the records before."""

    def __init__(self, raw: Readable) -> None:
        self._raw = raw
        self._decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._input = b""
        self._in_member = False
        self._out = bytearray()
        self._done = False

    def _more(self) -> bool:
        if not self._input:
            self._input = self._raw.read(READ_SIZE)
            if not self._input:
                if self._in_member:
                    raise OSError("the gzip stream ends inside a member (cut short)")
                self._done = True
                return False
        try:
            self._out += self._decompressor.decompress(self._input, _OUT_STEP)
        except zlib.error as exc:
            raise OSError(f"corrupt gzip data: {exc}") from exc
        self._in_member = True
        self._input = self._decompressor.unconsumed_tail
        if self._decompressor.eof:
            # The next member, if any, starts in what this one left over.
            self._input = self._decompressor.unused_data + self._input
            self._decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
            self._in_member = False
        return True

    def read(self, size: int = -1, /) -> bytes:
        want = READ_SIZE if size is None or size < 0 else size
        while len(self._out) < want and not self._done and self._more():
            pass
        data = bytes(self._out[:want])
        del self._out[:want]
        return data


class RecordingReader:
    """A forward stream that keeps the bytes read since ``forget()`` was last told, so a
    record's exact bytes can be taken once the reader has parsed past it (``slice``).

    It tells its position (warcio's offsets are counted from it), seeks back within the
    kept bytes (the reader's check of what follows the last record), and says whether
    more bytes follow (``at_eof``: whether a gzip member that did not end at its
    record is torn or followed by more)."""

    def __init__(self, raw: Readable) -> None:
        self._raw = raw
        self._kept = bytearray()
        self._base = 0  # offset of _kept[0]
        self._pos = 0
        self._eof = False

    @property
    def _high(self) -> int:
        return self._base + len(self._kept)

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._raw.read(READ_SIZE)
        if not chunk:
            self._eof = True
            return False
        self._kept += chunk
        return True

    def read(self, size: int = -1, /) -> bytes:
        if size is None or size < 0:
            while self._fill():
                pass
            size = self._high - self._pos
        if self._pos >= self._high and not self._fill():
            return b""
        start = self._pos - self._base
        data = bytes(self._kept[start:start + size])
        self._pos += len(data)
        return data

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence != io.SEEK_SET or not self._base <= offset <= self._high:
            raise io.UnsupportedOperation("a stream seeks back only within its kept bytes")
        self._pos = offset
        return offset

    def at_eof(self) -> bool:
        return self._pos >= self._high and not self._fill()

    def slice(self, start: int, end: int) -> bytes:
        if start < self._base or end > self._high:
            raise ValueError(f"bytes {start}-{end} are no longer kept ({self._base}-"
                             f"{self._high})")
        return bytes(self._kept[start - self._base:end - self._base])

    def forget(self, before: int) -> None:
        """Bytes before ``before`` are not needed any more."""
        drop = min(before, self._pos) - self._base
        if drop > 0:
            del self._kept[:drop]
            self._base += drop


def first_record_size(data: bytes) -> int | None:
    """The length of the first WARC or ARC record of ``data`` with the line ends after
    it; None while ``data`` is too short to tell, -1 when it cannot be told."""
    if data.startswith(b"WARC/"):
        end = data.find(b"\r\n\r\n")
        if end < 0:
            return None if len(data) < _MAX_FIRST_HEADER else -1
        found = re.search(rb"(?im)^content-length:[ \t]*(\d+)[ \t]*$", data[:end])
        return end + 4 + int(found.group(1)) + 4 if found else -1
    line_end = data.find(b"\n")
    if line_end < 0:
        return None if len(data) < 4096 else -1
    # ARC: "URL IP-address Archive-date Content-type Archive-length", then the block.
    length = data[:line_end].rsplit(b" ", 1)[-1].strip()
    return line_end + 1 + int(length) + 1 if length.isdigit() else -1


def gzip_layout(raw: Readable) -> tuple[str, PrefixReader]:
    """MEMBERS or GZIP_STREAM for a gzip file, by its first member: one that ends
    with its first record is one member per record; one that goes on past it is one
    stream. Only that much is read (kept, and given back first by the reader returned).
    A file too damaged to tell counts as MEMBERS: the record reader says what is wrong."""
    peeked = bytearray()
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    head = bytearray()  # decompressed bytes, until the first record's size is known
    size: int | None = None
    out_total = 0
    layout = MEMBERS
    while True:
        chunk = raw.read(READ_SIZE)
        if not chunk:
            break  # ends inside the first member: torn, reported by the reader
        peeked += chunk
        data = chunk
        try:
            while data and not decompressor.eof:
                out = decompressor.decompress(data, _OUT_STEP)
                data = decompressor.unconsumed_tail
                out_total += len(out)
                if size is None:
                    head += out
                    size = first_record_size(bytes(head))
        except zlib.error:
            break
        if size == -1:
            break
        if size is not None and out_total > size + _SLACK:
            layout = GZIP_STREAM
            break
        if decompressor.eof:
            break
    return layout, PrefixReader(bytes(peeked), raw)


def sniff(raw: Readable) -> tuple[str, Readable]:
    """The layout of a stream (ZIP, MEMBERS, GZIP_STREAM or PLAIN) and a reader that
    gives its bytes from the start."""
    head = b""
    while len(head) < 4:
        chunk = raw.read(4 - len(head))
        if not chunk:
            break
        head += chunk
    if head.startswith(b"PK\x03\x04"):
        return ZIP, PrefixReader(head, raw)
    if head.startswith(b"\x1f\x8b"):
        return gzip_layout(PrefixReader(head, raw))
    return PLAIN, PrefixReader(head, raw)


@dataclass
class RecordStream:
    """One WARC or ARC file of an input: a plain file or URL, or an entry of a WACZ."""

    web_archive: str  # the input as named: absolute path or URL (the index's `origin`)
    source_file: str  # the WARC file: the same, or the entry's name inside a WACZ
    name: str  # what errors are reported under: the file, or "WACZ#entry"
    layout: str  # MEMBERS, GZIP_STREAM or PLAIN
    reader: RecordingReader


def _record_stream(web_archive: str, source_file: str, name: str, layout: str,
                   reader: Readable) -> RecordStream:
    if layout == GZIP_STREAM:
        reader = GunzipReader(reader)
    # A ZIP inside a WACZ is read as PLAIN: the record reader says it is no archive.
    return RecordStream(web_archive, source_file, name, PLAIN if layout == ZIP else layout,
                        RecordingReader(reader))


@contextmanager
def _opened(spec: str, user_agent: str, timeout: float) -> Iterator[BinaryIO]:
    if is_url(spec):
        request = urllib.request.Request(spec, headers={"User-Agent": user_agent})
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            yield response
    else:
        with open(spec, "rb") as fh:
            yield fh


def describe_input(spec: str) -> str:
    """How an input is named in provenance: a URL as given, a path made absolute."""
    return spec if is_url(spec) else str(Path(spec).absolute())


class InputError(Exception):
    """An input could not be opened or is no archive: reported, the next one goes on."""


def open_streams(spec: str, counters: list[CountingReader], errors: list[ReadError], *,
                 user_agent: str, timeout: float = HTTP_TIMEOUT,
                 ) -> Iterator[RecordStream]:
    """The record streams of one input, one after the other (each valid only until the
    next is asked for). Raises InputError when the input cannot be opened or is not a
    ZIP it claims to be; a WACZ entry that cannot be opened goes to ``errors`` and the
    next entry is read. What counts the bytes read from the input is appended to
    ``counters``."""
    label = describe_input(spec)
    with ExitStack() as stack:
        try:
            fh = stack.enter_context(_opened(spec, user_agent, timeout))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot open {spec}: {exc}") from exc
        counter = CountingReader(fh)
        try:
            layout, reader = sniff(counter)
        except OSError as exc:
            raise InputError(f"cannot read {spec}: {exc}") from exc
        if layout != ZIP:
            counters.append(counter)
            yield _record_stream(label, label, spec, layout, reader)
            return
        if is_url(spec) or not Path(spec).is_file():
            # A ZIP is read from its end: a download (or a pipe) is spooled to a file.
            counters.append(counter)
            spool = stack.enter_context(tempfile.TemporaryFile(prefix="pressarchive-wacz-"))
            shutil.copyfileobj(reader, spool, READ_SIZE)  # type: ignore[arg-type]
            spool.seek(0)
            yield from _wacz_streams(spec, label, spool, None, stack, errors)
        else:
            yield from _wacz_streams(spec, label, Path(spec), counters, stack, errors)


def _wacz_streams(spec: str, label: str, target: Path | BinaryIO,
                  counters: list[CountingReader] | None, stack: ExitStack,
                  errors: list[ReadError]) -> Iterator[RecordStream]:
    """Each WARC/ARC entry of a WACZ; ``counters`` gets a counter per entry read (None:
    the input's bytes are counted as downloaded)."""
    try:
        wacz = stack.enter_context(zipfile.ZipFile(target))
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{spec} is not a readable ZIP (WACZ) file: {exc}") from exc
    entries = [info for info in wacz.infolist()
               if info.filename.startswith("archive/") and not info.is_dir()
               and info.filename.lower().endswith(ARCHIVE_SUFFIXES)]
    if not entries:
        raise InputError(f"{spec} has no WARC or ARC file under archive/ (not a WACZ?)")
    for info in entries:
        name = f"{spec}#{info.filename}"
        try:
            entry = wacz.open(info)
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
            errors.append(ReadError(name, 0, f"cannot open the WACZ entry: {exc}"))
            log.warning("cannot open %s: %s", name, exc)
            continue
        with entry:
            raw: Readable = _ZipEntry(entry, info, name, errors)
            if counters is not None:
                raw = CountingReader(raw)
                counters.append(raw)
            try:
                layout, reader = sniff(raw)
            except OSError as exc:
                errors.append(ReadError(name, 0, str(exc)))
                log.warning("cannot read %s: %s", name, exc)
                continue
            yield _record_stream(label, info.filename, name, layout, reader)


class _ZipEntry:
    """A ZIP entry read to its end with its CRC checked there, after every byte was
    handed on. zipfile checks it inside the read that reaches the end, and drops that
    read's bytes with its error: a damaged entry smaller than one read would give
    nothing, not even the records before the damage (each of which its own gzip CRC and
    digests vouch for), and a larger one would lose its last record. A mismatch is
    reported in ``errors`` at the entry's end. Other damage (a bad deflate stream) is an
    OSError, as any read failure, for the record reader to report where it happened."""

    def __init__(self, entry: zipfile.ZipExtFile, info: zipfile.ZipInfo, name: str,
                 errors: list[ReadError]) -> None:
        self._entry = entry
        # Off in zipfile (a CPython detail, checked to exist), on here.
        if hasattr(entry, "_expected_crc"):
            entry._expected_crc = None
        self._info = info
        self._name = name
        self._errors = errors
        self._crc = 0
        self._size = 0
        self._checked = False

    def read(self, size: int = -1, /) -> bytes:
        try:
            data = self._entry.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise OSError(f"damaged WACZ entry: {exc}") from exc
        if data:
            self._crc = zlib.crc32(data, self._crc)
            self._size += len(data)
        elif not self._checked:
            self._checked = True
            if self._crc != self._info.CRC:
                message = (f"damaged WACZ entry: its CRC-32 is {self._crc:08x}, the ZIP "
                           f"says {self._info.CRC:08x} (each record read from it was "
                           "checked on its own)")
                log.warning("%s: %s", self._name, message)
                self._errors.append(ReadError(self._name, self._size, message))
        return data
