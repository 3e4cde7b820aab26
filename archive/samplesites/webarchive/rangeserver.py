"""A read-only file server with HTTP Range support: the stand-in for data.commoncrawl.org.

Python's http.server ignores Range. A Common Crawl client fetches single records by
``Range: bytes=<offset>-<offset+length-1>`` (the CDX line's offset and length), so this server
answers as S3 does: 206 with Content-Range for a satisfiable single range, 416 with
``Content-Range: bytes */<size>`` when the range starts past the end, and the whole file (200)
when the Range header is malformed, names another unit or several ranges (RFC 9110 lets a
server ignore those). Every request is logged in ``server.requests`` so that tests can check a
client fetched ranges, not whole files.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True)
class Logged:
    method: str
    path: str
    range: str  # the Range header as sent, "" if none
    status: int


class RangeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, address: tuple[str, int] = ("127.0.0.1", 0)) -> None:
        self.root = root.resolve()
        self.requests: list[Logged] = []
        self._lock = threading.Lock()
        super().__init__(address, RangeHandler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def log(self, entry: Logged) -> None:
        with self._lock:
            self.requests.append(entry)


def byte_range(header: str, size: int) -> tuple[int, int] | None | str:
    """(first, last) inclusive for a satisfiable range; None to ignore the header (serve the
    whole file); "unsatisfiable" for a 416."""
    match = _RANGE.fullmatch(header.strip())
    if not match or match.group(1) == match.group(2) == "":
        return None  # another unit, several ranges, or nonsense
    first, last = match.group(1), match.group(2)
    if first == "":  # suffix range: the last N bytes
        length = int(last)
        return (max(0, size - length), size - 1) if length and size else "unsatisfiable"
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if last != "" and int(last) < start:
        return None  # last before first: invalid, so ignored
    return (start, end) if start < size else "unsatisfiable"


class RangeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: RangeServer

    def version_string(self) -> str:
        return "AmazonS3"

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _file(self) -> Path | None:
        relative = unquote(urlsplit(self.path).path).lstrip("/")
        path = (self.server.root / relative).resolve()
        if not path.is_relative_to(self.server.root) or not path.is_file():
            return None
        return path

    def _serve(self, send_body: bool) -> None:
        path, header = self._file(), self.headers.get("Range", "")
        if path is None:
            self._reply(404, b"Not Found\n", (("Content-Type", "text/plain"),), send_body)
            return
        data = path.read_bytes()
        chosen = byte_range(header, len(data)) if header else None
        if chosen == "unsatisfiable":
            self._reply(416, b"", (("Content-Range", f"bytes */{len(data)}"),), send_body)
        elif chosen is None:
            self._reply(200, data, (("Content-Type", "application/octet-stream"),), send_body)
        else:
            first, last = chosen
            self._reply(206, data[first:last + 1], (
                ("Content-Type", "application/octet-stream"),
                ("Content-Range", f"bytes {first}-{last}/{len(data)}")), send_body)

    def _reply(self, status: int, body: bytes, headers: tuple[tuple[str, str], ...],
               send_body: bool) -> None:
        self.server.log(Logged(self.command, self.path, self.headers.get("Range", ""), status))
        self.send_response(status)
        self.send_header("Accept-Ranges", "bytes")
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the request log is server.requests


@contextmanager
def serving_files(root: Path, port: int = 0) -> Iterator[RangeServer]:
    """``root`` served on 127.0.0.1 (a free port unless ``port``); ``server.base_url`` +
    a path relative to ``root`` is a file's URL."""
    server = RangeServer(root, ("127.0.0.1", port))
    thread = threading.Thread(target=server.serve_forever, name="range-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

