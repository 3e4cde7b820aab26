"""Benchmark: `pressarchive import` of CC-NEWS-like files, against reading them with
warcio alone.

    .venv/bin/python bench/import_bench.py [--records 10000] [--every 1000] [--kept 1000]

1. Writes a CC-NEWS-like file with warcio (one gzip member per record, WARC/1.0, no
   request records, as Common Crawl's news crawl writes them): RECORDS responses of
   real news pages (../shared/realdata, or $PRESSARCHIVE_REALDATA), cycled under
   unrelated hosts, one in EVERY at a configured source's article URL (half of those
   outside the window). Serves it from 127.0.0.1 with http.server (no Range: a stream).
2. Baseline: the file read over HTTP by warcio's ArchiveIterator, every record's body
   read: what any filter has to do at least.
3. Ours, filtering: `import URL --from --to` into a new archive, once with a window
   that holds none of its records (reading and deciding alone), once keeping the
   sources' records of the window (their extraction included): records/s, MB/s, and
   bytes kept per byte read (the measure issue 13 asks for).
4. Ours, keeping everything: KEPT records, all of the sources' article pages, imported
   from a local file (copied, checked, indexed and extracted): records/s; and
   `reextract` of the resulting archive for comparison (the same extraction).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import threading
import time
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.backfill.importer import ImportOptions, run_import  # noqa: E402
from archive.reextract import ReextractOptions, run_reextract  # noqa: E402
from archive.sources import load_sources  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from reextract_bench import real_pages  # noqa: E402  (the same pages, one loader)

IN_WINDOW, OUT_OF_WINDOW = "20171020", "20170920"


def write_file(path: Path, urls_and_dates: list[tuple[str, str]], pages: list[bytes]) -> None:
    out = BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.0")
    for i, (url, day) in enumerate(urls_and_dates):
        body = pages[i % len(pages)]
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        payload = head + body
        writer.write_record(writer.create_warc_record(
            url, "response", payload=BytesIO(payload), length=len(payload),
            warc_headers_dict={"WARC-Date": f"{day[:4]}-{day[4:6]}-{day[6:]}T12:00:00Z"}))
    path.write_bytes(out.getvalue())


def cc_news_like(records: int, every: int) -> list[tuple[str, str]]:
    found = []
    for i in range(records):
        if i % every == every // 2:
            day = IN_WINDOW if (i // every) % 2 == 0 else OUT_OF_WINDOW
            found.append((f"https://www.trtworld.com/middle-east/story-number-{i}-{i}", day))
        else:
            found.append((f"https://www.paper{i % 500}.example/news/{i}.html", IN_WINDOW))
    return found


def serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = partial(SimpleHTTPRequestHandler, directory=str(directory))
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime


def baseline(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    count = 0
    with urllib.request.urlopen(url) as response:  # noqa: S310 - 127.0.0.1
        for record in ArchiveIterator(response):
            record.content_stream().read()
            count += 1
    return count, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--kept", type=int, default=1000)
    args = parser.parse_args()
    sources = load_sources()
    pages = real_pages()
    work = Path(tempfile.mkdtemp(prefix="import-bench-"))
    try:
        print(f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"{time.strftime('%Y-%m-%d %H:%M')}; {len(pages)} real pages cycled")
        served = work / "served"
        served.mkdir()
        write_file(served / "CC-NEWS-bench.warc.gz", cc_news_like(args.records, args.every),
                   pages)
        size = (served / "CC-NEWS-bench.warc.gz").stat().st_size
        print(f"CC-NEWS-like file: {args.records} records, {size / 1e6:.1f} MB, "
              f"one in {args.every} of a source's host")
        server, base = serve(served)
        url = base + "CC-NEWS-bench.warc.gz"
        count, seconds = baseline(url)
        print(f"warcio alone, over HTTP: {count} records in {seconds:.2f} s: "
              f"{count / seconds:.0f} records/s, {size / seconds / 1e6:.1f} MB/s")
        # Reading and deciding alone: a window that holds none of the file's records.
        started = time.perf_counter()
        report = run_import(ImportOptions(archive=work / "none", sources=sources,
                                          inputs=(url,), from_="2017-10-21", to="2017-10-31"))
        seconds = time.perf_counter() - started
        print(f"import URL, nothing in the window: {report.records} records in "
              f"{seconds:.2f} s: {report.records / seconds:.0f} records/s, "
              f"{report.bytes_read / seconds / 1e6:.1f} MB/s")
        before = cpu()
        started = time.perf_counter()
        report = run_import(ImportOptions(archive=work / "a", sources=sources,
                                          inputs=(url,), from_="2017-10-01", to="2017-10-31"))
        seconds, used = time.perf_counter() - started, cpu() - before
        print(f"import URL --from --to: {report.records} records in {seconds:.2f} s "
              f"({used:.2f} s CPU): {report.records / seconds:.0f} records/s, "
              f"{report.bytes_read / seconds / 1e6:.1f} MB/s; {report.kept} kept")
        print(f"  bytes kept per byte read: {report.bytes_kept} / {report.bytes_read} = "
              f"{report.kept_per_byte_read:.6f}")
        server.shutdown()

        local = work / "sources.warc.gz"
        write_file(local, [(f"https://www.trtworld.com/middle-east/story-number-{i}-{i}",
                            IN_WINDOW) for i in range(args.kept)], pages)
        started = time.perf_counter()
        report = run_import(ImportOptions(archive=work / "b", sources=sources,
                                          inputs=(str(local),)))
        seconds = time.perf_counter() - started
        print(f"import of {args.kept} article pages, all kept: {seconds:.2f} s, "
              f"{report.kept / seconds:.1f} records/s (copied, checked, indexed, "
              f"{report.indexing.candidates} extracted: {dict(report.indexing.outcomes)})")
        started = time.perf_counter()
        rebuilt = run_reextract(ReextractOptions(archive=work / "b", sources=sources))
        seconds = time.perf_counter() - started
        print(f"reextract of the same archive: {seconds:.2f} s, "
              f"{rebuilt.candidates / seconds:.1f} pages/s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
