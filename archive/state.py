"""Crawl state that outlives runs: DIR/state/state.db.

`urls`: every URL fetched, when, what it answered, its validators and payload
digest, and when an article page is next due for a recheck. `crawls`: one row
per run. The index (DIR/index.db) is derived from the WARC files and can be
rebuilt; this is not, so it lives apart and a rebuild never touches it.

Recheck policy: listings, feeds and sitemaps are fetched on every run (they
say what is new). An article page is rechecked at fixed ages after it was
first seen (by default 1 hour, 1 day and 7 days, then never), because news
sites edit a story in its first hours and days and rarely after a week; each
recheck is conditional, so an unchanged page costs a 304.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import threading
from dataclasses import astuple, dataclass
from pathlib import Path

from archive.errors import ConfigError
from archive.transactions import BatchedWrites

# Runs whose every archived record was committed to the index with its state
# ("interrupted" is a graceful shutdown, which commits as it stops).
CLEAN_STATUSES = ("finished", "finished_with_errors", "interrupted")
DEFAULT_RECHECK_AFTER = ("1h", "1d", "7d")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

SCHEMA = """
create table if not exists urls (
    url text primary key,
    source text not null,
    kind text not null,
    first_seen text not null,
    last_fetched text not null,
    last_status integer not null,
    etag text not null default '',
    last_modified text not null default '',
    payload_digest text not null default '',
    fetches integer not null default 0,
    next_due text not null default ''
);
create index if not exists urls_source on urls (source);
create table if not exists crawls (
    id integer primary key,
    started text not null,
    finished text not null default '',
    status text not null,
    exit_code integer,
    sources text not null,
    pid integer not null,
    counts text not null default '{}'
);
"""


def parse_duration(text: str) -> dt.timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise ConfigError(f"bad duration {text!r}: use a number and s, m, h, d or w (e.g. 6h)")
    return dt.timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def next_due(first_seen: dt.datetime, fetched: dt.datetime,
             schedule: tuple[dt.timedelta, ...]) -> str:
    """The first recheck age after this fetch, or "" (never again)."""
    for age in sorted(schedule):
        if first_seen + age > fetched:
            return iso(first_seen + age)
    return ""


@dataclass(frozen=True)
class UrlState:
    url: str
    source: str
    kind: str
    first_seen: str
    last_fetched: str
    last_status: int
    etag: str
    last_modified: str
    payload_digest: str
    fetches: int
    next_due: str


NOT_MODIFIED = 304


def updated_state(previous: UrlState | None, *, url: str, source: str, kind: str,
                  status: int, etag: str, last_modified: str, payload_digest: str,
                  fetched: dt.datetime, schedule: tuple[dt.timedelta, ...]) -> UrlState:
    """A URL's state after a fetch: the source and kind it was first filed under, when it
    was first seen, its validators (a 304 keeps the full answer's), its next recheck."""
    first_seen = parse_iso(previous.first_seen) if previous else fetched
    kept = previous if previous is not None and status == NOT_MODIFIED else None
    return UrlState(
        url=url, source=previous.source if previous else source,
        kind=previous.kind if previous else kind, first_seen=iso(first_seen),
        last_fetched=iso(fetched), last_status=status,
        etag=kept.etag if kept else etag,
        last_modified=kept.last_modified if kept else last_modified,
        payload_digest=payload_digest, fetches=(previous.fetches if previous else 0) + 1,
        next_due=next_due(first_seen, fetched, schedule) if kind == "article" else "",
    )


class CrawlState(BatchedWrites):
    """The crawl state's one writer; ArchiveLayout.open_state() opens it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self.conn.execute("pragma journal_mode = wal")
        self.conn.execute("pragma synchronous = normal")
        self.conn.executescript(SCHEMA)
        self._lock = threading.RLock()

    def _connection(self) -> sqlite3.Connection:
        return self.conn

    def get(self, url: str) -> UrlState | None:
        with self._lock:
            row = self.conn.execute(
                f"select {', '.join(UrlState.__dataclass_fields__)} from urls where url = ?",
                [url],
            ).fetchone()
        return UrlState(*row) if row else None

    @staticmethod
    def due(state: UrlState | None, now: dt.datetime) -> bool:
        """Unknown URLs are due; known article pages when their recheck time came."""
        if state is None or state.last_status == 429 or state.last_status >= 500:
            # Never answered properly: try again on every run.
            return True
        return bool(state.next_due) and parse_iso(state.next_due) <= now

    def record_fetch(self, *, url: str, source: str, kind: str, status: int, etag: str,
                     last_modified: str, payload_digest: str, fetched: dt.datetime,
                     schedule: tuple[dt.timedelta, ...], **_capture: object) -> None:
        """The URL's state after this fetch (updated_state()). `_capture`: the capture and
        the original it refers to, which only the shared crawl state keeps."""
        self.put(updated_state(self.get(url), url=url, source=source, kind=kind,
                               status=status, etag=etag, last_modified=last_modified,
                               payload_digest=payload_digest, fetched=fetched,
                               schedule=schedule))

    def put(self, state: UrlState) -> None:
        with self._write():
            self.conn.execute(
                f"insert or replace into urls ({', '.join(UrlState.__dataclass_fields__)}) "
                f"values ({', '.join('?' for _ in UrlState.__dataclass_fields__)})",
                astuple(state))

    def original(self, url: str, *, not_modified: bool) -> None:
        """Which capture holds the URL's payload: the index knows (CaptureStore); only
        the shared crawl state of many workers keeps it (archive/shared_state.py)."""
        return None

    def start_crawl(self, sources: list[str], pid: int, started: dt.datetime) -> int:
        with self._write():
            cursor = self.conn.execute(
                "insert into crawls (started, status, sources, pid) values (?, 'running', ?, ?)",
                [iso(started), json.dumps(sources), pid],
            )
        return int(cursor.lastrowid)

    def finish_crawl(self, crawl_id: int, *, status: str, exit_code: int,
                     counts: dict, finished: dt.datetime) -> None:
        with self._write():
            self.conn.execute(
                "update crawls set finished = ?, status = ?, exit_code = ?, counts = ? "
                "where id = ?",
                [iso(finished), status, exit_code, json.dumps(counts, sort_keys=True),
                 crawl_id],
            )

    def mark_unfinished_crawls(self) -> int:
        """Runs still 'running' belong to a killed process (the lock says no one runs)."""
        with self._write():
            return self.conn.execute(
                "update crawls set status = 'killed' where status = 'running'"
            ).rowcount

    def unclean_since(self) -> dt.datetime | None:
        """When the oldest run since the last clean one started, if any run since then
        ended without committing all it archived (killed, out of disk space, failed):
        WARC files written since may hold records the index lacks."""
        with self._lock:
            row = self.conn.execute(
                "select min(started) from crawls where status not in "
                f"({', '.join('?' for _ in CLEAN_STATUSES)}) and id > coalesce("
                "(select max(id) from crawls where status in "
                f"({', '.join('?' for _ in CLEAN_STATUSES)})), 0)",
                [*CLEAN_STATUSES, *CLEAN_STATUSES],
            ).fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    def recent_crawls(self, limit: int = 10) -> list[dict]:
        with self._lock:
            cursor = self.conn.execute(
                "select id, started, finished, status, exit_code, sources, counts "
                "from crawls order by id desc limit ?", [limit]
            )
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        with self._lock:
            self.conn.close()
