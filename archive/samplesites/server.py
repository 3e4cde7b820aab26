"""One HTTP server for all sample sites; the Host header (or an absolute-form request target)
chooses the site, the path and query choose the page. The server serves one edition of the sites
at a time (editions.py); ``set_edition`` switches it between two crawls."""

from __future__ import annotations

import gzip
import hashlib
import sys
import threading
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from archive.samplesites.build import Response
from archive.samplesites.editions import check_edition
from archive.samplesites.registry import SharedHost, check_scale, sites_by_host
from archive.samplesites.scale import Site


class SampleSitesServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: a crawl opening more connections at
    # once had its surplus SYNs dropped and retried by the kernel a second later, which
    # a real web server (backlog 511 for nginx) never does.
    request_queue_size = 1024

    def __init__(
        self, address: tuple[str, int], *, edition: int = 1, scale: int = 0,
        log_requests: bool = False,
    ) -> None:
        self.log_requests = log_requests
        self._lock = threading.Lock()
        self._edition = check_edition(edition)
        self.scale = check_scale(scale)  # generated stories per site (scale.py)
        self._sites = sites_by_host(edition, scale)  # rendered before the first request
        super().__init__(address, SampleSiteHandler)

    @property
    def edition(self) -> int:
        with self._lock:
            return self._edition

    def set_edition(self, edition: int) -> None:
        """Serve ``edition`` from the next request on (requests under way finish with the
        edition they started with). Thread-safe; the edition is rendered before the switch."""
        table = sites_by_host(check_edition(edition), self.scale)
        with self._lock:
            self._edition, self._sites = edition, table

    def sites(self) -> dict[str, Site | SharedHost]:
        """Host -> site, in the edition being served."""
        with self._lock:
            return self._sites


@lru_cache(maxsize=4096)
def _gzipped(body: bytes) -> bytes:
    # mtime=0 keeps the compressed bytes identical from run to run.
    return gzip.compress(body, compresslevel=6, mtime=0)


def accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and float(q[2:] or 0) == 0)
    return False


class SampleSiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection must not hold a thread for ever
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK hold the body back about 40 ms on a keep-alive connection.
    disable_nagle_algorithm = True
    server: SampleSitesServer
    _host = "-"
    _size: int | str = "-"

    def version_string(self) -> str:
        return "nginx"

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        target, host = self.path, self.headers.get("Host", "")
        if target.startswith(("http://", "https://")):
            split = urlsplit(target)
            host, target = split.netloc, target[len(split.scheme) + 3 + len(split.netloc):] or "/"
        path, _, query = target.split("#", 1)[0].partition("?")
        hostname = host.rsplit(":", 1)[0].strip().lower() if ":" in host else host.strip().lower()
        self._host = hostname or "-"
        site = self.server.sites().get(hostname)
        if site is None:
            response = Response(404, "text/plain; charset=utf-8", b"Unknown host\n")
        elif hostname != site.cfg.host:
            location = f"https://{site.cfg.host}{target}"
            response = Response(301, "text/plain; charset=utf-8", b"Moved Permanently\n",
                                (("Location", location),))
        else:
            response = site.lookup(path, query)
        self._send(response, send_body)

    def _send(self, response: Response, send_body: bool) -> None:
        body = response.body
        # Weak: the gzip and identity variants share one validator.
        etag = f'W/"{hashlib.sha1(body).hexdigest()[:20]}"' if response.status == 200 else ""
        if etag and etag in self.headers.get("If-None-Match", ""):
            self._size = 0
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        gzip_it = response.compressible and accepts_gzip(self.headers.get("Accept-Encoding", ""))
        if gzip_it:
            body = _gzipped(body)
        self._size = len(body)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        if response.compressible:
            self.send_header("Vary", "Accept-Encoding")
        if gzip_it:
            self.send_header("Content-Encoding", "gzip")
        if etag:
            self.send_header("ETag", etag)
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        size, self._size = (self._size if size == "-" else size), "-"
        self.log_message('%s "%s" %s %s', self._host, self.requestline, code, size)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.log_requests:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")


def make_server(
    host: str = "127.0.0.1", port: int = 0, *, edition: int = 1, scale: int = 0,
    log_requests: bool = False,
) -> SampleSitesServer:
    """``scale``: that many generated stories per site besides its own (scale.py)."""
    return SampleSitesServer((host, port), edition=edition, scale=scale,
                             log_requests=log_requests)


def serve(host: str, port: int, edition: int = 1, scale: int = 0) -> None:
    server = make_server(host, port, edition=edition, scale=scale, log_requests=True)
    bound_host, bound_port = server.server_address[:2]
    extra = f", {scale} generated stories per site" if scale else ""
    sys.stderr.write(f"sample sites on http://{bound_host}:{bound_port}/ (choose by Host), "
                     f"edition {edition}{extra}\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
