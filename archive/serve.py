"""Serve an archive's index with Datasette, configured from settings/.

`pressarchive serve` runs Datasette in a child process (`python -m archive.serve`),
built by datasette_app(), which the tests and bench/search_bench.py use too, so what
they measure is what is served:

- the metadata of settings/datasette-metadata.json, plus the `search` canned query,
  whose SQL is archive.index.search.ranked_search_sql() (the SQL `pressarchive search`
  runs: one source of truth, never a copy in the JSON);
- the SQL function that query reads the user's text through
  (archive.index.search.register_search_functions), registered as a Datasette plugin;
- DATASETTE_SETTINGS (see docs/settings.md);
- size limits on every connection (archive/serve_limits.py);
- DIR/index.db followed to the build it points to, per request, so a rebuilt index is
  served without a restart (archive/serve_follow.py);
- the `search` query on SQL threads of its own, so that pages working up to the time
  limit on Datasette's threads do not delay it (ArchiveDatasette.executor);
- with `public`, what a public instance turns off (archive/serve_public.py);
- the research pages (archive/web/routes.py: /, /search, /article/ID, /captures), routes
  of this plugin rendered with the templates of archive/web/templates/, and beside
  Datasette pywb replaying the archive's WARC files (archive/web/replay.py), started and
  stopped with it by run_datasette().

The index is checked at start (check_index): a file that is not a readable index is one
line naming the fix, not a server answering 500 to every request.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import json
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm

from archive import exitcodes
from archive.errors import PressArchiveError, UnusableArchive
from archive.index.lexicon import load_lexicon
from archive.index.queries import read_table_ends
from archive.index.search import (
    FILTER_SCAN,
    MMAP_BYTES,
    RANK_WINDOW,
    fts_query_or_nothing,
    ranked_search_sql,
    register_search_functions,
)
from archive.layout import INDEX_FILENAME, INDEX_TABLES, ArchiveLayout, read_index
from archive.serve_article_links import article_url_cell
from archive.serve_follow import Asgi, FollowingDatasette, follow_asgi
from archive.serve_limits import limit_connection, quiet_printf_refusals
from archive.serve_public import PUBLIC_SETTINGS, is_loopback, public_by_default, visitor_asgi
from archive.settings_files import settings_file
from archive.web.ports import require_free
from archive.web.replay_proxy import ROUTES as REPLAY_ROUTES
from archive.web.routes import ROUTES

TEMPLATES = Path(__file__).resolve().parent / "web" / "templates"

DATASETTE_METADATA = settings_file("datasette-metadata.json")
# Datasette names a database after its file: DIR/index.db is /index.
DATABASE = Path(INDEX_FILENAME).stem
SEARCH_QUERY = "search"
SEARCH_PARAMS = ["q", "source", "since", "topic", "synonyms"]
# Settings of `pressarchive serve` that differ from Datasette's defaults, or that we
# rely on (docs/settings.md says why; bench/search_bench.py measures them at 1M rows).
DATASETTE_SETTINGS: dict[str, Any] = {
    # Datasette's default, kept. At 1M articles the `search` query answers in under
    # 200 ms, and the rows of the table's `_search` of a word in every article in
    # about 0.3 s; counting those matches takes longer and is given up at this limit
    # (Datasette then shows no count). Only a table search also filtered by a column
    # comes near it for a common word: the `search` query is the one to use then.
    "sql_time_limit_ms": 1000,
    # Datasette's default: a facet of a large result gives up after this.
    "facet_time_limit_ms": 200,
    # Suggested facets try every column of the result (50 ms each): seconds per page
    # on a large index, and none finishes in time there.
    "suggest_facets": False,
}
PLUGIN_NAME = "pressarchive-search"
# The `search` query's own SQL threads (Datasette's num_sql_threads, 3, run the rest).
SEARCH_THREADS = 2
# The `search` query's page, as HTML, JSON, CSV..., and the search page (archive/web/).
SEARCH_PATH = re.compile(rf"(/{DATABASE}/{SEARCH_QUERY}(\.\w+)?|/search)$")
# True while a request to SEARCH_PATH is answered (asyncio copies context per task).
_IN_SEARCH: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "pressarchive_in_search", default=False)
# The start-up check reads the whole of a small index; a large one (about 5 s per GB
# from the page cache) only for this long, after its tables' first and last pages.
QUICK_CHECK_SECONDS = 2.0


@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Datasette plugin hook (this module is the plugin), run after Datasette's own:
    - pressarchive_fts_query() and the other functions the `search` canned query reads
      its text through, and the search form the full-text index reads the articles
      through (archive/index/normalise.py: for highlight());
    - escape_fts() replaced by the same function, so the table's search box reads what
      users type by the rules of `pressarchive search` (words, "phrases", no operators,
      never a syntax error; Arabic spellings; synonyms are the `search` query's)
      instead of Datasette's (where `"` alone is an error);
    - memory-mapped reads, as `pressarchive search` uses;
    - the size limits of archive/serve_limits.py."""
    limit_connection(conn)
    register_search_functions(conn)
    conn.create_function("escape_fts", 1, fts_query_or_nothing, deterministic=True)
    conn.execute(f"pragma mmap_size = {MMAP_BYTES}")


@hookimpl
def render_cell(value: object, column: str, table: str | None,
                database: str | None) -> object:
    """Datasette plugin hook: an article's URL links to its claims and its story's other
    copies too (archive/serve_article_links.py)."""
    return article_url_cell(value, column, table, database)


@hookimpl
def register_routes(datasette: Datasette) -> list:
    """Datasette plugin hook: the research pages (archive/web/routes.py), before
    Datasette's own routes (so / is the archive's home page), for the app
    datasette_app() builds only."""
    return [*ROUTES, *REPLAY_ROUTES] if isinstance(datasette, ArchiveDatasette) else []


@hookimpl
def asgi_wrapper(datasette: Datasette) -> Callable[[Asgi], Asgi]:
    """Datasette plugin hook: the index followed per request and the visitor rules, for
    the app datasette_app() builds (other Datasette instances are left as they are)."""
    if not isinstance(datasette, ArchiveDatasette):
        return lambda app: app
    public = datasette.public
    return lambda app: visitor_asgi(follow_asgi(datasette, search_lane(app)), public=public)


def search_lane(app: Asgi) -> Asgi:
    """The ASGI app, marking the requests to the `search` query (ArchiveDatasette.executor)."""

    async def marking(scope: dict, receive: Callable, send: Callable) -> None:
        in_search = scope["type"] == "http" and bool(SEARCH_PATH.match(scope.get("path", "")))
        token = _IN_SEARCH.set(in_search)
        try:
            await app(scope, receive, send)
        finally:
            _IN_SEARCH.reset(token)

    return marking


class ArchiveDatasette(FollowingDatasette):
    """Datasette on DIR/index.db as `pressarchive serve` runs it."""

    def __init__(self, archive: Path, *, public: bool, replay: str = "", **kwargs: object):
        self.public = public  # read by asgi_wrapper() while Datasette builds its app
        # pywb's base URL (archive/web/replay.py; "": no replay), reached through our
        # /press/ routes too (archive/web/replay_proxy.py). Pages link to replays at
        # replay_base: pywb itself, or, for visitors who cannot reach 127.0.0.1 (a public
        # instance), this instance's own /press/.
        self.replay_upstream = replay
        self.replay_base = "/" if replay and public else replay
        self.search_executor = ThreadPoolExecutor(SEARCH_THREADS, "search")
        super().__init__(ArchiveLayout(archive).index_db, name=DATABASE, **kwargs)

    # Datasette runs every query of every database on self.executor, a few threads in
    # turn: requests that each keep one busy up to the time limit (a filter scanning
    # every text, a dozen facets) would make the search wait for them. A request to the
    # `search` query runs its queries on threads of its own instead.
    @property
    def executor(self) -> Executor | None:
        if _IN_SEARCH.get() and self._shared_executor is not None:
            return self.search_executor
        return self._shared_executor

    @executor.setter
    def executor(self, value: Executor | None) -> None:
        self._shared_executor = value


def register_plugin() -> None:
    """Register this module as a Datasette plugin (once per process)."""
    if pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(sys.modules[__name__], name=PLUGIN_NAME)


def search_query() -> dict[str, Any]:
    """The `search` canned query: the bounded ranking of `pressarchive search`."""
    return {
        "title": "Search articles",
        "description_html": (
            "<p>Ranked full-text search, as <code>pressarchive search</code>: every word "
            "must occur (any order), <code>\"quoted words\"</code> as a phrase, English "
            "stemming, French accents and Arabic harakat, tatweel, alef forms, ة/ه, ى/ي, "
            "the article ال and the prefixes و ف ب ك ل do not matter; title matches "
            "weigh ten times body matches. FTS operators and "
            "punctuation are not interpreted, so any text is safe; text with no words "
            "gives no rows. <code>source</code> (a source's name, as <code>scrapy "
            "list</code> shows them: trtworld, ina_ar, france24_fr...), <code>since</code> "
            "(YYYY-MM-DD, published on or after) and <code>topic</code> "
            "(<code>coalition</code>: the articles about the coalition's war against ISIS, "
            "by their relevance) are optional "
            "filters.</p><p>A term of the lexicon (ISIS, Daesh, داعش, État "
            "islamique, coalition, Mosul...) is looked for as any of its synonyms, shown "
            "in the <code>synonyms</code> column; <code>synonyms</code> = "
            "<code>off</code> looks for the words as typed.</p>"
            "<p>To answer fast at any size, bm25 ranks at most "
            f"the {RANK_WINDOW:,} newest matching articles (those passing the filters): a query "
            "with fewer matches is ranked exactly; for a common word "
            "<code>approximate</code> is 1. With a filter or a phrase, matches are "
            f"looked for among the {FILTER_SCAN:,} newest articles containing all the words "
            "(a phrase of common words is then ranked by its words). JSON: "
            "<code>search.json?q=Ramadi&amp;_shape=array</code>.</p>"
        ),
        "sql": ranked_search_sql(),
        "params": list(SEARCH_PARAMS),
    }


def datasette_metadata(path: Path = DATASETTE_METADATA) -> dict[str, Any]:
    """The metadata Datasette is given: the JSON file plus the `search` canned query."""
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PressArchiveError(f"cannot read Datasette metadata {path}: {exc}") from exc
    database = metadata.setdefault("databases", {}).setdefault(DATABASE, {})
    database.setdefault("queries", {})[SEARCH_QUERY] = search_query()
    return metadata


def _quick_check(conn: sqlite3.Connection, seconds: float) -> str | None:
    """SQLite's quick_check for at most `seconds`: its first problem, or None (none
    found, or time was up)."""
    deadline = time.monotonic() + seconds
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        result = conn.execute("pragma quick_check(1)").fetchone()[0]
    except sqlite3.OperationalError as exc:
        if "interrupted" not in str(exc):
            raise
        return None
    finally:
        conn.set_progress_handler(None, 0)
    return None if result == "ok" else str(result)


def check_index(archive: Path) -> None:
    """Raise UnusableArchive, in one line naming the fix, unless DIR/index.db is an
    index Datasette can serve: a file that is not SQLite, not an index, or truncated
    would otherwise start a server that answers 500 to every request. Reads the first
    and last rows of the main tables and runs SQLite's quick_check (bounded in time).
    A file shorter than its header says fails at the first read (SQLite compares them)."""
    layout = ArchiveLayout(archive)
    with layout.read_index() as conn:
        read_table_ends(conn, INDEX_TABLES)
        problem = _quick_check(conn, QUICK_CHECK_SECONDS)
        if problem:
            raise layout.unusable_index(problem)


def datasette_app(archive: Path, *, public: bool = False, replay: str = "") -> ArchiveDatasette:
    """Datasette as `pressarchive serve` runs it, on DIR/index.db (not immutable: the
    crawl keeps writing to it), following it to each new build; `public` adds the
    settings of a public instance (archive/serve_public.py)."""
    ArchiveLayout(archive).require_index()
    load_lexicon()  # a mistake in it stops the server with one line, not every search
    register_plugin()
    settings = {**DATASETTE_SETTINGS, **(PUBLIC_SETTINGS if public else {})}
    return ArchiveDatasette(archive, public=public, replay=replay,
                            metadata=datasette_metadata(), settings=settings,
                            template_dir=str(TEMPLATES))


def datasette_command(archive: Path, *, host: str, port: int,
                      public: bool = False, replay: str = "") -> list[str]:
    """The command of the Datasette process, once the index is known to be servable."""
    check_index(archive)
    return _command(archive, host=host, port=port, public=public, replay=replay)


def _command(archive: Path, *, host: str, port: int, public: bool, replay: str) -> list[str]:
    return [sys.executable, "-m", "archive.serve", str(archive),
            "--host", host, "--port", str(port), *(["--public"] if public else []),
            *(["--replay", replay] if replay else [])]


def serving_mode_line(host: str, public: bool | None) -> str | None:
    """What to say about the mode chosen, if it is not the obvious one."""
    if public is None and not is_loopback(host):
        return (f"--host {host} is not a loopback address: serving as --public (no SQL of "
                "one's own, no downloads, no file paths; --no-public to allow them)")
    if public is False and not is_loopback(host):
        return (f"warning: --no-public on {host}: anyone who reaches it may run any SQL "
                "and see the index's file path")
    return None


def check_ports(host: str, port: int, replay_port: int | None) -> None:
    """One line (PressArchiveError) if the Datasette or the replay port is taken; the
    demo asks before crawling."""
    require_free(host, port, "Datasette", "--port")
    if replay_port:
        require_free("127.0.0.1", replay_port, "pywb replay", "--replay-port")


def run_datasette(archive: Path, *, host: str = "127.0.0.1", port: int = 8001,
                  public: bool | None = None, replay_port: int | None = None) -> int:
    """Serve until Ctrl-C or SIGTERM; the Datasette child never outlives this process.
    `public` None: public unless `host` is a loopback address. With `replay_port`, pywb
    replays the archive's WARC files there (127.0.0.1), stopped with Datasette; if
    pywb cannot start, one line says so and Datasette serves without replay links."""
    check_index(archive)
    check_ports(host, port, replay_port)
    line = serving_mode_line(host, public)
    if line:
        print(line, file=sys.stderr, flush=True)

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    # SIGTERM unwinds like Ctrl-C: the Datasette child, then pywb, are stopped.
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with contextlib.ExitStack() as stack:
            return _serve_with_replay(stack, archive, host=host, port=port, public=public,
                                      replay_port=replay_port)
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _serve_with_replay(stack: contextlib.ExitStack, archive: Path, *, host: str, port: int,
                       public: bool | None, replay_port: int | None) -> int:
    """pywb (entered on `stack`, so stopped after Datasette), then the Datasette child."""
    replay = ""
    if replay_port:
        from archive.samplesites.webarchive.pywb import PywbError
        from archive.web.replay import running_replay

        try:
            replay = stack.enter_context(running_replay(archive, replay_port))
            print(f"archived pages replayed by pywb at {replay}/press/", file=sys.stderr,
                  flush=True)
        except (PywbError, PressArchiveError) as exc:
            print(f"replay off: {str(exc).splitlines()[0]}", file=sys.stderr, flush=True)
    # The index was checked by run_datasette(), before pywb started.
    command = _command(archive, host=host, port=port, public=public_by_default(host, public),
                       replay=replay)
    return _run_child(command)


def _run_child(command: list[str]) -> int:
    """Run the Datasette process until it ends, or stop it as this one is stopped."""
    proc = subprocess.Popen(command)
    try:
        return proc.wait()
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def warm_up(db: Path) -> float:
    """Read what searches read (the full-text index, and the first page of every
    article row, where a filter finds `source` and `published`) into the OS page
    cache: at 1M articles, searches that wait for the disk take seconds, over
    Datasette's time limit. About 50 s for 1M articles. Returns the seconds taken."""
    started = time.perf_counter()
    try:
        with read_index(db) as conn:
            conn.execute("select sum(length(block)) from articles_fts_data").fetchone()
            # count(*) of the table itself (not an index) visits every leaf page.
            conn.execute("select count(*) from articles not indexed").fetchone()
    except UnusableArchive:
        pass  # an index without search (yet): nothing to warm
    return time.perf_counter() - started


def _warm_up_and_say(db: Path) -> None:
    print(f"index read into the page cache in {warm_up(db):.1f} s", file=sys.stderr, flush=True)


def serve_forever(archive: Path, *, host: str, port: int, public: bool = False,
                  replay: str = "") -> None:
    """What `datasette serve` does, for the app datasette_app() builds, and a warm-up
    of the page cache in the background (searches before it ends may be slow)."""
    import uvicorn

    quiet_printf_refusals()
    ds = datasette_app(archive, public=public, replay=replay)
    asyncio.run(ds.invoke_startup())
    threading.Thread(target=_warm_up_and_say, args=(ArchiveLayout(archive).index_db,),
                     name="warm-up", daemon=True).start()
    uvicorn.run(ds.app(), host=host, port=port, log_level="info", lifespan="on", workers=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m archive.serve",
                                     description="Serve an index with Datasette.")
    parser.add_argument("archive", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--public", action="store_true",
                        help="the settings of a public instance (archive/serve_public.py)")
    parser.add_argument("--replay", default="", help="pywb's base URL, for replay links")
    args = parser.parse_args(argv)
    try:
        serve_forever(args.archive, host=args.host, port=args.port, public=args.public,
                      replay=args.replay)
    except PressArchiveError as exc:
        print(f"Error: {' '.join(str(exc).split())}", file=sys.stderr)
        return exitcodes.COULD_NOT_RUN
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
