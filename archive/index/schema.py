"""The schema of an archive's SQLite index (DIR/index.db), derived from its WARC files:
its tables, the rows written to them, and the ids of their rows.

Tables
  captures      every archived HTTP response (one row per WARC response record)
  articles      one row per article URL: the latest good extraction, with provenance
  non_articles  article-shaped pages that were not indexed (soft 404, empty, timeout, error)
  article_versions  every distinct version (title, date, text) of each article, in
                capture order; `articles` shows the latest
  claims        quantity claims of each article (who said what number about what)
  stories, story_signatures, story_bands
                articles carrying the same text (wire copies), their MinHash
                signatures and LSH bands (archive/stories/store.py)
  listings      what news sitemaps said of the URLs they list (news:publication_date,
                title, keywords, language), one row per URL and source: its first
                listing (archive/index/listings.py)
  extraction_results, warc_files, health
                extraction health per crawl and source (archive/index/health.py)
  articles_fts  FTS5 over the search form of articles(title, text) (the view
                articles_search: archive/index/normalise.py), kept in sync by triggers

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

from archive.index.health import ensure_health_schema
from archive.index.normalise import SEARCH_FORM, normalise_text
from archive.stories.store import ensure_story_schema

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
    published_from: str = ""  # "page", "sitemap" or "" (ARTICLE_COLUMNS)
    # archive/relevance.py: the score, the lexicon groups mentioned (a JSON list) and
    # the topic's name when the score reaches its threshold ("" otherwise).
    relevance: float = 0.0
    topic_terms: str = "[]"
    topic: str = ""


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
    "relevance": float, "topic_terms": str, "topic": str,
    # Where `published` came from: "page" (the extraction found it on the page),
    # "sitemap" (the page shows none; the news sitemap's, from `listings`) or "" (none).
    "published_from": str,
}
# A news sitemap's entry, from the first sitemap capture that listed the URL
# (archive/index/listings.py); `published` is the day `publication_date` names, or "".
LISTING_COLUMNS = {
    "url": str, "source": str, "sitemap_url": str, "sitemap_record_id": str,
    "listed_at": str, "publication_date": str, "published": str, "title": str,
    "keywords": str, "language": str,
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
# Quantity claims of each article (archive/claims/): derived from its text, replaced with
# it, keyed by the article's URL and the claim's place in it.
CLAIM_COLUMNS = {
    "url": str, "n": int, "source": str, "published": str, "language": str, "sentence": str,
    "number_text": str, "value": int, "value_max": int, "qualifier": str, "counted": str,
    "speaker": str, "extractor": str, "extractor_version": str, "config_hash": str,
}
CAPTURE_FIELDS = tuple(Capture.__dataclass_fields__)
# The SQL function giving a text's search form (archive/index/normalise.py): the
# full-text index reads titles and texts through it, by the view articles_search (no
# second copy of every text is stored; FTS5 reads the view for highlight() and for a
# rebuild). Every connection that writes articles, or highlights, registers it
# (register_search_form): without it SQLite refuses the write ("no such function"),
# rather than leave the full-text index out of step.
SEARCH_FORM_FUNCTION = "pressarchive_search_form"
# In every object of the full-text index: an index whose objects lack it was made with
# another search form (or none), and is rebuilt (enable_search).
SEARCH_MARK = f"/* {SEARCH_FORM}, index 1 */"
_FORM = SEARCH_FORM_FUNCTION
# The full-text index is keyed by seq, not by the id: FTS5 walks its rowids in order,
# and search ranks the newest matches by walking it backwards (archive/index/search.py).
# porter: English stemming; remove_diacritics 2: French (and any Latin) accents folded.
# An update that changes neither title nor text (a recrawl of the same article, a
# removal mark) leaves the full-text index alone.
_SEARCH_OBJECTS = {
    "articles_search": f"""
create view articles_search as select seq, {_FORM}(title) as title, {_FORM}(text) as text
  {SEARCH_MARK} from articles""",
    "articles_fts": f"""
create virtual table articles_fts using fts5 (
    title, text, tokenize='porter unicode61 remove_diacritics 2',
    content=[articles_search], content_rowid=seq {SEARCH_MARK}
)""",
    "articles_ai": f"""
create trigger articles_ai after insert on articles begin {SEARCH_MARK}
  insert into articles_fts (rowid, title, text)
    values (new.seq, {_FORM}(new.title), {_FORM}(new.text));
end""",
    "articles_ad": f"""
create trigger articles_ad after delete on articles begin {SEARCH_MARK}
  insert into articles_fts (articles_fts, rowid, title, text)
    values ('delete', old.seq, {_FORM}(old.title), {_FORM}(old.text));
end""",
    "articles_au": f"""
create trigger articles_au after update of seq, title, text on articles
when old.seq is not new.seq or old.title is not new.title or old.text is not new.text
begin {SEARCH_MARK}
  insert into articles_fts (articles_fts, rowid, title, text)
    values ('delete', old.seq, {_FORM}(old.title), {_FORM}(old.text));
  insert into articles_fts (rowid, title, text)
    values (new.seq, {_FORM}(new.title), {_FORM}(new.text));
end""",
}


def register_search_form(conn: sqlite3.Connection) -> None:
    """`pressarchive_search_form(text)` on conn (see SEARCH_FORM_FUNCTION)."""
    conn.create_function(SEARCH_FORM_FUNCTION, 1, normalise_text, deterministic=True)


def search_is_current(conn: sqlite3.Connection) -> bool:
    """True if the index's full-text index reads the search form of this version."""
    found = dict(conn.execute(
        f"select name, sql from sqlite_master where name in "
        f"({', '.join('?' for _ in _SEARCH_OBJECTS)})", list(_SEARCH_OBJECTS)).fetchall())
    return set(found) == set(_SEARCH_OBJECTS) and all(
        SEARCH_MARK in (sql or "") for sql in found.values())


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
    register_search_form(conn)
    db = sqlite_utils.Database(conn)
    # WAL: Datasette can read while the crawl writes.
    db.enable_wal()
    db.execute("PRAGMA busy_timeout = 30000")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def enable_search(db: sqlite_utils.Database) -> None:
    """FTS5 over the search form of articles(title, text), filled from the table, then
    kept in step with every insert, update and delete by triggers (sqlite-utils'
    default is no triggers, which lets search go stale). A full-text index made with
    another search form (an earlier version, or Python with another Unicode database)
    is rebuilt, once, with a notice: its triggers could not delete what it holds."""
    if search_is_current(db.conn):
        return
    if "articles_fts" in db.table_names():
        logger.warning("%s: rebuilding the full-text index once, for the search form of "
                       "this version (%s)",
                       db.conn.execute("pragma database_list").fetchone()[2], SEARCH_FORM)
    # One transaction: a reader (Datasette) searches the old full-text index until the
    # new one is complete, and a killed rebuild leaves the old one.
    with db.conn:
        db.conn.execute("begin")
        for sql in _DROP_SEARCH:
            db.conn.execute(sql)
        for sql in _SEARCH_OBJECTS.values():
            db.conn.execute(sql)
        db.conn.execute("insert into articles_fts (articles_fts) values ('rebuild')")


_DROP_SEARCH = ("drop trigger if exists articles_ai", "drop trigger if exists articles_ad",
                "drop trigger if exists articles_au", "drop table if exists articles_fts",
                "drop view if exists articles_search")


def _drop_search(db: sqlite_utils.Database) -> None:
    db.conn.executescript("; ".join(_DROP_SEARCH) + ";")


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
    elif "articles_fts" in db.table_names() and not search_is_current(db.conn):
        # Its triggers would delete other forms than it holds; enable_search() at the
        # end of the bulk build makes it anew.
        _drop_search(db)
    if "non_articles" not in db.table_names():
        db["non_articles"].create(NON_ARTICLE_COLUMNS, pk="url")
    if "origins" not in db.table_names():
        db["origins"].create(ORIGIN_COLUMNS, pk="record_id")
        db["origins"].create_index(["original_url", "cdx_digest"])
    if "listings" not in db.table_names():
        db["listings"].create(LISTING_COLUMNS, pk=("url", "source"))
    if "article_versions" not in db.table_names():
        db["article_versions"].create(VERSION_COLUMNS, pk="id", not_null={"url"})
        db["article_versions"].create_index(["url", "version"], unique=True)
    if "claims" not in db.table_names():
        # An index made before claims gains the table empty; reextract fills it.
        db["claims"].create(CLAIM_COLUMNS, pk=("url", "n"), not_null={"url", "n"})
        db["claims"].create_index(["counted", "published"])
        db["claims"].create_index(["published"])
    # Stories (archive/stories/store.py): an index made before them gains them empty;
    # reextract fills them.
    ensure_story_schema(db.conn)
    # Extraction health (archive/index/health.py): its tables, empty until written.
    ensure_health_schema(db.conn)
    # Indexes made by an earlier version gain the columns added since.
    for table, columns in (("captures", CAPTURE_COLUMNS), ("articles", ARTICLE_COLUMNS),
                           ("non_articles", NON_ARTICLE_COLUMNS), ("origins", ORIGIN_COLUMNS),
                           ("article_versions", VERSION_COLUMNS),
                           ("listings", LISTING_COLUMNS)):
        existing = db[table].columns_dict
        for name, kind in columns.items():
            if name not in existing:
                # An article indexed before relevance existed has none until reextract
                # (its config_hash says it was made by an earlier pipeline).
                default = "[]" if name == "topic_terms" else "" if kind is str else 0
                db[table].add_column(name, kind, not_null_default=default)
                if (table, name) == ("articles", "published_from"):
                    # Until then every date was the page's.
                    db.execute("update articles set published_from = 'page' "
                               "where published != ''")
    # search --topic and Datasette's topic facet (an index made before it gains it).
    db["articles"].create_index(["topic"], if_not_exists=True)
