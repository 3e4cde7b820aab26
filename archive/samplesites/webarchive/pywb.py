"""pywb from the tools venv: make collections and run `wayback` on 127.0.0.1.

pywb pins older libraries than Scrapy's, so it lives in its own venv (`.venv-tools`, made by
`make tools`); ``PRESSARCHIVE_TOOLS_BIN`` points elsewhere if it lives somewhere else.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
STARTUP_TIMEOUT = 30.0
# No proxy from the environment for 127.0.0.1.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class PywbError(RuntimeError):
    """pywb is missing, a pywb tool failed, or `wayback` did not come up."""


def tools_bin() -> Path:
    return Path(os.environ.get("PRESSARCHIVE_TOOLS_BIN") or REPO / ".venv-tools" / "bin")


def tool(name: str) -> Path:
    path = tools_bin() / name
    if not path.exists():
        raise PywbError(f"{path} is missing: `make tools` creates .venv-tools from "
                        "requirements-tools.lock (or set PRESSARCHIVE_TOOLS_BIN)")
    return path


def run_tool(name: str, *args: str, cwd: Path) -> str:
    result = subprocess.run([str(tool(name)), *args], cwd=cwd, capture_output=True,
                            text=True, timeout=300)
    if result.returncode != 0:
        raise PywbError(f"{name} {' '.join(args)} exited with {result.returncode}:\n"
                        f"{(result.stdout + result.stderr)[-3000:]}")
    return result.stdout


def add_collection(root: Path, coll: str, warcs: Sequence[Path]) -> Path:
    """`wb-manager init` + `wb-manager add`: pywb copies the WARC files into the collection
    and indexes them (a plain, unpaged CDXJ index)."""
    root.mkdir(parents=True, exist_ok=True)
    run_tool("wb-manager", "init", coll, cwd=root)
    run_tool("wb-manager", "add", coll, *map(str, warcs), cwd=root)
    return root / "collections" / coll


def add_zipnum_collection(root: Path, coll: str, archive: Path, warcs: Sequence[Path],
                          lines_per_block: int) -> Path:
    """A collection whose WARC files stay where they are under ``archive`` (CDX filenames are
    their paths relative to it) with a ZipNum index: the layout of Common Crawl's URL index
    (pywb behind index.commoncrawl.org), and the only one on which pywb pages CDX answers."""
    collection = root / "collections" / coll
    (collection / "indexes").mkdir(parents=True)
    (collection / "archive").symlink_to(archive.resolve(), target_is_directory=True)
    cdxj = run_tool("cdxj-indexer", "--sort", "--dir-root", str(archive.resolve()),
                    *(str(w.resolve()) for w in warcs), cwd=root)
    lines = [_bare_digest(line) for line in cdxj.splitlines(keepends=True)]
    write_zipnum(lines, collection / "indexes", lines_per_block)
    return collection


def _bare_digest(line: str) -> str:
    # Common Crawl's index (and pywb's own indexer) list the bare base32 digest; cdxj-indexer
    # writes "sha1:<base32>".
    key, timestamp, data = line.split(" ", 2)
    fields = json.loads(data)
    fields["digest"] = fields.get("digest", "").removeprefix("sha1:")
    return f"{key} {timestamp} {json.dumps(fields)}\n"


def write_zipnum(lines: Sequence[str], folder: Path, lines_per_block: int) -> None:
    """Sorted CDXJ lines as ZipNum: ``cdx-00000.gz``, one gzip member per block of lines;
    ``index.idx``, one line per block (its first key and timestamp, tab, part name, offset,
    length, block number); ``index.loc``, where each part is. pywb reads the .idx (any file
    ending so in a collection's indexes/) and finds the part through the .loc beside it."""
    part, blocks, offset = "cdx-00000.gz", [], 0
    with (folder / part).open("wb") as out:
        for number, start in enumerate(range(0, len(lines), lines_per_block)):
            block = lines[start:start + lines_per_block]
            data = gzip.compress("".join(block).encode("utf-8"), mtime=0)
            out.write(data)
            key = " ".join(block[0].split(" ", 2)[:2])
            blocks.append(f"{key}\t{part}\t{offset}\t{len(data)}\t{number + 1}\n")
            offset += len(data)
    (folder / "index.idx").write_text("".join(blocks), encoding="utf-8")
    (folder / "index.loc").write_text(f"{part}\t{part}\n", encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with _OPENER.open(url, timeout=5) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


@contextmanager
def running_pywb(root: Path, *, port: int = 0, wayback: Path | None = None) -> Iterator[str]:
    """pywb's `wayback` on 127.0.0.1 (a free port unless ``port``), serving the collections
    under ``root``; yields its base URL ``http://127.0.0.1:PORT``, stops it after."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = root / "wayback.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(wayback or tool("wayback")), "--bind", "127.0.0.1", "--port", str(port)],
            cwd=root, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _answers(f"{base}/"):
            tail = log_path.read_text(errors="replace")[-3000:]
            if process.poll() is not None:
                raise PywbError(f"pywb exited with {process.returncode}:\n{tail}")
            if time.monotonic() > deadline:
                raise PywbError(f"pywb did not answer within {STARTUP_TIMEOUT} s:\n{tail}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
