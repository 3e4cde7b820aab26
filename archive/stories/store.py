"""The stories' tables in the index, and the SQL that reads and writes them.

  story_signatures  each article's MinHash signature and the day its date window is
                    centred on (articles too short to group have none)
  story_bands       its LSH band keys (signature.py), one row per band: the LSH state
  stories           one row per article that has copies: its story (a stable id derived
                    from the origin's URL), date, similarity to the origin, is_origin

All three derive from the articles' texts and dates, so reextract rebuilds them."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

SIGNATURE_COLUMNS = {"url": str, "source": str, "day": int, "shingles": int,
                     "signature": bytes}
STORY_COLUMNS = {"url": str, "story": int, "source": str, "published": str,
                 "similarity": float, "is_origin": int}

_SCHEMA = (
    "create table if not exists story_signatures (url text primary key, source text "
    "not null, day integer not null, shingles integer not null, signature blob not null)",
    "create table if not exists story_bands (key integer not null, url text not null, "
    "primary key (key, url)) without rowid",
    "create table if not exists stories (url text primary key, story integer not null, "
    "source text not null, published text not null, similarity real not null, "
    "is_origin integer not null)",
    "create index if not exists idx_stories_story on stories (story)",
)


def ensure_story_schema(conn: sqlite3.Connection) -> None:
    """The tables, empty until articles are indexed (an older index: until reextract)."""
    for sql in _SCHEMA:
        conn.execute(sql)


@dataclass(frozen=True)
class Member:
    """An article as clustering sees it."""

    url: str
    source: str
    published: str
    fetched_at: str
    text: str

    @property
    def date(self) -> str:
        """The day the story's window and its origin go by: the published date, or the
        capture's day for an article that shows none."""
        return (self.published or self.fetched_at)[:10]

    @property
    def order(self) -> tuple[str, str, str]:
        """Earliest first: published date, then capture time, then URL (a total order,
        so the origin does not depend on which copy was indexed first)."""
        return (self.date, self.fetched_at, self.url)


def day_number(date: str) -> int:
    """Days since 0001-01-01 of a YYYY-MM-DD date; 0 for none (windows then never
    meet a dated article's)."""
    try:
        return dt.date.fromisoformat(date[:10]).toordinal()
    except ValueError:
        return 0


def member(conn: sqlite3.Connection, url: str) -> Member | None:
    row = conn.execute("select url, source, published, fetched_at, text from articles "
                       "where url = ?", [url]).fetchone()
    return Member(*row) if row else None


def story_members(conn: sqlite3.Connection, url: str) -> set[str]:
    """The URLs of the article's story (itself included), as the table holds it."""
    return {r[0] for r in conn.execute(
        "select url from stories where story = (select story from stories where url = ?)",
        [url])}


def put_signature(conn: sqlite3.Connection, url: str, source: str, day: int, shingles: int,
                  sig: bytes, keys: Iterable[int]) -> None:
    drop_signature(conn, url)
    conn.execute("insert into story_signatures values (?, ?, ?, ?, ?)",
                 [url, source, day, shingles, sig])
    conn.executemany("insert or ignore into story_bands (key, url) values (?, ?)",
                     [(key, url) for key in keys])


def drop_signature(conn: sqlite3.Connection, url: str) -> None:
    from archive.stories.signature import band_keys

    row = conn.execute("select signature from story_signatures where url = ?",
                       [url]).fetchone()
    if row is None:
        return
    conn.executemany("delete from story_bands where key = ? and url = ?",
                     [(key, url) for key in band_keys(row[0])])
    conn.execute("delete from story_signatures where url = ?", [url])


def candidates(conn: sqlite3.Connection, url: str, window: int) -> list[str]:
    """The articles sharing an LSH band with this one, dated within `window` days of it."""
    return [r[0] for r in conn.execute(
        "select distinct o.url from story_signatures s "
        "join story_bands b on b.url = s.url "
        "join story_bands ob on ob.key = b.key and ob.url != s.url "
        "join story_signatures o on o.url = ob.url "
        "where s.url = ? and o.day between s.day - ? and s.day + ? order by o.url",
        [url, window, window])]


def replace_stories(conn: sqlite3.Connection, urls: Iterable[str],
                    rows: Iterable[tuple]) -> None:
    """The story rows of `urls` replaced by `rows` (STORY_COLUMNS, in order)."""
    conn.executemany("delete from stories where url = ?", [(u,) for u in urls])
    conn.executemany(f"insert into stories ({', '.join(STORY_COLUMNS)}) "
                     f"values ({', '.join('?' for _ in STORY_COLUMNS)})", list(rows))
