"""Benchmark: the archive's CDXJ at the end of a crawl, made anew against brought up to date.

    .venv/bin/python bench/cdxj_bench.py [--files 100] [--records 100] [--page-kb 40]

Writes FILES WARC files of RECORDS response records each (sample-site article pages
padded to PAGE_KB of HTML, gzip level 6, the crawl's writer), indexes them all once
(write_cdxj with no index: what every crawl's end did before archive/warc/cdxj_update.py),
then adds one file, as a crawl does, and times write_cdxj again (the index brought up to
date), and once more with nothing new. The baseline is the first, full indexing of the
same files plus one.

The load average is printed (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from archive.samplesites import seed_pages
from archive.samplesites.registry import all_sites
from archive.warc.cdxj import write_cdxj
from archive.warc.cdxj_update import list_path
from archive.warc.records import build_response_record, build_warcinfo, serialize_record
from archive.warc.writer import gzip_member

HTML = [("Content-Type", "text/html; charset=utf-8")]


def article_body(page_kb: int) -> bytes:
    page = seed_pages()["trtworld"]
    path = page.url.split("/", 3)[3]
    body = all_sites()["trtworld"].lookup("/" + path, "").body
    return (body * (page_kb * 1024 // len(body) + 1))[:page_kb * 1024]


def write_file(path: Path, number: int, records: int, body: bytes) -> None:
    members = [gzip_member(serialize_record(build_warcinfo(
        {"isPartOf": "bench"}, path.name, date="2026-01-01T00:00:00Z")), 6)]
    for n in range(records):
        record = build_response_record(
            f"https://www.trtworld.com/middle-east/story-{number}-{n}", status=200, reason="OK",
            protocol="HTTP/1.1", headers=HTML, body=body + f"{number}-{n}".encode(),
            date=f"2026-01-{1 + number % 28:02d}T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:"
                 f"{n % 60:02d}Z")
        members.append(gzip_member(serialize_record(record), 6))
    path.write_bytes(b"".join(members))


def timed(archive: Path) -> float:
    started = time.perf_counter()
    write_cdxj(archive)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument("--page-kb", type=int, default=40)
    options = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores")
    body = article_body(options.page_kb)
    with tempfile.TemporaryDirectory() as tmp:
        warc = Path(tmp) / "archive" / "warc"
        warc.mkdir(parents=True)
        for number in range(options.files):
            write_file(warc / f"pressarchive-2026{number:06d}-00000-1.warc.gz", number,
                       options.records, body)
        size = sum(p.stat().st_size for p in warc.iterdir())
        archive = warc.parent
        first = timed(archive)
        write_file(warc / f"pressarchive-2026{options.files:06d}-00000-1.warc.gz",
                   options.files, options.records, body)
        updated = timed(archive)
        nothing = timed(archive)
        # The baseline: the same files, all of them, indexed anew.
        list_path(archive / "indexes" / "index.cdxj").unlink()
        shutil.rmtree(archive / "indexes")
        anew = timed(archive)
        lines = sum(1 for _ in open(archive / "indexes" / "index.cdxj", encoding="utf-8"))
    print(f"{options.files + 1} files, {size / 1e6:.0f} MB of gzipped WARC, {lines:,} lines")
    print(f"made anew (the baseline): {anew:.2f} s (first indexing of {options.files} files: "
          f"{first:.2f} s)")
    print(f"brought up to date with one new file: {updated:.3f} s ({anew / updated:.0f} x "
          "faster)")
    print(f"nothing new: {nothing:.4f} s")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
