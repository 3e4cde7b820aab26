"""`pressarchive health`: extraction health per source over time, and the sources whose
figures fell sharply from one crawl to the next (a site redesign that the source's
extraction rules no longer fit).

The figures are the index's `health` table (archive/index/health.py: what a crawl is, what
each figure counts). Here: which crawl a crawl is compared with, when a change is sharp,
and the table the command prints.

When a change is sharp (the thresholds, documented in the README):
- the share of extracted pages indexed as articles falls by SHARE_POINTS or more;
- the share of extracted pages that came out empty (too few words) rises by SHARE_POINTS;
- the share of article-like pages without a date, or without a title, rises by
  SHARE_POINTS;
- the median word count of article-like pages falls below WORDS_RATIO of what it was.

A crawl is compared with the source's *baseline*: its latest earlier crawl that
extracted at least MIN_PAGES pages and was not flagged itself. Not simply the crawl
before: a recrawl of unchanged pages extracts next to nothing (304s are not extracted),
so its shares say nothing; and comparing with the last good crawl keeps a broken source
flagged, crawl after crawl, until its figures recover (new rules and a reextract).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

from archive.errors import PressArchiveError
from archive.layout import ArchiveLayout

MIN_PAGES = 5
SHARE_POINTS = 0.25
WORDS_RATIO = 0.5

logger = logging.getLogger("pressarchive")


def refresh_index_health(archive: Path) -> None:
    """Recompute the index's extraction health once a run has written and closed its WARC
    files. A failure (a full disk) is logged, not raised: the figures are derived, and the
    next run or a reextract computes them."""
    from archive.index.health import files_by_name, refresh_health
    from archive.warc.reader import archive_files

    layout = ArchiveLayout(archive)
    try:
        if not layout.index_db.exists():
            return
        files = files_by_name(archive_files(layout.warc_dir)) if layout.warc_dir.is_dir() \
            else {}
        index = layout.open_index()
        try:
            refresh_health(index.db.conn, files)
        finally:
            index.close()
    except (PressArchiveError, sqlite3.Error, OSError) as exc:
        logger.error("could not update extraction health in %s: %s", layout.index_db, exc)


@dataclass
class CrawlHealth:
    """One row of `health`, and how it compares with its source's baseline."""

    crawl: str
    started: str
    source: str
    pages_fetched: int
    extracted: int
    articles: int
    soft404s: int
    empty: int
    failed: int
    missing_dates: int
    missing_titles: int
    median_words: int
    boilerplate_lines: int
    boilerplate_elements: int
    boilerplate_kept: int
    compared_with: str = ""  # the baseline crawl, "" if none
    flags: list[str] = field(default_factory=list)

    @property
    def article_like(self) -> int:
        return self.articles + self.empty

    def shares(self) -> dict[str, float]:
        """The shares a redesign moves: indexed and empty per extracted page, missing
        date and title per article-like page."""
        return {
            "indexed": _share(self.articles, self.extracted),
            "empty": _share(self.empty, self.extracted),
            "missing date": _share(self.missing_dates, self.article_like),
            "missing title": _share(self.missing_titles, self.article_like),
        }


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def sharp_changes(before: CrawlHealth, after: CrawlHealth) -> list[str]:
    """What fell sharply from ``before`` to ``after`` (both with MIN_PAGES pages)."""
    old, new = before.shares(), after.shares()
    changes = []
    if old["indexed"] - new["indexed"] >= SHARE_POINTS:
        changes.append(f"indexed {old['indexed']:.0%} -> {new['indexed']:.0%}")
    for name in ("empty", "missing date", "missing title"):
        if new[name] - old[name] >= SHARE_POINTS:
            changes.append(f"{name} {old[name]:.0%} -> {new[name]:.0%}")
    if before.median_words and after.median_words < WORDS_RATIO * before.median_words:
        changes.append(f"median words {before.median_words} -> {after.median_words}")
    return changes


def assess(rows: list[CrawlHealth]) -> list[CrawlHealth]:
    """Flag each crawl of each source against its baseline (rows oldest first)."""
    baseline: dict[str, CrawlHealth] = {}
    for row in rows:
        if row.extracted < MIN_PAGES:
            continue
        before = baseline.get(row.source)
        if before is not None:
            row.compared_with = before.crawl
            row.flags = sharp_changes(before, row)
        if not row.flags:
            baseline[row.source] = row
    return rows


@dataclass
class HealthReport:
    index: Path
    rows: list[CrawlHealth]

    def flagged(self) -> dict[str, CrawlHealth]:
        """Source -> its latest comparable crawl, for the sources where that is flagged."""
        latest: dict[str, CrawlHealth] = {}
        for row in self.rows:
            if row.extracted >= MIN_PAGES:
                latest[row.source] = row
        return {source: row for source, row in latest.items() if row.flags}

    def to_dict(self) -> dict:
        return {"index": str(self.index), "crawls": [asdict(r) for r in self.rows],
                "flagged": sorted(self.flagged())}

    def format(self) -> str:
        header = (f"{'source':<12} {'crawl started':<20} {'pages':>6} {'extr':>5} "
                  f"{'index':>5} {'soft404':>7} {'empty':>5} {'fail':>4} {'no date':>7} "
                  f"{'no title':>8} {'median w':>8} {'bp lines':>8} {'bp elems':>8} {'bp kept':>7}"
                  f"  flag")
        lines = [header, "-" * len(header)]
        for r in self.rows:
            flag = "FLAGGED: " + "; ".join(r.flags) if r.flags else ""
            lines.append(
                f"{r.source:<12} {r.started[:19].replace('T', ' '):<20} {r.pages_fetched:>6} "
                f"{r.extracted:>5} {r.articles:>5} {r.soft404s:>7} {r.empty:>5} "
                f"{r.failed:>4} {r.missing_dates:>7} {r.missing_titles:>8} "
                f"{r.median_words:>8} {r.boilerplate_lines:>8} {r.boilerplate_elements:>8} "
                f"{r.boilerplate_kept:>7}"
                f"  {flag}".rstrip())
        lines.append("pages: captures; extr: article pages extracted (not 304s); index: "
                     "indexed as articles; no date/title, median w: of indexed and empty "
                     "pages; bp: boilerplate removed (drop_lines lines, drop_xpaths elements) "
                     "and known phrases kept (settings/boilerplate.txt)")
        flagged = self.flagged()
        if flagged:
            lines.append("")
            for source, row in sorted(flagged.items()):
                lines.append(f"flagged: {source}: crawl {row.crawl} against {row.compared_with}"
                             f": {'; '.join(row.flags)} (a redesign? check its extraction "
                             "rules in settings/sources.toml)")
        else:
            lines.append(f"\nno source flagged (fewer than {MIN_PAGES} extracted pages: not "
                         "compared)")
        return "\n".join(lines)


def health_report(archive: Path, source: str | None = None) -> HealthReport:
    """The index's health rows (of one source), assessed; PressArchiveError (one line) for
    a source the table does not know, or an index without figures (made before them: a
    reextract computes them)."""
    from archive.index.health import health_rows

    layout = ArchiveLayout(archive)
    with layout.read_index() as conn:
        rows = health_rows(conn)
    if not rows:
        raise PressArchiveError(
            f"{layout.index_db} has no extraction health yet: the next crawl, or "
            "`pressarchive reextract`, computes it")
    known = sorted({r["source"] for r in rows})
    if source is not None and source not in known:
        raise PressArchiveError(f"no extraction health for source {source!r} in "
                                f"{layout.index_db}; its sources: {', '.join(known) or 'none'}")
    assessed = assess([CrawlHealth(**r) for r in rows])
    if source is not None:
        assessed = [r for r in assessed if r.source == source]
    return HealthReport(layout.index_db, assessed)
