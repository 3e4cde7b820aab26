"""Benchmark: Arabic-aware search (the search form, archive/index/normalise.py) against
the plain full-text index it replaced, on the same rows in the same run.

    .venv/bin/python bench/search_form_bench.py --rows 1000000 --db bench/out/form-1m.db --build
    .venv/bin/python bench/search_form_bench.py --db bench/out/form-1m.db     # measure again

1. --build: the rows of bench/search_bench.py (real English sentences recombined, a Zipf
   tail of names, five sources, capture-ordered dates), ARABIC_SHARE of them Arabic
   (sentences of the Arabic news texts of ../shared/realdata, a Zipf tail of Arabic
   names, a few words with harakat or a tatweel, as some sites write them), written by
   the project's IndexWriter in bulk mode; then the full-text index as the project
   builds it (`articles_fts` over the view `articles_search`: each text's search form
   computed by Python) and, beside it, `plain_fts`: FTS5 porter over the original texts,
   as the previous version built it. Both build times are printed.
2. Queries from the vocabulary of plain_fts (fts5vocab), by document count: English
   classes as in search_bench.py (rare, common, two words, phrase, common + source,
   common + since), Arabic words typed with the article (ال + a rare or a common word),
   and lexicon terms (ISIS, coalition, Mosul: synonyms).
3. Per class p50/p95 (ms) of
   - baseline: the previous version's `pressarchive search` (the same bounded ranking,
     the words as typed, FTS5's snippet()) on plain_fts;
   - ours: archive.index.search.search() (`pressarchive search`) with synonyms off, and
   - ours + synonyms: the same with synonyms on (what users get by default).
   Every search opens the index as `pressarchive search` does.

The load average is printed at the start and the end (the machine may be shared).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import random
import re
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.index.lexicon import load_lexicon  # noqa: E402
from archive.index.schema import ArticleRow, enable_search  # noqa: E402
from archive.index.search import (  # noqa: E402
    MMAP_BYTES,
    ranked_search_sql,
    search,
)
from archive.index.writer import IndexWriter  # noqa: E402
from archive.layout import read_index  # noqa: E402
from bench.search_bench import (  # noqa: E402
    Corpus,
    _zipf_cum,
    load,
    percentiles,
    pick_queries,
)

REALDATA = REPO.parent / "shared" / "realdata"
ARABIC_FILES = [
    "benchmark/newspaper3k-tests/text/arabic.txt",
    "benchmark/htmldate-mediacloud2020/html/1550981615.html.gz",
    "benchmark/htmldate-mediacloud2020/html/1623715966.html.gz",
    "benchmark/htmldate-mediacloud2020/html/1784190729.html.gz",
    "benchmark/htmldate-mediacloud2020/html/1806793639.html.gz",
    "benchmark/trafilatura-eval/html/assabah.com.tn.article.html.gz",
    "benchmark/newspaper3k-tests/html/arabic_article.html",
]
ARABIC_SHARE = 0.10
OUT = REPO / "bench" / "out"
_AR_SENTENCE = re.compile(r"(?<=[.!؟?])\s+")
_AR_WORD = re.compile("[\u0621-\u064a]{3,}")
_AR_SYLLABLES = ("با", "دي", "مو", "صل", "حي", "در", "نا", "كر", "سو", "لي", "زا", "قي",
                 "تا", "مي", "را", "فو", "جا", "هي", "طو", "بي")
HARAKAT = "\u064e\u064f\u0650\u0652\u0651"
# The previous version's snippet and query: the words as typed, no search form.
PLAIN_WORD = re.compile(r"\w+")


# ---------------------------------------------------------------- Arabic rows


def arabic_texts() -> list[str]:
    import trafilatura

    texts = []
    for name in ARABIC_FILES:
        path = REALDATA / name
        data = path.read_bytes()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
        if name.endswith(".txt"):
            texts.append(data.decode("utf-8"))
        else:
            texts.append(trafilatura.extract(data.decode("utf-8", "replace")) or "")
    return [t for t in texts if _AR_WORD.search(t)]


class ArabicCorpus:
    """Real Arabic sentences, their words by frequency, a Zipf tail of names."""

    def __init__(self, seed: int = 11):
        self.rng = random.Random(seed)
        sentences = []
        for text in arabic_texts():
            for line in text.splitlines():
                sentences += [s for s in _AR_SENTENCE.split(line.strip()) if len(s) > 30
                              and _AR_WORD.search(s)]
        if len(sentences) < 20:
            sys.exit(f"too few Arabic sentences under {REALDATA}")
        self.sentences = sentences
        counts: dict[str, int] = {}
        for s in sentences:
            for w in _AR_WORD.findall(s):
                counts[w] = counts.get(w, 0) + 1
        self.words = sorted(counts, key=lambda w: -counts[w])
        self.word_cum = _zipf_cum(len(self.words))
        names: set[str] = set()
        while len(names) < 20_000:
            names.add("".join(self.rng.choice(_AR_SYLLABLES)
                              for _ in range(self.rng.randint(2, 4))))
        self.names = sorted(names)
        self.name_cum = _zipf_cum(len(self.names))

    def decorate(self, word: str) -> str:
        """A word as some sites write it: harakat (2 %) or a tatweel (0.5 %)."""
        roll = self.rng.random()
        if roll < 0.02:
            return "".join(c + self.rng.choice(HARAKAT) for c in word)
        if roll < 0.025 and len(word) > 2:
            return word[:2] + "\u0640" + word[2:]
        return word

    def article(self) -> tuple[str, str]:
        rng = self.rng
        target, chosen, size = rng.randint(1300, 3900), [], 0
        while size < target:
            words = rng.choice(self.sentences).split(" ")
            if rng.random() < 0.33:
                words[rng.randrange(len(words))] = rng.choices(self.words,
                                                               cum_weights=self.word_cum)[0]
            if rng.random() < 0.3:
                name = rng.choices(self.names, cum_weights=self.name_cum)[0]
                words.insert(rng.randrange(len(words) + 1), rng.choice(("", "ال", "و")) + name)
            sentence = " ".join(self.decorate(w) for w in words)
            chosen.append(sentence)
            size += len(sentence) + 1
        paras = [" ".join(chosen[k:k + 4]) for k in range(0, len(chosen), 4)]
        return " ".join(chosen[0].split()[:8]), "\n\n".join(paras)


def build(db_path: Path, rows: int) -> dict[str, float]:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    english, arabic = Corpus(), ArabicCorpus()
    index = IndexWriter(db_path, search=False)
    started = time.perf_counter()
    for first in range(0, rows, 1000):
        with index.batch():
            for i in range(first, min(rows, first + 1000)):
                title, text, source, published = english.article(i, rows)
                language = "en"
                if english.rng.random() < ARABIC_SHARE:
                    (title, text), language = arabic.article(), "ar"
                url = f"https://{source}.example/article/{i}"
                index.add_article(ArticleRow(
                    url=url, source=source, title=title, author="", published=published,
                    language=language, canonical_url=url, text=text,
                    word_count=len(text.split()), capture_record_id=f"<urn:uuid:{i:012d}>",
                    warc_file="bench.warc.gz", warc_offset=i, payload_digest="sha1:X",
                    fetched_at=f"2026-01-01T00:00:00Z#{i:08d}", extractor="trafilatura",
                    extractor_version="2.3.1", config_hash="bench"))
        if first and first % 100_000 == 0:
            print(f"  {first:,} rows, {time.perf_counter() - started:.0f} s", flush=True)
    inserted = time.perf_counter() - started
    t = time.perf_counter()
    enable_search(index.db)
    form_s = time.perf_counter() - t
    t = time.perf_counter()
    with index.db.conn:
        index.db.execute("create virtual table plain_fts using fts5 (title, text, "
                         "tokenize='porter', content=[articles], content_rowid=seq)")
        index.db.execute("insert into plain_fts (plain_fts) values ('rebuild')")
    plain_s = time.perf_counter() - t
    index.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    index.close()
    return {"insert_s": inserted, "form_fts_s": form_s, "plain_fts_s": plain_s}


# ---------------------------------------------------------------- the two searches


def plain_query(query: object, words_only: bool = False) -> str:
    """The previous version's query: \\w+ words quoted, phrases kept (or broken up)."""
    parts = []
    for i, chunk in enumerate(str(query or "").split('"')):
        found = PLAIN_WORD.findall(chunk)
        if found and i % 2 == 1 and not words_only:
            parts.append('"' + " ".join(found) + '"')
        else:
            parts.extend(f'"{w}"' for w in found)
    return " ".join(parts) or '""'


def plain_sql() -> str:
    """The previous version's ranked search: the SQL of today on plain_fts, with the
    previous query functions and FTS5's snippet() (no search form, no synonyms)."""
    sql = ranked_search_sql().replace("articles_fts", "plain_fts")
    sql = sql.replace("pressarchive_snippet(a.text, highlight(plain_fts, 1, char(2), char(3)))",
                      "snippet(plain_fts, 1, '[', ']', ' … ', 24)")
    sql = sql.replace("pressarchive_fts_query(:q, :synonyms)", "plain_query(:q)")
    sql = sql.replace("pressarchive_fts_words(:q, :synonyms)", "plain_words(:q)")
    sql = sql.replace("pressarchive_synonyms(:q, :synonyms)", "''")
    assert "pressarchive_" not in sql and "snippet(plain_fts" in sql, sql
    return sql


PLAIN_SQL = plain_sql()


def baseline(db_path: Path, spec: dict) -> int:
    with read_index(db_path) as conn:
        conn.create_function("plain_query", 1, plain_query, deterministic=True)
        conn.create_function("plain_words", 1, lambda q: plain_query(q, True),
                             deterministic=True)
        conn.execute(f"pragma mmap_size = {MMAP_BYTES}")
        params = {"q": spec["q"], "source": spec.get("source", ""),
                  "since": spec.get("since", ""), "topic": "", "synonyms": ""}
        return len(conn.execute(PLAIN_SQL, params).fetchall())


def ours(db_path: Path, spec: dict, synonyms: bool) -> int:
    return len(search(db_path, spec["q"], source=spec.get("source"),
                      since=spec.get("since"), synonyms=synonyms))


# ---------------------------------------------------------------- queries


def arabic_queries(db_path: Path, n: int, seed: int = 5) -> dict[str, list[dict]]:
    """Arabic words with the article as plain_fts holds them (so both searches find
    them; ours finds their other forms too): rare (20-1,500 documents) and common (the
    150 most frequent)."""
    rng = random.Random(seed)
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.execute("create virtual table temp.v using fts5vocab(main, plain_fts, row)")
    vocab = [(t, d) for t, d in conn.execute("select term, doc from temp.v")
             if re.fullmatch("ال[\u0621-\u064a]{3,}", t)]
    conn.close()
    vocab.sort(key=lambda r: -r[1])
    rare = [t for t, d in vocab if 20 <= d <= 1500]
    rng.shuffle(rare)
    common = rng.sample([t for t, _ in vocab[:150]], min(n, len(vocab[:150])))
    return {"arabic rare (ال+word)": [{"q": t} for t in rare[:n]],
            "arabic common (ال+word)": [{"q": t} for t in common]}


def warm(db_path: Path) -> float:
    """Both full-text indexes and the article rows read into the page cache (as
    `pressarchive serve` does at start), so that neither search pays for the other's
    reads; returns the seconds taken."""
    started = time.perf_counter()
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    for table in ("articles_fts", "plain_fts"):
        conn.execute(f"select sum(length(block)) from {table}_data").fetchone()
    conn.execute("select sum(length(title) + length(text)) from articles").fetchone()
    conn.close()
    return time.perf_counter() - started


def time_classes(runs: dict[str, Callable[[dict], int]], specs: list[dict]
                 ) -> dict[str, tuple[float, float, int, str]]:
    """Each query by each search, in turns (the first search of a query rotates), so
    that both meet the same cache and the same load: p50, p95, queries that found
    something, and the slowest query, per search."""
    times: dict[str, list[tuple[float, str]]] = {key: [] for key in runs}
    found = dict.fromkeys(runs, 0)
    keys = list(runs)
    for n, spec in enumerate(specs):
        for key in keys[n % len(keys):] + keys[:n % len(keys)]:
            t = time.perf_counter()
            found[key] += runs[key](spec) > 0
            times[key].append((time.perf_counter() - t, spec["q"]))
    result = {}
    for key, timed in times.items():
        p50, p95 = percentiles([t for t, _ in timed])
        result[key] = (p50, p95, found[key], max(timed)[1][:40])
    return result


def sizes(db_path: Path) -> str:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    form, plain = (conn.execute(f"select sum(length(block)) from {t}_data").fetchone()[0]
                   for t in ("articles_fts", "plain_fts"))
    conn.close()
    return f"full-text index: search form {form / 1e9:.2f} GB, plain {plain / 1e9:.2f} GB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--build", action="store_true", help="Build --db first.")
    parser.add_argument("--queries", type=int, default=30, help="Queries per class.")
    args = parser.parse_args()
    db_path = args.db or OUT / f"form-{args.rows}.db"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared with other work), "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{dt.date.today().isoformat()}")
    print(f"load average at start: {load()}")
    if args.build:
        stats = build(db_path, args.rows)
        print(f"built {args.rows:,} rows: insert {stats['insert_s']:.0f} s; full-text index "
              f"of the search form {stats['form_fts_s']:.0f} s "
              f"({args.rows / stats['form_fts_s']:,.0f} rows/s), plain "
              f"{stats['plain_fts_s']:.0f} s ({args.rows / stats['plain_fts_s']:,.0f} rows/s)",
              flush=True)
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    rows = conn.execute("select max(seq) from articles").fetchone()[0]
    arabic = conn.execute("select count(*) from articles where language = 'ar'").fetchone()[0]
    conn.close()
    print(f"database {db_path}: {rows:,} articles ({arabic:,} Arabic), "
          f"{db_path.stat().st_size / 1e9:.2f} GB; {sizes(db_path)}")
    classes = pick_queries(db_path, args.queries)
    del classes["prefix"]  # neither search has prefixes
    classes.update(arabic_queries(db_path, args.queries))
    # Every term of the lexicon, as typed (a phrase quoted).
    classes["lexicon terms"] = [
        {"q": f'"{term}"' if " " in term else term}
        for term in dict.fromkeys(t for g in load_lexicon().groups for _, t in g.terms)]
    runs: dict[str, Callable[[dict], int]] = {
        "baseline": lambda s: baseline(db_path, s),
        "ours": lambda s: ours(db_path, s, synonyms=False),
        "ours + synonyms": lambda s: ours(db_path, s, synonyms=True),
    }
    print(f"page cache warmed in {warm(db_path):.0f} s", flush=True)
    print("p50 / p95 in ms (queries that found something / queries)")
    print(f"{'class':<26}" + "".join(f"{key:>28}" for key in runs))
    worst = {key: 0.0 for key in runs}
    results = {}
    for name, specs in classes.items():
        timed = time_classes(runs, specs)
        cells = []
        for key, (p50, p95, found, slowest) in timed.items():
            worst[key] = max(worst[key], p95)
            results[(name, key)] = (p50, p95, found, len(specs), slowest)
            cells.append(f"{p50:,.1f} / {p95:,.1f} ({found}/{len(specs)})")
        print(f"{name:<26}" + "".join(f"{c:>28}" for c in cells), flush=True)
    print("worst p95: " + ", ".join(f"{k} {v:,.1f} ms" for k, v in worst.items())
          + f"; ratio ours/baseline {worst['ours'] / worst['baseline']:.2f}, "
          f"ours + synonyms/baseline {worst['ours + synonyms'] / worst['baseline']:.2f}")
    print(json.dumps({f"{n}|{k}": v for (n, k), v in results.items()}, ensure_ascii=False))
    print(f"load average at end: {load()}")


if __name__ == "__main__":
    main()
