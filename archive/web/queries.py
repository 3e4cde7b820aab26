"""The reads of the research pages (archive/web/routes.py): the search page's hits and
facets, an article with its versions and claims, the captures of a URL.

Every read is bounded so that a page costs about the same at any archive size (the
search bench's 1M articles: docs/benchmarks.md). The search page works on a window of
candidates, as `pressarchive search` does (archive/index/search.py): the WINDOW newest
matches that pass the filters, looked for among the SCAN newest articles containing all
the words when a filter or a phrase is given (without a query: among the SCAN newest
articles). Ranking, "newest first", the facet counts and the paging are computed over
that window; when it is full the page says the counts are of the newest matches.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from archive.index.fts_query import compiled_query
from archive.index.search import FILTER_SCAN, RANK_WINDOW, TEXT_WEIGHT, TITLE_WEIGHT
from archive.index.snippets import CLOSE_MARK, OPEN_MARK, snippet

WINDOW = RANK_WINDOW
SCAN = FILTER_SCAN
PAGE_SIZE = 20
# The filters of the search page: request parameter -> SQL of the article `a`.
FILTERS = {
    "source": "a.source",
    "language": "a.language",
    "year": "substr(a.published, 1, 4)",
    "topic": "a.topic",
    # Whether the article has quantity claims (by the claims' primary key, url first).
    "claims": "(case when exists (select 1 from claims c where c.url = a.url) "
              "then 'yes' else 'no' end)",
}
SORTS = ("best", "newest")
_YEAR = re.compile(r"\d{4}")


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "best"
    page: int = 1
    synonyms: bool = True

    @classmethod
    def from_args(cls, args: Any) -> SearchRequest:
        """From the query string (a MultiParams or a dict); anything odd is ignored."""
        filters = {name: (args.get(name) or "").strip() for name in FILTERS}
        filters = {name: value for name, value in filters.items() if value}
        if "year" in filters and not _YEAR.fullmatch(filters["year"]):
            del filters["year"]
        q = (args.get("q") or "").strip()
        sort = args.get("sort") or ("best" if q else "newest")
        try:
            page = max(1, min(int(args.get("page") or 1), WINDOW // PAGE_SIZE))
        except ValueError:
            page = 1
        synonyms = (args.get("synonyms") or "").lower() not in {"off", "no", "0", "false"}
        return cls(q, filters, sort if sort in SORTS else "best", page, synonyms)


@dataclass
class SearchResult:
    hits: list[dict[str, Any]]
    total: int  # candidates in the window
    full: bool  # more matches than the window holds (counts are of the newest)
    facets: dict[str, list[tuple[str, int]]]
    invalid: bool = False  # a query with no words (or too long)


def _filter_sql(filters: dict[str, str]) -> tuple[str, dict[str, str]]:
    clauses, params = [], {}
    for name, value in filters.items():
        clauses.append(f"{FILTERS[name]} = :f_{name}")
        params[f"f_{name}"] = value
    return " and ".join(clauses), params


def _candidates(conn: sqlite3.Connection, req: SearchRequest) -> tuple[list[tuple], bool] | None:
    """(seq, rank) of the window's candidates, newest first, and whether matches were
    left out; None for a query that can match nothing."""
    where, params = _filter_sql(req.filters)
    lookup = f"and exists (select 1 from articles a where a.seq = f.rowid and {where})" if where \
        else ""
    if not req.q:
        floor = conn.execute("select seq from articles order by seq desc limit 1 offset ?",
                             [SCAN]).fetchone()
        also = f"and {where}" if where else ""
        rows = conn.execute(
            f"select a.seq, 0.0 from articles a where a.seq > :floor {also}"
            f" order by a.seq desc limit {WINDOW + 1}",
            {"floor": floor[0] if floor else 0, **params}).fetchall()
        return rows[:WINDOW], len(rows) > WINDOW or floor is not None
    compiled = compiled_query(req.q, req.synonyms)
    if compiled is None:
        return None
    floor = None
    if where or compiled.words_fts != compiled.fts:
        floor = conn.execute(
            "select rowid from articles_fts where articles_fts match ? "
            "order by rowid desc limit 1 offset ?", [compiled.words_fts, SCAN]).fetchone()
    rows = conn.execute(
        f"select f.rowid, bm25(articles_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}) from articles_fts f "
        f"where articles_fts match :fts and f.rowid > :floor {lookup} "
        f"order by f.rowid desc limit {WINDOW + 1}",
        {"fts": compiled.fts, "floor": floor[0] if floor else 0, **params}).fetchall()
    return rows[:WINDOW], len(rows) > WINDOW or floor is not None


def search_page(conn: sqlite3.Connection, req: SearchRequest) -> SearchResult:
    found = _candidates(conn, req)
    if found is None:
        return SearchResult([], 0, False, {}, invalid=True)
    candidates, full = found
    rank = dict(candidates)
    facts = {}
    for chunk in range(0, len(candidates), 500):
        ids = [seq for seq, _ in candidates[chunk:chunk + 500]]
        marks = ",".join("?" * len(ids))
        for row in conn.execute(
                f"select a.seq, {', '.join(FILTERS.values())}, a.published "
                f"from articles a where a.seq in ({marks})", ids):
            facts[row[0]] = row
    facets: dict[str, list[tuple[str, int]]] = {}
    for index, name in enumerate(FILTERS, start=1):
        counts: dict[str, int] = {}
        for row in facts.values():
            counts[row[index] or ""] = counts.get(row[index] or "", 0) + 1
        facets[name] = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if req.sort == "newest":
        order = sorted(facts, key=lambda seq: (facts[seq][-1] or "", seq), reverse=True)
    else:
        order = sorted(facts, key=lambda seq: (rank[seq], -seq))
    start = (req.page - 1) * PAGE_SIZE
    page = order[start:start + PAGE_SIZE]
    hits = [_hit(conn, seq, req) for seq in page]
    return SearchResult(hits, len(candidates), full, facets)


def _hit(conn: sqlite3.Connection, seq: int, req: SearchRequest) -> dict[str, Any]:
    conn.row_factory = sqlite3.Row
    try:
        row = dict(conn.execute(
            "select id, seq, url, title, source, published, language, fetched_at, "
            "capture_record_id, removed_at, topic, substr(text, 1, 400) as opening "
            "from articles where seq = ?", [seq]).fetchone())
    finally:
        conn.row_factory = None
    text = row.pop("opening")
    compiled = compiled_query(req.q, req.synonyms) if req.q else None
    if compiled:
        marked = conn.execute(
            "select a.text, highlight(articles_fts, 1, ?, ?) from articles_fts "
            "join articles a on a.seq = articles_fts.rowid "
            "where articles_fts match ? and articles_fts.rowid = ?",
            [OPEN_MARK, CLOSE_MARK, compiled.fts, seq]).fetchone()
        row["snippet"] = snippet(*marked) if marked else ""
    else:
        row["snippet"] = " ".join(text.split()[:40]) + "…"
    return row


def _rows(conn: sqlite3.Connection, sql: str, params: list | dict) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def article(conn: sqlite3.Connection, article_id: int) -> dict[str, Any] | None:
    """The article (by its stable id), with its capture, versions and claims."""
    rows = _rows(conn, "select * from articles where id = ?", [article_id])
    if not rows:
        return None
    found = rows[0]
    captures = _rows(conn, "select * from captures where record_id = ?",
                     [found["capture_record_id"]])
    found["capture"] = captures[0] if captures else None
    found["versions_list"] = _rows(
        conn, "select version, fetched_at, capture_record_id, title, published, word_count, text "
        "from article_versions where url = ? order by version", [found["url"]])
    found["claims"] = _rows(
        conn, "select n, sentence, number_text, value, value_max, qualifier, counted, speaker "
        "from claims where url = ? order by n limit 200", [found["url"]])
    found["capture_count"] = conn.execute(
        "select count(*) from captures where url = ?", [found["url"]]).fetchone()[0]
    found["copies"] = story_copies(conn, found["url"])
    return found


def story_copies(conn: sqlite3.Connection, url: str) -> list[dict[str, Any]]:
    """The other articles of the article's story (archive/stories/), the origin first:
    the same text republished by other outlets or editions. None when it stands alone or
    the index has no stories yet."""
    if not conn.execute("select 1 from sqlite_master where name = 'stories'").fetchone():
        return []
    return _rows(
        conn, "select a.id, s.url, s.source, s.published, a.title, s.similarity, s.is_origin "
        "from stories s join articles a on a.url = s.url "
        "where s.story = (select story from stories where url = ?) and s.url != ? "
        "order by s.is_origin desc, s.published, a.fetched_at, s.url limit 200", [url, url])


def captures_of(conn: sqlite3.Connection, url: str, limit: int = 500) -> list[dict[str, Any]]:
    """Every capture of a URL, oldest first (the captures' (url, digest) index)."""
    return _rows(
        conn, "select c.id, c.url, c.source, c.status, c.content_type, c.fetched_at, c.rec_type, "
        "c.record_id, c.refers_to, c.payload_digest, c.warc_file, c.warc_offset, c.truncated, "
        "c.origin, a.id as article_id from captures c left join articles a "
        "on a.capture_record_id = c.record_id where c.url = ? order by c.fetched_at limit ?",
        [url, limit])


def article_id_for_url(conn: sqlite3.Connection, url: str) -> int | None:
    row = conn.execute("select id from articles where url = ?", [url]).fetchone()
    return row[0] if row else None
