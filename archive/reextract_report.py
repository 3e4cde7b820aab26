"""What a re-extraction run tells: its report, its progress line, its row in
`extractions`.

Kept apart from the rebuild itself (archive/reextract.py): what an operator reads
and what the index keeps about a run change for other reasons than how the index
is rebuilt.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from archive.index.writer import IndexWriter
from archive.warc.reader import ReadError

# The progress lines are the reextract command's: logged under the name of its
# module, which is the name a log filter on reextract uses.
logger = logging.getLogger("archive.reextract")


@dataclass
class ReextractReport:
    index: Path
    warc_files: int = 0
    records: int = 0
    captures: int = 0
    candidates: int = 0
    carried_over: int = 0
    repaired: list[str] = field(default_factory=list)
    lost: int = 0  # articles of the previous index the new one has no trace of (--force)
    outcomes: Counter = field(default_factory=Counter)
    read_errors: list[ReadError] = field(default_factory=list)
    seconds: float = 0.0
    extract_seconds: float = 0.0
    # Seconds from the start of the run: worker start-up (import, warm-up) comes first;
    # what follows the last result is the full-text index build and the swap.
    first_result_at: float = 0.0
    last_result_at: float = 0.0
    worker_recycles: int = 0
    worker_cpu_seconds: float = 0.0
    worker_peak_rss_mb: float = 0.0

    @property
    def pages_per_second(self) -> float:
        return self.candidates / self.extract_seconds if self.extract_seconds else 0.0

    def summary(self) -> str:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())) or "none"
        lines = [
            f"index: {self.index}",
            f"{self.records} WARC records read, {self.captures} captures, "
            f"{self.candidates} article pages extracted ({outcomes})",
            f"{self.seconds:.1f} s in all, {self.pages_per_second:.1f} pages/s extracting",
        ]
        if self.candidates:
            lines[-1] += f" (first page after {self.first_result_at:.1f} s: worker start-up)"
        for line in self.repaired:
            lines.append(f"WARC repair: {line}")
        if self.lost:
            lines.append(f"{self.lost} article(s) of the previous index are not in this one "
                         "(swapped in with --force)")
        if self.carried_over:
            lines.append(f"{self.carried_over} rows outside --source/--since kept from the "
                         "previous index")
        for error in self.read_errors:
            lines.append(f"unreadable: {error.filename} at offset {error.offset}: "
                         f"{error.message}")
        return "\n".join(lines)


class Progress:
    """A progress line on a terminal (pages/s, ETA by bytes read); log lines otherwise."""

    def __init__(self, total_bytes: int, stream=sys.stderr, interval: float = 10.0, *,
                 quiet: bool = False):
        self.total = max(total_bytes, 1)
        self.done_bytes = 0
        self.stream = stream
        # --quiet: the log lines only (shown at INFO), never the live line.
        self.tty = stream.isatty() and not quiet
        self.interval = 0.5 if self.tty else interval
        self.started = self.last = time.monotonic()

    def update(self, pages: int, *, final: bool = False) -> None:
        done_bytes = self.total if final else self.done_bytes
        now = time.monotonic()
        if not final and now - self.last < self.interval:
            return
        self.last = now
        elapsed = now - self.started
        rate = pages / elapsed if elapsed else 0.0
        fraction = min(done_bytes / self.total, 1.0)
        eta = elapsed * (1 - fraction) / fraction if fraction else 0.0
        line = (f"reextract: {fraction:6.1%} of WARC bytes, {pages} pages, "
                f"{rate:.1f} pages/s, ETA {eta:.0f} s")
        if self.tty:
            self.stream.write("\r" + line + ("\n" if final else ""))
            self.stream.flush()
        else:
            logger.info(line)


def record_run(index: IndexWriter, report: ReextractReport, hashes: dict[str, str], *,
               source_filter: str, since: str) -> None:
    """One row per run in `extractions`: what ran, with which versions and config.

    The index's tally (archive/articles.py CLAIMS_ERRORS: articles indexed without
    their claims) joins the report's outcomes first: the row and the summary show it."""
    report.outcomes.update(index.tally)
    index.db["extractions"].insert(
        {
            "kind": "reextract",
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "duration_s": round(report.seconds, 3),
            "extractor": "trafilatura",
            "extractor_version": version("trafilatura"),
            "versions": json.dumps({name: version(name) for name in
                                    ("trafilatura", "htmldate", "lxml", "warcio")}),
            "config_hashes": json.dumps(hashes, sort_keys=True),
            "source_filter": source_filter,
            "since": since,
            "warc_files": report.warc_files,
            "records": report.records,
            "captures": report.captures,
            "candidates": report.candidates,
            "outcomes": json.dumps(dict(sorted(report.outcomes.items()))),
            "read_errors": len(report.read_errors),
        },
        pk="id",
    )
