"""Serve an archive's index with Datasette, configured from settings/.

`pressarchive serve` runs Datasette in a child process (`python -m archive.serve`),
built by datasette_app(), which the tests and bench/search_bench.py use too, so what
they measure is what is served:

- the metadata of settings/datasette-metadata.json, plus the `search` canned query,
  whose SQL is archive.search.ranked_search_sql() (the SQL `pressarchive search`
  runs: one source of truth, never a copy in the JSON);
- the SQL function that query reads the user's text through
  (archive.search.register_search_functions), registered as a Datasette plugin;
- DATASETTE_SETTINGS (see docs/settings.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm

from archive.errors import PressArchiveError
from archive.index import INDEX_FILENAME
from archive.search import (
    FILTER_SCAN,
    MMAP_BYTES,
    RANK_WINDOW,
    fts_query_or_nothing,
    ranked_search_sql,
    register_search_functions,
)
from archive.sources import PROJECT_ROOT

DATASETTE_METADATA = PROJECT_ROOT / "settings" / "datasette-metadata.json"
# Datasette names a database after its file: DIR/index.db is /index.
DATABASE = Path(INDEX_FILENAME).stem
SEARCH_QUERY = "search"
SEARCH_PARAMS = ["q", "source", "since"]
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


@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Datasette plugin hook (this module is the plugin), run after Datasette's own:
    - pressarchive_fts_query(), which the `search` canned query reads its text through;
    - escape_fts() replaced by the same function, so the table's search box reads what
      users type by the rules of `pressarchive search` (words, "phrases", no operators,
      never a syntax error) instead of Datasette's (where `"` alone is an error);
    - memory-mapped reads, as `pressarchive search` uses."""
    register_search_functions(conn)
    conn.create_function("escape_fts", 1, fts_query_or_nothing, deterministic=True)
    conn.execute(f"pragma mmap_size = {MMAP_BYTES}")


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
            "stemming, title matches weigh ten times body matches. FTS operators and "
            "punctuation are not interpreted, so any text is safe; text with no words "
            "gives no rows. <code>source</code> (trtworld, france24, ina, chinatopix, "
            "nina) and <code>since</code> (YYYY-MM-DD, published on or after) are "
            "optional filters.</p><p>To answer fast at any size, bm25 ranks at most "
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


def datasette_app(archive: Path) -> Datasette:
    """Datasette as `pressarchive serve` runs it, on DIR/index.db (not immutable: the
    crawl keeps writing to it)."""
    db = archive / INDEX_FILENAME
    if not db.exists():
        raise PressArchiveError(f"no index at {db}: run `pressarchive crawl --archive {archive}`")
    register_plugin()
    return Datasette([str(db)], metadata=datasette_metadata(),
                     settings=dict(DATASETTE_SETTINGS))


def datasette_command(archive: Path, *, host: str, port: int) -> list[str]:
    db = archive / INDEX_FILENAME
    if not db.exists():
        raise PressArchiveError(f"no index at {db}: run `pressarchive crawl --archive {archive}`")
    return [sys.executable, "-m", "archive.serve", str(archive),
            "--host", host, "--port", str(port)]


def run_datasette(archive: Path, *, host: str = "127.0.0.1", port: int = 8001) -> int:
    """Serve until Ctrl-C or SIGTERM; the Datasette child never outlives this process."""
    command = datasette_command(archive, host=host, port=port)

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    proc = subprocess.Popen(command)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        signal.signal(signal.SIGTERM, previous)


def warm_up(db: Path) -> float:
    """Read what searches read (the full-text index, and the first page of every
    article row, where a filter finds `source` and `published`) into the OS page
    cache: at 1M articles, searches that wait for the disk take seconds, over
    Datasette's time limit. About 50 s for 1M articles. Returns the seconds taken."""
    started = time.perf_counter()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        conn.execute("select sum(length(block)) from articles_fts_data").fetchone()
        # count(*) of the table itself (not an index) visits every leaf page.
        conn.execute("select count(*) from articles not indexed").fetchone()
    except sqlite3.Error:
        pass  # an index without search (yet): nothing to warm
    finally:
        conn.close()
    return time.perf_counter() - started


def _warm_up_and_say(db: Path) -> None:
    print(f"index read into the page cache in {warm_up(db):.1f} s", file=sys.stderr, flush=True)


def serve_forever(archive: Path, *, host: str, port: int) -> None:
    """What `datasette serve` does, for the app datasette_app() builds, and a warm-up
    of the page cache in the background (searches before it ends may be slow)."""
    import uvicorn

    ds = datasette_app(archive)
    asyncio.run(ds.invoke_startup())
    threading.Thread(target=_warm_up_and_say, args=(archive / INDEX_FILENAME,),
                     name="warm-up", daemon=True).start()
    uvicorn.run(ds.app(), host=host, port=port, log_level="info", lifespan="on", workers=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m archive.serve",
                                     description="Serve an index with Datasette.")
    parser.add_argument("archive", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    try:
        serve_forever(args.archive, host=args.host, port=args.port)
    except PressArchiveError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
