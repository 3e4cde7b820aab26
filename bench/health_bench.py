"""Benchmark: what recomputing extraction health costs at the end of each crawl, at scale.

    .venv/bin/python bench/health_bench.py [--captures 1000000] [--crawls 250]

`archive.index.health.refresh_health` recomputes the whole `health` table from the
captures and extraction results after every crawl (and at the end of reextract). This
builds an index of synthetic rows with the project's schema (IndexWriter, then the health
tables): CAPTURES captures in 20 sources spread over CRAWLS crawls of 5 WARC files each,
one extraction result for every other capture, and each file's `warc_files` row as a
crawl leaves it. Then it times:

- the baseline: one plain pass over the same rows (`count(*)` of the captures joined
  with their files, and of the extraction results), what any recomputation must read;
- refresh_health() itself, twice (the first warms SQLite's page cache).

The load average is printed (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from archive.index.health import (
    EXTRACTION_RESULT_COLUMNS,
    ensure_health_schema,
    refresh_health,
)
from archive.layout import ArchiveLayout

SOURCES = 20
FILES_PER_CRAWL = 5


def file_of(i: int, captures: int, crawls: int) -> tuple[str, int]:
    crawl = i * crawls // captures
    return f"pressarchive-{crawl:05d}-{i % FILES_PER_CRAWL}.warc.gz", crawl


def build(root: Path, captures: int, crawls: int) -> sqlite3.Connection:
    ArchiveLayout(root).open_index(search=False).close()
    conn = sqlite3.connect(root / "index.db")
    ensure_health_schema(conn)
    names = ("url", "source", "status", "content_type", "fetched_at", "warc_file",
             "warc_offset", "warc_length", "record_id", "payload_digest")
    results = EXTRACTION_RESULT_COLUMNS
    rng = random.Random(1)
    with conn:
        rows, extracted = [], []
        for i in range(captures):
            warc_file, _crawl = file_of(i, captures, crawls)
            rows.append((f"https://site{i % SOURCES}.example/a/{i}", f"s{i % SOURCES}", 200,
                         "text/html", "2026-01-01T00:00:00Z", warc_file, i, 1,
                         f"<urn:uuid:{i}>", "sha1:X"))
            if i % 2 == 0:
                values = dict.fromkeys(results, 0)
                values.update(capture_record_id=f"<urn:uuid:{i}>", warc_file=warc_file,
                              source=f"s{i % SOURCES}", status="ok", has_date=1,
                              has_title=1, word_count=rng.randint(50, 900))
                extracted.append([values[c] for c in results])
        conn.executemany(f"insert into captures ({', '.join(names)}) "
                         f"values ({', '.join('?' for _ in names)})", rows)
        conn.executemany(f"insert into extraction_results ({', '.join(results)}) "
                         f"values ({', '.join('?' for _ in results)})", extracted)
        conn.executemany("insert into warc_files (warc_file, crawl, started) values (?, ?, ?)",
                         [(f"pressarchive-{c:05d}-{n}.warc.gz", f"crawl-{c:05d}",
                           "2026-01-01T00:00:00Z")
                          for c in range(crawls) for n in range(FILES_PER_CRAWL)])
    return conn


def timed(func, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - started, result


def baseline(conn: sqlite3.Connection) -> tuple[int, int]:
    captures = conn.execute("select count(*) from captures c join warc_files w "
                            "on w.warc_file = c.warc_file").fetchone()[0]
    results = conn.execute("select count(*), sum(word_count) from extraction_results"
                           ).fetchone()[0]
    return captures, results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--captures", type=int, default=1_000_000)
    parser.add_argument("--crawls", type=int, default=250)
    options = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        seconds, conn = timed(build, Path(tmp), options.captures, options.crawls)
        print(f"built {options.captures:,} captures, {options.crawls} crawls in {seconds:.1f} s")
        plain, _ = timed(baseline, conn)
        print(f"baseline (one pass over captures and results): {plain:.2f} s")
        for attempt in ("first", "second"):
            seconds, rows = timed(refresh_health, conn, {})
            print(f"refresh_health ({attempt}): {seconds:.2f} s, {rows} rows, "
                  f"{seconds / plain:.1f} x the baseline")
        conn.close()
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
