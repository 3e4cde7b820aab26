"""Checking an archive's WARC files byte by byte, and the index against them.

Modules, each importing only those above it:

- report       VerifyReport (what was found and checked), Problem, VerifyError
- files        the files of every WARC folder of the archive (DIR/warc and a shared
               crawl's workers' folders), how each is named, and index rows resolved
- records      each file's records checked (archive/warc/members.py reads them), then
               the checks across all of them, on a temporary table of the records found
- index_check  index.db's rows against that table, and that table against index.db

verify_archive, here, runs them in that order over one archive directory: all its WARC
folders as one archive, so a worker's revisit of another worker's record is resolved.
"""

from __future__ import annotations

from pathlib import Path

from archive.layout import ArchiveLayout, WarcFolder
from archive.warc.verify.files import ArchiveFiles
from archive.warc.verify.index_check import check_index
from archive.warc.verify.records import (
    RecordTable,
    check_duplicates,
    check_file,
    check_pairs,
    check_revisits,
)
from archive.warc.verify.report import Problem, VerifyError, VerifyReport
from archive.warc.writer import OPEN_SUFFIX

__all__ = [
    "UNCLOSED_MESSAGE",
    "Problem",
    "VerifyError",
    "VerifyReport",
    "verify_archive",
]

CLOSED_SUFFIX = ".warc.gz"
UNCLOSED_MESSAGE = "torn/unclosed file: run verify --repair or the next crawl repairs it"


def verify_archive(archive_dir: Path, *, index_db: Path | None = None) -> VerifyReport:
    """Check every closed WARC file of every folder of ``archive_dir`` (DIR/warc, and each
    worker's DIR/workers/NAME/warc of a shared crawl: ArchiveLayout.warc_folders()), the
    records across all of them, and ``index_db`` if it exists.

    ``.open`` files are reported, not read (a crawl may be writing them). Raises
    VerifyError if ``archive_dir`` is not a directory.
    """
    archive_dir = Path(archive_dir)
    if not archive_dir.is_dir():
        raise VerifyError(f"no archive directory at {archive_dir}")
    layout = ArchiveLayout(archive_dir)
    report = VerifyReport(archive_dir)
    folders = layout.warc_folders()
    files = ArchiveFiles(archive_dir, writers=_running_writers(folders))
    table = RecordTable()
    try:
        for folder in folders:
            _scan_folder(folder, files, report, table)
        for key, first in files.same_names():
            report.add(files.path(key), None,
                       f"a WARC file of this name is also at {files.path(first)}: index.db "
                       "names files by name alone and cannot tell the two apart")
        table.create_indexes()
        check_pairs(files, report, table)
        check_revisits(files, report, table)
        check_duplicates(files, report, table)
        if index_db is not None and Path(index_db).is_file():
            check_index(Path(index_db), files, layout.warc_dir, report, table,
                        crawl_running="" in files.writers)
    finally:
        table.close()
    return report


def _running_writers(folders: list[WarcFolder]) -> dict[str, str]:
    """Worker name ("" for DIR) -> the run holding that folder's archive lock now. The
    lock, not a pid, tells a file being written from a torn one; a worker's archive is
    DIR/workers/NAME, with its own lock."""
    from archive.lock import describe_holder, running_holder

    writers = {}
    for folder in folders:
        holder = running_holder(folder.path.parent)
        if holder is not None:
            writers[folder.worker] = describe_holder(holder)
    return writers


def _scan_folder(folder: WarcFolder, files: ArchiveFiles, report: VerifyReport,
                 table: RecordTable) -> None:
    for path in sorted(folder.path.iterdir()):
        if not path.is_file():
            continue
        if path.name.endswith(CLOSED_SUFFIX + OPEN_SUFFIX):
            files.add_open(folder, path)
            if folder.worker not in files.writers:
                report.add(path, None, UNCLOSED_MESSAGE)
            else:
                report.notes.append(Problem(path, None, "being written by "
                                            f"{files.writers[folder.worker]}"))
        elif path.name.endswith(CLOSED_SUFFIX):
            report.files_checked += 1
            check_file(path, report, table, files.add(folder, path))
