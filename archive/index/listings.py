"""The `listings` table: what news sitemaps said of each URL they listed, and the
publication dates of articles whose pages show none.

One row per (URL, source): the first archived sitemap capture that listed the URL with
news fields, in capture order (WARC order, in the crawl as in a rebuild); later listings
of the same URL are not kept (a news sitemap lists a story for two days, so a crawl every
hour would otherwise store it forty-eight times). `published` is the day
`publication_date` names, checked against the sitemap's capture date
(archive/news_sitemap.py), "" if it names none.

An article whose page shows no date takes `published` from its listing
(`articles.published_from` = 'sitemap'). The sitemap may come after the article, in
the crawl (an article found in a feed before a child sitemap listed it) or in a later
crawl: its listing then fills the dates of the articles already indexed without one, so
the result does not depend on the order, and a rebuild equals the crawl.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable

from archive.index.schema import LISTING_COLUMNS, Capture
from archive.news_sitemap import NewsEntry, listed_day

PUBLISHED_FROM_PAGE = "page"
PUBLISHED_FROM_SITEMAP = "sitemap"

_INSERT = (
    f"insert or ignore into listings ({', '.join(LISTING_COLUMNS)}) "
    f"values ({', '.join('?' for _ in LISTING_COLUMNS)})"
)
# Versions too: an article's latest version is what its next capture is compared with
# (IndexWriter.add_article), and there the date is the listed one already.
_FILL_ARTICLE = (
    "update articles set published = ?, published_from = 'sitemap' "
    "where url = ? and source = ? and published = ''"
)
_FILL_VERSIONS = (
    "update article_versions set published = ? "
    "where url = ? and source = ? and published = ''"
)
# Claims carry their article's date (archive/articles.py claim_rows).
_FILL_CLAIMS = (
    "update claims set published = ? where url = ? and source = ? and published = ''"
)


def add_listings(conn: sqlite3.Connection, capture: Capture,
                 entries: Iterable[NewsEntry],
                 on_filled: Callable[[str], None] | None = None) -> tuple[int, int]:
    """Rows for a sitemap capture's entries (URLs resolved against the sitemap's) that
    no earlier capture listed; then dates for the articles they list that have none
    (`on_filled` is told each such URL: its story's date window moved).
    Returns (rows added, article dates filled)."""
    from urllib.parse import urljoin

    added = filled = 0
    for entry in entries:
        url = urljoin(capture.url, entry.url)
        published = listed_day(entry.publication_date, capture.fetched_at)
        cursor = conn.execute(_INSERT, (
            url, capture.source, capture.url, capture.record_id, capture.fetched_at,
            entry.publication_date, published, entry.title, entry.keywords, entry.language))
        if cursor.rowcount <= 0:
            continue
        added += 1
        if not published:
            continue
        dated = conn.execute(_FILL_ARTICLE, (published, url, capture.source)).rowcount
        filled += dated
        conn.execute(_FILL_VERSIONS, (published, url, capture.source))
        conn.execute(_FILL_CLAIMS, (published, url, capture.source))
        if dated and on_filled is not None:
            on_filled(url)
    return added, filled


def listed_date(conn: sqlite3.Connection, url: str, source: str) -> str:
    """The publication day a news sitemap of the source gave the URL ("" if none)."""
    row = conn.execute("select published from listings where url = ? and source = ?",
                       (url, source)).fetchone()
    return row[0] if row else ""
