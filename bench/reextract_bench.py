"""Benchmark: `reextract` against trafilatura alone, on the same HTML.

    .venv/bin/python bench/reextract_bench.py [--pages 2000] [--workers 0]

1. Builds an archive of PAGES article pages (real pages from
   ../shared/realdata, cycled under distinct URLs when there are fewer) with
   the project's WARC writer.
2. Baselines, one process, same HTML: trafilatura.extract() with default
   settings (no metadata), and trafilatura.bare_extraction() with metadata
   (title, author, date: what the index needs).
3. Ours, one process: archive.extract.extract, with the garbage collector tuned
   as in the workers (archive/gc_tuning.py; about 10 % faster than Python's defaults).
4. The ceiling: WORKERS independent processes, each running extract over its share
   of the same pages (warmed up, started together), with nothing else: what this
   machine gives WORKERS processes at once, whatever the pool does.
5. Ours: run_reextract() with the default workers (one per core), timed from WARC to
   swapped-in index, with its parts: worker start-up (to the first result), the steady
   extraction, the tail (full-text index build, swap), and the CPU of the main process
   against that of the workers.
6. Index writing alone: IndexWriter rows in batches plus the FTS build.

The last lines are reextract's rate over workers x each baseline's rate.
"""

from __future__ import annotations

import argparse
import gzip
import multiprocessing as mp
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.extract import ExtractionTask, extract  # noqa: E402
from archive.gc_tuning import freeze_and_relax  # noqa: E402
from archive.index.schema import ArticleRow  # noqa: E402
from archive.index.writer import IndexWriter  # noqa: E402
from archive.layout import ArchiveLayout  # noqa: E402
from archive.reextract import ReextractOptions, run_reextract  # noqa: E402
from archive.sources import load_sources  # noqa: E402
from archive.warc.records import build_request_record, build_response_record, warc_date  # noqa: E402
from archive.warc.writer import WarcFileWriter  # noqa: E402

REALDATA = Path(os.environ.get("PRESSARCHIVE_REALDATA", REPO.parent / "shared" / "realdata"))
HTML_DIRS = ("benchmark/trafilatura-eval", "benchmark/newspaper3k-tests",
             "benchmark/htmldate-mediacloud2020", "benchmark/goose3-tests", "html")


def real_pages() -> list[bytes]:
    pages = []
    for folder in HTML_DIRS:
        for path in sorted((REALDATA / folder).rglob("*")):
            if path.name.endswith(".html"):
                pages.append(path.read_bytes())
            elif path.name.endswith(".html.gz"):
                pages.append(gzip.decompress(path.read_bytes()))
    if not pages:
        sys.exit(f"no real pages under {REALDATA}: the benchmark needs ../shared/realdata "
                 "(or $PRESSARCHIVE_REALDATA)")
    return pages


def build_archive(directory: Path, pages: list[bytes], count: int) -> list[tuple[str, bytes]]:
    chosen = [(f"https://bench.example/article/{i}.html", pages[i % len(pages)])
              for i in range(count)]
    date = warc_date(time.time())
    with WarcFileWriter(ArchiveLayout(directory).warc_dir, "bench",
                        warcinfo_fields={"software": "bench"}) as w:
        for url, body in chosen:
            request = build_request_record(
                url, method="GET", target=url.split("bench.example", 1)[1],
                http_version="HTTP/1.1", headers=[("Host", "bench.example")], body=b"",
                date=date)
            response = build_response_record(
                url, status=200, reason="OK", protocol="HTTP/1.1",
                headers=[("Content-Type", "text/html")], body=body, date=date)
            w.write([request, response])
    return chosen


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else 0.0


def time_loop(pages: list[tuple[str, bytes]], extract) -> tuple[float, list[float]]:
    per_page = []
    started = time.perf_counter()
    for url, body in pages:
        t0 = time.perf_counter()
        extract(url, body)
        per_page.append(time.perf_counter() - t0)
    return time.perf_counter() - started, per_page


def _ceiling_worker(share: int, workers: int, count: int, ready: Any, go: Any,
                    done: Any) -> None:
    """One of the independent processes of the ceiling: warm up, wait, extract its share."""
    from archive.extract import warm_up

    pages = real_pages()
    mine = [(f"https://bench.example/article/{i}.html", pages[i % len(pages)])
            for i in range(share, count, workers)]
    warm_up()
    freeze_and_relax()  # as the pool's workers run
    ready.release()
    go.wait()
    started = time.perf_counter()
    for url, body in mine:
        extract(ExtractionTask(body, url))
    done.put((len(mine), time.perf_counter() - started))


def ceiling_rate(workers: int, count: int) -> float:
    """Pages/s of `workers` independent warmed-up processes sharing `count` pages."""
    context = mp.get_context("spawn")
    ready, go, done = context.Semaphore(0), context.Event(), context.Queue()
    processes = [context.Process(target=_ceiling_worker,
                                 args=(k, workers, count, ready, go, done))
                 for k in range(workers)]
    for process in processes:
        process.start()
    for _ in processes:
        ready.acquire()
    started = time.perf_counter()
    go.set()
    finished = [done.get() for _ in processes]
    seconds = time.perf_counter() - started
    for process in processes:
        process.join()
    assert sum(n for n, _ in finished) == count
    return rate(count, seconds)


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def fork_server_cpu() -> float:
    """CPU seconds of the extraction workers' fork server so far (Linux /proc)."""
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def index_write_rate(directory: Path, count: int) -> float:
    text = ("The coalition carried out strikes near Mosul and Raqqa, officials said. " * 40)
    index = IndexWriter(directory / "write-bench.db", search=False)
    started = time.perf_counter()
    with index.batch():
        for i in range(count):
            index.add_article(ArticleRow(
                url=f"https://bench.example/{i}", source="bench", title=f"Article {i}",
                author="", published="2015-07-28", language="en", canonical_url="",
                text=text, word_count=480, capture_record_id=f"<urn:uuid:{i}>",
                warc_file="x.warc.gz", warc_offset=i, payload_digest="sha1:X",
                fetched_at="2026-11-21T00:00:00Z", extractor="trafilatura",
                extractor_version="2.3.1", config_hash="x"))
    from archive.index.schema import enable_search

    enable_search(index.db)
    seconds = time.perf_counter() - started
    index.close()
    return rate(count, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=0, help="0: one per core")
    parser.add_argument("--baseline-pages", type=int, default=0,
                        help="pages for the one-process loops (default: all)")
    args = parser.parse_args()
    workers = args.workers or os.cpu_count() or 1
    import trafilatura

    work = Path(tempfile.mkdtemp(prefix="reextract-bench-"))
    try:
        print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
              f"Python {platform.python_version()}, trafilatura {trafilatura.__version__}")
        chosen = build_archive(work / "archive", real_pages(), args.pages)
        sample = chosen[: args.baseline_pages or len(chosen)]
        warcs = ArchiveLayout(work / "archive").warc_dir.glob("*.warc.gz")
        size = sum(p.stat().st_size for p in warcs)
        print(f"archive: {len(chosen)} pages, {size / 1e6:.1f} MB of WARC")

        base_s, base_pp = time_loop(sample, lambda url, body: trafilatura.extract(body, url=url))
        base_rate = rate(len(sample), base_s)
        print(f"baseline trafilatura.extract, 1 process: {base_rate:.1f} pages/s "
              f"(median {statistics.median(base_pp) * 1000:.0f} ms/page)")

        meta_s, meta_pp = time_loop(sample, lambda url, body: trafilatura.bare_extraction(
            body, url=url, with_metadata=True, favor_precision=True))
        meta_rate = rate(len(sample), meta_s)
        print(f"baseline trafilatura.bare_extraction with metadata, 1 process: "
              f"{meta_rate:.1f} pages/s (median {statistics.median(meta_pp) * 1000:.0f} ms/page)")

        # From here on this process's garbage collector is tuned as the workers' is
        # (archive/gc_tuning.py): ours in one process is measured as the workers run.
        freeze_and_relax()
        ours_s, ours_pp = time_loop(sample, lambda url, body: extract(ExtractionTask(body, url)))
        ours_single = rate(len(sample), ours_s)
        print(f"ours extract_html, 1 process, GC tuned as in the workers: {ours_single:.1f} "
              f"pages/s (median {statistics.median(ours_pp) * 1000:.0f} ms/page; metadata, "
              f"dates)")

        ceiling = ceiling_rate(workers, len(sample))
        print(f"ceiling, {workers} independent processes running extract_html: "
              f"{ceiling:.1f} pages/s = {ceiling / (workers * ours_single):.2f} of "
              f"{workers} x ours in 1 process")

        # Workers are forked by the fork server, not by this process: its rusage never
        # sees them; they report their own CPU, and the fork server's is read from /proc.
        main_cpu = cpu_seconds(resource.RUSAGE_SELF)
        report = run_reextract(ReextractOptions(
            archive=work / "archive", sources=load_sources(), workers=workers,
            warc_paths=(ArchiveLayout(work / "archive").warc_dir,)))
        main_cpu = cpu_seconds(resource.RUSAGE_SELF) - main_cpu
        workers_cpu = report.worker_cpu_seconds
        ours_rate = rate(report.candidates, report.seconds)
        steady = rate(report.candidates - 1, report.last_result_at - report.first_result_at)
        print(f"reextract, {workers} workers: {report.candidates} pages in "
              f"{report.seconds:.1f} s = {ours_rate:.1f} pages/s "
              f"(extraction phase {report.pages_per_second:.1f} pages/s); "
              f"outcomes {dict(report.outcomes)}")
        print(f"  worker start-up (to the first result) {report.first_result_at:.1f} s, "
              f"steady extraction {report.last_result_at - report.first_result_at:.1f} s "
              f"= {steady:.1f} pages/s, tail (FTS build, swap) "
              f"{report.seconds - report.last_result_at:.1f} s, "
              f"worker recycles {report.worker_recycles}")
        print(f"  CPU per page: main process {main_cpu / report.candidates * 1000:.1f} ms, "
              f"workers {workers_cpu / report.candidates * 1000:.1f} ms; "
              f"ours in 1 process {ours_s / len(sample) * 1000:.1f} ms wall; fork server "
              f"(import and warm-up, once) {fork_server_cpu():.1f} s of CPU")
        print(f"scaling against our own one-process rate: "
              f"{ours_rate / (workers * ours_single):.2f} of {workers} x "
              f"(steady extraction {steady / (workers * ours_single):.2f}; "
              f"the ceiling above {ceiling / (workers * ours_single):.2f}); "
              f"against the ceiling {ours_rate / ceiling:.2f} "
              f"(steady {steady / ceiling:.2f})")
        write_rate = index_write_rate(work, 20_000)
        print(f"index writing (20,000 rows, batches + one FTS build): {write_rate:,.0f} rows/s")
        print(f"ratio reextract / ({workers} x trafilatura with metadata): "
              f"{ours_rate / (workers * meta_rate):.2f}")
        print(f"ratio reextract / ({workers} x trafilatura alone, defaults): "
              f"{ours_rate / (workers * base_rate):.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
