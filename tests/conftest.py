"""Shared fixtures: the bundled sample sites on 127.0.0.1 and one real crawl of them.

The crawl runs `pressarchive crawl` in a subprocess (Twisted's reactor cannot
restart inside the test process) through Scrapy's real downloader.
"""

from __future__ import annotations

import os
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


@pytest.fixture(scope="session")
def crawled_archive(sample_sites_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All five sources crawled once through the sample sites."""
    archive = tmp_path_factory.mktemp("archive")
    result = run_cli(
        "crawl", "--archive", str(archive), "--via", sample_sites_url,
        "--delay", "0", "--workers", "2",
    )
    if result.returncode != 0:
        pytest.fail(f"crawl failed ({result.returncode}):\n{result.stderr[-5000:]}")
    (archive / "crawl.log").write_text(result.stderr)
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
