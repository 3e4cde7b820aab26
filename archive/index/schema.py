"""The schema of an archive's SQLite index (DIR/index.db), derived from its WARC files:
its tables, the rows written to them, and the ids of their rows.

Tables
  captures      every archived HTTP response (one row per WARC response record)
  articles      one row per article URL: the latest good extraction, with provenance
  non_articles  article-shaped pages that were not indexed (soft 404, empty, timeout, error)
  article_versions  every distinct version (title, date, text) of each article, in
                capture order; `articles` shows the latest
  articles_fts  FTS5 over articles(title, text), kept in sync by triggers

Article ids (`articles.id`, `article_versions.id`) are derived from the URL (and the
version number), not from the order rows were written, so a row keeps its id, and
Datasette's /index/articles/<id> its page, across crawls and rebuilds (stable_id()).
The order of capture that search needs (newest first) is `articles.seq`, the
full-text index's rowid.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

logger = logging.getLogger(__name__)

# Ids are 53-bit: exact in JavaScript and every JSON reader (Datasette's JSON API),
# and two of a million URLs share a hash about once in 20,000 archives (probed).
ID_BITS = 53


@dataclass(frozen=True)
class Capture:
    """One archived response, as the index knows it."""

    url: str
    source: str
    status: int
    content_type: str
    fetched_at: str
    warc_file: str
    warc_offset: int
    warc_length: int
    record_id: str
    payload_digest: str
    ip_address: str = ""
    location: str = ""
    truncated: str = ""
    # "response", or "revisit" when the payload is stored in an earlier capture
    # (refers_to is that capture's record id).
    rec_type: str = "response"
    refers_to: str = ""
    # Validators the server sent, for conditional rechecks.
    etag: str = ""
    last_modified: str = ""
    # The web archive or file a back-filled capture came from ("" for the live site);
    # its `origins` row has the rest (archive/warc/origin.py).
    origin: str = ""


@dataclass(frozen=True)
class ArticleRow:
    url: str
    source: str
    title: str
    author: str
    published: str
    language: str
    canonical_url: str
    text: str
    word_count: int
    capture_record_id: str
    warc_file: str
    warc_offset: int
    payload_digest: str
    fetched_at: str
    extractor: str
    extractor_version: str
    config_hash: str
    origin: str = ""


CAPTURE_COLUMNS = {
    "id": int, "url": str, "source": str, "status": int, "content_type": str,
    "fetched_at": str, "warc_file": str, "warc_offset": int, "warc_length": int,
    "record_id": str, "payload_digest": str, "ip_address": str, "location": str, "truncated": str,
    "rec_type": str, "refers_to": str, "etag": str, "last_modified": str, "origin": str,
}
ARTICLE_COLUMNS = {
    "id": int, "seq": int, "url": str, "source": str, "title": str, "author": str, "published": str,
    "language": str, "canonical_url": str, "text": str, "word_count": int,
    "capture_record_id": str, "warc_file": str, "warc_offset": int, "payload_digest": str,
    "fetched_at": str, "extractor": str, "extractor_version": str, "config_hash": str,
    "versions": int, "removed_at": str, "removed_reason": str, "origin": str,
}
# Where a back-filled capture came from, keyed by its record id: what the metadata
# record written beside it says (archive/warc/origin.py).
ORIGIN_COLUMNS = {
    "record_id": str, "kind": str, "web_archive": str, "original_url": str,
    "original_date": str, "cdx_digest": str, "cdx_line": str, "source_file": str,
    "source_offset": int, "source_length": int, "copied_as": str, "filed_under": str,
}
VERSION_COLUMNS = {
    "id": int, "url": str, "source": str, "version": int, "capture_record_id": str,
    "fetched_at": str, "title": str, "published": str, "text": str, "word_count": int,
}
CAPTURE_FIELDS = tuple(Capture.__dataclass_fields__)
# The full-text index is keyed by seq, not by the id: FTS5 walks its rowids in order,
# and search ranks the newest matches by walking it backwards (archive/index/search.py).
_SEARCH_SQL = """
create virtual table articles_fts using fts5 (
    title, text, tokenize='porter', content=[articles], content_rowid=seq
);
create trigger articles_ai after insert on articles begin
  insert into articles_fts (rowid, title, text) values (new.seq, new.title, new.text);
end;
create trigger articles_ad after delete on articles begin
  insert into articles_fts (articles_fts, rowid, title, text)
    values ('delete', old.seq, old.title, old.text);
end;
create trigger articles_au after update on articles begin
  insert into articles_fts (articles_fts, rowid, title, text)
    values ('delete', old.seq, old.title, old.text);
  insert into articles_fts (rowid, title, text) values (new.seq, new.title, new.text);
end;
"""


def stable_id(key: str, probe: int = 0) -> int:
    """A positive 53-bit integer from a hash of `key` (probe > 0: the next candidates,
    for a key whose hash another key already holds)."""
    data = key if probe == 0 else f"{key}\n{probe}"
    digest = hashlib.sha256(data.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - ID_BITS)


def article_id_key(url: str) -> str:
    return url


def version_id_key(url: str, version: int) -> str:
    # As the SQL of add_article spells it: url || char(10) || version.
    return f"{url}\n{version}"


NON_ARTICLE_COLUMNS = {
    "url": str, "source": str, "status": str, "error": str, "title": str,
    "capture_record_id": str, "fetched_at": str,
}


def open_database(path: Path) -> sqlite_utils.Database:
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    db = sqlite_utils.Database(conn)
    # WAL: Datasette can read while the crawl writes.
    db.enable_wal()
    db.execute("PRAGMA busy_timeout = 30000")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def enable_search(db: sqlite_utils.Database) -> None:
    """FTS5 over articles(title, text), filled from the table, then kept in step
    with every insert, update and delete by triggers (sqlite-utils' default is no
    triggers, which lets search go stale)."""
    if "articles_fts" not in db.table_names():
        db.conn.executescript(_SEARCH_SQL)
        with db.conn:
            db.execute("insert into articles_fts (articles_fts) values ('rebuild')")


def _drop_search(db: sqlite_utils.Database) -> None:
    db.conn.executescript(
        "drop trigger if exists articles_ai; drop trigger if exists articles_ad; "
        "drop trigger if exists articles_au; drop table if exists articles_fts;"
    )


def _migrate_article_ids(db: sqlite_utils.Database) -> None:
    """An index made before articles had a seq: its rows keep their ids (links to them
    stay right; a rebuild derives them from the URLs) and take them as their seq, and
    the full-text index, keyed by rowid then, is rebuilt keyed by seq."""
    logger.warning("%s: rebuilding the full-text index once, for stable article ids",
                   db.conn.execute("pragma database_list").fetchone()[2])
    _drop_search(db)
    with db.conn:
        # One transaction: an index with a seq column has it filled and unique.
        db.conn.execute("begin")
        db.execute("alter table articles add column seq integer")
        db.execute("update articles set seq = id")
        db.execute("create unique index idx_articles_seq on articles (seq)")


def ensure_schema(db: sqlite_utils.Database, *, search: bool = True) -> None:
    """Create what is missing. search=False leaves out the FTS index, for a bulk
    build that adds it at the end (one rebuild beats a trigger per row)."""
    if "captures" not in db.table_names():
        db["captures"].create(CAPTURE_COLUMNS, pk="id", not_null={"url", "record_id"})
        db["captures"].create_index(["record_id"], unique=True)
        db["captures"].create_index(["url", "payload_digest"])
        db["captures"].create_index(["source"])
    if "articles" not in db.table_names():
        db["articles"].create(ARTICLE_COLUMNS, pk="id", not_null={"url", "text", "seq"})
        db["articles"].create_index(["url"], unique=True)
        db["articles"].create_index(["seq"], unique=True)
        db["articles"].create_index(["source", "published"])
        db["articles"].create_index(["published"])
    elif "seq" not in db["articles"].columns_dict:
        _migrate_article_ids(db)
    if search:
        enable_search(db)
    if "non_articles" not in db.table_names():
        db["non_articles"].create(NON_ARTICLE_COLUMNS, pk="url")
    if "origins" not in db.table_names():
        db["origins"].create(ORIGIN_COLUMNS, pk="record_id")
        db["origins"].create_index(["original_url", "cdx_digest"])
    if "article_versions" not in db.table_names():
        db["article_versions"].create(VERSION_COLUMNS, pk="id", not_null={"url"})
        db["article_versions"].create_index(["url", "version"], unique=True)
    # Indexes made by an earlier version gain the columns added since.
    for table, columns in (("captures", CAPTURE_COLUMNS), ("articles", ARTICLE_COLUMNS),
                           ("non_articles", NON_ARTICLE_COLUMNS), ("origins", ORIGIN_COLUMNS),
                           ("article_versions", VERSION_COLUMNS)):
        existing = db[table].columns_dict
        for name, kind in columns.items():
            if name not in existing:
                db[table].add_column(name, kind, not_null_default="" if kind is str else 0)
