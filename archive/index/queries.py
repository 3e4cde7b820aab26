"""The small read-only queries other commands make of an index (status, the WACZ
export, the demo, serve's start-up check, the crawl's check for an empty index), on a
connection that archive/layout.py opened."""

from __future__ import annotations

import sqlite3

from archive.warc.origin import payload_digest_of


def has_captures(conn: sqlite3.Connection) -> bool:
    return conn.execute("select exists (select 1 from captures)").fetchone()[0] == 1


def articles_per_source(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    return conn.execute(
        "select source, count(*) from articles group by source order by source").fetchall()


def article_health(conn: sqlite3.Connection) -> list[tuple[str, int, int, int]]:
    """(source, articles, edited: with several versions, removed from the site)."""
    return [(source, articles, edited or 0, removed or 0)
            for source, articles, edited, removed in conn.execute(
                "select source, count(*), sum(versions > 1), sum(removed_at != '') "
                "from articles group by source")]


def articles_for_pages(conn: sqlite3.Connection, include_text: bool) -> list[sqlite3.Row]:
    """Every article's URL, title and capture record id (and text), in id order: the
    pages of a WACZ package."""
    columns = "url, title, capture_record_id" + (", text" if include_text else "")
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor.execute(f"select {columns} from articles order by id").fetchall()


def read_table_ends(conn: sqlite3.Connection, tables: tuple[str, ...]) -> None:
    """Read the first and the last row of each table: both ends of its tree, where a
    truncated or damaged file is found without reading all of it."""
    for table in tables:
        for order in ("", " desc"):
            conn.execute(f"select * from {table} order by rowid{order} limit 1").fetchall()


def holds_original(conn: sqlite3.Connection, url: str, cdx_digest: str) -> bool:
    """True if the index has this payload of ``url`` already: back-filled with that CDX
    digest, or captured (live or copied) with it as its payload digest. The back-fill
    asks before fetching a capture; IndexWriter.holds_original is the same query."""
    if not cdx_digest:
        return False
    found = conn.execute(
        "select 1 from origins where original_url = ? and cdx_digest = ? union all "
        "select 1 from captures where url = ? and payload_digest = ? limit 1",
        [url, cdx_digest, url, payload_digest_of(cdx_digest)]).fetchone()
    return found is not None


def backfilled_articles(conn: sqlite3.Connection, source: str) -> list[sqlite3.Row]:
    """The source's articles that came from a web archive (url, title, published, the
    original capture time, the web archive), oldest first: what the demo shows."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor.execute(
        "select url, title, published, fetched_at, origin from articles "
        "where source = ? and origin != '' order by fetched_at", [source]).fetchall()
