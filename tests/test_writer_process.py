"""The archive writer process: same archive as writing in the crawl process, its
logs reach the crawl's log, and its death stops the crawl without losing what
was archived."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import time
from pathlib import Path

from archive.warc.repair import repair_open_files
from archive.warc.verify import verify_archive
from tests.helpers.crawls import rows, scrapy_crawl
from tests.helpers.kills import problems_besides_unindexed


def test_writer_process_and_inline_writer_make_the_same_archive(sample_sites_url, tmp_path):
    stderr = {}
    for mode in ("True", "False"):
        process = scrapy_crawl(tmp_path / mode, sample_sites_url, "france24",
                               PRESSARCHIVE_WARC_WRITER_PROCESS=mode)
        _, stderr[mode] = process.communicate(timeout=300)
        assert process.returncode == 0, stderr[mode][-3000:]
        report = verify_archive(tmp_path / mode, index_db=tmp_path / mode / "index.db")
        assert report.ok, report.format()
    captures = "select url, status, rec_type, payload_digest, truncated from captures"
    articles = "select url, title, published, text from articles"
    assert rows(tmp_path / "True", captures) == rows(tmp_path / "False", captures)
    assert rows(tmp_path / "True", articles) == rows(tmp_path / "False", articles)
    assert len(rows(tmp_path / "True", articles)) >= 3
    # The writer's own log lines reach the crawl's log, under Scrapy's configuration.
    assert "archive.warc.writer" in stderr["True"] and "opened WARC file" in stderr["True"]
    # Its records are counted in the crawl's stats as before.
    assert "'warc/records':" in stderr["True"]
    # The extraction workers' CPU, which the crawl process's rusage cannot see.
    cpu = re.search(r"'extract/workers_cpu_seconds': ([0-9.]+)", stderr["True"])
    assert cpu and float(cpu.group(1)) > 0


def writer_process_child(parent: int) -> int | None:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        if ppid == parent and b"archive.capture.writer_process" in cmdline:
            return int(entry.name)
    return None


def test_a_dead_writer_stops_the_crawl_and_keeps_what_was_archived(sample_sites_url,
                                                                    tmp_path):
    archive = tmp_path / "a"
    # A delay keeps the crawl going long enough to kill its writer mid-way.
    process = scrapy_crawl(archive, sample_sites_url, "trtworld", DOWNLOAD_DELAY="0.2")
    try:
        deadline = time.monotonic() + 60
        child = None
        while time.monotonic() < deadline:
            child = writer_process_child(process.pid)
            try:
                captured = rows(archive, "select count(*) from captures")[0][0] >= 3
            except sqlite3.OperationalError:  # not created yet
                captured = False
            if child and captured:
                break
            time.sleep(0.05)
        assert child, "no archive writer process found"
        os.kill(child, signal.SIGKILL)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr[-3000:]
    assert "'finish_reason': 'archive_writer_died'" in stderr
    assert "archive writer process exited" in stderr
    # The torn file is repaired like any other; every indexed capture is in the WARC.
    repair_open_files(archive / "warc")
    report = verify_archive(archive, index_db=archive / "index.db")
    assert problems_besides_unindexed(report) == [], report.format()
    # Nothing the WARC lacks was indexed.
    indexed = rows(archive, "select a.url from articles a left join captures c "
                            "on c.record_id = a.capture_record_id where c.id is null")
    assert indexed == []
