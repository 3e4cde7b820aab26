"""A server on 127.0.0.1 in front of a real web archive (pywb): it passes every request on
and brings the answer back as it came, except the requests a rule answers itself (a 429
with Retry-After, a 503 for ever), and logs when each request arrived and was answered.

What the back-fill tests need from a web archive that is busy or failing, with pywb behind
it for everything else: nothing of the crawler is mocked, only the server misbehaves.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# Hop-by-hop headers: http.client has removed the chunking; the body goes back whole.
_NOT_PASSED_BACK = {"transfer-encoding", "connection", "keep-alive", "content-length"}


@dataclass(frozen=True)
class Canned:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


@dataclass
class Rule:
    """Requests whose path contains ``match`` get ``answers``, one each, in order, the
    first ``times`` of them (0: every one); the others are passed on."""

    match: str
    answers: tuple[Canned, ...]
    times: int = 0
    used: int = 0


@dataclass(frozen=True)
class Hit:
    path: str
    started: float  # time.monotonic() when the request line arrived
    finished: float  # when the answer was sent
    status: int
    canned: bool


@dataclass
class _Shared:
    upstream: str
    rules: list[Rule]
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: WebArchiveFront

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        started = time.monotonic()
        canned = self.server.canned_for(self.path)
        if canned is not None:
            status, headers, body = canned.status, list(canned.headers), canned.body
        else:
            status, headers, body = self.passed_on()
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _NOT_PASSED_BACK:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.server.log_hit(Hit(self.path, started, time.monotonic(), status,
                                canned is not None))

    def passed_on(self) -> tuple[int, list[tuple[str, str]], bytes]:
        upstream = urlsplit(self.server.shared.upstream)
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
        try:
            headers = {name: value for name, value in self.headers.items()
                       if name.lower() != "host"}
            conn.request("GET", self.path, headers=headers)
            answer = conn.getresponse()
            return answer.status, list(answer.getheaders()), answer.read()
        finally:
            conn.close()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # the hits list is the log


class WebArchiveFront(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, rules: list[Rule]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.shared = _Shared(upstream.rstrip("/"), rules)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def canned_for(self, path: str) -> Canned | None:
        with self.shared.lock:
            for rule in self.shared.rules:
                if rule.match in path and (not rule.times or rule.used < rule.times):
                    answer = rule.answers[min(rule.used, len(rule.answers) - 1)]
                    rule.used += 1
                    return answer
        return None

    def log_hit(self, hit: Hit) -> None:
        with self.shared.lock:
            self.shared.hits.append(hit)

    @property
    def hits(self) -> list[Hit]:
        with self.shared.lock:
            return list(self.shared.hits)

    def __enter__(self) -> WebArchiveFront:
        threading.Thread(target=self.serve_forever, name="webarchive-front",
                         daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
