"""The rows of an index table in a comparable order: a rebuild must equal the crawl's
index row for row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

# Provenance and content of each table, ids included; seq and the run's own timestamps
# excluded.
TABLES = {
    "captures": "record_id",
    "articles": "url",
    "non_articles": "url",
    "article_versions": "url, version",
    "claims": "url, n",
    # Stories (archive/stories/): the same for any order articles are indexed in.
    "stories": "url",
    "story_signatures": "url",
    "story_bands": "url, key",
    # What news sitemaps said of the URLs they list (archive/index/listings.py).
    "listings": "url, source",
    # Extraction health (archive/index/health.py): derived from the rows above and the
    # WARC files' warcinfo records, so a rebuild gives the same.
    "extraction_results": "capture_record_id",
    "warc_files": "warc_file",
    "health": "crawl, source",
}
# Filled by back-fills and imports only (a live crawl leaves them empty).
BACKFILL_TABLES = {"origins": "record_id"}
_ORDER = {**TABLES, **BACKFILL_TABLES}


def rows(db: Path, table: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        # Ids are compared (they derive from the URLs); seq is the order rows were
        # written in, extraction order in a crawl, WARC order in a rebuild.
        columns = [r[1] for r in conn.execute(f"pragma table_info({table})") if r[1] != "seq"]
        return conn.execute(
            f"select {', '.join(columns)} from {table} order by {_ORDER[table]}"
        ).fetchall()
    finally:
        conn.close()


def search_terms(db: Path) -> list[tuple]:
    """What the full-text index holds: (article url, column, offset, term) of every
    token, so that two indexes whose articles took other seqs compare equal."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("create virtual table temp.terms using fts5vocab(main, articles_fts, "
                     "instance)")
        return conn.execute(
            "select a.url, t.col, t.offset, t.term from temp.terms t "
            "join articles a on a.seq = t.doc order by 1, 2, 3, 4").fetchall()
    finally:
        conn.close()
