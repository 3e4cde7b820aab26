"""Appending records to rolling ``.warc.gz`` files, one gzip member per record.

warcio's writer compresses at level 9, hard-coded; here each record is serialised by
warcio uncompressed and then compressed at a chosen level (6 is about 1.5x faster for
nearly the same size). Files follow the Heritrix conventions: written as ``.open``, renamed
when closed, a warcinfo record first, rollover by size at group boundaries only.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from warcio.recordloader import ArcWarcRecord

from archive.warc.records import build_warcinfo, serialize_record

log = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"


@dataclass(frozen=True)
class RecordLocation:
    filename: str  # final name (without .open), no directory
    offset: int
    length: int  # compressed member length
    record_id: str


@dataclass(frozen=True)
class RawMember:
    """A record already serialised as one complete gzip member (another crawler's record
    copied verbatim): written byte for byte, never re-serialised, so its headers stay
    as written (no WARC-Warcinfo-ID is added: that would change the record)."""

    data: bytes
    record_id: str


class WarcWriteError(OSError):
    """Records could not be written; the file is still valid up to the previous group."""


def gzip_member(data: bytes, level: int) -> bytes:
    """``data`` as one complete gzip member (mtime 0, so output is reproducible)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


class WarcFileWriter:
    """Thread-safe writer of rolling WARC files.

    A file is opened on the first write after construction or rollover, so a crawl that
    writes nothing leaves no file. ``records_written`` counts the caller's records;
    ``bytes_written`` counts every byte put in files, warcinfo records included.
    """

    def __init__(self, directory: Path, prefix: str, *, warcinfo_fields: dict[str, str],
                 max_file_bytes: int = 1_000_000_000, gzip_level: int = 6,
                 fsync: bool = False) -> None:
        if not 0 <= gzip_level <= 9:
            raise ValueError(f"gzip_level must be 0-9, not {gzip_level}")
        if max_file_bytes <= 0:
            raise ValueError("max_file_bytes must be positive")
        if not prefix or "/" in prefix or os.sep in prefix:
            raise ValueError(f"invalid WARC file prefix {prefix!r}")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.warcinfo_fields = dict(warcinfo_fields)
        self.max_file_bytes = max_file_bytes
        self.gzip_level = gzip_level
        self.fsync = fsync
        self.records_written = 0
        self.bytes_written = 0
        self._lock = threading.Lock()
        self._fh: io.FileIO | None = None
        self._name = ""
        self._size = 0
        self._serial = 0
        self._warcinfo_id: str | None = None
        self._files_written: list[Path] = []
        self._closed = False

    @property
    def warcinfo_id(self) -> str | None:
        """The warcinfo record id of the file being written (None before a file is open)."""
        return self._warcinfo_id

    @property
    def current_path(self) -> Path | None:
        """The ``.open`` path being written, if any."""
        return self.directory / (self._name + OPEN_SUFFIX) if self._fh else None

    @property
    def files_written(self) -> list[Path]:
        """Closed (renamed) files, oldest first."""
        return list(self._files_written)

    def write(self, records: Sequence[ArcWarcRecord | RawMember]) -> list[RecordLocation]:
        """Append a group of records (e.g. request and response) to the same file.

        Each record gets the current file's ``WARC-Warcinfo-ID`` unless it has one (a
        RawMember is written as it is). On failure nothing of the group stays in the file
        and ``WarcWriteError`` is raised.
        """
        with self._lock:
            if self._closed:
                raise ValueError("WARC writer is closed")
            if not records:
                return []
            if self._fh is not None and self._size >= self.max_file_bytes:
                self._finish_file()
            if self._fh is None:
                self._open_file()
            assert self._warcinfo_id is not None
            members: list[tuple[bytes, str]] = []
            tagged = []
            try:
                for record in records:
                    if isinstance(record, RawMember):
                        members.append((record.data, record.record_id))
                        continue
                    # A WARC header, not part of the block, so digests are unaffected.
                    if not record.rec_headers.get_header("WARC-Warcinfo-ID"):
                        record.rec_headers.add_header("WARC-Warcinfo-ID", self._warcinfo_id)
                        tagged.append(record)
                    member = gzip_member(serialize_record(record), self.gzip_level)
                    members.append((member, record.rec_headers.get_header("WARC-Record-ID", "")))
                start = self._size
                self._append(b"".join(member for member, _ in members))
            except BaseException:
                # A retry may land in another file, whose warcinfo id it must get.
                for record in tagged:
                    record.rec_headers.remove_header("WARC-Warcinfo-ID")
                raise
            locations = []
            offset = start
            for member, record_id in members:
                locations.append(RecordLocation(self._name, offset, len(member), record_id))
                offset += len(member)
            self.records_written += len(records)
            return locations

    def close(self) -> None:
        """Close and rename the current file; later writes raise ValueError."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._fh is not None:
                self._finish_file()

    def __enter__(self) -> WarcFileWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _open_file(self) -> None:
        while True:
            stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
            name = f"{self.prefix}-{stamp}-{self._serial:05d}-{os.getpid()}.warc.gz"
            self._serial += 1
            final = self.directory / name
            if final.exists():
                continue
            open_path = final.with_name(name + OPEN_SUFFIX)
            try:
                # Unbuffered: every write goes straight to the OS, and a failed write leaves
                # no bytes in a Python buffer to be flushed later behind our back.
                fh = open(open_path, "xb", buffering=0)
            except FileExistsError:
                continue
            except OSError as exc:
                raise WarcWriteError(exc.errno, f"cannot create WARC file {open_path}: "
                                                f"{exc.strerror or exc}") from exc
            break
        warcinfo = build_warcinfo(self.warcinfo_fields, name)
        self._fh, self._name, self._size = fh, name, 0
        self._warcinfo_id = warcinfo.rec_headers.get_header("WARC-Record-ID")
        try:
            self._append(gzip_member(serialize_record(warcinfo), self.gzip_level))
        except WarcWriteError:
            # A file without its warcinfo is useless; the next write starts a fresh one.
            self._discard_file()
            raise
        log.info("opened WARC file %s", self.current_path)

    def _append(self, data: bytes) -> None:
        assert self._fh is not None
        start = self._size
        path = self.current_path
        try:
            view = memoryview(data)
            while view:
                written = self._fh.write(view)
                view = view[written:]
            if self.fsync:
                os.fsync(self._fh.fileno())
        except OSError as exc:
            kept = self._rollback(start, exc)
            raise WarcWriteError(
                exc.errno,
                f"cannot write {len(data)} bytes to WARC file {path} at offset {start}: "
                f"{exc.strerror or exc}; "
                + ("the file is kept valid up to that offset" if kept else
                   "the file could not be truncated and is abandoned as .open"),
            ) from exc
        self._size += len(data)
        self.bytes_written += len(data)

    def _rollback(self, start: int, exc: OSError) -> bool:
        """Cut a partial group off the file; False if that failed and the file is dropped."""
        assert self._fh is not None
        try:
            self._fh.truncate(start)
            self._fh.seek(start)
            return True
        except OSError as trunc_exc:
            # Cannot cut off the partial member: leave the file as .open (it ends in a torn
            # record that readers report) and start a new file on the next write.
            log.error("cannot truncate %s back to %d after %s: %s; abandoning it",
                      self.current_path, start, exc, trunc_exc)
            self._abandon_file()
            return False

    def _finish_file(self) -> None:
        assert self._fh is not None
        open_path = self.directory / (self._name + OPEN_SUFFIX)
        final = self.directory / self._name
        fh = self._fh
        self._fh = None
        self._warcinfo_id = None
        try:
            if self.fsync:
                os.fsync(fh.fileno())
            fh.close()
            os.rename(open_path, final)
            if self.fsync:
                fsync_directory(self.directory)
        except OSError as exc:
            raise WarcWriteError(exc.errno, f"cannot close WARC file {open_path}: {exc}") from exc
        self._files_written.append(final)
        log.info("closed WARC file %s (%d bytes)", final, self._size)

    def _abandon_file(self) -> None:
        fh, self._fh, self._warcinfo_id = self._fh, None, None
        if fh is not None:
            try:
                fh.close()
            except OSError:
                log.exception("closing abandoned WARC file")

    def _discard_file(self) -> None:
        open_path = self.directory / (self._name + OPEN_SUFFIX)
        self._abandon_file()
        try:
            open_path.unlink()
        except OSError:
            log.exception("removing WARC file %s without warcinfo", open_path)


def fsync_directory(directory: Path) -> None:
    """Make a rename (or a removal) in ``directory`` itself durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
