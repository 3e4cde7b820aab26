"""Benchmark: two versions of the code, alternated, on the same WARC archive.

    .venv/bin/python bench/ab_reextract.py OLD_TREE [NEW_TREE] [--pages 600] [--rounds 4]

For a restructuring that must not slow anything down (issue 12), sequential runs of
bench/reextract_bench.py disagree by more than the effect looked for: the machine's
speed drifts between runs. Here each round runs both versions back to back, in
alternating order, each in a fresh process with PYTHONPATH set to its tree, and
reports CPU seconds (the process and its workers), which a busy machine inflates
far less than wall time:

1. extract_html over the same real pages in one process (ms of CPU per page);
2. run_reextract of one archive of PAGES article pages, WARC to swapped-in index
   (ms of CPU per page, main process and extraction workers together).

The ratio new / old per round, and its median, is the figure to quote.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Run in the child, with the tree under test first on sys.path.
_EXTRACT = r"""
import gzip, json, resource, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from archive.extract import extract_html
pages = []
for p in sorted(Path(sys.argv[2]).rglob('*'))[:int(sys.argv[3])]:
    if p.is_file() and p.suffix in ('.html', '.htm', '.gz'):
        data = p.read_bytes()
        if p.suffix == '.gz':
            data = gzip.decompress(data)
        pages.append(data)
for b in pages[:20]:
    extract_html(b, 'https://example.org/warm')
start = resource.getrusage(resource.RUSAGE_SELF)
for i, b in enumerate(pages):
    extract_html(b, f'https://example.org/{i}')
end = resource.getrusage(resource.RUSAGE_SELF)
cpu = (end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime)
print(json.dumps({'pages': len(pages), 'cpu': cpu}))
"""

_REEXTRACT = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from archive.reextract import ReextractOptions, run_reextract
from archive.sources import load_sources
started = time.monotonic()
archive = Path(sys.argv[2])
# Given as --warc paths: foreign pages, extracted whatever their host, as the bench's are.
report = run_reextract(ReextractOptions(archive=archive, sources=load_sources(),
                                        warc_paths=(archive / 'warc',)))
wall = time.monotonic() - started
own = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
# The workers are forked by a fork server, not by this process: they report their
# own CPU to the pool.
cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime + report.worker_cpu_seconds
print(json.dumps({'pages': report.candidates, 'cpu': cpu, 'wall': wall}))
"""


def run(code: str, tree: Path, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code, str(tree), *args],
                         env=env, cwd=tree, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def build(directory: Path, pages: int) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    import reextract_bench

    reextract_bench.build_archive(directory, reextract_bench.real_pages(), pages)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path, nargs="?", default=REPO)
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    html = REPO.parent / "shared" / "realdata" / "html"
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    work = Path(tempfile.mkdtemp(prefix="ab-reextract-"))
    try:
        source = work / "archive"
        build(source, args.pages)
        results: dict[str, dict[str, list[float]]] = {
            "old": {"extract": [], "reextract": []}, "new": {"extract": [], "reextract": []}}
        for round_no in range(args.rounds):
            order = ["old", "new"] if round_no % 2 == 0 else ["new", "old"]
            for name in order:
                tree = args.old if name == "old" else args.new
                one = run(_EXTRACT, tree, str(html), "400")
                results[name]["extract"].append(one["cpu"] / one["pages"] * 1000)
                copy = work / f"copy-{name}-{round_no}"
                shutil.copytree(source / "warc", copy / "warc")
                whole = run(_REEXTRACT, tree, str(copy))
                results[name]["reextract"].append(whole["cpu"] / whole["pages"] * 1000)
                shutil.rmtree(copy)
            print(f"round {round_no + 1} ({' then '.join(order)}): " + "; ".join(
                f"{name} extract {results[name]['extract'][-1]:.1f} ms, reextract "
                f"{results[name]['reextract'][-1]:.1f} ms CPU/page" for name in ("old", "new")))
        for part in ("extract", "reextract"):
            ratios = [n / o for n, o in zip(results["new"][part], results["old"][part],
                                             strict=True)]
            print(f"{part}: old median {statistics.median(results['old'][part]):.1f}, new "
                  f"median {statistics.median(results['new'][part]):.1f} ms CPU/page; "
                  f"new/old per round {', '.join(f'{r:.3f}' for r in ratios)}; "
                  f"median {statistics.median(ratios):.3f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
