"""Full-text search over the articles of an index."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from archive.errors import PressArchiveError

MAX_QUERY_CHARS = 1000
# Title matches count ten times body matches in the ranking.
TITLE_WEIGHT, TEXT_WEIGHT = 10.0, 1.0
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchHit:
    url: str
    title: str
    source: str
    published: str
    snippet: str
    rank: float

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
) -> list[SearchHit]:
    if not Path(db_path).exists():
        raise PressArchiveError(f"no index at {db_path}: run `pressarchive crawl` first")
    fts_query = to_fts_query(query)
    where = ["articles_fts match :q"]
    params: dict[str, object] = {"q": fts_query, "limit": limit}
    if source:
        where.append("a.source = :source")
        params["source"] = source
    if since:
        where.append("a.published >= :since")
        params["since"] = since
    sql = f"""
        select a.url, a.title, a.source, a.published,
               snippet(articles_fts, 1, '[', ']', ' … ', 24) as snippet,
               bm25(articles_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}) as rank
        from articles_fts
        join articles a on a.rowid = articles_fts.rowid
        where {' and '.join(where)}
        order by rank
        limit :limit
    """
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        raise PressArchiveError(f"search failed: {exc}") from exc
    finally:
        conn.close()
    return [SearchHit(*row) for row in rows]
