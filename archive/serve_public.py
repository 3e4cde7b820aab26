"""What `pressarchive serve --public` changes, for an instance anyone may reach.

A visitor of a public instance may browse the tables, use their search boxes, filters
and facets, and run the canned queries (`search`, `edited_articles`, ...), each within
Datasette's time limits. They may not run SQL of their own (in which one expression can
outlast the time limit), download the database or stream whole tables as CSV, send raw
FTS5 queries (one `a* OR b* OR ...` query can work for seconds in one step), nor see
the server's file paths, versions and plugins (the introspection pages under /-/).
Robots are asked to stay away on every instance, public or not (/robots.txt and an
X-Robots-Tag header on every response): an archive of other sites' articles is not for
search engines to index again.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from archive.serve_follow import Asgi

# Datasette settings a public instance overrides (docs/settings.md).
PUBLIC_SETTINGS: dict[str, Any] = {
    "default_allow_sql": False,  # arbitrary SQL off; canned queries are not affected
    "allow_download": False,  # no download link or route for the database file
    "allow_csv_stream": False,  # CSV of one page at most, not the whole table
}
# The only introspection pages a public instance serves: assets, and what the metadata
# and settings say (no file path in either). /-/databases shows the database's
# absolute path; /-/versions, /-/plugins and /-/threads describe the server.
PUBLIC_INTROSPECTION = ("/-/static/", "/-/static-plugins/", "/-/metadata", "/-/settings",
                        "/-/actor")
ROBOTS_TXT = b"User-agent: *\nDisallow: /\n"
ROBOTS_HEADER = (b"x-robots-tag", b"noindex, nofollow, noarchive")


def is_loopback(host: str) -> bool:
    """True if `host` is reachable only from this machine. A name other than localhost
    may resolve to any address, so it counts as public."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def public_by_default(host: str, public: bool | None) -> bool:
    """--public / --no-public if given, else public unless bound to a loopback address."""
    return not is_loopback(host) if public is None else public


def routed_paths(scope: dict) -> set[str]:
    """The path as Datasette routes it (the raw path, undecoded) and decoded."""
    raw = scope.get("raw_path") or b""
    return {scope.get("path", ""), raw.decode("latin-1").partition("?")[0]} - {""}


def refusal(scope: dict) -> tuple[int, bytes] | None:
    """(status, message) if a public instance refuses this request, else None."""
    if any(path.startswith("/-/") and not path.startswith(PUBLIC_INTROSPECTION)
           for path in routed_paths(scope)):
        return 404, b"Not found: this public instance does not serve its introspection pages"
    query = scope.get("query_string", b"")
    params = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    if any(key == "_searchmode" and value == "raw" for key, value in params):
        return 403, b"Raw full-text queries are off on this public instance"
    return None


async def _reply(send: Callable, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), ROBOTS_HEADER]})
    await send({"type": "http.response.body", "body": body})


def visitor_asgi(app: Asgi, *, public: bool) -> Asgi:
    """The ASGI app with robots kept away and, if public, the refusals above."""

    async def guarded(scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if scope.get("path") == "/robots.txt":
            await _reply(send, 200, ROBOTS_TXT)
            return
        refused = refusal(scope) if public else None
        if refused:
            await _reply(send, *refused)
            return

        async def send_with_robots_header(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = dict(message, headers=[*message.get("headers", []), ROBOTS_HEADER])
            await send(message)

        await app(scope, receive, send_with_robots_header)

    return guarded
