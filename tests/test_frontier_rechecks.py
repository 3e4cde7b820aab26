"""Rechecks across workers of a shared crawl (archive/shared_state.py): the article one
worker fetched is rechecked by another on its schedule, conditionally, and the rebuilt
index of all workers equals one machine's over the same runs. Real Redis, real crawls
through Scrapy's downloader against the sample sites on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from archive.samplesites import catalog
from archive.warc.reader import iter_records
from tests.conftest import run_cli
from tests.helpers.frontier import (
    COMPARED,
    comparable_rows,
    counting_server,
    crawl_args,
    worker_args,
)

SOURCES = ("trtworld", "france24", "ina")
ARTICLES = {"article", "unrelated"}
# Edition 1; again at once (nothing due); everything rechecked at edition 2.
PLAN = (("first", 1, ()), ("again", 1, ()), ("edition2", 2, ("--recheck-all",)))
# Which worker does each run of the shared crawl: the rechecks fall to the one that
# never fetched the articles.
WORKER_OF_RUN = {"first": "w1", "again": "w2", "edition2": "w2"}


def article_paths(edition: int) -> set[str]:
    return {p.url.split("/", 3)[3] for p in catalog(edition)
            if p.kind in ARTICLES and p.source in SOURCES}


def run(args: list[str]) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=300,
                            env=dict(os.environ))
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def crawl_runs(make_args) -> dict[str, tuple[set[str], str]]:
    """Each run of PLAN: the paths the server was asked for, and the crawl's log."""
    done = {}
    with counting_server(0) as (server, via):
        for name, edition, extra in PLAN:
            server.set_edition(edition)
            result = run([*make_args(name, via), *extra])
            done[name] = ({"/" + path.lstrip("/") for _host, path in server.take()},
                          result.stderr)
    return done


def rebuilt(archive: Path, source: Path) -> Path:
    result = run_cli("reextract", "--archive", str(archive), "--workers", "1",
                     "--from", str(source))
    assert result.returncode == 0, result.stderr[-4000:]
    return archive / "index.db"


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, redis_server_url: str
         ) -> tuple[Path, Path, dict[str, tuple[set[str], str]]]:
    """One machine's runs (the reference) and the workers' runs, side by side (each
    against a sample server of its own, whose edition it sets): the local archive, the
    shared one, and the workers' runs."""
    from tests.helpers.redis_server import fresh_database

    local = tmp_path_factory.mktemp("local-runs")
    shared = tmp_path_factory.mktemp("shared-runs")
    redis_url = fresh_database(redis_server_url)
    with ThreadPoolExecutor(2) as pool:
        reference = pool.submit(crawl_runs, lambda _name, via: crawl_args(local, via, SOURCES))
        runs = pool.submit(crawl_runs, lambda name, via: worker_args(
            shared, via, SOURCES, redis_url, name, WORKER_OF_RUN[name]))
        reference.result()
        return local, shared, runs.result()


@pytest.fixture(scope="module")
def local(both: tuple) -> Path:
    return both[0]


@pytest.fixture(scope="module")
def shared(both: tuple) -> tuple[Path, dict[str, tuple[set[str], str]]]:
    return both[1], both[2]


def test_a_worker_skips_articles_another_fetched_that_are_not_due(shared) -> None:
    _archive, runs = shared
    asked, log = runs["again"]
    assert asked, "the second run read feeds, sitemaps and listings"
    # w2 never fetched them: only the shared state says they are known and not due.
    assert not asked & {"/" + p for p in article_paths(1)}, "articles not due were fetched"
    assert "'recheck/not_due'" in log


def test_a_worker_rechecks_another_workers_articles_conditionally(shared) -> None:
    archive, runs = shared
    _asked, log = runs["edition2"]
    assert "'conditional/requests'" in log
    w1_records = {r.record_id for p in (archive / "workers" / "w1").rglob("*.warc.gz")
                  for r in iter_records(p)}
    revisits = [r for p in (archive / "workers" / "w2").rglob("*.warc.gz")
                for r in iter_records(p) if r.rec_type == "revisit"
                and r.http_status == 304]
    assert revisits, "no article was unchanged at edition 2"
    # Each refers to the full answer w1 archived in the first run.
    assert all(r.warc_header("WARC-Refers-To") in w1_records for r in revisits)


def test_the_workers_index_equals_one_machines_over_the_same_runs(
        local: Path, shared, tmp_path: Path) -> None:
    archive, _runs = shared
    from_workers = rebuilt(tmp_path / "workers", archive / "workers")
    # The local crawl's own index: a rebuild of its files equals it (test_scheduled.py).
    for table in COMPARED:
        assert comparable_rows(from_workers, table) == comparable_rows(
            local / "index.db", table), table

