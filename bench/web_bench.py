"""Benchmark: the research pages of `pressarchive serve` (archive/web/) on a large index.

    .venv/bin/python bench/web_bench.py --db bench/out/search-1000000.db [--repeat 5]

The index is one bench/search_bench.py builds (`--build-only`; 1M articles by default).
Datasette is built by archive.serve.datasette_app(), as `serve` runs it, the index read
into the page cache first (as `serve` does at start); each page is fetched through
Datasette's in-process client `--repeat` times after one untimed fetch, and its median
and worst times printed, with its status and the hits it shows (a search page). Words:
"coalition" and "the" (common), a rare word from the titles of random articles, a
phrase. The pages must answer under
Datasette's time limit (sql_time_limit_ms, 1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.layout import ArchiveLayout  # noqa: E402
from archive.serve import datasette_app, warm_up  # noqa: E402


def pick(db: Path, seed: int) -> dict[str, str]:
    """Ids, URLs, a source, a language and a year that the index holds."""
    rng = random.Random(seed)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    top = conn.execute("select max(seq) from articles").fetchone()[0]
    rows = [conn.execute("select id, url, source, language, substr(published, 1, 4), title "
                         "from articles where seq >= ? order by seq limit 1",
                         [rng.randint(1, top)]).fetchone() for _ in range(5)]
    titles = " ".join(row[5] for row in rows).split()
    rare = min((w for w in titles if w.isalpha() and len(w) > 6), key=len, default="Ramadi")
    return {"ids": [str(row[0]) for row in rows], "url": rows[0][1], "source": rows[0][2],
            "language": rows[0][3], "year": rows[0][4], "rare": rare}


def pages(found: dict) -> list[tuple[str, str]]:
    ids = found["ids"]
    return [
        ("home", "/"),
        ("search, no words (newest 20,000)", "/search"),
        ("search, no words, filtered by year", f"/search?year={found['year']}"),
        ("search a common word, best first", "/search?q=coalition"),
        ("search a very common word (the)", "/search?q=the"),
        ("search a common word, newest first", "/search?q=coalition&sort=newest"),
        ("search a common word, page 10", "/search?q=coalition&page=10"),
        ("search a common word + source", f"/search?q=coalition&source={found['source']}"),
        ("search a common word + language + year",
         f"/search?q=coalition&language={found['language']}&year={found['year']}"),
        ("search a rare word", f"/search?q={quote(found['rare'])}"),
        ("search a phrase", "/search?q=%22air+strikes%22"),
        ("article page", f"/article/{ids[1]}"),
        ("article page (another)", f"/article/{ids[2]}"),
        ("citation, BibTeX", f"/article/{ids[3]}/citation.bib"),
        ("citation, CSL-JSON", f"/article/{ids[4]}/citation.json"),
        ("captures of a URL", f"/captures?url={quote(found['url'], safe='')}"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared with other work), "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    archive = args.db.parent / "datasette-web"
    archive.mkdir(exist_ok=True)
    link = ArchiveLayout(archive).index_db
    link.unlink(missing_ok=True)
    link.symlink_to(args.db.resolve())
    rows = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True).execute(
        "select count(*) from articles").fetchone()[0]
    print(f"index: {args.db} ({rows:,} articles); warm-up {warm_up(link):.1f} s")
    found = pick(args.db, args.seed)
    ds = datasette_app(archive, replay="http://127.0.0.1:8002")
    loop = asyncio.new_event_loop()
    loop.run_until_complete(ds.invoke_startup())
    limit = ds.setting("sql_time_limit_ms")
    worst = 0.0
    print(f"{'page':45} {'status':>6} {'hits':>5} {'median ms':>10} {'worst ms':>9}")
    for name, path in pages(found):
        loop.run_until_complete(ds.client.get(path))  # untimed: first use of its pages
        times, status = [], 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = loop.run_until_complete(ds.client.get(path))
            times.append((time.perf_counter() - started) * 1000)
            status = response.status_code
            if "took longer than the time limit" in response.text:
                status = 504
        worst = max(worst, max(times))
        hits = response.text.count('<div class="pa-hit"')  # shown on this page (20 at most)
        print(f"{name:45} {status:>6} {hits:>5} {statistics.median(times):>10.0f} "
              f"{max(times):>9.0f}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"worst page: {worst:.0f} ms (Datasette's time limit: {limit} ms)")
    return 0 if worst < limit else 1


if __name__ == "__main__":
    sys.exit(main())
