"""`pressarchive serve` safe to publish, following a rebuilt index, refusing a broken one
(issue 11, cases 6, 7 and the serve part of 9). Real Datasette throughout: in process
through its ASGI app, and as the real uvicorn process `pressarchive serve` starts.

Over 500 lines on purpose: the tests share the helpers that start, query and stop real
`pressarchive serve` processes (Servers, cli_serve, fetch) and the ways to break an index.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from archive.extract import DEFAULT_OPTIONS
from archive.index.builds import swap_in
from archive.index.search import search
from archive.index.writer import IndexWriter
from archive.samplesites import seed_pages
from archive.serve import datasette_app, datasette_command
from tests.conftest import REPO
from tests.helpers.search_corpus import article

# The expressions of the issue: 4.8 s and 1 GB, 7.9 s, each in one SQLite step.
HOSTILE_SQL = [
    "select length(randomblob(1000000000))",
    "select printf('%.*c', 1e9, 'x')",
    "select length(zeroblob(1000000000))",
    "select format('%.*c%.*c', 600000, 'x', 600000, 'y')",
    # Past the first version of the printf check: a blob format, a width in text that
    # does not end with it, `%n` (which reads no argument) shifting the arguments.
    "select printf(x'252e2a63', 1e9, 'x')",
    "select printf('%.*c', '1000000000x', 'x')",
    "select printf('%n%.*c', 1e9, 'x')",
]


@pytest.fixture
def archive(seed_archive: Path, tmp_path: Path) -> Path:
    """A copy of the seed sources' crawled archive (the shared one is never changed):
    several tests rebuild it, and what they check is not per source."""
    copy = tmp_path / "archive"
    shutil.copytree(seed_archive, copy, symlinks=True)
    return copy


Response = tuple[int, dict[str, str], str]


async def _get(ds: Any, path: str) -> Response:
    response = await ds.client.get(path)
    return response.status_code, dict(response.headers), response.text


def get_all(archive: Path, paths: list[str], *, public: bool) -> list[Response]:
    """GET each path from one Datasette app as `pressarchive serve` builds it."""
    async def run() -> list[Response]:
        # (public only when asked: the code before --public has no such argument)
        ds = datasette_app(archive, **({"public": True} if public else {}))
        await ds.invoke_startup()
        return [await _get(ds, path) for path in paths]

    return asyncio.run(run())


def get(archive: Path, path: str, *, public: bool) -> Response:
    return get_all(archive, [path], public=public)[0]


def sql_path(sql: str) -> str:
    return "/index.json?" + urlencode({"sql": sql})


# ------------------------------------------------------------------ case 6: a rebuilt index


def reextract(archive: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "archive.cli", "reextract", "--archive", str(archive),
         "--workers", "1"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


def test_a_running_datasette_serves_the_rebuilt_index_without_a_restart(archive: Path) -> None:
    """`reextract` swaps DIR/index.db to a new build: the app, started before, answers
    from the new build (the `extractions` table only a rebuild has) in every thread."""
    async def run() -> None:
        ds = datasette_app(archive)
        await ds.invoke_startup()
        # Several at once: every executor thread opens its connection to the old build.
        before = await asyncio.gather(*(_get(ds, "/index/articles.json?_shape=array")
                                        for _ in range(6)))
        assert {status for status, _, _ in before} == {200}
        status, _, _ = await _get(ds, "/index/extractions.json")
        assert status == 404  # the crawl's index has no such table
        old_build = (archive / "index.db").resolve()

        await asyncio.to_thread(reextract, archive)

        assert (archive / "index.db").resolve() != old_build
        after = await asyncio.gather(*(_get(ds, "/index/extractions.json?_shape=array")
                                       for _ in range(6)))
        for status, _, text in after:
            assert status == 200, text[:300]
            assert len(json.loads(text)) == 1
        status, _, text = await _get(ds, sql_path("select count(*) as n from extractions"))
        assert status == 200 and json.loads(text)["rows"] == [[1]]
        # And what both have reads the same: the articles are all there.
        status, _, text = await _get(ds, "/index/search.json?q=Ramadi&_shape=array")
        assert seed_pages()["trtworld"].url in {row["url"] for row in json.loads(text)}

    asyncio.run(run())


def second_build(archive: Path) -> Path:
    """A copy of the current index with one more table, in DIR/index-builds/."""
    build = archive / "index-builds" / f"index-test-{time.monotonic_ns()}.db"
    build.parent.mkdir(exist_ok=True)
    source = sqlite3.connect(archive / "index.db")
    target = sqlite3.connect(build)
    source.backup(target)
    source.close()
    target.execute("create table only_in_new (x)")
    target.commit()
    target.close()
    return build


def test_a_request_in_flight_finishes_on_the_build_it_started_on(archive: Path) -> None:
    """The follow step, as the served app runs it, around a request that waits while
    the index is swapped: it keeps its build; a request after the swap reads the new one."""
    from archive.serve_follow import follow_asgi

    async def run() -> None:
        ds = datasette_app(archive)
        await ds.invoke_startup()
        started, release = asyncio.Event(), asyncio.Event()
        seen: dict[str, int] = {}

        async def probe(scope: dict, receive: Any, send: Any) -> None:
            if scope["path"] == "/slow":
                started.set()
                await release.wait()
            result = await ds.get_database("index").execute(
                "select count(*) from sqlite_master where name = 'only_in_new'")
            seen[scope["path"]] = result.first()[0]

        app = follow_asgi(ds, probe)
        scope = {"type": "http", "path": "/slow"}
        slow = asyncio.create_task(app(scope, None, None))
        await asyncio.wait([slow, asyncio.create_task(started.wait())],
                           return_when=asyncio.FIRST_COMPLETED)
        if slow.done():
            slow.result()  # it failed before the swap: say why
        swap_in(archive, second_build(archive))
        await app({"type": "http", "path": "/after"}, None, None)
        release.set()
        await slow
        assert seen == {"/slow": 0, "/after": 1}
        # The real app too: the new table is served.
        status, _, _ = await _get(ds, "/index/only_in_new.json")
        assert status == 200

    asyncio.run(run())


def orphans(archive: Path) -> list[str]:
    """WAL and shared-memory files of no database: beside DIR/index.db once it is a link
    (SQLite puts a build's beside the build), or of a build deleted."""
    companions = [*archive.glob("index.db-*"), *archive.glob("index-builds/*.db-*")]
    return sorted(str(f.relative_to(archive)) for f in companions
                  if ((archive / "index.db").is_symlink() and f.parent == archive)
                  or not Path(str(f).rsplit("-", 1)[0]).exists())


def test_no_wal_is_left_orphaned_by_a_rebuild_under_a_running_serve(
        archive: Path, serve_process: Servers) -> None:
    """crawl -> serve -> reextract -> requests -> reextract -> requests -> stop: every
    WAL and shared-memory file left is beside the database it belongs to."""
    assert not (archive / "index.db").is_symlink()  # the crawl's plain index file
    url = serve_process("--archive", str(archive))
    with ThreadPoolExecutor(max_workers=6) as pool:  # every SQL thread opens the index
        assert {s for s, _, _ in pool.map(fetch, [url + "/index/articles.json"] * 12)} == {200}
        for _ in range(2):
            reextract(archive)
            pages = [url + "/index/extractions.json", url + "/index/articles.json"] * 6
            assert {s for s, _, _ in pool.map(fetch, pages)} == {200}
    serve_process.stop()
    assert orphans(archive) == []


# ------------------------------------------------------------------ case 7: public


def test_public_instance_refuses_arbitrary_sql_and_keeps_the_canned_queries(
        archive: Path) -> None:
    url = seed_pages()["ina"].url
    responses = get_all(archive, [
        sql_path("select 1"),
        "/index?" + urlencode({"sql": "select 1"}),
        "/index/articles.json?_where=1",
        "/index/search.json?q=Ramadi&_shape=array",
        "/index/edited_articles.json?_shape=array",
        f"/index/article_history.json?_shape=array&url={quote(url)}",
        "/index/removed_articles.json?_shape=array",
        "/index/articles.json?_search=Ramadi&_shape=array",
        "/index/articles.json?source=ina&_shape=array",
        "/index",
    ], public=True)
    statuses = [status for status, _, _ in responses]
    assert statuses[:3] == [403, 403, 403]
    assert statuses[3:] == [200] * 7, [text[:200] for _, _, text in responses]
    hits = search(archive / "index.db", "Ramadi")
    assert [row["url"] for row in json.loads(responses[3][2])] == [h.url for h in hits]
    assert [row["version"] for row in json.loads(responses[5][2])] == [1]
    assert seed_pages()["trtworld"].url in {row["url"] for row in json.loads(responses[7][2])}
    assert {row["source"] for row in json.loads(responses[8][2])} == {"ina"}
    assert 'name="sql"' not in responses[9][2]  # no SQL box on the database page
    # The same app without --public runs SQL (what --public turns off).
    assert get(archive, sql_path("select 1"), public=False)[0] == 200


def test_raw_full_text_queries_are_refused_on_a_public_instance(archive: Path) -> None:
    path = "/index/articles.json?" + urlencode({"_search": "a* OR b*", "_searchmode": "raw"})
    status, _, text = get(archive, path, public=True)
    assert status == 403 and "Raw full-text queries are off" in text
    assert get(archive, path, public=False)[0] == 200


INTROSPECTION = ["/-/databases.json", "/-/databases", "/-/versions.json", "/-/plugins.json",
                 "/-/threads.json", "/%2D/databases.json"]
PAGES = ["/", "/index", "/index.json", "/index/articles", "/index/articles.json",
         "/index/captures.json", "/index/search?q=Ramadi", "/-/metadata.json",
         "/-/settings.json", "/index/nosuchtable", "/nosuchdatabase", "/index/articles/1"]


def test_public_instance_shows_no_file_path(archive: Path) -> None:
    paths = {str(archive), str(archive.resolve()), "index-builds"}
    swap_in(archive, second_build(archive))  # served from DIR/index-builds/ now
    responses = get_all(archive, INTROSPECTION + PAGES, public=True)
    for path, (status, _, text) in zip(INTROSPECTION + PAGES, responses, strict=True):
        assert not any(p in text for p in paths), path
        if path in INTROSPECTION:
            assert status == 404, path
    # Without --public, /-/databases.json shows the build's absolute path.
    status, _, text = get(archive, "/-/databases.json", public=False)
    assert status == 200 and str((archive / "index.db").resolve()) in text


def test_robots_are_kept_away(archive: Path) -> None:
    for public in (True, False):
        (status, headers, text), page = get_all(archive, ["/robots.txt", "/index/articles"],
                                                public=public)
        assert status == 200 and "User-agent: *\nDisallow: /" in text
        assert "noindex" in headers["x-robots-tag"] and "noindex" in page[1]["x-robots-tag"]


def test_public_instance_offers_no_download_of_the_database(archive: Path) -> None:
    (db_status, _, _), (stream_status, _, _), (_, _, page), (_, _, settings) = get_all(
        archive, ["/index.db", "/index/articles.csv?_stream=on", "/index",
                  "/-/settings.json"], public=True)
    assert db_status == 403
    assert stream_status == 400  # CSV of the whole table: streaming off
    assert 'href="/index.db"' not in page
    assert json.loads(settings)["allow_download"] is False
    status, _, text = get(archive, "/index/articles.csv", public=True)
    assert status == 200 and text.startswith("id,")  # a page of CSV still works


# A printf() refused is an exception in a Python SQL function, which Datasette has SQLite
# report (sqlite3.enable_callback_tracebacks); the served process keeps it off its log.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("sql", HOSTILE_SQL)
def test_one_expression_cannot_outlast_the_time_limit(archive: Path, sql: str) -> None:
    """Without --public (where SQL is allowed), each fails at once, well under the 1 s limit."""
    async def run() -> tuple[Response, float]:
        ds = datasette_app(archive)
        await ds.invoke_startup()
        await _get(ds, sql_path("select 1"))  # the app's first request sets it up
        started = time.perf_counter()
        response = await _get(ds, sql_path(sql))
        return response, time.perf_counter() - started

    (status, _, text), elapsed = asyncio.run(run())
    assert status == 400, text[:300]
    assert elapsed < 0.5, f"{sql}: {elapsed:.1f} s"


def test_the_caps_leave_ordinary_sql_and_long_texts_alone(tmp_path: Path) -> None:
    """The length cap is above the longest text extraction can give (SQLite would refuse
    to read a longer one); printf, LIKE and GLOB still work within their caps."""
    from archive.serve_limits import LIKE_PATTERN_CAP, TEXT_LENGTH_CAP

    assert TEXT_LENGTH_CAP > 3 * DEFAULT_OPTIONS.max_html_bytes
    text = "word " * (DEFAULT_OPTIONS.max_html_bytes // 5)
    index = IndexWriter(tmp_path / "index.db", search=False)
    with index.batch():
        index.add_article(dataclasses.replace(article(1), text=text))
    index.close()
    status, _, body = get(tmp_path, sql_path(
        "select length(text), printf('%.*c', 1000, 'x') = replace(hex(zeroblob(500)), '0', 'x'),"
        f" text like '%{'w' * (LIKE_PATTERN_CAP - 2)}%', text glob '*word*' from articles"),
        public=False)
    assert status == 200, body[:300]
    assert json.loads(body)["rows"] == [[len(text), 1, 0, 1]]
    status, _, body = get(tmp_path, sql_path(f"select 'a' like '{'%' * (LIKE_PATTERN_CAP + 1)}'"),
                          public=False)
    assert status == 400 and "pattern too complex" in body


# Formats and `*` arguments whose widths SQLite reads in ways a naive parser does not: a
# blob format, `%n` (which reads no argument in SQL), text that starts with a number.
PRINTF_FORMATS = ["%.*c", "%*c", "%n%.*c", "%%%.*c", "%5%%.*c", "%*%%*c", "%-0*.*c", "%!,*d",
                  "%.*f", "%*s", "%.*q", "%ll*d", "%1000c", "%.1000d", "%n%n%*d", "%.*%%*c"]
PRINTF_COUNTS = [1000, 1000.5, -1000, "1000", " 1000", "+1000", "-1000", "1000x", "\t1000abc",
                 "0001000", "1e3", "1000.9", b"1000", b" 1000x", "\n1000 "]


def test_printf_widths_are_read_as_sqlite_reads_them() -> None:
    """Whenever SQLite's own printf writes 1,000 characters or more, the check saw widths
    adding up to 1,000 or more (so a width of a billion cannot get past it)."""
    from archive.serve_limits import PRINTF_WIDTH_CAP, printf_widths

    assert list(printf_widths("%d %s", [1, "x"])) == []
    assert list(printf_widths("%5d%%%.3f", [1, 2.0])) == [5, 3]
    assert list(printf_widths("%.*c", [1e9, "x"])) == [1_000_000_000]
    assert list(printf_widths("%*.*s|%-*d", ["12", -7, "x", "-40", 3])) == [12, 7, 40]
    assert list(printf_widths("%!,-+ #012.4lld", [5])) == [12, 4]
    assert list(printf_widths("%.*c", [])) == [0]  # a missing argument reads as 0
    assert list(printf_widths("%n%.*c", [1e9, "x"])) == [1_000_000_000]
    assert list(printf_widths(b"%.*c", ["1000000000x", "x"])) == [1_000_000_000]
    assert list(printf_widths("%.*c%.*c", ["nan", "x", "9" * 5000, "x"]))[0] == 0
    assert sum(printf_widths("%.*c", [PRINTF_WIDTH_CAP + 1, "x"])) > PRINTF_WIDTH_CAP
    sqlite = sqlite3.connect(":memory:")  # SQLite's own printf
    long_outputs = 0
    for fmt in [*PRINTF_FORMATS, *(f.encode() for f in PRINTF_FORMATS)]:
        for count in PRINTF_COUNTS:
            for args in ([count] * 4, [count, "x"] * 2, ["x", count] * 2):
                out = sqlite.execute("select printf(?, ?, ?, ?, ?)", (fmt, *args)).fetchone()[0]
                if out is not None and len(out) >= 1000:
                    long_outputs += 1
                    assert sum(printf_widths(fmt, args)) >= 1000, (fmt, args)
    assert long_outputs > 500


# ------------------------------------------------------------------ the served process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, timeout: float = 30) -> tuple[int, str, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read().decode()
    return status, body, time.perf_counter() - started


def stop(proc: subprocess.Popen) -> None:
    """The whole process group: `pressarchive serve` and the Datasette it started."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class Servers:
    """`python -m archive.cli serve ARGS...` processes, each started and waited for until
    it answers (its output goes to a file: a pipe nobody reads would fill and block it)."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.procs: list[subprocess.Popen] = []

    def __call__(self, *args: str) -> str:
        port = free_port()
        log = self.logs / f"serve-{port}.log"
        with open(log, "wb") as out:
            # No replay (--replay-port 0): the port after a free one may be taken.
            proc = subprocess.Popen([sys.executable, "-m", "archive.cli", "serve", *args,
                                     "--port", str(port), "--replay-port", "0"], cwd=REPO,
                                    start_new_session=True,
                                    stdout=out, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/-/metadata.json", timeout=2).read()
                return url
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    stop(proc)
                    pytest.fail(f"the server did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)

    def output(self, url: str) -> str:
        return (self.logs / f"serve-{url.rsplit(':', 1)[1]}.log").read_text()

    def stop(self) -> None:
        for proc in self.procs:
            stop(proc)


@pytest.fixture
def serve_process(tmp_path: Path) -> Iterator[Servers]:
    servers = Servers(tmp_path)
    yield servers
    servers.stop()


@pytest.mark.parametrize("public", [True, False], ids=["public", "local"])
def test_hostile_requests_do_not_hold_up_the_search(archive: Path, serve_process: Servers,
                                                    public: bool) -> None:
    """Six hostile requests at once (the issue: a normal search then took 11.5 s): each
    is refused (public) or fails at once (SQL allowed); the search answers meanwhile."""
    url = serve_process("--archive", str(archive), *(["--public"] if public else []))
    hostile = [url + sql_path(sql) for sql in (HOSTILE_SQL * 2)[:6]]
    search_url = url + "/index/search.json?q=Ramadi&_shape=array"
    with ThreadPoolExecutor(max_workers=7) as pool:
        attacks = [pool.submit(fetch, u) for u in hostile]
        time.sleep(0.05)
        status, body, elapsed = pool.submit(fetch, search_url).result()
        outcomes = [attack.result() for attack in attacks]
    assert status == 200
    assert [row["url"] for row in json.loads(body)] == [
        h.url for h in search(archive / "index.db", "Ramadi")]
    assert elapsed < 3.0, f"the search took {elapsed:.1f} s"
    for hostile_status, text, seconds in outcomes:
        assert hostile_status == (403 if public else 400), text[:300]
        assert seconds < 2.0


def test_pages_that_keep_the_sql_threads_busy_do_not_delay_the_search(archive: Path) -> None:
    """Datasette runs the queries of every page on a few threads in turn: pages that a
    public visitor may ask for and that each hold a thread up to the time limit (a filter
    scanning every text, a dozen facets) made the search wait behind them (six at once:
    2 s at 300,000 articles, instead of 0.03 s). The search has threads of its own."""
    async def run() -> None:
        ds = datasette_app(archive)
        await ds.invoke_startup()
        await _get(ds, "/index/search.json?q=Ramadi")  # the app's first request sets it up
        loop, release = asyncio.get_running_loop(), threading.Event()
        busy = [loop.run_in_executor(ds.executor, release.wait, 10)  # every shared thread
                for _ in range(ds.setting("num_sql_threads"))]
        try:
            started = time.perf_counter()
            status, _, text = await _get(ds, "/index/search.json?q=Ramadi&_shape=array")
            elapsed = time.perf_counter() - started
            assert elapsed < 1.0, f"the search waited {elapsed:.1f} s"
            assert status == 200 and seed_pages()["trtworld"].url in text
            table = asyncio.ensure_future(_get(ds, "/index/articles.json"))
            await asyncio.sleep(0.3)
            assert not table.done()  # the other pages do wait for a shared thread
        finally:
            release.set()
            await asyncio.gather(*busy)
        assert (await table)[0] == 200

    asyncio.run(run())


def test_a_non_loopback_host_serves_as_public_unless_told_otherwise(archive: Path,
                                                                    serve_process: Servers) -> None:
    url = serve_process("--archive", str(archive), "--host", "0.0.0.0")
    assert fetch(url + sql_path("select 1"))[0] == 403
    assert fetch(url + "/-/databases.json")[0] == 404
    assert fetch(url + "/index/search.json?q=Ramadi")[0] == 200
    assert "not a loopback address: serving as --public" in serve_process.output(url)
    url = serve_process("--archive", str(archive), "--host", "0.0.0.0", "--no-public")
    assert fetch(url + sql_path("select 1"))[0] == 200
    assert "warning: --no-public on 0.0.0.0" in serve_process.output(url)

    from archive.serve_public import public_by_default

    assert public_by_default("0.0.0.0", None) and public_by_default("example.org", None)
    assert not public_by_default("127.0.0.1", None) and not public_by_default("::1", None)
    assert not public_by_default("localhost", None) and not public_by_default("0.0.0.0", False)
    assert public_by_default("127.0.0.1", True)
    assert "--public" in datasette_command(archive, host="0.0.0.0", port=1, public=True)


# ------------------------------------------------------------------ case 9: a broken index


def truncate_to_half(db: Path) -> None:
    with open(db, "r+b") as f:
        f.truncate(db.stat().st_size // 2)


def garbage(db: Path) -> None:
    db.write_bytes(os.urandom(64 * 1024))


def not_sqlite(db: Path) -> None:
    db.write_text("this is not a database\n" * 100)


def empty_file(db: Path) -> None:
    db.write_bytes(b"")


def someone_elses_database(db: Path) -> None:
    db.unlink()
    conn = sqlite3.connect(db)
    conn.execute("create table notes (x)")
    conn.commit()
    conn.close()


BREAKAGES = [truncate_to_half, garbage, not_sqlite, empty_file, someone_elses_database]


def cli_serve(archive: Path, timeout: float = 60) -> tuple[int | None, str]:
    """`pressarchive serve` in its own process group; None if it was still running
    (serving) after `timeout` seconds, then stopped with its Datasette."""
    proc = subprocess.Popen([sys.executable, "-m", "archive.cli", "serve", "--archive",
                             str(archive), "--port", str(free_port()), "--replay-port", "0"],
                            cwd=REPO,
                            start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _, stderr = proc.communicate(timeout=timeout)
        return proc.returncode, stderr
    except subprocess.TimeoutExpired:
        stop(proc)
        return None, proc.stderr.read() if proc.stderr else ""


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda f: f.__name__)
def test_serve_on_a_broken_index_is_one_line_naming_the_fix(archive: Path, breakage) -> None:
    breakage(archive / "index.db")
    code, stderr = cli_serve(archive, timeout=30)
    assert code == 4, f"exit {code}: {stderr[-1500:]}"
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr[-1500:]
    assert f"pressarchive reextract --archive {archive}" in lines[0]
    assert str(archive / "index.db") in lines[0]


def test_a_truncated_index_is_found_even_when_the_check_runs_out_of_time(
        archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large index gets only the first seconds of quick_check: a file shorter than its
    header says, by a single page, is still refused (SQLite compares them at open)."""
    from archive import serve
    from archive.errors import UnusableArchive
    from archive.serve import check_index

    db = archive / "index.db"
    monkeypatch.setattr(serve, "QUICK_CHECK_SECONDS", 0.0)
    check_index(archive)  # the intact copy passes
    page_size = sqlite3.connect(db).execute("pragma page_size").fetchone()[0]
    with open(db, "r+b") as f:
        f.truncate(db.stat().st_size - page_size)
    with pytest.raises(UnusableArchive, match="malformed.*reextract --archive"):
        check_index(archive)
