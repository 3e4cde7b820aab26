"""Benchmark: index building and search latency at scale (default 1,000,000 articles).

    .venv/bin/python bench/search_bench.py [--rows 1000000] [--db PATH --reuse]
                                           [--queries 30] [--skip-baseline]

1. Builds bench/out/search-ROWS.db (kept for --reuse) with the project's ArchiveIndex in
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
   previous search() SQL: bm25, title weight 10, snippet), for archive.search.search()
   and for Datasette's JSON API (in process; the settings of `pressarchive serve`).

The last line is the ratio of the worst p95 of the baseline to ours.
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
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.index import ArchiveIndex, ArticleRow, enable_search  # noqa: E402
from archive.samplesites.data import SITE_NAMES, load_articles  # noqa: E402
from archive.search import search, to_fts_query  # noqa: E402

TEXT_DIR = REPO.parent / "shared" / "realdata" / "benchmark" / "newspaper3k-tests" / "text"
OUT = REPO / "bench" / "out"
METADATA = REPO / "settings" / "datasette-metadata.json"
SOURCES = SITE_NAMES  # trtworld, france24, ina, chinatopix, nina
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
        for name in SITE_NAMES:
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
    index = ArchiveIndex(db_path, search=False)
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

# A canned query for Datasette with the ranking of search() (proposed, not in metadata).
RANKED_SQL = """
select a.id, a.url, a.title, a.source, a.published, m.rank,
       (select snippet(articles_fts, 1, '[', ']', ' … ', 24) from articles_fts
        where articles_fts match :q and rowid = a.id) as snippet
from (select f.rowid as id, bm25(articles_fts, 10.0, 1.0) as rank
      from articles_fts f cross join articles a on a.id = f.rowid
      where articles_fts match :q and (:source = '' or a.source = :source)
        and (:since = '' or a.published >= :since)
      order by f.rowid desc limit 2000) m
join articles a on a.id = m.id
order by m.rank limit 20
"""
LEAN = {"_nocount": "1", "_nofacet": "1", "_nosuggest": "1"}
NAIVE_SQL = """
    select a.url, a.title, a.source, a.published,
           snippet(articles_fts, 1, '[', ']', ' … ', 24) as snippet,
           bm25(articles_fts, 10.0, 1.0) as rank
    from articles_fts
    join articles a on a.rowid = articles_fts.rowid
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


def time_class(fn, specs: list[dict], budget_s: float) -> tuple[float, float, int]:
    """p50, p95 (ms) and how many queries ran (stops early past budget_s)."""
    times: list[float] = []
    started = time.perf_counter()
    for spec in specs:
        t = time.perf_counter()
        fn(spec)
        times.append(time.perf_counter() - t)
        if time.perf_counter() - started > budget_s:
            break
    p50, p95 = percentiles(times)
    return p50, p95, len(times)


def datasette_runner(db_path: Path):
    from datasette.app import Datasette

    # The metadata configures the database named "index" (index.db in an archive).
    link = db_path.parent / "datasette" / "index.db"
    link.parent.mkdir(exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(db_path.resolve())
    ds = Datasette([str(link)], metadata=json.loads(METADATA.read_text()),
                   settings={"sql_time_limit_ms": 3000, "facet_time_limit_ms": 500})
    db_name = "index"
    loop = asyncio.new_event_loop()

    def get(path: str) -> dict:
        response = loop.run_until_complete(ds.client.get(path))
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code} {response.text[:200]}")
        return response.json()

    def run(spec: dict, extra: dict) -> int:
        if spec.get("prefix") or spec.get("source") or spec.get("since") or \
                spec["q"].startswith('"'):
            params = {"_search": spec["q"] + ("*" if spec.get("prefix") else "")}
            if spec.get("prefix") or spec["q"].startswith('"'):
                params["_searchmode"] = "raw"
            if spec.get("source"):
                params["source"] = spec["source"]
            if spec.get("since"):
                params["published__gte"] = spec["since"]
        else:
            params = {"_search": spec["q"]}
        params.update(extra)
        return len(get(f"/{db_name}/articles.json?{urlencode(params)}")["rows"])

    def ranked(spec: dict) -> int:
        """The bounded ranking as SQL through Datasette's JSON API (a canned query)."""
        params = {"sql": RANKED_SQL, "q": to_fts_query(spec["q"]),
                  "source": spec.get("source") or "", "since": spec.get("since") or "",
                  "_shape": "array"}
        return len(get(f"/{db_name}.json?{urlencode(params)}"))

    return run, ranked


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
    parser.add_argument("--variants", default="baseline,ours,datasette,ds_lean,ds_sorted,ds_ranked",
                        help="Which timings to run (comma-separated).")
    parser.add_argument("--datasette-budget", type=float, default=30.0,
                        help="Seconds per class and variant for Datasette.")
    args = parser.parse_args()
    db_path = args.db or OUT / f"search-{args.rows}.db"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared with other work), "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{dt.date.today().isoformat()}")
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
    run_ds, ranked_ds = datasette_runner(db_path)
    variants = set(args.variants.split(","))
    # Warm the page cache once, as a running server would be.
    for spec in classes["common word"][:3]:
        ours(db_path, spec)
    results: dict[str, dict[str, tuple[float, float, int]]] = {}
    print("p50 / p95 in ms; datasette = the table's JSON as configured (count, facets); "
          "lean = with _nocount&_nofacet&_nosuggest; sorted = lean + _sort_desc=published; "
          "ranked = RANKED_SQL through /index.json?sql=")
    print(f"{'class':<17}{'baseline':>22} {'ours':>20} {'datasette':>22} {'ds lean':>22}"
          f" {'ds lean sorted':>22} {'ds ranked':>20}")
    for name, specs in classes.items():
        res: dict[str, tuple[float, float, int]] = {}
        budget = args.datasette_budget
        runs = {
            "baseline": (lambda s: naive(conn, s), args.baseline_budget),
            "ours": (lambda s: ours(db_path, s), 600),
            "datasette": (lambda s: run_ds(s, {}), budget),
            "ds_lean": (lambda s: run_ds(s, LEAN), budget),
            "ds_sorted": (lambda s: run_ds(s, {**LEAN, "_sort_desc": "published"}), budget),
            "ds_ranked": (ranked_ds, budget),
        }
        for key, (fn, seconds) in runs.items():
            if key not in variants or (key == "baseline" and args.skip_baseline):
                continue
            # search() has no prefix queries (`*` is not an operator), nor the canned query.
            if name == "prefix" and key in ("ours", "ds_ranked"):
                continue
            res[key] = time_class(fn, specs, seconds)
        results[name] = res

        total = len(specs)

        def fmt(key: str, res=res, total=total) -> str:
            if key not in res:
                return "-"
            p50, p95, n = res[key]
            return f"{p50:,.1f} / {p95:,.1f}" + (f" (n={n})" if n < total else "")

        print(f"{name:<17}{fmt('baseline'):>22} {fmt('ours'):>20} {fmt('datasette'):>22} "
              f"{fmt('ds_lean'):>22} {fmt('ds_sorted'):>22} {fmt('ds_ranked'):>20}", flush=True)
    for key in ("datasette", "ds_lean", "ds_sorted", "ds_ranked"):
        worst = [r[key][1] for r in results.values() if key in r]
        if worst:
            print(f"worst p95 {key}: {max(worst):,.1f} ms")
    if "ours" not in variants:
        return
    worst_ours = max(r["ours"][1] for r in results.values() if "ours" in r)
    print(f"worst p95 ours: {worst_ours:,.1f} ms")
    if not args.skip_baseline and "baseline" in variants:
        worst_base = max(r["baseline"][1] for n, r in results.items() if n != "prefix")
        print(f"worst p95 baseline {worst_base:,.1f} ms, ours {worst_ours:,.1f} ms, "
              f"ratio baseline/ours {worst_base / worst_ours:,.1f}x")


if __name__ == "__main__":
    main()
