"""Benchmark: `pressarchive backfill` against a local pywb, and a plain fetch loop of the
same raw replays.

    .venv/bin/python -W ignore bench/backfill_bench.py [--captures 300] [--repeat 3]

Builds a pywb collection (wb-manager, from .venv-tools) of CAPTURES China Topix article
captures, each a distinct payload (the sample web archive's seed story under another id,
archive/samplesites/webarchive), serves it on 127.0.0.1, then alternates REPEAT times:

  plain     one urllib GET after another of every raw replay (PREFIX + TIMESTAMP + "id_/"
            + URL, Accept-Encoding: gzip): what pywb itself serves to one client at a time
  backfill  `pressarchive backfill chinatopix --delay 0 --cdx-delay 0` into a new archive:
            the CDX query, every replay through Scrapy (one request at a time, as always
            against a web archive), WARC records with origin records, extraction, index

and reports captures per second (medians): for the back-fill over the whole command
(process start, the extraction workers' start, the CDX query included) and over the
spider's own run (Scrapy's elapsed_time_seconds). Against a public web archive the rate
is the politeness delay's (1 s a replay by default), not this one.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SEED = ("http://www.chinatopix.com/articles/31164/20150122/"
        "iraq-frustrated-over-coalitions-efforts-in-islamic-state-fight.htm")
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def build(root: Path, captures: int) -> list[tuple[str, str]]:
    """The pywb collection "bench" under root; (timestamp, url) of every capture."""
    from archive.samplesites.webarchive.build import WARCINFO, exchanges
    from archive.samplesites.webarchive.pywb import add_collection
    from archive.samplesites.webarchive.warcfiles import write_warc

    seed = next(e for _, e in exchanges() if e.url == SEED and e.status == 200)
    gzipped = dict((k.lower(), v) for k, v in seed.headers).get("content-encoding") == "gzip"
    html = gzip.decompress(seed.body) if gzipped else seed.body
    made = []
    for n in range(captures):
        body = html.replace(b"</body>", f"<p>Capture {n} of the benchmark.</p></body>".encode())
        body = gzip.compress(body, mtime=0) if gzipped else body
        headers = tuple((k, str(len(body)) if k.lower() == "content-length" else v)
                        for k, v in seed.headers)
        url = SEED.replace("/31164/", f"/{40000 + n}/")
        timestamp = f"201502{1 + n // 86400 % 28:02d}{n // 3600 % 24:02d}{n // 60 % 60:02d}" \
                    f"{n % 60:02d}"
        made.append(replace(seed, url=url, timestamp=timestamp, body=body, headers=headers))
    warc = root / "bench.warc.gz"
    write_warc(warc, made, info=WARCINFO, created=made[0].timestamp)
    add_collection(root, "bench", [warc])
    return [(e.timestamp, e.url) for e in made]


def plain(prefix: str, captures: list[tuple[str, str]]) -> float:
    started = time.perf_counter()
    for timestamp, url in captures:
        request = urllib.request.Request(f"{prefix}{timestamp}id_/{url}",
                                         headers={"Accept-Encoding": "gzip"})
        with OPENER.open(request, timeout=30) as response:
            response.read()
    return time.perf_counter() - started


def backfill(prefix: str, scratch: Path) -> dict[str, float | str]:
    archive = Path(tempfile.mkdtemp(dir=scratch))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "archive.cli", "backfill", "chinatopix", "--archive",
         str(archive), "--wayback", prefix, "--delay", "0", "--cdx-delay", "0"],
        cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"backfill failed ({result.returncode}):\n{result.stderr[-3000:]}")

    def stat(name: str) -> float:
        return float(re.search(rf"'{name}': ([\d.]+)", result.stderr).group(1))

    return {
        "wall": wall, "spider": stat("elapsed_time_seconds"),
        # The crawl process and the archive writer process (its child); the extraction
        # workers are the fork server's children, counted by the pool in the stats.
        "crawl_cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "extract_cpu": stat("extract/workers_cpu_seconds"),
        "summary": next(line for line in result.stderr.splitlines()
                        if line.startswith("chinatopix:")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from archive.samplesites.webarchive.pywb import running_pywb

    with tempfile.TemporaryDirectory(prefix="backfill-bench-") as tmp:
        scratch = Path(tmp)
        captures = build(scratch / "pywb", args.captures)
        with running_pywb(scratch / "pywb") as base:
            prefix = f"{base}/bench/"
            plain(prefix, captures[:5])  # pywb loads its index on the first requests
            load = os.getloadavg()[0]
            plains, runs = [], []
            for _ in range(args.repeat):
                plains.append(plain(prefix, captures))
                runs.append(backfill(prefix, scratch))
    n = len(captures)

    def median(key: str) -> float:
        return statistics.median(float(run[key]) for run in runs)

    print(f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}, "
          f"load average at start {load:.1f}")
    print(f"{n} captures, medians of {args.repeat} runs; last back-fill: {runs[-1]['summary']}")
    print(f"plain fetch loop      {n / statistics.median(plains):7.1f} captures/s")
    print(f"backfill (command)    {n / median('wall'):7.1f} captures/s ({median('wall'):.1f} s)")
    print(f"backfill (spider run) {n / median('spider'):7.1f} captures/s "
          f"({median('spider'):.1f} s)")
    print(f"CPU per capture: crawl and writer processes {1000 * median('crawl_cpu') / n:.1f} ms, "
          f"extraction workers {1000 * median('extract_cpu') / n:.1f} ms")


if __name__ == "__main__":
    main()
