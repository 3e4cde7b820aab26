"""The archive's CDXJ brought up to date from the files it lacks (archive/warc/cdxj_update.py)
equals the index made anew from every file, and reads only those files. Real WARC files
(the two workers' records of tests/test_reextract_workers.py, fixed ids and dates)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from archive.warc.cdxj import write_cdxj
from archive.warc.cdxj_update import list_path, read_list
from archive.warc.reader import ReadError
from tests.helpers.shared_archive import captures, page, response, revisit, write_warc

NAMES = {"a": "w1", "b": "w2"}


def worker_file(archive: Path, role: str, file: int) -> Path:
    name = NAMES[role]
    return (archive / "workers" / name / "warc"
            / f"pressarchive-{name}-2026030{file}000000-00000-1.warc.gz")


def write_files(archive: Path, files: set[int]) -> None:
    """The workers' files numbered `files` (1: the first day's, 2: the next days')."""
    written = captures()
    for role in NAMES:
        for file in sorted(files & {w.file for w in written if w.worker == role}):
            write_warc(worker_file(archive, role, file),
                       [w.record for w in written if w.worker == role and w.file == file],
                       NAMES[role])


def third_day(archive: Path) -> None:
    """A 304 in a file of its own for a response in an older file of the other worker,
    and a page of its own."""
    article, _ = page("france24")
    original = next(w.record for w in captures() if w.id.endswith("000000000007>"))
    other, body = page("trtworld")
    write_warc(worker_file(archive, "b", 3), [
        revisit(11, article, original, "2026-03-05T08:00:00.000000Z", not_modified=True),
        response(12, other + "?page=2", body, "2026-03-05T09:00:00.000000Z")], NAMES["b"])


def anew(archive: Path, tmp_path: Path) -> str:
    """The index of a copy of `archive` made from every file (no list: no shortcut)."""
    copy = tmp_path / "anew"
    shutil.copytree(archive / "workers", copy / "workers", symlinks=True)
    return write_cdxj(copy).read_text()


def test_an_index_brought_up_to_date_equals_one_made_anew(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_files(archive, {1})
    first = write_cdxj(archive).read_text()
    assert first == anew(archive, tmp_path / "1")
    write_files(archive, {2})
    assert write_cdxj(archive).read_text() == anew(archive, tmp_path / "2")
    third_day(archive)
    updated = write_cdxj(archive).read_text()
    assert updated == anew(archive, tmp_path / "3")
    # The new 304 is indexed as the old response it refers to, with its own place beside.
    lines = [line for line in updated.splitlines() if '"revisit_filename"' in line
             and "20260305" in line]
    assert len(lines) == 1 and "pressarchive-w1-20260302" in lines[0]
    assert len(read_list(archive / "indexes" / "index.cdxj")) == 5


def test_only_the_files_the_index_lacks_are_read(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_files(archive, {1, 2})
    before = write_cdxj(archive).read_text()
    # An indexed file's bytes replaced, its size and time kept: a rebuild would find
    # nothing readable in it; bringing the index up to date never opens it.
    old = worker_file(archive, "a", 1)
    stat = old.stat()
    old.write_bytes(b"\0" * stat.st_size)
    os.utime(old, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    third_day(archive)
    errors: list[ReadError] = []
    after = write_cdxj(archive, errors=errors).read_text()
    assert not errors
    assert set(before.splitlines()) < set(after.splitlines())
    # Nothing new: the index is left as it is (not even rewritten).
    index = archive / "indexes" / "index.cdxj"
    written = index.stat().st_mtime_ns
    assert write_cdxj(archive).read_text() == after
    assert index.stat().st_mtime_ns == written


def test_a_file_changed_or_gone_makes_the_index_anew(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_files(archive, {1, 2})
    write_cdxj(archive)
    gone = worker_file(archive, "b", 2)
    gone.unlink()
    assert "pressarchive-w2-20260302" not in write_cdxj(archive).read_text()
    # A repaired (cut) file: its size changed.
    cut = worker_file(archive, "a", 2)
    cut.write_bytes(cut.read_bytes()[:-40])
    errors: list[ReadError] = []
    write_cdxj(archive, errors=errors)
    assert [e.filename for e in errors] == [cut.name]


def test_what_a_damaged_file_gave_is_reported_every_time(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_files(archive, {1})
    damaged = worker_file(archive, "b", 1)
    damaged.write_bytes(damaged.read_bytes() + b"not a gzip member")
    first: list[ReadError] = []
    write_cdxj(archive, errors=first)
    assert first and first[0].filename == damaged.name
    again: list[ReadError] = []
    write_cdxj(archive, errors=again)
    assert again == first


def test_an_index_changed_by_anything_else_is_made_anew(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_files(archive, {1})
    index = write_cdxj(archive)
    index.write_text(index.read_text() + "com,example)/ 20260101000000 {}\n")
    assert read_list(index) is None
    assert "com,example)/" not in write_cdxj(archive).read_text()
    # No list at all (a crash between the index and its list): made anew too.
    list_path(index).unlink()
    assert write_cdxj(archive).read_text() == anew(archive, tmp_path / "x")
