"""Full-text search over the articles of an index.

Ranking is bounded so that every query costs about the same at any archive size:
bm25 (title matches weigh ten times body matches) ranks at most the RANK_WINDOW
newest matching articles (newest = last captured: the full-text index's rowids are
articles.seq, which follows capture order).
A query with fewer matches than that is ranked exactly over all of them; a
common word is ranked over its newest matches, and the hits say so
(`approximate`). With --source/--since the window holds the RANK_WINDOW newest
matches that pass the filters, looked for among the FILTER_SCAN newest articles
that contain all the words. So is a "phrase" whose words occur together in more
than FILTER_SCAN articles, and its matches are then ranked by bm25 of its words
(bm25 of the phrase first evaluates the phrase over the whole index: over a
second for "of the" at 1M articles). bm25 over all matches (the naive ordering)
grows linearly with the number of matches: seconds for a common word at 1M.
What still grows with the archive is bm25's document count per word (one pass
over each word's list of documents): about 60 ms for a word in every article
at 1M.

The ranking is one SQL statement, ranked_search_sql(): search() runs it, and
`pressarchive serve` gives it to Datasette as the `search` canned query.

The full-text index holds each text's search form (archive/index/normalise.py), and
what the user typed is turned into an FTS5 query over it through SQL functions
(archive/index/fts_query.py: Arabic proclitics, the lexicon's synonyms), so that the
CLI and Datasette read it alike; snippets are cut from the original text
(archive/index/snippets.py).
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from archive.errors import PressArchiveError
from archive.index.fts_query import (
    MATCH_NOTHING,
    MAX_QUERY_CHARS,
    compiled_query,
    parse_query,
    synonyms_wanted,
)
from archive.index.schema import register_search_form, search_is_current
from archive.index.snippets import CLOSE_MARK, OPEN_MARK, snippet
from archive.layout import read_index
from archive.relevance import check_topic

__all__ = ["MAX_QUERY_CHARS", "SearchHit", "search", "ranked_search_sql", "to_fts_query"]

# Title matches count ten times body matches in the ranking.
TITLE_WEIGHT, TEXT_WEIGHT = 10.0, 1.0
# bm25 ranks at most this many matches, the newest ones.
RANK_WINDOW = 2000
# A search with a filter or a phrase looks for its RANK_WINDOW candidates among the
# FILTER_SCAN newest articles that contain all its words.
FILTER_SCAN = 20_000
MMAP_BYTES = 2**31 - 2**16


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


def to_fts_query(query: str, *, synonyms: bool = False) -> str:
    """What a user typed as a safe FTS5 query over the index's search form (see
    archive/index/fts_query.py); raises PressArchiveError if it is too long or has no
    words."""
    return parse_query(query, synonyms=synonyms).fts()


def to_fts_words_query(query: str, *, synonyms: bool = False) -> str:
    """to_fts_query() with every phrase broken into its words: every match of the
    query contains all of them. Equal to to_fts_query(query) when the query has no
    phrase of two or more words."""
    return parse_query(query, synonyms=synonyms).words_fts()


def query_synonyms(query: str) -> list[str]:
    """The query's terms that are looked for with their synonyms, one line each
    (`ISIS = ISIS OR ISIL OR ...`)."""
    return parse_query(query).synonyms()


# The SQL functions through which the shared query reads what the user typed.
FTS_FUNCTION = "pressarchive_fts_query"
FTS_WORDS_FUNCTION = "pressarchive_fts_words"
SYNONYMS_FUNCTION = "pressarchive_synonyms"
SNIPPET_FUNCTION = "pressarchive_snippet"


def fts_query_or_nothing(query: object, synonyms: object = "off") -> str:
    """to_fts_query() for SQL: a query with no words (or too long) matches nothing
    instead of raising, so a Datasette form given anything answers with rows or none.
    `synonyms` as the Datasette parameter reads it (on unless off, no, 0, false); the
    one-argument form (Datasette's escape_fts for the table's search box) has none."""
    compiled = compiled_query("" if query is None else str(query), synonyms_wanted(synonyms))
    return compiled.fts if compiled else MATCH_NOTHING


def fts_words_or_nothing(query: object, synonyms: object = "off") -> str:
    """to_fts_words_query() for SQL, matching nothing where to_fts_query() would raise."""
    compiled = compiled_query("" if query is None else str(query), synonyms_wanted(synonyms))
    return compiled.words_fts if compiled else MATCH_NOTHING


def synonyms_or_nothing(query: object, synonyms: object = "") -> str:
    """query_synonyms() for SQL, as one line ("" if none)."""
    compiled = compiled_query("" if query is None else str(query), synonyms_wanted(synonyms))
    return compiled.synonyms if compiled else ""


def register_search_functions(conn: sqlite3.Connection) -> None:
    """Make the SQL functions ranked_search_sql() calls available on conn:
    `pressarchive_fts_query(text[, synonyms])`, `pressarchive_fts_words(text,
    synonyms)`, `pressarchive_synonyms(text, synonyms)`, `pressarchive_snippet(text,
    highlighted)` and the search form the full-text index reads its texts through."""
    register_search_form(conn)
    conn.create_function(FTS_FUNCTION, 1, fts_query_or_nothing, deterministic=True)
    conn.create_function(FTS_FUNCTION, 2, fts_query_or_nothing, deterministic=True)
    conn.create_function(FTS_WORDS_FUNCTION, 2, fts_words_or_nothing, deterministic=True)
    conn.create_function(SYNONYMS_FUNCTION, 2, synonyms_or_nothing, deterministic=True)
    conn.create_function(SNIPPET_FUNCTION, 2, snippet, deterministic=True)


def ranked_search_sql(*, window: int = RANK_WINDOW, filter_scan: int = FILTER_SCAN,
                      limit: int = 20) -> str:
    """The bounded ranking as one SQL statement: search() runs it, and so does the
    `search` canned query of `pressarchive serve` (Datasette).

    Named parameters: :q (what the user typed, read through pressarchive_fts_query()
    and pressarchive_fts_words(), which register_search_functions() provides, so any
    text is safe), :source, :since and :topic (articles.topic, archive/relevance.py)
    ('' = no filter), :synonyms ('' = on; off, no, 0 or false = off).
    Columns: url, title, source, published, snippet (of the original text), rank,
    approximate (0 or 1), synonyms (the terms looked for with their synonyms).
    """
    limit = max(0, int(limit))
    window = max(int(window), limit, 1)
    filter_scan = max(int(filter_scan), window)
    query = f"{FTS_FUNCTION}(:q, :synonyms)"
    words = f"{FTS_WORDS_FUNCTION}(:q, :synonyms)"
    weights = f"{TITLE_WEIGHT}, {TEXT_WEIGHT}"
    marks = f"char({ord(OPEN_MARK)}), char({ord(CLOSE_MARK)})"
    return f"""-- bm25 over the {window} newest matches that pass the filters (exact when
-- there are fewer), so that a search costs about the same at any archive size
-- (but for bm25's one pass over the list of documents of each word).
with
-- With a filter or a phrase, the rowid just past the {filter_scan} newest articles that
-- contain all the words: the walk stops there (walking the full-text index is cheap;
-- looking rows up, or phrases up, is not).
floor as (
  select rowid from articles_fts
  where articles_fts match {words}
    and (:source != '' or :since != '' or :topic != '' or {words} != {query})
  order by rowid desc limit 1 offset {filter_scan}
),
-- A phrase whose words occur together in more articles than that: its matches above
-- the floor are ranked by bm25 of its words, as bm25 of the phrase would first
-- evaluate the phrase over the whole index.
mode as (
  select {words} != {query} and exists (select 1 from floor) as by_words
),
-- The newest matches that pass the filters, newest first (FTS5 walks its index
-- backwards and stops at the limit), bm25 computed for those rows only; one more
-- than the window tells whether some matches were left out (approximate).
candidates as (
  select f.rowid as id, bm25(articles_fts, {weights}) as rank
  from articles_fts f
  where articles_fts match (case when (select by_words from mode) then {words} else {query} end)
    and f.rowid > coalesce((select rowid from floor), 0)
    and (not (select by_words from mode) or +f.rowid in (
      select rowid from articles_fts where articles_fts match {query}
      and rowid > coalesce((select rowid from floor), 9223372036854775807)))
    and (:source = '' or (select a.source from articles a where a.seq = f.rowid) = :source)
    and (:since = '' or (select a.published from articles a where a.seq = f.rowid) >= :since)
    and (:topic = '' or (select a.topic from articles a where a.seq = f.rowid) = :topic)
  order by f.rowid desc limit {window + 1}
),
-- The best of them by bm25 (ties newest first); columns and snippets for those only
-- (a snippet is cut from the original text where highlight() marks the search form).
best as (
  select id, rank from (select id, rank from candidates order by id desc limit {window})
  order by rank, id desc limit {limit}
)
select a.url, a.title, a.source, a.published,
  (select {SNIPPET_FUNCTION}(a.text, highlight(articles_fts, 1, {marks}))
   from articles_fts where articles_fts match {query} and rowid = b.id) as snippet,
  b.rank,
  ((select count(*) from candidates) > {window} or exists (select 1 from floor)) as approximate,
  {SYNONYMS_FUNCTION}(:q, :synonyms) as synonyms
from best b join articles a on a.seq = b.id
order by b.rank, b.id desc"""


def search(
    db_path: Path,
    query: str,
    *,
    source: str | None = None,
    since: str | None = None,
    limit: int = 20,
    window: int = RANK_WINDOW,
    filter_scan: int = FILTER_SCAN,
    synonyms: bool = True,
    topic: str | None = None,
) -> list[SearchHit]:
    """The best `limit` matches by bm25 among the `window` newest matching articles
    (those passing the filters); each hit says whether the ranking was approximate.
    With `synonyms`, a term of the lexicon is looked for as any term of its group;
    with `topic`, only the articles about it (an unknown topic: UnknownTopic)."""
    sql = ranked_search_sql(window=window, filter_scan=filter_scan, limit=limit)
    params = {"q": query, "source": source or "", "since": since or "",
              "topic": topic or "", "synonyms": "" if synonyms else "off"}
    # Opened first: an unusable index is reported before anything about the query.
    with read_index(db_path) as conn:
        # A query with no words (or too long) is a clear error here, and so is a
        # mistake in the lexicon.
        parse_query(query, synonyms=synonyms)
        if topic:
            check_topic(topic)
        if limit <= 0:
            return []
        register_search_functions(conn)
        # Memory-mapped reads: the filtered scan looks up many rows (up to SQLite's 2 GB
        # cap).
        conn.execute(f"pragma mmap_size = {MMAP_BYTES}")
        rows = conn.execute(sql, params).fetchall()
    return [SearchHit(url, title, source, published, snippet, rank, bool(approximate))
            for url, title, source, published, snippet, rank, approximate, _ in rows]


def search_notice(db_path: Path) -> str | None:
    """What a user should know about the index's full-text index, if anything: one
    made by an earlier version reads the original texts, not their search form (so
    Arabic spellings are not all found) until it is rebuilt."""
    with read_index(db_path) as conn:
        if search_is_current(conn):
            return None
    return (f"the full-text index of {db_path} was made with another search form (an "
            "earlier version, or Python with another Unicode database): Arabic spellings "
            "are not all found; the next crawl or reextract rebuilds it")


def check_source_known(db_path: Path, source: str) -> None:
    """Raise PressArchiveError, listing the index's sources, if `source` has no article
    in it. For the command line when a search with --source found nothing: a misspelt
    source must not read as "no match". (search() itself answers [] for it, as the
    `search` canned query of Datasette does.)"""
    with read_index(db_path) as conn:
        if conn.execute("select 1 from articles where source = ? limit 1", [source]).fetchone():
            return
        # The (source, published) index answers this without reading the articles.
        known = sorted(row[0] for row in conn.execute("select distinct source from articles"))
    raise PressArchiveError(f"no articles from source {source!r} in {db_path}; "
                            f"its sources: {', '.join(known) or 'none yet'}")
