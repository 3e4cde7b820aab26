"""The archive's CDXJ brought up to date by indexing only the WARC files it lacks.

Every crawl ends by writing DIR/indexes/index.cdxj, and `serve` writes it to replay:
read from the WARC files each time, that is the whole archive decompressed and parsed
once a day (≈ 25 GB more each year at the planned scale). So beside the index,
`index.cdxj.files` says which files it was made from (name, size, modification time;
what each gave: its read errors, or why it was left out). When every one of them is
still there unchanged, only the new files are read: their entries are merged, as
sorted lines, with the existing index's, which is read as text, never decompressed.
Anything else (a file gone, changed, repaired; no list; another version's list) makes
the index anew from all files, as before.

A new 304 revisit is indexed as the response it refers to (cdxj.replayable); when that
response is in an old file, it is found in the existing index: the latest earlier 2xx
capture of the same URL and payload digest, as cdxj.replayable does when WARC-Refers-To
leads nowhere. The result is the index a rebuild from all files gives
(tests/test_cdxj_update.py compares them).
"""

from __future__ import annotations

import dataclasses
import heapq
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from archive.warc.cdxj import CdxjEntry, IndexedFiles, index_files
from archive.warc.reader import ReadError

LIST_SUFFIX = ".files"
LIST_VERSION = 1


@dataclass(frozen=True)
class IndexedFile:
    """A WARC file an index was made from, and what it gave."""

    name: str  # its `filename` in the index
    size: int
    mtime_ns: int
    left_out: str = ""  # why it has no entries, if it has none
    errors: tuple[tuple[int, str, bool], ...] = ()  # (offset, message, fatal)

    @classmethod
    def of(cls, path: Path, name: str, left_out: str, errors: list[ReadError]) -> IndexedFile:
        stat = path.stat()
        return cls(name, stat.st_size, stat.st_mtime_ns, left_out,
                   tuple((e.offset, e.message, e.fatal) for e in errors))

    def unchanged(self, path: Path) -> bool:
        try:
            stat = path.stat()
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns) == (self.size, self.mtime_ns)

    def read_errors(self, path: Path) -> list[ReadError]:
        return [ReadError(path.name, offset, message, fatal)
                for offset, message, fatal in self.errors]


def list_path(cdxj: Path) -> Path:
    return cdxj.with_name(cdxj.name + LIST_SUFFIX)


def _index_stamp(cdxj: Path) -> list[int]:
    stat = cdxj.stat()
    return [stat.st_size, stat.st_mtime_ns]


def read_list(cdxj: Path) -> dict[str, IndexedFile] | None:
    """The files the index at `cdxj` was made from, by name; None if unknown (no list,
    or the index is not the one the list was written with)."""
    try:
        data = json.loads(list_path(cdxj).read_text(encoding="utf-8"))
        if data.get("version") != LIST_VERSION or data.get("index") != _index_stamp(cdxj):
            return None
        files = [IndexedFile(f[0], f[1], f[2], f[3], tuple(tuple(e) for e in f[4]))
                 for f in data["files"]]
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    return {f.name: f for f in files}


def list_text(index_stamp: list[int], files: Iterable[IndexedFile]) -> str:
    return json.dumps({"version": LIST_VERSION, "index": index_stamp,
                       "files": [[f.name, f.size, f.mtime_ns, f.left_out,
                                  [list(e) for e in f.errors]] for f in files]},
                      ensure_ascii=False)


@dataclass
class Update:
    """The index's lines (sorted), what files it covers, and what reading them found."""

    lines: Iterator[str]
    files: list[IndexedFile]
    errors: list[ReadError]
    left_out: dict[Path, str]
    changed: bool  # False: the existing index is already this one


def full(names: dict[Path, str]) -> Update:
    """The index of all files, read from the WARC files."""
    indexed = index_files(names, filename=names.__getitem__)
    return Update((entry.line() for entry in indexed.entries),
                  _covered(names, indexed), indexed.errors, indexed.left_out, True)


def incremental(names: dict[Path, str], cdxj: Path) -> Update | None:
    """The index of all files from the existing one and the files it lacks; None when
    the existing one cannot be trusted to hold the others unchanged."""
    known = read_list(cdxj)
    if known is None:
        return None
    current = {name: path for path, name in names.items()}
    if any(name not in current or not f.unchanged(current[name])
           for name, f in known.items()):
        return None
    new = {path: name for path, name in names.items() if name not in known}
    indexed = index_files(new, filename=new.__getitem__)
    entries = _resolve_in(cdxj, indexed.entries)
    old_errors = [e for name, f in known.items() for e in f.read_errors(current[name])]
    old_left_out = {current[name]: f.left_out for name, f in known.items() if f.left_out}
    files = [*known.values(), *_covered(new, indexed)]
    return Update(heapq.merge(_lines(cdxj), (entry.line() for entry in entries)), files,
                  [*old_errors, *indexed.errors], {**old_left_out, **indexed.left_out},
                  bool(new))


def _covered(names: dict[Path, str], indexed: IndexedFiles) -> list[IndexedFile]:
    by_file: dict[str, list[ReadError]] = {}
    for error in indexed.errors:
        by_file.setdefault(error.filename, []).append(error)
    return [IndexedFile.of(path, name, indexed.left_out.get(path, ""),
                           by_file.get(path.name, []))
            for path, name in names.items()]


def _lines(cdxj: Path) -> Iterator[str]:
    with open(cdxj, encoding="utf-8", newline="\n") as fh:
        yield from fh


def _resolve_in(cdxj: Path, entries: list[CdxjEntry]) -> list[CdxjEntry]:
    """`entries` (already replayable among themselves) with the 304 revisits still
    unresolved pointed at their response in the existing index (one pass over it)."""
    waiting = {entry.key for entry in entries
               if entry.not_modified and entry.revisit_location is None}
    if not waiting:
        return entries
    candidates: dict[str, list[tuple[str, dict]]] = {}
    for line in _lines(cdxj):
        key, _, rest = line.partition(" ")
        if key in waiting:
            timestamp, _, data = rest.partition(" ")
            candidates.setdefault(key, []).append((timestamp, json.loads(data)))
    resolved = []
    for entry in entries:
        original = (_earlier_response(entry, candidates.get(entry.key, []))
                    if entry.not_modified and entry.revisit_location is None else None)
        if original is None:
            resolved.append(entry)
            continue
        resolved.append(dataclasses.replace(
            entry, mime=original.get("mime", ""), status=original.get("status", ""),
            digest=original.get("digest", ""), filename=original["filename"],
            offset=int(original["offset"]), length=int(original["length"]),
            revisit_location=(entry.filename, entry.offset, entry.length)))
    return sorted(resolved, key=lambda entry: entry.line())


def _earlier_response(revisit: CdxjEntry, lines: list[tuple[str, dict]]) -> dict | None:
    """The latest earlier 2xx capture of the revisit's URL and digest in the old index: a
    response, or a 304 revisit already indexed as its response (the same bytes)."""
    found = [(timestamp, data) for timestamp, data in lines
             if data.get("url") == revisit.url and data.get("digest") == revisit.digest
             and data.get("status", "").startswith("2") and data.get("mime") != "warc/revisit"
             and timestamp <= revisit.timestamp]
    return max(found, key=lambda item: item[0])[1] if found else None


def write_index(update: Update, cdxj: Path) -> None:
    """The index of `update` at `cdxj`, then the list of the files it covers.

    The list goes first (a crash then leaves no list: the next index is made anew, never
    one trusting a list of fewer files than the index holds), and it names the index by
    the size and time of the file written here, taken before it replaces the old one:
    if another process (a crawl's end while `serve` refreshes its own) replaces it in
    turn, the list no longer matches, and the next index is made anew."""
    list_path(cdxj).unlink(missing_ok=True)
    cdxj.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{cdxj.name}.", suffix=".tmp", dir=cdxj.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.writelines(update.lines)
            fh.flush()
            os.fsync(fh.fileno())
            os.fchmod(fh.fileno(), 0o644)
        stat = os.stat(tmp_name)
        os.replace(tmp_name, cdxj)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    target = list_path(cdxj)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(list_text([stat.st_size, stat.st_mtime_ns], update.files),
                   encoding="utf-8")
    os.replace(tmp, target)

