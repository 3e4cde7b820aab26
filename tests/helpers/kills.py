"""Killing a real crawl mid-write (kill -9 of its process group) and looking into what it
left; a process that holds an archive's lock (HOLDER), as a running crawl does."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from archive.warc.members import scan_members
from archive.warc.reader import read_record_at
from archive.warc.verify import VerifyReport, verify_archive
from tests.conftest import REPO


def complete_groups(path: Path) -> int:
    """Responses whose gzip member is whole, in a file that may be being written."""
    try:
        with open(path, "rb") as fh:
            return sum(m.intact and m.rec_type == "response" for m in scan_members(fh))
    except OSError:
        return 0


def captures(index_db: Path) -> list[tuple[str, int, str]]:
    if not index_db.exists():
        return []
    conn = sqlite3.connect(index_db, timeout=30)
    try:
        return conn.execute("select warc_file, warc_offset, record_id from captures").fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        conn.close()


def indexed_articles(index_db: Path) -> int:
    if not index_db.exists():
        return 0
    conn = sqlite3.connect(index_db, timeout=30)
    try:
        return conn.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0
    finally:
        conn.close()


def assert_index_points_to_complete_records(archive: Path) -> None:
    """Every capture row names a whole record with its id, and `verify` passes."""
    rows = captures(archive / "index.db")
    assert rows
    for warc_file, offset, record_id in rows:
        record = read_record_at(archive / "warc" / warc_file, offset)  # raises if torn
        assert record.record_id == record_id
    report = verify_archive(archive, index_db=archive / "index.db")
    assert report.ok, report.format()
    assert report.index_rows_checked >= len(rows)


def wait_for_group_exit(pgid: int, timeout: float = 30) -> None:
    """The crawl's archive writer and extraction workers die with it, a moment later."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    raise AssertionError(f"processes of group {pgid} still alive {timeout} s after SIGKILL")


def crawl_and_kill(archive: Path, sample_sites_url: str, log: Path,
                   articles: int = 0, sources: tuple[str, ...] = ()) -> Path:
    """Start a crawl of `sources` (default: every source), SIGKILL it (and its extraction
    workers) mid-write, once it has indexed at least `articles` articles; the .open file."""
    with open(log, "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "archive.cli", "crawl", *sources, "--archive", str(archive),
             "--via", sample_sites_url, "--delay", "0", "--workers", "1"],
            cwd=REPO, env=dict(os.environ, PYTHONUNBUFFERED="1"),
            stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (
                f"the crawl ended before it could be killed:\n{log.read_text()[-3000:]}")
            assert time.monotonic() < deadline, "no WARC file grew within 60 s"
            open_files = sorted((archive / "warc").glob("*.warc.gz.open"))
            # Past the warcinfo, with an indexed capture: the kill lands in mid-crawl.
            if (open_files and complete_groups(open_files[-1]) >= 2
                    and captures(archive / "index.db")
                    and indexed_articles(archive / "index.db") >= articles):
                break
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the extraction workers too
        except ProcessLookupError:
            pass
        process.wait(timeout=30)
        wait_for_group_exit(process.pid)
    assert process.returncode == -signal.SIGKILL
    return open_files[-1]


# argv: archive dir, purpose, and optionally a multiprocessing start method: then a child
# process of that kind sleeps 30 s while the holder sleeps.
HOLDER = """
import multiprocessing, sys, time
from pathlib import Path
from archive.lock import ArchiveLock

if __name__ == "__main__":
    lock = ArchiveLock(Path(sys.argv[1]), sys.argv[2]).acquire()
    child_pid = 0
    if len(sys.argv) > 3:
        child = multiprocessing.get_context(sys.argv[3]).Process(
            target=time.sleep, args=(30,), daemon=False
        )
        child.start()
        child_pid = child.pid
    print("locked", child_pid, flush=True)
    time.sleep(60)
"""


def problems_besides_unindexed(report: VerifyReport) -> list[str]:
    """verify's problems, less the records a killed writer wrote but whose capture rows
    it never committed: those are whole, and the next crawl indexes them."""
    return [str(p) for p in report.problems if "have no captures row in index.db" not in p.message]
