"""Shared fixtures: the bundled sample sites on 127.0.0.1 and one real crawl of them.

The crawl runs `pressarchive crawl` in a subprocess (Twisted's reactor cannot
restart inside the test process) through Scrapy's real downloader.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def sample_sites_url() -> Iterator[str]:
    from archive.samplesites import make_server

    server = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run(
        [sys.executable, "-m", "archive.cli", *args],
        cwd=cwd or REPO, env=env, capture_output=True, text=True, timeout=timeout,
    )


def crawl_once(url: str, archive: Path, *sources: str) -> Path:
    """SOURCES (default: every source) crawled into ARCHIVE, its log in crawl.log."""
    result = run_cli(
        "crawl", *sources, "--archive", str(archive), "--via", url,
        "--delay", "0", "--workers", "2",
    )
    if result.returncode != 0:
        pytest.fail(f"crawl failed ({result.returncode}):\n{result.stderr[-5000:]}")
    (archive / "crawl.log").write_text(result.stderr)
    return archive


@pytest.fixture(scope="session")
def crawled_archive(sample_sites_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every source (26 sample sites) crawled once: for the tests that look at every
    source's site. Never changed: tests that write work on copies."""
    return crawl_once(sample_sites_url, tmp_path_factory.mktemp("archive"))


@pytest.fixture(scope="session")
def seed_archive(sample_sites_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five seed sources (SEED_SITES) crawled once: for the tests of what a crawl,
    a rebuild or a repair does with an archive, which five sources show as well as 26
    (and which copy, recrawl or rebuild it: a fifth of the pages). Never changed."""
    from archive.samplesites.data import SEED_SITES

    return crawl_once(sample_sites_url, tmp_path_factory.mktemp("seed-archive"), *SEED_SITES)


@pytest.fixture(scope="session")
def rechecked_seed_archive(seed_archive: Path, sample_sites_url: str,
                           tmp_path_factory: pytest.TempPathFactory
                           ) -> tuple[Path, subprocess.CompletedProcess]:
    """A copy of seed_archive (its crawl state too: the validators) crawled again at once
    with every article rechecked conditionally (--recheck-all): the articles answer 304
    (server-not-modified revisits), the unchanged feeds, sitemaps and listings become
    identical-payload revisits. With the second crawl's result. Tests only read it (or
    write its CDXJ again, the same)."""
    from archive.samplesites.data import SEED_SITES

    archive = tmp_path_factory.mktemp("recheck") / "archive"
    shutil.copytree(seed_archive, archive)
    result = run_cli("crawl", *SEED_SITES, "--archive", str(archive), "--via",
                     sample_sites_url, "--delay", "0", "--workers", "2", "--recheck-all")
    assert result.returncode == 0, result.stderr[-5000:]
    return archive, result


@pytest.fixture(scope="session")
def killed_seed_archive(sample_sites_url: str,
                        tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crawl of the seed sources killed with SIGKILL in mid-write, once it had indexed
    3 articles: a torn .open file and index rows pointing into it. Never changed: the
    tests of what repairs it (test_crash_safety.py, test_faults_repair.py) work on
    copies."""
    from archive.samplesites.data import SEED_SITES
    from tests.helpers.kills import crawl_and_kill

    base = tmp_path_factory.mktemp("killed")
    archive = base / "archive"
    crawl_and_kill(archive, sample_sites_url, base / "crawl.log", articles=3,
                   sources=SEED_SITES)
    assert list((archive / "warc").glob("*.open")), "the kill left no .open file"
    return archive


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis server on 127.0.0.1 for the session (tests/helpers/redis_server.py),
    redis://HOST:PORT without a database: see `redis_url`."""
    from tests.helpers.redis_server import redis_server

    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    """An empty database of the tests' Redis server, the test's own."""
    from tests.helpers.redis_server import fresh_database

    return fresh_database(redis_server_url)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The browser tests' screenshots (tests/helpers/browser.py), where to look at them."""
    from tests.helpers.browser import SHOTS

    if SHOTS:
        terminalreporter.write_sep("-", "browser screenshots")
        for path in SHOTS:
            terminalreporter.write_line(str(path))
