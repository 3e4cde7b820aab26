"""A real kill -9 of a crawl while it writes, then `verify --repair` of what it left; a
kill -9 of a WARC writer mid-record.

The killed crawl is conftest.py's (the seed sources', killed once 3 articles are indexed),
shared with tests/test_faults_repair.py, where the next crawl repairs it; each test works
on a copy of it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from archive.cli.verify import verify
from archive.index.writer import IndexWriter
from archive.reconcile import add_missing_captures
from archive.sources import load_sources
from archive.warc.repair import repair_open_files
from archive.warc.verify import UNCLOSED_MESSAGE, verify_archive
from tests.conftest import REPO
from tests.helpers.kills import assert_index_points_to_complete_records

# Writes request/response groups with 1-4 MB random bodies, stored (gzip level 0), so that
# a kill often lands inside a write.
WRITER = """
import os, random, sys
from pathlib import Path
from archive.warc.records import build_request_record, build_response_record, warc_date
from archive.warc.writer import WarcFileWriter

writer = WarcFileWriter(Path(sys.argv[1]), "pressarchive", gzip_level=0,
                        warcinfo_fields={"software": "crash-test"})
n = 0
while True:
    n += 1
    url = f"https://news.example.com/{n}"
    request = build_request_record(url, method="GET", target=f"/{n}", http_version="HTTP/1.1",
                                   headers=[("Host", "news.example.com")], body=b"",
                                   date=warc_date(0))
    body = os.urandom(random.randint(1, 4) * 1024 * 1024)
    response = build_response_record(
        url, status=200, reason="OK", protocol="HTTP/1.1", headers=[], body=body,
        date=warc_date(0), concurrent_to=request.rec_headers.get_header("WARC-Record-ID"))
    writer.write([request, response])
"""


def killed_copy(killed_seed_archive: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the killed crawl (conftest.py) and its torn .open file."""
    archive = tmp_path / "archive"
    shutil.copytree(killed_seed_archive, archive)
    [torn] = (archive / "warc").glob("*.open")
    return archive, torn


def test_kill_9_mid_crawl_then_verify_repair(killed_seed_archive: Path, tmp_path: Path) -> None:
    archive, torn = killed_copy(killed_seed_archive, tmp_path)
    assert torn.exists(), "the killed crawl's file must stay .open"
    size = torn.stat().st_size

    runner = CliRunner()
    result = runner.invoke(verify, ["--archive", str(archive)])
    assert result.exit_code == 6, result.output
    assert f"{torn}: whole file: {UNCLOSED_MESSAGE}" in result.output

    result = runner.invoke(verify, ["--archive", str(archive), "--repair"])
    final = torn.with_name(torn.name.removesuffix(".open"))
    lines = result.output.splitlines()
    assert lines[0].startswith(f"repair: {torn}: "), result.output
    assert lines[0].endswith(f"closed as {final.name}")
    # The WARC file is whole now. The kill may have come between writing the last
    # batch's records and committing their capture rows: verify names those records
    # (exit 6) until the next crawl indexes them, as add_missing_captures does here.
    problems = lines[1:-1]
    assert result.exit_code == (6 if problems else 0), result.output
    assert all("have no captures row in index.db" in line for line in problems), problems
    assert not torn.exists() and final.stat().st_size <= size
    subprocess.run(["gzip", "-t", str(final)], check=True)
    index = IndexWriter(archive / "index.db")
    try:
        add_missing_captures(index, [final], load_sources())
    finally:
        index.close()
    assert_index_points_to_complete_records(archive)


# The crawl after a kill repairs the torn file when it starts (repair_open_files), with
# every capture row pointing at a whole record: test_faults_repair.py's
# test_a_torn_file_whose_pid_was_reused_is_repaired_by_the_next_crawl, on a copy of the
# same killed crawl (a crawl decides by the archive's lock, not the file's pid).


def test_kill_9_of_a_writer_mid_record(tmp_path: Path) -> None:
    warc_dir = tmp_path / "archive" / "warc"
    warc_dir.mkdir(parents=True)
    for attempt in range(3):
        process = subprocess.Popen([sys.executable, "-c", WRITER, str(warc_dir)], cwd=REPO)
        try:
            deadline = time.monotonic() + 30
            while not any(p.stat().st_size > (attempt + 1) * 3_000_000
                          for p in warc_dir.glob("*.open")):
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.005)
            time.sleep(0.001 * attempt)
        finally:
            process.kill()  # SIGKILL
            process.wait(timeout=30)
        [torn] = warc_dir.glob("*.open")
        size = torn.stat().st_size
        [action] = repair_open_files(warc_dir)
        assert not action.skipped and not torn.exists()
        assert action.kept_bytes + action.cut_bytes == size
        if not action.removed:
            subprocess.run(["gzip", "-t", str(action.final_path)], check=True)
        report = verify_archive(warc_dir.parent)
        assert report.ok, report.format()
