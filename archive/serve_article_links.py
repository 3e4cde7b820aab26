"""On Datasette's pages of the articles table (an article's row page included), the URL
cell links, beside the article itself, to its claims and its story's other copies: the
`article_claims` and `article_copies` canned queries of settings/datasette-metadata.json,
filled with its URL. Datasette lists other tables' rows on a row page by foreign key
only, and neither claims nor stories is one row per article."""

from __future__ import annotations

from urllib.parse import quote

from markupsafe import Markup, escape

INDEX_DATABASE = "index"


def article_url_cell(value: object, column: str, table: str | None,
                     database: str | None) -> Markup | None:
    """The cell's HTML, or None to leave Datasette's own."""
    if (database, table, column) != (INDEX_DATABASE, "articles", "url") or not isinstance(
            value, str):
        return None
    query = quote(value, safe="")
    return Markup(
        f'<a href="{escape(value)}">{escape(value)}</a> '
        f'<span class="pressarchive-links">(<a href="/{INDEX_DATABASE}/article_claims?url='
        f'{query}">claims</a>, <a href="/{INDEX_DATABASE}/article_copies?url={query}">'
        f'other copies</a>)</span>')
