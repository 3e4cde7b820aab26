"""Full-text search over the articles of an index.

Ranking is bounded so that every query costs about the same at any archive size:
bm25 (title matches weigh ten times body matches) ranks at most the RANK_WINDOW
newest matching articles (newest = last captured: rowids follow capture order).
A query with fewer matches than that is ranked exactly over all of them; a
common word is ranked over its newest matches, and the hits say so
(`approximate`). With --source/--since the window holds the RANK_WINDOW newest
matches that pass the filters, looked for among the FILTER_SCAN newest matches.
bm25 over all matches (the naive ordering) grows linearly with the number of
matches: over a second for a common word at 1M articles.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from archive.errors import PressArchiveError

MAX_QUERY_CHARS = 1000
# Title matches count ten times body matches in the ranking.
TITLE_WEIGHT, TEXT_WEIGHT = 10.0, 1.0
# bm25 ranks at most this many matches, the newest ones.
RANK_WINDOW = 2000
# A filtered search looks for its RANK_WINDOW candidates among this many newest matches.
FILTER_SCAN = 20_000
MMAP_BYTES = 2**31 - 2**16
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchHit:
    url: str
    title: str
    source: str
    published: str
    snippet: str
    rank: float
    # True when the query had more matches than were ranked (only the newest were).
    approximate: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def to_fts_query(query: str) -> str:
    """Turn what a user typed into a safe FTS5 query.

    Words are matched as they are (all of them must occur, in any order); a
    "quoted phrase" stays a phrase. FTS5 operators and punctuation are not
    interpreted, so no input can make the query invalid.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise PressArchiveError(f"query is longer than {MAX_QUERY_CHARS} characters")
    parts: list[str] = []
    for i, chunk in enumerate(query.split('"')):
        words = _TOKEN.findall(chunk)
        if not words:
            continue
        if i % 2 == 1:
            parts.append('"' + " ".join(words) + '"')
        else:
            parts.extend(f'"{w}"' for w in words)
    if not parts:
        raise PressArchiveError("the query has no words to search for")
    return " ".join(parts)


def search(
    db_path: Path,
    query: str,
    *,
    source: str | None = None,
    since: str | None = None,
    limit: int = 20,
    window: int = RANK_WINDOW,
    filter_scan: int = FILTER_SCAN,
) -> list[SearchHit]:
    """The best `limit` matches by bm25 among the `window` newest matching articles
    (those passing the filters); each hit says whether the ranking was approximate."""
    if not Path(db_path).exists():
        raise PressArchiveError(f"no index at {db_path}: run `pressarchive crawl` first")
    fts_query = to_fts_query(query)
    if limit <= 0:
        return []
    window = max(window, limit)
    filters: list[str] = []
    params: dict[str, object] = {"q": fts_query, "k": window + 1}
    if source:
        filters.append("a.source = :source")
        params["source"] = source
    if since:
        filters.append("a.published >= :since")
        params["since"] = since
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    # Memory-mapped reads: the filtered scan looks up many rows (up to SQLite's 2 GB cap).
    conn.execute(f"pragma mmap_size = {MMAP_BYTES}")
    try:
        return _search(conn, filters, params, limit, window, max(filter_scan, window))
    except sqlite3.OperationalError as exc:
        raise PressArchiveError(f"search failed: {exc}") from exc
    finally:
        conn.close()


def _search(conn: sqlite3.Connection, filters: list[str], params: dict[str, object],
            limit: int, window: int, filter_scan: int) -> list[SearchHit]:
    # 1. Candidates: the newest matches in rowid order (FTS5 walks its doclists
    #    backwards and stops at the LIMIT), bm25 computed for those rows only.
    floor = None
    if filters:
        # A filter may pass few rows: look no further back than the filter_scan
        # newest matches (walking rowids in the doclist is cheap; row lookups are not).
        row = conn.execute(
            "select rowid from articles_fts where articles_fts match :q "
            "order by rowid desc limit 1 offset :offset",
            {"q": params["q"], "offset": filter_scan},
        ).fetchone()
        if row is not None:
            floor = row[0]
            filters.append("f.rowid > :floor")
            params["floor"] = floor
    # cross join: the FTS walk stays the outer loop (never an index scan of articles).
    join = " cross join articles a on a.id = f.rowid" if filters else ""
    candidates = conn.execute(
        f"""select f.rowid, bm25(articles_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT})
            from articles_fts f{join}
            where articles_fts match :q {''.join(' and ' + w for w in filters)}
            order by f.rowid desc limit :k""",
        params,
    ).fetchall()
    # Approximate: some matches were never ranked (too many, or past the scan).
    approximate = len(candidates) > window or floor is not None
    # 2. The best of them (ties: newest first).
    best = sorted(candidates[:window], key=lambda c: (c[1], -c[0]))[:limit]
    # 3. Columns and snippets for those rows only.
    hits = []
    for rowid, rank in best:
        url, title, source, published, snippet = conn.execute(
            """select a.url, a.title, a.source, a.published,
                      snippet(articles_fts, 1, '[', ']', ' … ', 24)
               from articles_fts f join articles a on a.id = f.rowid
               where articles_fts match :q and f.rowid = :id""",
            {"q": params["q"], "id": rowid},
        ).fetchone()
        hits.append(SearchHit(url, title, source, published, snippet, rank, approximate))
    return hits
