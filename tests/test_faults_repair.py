"""Issue 11, the faults that lost index rows after a kill or a damaged file: cases 1, 2,
4, 5, 8 (reextract), 10 (killed rebuilds) and 14 (verify while a crawl runs).

Every case runs the real `pressarchive` in subprocesses against the sample sites, on
archives left by a real kill -9 or damaged as a disk or a user would damage them. The
crawls are of the five seed sources (conftest.py seed_archive): a repair or a rebuild
does with them what it does with 26.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.index.schema import register_search_form
from archive.samplesites.data import SEED_SITES
from tests.conftest import REPO, run_cli
from tests.helpers.faults import FAULTS
from tests.helpers.kills import (
    HOLDER,
    assert_index_points_to_complete_records,
    wait_for_group_exit,
)


def query(db: Path, sql: str, *args: object) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def article_urls(archive: Path) -> set[str]:
    return {url for (url,) in query(archive / "index.db", "select url from articles")}


def crawl(archive: Path, via: str, *args: str) -> subprocess.CompletedProcess:
    return run_cli("crawl", *SEED_SITES, "--archive", str(archive), "--via", via,
                   "--delay", "0", "--workers", "2", *args, timeout=300)


def copy_archive(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def open_files(archive: Path) -> list[Path]:
    return sorted((archive / "warc").glob("*.open"))


def assert_one_line(result: subprocess.CompletedProcess, code: int) -> str:
    assert result.returncode == code, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr[-3000:]
    return errors[0]


@pytest.fixture
def killed_archive(killed_seed_archive: Path) -> Path:
    """A crawl killed with SIGKILL in mid-write: a torn .open file and index rows
    pointing into it (conftest.py). Tests work on copies."""
    assert open_files(killed_seed_archive)
    return killed_seed_archive


@pytest.fixture
def unrelated_process() -> Iterator[int]:
    """A live process that is no writer of any archive: the pid a torn file's name
    carries after a reboot or in a container, when the number has been reused."""
    process = subprocess.Popen(["sleep", "120"])
    yield process.pid
    process.kill()
    process.wait(timeout=10)


def give_pid(torn: Path, pid: int) -> Path:
    """The torn file as if its writer had had `pid`: renamed, and the index rows that
    point into it with it."""
    stem, _, _ = torn.name.removesuffix(".warc.gz.open").rpartition("-")
    renamed = torn.with_name(f"{stem}-{pid}.warc.gz.open")
    torn.rename(renamed)
    old, new = (path.name.removesuffix(".open") for path in (torn, renamed))
    conn = sqlite3.connect(torn.parent.parent / "index.db")
    with conn:
        for table in ("captures", "articles"):
            conn.execute(f"update {table} set warc_file = ? where warc_file = ?", [new, old])
    conn.close()
    return renamed


# ---------------------------------------------------------------- case 1


def test_a_torn_file_whose_pid_was_reused_is_repaired_by_the_next_crawl(
        killed_archive: Path, seed_archive: Path, sample_sites_url: str,
        unrelated_process: int, tmp_path: Path) -> None:
    archive = copy_archive(killed_archive, tmp_path / "archive")
    [torn] = open_files(archive)
    torn = give_pid(torn, unrelated_process)
    result = crawl(archive, sample_sites_url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "still running" not in result.stderr
    assert open_files(archive) == []
    assert torn.with_name(torn.name.removesuffix(".open")).exists()
    assert_index_points_to_complete_records(archive)
    assert article_urls(archive) == article_urls(seed_archive)
    verified = run_cli("verify", "--archive", str(archive))
    assert verified.returncode == 0, verified.stdout[-3000:]


def test_verify_repair_decides_by_the_lock_not_the_pid(
        killed_archive: Path, unrelated_process: int, tmp_path: Path) -> None:
    archive = copy_archive(killed_archive, tmp_path / "archive")
    [torn] = open_files(archive)
    torn = give_pid(torn, unrelated_process)
    result = run_cli("verify", "--archive", str(archive), "--repair")
    assert f"repair: {torn}: " in result.stdout and "skipped" not in result.stdout
    assert open_files(archive) == []


def test_verify_repair_never_cuts_the_file_of_a_running_crawl(
        killed_archive: Path, tmp_path: Path) -> None:
    archive = copy_archive(killed_archive, tmp_path / "archive")
    with lock_holder(archive):
        result = run_cli("verify", "--archive", str(archive), "--repair")
        line = assert_one_line(result, 5)
        assert "is in use by" in line
    assert len(open_files(archive)) == 1


# ---------------------------------------------------------------- case 2


def test_reextract_after_a_killed_crawl_reads_the_torn_file(
        killed_archive: Path, tmp_path: Path) -> None:
    archive = copy_archive(killed_archive, tmp_path / "archive")
    indexed_before = article_urls(archive)
    assert indexed_before, "the killed crawl had indexed articles from its .open file"
    result = run_cli("reextract", "--archive", str(archive), "--workers", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "WARC repair: " in result.stderr
    assert open_files(archive) == []
    assert article_urls(archive) >= indexed_before
    verified = run_cli("verify", "--archive", str(archive))
    assert verified.returncode == 0, verified.stdout[-3000:]


# ---------------------------------------------------------------- case 4


@pytest.mark.parametrize("damage", ["deleted", "emptied"])
def test_a_crawl_rebuilds_a_missing_or_empty_index_from_the_warcs(
        seed_archive: Path, sample_sites_url: str, tmp_path: Path, damage: str) -> None:
    archive = copy_archive(seed_archive, tmp_path / "archive")
    expected = article_urls(archive)
    for name in ("index.db-wal", "index.db-shm"):
        (archive / name).unlink(missing_ok=True)
    if damage == "deleted":
        (archive / "index.db").unlink()
    else:
        (archive / "index.db").write_bytes(b"")
    result = crawl(archive, sample_sites_url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "index.db was missing or empty: rebuilt from the WARC files first" in result.stderr
    assert article_urls(archive) == expected
    verified = run_cli("verify", "--archive", str(archive))
    assert verified.returncode == 0, verified.stdout[-3000:]


def test_verify_finds_archived_responses_without_a_capture_row(
        seed_archive: Path, sample_sites_url: str, tmp_path: Path) -> None:
    archive = copy_archive(seed_archive, tmp_path / "archive")
    conn = sqlite3.connect(archive / "index.db")
    with conn:
        conn.execute("delete from captures where id % 3 = 0")
    deleted = conn.total_changes
    conn.close()
    assert deleted
    result = run_cli("verify", "--archive", str(archive))
    assert result.returncode == 6
    lines = [line for line in result.stdout.splitlines() if "have no captures row" in line]
    assert lines and sum(int(line.split(": ")[-1].split()[0]) for line in lines) == deleted


def test_records_a_killed_run_left_without_capture_rows_are_indexed_by_the_next_crawl(
        killed_archive: Path, seed_archive: Path, sample_sites_url: str,
        tmp_path: Path) -> None:
    """The rows of the batch the kill interrupted, and more: all but the first capture
    row of the killed run are dropped, as if its later commits had not happened."""
    archive = copy_archive(killed_archive, tmp_path / "archive")
    conn = sqlite3.connect(archive / "index.db")
    register_search_form(conn)  # the full-text index follows the deletes
    with conn:
        conn.execute("delete from captures where id > (select min(id) from captures)")
        conn.execute("delete from articles")
    conn.close()
    result = crawl(archive, sample_sites_url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "left without a capture row were indexed" in result.stderr
    assert article_urls(archive) == article_urls(seed_archive)
    verified = run_cli("verify", "--archive", str(archive))
    assert verified.returncode == 0, verified.stdout[-3000:]


# ---------------------------------------------------------------- case 5


def test_reextract_refuses_to_swap_in_an_index_that_lost_articles(
        seed_archive: Path, tmp_path: Path) -> None:
    archive = copy_archive(seed_archive, tmp_path / "archive")
    before = article_urls(archive)
    warc = max((archive / "warc").glob("*.warc.gz"), key=lambda p: p.stat().st_size)
    data = warc.read_bytes()
    warc.write_bytes(data[:len(data) // 2])
    result = run_cli("reextract", "--archive", str(archive), "--workers", "1")
    line = assert_one_line(result, 4)
    assert "not swapped in: the rebuild has no trace of" in line
    assert f"of the {len(before)} articles" in line and "--force" in line
    assert article_urls(archive) == before
    assert not list((archive / "index-builds").glob("*.building.db"))

    forced = run_cli("reextract", "--archive", str(archive), "--workers", "1", "--force")
    assert forced.returncode == 0, forced.stderr[-3000:]
    lost = len(before - article_urls(archive))
    assert lost and f"{lost} article(s) of the previous index are not in this one" in \
        forced.stderr


# ---------------------------------------------------------------- case 8, reextract


def test_a_full_disk_during_reextract_is_one_line_and_keeps_the_index(
        seed_archive: Path, tmp_path: Path) -> None:
    archive = copy_archive(seed_archive, tmp_path / "archive")
    before = article_urls(archive)
    faults = tmp_path / "faults"
    faults.mkdir()
    (faults / "sitecustomize.py").write_text(FAULTS)
    mark = tmp_path / "disk-full"
    mark.touch()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(faults), str(REPO)]),
               PRESSARCHIVE_TEST_FAULT="disk", PRESSARCHIVE_TEST_FAULT_MARK=str(mark))
    result = subprocess.run(
        [sys.executable, "-m", "archive.cli", "reextract", "--archive", str(archive),
         "--workers", "1"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    line = assert_one_line(result, 4)
    assert "disk is full" in line and "the current index is kept" in line
    assert len(result.stderr.splitlines()) <= 5, result.stderr
    assert article_urls(archive) == before
    assert not list((archive / "index-builds").glob("*.building.db*"))


# ---------------------------------------------------------------- case 10, builds


def test_half_built_indexes_of_killed_rebuilds_are_removed(
        seed_archive: Path, tmp_path: Path) -> None:
    archive = copy_archive(seed_archive, tmp_path / "archive")
    builds = archive / "index-builds"
    for attempt in range(2):
        process = subprocess.Popen(
            [sys.executable, "-m", "archive.cli", "reextract", "--archive", str(archive),
             "--workers", "1"], cwd=REPO, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while not list(builds.glob("*.building.db")):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.2 * attempt)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        wait_for_group_exit(process.pid)
    assert list(builds.glob("*.building.db"))
    result = run_cli("reextract", "--archive", str(archive), "--workers", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    left = sorted(p.name for p in builds.iterdir())
    assert not [name for name in left if ".building" in name], left
    current = (archive / "index.db").resolve()
    assert current.parent == builds and len([n for n in left if n.endswith(".db")]) <= 2


# ---------------------------------------------------------------- case 14, verify


class lock_holder:  # noqa: N801 - used as a context manager, like open()
    """Another process holds the archive's lock, as a running crawl does."""

    def __init__(self, archive: Path) -> None:
        self.archive = archive

    def __enter__(self) -> subprocess.Popen:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(self.archive), "crawl"], cwd=REPO,
            stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        assert self.process.stdout.readline().startswith("locked")
        return self.process

    def __exit__(self, *exc: object) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()


def test_verify_while_a_crawl_runs_is_short_and_checks_the_rest(
        killed_archive: Path, tmp_path: Path) -> None:
    archive = copy_archive(killed_archive, tmp_path / "archive")
    [live] = open_files(archive)
    rows = sum(query(archive / "index.db", f"select count(*) from {table} where warc_file = ?",
                     live.name.removesuffix(".open"))[0][0] for table in ("captures", "articles"))
    assert rows >= 5
    with lock_holder(archive):
        result = run_cli("verify", "--archive", str(archive))
    assert result.returncode == 0, result.stdout[-3000:]
    lines = result.stdout.splitlines()
    assert len(lines) == 3, result.stdout
    assert lines[0].startswith(f"not checked: {live}: whole file: being written by pid ")
    assert lines[1] == f"not checked: {live}: whole file: {rows} index rows point into it"
    assert lines[2].startswith("OK: ")

    # No run holds the lock: the same file is torn, in one line with its rows.
    result = run_cli("verify", "--archive", str(archive))
    assert result.returncode == 6
    problems = [line for line in result.stdout.splitlines() if str(live) in line]
    assert len(problems) == 2, result.stdout
    assert any(f"{rows} index rows point into this torn file" in p for p in problems)
