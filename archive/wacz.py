"""Packaging the archive as a WACZ 1.1.1 file (a ZIP that ReplayWeb.page and pywb open).

Layout::

    archive/<name>.warc.gz    every closed WARC file, byte for byte (ZIP "stored"): those
                              of DIR/warc and of a shared crawl's workers' folders
                              (ArchiveLayout.warc_folders()) side by side, as WACZ
                              readers look for them (a worker's files carry its name)
    indexes/index.cdx.gz      the CDXJ index in gzip blocks of INDEX_BLOCK_LINES lines (stored)
    indexes/index.idx         one line per block: first key, offset, length, digest
    pages/pages.jsonl         a header line, then one line per indexed article
    datapackage.json          every file above with its size and sha256
    datapackage-digest.json   the sha256 of datapackage.json

The compressed index with its ``.idx`` is the layout py-wacz and Browsertrix write:
ReplayWeb.page loads only the blocks a lookup needs, where a plain ``indexes/index.cdxj``
would be read whole when the file is opened.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from archive import __version__
from archive.errors import PressArchiveError
from archive.index.queries import articles_for_pages
from archive.layout import ArchiveLayout
from archive.warc.cdxj import CdxjEntry, index_files
from archive.warc.reader import ReadError

__all__ = ["WACZ_VERSION", "WaczSummary", "export_wacz"]

WACZ_VERSION = "1.1.1"
INDEX_BLOCK_LINES = 1024
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
_COPY_SIZE = 1024 * 1024
_CAPTURE_TYPES = ("response", "revisit", "resource")


@dataclass
class WaczSummary:
    path: Path
    warc_files: int
    index_lines: int
    pages: int
    bytes: int
    articles_without_capture: list[str] = field(default_factory=list)  # article URLs
    read_errors: list[ReadError] = field(default_factory=list)
    # WARC files not packaged, by name: no record could be read from them.
    left_out: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Every WARC file packaged and read to its end."""
        return not self.read_errors and not self.left_out

    @property
    def damaged(self) -> list[str]:
        """Files packaged whose records after some damage could not be indexed."""
        return sorted({e.filename for e in self.read_errors} - set(self.left_out))

    def summary(self) -> str:
        # Each read error is logged as it is met (archive.warc.reader); the files left
        # out or damaged are named by the caller's verdict (pressarchive export: exit 3).
        lines = [
            f"{self.path}: {self.warc_files} WARC files, {self.index_lines} index lines, "
            f"{self.pages} pages, {self.bytes} bytes"
        ]
        if self.articles_without_capture:
            lines.append(f"{len(self.articles_without_capture)} articles left out of "
                         "pages.jsonl: their capture is in no closed WARC file")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Resource:
    path: str
    hash: str
    bytes: int

    def to_json(self) -> dict[str, object]:
        return {"name": Path(self.path).name.lower(), "path": self.path,
                "hash": self.hash, "bytes": self.bytes}


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    return (max(moment.year, 1980), moment.month, moment.day,
            moment.hour, moment.minute, moment.second)


def _add_stream(zf: zipfile.ZipFile, name: str, source: BinaryIO, size: int,
                compress: bool, when: datetime) -> _Resource:
    info = zipfile.ZipInfo(name, _zip_time(when))
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.file_size = size  # lets zipfile decide on ZIP64 before writing
    info.external_attr = 0o644 << 16
    digest = hashlib.sha256()
    written = 0
    with zf.open(info, "w") as out:
        while chunk := source.read(_COPY_SIZE):
            digest.update(chunk)
            out.write(chunk)
            written += len(chunk)
    return _Resource(name, "sha256:" + digest.hexdigest(), written)


def _add_file(zf: zipfile.ZipFile, path: Path, name: str, compress: bool) -> _Resource:
    with open(path, "rb") as fh:
        stat = os.fstat(fh.fileno())
        when = datetime.fromtimestamp(stat.st_mtime, UTC)
        return _add_stream(zf, name, fh, stat.st_size, compress, when)


def _add_bytes(zf: zipfile.ZipFile, name: str, data: bytes, when: datetime) -> _Resource:
    info = zipfile.ZipInfo(name, _zip_time(when))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)
    return _Resource(name, "sha256:" + hashlib.sha256(data).hexdigest(), len(data))


def _write_compressed_index(entries: list[CdxjEntry], cdx_gz: BinaryIO,
                            block_lines: int = INDEX_BLOCK_LINES) -> bytes:
    """Write gzip blocks of CDXJ lines to ``cdx_gz``; return the text of the .idx file."""
    idx = ['!meta 0 ' + json.dumps({"format": "cdxj-gzip-1.0", "filename": "index.cdx.gz"})]
    offset = 0
    for start in range(0, len(entries), block_lines):
        block = entries[start:start + block_lines]
        data = gzip.compress("".join(e.line() for e in block).encode("utf-8"), mtime=0)
        cdx_gz.write(data)
        location = {"offset": offset, "length": len(data),
                    "digest": "sha256:" + hashlib.sha256(data).hexdigest()}
        idx.append(f"{block[0].key} {block[0].timestamp} {json.dumps(location)}")
        offset += len(data)
    return ("\n".join(idx) + "\n").encode("utf-8")


def _iso_seconds(timestamp: str) -> str:
    moment = datetime.strptime(timestamp, "%Y%m%d%H%M%S")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _pages(articles: Iterable[sqlite3.Row], entries: list[CdxjEntry], include_text: bool,
           ) -> tuple[list[dict[str, str]], list[str]]:
    """One page per article whose capture record is in ``entries``, and the URLs of the rest."""
    captures = {e.record_id: e for e in entries if e.rec_type in _CAPTURE_TYPES and e.record_id}
    pages, missing = [], []
    for article in articles:
        capture = captures.get(article["capture_record_id"] or "")
        if capture is None:
            missing.append(article["url"])
            continue
        page = {
            "id": hashlib.sha256(
                f"{capture.timestamp}/{capture.url}".encode()).hexdigest()[:32],
            "url": capture.url,  # the WARC-Target-URI, which replay looks up
            "ts": _iso_seconds(capture.timestamp),
            "title": article["title"] or article["url"],
        }
        if include_text and article["text"]:
            page["text"] = article["text"]
        pages.append(page)
    pages.sort(key=lambda page: (page["ts"], page["url"]))
    return pages, missing


def export_wacz(archive_dir: Path, out: Path, *, title: str | None = None,
                include_text: bool = False) -> WaczSummary:
    """Package the closed WARCs, CDXJ index and articles of DIR as the WACZ file ``out``.

    ``out`` is written under a temporary name and renamed when complete. ``include_text``
    puts each article's text in pages.jsonl (full-text search in ReplayWeb.page).
    Raises PressArchiveError for a missing archive, WARC files or index, when no WARC file
    can be read, and when ``out`` cannot be written.
    """
    archive_dir, out = Path(archive_dir), Path(out)
    layout = ArchiveLayout(archive_dir)
    all_warcs = _package_files(layout)
    with layout.read_index() as conn:
        articles = articles_for_pages(conn, include_text)
    _check_writable(out)

    indexed = index_files(all_warcs)
    warcs, entries = indexed.files, indexed.entries
    if not warcs:
        raise PressArchiveError(
            f"no readable WARC file in {_where(layout)}: "
            + "; ".join(f"{path.name}: {why}" for path, why in indexed.left_out.items()))
    pages, missing = _pages(articles, entries, include_text)
    header = dict(PAGES_HEADER, hasText=True) if include_text else PAGES_HEADER
    now = datetime.now(UTC)

    tmp_name = _temporary_file(out)
    try:
        with zipfile.ZipFile(tmp_name, "w", allowZip64=True) as zf:
            resources = [_add_file(zf, warc, f"archive/{warc.name}", compress=False)
                         for warc in warcs]
            with tempfile.TemporaryFile() as cdx_gz:
                idx = _write_compressed_index(entries, cdx_gz)
                size = cdx_gz.tell()
                cdx_gz.seek(0)
                resources.append(_add_stream(zf, "indexes/index.cdx.gz", cdx_gz, size,
                                             compress=False, when=now))
            resources.append(_add_bytes(zf, "indexes/index.idx", idx, now))
            with tempfile.TemporaryFile() as pages_fh:
                for line in [header, *pages]:
                    pages_fh.write(json.dumps(line, ensure_ascii=False).encode("utf-8"))
                    pages_fh.write(b"\n")
                size = pages_fh.tell()
                pages_fh.seek(0)
                resources.append(_add_stream(zf, "pages/pages.jsonl", pages_fh, size,
                                             compress=True, when=now))
            package = {
                "profile": "data-package",
                "wacz_version": WACZ_VERSION,
                "title": title or f"Press Archive: {archive_dir.resolve().name}",
                "created": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "software": f"pressarchive {__version__}",
                "resources": [resource.to_json() for resource in resources],
            }
            package_bytes = json.dumps(package, indent=2).encode("utf-8")
            _add_bytes(zf, "datapackage.json", package_bytes, now)
            digest = {"path": "datapackage.json",
                      "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}
            _add_bytes(zf, "datapackage-digest.json",
                       json.dumps(digest, indent=2).encode("utf-8"), now)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, out)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise PressArchiveError(f"cannot export {archive_dir} to {out}: {exc}") from exc
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return WaczSummary(path=out, warc_files=len(warcs), index_lines=len(entries),
                       pages=len(pages), bytes=out.stat().st_size,
                       articles_without_capture=missing, read_errors=indexed.errors,
                       left_out={path.name: why for path, why in indexed.left_out.items()})


def _package_files(layout: ArchiveLayout) -> list[Path]:
    """The closed WARC files of every folder of the archive, which the package puts side
    by side in its archive/ folder: PressArchiveError if there are none, or if two have
    one name (a worker's files carry its name, so only copies made by hand can)."""
    layout.existing_warc_folders()  # UnusableArchive if there are none
    files = layout.warc_files()
    if not files:
        raise PressArchiveError(f"no closed WARC files in {_where(layout)}")
    by_name: dict[str, Path] = {}
    for path in files:
        if path.name in by_name:
            raise PressArchiveError(f"two WARC files named {path.name}: {by_name[path.name]} "
                                    f"and {path}; a WACZ holds them in one folder")
        by_name[path.name] = path
    return files


def _where(layout: ArchiveLayout) -> str:
    return ", ".join(str(folder.path) for folder in layout.warc_folders())


def _check_writable(out: Path) -> None:
    """PressArchiveError unless ``out`` can be created, before any work is done."""
    if out.is_dir():
        raise PressArchiveError(f"cannot write {out}: it is a directory")
    if not out.parent.is_dir():
        raise PressArchiveError(f"cannot write {out}: {out.parent} is not a directory")
    if not os.access(out.parent, os.W_OK):
        raise PressArchiveError(f"cannot write {out}: {out.parent} is not writable")


def _temporary_file(out: Path) -> str:
    """A new empty file next to ``out``, renamed over it once the package is complete."""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp",
                                        dir=out.parent)
    except OSError as exc:  # a read-only file system, /proc, a full disk
        raise PressArchiveError(f"cannot write {out}: {exc.strerror or exc}") from exc
    os.close(fd)
    return tmp_name

