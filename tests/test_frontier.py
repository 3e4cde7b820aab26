"""The crawl shared by workers through Redis (crawler/frontier/), against a real Redis
server (the `redis_url` fixture) and the scaled sample sites, counted at the server."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.helpers.frontier import (
    COMPARED,
    comparable_rows,
    counting_server,
    crawl_args,
    start,
    worker_args,
)
from tests.helpers.kills import complete_groups, wait_for_group_exit

# Three sources on hosts of their own (a host two sources share has its robots.txt read
# by each, as in a local crawl), a few generated stories each besides their own.
SOURCES = ("trtworld", "france24", "ina")
SCALE = 6
HOST_DELAY = 0.5


def finish(process: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    assert code == 0, f"worker exited {code}:\n{log.read_text()[-4000:]}"


def warc_uris(folder: Path) -> set[tuple[str, str]]:
    """(record type, target URI) of every response and revisit under `folder`."""
    from archive.warc.reader import iter_records

    found = set()
    for path in sorted(folder.rglob("*.warc.gz")):
        for record in iter_records(path):
            if record.rec_type in ("response", "revisit"):
                found.add((record.rec_type, record.target_uri))
    return found


@pytest.fixture(scope="module")
def local_crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set]:
    """One process, no frontier: the reference; what it asked the server."""
    archive = tmp_path_factory.mktemp("local")
    with counting_server(SCALE) as (server, via):
        result = subprocess.run(crawl_args(archive, via, SOURCES), capture_output=True,
                                text=True, timeout=300, env=dict(os.environ))
        assert result.returncode == 0, result.stderr[-4000:]
        asked = server.take()
    return archive, set(asked)


def test_two_workers_fetch_each_page_once_and_rebuild_the_local_index(
        local_crawl: tuple[Path, set], redis_url: str, tmp_path: Path) -> None:
    local, local_asked = local_crawl
    shared = tmp_path / "shared"
    with counting_server(SCALE) as (server, via):
        # Slowed down (HOST_DELAY a host) so that both have started before the work is
        # done, even on a loaded machine where a worker takes seconds to start.
        workers = [start(worker_args(shared, via, SOURCES, redis_url, "pair", name,
                                     HOST_DELAY),
                         tmp_path / f"{name}.log") for name in ("w1", "w2")]
        for process, name in zip(workers, ("w1", "w2"), strict=True):
            finish(process, tmp_path / f"{name}.log")
        # Politeness across workers: one host's requests, from both, HOST_DELAY apart, less
        # the jitter of the server's threads, which note a request's time when they get
        # to it (up to 70 ms late on a loaded 2-core machine). Without shared turns the
        # two workers' requests come together: a gap near 0.
        assert server.shortest_gap() > HOST_DELAY - 0.15
        asked = server.take()
    twice = {key: n for key, n in asked.items() if n > 1}
    assert not twice, f"fetched more than once: {twice}"
    assert set(asked) == local_asked
    # Both took part, each in its own folder, its files named after it.
    for name in ("w1", "w2"):
        files = list((shared / "workers" / name / "warc").glob("*.warc.gz"))
        assert files and all(f.name.startswith(f"pressarchive-{name}-") for f in files)
    rebuilt = tmp_path / "rebuilt"
    result = run_cli("reextract", "--archive", str(rebuilt), "--workers", "1",
                     "--from", str(shared / "workers"))
    assert result.returncode == 0, result.stderr[-4000:]
    reference = tmp_path / "reference"
    result = run_cli("reextract", "--archive", str(reference), "--workers", "1",
                     "--from", str(local / "warc"))
    assert result.returncode == 0, result.stderr[-4000:]
    for table in COMPARED:
        assert comparable_rows(rebuilt / "index.db", table) == comparable_rows(
            reference / "index.db", table), table
        # And the local crawl's own index is what a rebuild of its files gives.
        assert comparable_rows(local / "index.db", table) == comparable_rows(
            reference / "index.db", table), table


def test_a_worker_killed_mid_crawl_loses_no_page(
        local_crawl: tuple[Path, set], redis_url: str, tmp_path: Path) -> None:
    local, _ = local_crawl
    shared = tmp_path / "shared"
    log = tmp_path / "killed.log"
    with counting_server(SCALE) as (_server, via):
        args = worker_args(shared, via, SOURCES, redis_url, "kill", "w1")
        process = start(args, log)
        warc = shared / "workers" / "w1" / "warc"
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"ended before the kill:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "no WARC file grew within 120 s"
            open_files = sorted(warc.glob("*.warc.gz.open")) if warc.is_dir() else []
            if open_files and complete_groups(open_files[-1]) >= 8:
                break
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        wait_for_group_exit(process.pid)
        # The same worker again: its torn file repaired, its in-flight requests requeued.
        again = start(args, tmp_path / "again.log")
        finish(again, tmp_path / "again.log")
    assert "WARC repair" in (tmp_path / "again.log").read_text()
    assert not list(warc.glob("*.open"))
    fetched = {uri for _kind, uri in warc_uris(shared / "workers")}
    wanted = {uri for _kind, uri in warc_uris(local / "warc")}
    assert wanted <= fetched, f"lost: {sorted(wanted - fetched)[:10]}"
