"""Benchmark: index building and search latency at scale (default 1,000,000 articles).

    .venv/bin/python bench/search_bench.py [--rows 1000000] [--db PATH --reuse]
                                           [--queries 30] [--skip-baseline]
                                           [--variants ...] [--table-costs REPEAT]

1. Builds bench/out/search-ROWS.db (kept for --reuse) with the project's IndexWriter in
   bulk mode: add_article() in batches of 1,000 rows, FTS built once at the end. Rows
   are synthetic but made of real text: sentences of the newspaper3k test articles
   (../shared/realdata) and of the sample sites' articles, recombined into ~2.7 KB
   articles, with a long tail of names drawn from a Zipf law (so that rare words
   exist, as in a real archive) and one word in three sentences swapped for a real
   word drawn by its frequency. Five sources; rowid = capture order; `published`
   follows capture order (+/- 60 days) except for 10 % back-filled articles with a
   random date in 2014-2024.
2. Picks query terms from the index's own vocabulary (fts5vocab): rare words (50-1,500
   documents), common words (the most frequent ones), two words, phrases, prefixes,
   and common words filtered by source or by date.
3. Times each query class (p50/p95) for the naive bm25 ordering over all matches (the
   previous search() SQL: bm25, title weight 10, snippet), for archive.index.search.search()
   (`pressarchive search`), and through Datasette's JSON API in process, built by
   archive.serve.datasette_app() exactly as `pressarchive serve` runs it: the `search`
   canned query (/index/search.json?q=...&_shape=array) and the articles table's
   `_search` (as served: count and default facets; and with _shape=array).
4. --table-costs: what each choice of the table page costs (count, each facet,
   suggested facets, time limits), for the configuration before and the served one.

The load average is printed at the start and the end (the machine may be shared).
The worst p95 of the baseline is compared to ours.

One file over 500 lines on purpose: a benchmark run by hand, read top to bottom with its
results (docs/benchmarks.md), not a module anything imports.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.index.schema import ArticleRow, enable_search  # noqa: E402
from archive.index.search import search, to_fts_query  # noqa: E402
from archive.index.writer import IndexWriter  # noqa: E402
from archive.layout import ArchiveLayout  # noqa: E402
from archive.samplesites.data import SEED_SITES, load_articles  # noqa: E402

TEXT_DIR = REPO.parent / "shared" / "realdata" / "benchmark" / "newspaper3k-tests" / "text"
OUT = REPO / "bench" / "out"
SOURCES = SEED_SITES  # trtworld, france24, ina, chinatopix, nina: the scaled sites
START = dt.date(2014, 1, 1)
DAYS = (dt.date(2024, 12, 31) - START).days
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
_WORD = re.compile(r"[A-Za-z]{3,}")
SYLLABLES = ("ka", "ri", "mo", "sul", "ab", "di", "ha", "zan", "ter", "el", "qa", "nur", "bo",
             "lin", "sha", "ra", "de", "vo", "mi", "tak", "ul", "gen", "fa", "ro", "is", "yan")
NAMES = 200_000


# ---------------------------------------------------------------- synthetic rows

class Corpus:
    """Real sentences, real words by frequency and a Zipf tail of names."""

    def __init__(self, seed: int = 1):
        self.rng = random.Random(seed)
        texts = [p.read_text(encoding="utf-8", errors="replace")
                 for p in sorted(TEXT_DIR.glob("*.txt"))]
        titles: list[str] = []
        for name in SEED_SITES:
            for art in load_articles(name):
                texts.append("\n\n".join(art.paragraphs))
                titles.append(art.title)
        if len(texts) < 50:
            sys.exit(f"no texts under {TEXT_DIR}: the benchmark needs ../shared/realdata")
        self.sentences: list[str] = []
        for text in texts:
            for para in text.split("\n\n"):
                para = " ".join(para.split())
                self.sentences.extend(s for s in _SENTENCE.split(para) if len(s) > 30)
        for text in texts:
            first = text.strip().split("\n")[0]
            words = first.split()
            if 4 <= len(words):
                titles.append(" ".join(words[:12]).rstrip(".,;:"))
        self.titles = titles
        counts = Counter(w.lower() for s in self.sentences for w in _WORD.findall(s))
        ranked = [w for w, _ in counts.most_common()]
        self.words = ranked
        self.word_cum = _zipf_cum(len(ranked))
        rng = random.Random(seed + 1)
        names: set[str] = set()
        while len(names) < NAMES:
            names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).title())
        self.names = sorted(names)
        rng.shuffle(self.names)
        self.name_cum = _zipf_cum(NAMES)

    def article(self, i: int, rows: int) -> tuple[str, str, str, str]:
        """(title, text, source, published) of row i of rows."""
        rng = self.rng
        target = rng.randint(1300, 3900)
        names = rng.choices(self.names, cum_weights=self.name_cum, k=rng.randint(3, 7))
        chosen: list[str] = []
        size = 0
        while size < target:
            s = rng.choice(self.sentences)
            if rng.random() < 0.33:
                words = s.split(" ")
                j = rng.randrange(len(words))
                words[j] = rng.choices(self.words, cum_weights=self.word_cum)[0]
                s = " ".join(words)
            if names and rng.random() < 0.3:
                s = f"{names.pop()} said: {s}"
            chosen.append(s)
            size += len(s) + 1
        if names:
            chosen.append(" and ".join(names) + " were named in the report.")
        paras = [" ".join(chosen[k:k + 4]) for k in range(0, len(chosen), 4)]
        title = rng.choice(self.titles)
        if rng.random() < 0.5:
            title = f"{title}: {rng.choices(self.names, cum_weights=self.name_cum)[0]}"
        if rng.random() < 0.1:  # back-filled: any date
            day = rng.randrange(DAYS)
        else:
            day = min(DAYS, max(0, int(i / rows * DAYS) + rng.randint(-60, 60)))
        published = (START + dt.timedelta(days=day)).isoformat()
        return title, "\n\n".join(paras), rng.choice(SOURCES), published


def _zipf_cum(n: int) -> list[float]:
    total, cum = 0.0, []
    for r in range(1, n + 1):
        total += 1.0 / r
        cum.append(total)
    return cum


def build(db_path: Path, rows: int) -> dict[str, float]:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    corpus = Corpus()
    index = IndexWriter(db_path, search=False)
    started = time.perf_counter()
    text_bytes = 0
    batch = 1000
    for first in range(0, rows, batch):
        with index.batch():
            for i in range(first, min(rows, first + batch)):
                title, text, source, published = corpus.article(i, rows)
                text_bytes += len(text.encode())
                url = f"https://{source}.example/article/{i}"
                index.add_article(ArticleRow(
                    url=url, source=source, title=title, author="", published=published,
                    language="en", canonical_url=url, text=text, word_count=len(text.split()),
                    capture_record_id=f"<urn:uuid:{i:012d}>", warc_file="bench.warc.gz",
                    warc_offset=i, payload_digest="sha1:X",
                    fetched_at=f"2026-01-01T00:00:00Z#{i:08d}", extractor="trafilatura",
                    extractor_version="2.3.1", config_hash="bench"))
        if first and first % 100_000 == 0:
            print(f"  {first:,} rows, {time.perf_counter() - started:.0f} s", flush=True)
    inserted = time.perf_counter() - started
    fts_started = time.perf_counter()
    enable_search(index.db)
    fts = time.perf_counter() - fts_started
    index.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    index.close()
    return {"rows": rows, "insert_s": inserted, "fts_s": fts,
            "avg_text_bytes": text_bytes / rows}


# ---------------------------------------------------------------- queries

def pick_queries(db_path: Path, n: int, seed: int = 7) -> dict[str, list[dict]]:
    """Query terms taken from the index's vocabulary, by document frequency."""
    rng = random.Random(seed)
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.execute("create virtual table if not exists temp.v "
                 "using fts5vocab(main, articles_fts, row)")
    vocab = conn.execute("select term, doc from temp.v where term glob '[a-z][a-z][a-z]*'"
                         ).fetchall()
    conn.close()
    vocab.sort(key=lambda r: -r[1])
    common = [t for t, _ in vocab[:400]]
    rare = [t for t, d in vocab if 50 <= d <= 1500]
    mid = [t for t, d in vocab if 2000 <= d <= 50_000]
    rng.shuffle(rare)
    rng.shuffle(mid)
    common_q = ["said", "coalition"] + rng.sample(common[:150], n - 2)
    corpus_sentences = Corpus(seed=3).sentences
    phrases = []
    while len(phrases) < n:
        words = _WORD.findall(rng.choice(corpus_sentences))
        if len(words) >= 3:
            k = rng.randrange(len(words) - 1)
            phrases.append('"' + " ".join(words[k:k + 2]) + '"')
    prefixes = [t[:4] for t in rng.sample(common[:100], n)]
    years = [str(y) for y in range(2014, 2025)]
    return {
        "rare word": [{"q": t} for t in rare[:n]],
        "common word": [{"q": t} for t in common_q],
        "two words": [{"q": f"{rng.choice(common)} {rng.choice(mid)}"} for _ in range(n)],
        "phrase": [{"q": p} for p in phrases],
        "prefix": [{"q": p, "prefix": True} for p in prefixes],
        "common + source": [{"q": t, "source": rng.choice(SOURCES)} for t in common_q],
        "common + since": [{"q": t, "since": f"{rng.choice(years)}-01-01"} for t in common_q],
    }


# ---------------------------------------------------------------- timed runs

LEAN = {"_nocount": "1", "_nofacet": "1", "_nosuggest": "1"}
NAIVE_SQL = """
    select a.url, a.title, a.source, a.published,
           snippet(articles_fts, 1, '[', ']', ' … ', 24) as snippet,
           bm25(articles_fts, 10.0, 1.0) as rank
    from articles_fts
    join articles a on a.seq = articles_fts.rowid
    where {where}
    order by rank
    limit 20
"""


def naive(conn: sqlite3.Connection, spec: dict) -> int:
    """The previous search(): bm25 over every match, snippets included."""
    fts = to_fts_query(spec["q"])
    if spec.get("prefix"):
        fts = fts + "*"
    where = ["articles_fts match :q"]
    if spec.get("source"):
        where.append("a.source = :source")
    if spec.get("since"):
        where.append("a.published >= :since")
    params = {"q": fts, "source": spec.get("source"), "since": spec.get("since")}
    return len(conn.execute(NAIVE_SQL.format(where=" and ".join(where)), params).fetchall())


def ours(db_path: Path, spec: dict) -> int:
    q = spec["q"] + ("*" if spec.get("prefix") else "")
    return len(search(db_path, q, source=spec.get("source"), since=spec.get("since")))


def percentiles(times: list[float]) -> tuple[float, float]:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, max(0, int(round(0.95 * len(ms))) - 1))]
    return statistics.median(ms), p95


class Timing(NamedTuple):
    p50: float
    p95: float
    n: int
    errors: int  # answers that were not HTTP 200 (e.g. Datasette's time limit)


def time_class(fn: Callable[[dict], bool], specs: list[dict], budget_s: float) -> Timing:
    """p50, p95 (ms) over the queries run (stops early past budget_s); fn says if it worked."""
    times: list[float] = []
    errors = 0
    started = time.perf_counter()
    for spec in specs:
        t = time.perf_counter()
        ok = fn(spec)
        times.append(time.perf_counter() - t)
        errors += not ok
        if time.perf_counter() - started > budget_s:
            break
    p50, p95 = percentiles(times)
    return Timing(p50, p95, len(times), errors)


class DatasetteClient:
    """Datasette in process, built by archive.serve.datasette_app() (what `pressarchive
    serve` runs) on an archive folder whose index.db links to the benchmark database;
    metadata/settings may be overridden to measure other configurations."""

    def __init__(self, db_path: Path, *, metadata: dict | None = None,
                 settings: dict | None = None):
        from datasette.app import Datasette

        from archive.serve import DATASETTE_SETTINGS, datasette_app, register_plugin

        archive = db_path.parent / "datasette"
        archive.mkdir(exist_ok=True)
        link = ArchiveLayout(archive).index_db
        link.unlink(missing_ok=True)
        link.symlink_to(db_path.resolve())
        if metadata is None and settings is None:
            self.ds = datasette_app(archive)
        else:  # another configuration, with the same plugin (SQL functions)
            from archive.serve import datasette_metadata

            register_plugin()
            self.ds = Datasette([str(link)], metadata=metadata or datasette_metadata(),
                                settings={**DATASETTE_SETTINGS, **(settings or {})})
        self.loop = asyncio.new_event_loop()
        self.last: dict = {}

    def get(self, path: str) -> bool:
        """GET path; True on HTTP 200 (the JSON kept in .last)."""
        response = self.loop.run_until_complete(self.ds.client.get(path))
        self.last = response.json() if response.status_code in (200, 400) else {}
        if response.status_code != 200:
            self.last.setdefault("error", response.text[:200])
        return response.status_code == 200

    def canned(self, spec: dict) -> bool:
        """The `search` canned query (the bounded ranking), as a client would call it."""
        params = {"q": spec["q"], "_shape": "array"}
        for key in ("source", "since"):
            if spec.get(key):
                params[key] = spec[key]
        return self.get(f"/index/search.json?{urlencode(params)}")

    def table(self, spec: dict, extra: dict | None = None) -> bool:
        """The articles table searched: `_search` plus column filters (raw mode for prefix)."""
        params = {"_search": spec["q"] + ("*" if spec.get("prefix") else "")}
        if spec.get("prefix"):
            params["_searchmode"] = "raw"
        if spec.get("source"):
            params["source"] = spec["source"]
        if spec.get("since"):
            params["published__gte"] = spec["since"]
        params.update(extra or {})
        return self.get(f"/index/articles.json?{urlencode(params)}")


VARIANTS = {
    "baseline": "naive bm25 over all matches (the first search())",
    "ours": "archive.index.search.search() (`pressarchive search`)",
    "ds_search": "Datasette canned query /index/search.json?q=..&_shape=array",
    "ds_table": "Datasette table /index/articles.json?_search=.. as served (count + facets)",
    "ds_table_api": "the same with _shape=array (no count, no facets)",
}


def table_costs(db_path: Path, classes: dict[str, list[dict]], repeat: int) -> None:
    """What each choice of the table page costs: page times (median of `repeat`, ms) for
    the configuration before this change, Datasette's defaults, and the served one."""
    from archive.serve import DATASETTE_SETTINGS, datasette_metadata

    # Suggested facets that time out leave "coroutine was never awaited" warnings.
    warnings.filterwarnings("ignore", category=RuntimeWarning)

    def with_table(**settings: object) -> dict:
        meta = datasette_metadata()
        meta["databases"]["index"]["tables"]["articles"].update(settings)
        return meta

    served_meta = datasette_metadata()
    served_table = served_meta["databases"]["index"]["tables"]["articles"]
    before_meta = with_table(facets=["source", "language", {"date": "published"}],
                             sort_desc="published")

    def with_facets(facets: list) -> dict:
        return with_table(facets=facets)

    before_settings = {"sql_time_limit_ms": 3000, "facet_time_limit_ms": 500,
                       "suggest_facets": True}
    defaults = {"sql_time_limit_ms": 1000, "facet_time_limit_ms": 200, "suggest_facets": True}
    configs: list[tuple[str, dict, dict, dict]] = [
        ("before: sort published, facets source+language+date, 3000/500 ms, suggest",
         before_meta, before_settings, {}),
        ("same, Datasette defaults 1000/200 ms", before_meta, defaults, {}),
        ("before, rows only (_nocount&_nofacet)", before_meta, defaults, LEAN),
        (f"served: sort {served_table.get('sort_desc')} desc, facets "
         f"{json.dumps(served_table.get('facets', []))}, no suggestions", served_meta,
         DATASETTE_SETTINGS, {}),
        ("served, rows only (_nocount&_nofacet)", served_meta, DATASETTE_SETTINGS, LEAN),
        ("served, rows + count (_nofacet)", served_meta, DATASETTE_SETTINGS,
         {"_nofacet": "1"}),
        ("served, rows + suggestions only (suggest_facets on, no facets, _nocount)",
         with_facets([]), {**DATASETTE_SETTINGS, "suggest_facets": True}, {"_nocount": "1"}),
    ]
    for facet in ("source", "language", {"date": "published"}):
        label = facet if isinstance(facet, str) else "date(published)"
        configs.append((f"served, rows + facet {label} only (_nocount)", with_facets([facet]),
                        DATASETTE_SETTINGS, {"_nocount": "1"}))
    queries = {"browse (no search)": None,
               "rare word": classes["rare word"][0],
               "common 'said'": classes["common word"][0],
               "common 'coalition'": classes["common word"][1]}
    print(f"\ntable page costs, ms (median of {repeat}); * = count timed out, "
          "f = a default facet timed out, E = error (not HTTP 200: over the time limit)")
    print(f"{'configuration':<78}" + "".join(f"{q:>22}" for q in queries))
    for label, meta, settings, extra in configs:
        client = DatasetteClient(db_path, metadata=meta, settings=settings)
        cells = []
        for spec in queries.values():
            times, flags = [], ""
            for _ in range(repeat):
                t = time.perf_counter()
                if spec is None:
                    ok = client.get(f"/index/articles.json?{urlencode(extra)}")
                else:
                    ok = client.table(spec, extra)
                times.append((time.perf_counter() - t) * 1000)
            data = client.last
            if not ok:
                flags += "E"
            elif "_nocount" not in extra and data.get("filtered_table_rows_count") is None:
                flags += "*"
            facets = meta["databases"]["index"]["tables"]["articles"].get("facets", [])
            wanted = {f if isinstance(f, str) else next(iter(f.values())) for f in facets}
            if ok and "_nofacet" not in extra and wanted - set(data.get("facet_results", {})):
                flags += "f"  # Datasette leaves a facet that timed out out of the JSON
            cells.append(f"{statistics.median(times):,.0f}{flags}")
        print(f"{label:<78}" + "".join(f"{c:>22}" for c in cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="Use an existing --db as it is.")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--queries", type=int, default=30, help="Queries per class.")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--baseline-budget", type=float, default=60.0,
                        help="Seconds per class for the naive baseline (then it stops early).")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"Which timings to run (comma-separated, of {', '.join(VARIANTS)}).")
    parser.add_argument("--datasette-budget", type=float, default=30.0,
                        help="Seconds per class and variant for Datasette.")
    parser.add_argument("--table-costs", type=int, default=3, metavar="REPEAT",
                        help="Time the table page's configurations REPEAT times (0: skip).")
    args = parser.parse_args()
    db_path = args.db or OUT / f"search-{args.rows}.db"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared with other work), "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{dt.date.today().isoformat()}")
    print(f"load average at start: {load()}")
    if not (args.reuse and db_path.exists()):
        stats = build(db_path, args.rows)
        total = stats["insert_s"] + stats["fts_s"]
        print(f"built {args.rows:,} rows (avg text {stats['avg_text_bytes']:,.0f} bytes): "
              f"insert {stats['insert_s']:.0f} s ({args.rows / stats['insert_s']:,.0f} rows/s), "
              f"FTS build {stats['fts_s']:.0f} s ({args.rows / stats['fts_s']:,.0f} rows/s), "
              f"overall {args.rows / total:,.0f} rows/s")
    size = db_path.stat().st_size
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    rows = conn.execute("select max(rowid) from articles").fetchone()[0]
    print(f"database {db_path}: {rows:,} articles, {size / 1e9:.2f} GB")
    if args.build_only:
        return
    classes = pick_queries(db_path, args.queries)
    variants = [v for v in VARIANTS if v in args.variants.split(",")
                and not (v == "baseline" and args.skip_baseline)]
    client = DatasetteClient(db_path)
    # Warm the page cache once, as a running server would be.
    for spec in classes["common word"][:3]:
        ours(db_path, spec)
        client.canned(spec)
    results: dict[str, dict[str, Timing]] = {}
    print("p50 / p95 in ms (n = queries run when a time budget stopped a class early; "
          "E = answers that were errors)")
    for key in variants:
        print(f"  {key}: {VARIANTS[key]}")
    print(f"{'class':<17}" + "".join(f"{key:>30}" for key in variants))
    runs: dict[str, tuple[Callable[[dict], bool], float]] = {
        "baseline": (lambda s: naive(conn, s) >= 0, args.baseline_budget),
        "ours": (lambda s: ours(db_path, s) >= 0, 600),
        "ds_search": (client.canned, args.datasette_budget),
        "ds_table": (client.table, args.datasette_budget),
        "ds_table_api": (lambda s: client.table(s, {"_shape": "array"}), args.datasette_budget),
    }
    for name, specs in classes.items():
        res: dict[str, Timing] = {}
        for key in variants:
            # search() and the canned query have no prefix search (`*` is not an operator).
            if name == "prefix" and key in ("ours", "ds_search"):
                continue
            fn, seconds = runs[key]
            res[key] = time_class(fn, specs, seconds)
        results[name] = res

        def fmt(key: str, res: dict[str, Timing] = res, total: int = len(specs)) -> str:
            if key not in res:
                return "-"
            r = res[key]
            notes = ([f"n={r.n}"] if r.n < total else []) + ([f"E={r.errors}"] if r.errors else [])
            return f"{r.p50:,.1f} / {r.p95:,.1f}" + (f" ({', '.join(notes)})" if notes else "")

        print(f"{name:<17}" + "".join(f"{fmt(key):>30}" for key in variants), flush=True)
    for key in variants:
        worst = [(r[key].p95, n) for n, r in results.items() if key in r]
        errors = sum(r[key].errors for r in results.values() if key in r)
        if worst:
            p95, name = max(worst)
            print(f"worst p95 {key}: {p95:,.1f} ms ({name}); errors: {errors}")
    if "ours" in variants and "baseline" in variants:
        worst_ours = max(r["ours"].p95 for r in results.values() if "ours" in r)
        worst_base = max(r["baseline"].p95 for n, r in results.items() if n != "prefix")
        print(f"worst p95 baseline {worst_base:,.1f} ms, ours {worst_ours:,.1f} ms, "
              f"ratio baseline/ours {worst_base / worst_ours:,.1f}x")
    if args.table_costs:
        table_costs(db_path, classes, args.table_costs)
    print(f"load average at end: {load()}")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)"


if __name__ == "__main__":
    main()
