"""Checking an archive's WARC files byte by byte, and the index against them.

Modules, each importing only those above it:

- report       VerifyReport (what was found and checked), Problem, VerifyError
- records      each file's records checked (archive/warc/members.py reads them), then
               the checks across all of them, on a temporary table of the records found
- index_check  index.db's rows against that table, and that table against index.db

verify_archive, here, runs them in that order over one archive directory.
"""

from __future__ import annotations

from pathlib import Path

from archive.layout import ArchiveLayout
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
    """Check every closed WARC file in ``archive_dir/warc/``, and ``index_db`` if it exists.

    ``.open`` files are reported, not read (a crawl may be writing them). Raises
    VerifyError if ``archive_dir`` is not a directory.
    """
    from archive.lock import describe_holder, running_holder

    archive_dir = Path(archive_dir)
    if not archive_dir.is_dir():
        raise VerifyError(f"no archive directory at {archive_dir}")
    warc_dir = ArchiveLayout(archive_dir).warc_dir
    report = VerifyReport(archive_dir)
    # The lock, not a pid, tells a file being written from a torn one.
    holder = running_holder(archive_dir)
    table = RecordTable()
    scanned: set[str] = set()
    try:
        entries = sorted(warc_dir.iterdir()) if warc_dir.is_dir() else []
        for path in entries:
            if not path.is_file():
                continue
            if path.name.endswith(CLOSED_SUFFIX + OPEN_SUFFIX):
                if holder is None:
                    report.add(path, None, UNCLOSED_MESSAGE)
                else:
                    report.notes.append(Problem(path, None, "being written by "
                                                f"{describe_holder(holder)}"))
            elif path.name.endswith(CLOSED_SUFFIX):
                report.files_checked += 1
                scanned.add(path.name)
                check_file(path, report, table)
        table.create_indexes()
        check_pairs(warc_dir, report, table)
        check_revisits(warc_dir, report, table)
        check_duplicates(warc_dir, report, table)
        if index_db is not None and Path(index_db).is_file():
            check_index(Path(index_db), warc_dir, report, table, scanned,
                         crawl_running=holder is not None)
    finally:
        table.close()
    return report
