"""A real Redis server for the tests: Debian's redis-server on 127.0.0.1, a free port,
no persistence, stopped at the end (never a mock: the frontier's Lua scripts, sorted
sets and expiries are what is tested). `make test` installs redis-server when missing."""

from __future__ import annotations

import itertools
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# A test gets a database of its own (fresh_database): the frontier's keys of one run, and
# the shared crawl state, which outlives runs, must not leak into another test's crawl.
DATABASES = 64
_next_database = itertools.count(1)


def fresh_database(server: str) -> str:
    """redis://HOST:PORT/N, a database of `server` emptied for the caller."""
    import redis

    url = f"{server}/{next(_next_database) % DATABASES}"
    with redis.Redis.from_url(url) as client:
        client.flushdb()
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """redis://127.0.0.1:PORT while the block runs (add /DB: see fresh_database)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: `make test` installs it "
                           "(apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(directory), "--protected-mode", "yes",
         "--databases", str(DATABASES)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
