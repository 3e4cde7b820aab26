"""Replay and CDXJ helpers: the tools venv (pywb, cdxj-indexer, wacz), parsing CDXJ,
fetching from a served pywb, archive copies."""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import sqlite3
import subprocess
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from archive.samplesites.webarchive.pywb import PywbError, running_pywb
from archive.warc.cdxj import cdx_timestamp, surt_key
from archive.warc.reader import read_record_at
from tests.conftest import REPO

TOOLS_BIN = REPO / ".venv-tools" / "bin"


def tool(name: str) -> Path:
    """A program of the tools venv; a missing venv fails the test (never skips it)."""
    path = TOOLS_BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: `make test` creates .venv-tools from "
                    "requirements-tools.lock (or run `make tools`)", pytrace=False)
    return path


def copy_archive(source: Path, target: Path, *, link: bool = True) -> Path:
    """A copy of the archive ``source`` with its own index.db; its WARC files are symlinks
    to ``source``'s if ``link`` (nothing may write to them then), else copies."""
    (target / "warc").mkdir(parents=True)
    for path in sorted((source / "warc").iterdir()):
        if link:
            (target / "warc" / path.name).symlink_to(path)
        else:
            shutil.copy2(path, target / "warc" / path.name)
    with sqlite3.connect(source / "index.db") as src, sqlite3.connect(target / "index.db") as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target


def parse_cdxj(text: str) -> list[tuple[str, str, dict[str, str]]]:
    lines = []
    for line in text.splitlines():
        key, timestamp, data = line.split(" ", 2)
        lines.append((key, timestamp, json.loads(data)))
    return lines


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with OPENER.open(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def decoded(headers: dict[str, str], body: bytes) -> bytes:
    coding = {k.lower(): v for k, v in headers.items()}.get("content-encoding", "").lower()
    if coding in ("", "identity"):
        return body
    if coding in ("gzip", "x-gzip"):
        return gzip.decompress(body)
    if coding == "deflate":
        return zlib.decompress(body)
    raise AssertionError(f"unexpected Content-Encoding {coding!r}")


# No proxy from the environment for 127.0.0.1.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def check_cdxj_locations(archive: Path, cdxj: Path) -> None:
    for key, timestamp, data in parse_cdxj(cdxj.read_text()):
        path = archive / "warc" / data["filename"]
        offset, length = int(data["offset"]), int(data["length"])
        record = read_record_at(path, offset)
        assert record.rec_type in ("response", "revisit")
        assert (data["mime"] == "warc/revisit") == (record.rec_type == "revisit")
        assert record.length == length
        assert record.target_uri == data["url"]
        assert key == surt_key(record.target_uri)
        assert timestamp == cdx_timestamp(record.date) and len(timestamp) == 14
        assert data["status"] == str(record.http_status)
        if record.rec_type == "response":
            assert data["mime"] == record.content_type.split(";")[0].strip()
        assert "sha1:" + data["digest"] == record.payload_digest
        with path.open("rb") as fh:
            fh.seek(offset)
            member = fh.read(length)
        # The length is exactly one gzip member: the whole record.
        warc_type = f"WARC/1.1\r\nWARC-Type: {record.rec_type}\r\n".encode()
        assert gzip.decompress(member).startswith(warc_type)


def cdxj_indexer_lines(files: list[Path]) -> list[tuple[str, str, dict[str, str]]]:
    result = subprocess.run([tool("cdxj-indexer"), "--sort", *map(str, files)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return parse_cdxj(result.stdout)


def normalized(lines: list[tuple[str, str, dict[str, str]]]) -> list[tuple]:
    """Comparable lines: the one known difference, the digest's "sha1:" prefix, removed."""
    out = []
    for key, timestamp, data in lines:
        data = dict(data)
        data["digest"] = data.get("digest", "").removeprefix("sha1:")
        out.append((key, timestamp, sorted(data.items())))
    return sorted(out)


@contextmanager
def running_wayback(root: Path) -> Iterator[str]:
    """pywb's `wayback` on a free port of 127.0.0.1, serving the collections under
    ``root`` (its config.yaml there); yields its base URL, stops it after. A pywb that
    does not come up fails the test with the end of its log."""
    with pywb_failures_fail_the_test(), running_pywb(root, wayback=tool("wayback")) as base:
        yield base


@contextmanager
def pywb_failures_fail_the_test() -> Iterator[None]:
    try:
        yield
    except PywbError as exc:
        pytest.fail(str(exc), pytrace=False)
