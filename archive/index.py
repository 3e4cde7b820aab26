"""The SQLite index of an archive (DIR/index.db), derived from its WARC files.

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
import operator
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlite_utils

from archive.errors import PressArchiveError
from archive.transactions import BatchedWrites

logger = logging.getLogger(__name__)

INDEX_FILENAME = "index.db"
# Ids are 53-bit: exact in JavaScript and every JSON reader (Datasette's JSON API),
# and two of a million URLs share a hash about once in 20,000 archives (probed).
ID_BITS = 53
MAX_ID_PROBES = 64


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


CAPTURE_COLUMNS = {
    "id": int, "url": str, "source": str, "status": int, "content_type": str,
    "fetched_at": str, "warc_file": str, "warc_offset": int, "warc_length": int,
    "record_id": str, "payload_digest": str, "ip_address": str, "location": str, "truncated": str,
    "rec_type": str, "refers_to": str, "etag": str, "last_modified": str,
}
ARTICLE_COLUMNS = {
    "id": int, "seq": int, "url": str, "source": str, "title": str, "author": str, "published": str,
    "language": str, "canonical_url": str, "text": str, "word_count": int,
    "capture_record_id": str, "warc_file": str, "warc_offset": int, "payload_digest": str,
    "fetched_at": str, "extractor": str, "extractor_version": str, "config_hash": str,
    "versions": int, "removed_at": str, "removed_reason": str,
}
VERSION_COLUMNS = {
    "id": int, "url": str, "source": str, "version": int, "capture_record_id": str,
    "fetched_at": str, "title": str, "published": str, "text": str, "word_count": int,
}
CAPTURE_FIELDS = tuple(Capture.__dataclass_fields__)
_INSERT_CAPTURE = (
    f"insert or ignore into captures ({', '.join(CAPTURE_FIELDS)}) "
    f"values ({', '.join('?' for _ in CAPTURE_FIELDS)})"
)
_ARTICLE_FIELDS = tuple(c for c in ARTICLE_COLUMNS if c not in ("id", "seq"))
# A new article takes the next seq (capture order, for search); an indexed one keeps
# its id and seq whatever changes.
_UPSERT_ARTICLE = (
    f"insert into articles (id, seq, {', '.join(_ARTICLE_FIELDS)}) "
    f"values (?, (select coalesce(max(seq), 0) + 1 from articles), "
    f"{', '.join('?' for _ in _ARTICLE_FIELDS)}) on conflict (url) do update set "
    + ", ".join(f"{c} = excluded.{c}" for c in _ARTICLE_FIELDS if c != "url")
)
_INSERT_VERSION = (
    "insert into article_versions (id, url, source, version, capture_record_id, fetched_at, "
    "title, published, text, word_count) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# The full-text index is keyed by seq, not by the id: FTS5 walks its rowids in order,
# and search ranks the newest matches by walking it backwards (archive/search.py).
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
    if "article_versions" not in db.table_names():
        db["article_versions"].create(VERSION_COLUMNS, pk="id", not_null={"url"})
        db["article_versions"].create_index(["url", "version"], unique=True)
    # Indexes made by an earlier version gain the columns added since.
    for table, columns in (("captures", CAPTURE_COLUMNS), ("articles", ARTICLE_COLUMNS),
                           ("non_articles", NON_ARTICLE_COLUMNS),
                           ("article_versions", VERSION_COLUMNS)):
        existing = db[table].columns_dict
        for name, kind in columns.items():
            if name not in existing:
                db[table].add_column(name, kind, not_null_default="" if kind is str else 0)


_capture_values = operator.attrgetter(*Capture.__dataclass_fields__)


class ArchiveIndex(BatchedWrites):
    """Writes captures and articles; one writer per process, safe across threads."""

    def __init__(self, path: Path, *, search: bool = True):
        self.path = Path(path)
        self.db = open_database(self.path)
        ensure_schema(self.db, search=search)
        self._lock = threading.RLock()

    def _connection(self) -> sqlite3.Connection:
        return self.db.conn

    def add_captures(self, captures: Iterable[Capture]) -> None:
        # Prepared SQL: this runs once per archived response during a crawl.
        # attrgetter, not dataclasses.astuple, which deep-copies every value.
        rows = [_capture_values(c) for c in captures]
        if not rows:
            return
        with self._write():
            self.db.conn.executemany(_INSERT_CAPTURE, rows)

    def find_original(self, url: str, payload_digest: str) -> Capture | None:
        """The capture holding this payload if the URL's latest complete capture
        has it: a revisit means "unchanged since the last capture", so content
        that reverts to an older version is stored again, and the article row
        (which follows the latest content) stays right."""
        found = self._latest_with_payload(url, "")
        if found is None or found[0].payload_digest != payload_digest:
            return None
        return found[1]

    def _latest_with_payload(self, url: str, condition: str) -> tuple[Capture, Capture] | None:
        """The URL's latest complete capture (matching `condition`) and the capture
        that stores its payload: itself, or the original a revisit refers to."""
        columns = ", ".join(CAPTURE_FIELDS)
        with self._lock:
            row = self.db.execute(
                f"select {columns} from captures where url = ? and truncated = '' "
                f"{condition} order by id desc limit 1",
                [url],
            ).fetchone()
            if row is None:
                return None
            latest = Capture(*row)
            if latest.rec_type != "revisit":
                return latest, latest
            original = self.db.execute(
                f"select {columns} from captures where record_id = ?", [latest.refers_to]
            ).fetchone()
        return (latest, Capture(*original)) if original else None

    def latest_payload_capture(self, url: str) -> tuple[Capture, Capture] | None:
        """The latest complete 200 capture of a URL and the capture holding its
        payload (the same one, or the original a revisit refers to)."""
        return self._latest_with_payload(url, "and status = 200")

    def add_article(self, row: ArticleRow) -> str:
        """Index the latest extraction of an article; returns "new", "updated" (its
        title, date or text changed: a new version is kept) or "same"."""
        with self._write():
            self.db["non_articles"].delete_where("url = ?", [row.url])
            latest = self.db.execute(
                "select version, title, published, text from article_versions "
                "where url = ? order by version desc limit 1", [row.url]
            ).fetchone()
            changed = latest is None or tuple(latest[1:]) != (row.title, row.published, row.text)
            version = (latest[0] if latest else 0) + (1 if changed else 0)
            # Plain prepared SQL: sqlite-utils' insert/update read the table's
            # schema on every call, which halves the rate of a bulk rebuild.
            if changed:
                version_id = self._free_id("article_versions", "url || char(10) || version",
                                           version_id_key(row.url, version))
                self.db.execute(_INSERT_VERSION, [
                    version_id, row.url, row.source, version, row.capture_record_id,
                    row.fetched_at, row.title, row.published, row.text, row.word_count,
                ])
            # A page that answers again is no longer removed.
            values = {**asdict(row), "versions": version, "removed_at": "",
                      "removed_reason": ""}
            article_id = self._free_id("articles", "url", article_id_key(row.url))
            self.db.execute(_UPSERT_ARTICLE,
                            [article_id, *(values[c] for c in _ARTICLE_FIELDS)])
        if latest is None:
            return "new"
        return "updated" if changed else "same"

    def _free_id(self, table: str, key_sql: str, key: str) -> int:
        """The id of the row with this key: its hash, or, if a row with another key
        holds that (or it is 0), the next probe that is free or already this key's.
        Without a collision (all but certainly) it depends on the key alone; with
        one, on which of the two keys was indexed first."""
        for probe in range(MAX_ID_PROBES):
            candidate = stable_id(key, probe)
            if candidate == 0:
                continue
            holder = self.db.execute(
                f"select {key_sql} from {table} where id = ?", [candidate]).fetchone()
            if holder is None or holder[0] == key:
                return candidate
        raise PressArchiveError(f"no free id for {key!r} in {table} after "
                                f"{MAX_ID_PROBES} probes")

    def mark_removed(self, url: str, when: str, reason: str) -> bool:
        """Mark an indexed article as gone from the site (its captures stay); the
        date is when it was first seen gone."""
        with self._write():
            return self.db.execute(
                "update articles set removed_at = ?, removed_reason = ? "
                "where url = ? and removed_at = ''", [when, reason, url]
            ).rowcount > 0

    def add_non_article(
        self, *, url: str, source: str, status: str, error: str, title: str,
        capture_record_id: str, fetched_at: str,
    ) -> None:
        with self._write():
            self.db["non_articles"].upsert(
                {
                    "url": url, "source": source, "status": status, "error": error,
                    "title": title, "capture_record_id": capture_record_id,
                    "fetched_at": fetched_at,
                },
                pk="url",
            )

    def counts(self) -> dict[str, int]:
        return {
            table: self.db[table].count
            for table in ("captures", "articles", "non_articles")
        }

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()
