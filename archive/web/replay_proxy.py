"""pywb's replay reached through Datasette's own address: `/press/…` and pywb's `/static/…`.

pywb listens on 127.0.0.1 only (archive/web/replay.py), so on an instance others reach
(`serve --public`, or on any address) its links lead nowhere for them. These routes pass
a replay request on to pywb and its answer back, unchanged but for the hop-by-hop
headers, with the visitor's Host: pywb builds the links of a replayed page from the Host
it is asked with, so they lead back here. A public instance's pages link to replays here
(ArchiveDatasette.replay_base "/"); a local one links to pywb directly.

Only GET and HEAD (replay reads), only these paths, and a time limit: the proxy is no
way to reach anything else on the machine.
"""

from __future__ import annotations

from typing import Any

import httpx
from datasette.utils.asgi import Response

from archive.web.replay import COLLECTION

TIMEOUT_SECONDS = 60.0
# Not passed on: they describe one connection, not the message (RFC 9110 7.6.1), or are
# recomputed for the body as Datasette sends it.
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
               "trailer", "transfer-encoding", "upgrade", "content-length"}
PATHS = (rf"^/{COLLECTION}/(?P<rest>.*)$", r"^/static/(?P<rest>.*)$")


async def replay(request: Any, datasette: Any) -> Response:
    upstream = getattr(datasette, "replay_upstream", "")
    if not upstream:
        return Response.text("no replay on this instance", status=404)
    if request.method not in ("GET", "HEAD"):
        return Response.text("replay is read-only", status=405)
    raw = request.scope.get("raw_path") or request.path.encode("utf-8")
    target = upstream.rstrip("/") + raw.decode("latin-1").partition("?")[0]
    if request.query_string:
        target += "?" + request.query_string
    headers = {"Host": request.headers.get("host", ""),
               "X-Forwarded-Proto": request.scheme,
               "Accept": request.headers.get("accept", "*/*"),
               "User-Agent": request.headers.get("user-agent", "")}
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False,
                                     trust_env=False) as client:
            answer = await client.request(request.method, target,
                                          headers={k: v for k, v in headers.items() if v})
    except httpx.HTTPError as exc:
        return Response.text(f"replay unavailable: {type(exc).__name__}", status=502)
    passed = [(name, value) for name, value in answer.headers.multi_items()
              # httpx gave the body decoded: its Content-Encoding no longer applies.
              if name.lower() not in _HOP_BY_HOP and name.lower() != "content-encoding"]
    response = Response(answer.content, status=answer.status_code,
                        content_type=answer.headers.get("content-type", "text/plain"))
    # Datasette's Response keeps one value a name: repeated ones joined, as HTTP allows.
    joined: dict[str, str] = {}
    for name, value in passed:
        if name.lower() != "content-type":
            joined[name] = f"{joined[name]}, {value}" if name in joined else value
    response.headers = joined
    return response


ROUTES = [(path, replay) for path in PATHS]
