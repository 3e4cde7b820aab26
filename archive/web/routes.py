"""The pages of the research interface, routes of the project's Datasette plugin
(archive/serve.py registers them with `register_routes`), rendered with Datasette's
own templates (base.html) and ours (archive/web/templates/):

  /                      home: the search box, the searches and views of the metadata
  /search                search page: query, facets, best or newest first, paging
  /article/ID            article page: text, metadata, versions, removal, claims,
                         replay links, citation
  /article/ID/citation.txt|.bib|.json   the citation as text, BibTeX, CSL-JSON
  /captures?url=URL      every capture of a URL, each linked to its replay

None is under /-/, which a public instance refuses (archive/serve_public.py). Reads run
on Datasette's SQL threads, under its time limit (sql_time_limit_ms).
"""

from __future__ import annotations

import difflib
import json
import re
import sqlite3
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from datasette.utils import sqlite_timelimit
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from archive.web import queries
from archive.web.citation import Citation, outlets
from archive.web.replay import replay_url

DATABASE = "index"
RTL_LANGUAGES = ("ar", "fa", "ku", "ckb", "he", "ur")
_BRACKETS = re.compile(r"\[([^\[\]]*)\]")


def is_rtl(language: str | None) -> bool:
    return (language or "").split("-")[0].lower() in RTL_LANGUAGES


def marked(snippet: str) -> Markup:
    """A snippet with its [matches] as <mark>, the rest escaped."""
    return Markup(_BRACKETS.sub(r"<mark>\1</mark>", str(escape(snippet))))


async def _read(datasette: Any, fn: Callable[[sqlite3.Connection], Any]) -> Any:
    limit = datasette.setting("sql_time_limit_ms")

    def bounded(conn: sqlite3.Connection) -> Any:
        with sqlite_timelimit(conn, limit):
            return fn(conn)

    return await datasette.get_database(DATABASE).execute_fn(bounded)


def _replay(datasette: Any) -> str:
    return getattr(datasette, "replay_base", "") or ""


def _links(datasette: Any, row: dict[str, Any], fetched_at: str | None = None) -> dict[str, str]:
    base = _replay(datasette)
    if not base:
        return {}
    when = fetched_at or row.get("fetched_at") or ""
    return {"replay": replay_url(base, when, row["url"]),
            "raw": replay_url(base, when, row["url"], raw=True)}


async def home(request: Any, datasette: Any) -> Response:
    metadata = datasette.metadata(database=DATABASE) or {}
    queries_ = [{"name": name, "title": q.get("title") or name,
                 "description": q.get("description") or ""}
                for name, q in (metadata.get("queries") or {}).items()]
    tables = [{"name": name, "description": t.get("description") or ""}
              for name, t in (metadata.get("tables") or {}).items()]
    return Response.html(await datasette.render_template(
        "pa_home.html", {"queries": queries_, "tables": tables, "database": DATABASE,
                         "replay": _replay(datasette), "outlets": outlets()},
        request=request))


def _page_url(req: queries.SearchRequest, **changes: Any) -> str:
    params: dict[str, Any] = {"q": req.q, **req.filters, "sort": req.sort, "page": req.page}
    if not req.synonyms:
        params["synonyms"] = "off"
    params.update(changes)
    if "page" not in changes:
        params["page"] = 1  # a new filter or order starts at the first page
    if params["page"] == 1:
        del params["page"]
    if params["sort"] == ("best" if req.q else "newest"):
        del params["sort"]  # the default order: short links
    return "/search?" + urlencode({k: v for k, v in params.items() if v not in ("", None)})


async def search(request: Any, datasette: Any) -> Response:
    req = queries.SearchRequest.from_args(request.args)
    error = ""
    try:
        result = await _read(datasette, lambda conn: queries.search_page(conn, req))
    except sqlite3.OperationalError as exc:
        if "interrupted" not in str(exc):
            raise
        error = "This search took longer than the time limit: add a word or a filter."
        result = queries.SearchResult([], 0, False, {})
    for hit in result.hits:
        hit["snippet_html"] = marked(hit["snippet"])
        hit["outlet"] = outlets().get(hit["source"], hit["source"])
        hit["rtl"] = is_rtl(hit["language"])
        hit.update(_links(datasette, hit))
    facets = {
        name: [{"value": value, "count": count, "active": req.filters.get(name) == value,
                "label": (outlets().get(value, value) if name == "source" else value)
                or "(none)", "url": _page_url(req, **{name: value})}
               for value, count in values[:15]]
        for name, values in result.facets.items()}
    active = [{"name": name, "value": value, "url": _page_url(req, **{name: ""})}
              for name, value in req.filters.items()]
    pages = -(-result.total // queries.PAGE_SIZE)
    context = {
        "req": req, "result": result, "facets": facets, "active": active, "error": error,
        "pages": pages, "sort_urls": {s: _page_url(req, sort=s) for s in queries.SORTS},
        "prev_url": _page_url(req, page=req.page - 1) if req.page > 1 else "",
        "next_url": _page_url(req, page=req.page + 1) if req.page < pages else "",
        "window": queries.WINDOW, "scan": queries.SCAN, "page_size": queries.PAGE_SIZE,
    }
    return Response.html(await datasette.render_template("pa_search.html", context,
                                                         request=request))


def _diffs(versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each version after the first with a word diff from the one before (ins/del)."""
    out = []
    for before, after in zip(versions, versions[1:], strict=False):
        old, new = before["text"].split(), after["text"].split()
        parts = []
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                words = old[i1:i2]
                shown = words if len(words) <= 24 else words[:10] + ["…"] + words[-10:]
                parts.append(escape(" ".join(shown)))
            if op in ("delete", "replace"):
                parts.append(Markup("<del>%s</del>") % " ".join(old[i1:i2]))
            if op in ("insert", "replace"):
                parts.append(Markup("<ins>%s</ins>") % " ".join(new[j1:j2]))
        out.append({"version": after["version"], "diff": Markup(" ").join(parts),
                    "title_changed": before["title"] != after["title"],
                    "published_changed": before["published"] != after["published"]})
    return out


async def _article(datasette: Any, article_id: str) -> dict[str, Any] | None:
    if not article_id.isdigit():
        return None
    return await _read(datasette, lambda conn: queries.article(conn, int(article_id)))


async def article(request: Any, datasette: Any) -> Response:
    found = await _article(datasette, request.url_vars["id"])
    if found is None:
        return Response.html(await datasette.render_template(
            "pa_missing.html", {"what": "article"}, request=request), status=404)
    citation = Citation.of(found)
    capture = found["capture"] or {}
    context = {
        "a": found, "capture": capture, "outlet": citation.outlet,
        "rtl": is_rtl(found["language"]), "paragraphs": found["text"].split("\n"),
        "citation": citation, "links": _links(datasette, found),
        "diffs": _diffs(found["versions_list"]) if len(found["versions_list"]) > 1 else [],
        "topic_terms": json.loads(found.get("topic_terms") or "[]"),
        "captures_url": "/captures?" + urlencode({"url": found["url"]}),
    }
    return Response.html(await datasette.render_template("pa_article.html", context,
                                                         request=request))


async def citation(request: Any, datasette: Any) -> Response:
    found = await _article(datasette, request.url_vars["id"])
    if found is None:
        return Response.text("no such article", status=404)
    cited = Citation.of(found)
    kind = request.url_vars["format"]
    if kind == "bib":
        # text/plain, not application/x-bibtex: shown in the browser, to copy.
        return Response(cited.bibtex(), content_type="text/plain; charset=utf-8")
    if kind == "json":
        return Response(cited.csl_json(), content_type="application/json; charset=utf-8")
    return Response.text(cited.text())


async def captures(request: Any, datasette: Any) -> Response:
    url = (request.args.get("url") or "").strip()
    rows = await _read(datasette, lambda conn: queries.captures_of(conn, url)) if url else []
    for row in rows:
        row.update(_links(datasette, row))
    return Response.html(await datasette.render_template(
        "pa_captures.html", {"url": url, "rows": rows, "replay": _replay(datasette)},
        request=request))


ROUTES = [
    (r"^/$", home),
    (r"^/search$", search),
    (r"^/article/(?P<id>\d+)$", article),
    (r"^/article/(?P<id>\d+)/citation\.(?P<format>txt|bib|json)$", citation),
    (r"^/captures$", captures),
]
