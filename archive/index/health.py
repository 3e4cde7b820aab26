"""Extraction health per crawl and source: the index's SQL for it.

A **crawl** is what one run wrote: the WARC files whose warcinfo record names the same
`isPartOf` (crawler/session.py gives every run its own id, `pressarchive-<start>-<pid>`).
A file whose warcinfo names none (an import's copies) is a crawl of its own. The crawl's
time is the earliest warcinfo `WARC-Date` of its files. Because both come from the WARC
files and every figure from index rows that `reextract` rebuilds the same way (captures,
`extraction_results`), a rebuilt index has the same `health` rows as the crawls made.

Tables
  warc_files          warc_file -> crawl, started (from the file's warcinfo record)
  extraction_results  one row per extracted capture (archive/articles.py writes it with
                      the article or non-article row): status, whether it had a title and
                      a date, words, the boilerplate the source's rules removed
  health              one row per crawl and source: the figures below

Figures of a crawl and source (`health` columns)
  pages_fetched      captures (every response and revisit: feeds, listings, articles)
  extracted          article pages extracted (an unchanged recheck, a 304, is not)
  articles           extracted pages indexed as articles (status ok)
  soft404s, empty    extracted pages that were soft 404s / had too few words
  failed             extracted pages that failed otherwise (error, timeout, too large)
  missing_dates, missing_titles, median_words
                     over the article-like pages (ok or empty: soft 404s and failures
                     aside), so that a redesign that loses the body and the date shows both
  boilerplate_lines     lines of text the source's drop_lines removed
  boilerplate_elements  elements the source's drop_xpaths removed
  boilerplate_kept      known chrome phrases (settings/boilerplate.txt) still in the
                        texts of article-like pages: boilerplate the rules let through
                        (a soft 404's "Page not found" is not counted)
"""

from __future__ import annotations

import sqlite3
import statistics
from collections.abc import Iterable, Mapping
from pathlib import Path

from archive.warc.reader import WarcReadError, read_record_at

EXTRACTION_RESULT_COLUMNS = {
    "capture_record_id": str, "url": str, "source": str, "fetched_at": str, "warc_file": str,
    "status": str, "has_title": int, "has_date": int, "word_count": int,
    "dropped_lines": int, "dropped_elements": int, "boilerplate_phrases": int,
}
WARC_FILE_COLUMNS = {"warc_file": str, "crawl": str, "started": str}
HEALTH_COLUMNS = {
    "crawl": str, "started": str, "source": str, "pages_fetched": int, "extracted": int,
    "articles": int, "soft404s": int, "empty": int, "failed": int, "missing_dates": int,
    "missing_titles": int, "median_words": int, "boilerplate_lines": int,
    "boilerplate_elements": int, "boilerplate_kept": int,
}
HEALTH_TABLES = ("warc_files", "extraction_results", "health")

_CREATE = {
    "extraction_results": """create table if not exists extraction_results (
        capture_record_id text primary key, url text, source text, fetched_at text,
        warc_file text, status text, has_title integer, has_date integer,
        word_count integer, dropped_lines integer, dropped_elements integer,
        boilerplate_phrases integer)""",
    "warc_files": """create table if not exists warc_files (
        warc_file text primary key, crawl text, started text)""",
    "health": """create table if not exists health (
        crawl text, started text, source text, pages_fetched integer, extracted integer,
        articles integer, soft404s integer, empty integer, failed integer,
        missing_dates integer, missing_titles integer, median_words integer,
        boilerplate_lines integer, boilerplate_elements integer, boilerplate_kept integer,
        primary key (crawl, source))""",
}
_INDEXES = (
    "create index if not exists idx_extraction_results_file "
    "on extraction_results (warc_file, source)",
    "create index if not exists idx_health_source on health (source, started)",
)
_INSERT_RESULT = (
    f"insert or replace into extraction_results ({', '.join(EXTRACTION_RESULT_COLUMNS)}) "
    f"values ({', '.join('?' for _ in EXTRACTION_RESULT_COLUMNS)})"
)
# "Article-like" pages: those a redesign can leave without body, date or title.
_ARTICLE_LIKE = "status in ('ok', 'empty')"
_OUTCOMES = f"""
select w.crawl, e.source, count(*), sum(e.status = 'ok'), sum(e.status = 'soft404'),
       sum(e.status = 'empty'), sum(e.status not in ('ok', 'soft404', 'empty')),
       sum({_ARTICLE_LIKE} and not e.has_date), sum({_ARTICLE_LIKE} and not e.has_title),
       sum(e.dropped_lines), sum(e.dropped_elements),
       sum(case when e.{_ARTICLE_LIKE} then e.boilerplate_phrases else 0 end)
from extraction_results e join warc_files w on w.warc_file = e.warc_file
where e.source != '' group by w.crawl, e.source"""
_WORDS = f"""
select w.crawl, e.source, e.word_count
from extraction_results e join warc_files w on w.warc_file = e.warc_file
where e.source != '' and e.{_ARTICLE_LIKE} order by w.crawl, e.source"""
_PAGES = """
select w.crawl, c.source, count(*)
from captures c join warc_files w on w.warc_file = c.warc_file
where c.source != '' group by w.crawl, c.source"""


def ensure_health_schema(conn: sqlite3.Connection) -> None:
    for sql in (*_CREATE.values(), *_INDEXES):
        conn.execute(sql)
    # Tables made by an earlier version gain the columns added since.
    for table, columns in (("extraction_results", EXTRACTION_RESULT_COLUMNS),
                           ("warc_files", WARC_FILE_COLUMNS), ("health", HEALTH_COLUMNS)):
        existing = {row[1] for row in conn.execute(f"pragma table_info({table})")}
        for name, kind in columns.items():
            if name not in existing:
                default = "''" if kind is str else "0"
                conn.execute(f"alter table {table} add column {name} "
                             f"{'text' if kind is str else 'integer'} not null default {default}")


def add_extraction_result(conn: sqlite3.Connection, values: Mapping[str, object]) -> None:
    """One extracted capture's figures (a capture extracted again replaces its row)."""
    conn.execute(_INSERT_RESULT, [values[c] for c in EXTRACTION_RESULT_COLUMNS])


def warcinfo_crawl(path: Path) -> tuple[str, str]:
    """(crawl, started) from a WARC file's warcinfo record: its `isPartOf`, else the
    file's own name; its WARC-Date. ("", "") when the file has no readable warcinfo."""
    try:
        record = read_record_at(path, 0)
    except (WarcReadError, OSError):
        return "", ""
    if record.rec_type != "warcinfo":
        return path.name, record.date
    crawl = path.name
    for line in record.body.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "isPartOf" and value.strip():
            crawl = value.strip()
    return crawl, record.date


def note_warc_files(conn: sqlite3.Connection, files: Mapping[str, Path]) -> None:
    """Rows of `warc_files` for the files captures name and it lacks. ``files``: where
    each file is, by name. A file not found there (moved away) is a crawl of its own,
    dated by its first capture."""
    missing = [row[0] for row in conn.execute(
        "select distinct c.warc_file from captures c left join warc_files w "
        "on w.warc_file = c.warc_file where w.warc_file is null and c.warc_file != ''")]
    for name in missing:
        crawl, started = warcinfo_crawl(files[name]) if name in files else ("", "")
        if not crawl:
            crawl = name
            started = conn.execute("select min(fetched_at) from captures where warc_file = ?",
                                   [name]).fetchone()[0] or ""
        conn.execute("insert into warc_files (warc_file, crawl, started) values (?, ?, ?)",
                     [name, crawl, started])


def refresh_health(conn: sqlite3.Connection, files: Mapping[str, Path]) -> int:
    """Recompute the `health` table from the index rows (one transaction); returns its
    rows. Cheap next to a crawl: one pass over the captures and extraction results."""
    with conn:
        conn.execute("begin")
        ensure_health_schema(conn)
        note_warc_files(conn, files)
        rows = _health_rows(conn)
        conn.execute("delete from health")
        conn.executemany(
            f"insert into health ({', '.join(HEALTH_COLUMNS)}) "
            f"values ({', '.join('?' for _ in HEALTH_COLUMNS)})", rows)
    return len(rows)


def _health_rows(conn: sqlite3.Connection) -> list[tuple]:
    started = dict(conn.execute("select crawl, min(started) from warc_files group by crawl"))
    pages = {(c, s): n for c, s, n in conn.execute(_PAGES)}
    outcomes = {(row[0], row[1]): row[2:] for row in conn.execute(_OUTCOMES)}
    words: dict[tuple[str, str], list[int]] = {}
    for crawl, source, count in conn.execute(_WORDS):
        words.setdefault((crawl, source), []).append(count)
    rows = []
    for key in sorted(set(pages) | set(outcomes)):
        crawl, source = key
        figures = outcomes.get(key) or (0,) * 10
        counts = words.get(key)
        median = int(statistics.median(counts)) if counts else 0
        rows.append((crawl, started.get(crawl, ""), source, pages.get(key, 0),
                     *(int(f or 0) for f in figures[:7]), median,
                     *(int(f or 0) for f in figures[7:])))
    return rows


def health_rows(conn: sqlite3.Connection, source: str | None = None) -> list[dict]:
    """The `health` rows, oldest crawl first ([] for an index without the table)."""
    if not _has_table(conn, "health"):
        return []
    where, args = ("where source = ?", [source]) if source else ("", [])
    cursor = conn.execute(f"select {', '.join(HEALTH_COLUMNS)} from health {where} "
                          f"order by source, started, crawl", args)
    return [dict(zip(HEALTH_COLUMNS, row, strict=True)) for row in cursor]


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("select 1 from sqlite_master where type = 'table' and name = ?",
                        [name]).fetchone() is not None


def files_by_name(paths: Iterable[Path]) -> dict[str, Path]:
    return {Path(p).name: Path(p) for p in paths}
