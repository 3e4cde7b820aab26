"""Writes to an archive's index: capture rows, articles and their versions, pages that
were not articles, removals. The crawl's archive writer and reextract's build each
hold one IndexWriter; the schema it writes is archive/index/schema.py.
"""

from __future__ import annotations

import operator
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, replace
from pathlib import Path

from archive.errors import PressArchiveError
from archive.index.health import add_extraction_result
from archive.index.listings import PUBLISHED_FROM_SITEMAP, add_listings, listed_date
from archive.index.queries import holds_original
from archive.index.schema import (
    ARTICLE_COLUMNS,
    CAPTURE_FIELDS,
    CLAIM_COLUMNS,
    ORIGIN_COLUMNS,
    ArticleRow,
    Capture,
    article_id_key,
    ensure_schema,
    open_database,
    stable_id,
    version_id_key,
)
from archive.news_sitemap import NewsEntry
from archive.transactions import BatchedWrites
from archive.warc.origin import Origin

# How many candidate ids _free_id() tries for one key before it gives up.
MAX_ID_PROBES = 64
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

_ORIGIN_FIELDS = tuple(c for c in ORIGIN_COLUMNS if c != "record_id")
_INSERT_ORIGIN = (
    f"insert or replace into origins (record_id, {', '.join(_ORIGIN_FIELDS)}) "
    f"values (?, {', '.join('?' for _ in _ORIGIN_FIELDS)})"
)

_INSERT_CLAIM = (f"insert into claims ({', '.join(CLAIM_COLUMNS)}) "
                 f"values ({', '.join('?' for _ in CLAIM_COLUMNS)})")

_capture_values = operator.attrgetter(*Capture.__dataclass_fields__)


class IndexWriter(BatchedWrites):
    """Writes captures and articles; one writer per process, safe across threads."""

    def __init__(self, path: Path, *, search: bool = True):
        self.path = Path(path)
        self.db = open_database(self.path)
        ensure_schema(self.db, search=search)
        self._lock = threading.RLock()
        # What its callers indexed short of whole (archive/articles.py CLAIMS_ERRORS: an
        # article without its claims), counted for the run's report.
        self.tally: Counter[str] = Counter()

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

    def add_origins(self, origins: Iterable[tuple[str, Origin]]) -> None:
        """Where back-filled captures came from, by their record ids."""
        rows = [(record_id, *(getattr(origin, f) for f in _ORIGIN_FIELDS))
                for record_id, origin in origins]
        if rows:
            with self._write():
                self.db.conn.executemany(_INSERT_ORIGIN, rows)

    def add_listings(self, capture: Capture, entries: Iterable[NewsEntry]) -> tuple[int, int]:
        """A news sitemap capture's entries (archive/index/listings.py): (rows added,
        dates filled in articles indexed before it)."""
        from archive.stories.cluster import refresh_story

        # An article given its date only now may join or leave a story: recomputed in
        # this transaction (the module function: a nested _write() would commit it early).
        with self._write():
            return add_listings(self.db.conn, capture, entries,
                                on_filled=lambda url: refresh_story(self.db.conn, url))

    def holds_original(self, url: str, cdx_digest: str) -> bool:
        """True if the archive has this payload of ``url`` already: back-filled with that
        digest, or captured (live or copied) with it as its payload digest."""
        with self._lock:
            return holds_original(self.db.conn, url, cdx_digest)

    def latest_payload(self, url: str) -> tuple[Capture, Capture] | None:
        """The URL's latest complete capture and the capture holding its payload. A new
        answer with that payload is stored as a revisit of it: a revisit means "unchanged
        since the last capture", so content that reverts to an older version is stored
        again, and the article row (which follows the latest content) stays right."""
        return self._latest_with_payload(url, "")

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

    def has_capture(self, record_id: str) -> bool:
        with self._lock:
            return self.db.execute("select 1 from captures where record_id = ?",
                                   [record_id]).fetchone() is not None

    def unaccounted_captures(self) -> list[Capture]:
        """The latest capture of each URL, where it is a 2xx response that no article or
        non-article row as recent accounts for: what a run killed (or stopped by a full
        disk) between archiving a page and indexing it left behind."""
        columns = ", ".join(f"c.{name}" for name in CAPTURE_FIELDS)
        with self._lock:
            rows = self.db.execute(
                f"select {columns} from captures c where c.rec_type = 'response' "
                "and c.status between 200 and 299 "
                "and c.id = (select max(id) from captures l where l.url = c.url) "
                "and not exists (select 1 from articles a where a.url = c.url "
                "                and a.fetched_at >= c.fetched_at) "
                "and not exists (select 1 from non_articles n where n.url = c.url "
                "                and n.fetched_at >= c.fetched_at)"
            ).fetchall()
        return [Capture(*row) for row in rows]

    def latest_payload_capture(self, url: str) -> tuple[Capture, Capture] | None:
        """The latest complete 200 capture of a URL and the capture holding its
        payload (the same one, or the original a revisit refers to)."""
        return self._latest_with_payload(url, "and status = 200")

    def dated(self, row: ArticleRow) -> ArticleRow:
        """The row, with the date its news sitemap gave if the page shows none."""
        if row.published:
            return row
        listed = listed_date(self.db.conn, row.url, row.source)
        return replace(row, published=listed, published_from=PUBLISHED_FROM_SITEMAP) \
            if listed else row

    def add_article(self, row: ArticleRow) -> str:
        """Index the latest extraction of an article; returns "new", "updated" (its
        title, date or text changed: a new version is kept) or "same".

        The row is indexed as given: record_extraction (archive/articles.py) dates it
        with dated() first, as its claims need that date too."""
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

    def replace_claims(self, url: str, rows: Iterable[tuple]) -> None:
        """The claims of an article, in place of those of its earlier version; each row
        holds the values of CLAIM_COLUMNS after url and n, in order."""
        with self._write():
            self.db.execute("delete from claims where url = ?", [url])
            self.db.conn.executemany(_INSERT_CLAIM, [(url, n, *row) for n, row in
                                                     enumerate(rows, 1)])

    def refresh_story(self, url: str) -> None:
        """The stories touching an article whose text or date changed, recomputed
        (archive/stories/): in the caller's transaction, with its article row."""
        from archive.stories.cluster import refresh_story

        with self._write():
            refresh_story(self.db.conn, url)

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

    def add_extraction_result(self, values: dict[str, object]) -> None:
        """One extracted capture's figures, for extraction health."""
        with self._write():
            add_extraction_result(self.db.conn, values)

    def counts(self) -> dict[str, int]:
        return {
            table: self.db[table].count
            for table in ("captures", "articles", "non_articles")
        }

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()
