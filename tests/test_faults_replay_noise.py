"""Issue 11, cases 13, 10 (workers), 9/14 (export) and 14 (crawl noise), through the real
crawl of the sample sites, the real CLI in subprocesses and the real pywb of .venv-tools.

- 13: after a conditional recheck (304s archived as server-not-modified revisits), every
  capture of an unchanged article replays as the page, in pywb through our CDXJ and from
  the WACZ, while the WARC keeps the 304.
- 10: extraction workers still starting when their pool is closed leave no traceback.
- 9/14: a garbage .warc.gz is named, left out of the CDXJ and the WACZ (exit 3); an
  unwritable WACZ path is one line, exit 4.
- 14: a recheck crawl and a crawl against a refused port write a few dozen lines, one per
  failure, no traceback; a run that archived nothing because every download failed is
  "failed", exit 3.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from archive import exitcodes
from archive.index.writer import IndexWriter
from archive.samplesites import seed_pages
from archive.samplesites.data import SEED_SITES
from archive.wacz import export_wacz
from archive.warc.cdxj import write_cdxj
from archive.warc.reader import read_record_at
from tests.conftest import REPO, run_cli
from tests.helpers.replay import (
    TOOLS_BIN,
    copy_archive,
    decoded,
    fetch,
    parse_cdxj,
    running_wayback,
)
from tests.helpers.replay import tool as venv_tool

# pywb and py-wacz: those of .venv-tools, or of another checkout's (to run these tests on
# a worktree without one, e.g. an older commit).
TOOLS = Path(os.environ.get("PRESSARCHIVE_TOOLS_BIN", TOOLS_BIN))
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
# The summary `pressarchive crawl` prints after the log (archive/crawl.py CrawlReport).
SUMMARY_LINE = re.compile(r"^(archive: |CDXJ index: |status: |\w+: \d+ responses archived)")


def tool(name: str) -> Path:
    return TOOLS / name if (TOOLS / name).exists() else venv_tool(name)


def validate(path: Path) -> None:
    result = subprocess.run([tool("wacz"), "validate", "-f", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Validation succeeded" in result.stdout


def crawl(archive: Path, via: str, *extra: str) -> subprocess.CompletedProcess:
    # The seed sources: what a log says per source is the same for each of the others.
    return run_cli("crawl", *SEED_SITES, "--archive", str(archive), "--via", via,
                   "--delay", "0", "--workers", "2", *extra)


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr[-5000:]


def stray_lines(stderr: str) -> list[str]:
    """Lines that are neither a log line nor the summary: tracebacks, pretty-printed dumps."""
    return [line for line in stderr.splitlines()
            if not LOG_LINE.match(line) and not SUMMARY_LINE.match(line)]


# --- one recheck crawl: 304s ---------------------------------------------------------------


@pytest.fixture(scope="module")
def rechecked(rechecked_seed_archive) -> tuple[Path, subprocess.CompletedProcess]:
    """A copy of the crawl (its crawl state too: the validators) rechecked at once, every
    article conditionally: the sample sites answer 304, archived as revisits
    (conftest.py, shared with tests/test_end_to_end.py)."""
    return rechecked_seed_archive


def test_a_recheck_crawl_logs_no_line_per_304_and_stays_short(rechecked) -> None:
    archive, result = rechecked
    stderr = result.stderr
    no_traceback(stderr)
    assert "Ignoring response <304" not in stderr
    # 304s there were (one per article of the first crawl), counted, not logged.
    not_modified = [int(n) for n in re.findall(r"'recheck/not_modified': (\d+)", stderr)]
    assert sum(not_modified) >= len(seed_pages())
    lines = stderr.splitlines()
    assert len(lines) < 60, f"{len(lines)} lines:\n{stderr[-5000:]}"
    assert stray_lines(stderr) == []  # no listing of settings, middlewares or stats


# A recrawl with nothing due (nothing to extract) ends without worker tracebacks:
# test_scheduled.py's test_a_second_run_over_unchanged_sites_fetches_no_article_body,
# on its second run.


# --- case 13: replay of the 304 captures -----------------------------------------------------


def not_modified_lines(cdxj: Path) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """URL -> (timestamp, fields) of its CDXJ lines, oldest first."""
    by_url: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for _, timestamp, data in parse_cdxj(cdxj.read_text()):
        by_url.setdefault(data["url"], []).append((timestamp, data))
    return {url: sorted(lines, key=lambda line: line[0]) for url, lines in by_url.items()}


def test_cdxj_points_a_304_revisit_at_its_original_and_the_warc_keeps_the_304(rechecked):
    archive, _ = rechecked
    cdxj = write_cdxj(archive)
    for source, seed in seed_pages().items():
        lines = not_modified_lines(cdxj)[seed.url]
        (first_ts, first), (last_ts, last) = lines[0], lines[-1]
        assert last_ts > first_ts, source
        # Under the recheck's timestamp, the response of the first capture.
        for field in ("filename", "offset", "length", "status", "mime", "digest"):
            assert last[field] == first[field], (source, field)
        assert last["status"] == "200" and last["mime"] == "text/html"
        revisit = read_record_at(archive / "warc" / last["revisit_filename"],
                                 int(last["revisit_offset"]))
        assert revisit.rec_type == "revisit" and revisit.http_status == 304
        assert revisit.length == int(last["revisit_length"])
        assert revisit.warc_header("WARC-Profile").endswith("/server-not-modified")
        assert "sha1:" + last["digest"] == revisit.payload_digest


@contextmanager
def wayback(root: Path) -> Iterator[str]:
    """pywb's `wayback` serving the collections under ``root``; yields its base URL."""
    (root / "config.yaml").write_text("framed_replay: false\n")
    with running_wayback(root) as base:
        yield base


@pytest.fixture(scope="module")
def replay(rechecked, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """pywb with two collections of the rechecked archive: `press` (its WARC files and our
    CDXJ) and `wacz` (our WACZ, added with `wb-manager add --unpack-wacz`, which keeps
    the package's own index)."""
    archive, _ = rechecked
    root = tmp_path_factory.mktemp("pywb")
    press = root / "collections" / "press"
    (press / "archive").mkdir(parents=True)
    (press / "indexes").mkdir()
    for warc in sorted((archive / "warc").iterdir()):
        (press / "archive" / warc.name).symlink_to(warc.resolve())
    shutil.copy(write_cdxj(archive), press / "indexes" / "index.cdxj")
    package = root / "press.wacz"
    summary = export_wacz(archive, package)
    assert not summary.read_errors and summary.pages > 0
    validate(package)
    manager = str(tool("wb-manager"))
    for args in (["init", "wacz"], ["add", "--unpack-wacz", "wacz", str(package)]):
        result = subprocess.run([manager, *args], cwd=root, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
    with wayback(root) as base:
        yield base, archive


@pytest.mark.parametrize("collection", ["press", "wacz"])
def test_every_capture_of_an_unchanged_article_replays_the_page(replay, collection) -> None:
    base, archive = replay
    lines = not_modified_lines(archive / "indexes" / "index.cdxj")
    for source, seed in seed_pages().items():
        (first_ts, first), (last_ts, _) = lines[seed.url][0], lines[seed.url][-1]
        page = read_record_at(archive / "warc" / first["filename"], int(first["offset"]))
        # Each capture by its timestamp, and the latest by a year, as a visitor types it.
        for timestamp in (first_ts, last_ts, last_ts[:4]):
            status, headers, body = fetch(f"{base}/{collection}/{timestamp}id_/{seed.url}")
            assert status == 200, (source, timestamp, status, body[:300])
            assert decoded(headers, body) == page.decoded_body(), (source, timestamp)


# --- case 10: extraction workers closed while starting ---------------------------------------

CLOSE_WHILE_STARTING = """
import sys, time
from archive.extract.pool import ExtractorPool

if __name__ == "__main__":
    pool = ExtractorPool(workers=2)
    pool.start(wait=False)  # as the crawl and reextract do
    time.sleep(float(sys.argv[1]))  # a run with next to nothing to extract
    pool.close()
    print(pool.worker_pids())
"""


@pytest.mark.parametrize("runs_for", [0.05, 0.5])
def test_a_pool_closed_while_its_workers_start_ends_silently(tmp_path: Path,
                                                             runs_for: float) -> None:
    script = tmp_path / "close_while_starting.py"
    script.write_text(CLOSE_WHILE_STARTING)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    # The fork server's first start (trafilatura's import and warm-up) outlasts the run.
    result = subprocess.run([sys.executable, str(script), str(runs_for)], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    no_traceback(result.stderr)
    assert result.stdout.strip() == "[]", "close() left workers running"


@pytest.mark.parametrize("articles", [0, 1])
def test_a_reextract_of_very_few_pages_ends_without_worker_tracebacks(
        seed_archive: Path, tmp_path: Path, articles: int) -> None:
    """As of other crawlers' WARCs: none, or one, of the pages read is an article."""
    cdxj = write_cdxj(copy_archive(seed_archive, tmp_path / "copy"))
    seed = seed_pages()["ina"]
    wanted = {"https://ina.iq/robots.txt"} | ({seed.url} if articles else set())
    members = []
    for _, _, line in parse_cdxj(cdxj.read_text()):
        # The response, not a revisit (with ina_ar crawled too, ina.iq's robots.txt is
        # fetched by both editions).
        if line["url"] in wanted and line["status"] == "200" and line["mime"] != "warc/revisit":
            with (seed_archive / "warc" / line["filename"]).open("rb") as fh:
                fh.seek(int(line["offset"]))
                members.append(fh.read(int(line["length"])))
    assert len(members) == len(wanted)
    (tmp_path / "few").mkdir()
    # Response records only, one gzip member each, as the crawl wrote them.
    (tmp_path / "few" / "few-pages.warc.gz").write_bytes(b"".join(members))
    result = run_cli("reextract", "--archive", str(tmp_path / "rebuilt"),
                     "--from", str(tmp_path / "few"), "--workers", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    no_traceback(result.stderr)
    conn = sqlite3.connect(tmp_path / "rebuilt" / "index.db")
    try:
        indexed = conn.execute("select url from articles").fetchall()
    finally:
        conn.close()
    assert indexed == ([(seed.url,)] if articles else [])


# --- cases 9/14: export of a garbage .warc.gz, export to an unwritable path ------------------


@pytest.fixture
def with_garbage(seed_archive: Path, tmp_path: Path) -> Path:
    archive = copy_archive(seed_archive, tmp_path / "archive")
    (archive / "warc" / "random.warc.gz").write_bytes(os.urandom(5000))
    (archive / "warc" / "notes.warc.gz").write_text("not an archive, only text\n" * 20)
    return archive


GARBAGE = ("random.warc.gz", "notes.warc.gz")


def one_error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def test_export_cdxj_names_and_leaves_out_a_garbage_warc(with_garbage: Path,
                                                          seed_archive: Path,
                                                          tmp_path: Path) -> None:
    result = run_cli("export", "cdxj", "--archive", str(with_garbage))
    assert result.returncode == exitcodes.FINISHED_WITH_ERRORS, result.stderr
    no_traceback(result.stderr)
    error = one_error_line(result.stderr)
    assert all(name in error for name in GARBAGE), error
    # Besides it, one line per file, naming it (and nothing warcio prints on its own).
    assert result.stderr.count("\n") == len(GARBAGE) + 1, result.stderr
    for name in GARBAGE:
        assert f"unreadable WARC data in {name} at offset 0" in result.stderr
    cdxj = Path(result.stdout.strip())
    assert cdxj == with_garbage / "indexes" / "index.cdxj"
    clean = write_cdxj(copy_archive(seed_archive, tmp_path / "clean"))
    assert cdxj.read_text() == clean.read_text()  # every real record, nothing else


def test_export_wacz_leaves_out_a_garbage_warc_and_stays_valid(with_garbage: Path,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "press.wacz"
    result = run_cli("export", "wacz", "--archive", str(with_garbage), str(out))
    assert result.returncode == exitcodes.FINISHED_WITH_ERRORS, result.stderr
    no_traceback(result.stderr)
    error = one_error_line(result.stderr)
    assert all(name in error for name in GARBAGE), error
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        package = json.loads(zf.read("datapackage.json"))
    assert not [n for n in names if n.endswith(GARBAGE)]
    assert [n for n in names if n.startswith("archive/")]
    assert not [r for r in package["resources"] if r["path"].endswith(GARBAGE)]
    validate(out)


def test_export_wacz_of_only_garbage_refuses_in_one_line(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    (archive / "warc").mkdir(parents=True)
    (archive / "warc" / "random.warc.gz").write_bytes(os.urandom(3000))
    IndexWriter(archive / "index.db").close()
    result = run_cli("export", "wacz", "--archive", str(archive), str(tmp_path / "x.wacz"))
    assert result.returncode == exitcodes.COULD_NOT_RUN, result.stderr
    no_traceback(result.stderr)
    assert "random.warc.gz" in one_error_line(result.stderr)
    assert not list(tmp_path.glob("*.wacz*"))


def test_export_wacz_to_an_unwritable_path_is_one_line(seed_archive: Path,
                                                       tmp_path: Path) -> None:
    archive = copy_archive(seed_archive, tmp_path / "archive")
    # A directory that does not exist, a path that is a directory, a place where no file
    # can be created whoever runs it (root included).
    for out in (tmp_path / "missing" / "x.wacz", tmp_path, Path("/proc/press-archive.wacz")):
        result = run_cli("export", "wacz", "--archive", str(archive), str(out))
        assert result.returncode == exitcodes.COULD_NOT_RUN, (out, result.stderr)
        assert result.stderr.startswith(f"Error: cannot write {out}"), (out, result.stderr)
        assert result.stderr.count("\n") == 1, (out, result.stderr)
    assert not [p for p in tmp_path.iterdir() if ".wacz" in p.name], "no partial output"


# --- case 14: a crawl against a refused port --------------------------------------------------


def closed_port() -> int:
    """A port of 127.0.0.1 that refuses connections (bound once, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_crawl_whose_downloads_all_fail_is_failed_in_a_few_lines(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    result = run_cli("crawl", "trtworld", "france24", "--archive", str(archive),
                     "--via", f"http://127.0.0.1:{closed_port()}", "--delay", "0",
                     "--workers", "1")
    stderr = result.stderr
    assert result.returncode == exitcodes.FINISHED_WITH_ERRORS, stderr[-5000:]
    no_traceback(stderr)
    assert "status: failed (exit 3)" in stderr
    assert stray_lines(stderr) == []
    # One line per URL that got no answer (robots.txt, feeds, sitemaps, listings).
    failures = [line for line in stderr.splitlines() if "Connection refused" in line]
    assert failures and all("Gave up retrying" in line for line in failures)
    assert len(set(failures)) == len(failures)
    assert len(stderr.splitlines()) < len(failures) + 30, stderr
    for source in ("trtworld", "france24"):
        assert re.search(rf"^{source}: 0 responses archived, .* \d+ downloads failed",
                         stderr, re.MULTILINE), stderr
    conn = sqlite3.connect(archive / "state" / "state.db")
    try:
        status, exit_code, counts = conn.execute(
            "select status, exit_code, counts from crawls").fetchone()
    finally:
        conn.close()
    assert (status, exit_code) == ("failed", exitcodes.FINISHED_WITH_ERRORS)
    errors = json.loads(counts)["trtworld"]["errors"]
    assert errors.get("download/failed", 0) > 0, errors
