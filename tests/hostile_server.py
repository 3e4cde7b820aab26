"""A hostile HTTP/1.1 server on 127.0.0.1 for crawler tests (host ``hostile.example``).

Every response is written as raw bytes to the socket, so the server can lie, drip, reset
and misframe as real servers do. It logs each response it sends (path, status line, time,
how it ended) so tests can compare what the archive says with what was actually served.

Cases, each an article-shaped URL ``/news/<case>.html`` linked from ``/news/``: see CASES.
Run ``python -m tests.hostile_server [PORT]`` to poke at it by hand.
"""

from __future__ import annotations

import base64
import gzip
import random
import select
import socket
import socketserver
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field

HOST = "hostile.example"
BASE = f"http://{HOST}"

# Case name -> what it does. Each is served at /news/<name>.html and linked from /news/ in
# this order. Scrapy's scheduler is LIFO, so they are fetched in reverse: control first, then
# the quick cases; then slow-drip and stall take both download slots of the host (Scrapy's
# CONCURRENT_REQUESTS_PER_DOMAIN is 2) while queued waits for its turn; busy comes last, when
# nothing else is queued in front of its retry.
CASES = {
    "busy": "first 429 with Retry-After: 1, then 200 with an article",
    "queued": "a normal article that waits in the crawler's queue behind slow-drip and stall",
    "stall": "chunked, one chunk, then silence for up to 30 s",
    "slow-drip": "chunked, a few bytes every 0.2 s for up to 30 s",
    "reset": "Content-Length 20000, 5000 bytes sent, then a TCP RST",
    "huge": "5 MB of HTML, no Content-Length, ends by closing the connection",
    "gzip-bomb": "Content-Encoding: gzip, ~1 MB that inflates to ~1 GB of spaces",
    "chain": "301 to chain.html?n=1, then ?n=2 ... without end",
    "loop-a": "301 to loop-b, which 301s back to loop-a",
    "data-redirect": "302 to a data: URL",
    "file-redirect": "302 to file:///etc/passwd",
    "chunked-gzip": "Transfer-Encoding: chunked + Content-Encoding: gzip, a real article",
    "charset": "says charset=utf-8, sends windows-1252 bytes",
    "cookies": "200 'Fine Thanks', three Set-Cookie headers, odd header-name case",
    "control": "a normal article (Content-Length, honest utf-8)",
}

GZIP_BOMB_INFLATED = 954 * 1024 * 1024  # ~1.0 GB of spaces
HUGE_BYTES = 5 * 1024 * 1024
DRIP_INTERVAL = 0.2
DRIP_MAX_SECONDS = 30.0
DRIP_PIECE = b"<p>drip</p>\n"
STALL_PIECE = b"<p>stalled</p>\n"
RESET_DECLARED = 20000
RESET_SENT = 5000
RETRY_AFTER_SECONDS = 1
COOKIE_REASON = "Fine Thanks"
SET_COOKIES = (
    "first=1; Path=/",
    "Second=two; Path=/news/; HttpOnly",
    "third=3; Max-Age=60; SameSite=Lax",
)
# Header names sent in this exact case; a faithful archive keeps it.
ODD_CASE_HEADERS = (("X-Custom-Case", "1"), ("x-lower-case", "kept"), ("X-UPPER-CASE", "KEPT"))
DATA_MARKER = "data-url-payload-never-fetched"
DATA_URL = "data:text/html;base64," + base64.b64encode(
    f"<html><body><p>{DATA_MARKER}</p></body></html>".encode()
).decode()
FILE_URL = "file:///etc/passwd"

# A distinctive sentence per article, to find it in the index.
SENTENCES = {
    "control": "The harbour commission approved the lighthouse restoration budget on Tuesday.",
    "chunked-gzip": "Engineers confirmed the chunked and compressed dispatch arrived intact.",
    "charset": "The café’s naïve owner charged 5 € for crème brûlée — «très cher».",
    "cookies": "Three cookies were offered to every visitor of the municipal archive.",
    "busy": "After a short pause the busy newsroom finally published its report.",
    "queued": "The queued bulletin waited patiently behind a slow drip and a stalled transfer.",
}

_WORDS = (
    "council members reviewed the plan while residents asked questions about schools roads "
    "water budgets harbours bridges markets and libraries before the vote in the old hall "
    "reporters noted that the mayor promised a second hearing next month with more detail"
).split()


def article_html(case: str, title: str, sentence: str, paragraphs: int = 6) -> str:
    """A plain news article of about 300 words with ``sentence`` in its third paragraph."""
    rng = random.Random(case)
    parts = []
    for i in range(paragraphs):
        sentences = []
        for _ in range(4):
            words = [rng.choice(_WORDS) for _ in range(11)]
            sentences.append(" ".join(words).capitalize() + ".")
        if i == 2:
            sentences.insert(1, sentence)
        parts.append("<p>" + " ".join(sentences) + "</p>")
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head>"
        f"<title>{title}</title></head>\n<body>\n"
        "<header><nav><a href=\"/news/\">News</a></nav></header>\n"
        f"<main><article><h1>{title}</h1>\n"
        "<p class=\"byline\">By Test Reporter, 12 March 2024</p>\n"
        f"{body}\n</article></main>\n"
        "<footer>Hostile Example Gazette</footer>\n</body></html>\n"
    )


def make_gzip_bomb(inflated: int = GZIP_BOMB_INFLATED) -> bytes:
    """A gzip member of ``inflated`` spaces, built in well under a second.

    Each 1 MiB block is deflated once and ended with a full flush, which resets the
    compressor: every later block compresses to the same bytes, so they are repeated
    rather than recomputed. Only the CRC-32 is run over the whole (virtual) input.
    """
    block = b" " * (1 << 20)
    blocks, rest = divmod(inflated, len(block))
    assert rest == 0, "inflated size must be a whole number of MiB"
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflater.compress(block) + deflater.flush(zlib.Z_FULL_FLUSH)
    again = deflater.compress(block) + deflater.flush(zlib.Z_FULL_FLUSH)
    assert first == again
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, inflated & 0xFFFFFFFF)
    return header + first * blocks + deflater.flush() + trailer


@dataclass
class Served:
    """One response as the server sent it."""

    path: str
    status_line: str  # e.g. "HTTP/1.1 200 Fine Thanks"
    started: float
    request_headers: list[tuple[str, str]]
    body_bytes_sent: int = 0
    ended: str = "complete"  # "complete", "client-gone", "reset", "timeout"
    finished: float = 0.0

    @property
    def url(self) -> str:
        host = next((v for n, v in self.request_headers if n.lower() == "host"), HOST)
        return f"http://{host}{self.path}"


@dataclass
class Payloads:
    """Bodies generated once per server, for comparison with what was archived."""

    bomb: bytes
    huge: bytes
    chunked_gzip: bytes  # the gzip bytes, before chunking
    charset: bytes  # the windows-1252 bytes
    reset: bytes  # the first RESET_SENT bytes of a RESET_DECLARED-byte body
    articles: dict[str, bytes] = field(default_factory=dict)


def make_payloads() -> Payloads:
    articles = {
        case: article_html(case, f"Hostile {case} story", sentence).encode("utf-8")
        for case, sentence in SENTENCES.items() if case not in ("charset", "chunked-gzip")
    }
    huge_head = b"<!DOCTYPE html><html><head><title>Huge</title></head><body>\n"
    line = b"<p>" + b"huge page filler text " * 20 + b"</p>\n"
    huge = huge_head + line * ((HUGE_BYTES - len(huge_head)) // len(line) + 1)
    chunked_html = article_html("chunked-gzip", "Chunked and gzipped",
                                SENTENCES["chunked-gzip"]).encode("utf-8")
    charset_html = article_html("charset", "Lying charset",
                                SENTENCES["charset"]).encode("windows-1252")
    reset_html = article_html("reset", "Reset story", "This story never arrives whole.")
    reset_body = (reset_html * 20).encode("utf-8")[:RESET_DECLARED]
    return Payloads(
        bomb=make_gzip_bomb(),
        huge=huge[:HUGE_BYTES],
        chunked_gzip=gzip.compress(chunked_html, mtime=0),
        charset=charset_html,
        reset=reset_body[:RESET_SENT],
        articles=articles,
    )


class ClientGone(Exception):
    pass


class _Handler(socketserver.BaseRequestHandler):
    server: HostileServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(10)
        head = b""
        try:
            while b"\r\n\r\n" not in head:
                data = sock.recv(65536)
                if not data:
                    return
                head += data
                if len(head) > 65536:
                    return
        except OSError:
            return
        lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return
        headers = [tuple(s.strip() for s in line.split(":", 1))
                   for line in lines[1:] if ":" in line]
        self.sock = sock
        self.entry = Served(path=parts[1], status_line="", started=time.time(),
                            request_headers=headers)  # type: ignore[arg-type]
        try:
            self.dispatch(parts[1])
        except ClientGone:
            self.entry.ended = "client-gone"
        except OSError:
            self.entry.ended = "client-gone"
        finally:
            self.entry.finished = time.time()
            self.server.record(self.entry)

    # --- writing ------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise ClientGone from exc

    def wait_unless_gone(self, seconds: float) -> None:
        """Sleep, but raise ClientGone as soon as the client closes or resets."""
        readable, _, _ = select.select([self.sock], [], [], seconds)
        if readable:
            try:
                data = self.sock.recv(1, socket.MSG_PEEK)
            except OSError as exc:
                raise ClientGone from exc
            if not data:
                raise ClientGone
            self.sock.recv(65536)  # a pipelined request: not served, just drained

    def send_head(self, status: int, reason: str, headers: list[tuple[str, str]]) -> None:
        self.entry.status_line = f"HTTP/1.1 {status} {reason}"
        lines = [self.entry.status_line, *(f"{n}: {v}" for n, v in headers),
                 "Connection: close", "", ""]
        self.send("\r\n".join(lines).encode("latin-1"))

    def send_body(self, body: bytes, piece: int = 65536) -> None:
        for start in range(0, len(body), piece):
            self.send(body[start:start + piece])
            self.entry.body_bytes_sent += len(body[start:start + piece])

    def send_chunk(self, data: bytes) -> None:
        self.send(b"%x\r\n%s\r\n" % (len(data), data))
        self.entry.body_bytes_sent += len(data)

    def simple(self, status: int, reason: str, body: bytes,
               content_type: str = "text/html; charset=utf-8",
               extra: list[tuple[str, str]] | None = None) -> None:
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body))),
                   *(extra or [])]
        self.send_head(status, reason, headers)
        self.send_body(body)

    def redirect(self, status: int, location: str) -> None:
        body = f'<html><body><a href="{location}">moved</a></body></html>'.encode()
        self.simple(status, "Moved Permanently" if status == 301 else "Found", body,
                    extra=[("Location", location)])

    # --- cases --------------------------------------------------------------------------

    def dispatch(self, target: str) -> None:  # noqa: C901 - one branch per hostile case
        p: Payloads = self.server.payloads
        path, _, query = target.partition("?")
        if path == "/robots.txt":
            self.simple(200, "OK", b"User-agent: *\nAllow: /\n", "text/plain")
        elif path == "/news/":
            links = "\n".join(f'<li><a href="/news/{case}.html">{case}</a></li>'
                              for case in CASES)
            html = f"<html><head><title>News</title></head><body><ul>\n{links}\n</ul></body></html>"
            self.simple(200, "OK", html.encode())
        elif path in ("/news/control.html", "/news/cookies.html", "/news/queued.html") or (
            path == "/news/busy.html" and self.server.hits("/news/busy.html") > 0
        ):
            case = path.rsplit("/", 1)[1].removesuffix(".html")
            if case == "cookies":
                extra = [("Set-Cookie", c) for c in SET_COOKIES] + list(ODD_CASE_HEADERS)
                self.simple(200, COOKIE_REASON, p.articles[case], extra=extra)
            else:
                self.simple(200, "OK", p.articles[case])
        elif path == "/news/busy.html":
            self.simple(429, "Too Many Requests", b"<html><body>Slow down</body></html>",
                        extra=[("Retry-After", str(RETRY_AFTER_SECONDS))])
        elif path == "/news/gzip-bomb.html":
            self.send_head(200, "OK", [("Content-Type", "text/html; charset=utf-8"),
                                       ("Content-Encoding", "gzip"),
                                       ("Content-Length", str(len(p.bomb)))])
            self.send_body(p.bomb)
        elif path == "/news/huge.html":
            # No Content-Length, no chunking: the body ends when the connection closes.
            self.send_head(200, "OK", [("Content-Type", "text/html; charset=utf-8")])
            self.send_body(p.huge)
        elif path == "/news/slow-drip.html":
            self.send_head(200, "OK", [("Content-Type", "text/html; charset=utf-8"),
                                       ("Transfer-Encoding", "chunked")])
            deadline = time.time() + DRIP_MAX_SECONDS
            while time.time() < deadline:
                self.send_chunk(DRIP_PIECE)
                self.wait_unless_gone(DRIP_INTERVAL)
            self.send(b"0\r\n\r\n")
            self.entry.ended = "timeout"
        elif path == "/news/reset.html":
            self.send_head(200, "OK", [("Content-Type", "text/html; charset=utf-8"),
                                       ("Content-Length", str(RESET_DECLARED))])
            self.send_body(p.reset)
            time.sleep(0.3)  # let the client read what was sent before the RST
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()
            self.entry.ended = "reset"
        elif path == "/news/chunked-gzip.html":
            self.send_head(200, "OK", [("Content-Type", "text/html; charset=utf-8"),
                                       ("Content-Encoding", "gzip"),
                                       ("Transfer-Encoding", "chunked")])
            body = p.chunked_gzip
            for start in range(0, len(body), 300):
                self.send_chunk(body[start:start + 300])
            self.send(b"0\r\n\r\n")
        elif path == "/news/charset.html":
            self.simple(200, "OK", p.charset)  # declared utf-8, really windows-1252
        elif path == "/news/loop-a.html":
            self.redirect(301, f"{BASE}/news/loop-b.html")
        elif path == "/news/loop-b.html":
            self.redirect(301, "/news/loop-a.html")
        elif path == "/news/chain.html":
            n = int(query[2:]) if query.startswith("n=") and query[2:].isdigit() else 0
            self.redirect(301, f"/news/chain.html?n={n + 1}")
        elif path == "/news/file-redirect.html":
            self.redirect(302, FILE_URL)
        elif path == "/news/data-redirect.html":
            self.redirect(302, DATA_URL)
        elif path == "/news/stall.html":
            # A stalled transfer: the head and a first chunk, then nothing until the
            # client gives up (or 30 s).
            self.send_head(200, "OK", [("Content-Type", "text/html; charset=utf-8"),
                                       ("Transfer-Encoding", "chunked")])
            self.send_chunk(STALL_PIECE)
            self.wait_unless_gone(DRIP_MAX_SECONDS)
            self.entry.ended = "timeout"
        else:
            self.simple(404, "Not Found", b"<html><body>Not here</body></html>")


class HostileServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 payloads: Payloads | None = None):
        self.payloads = payloads or make_payloads()
        self.served: list[Served] = []
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, entry: Served) -> None:
        with self._done:
            self.served.append(entry)
            self._done.notify_all()

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for e in self.served if e.path == path)

    def responses(self, path: str) -> list[Served]:
        with self._lock:
            return [e for e in self.served if e.path == path]

    def wait_for(self, path: str, timeout: float) -> Served | None:
        """The first finished response for ``path``, waiting up to ``timeout`` seconds."""
        deadline = time.time() + timeout
        with self._done:
            while True:
                found = [e for e in self.served if e.path == path]
                if found or time.time() >= deadline:
                    return found[0] if found else None
                self._done.wait(max(deadline - time.time(), 0.01))

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="hostile-server", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


if __name__ == "__main__":  # pragma: no cover
    import sys

    server = HostileServer(port=int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(f"serving {BASE} on {server.url}")
    server.serve_forever()
