"""Benchmark: extraction quality of ours against trafilatura alone, same pages, same run.

    .venv/bin/python -W ignore bench/quality_bench.py [--limit N] [--only NAME ...]

Every extractor gets the same raw bytes of every page (each decodes them its own way).

1. trafilatura-eval (../shared/realdata/benchmark/trafilatura-eval, 990 annotated pages):
   snippet precision/recall/F1 counted as trafilatura's own tests/eval_common.py does: a
   "with" snippet found in the whitespace-collapsed output is a TP, missed a FN; a
   "without" snippet found is a FP, absent a TN; counts summed over all pages (micro
   average); no output or a crash counts as nothing found.
2. newspaper3k-tests (145 + 6 pages with an expected text): precision/recall/F1 of the
   4-word shingles of the output against those of the expected text, per page, then
   macro-averaged (a page with no output scores 0).
3. htmldate-mediacloud2020 (200 pages with the true publication day): right / wrong /
   missing for htmldate alone (default, and original_date=True), trafilatura's metadata
   date, and ours (ExtractionResult.published).
4. The sample sites of archive.samplesites (our five sources), ours WITH each source's
   rules against trafilatura defaults: share of the pages' expected phrases found, and
   share of BOILERPLATE_PHRASES leaking into the text.

Extractors: "trafilatura" = trafilatura.extract(html) with defaults; "traf. precision" =
the same with favor_precision=True; "ours" = archive.extract.extract(ExtractionTask(html,
url)) as the archive indexes it (text only when status is "ok", i.e. >= 20 words and not a
soft 404); "ours, any status" = its text whatever the status (what the extraction alone yields);
"ours, recall opts" = the same with ExtractionOptions(favor_precision=False), to show
what that one option costs or gains.

The last line is "ratio ours/trafilatura F1: trafilatura-eval X.XX, newspaper3k Y.YY".
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import platform
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import htmldate  # noqa: E402
import trafilatura  # noqa: E402

from archive.extract import ExtractionOptions, ExtractionTask, extract, warm_up  # noqa: E402

REALDATA = REPO.parent / "shared" / "realdata"
BENCH = REALDATA / "benchmark"
RECALL_OPTIONS = ExtractionOptions(favor_precision=False)

TEXT_EXTRACTORS = ("trafilatura", "traf. precision", "ours", "ours, any status",
                   "ours, recall opts")
TIMES: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


# --------------------------------------------------------------------------- helpers

_WS = re.compile(r"\s+")


def norm(text: str) -> str:
    """Whitespace collapsed, as trafilatura's eval_common.norm does."""
    return _WS.sub(" ", text or "").strip()


def read_html(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def html_index(prefix: str) -> list[dict[str, str]]:
    with (REALDATA / "HTML_INDEX.tsv").open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle, delimiter="\t")
                if row["path"].startswith(prefix)]


def timed(name: str, fn, *args, **kwargs):
    start = time.perf_counter()
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # a crash is a miss, as in trafilatura's own evaluation
        print(f"  ! {name} raised {type(exc).__name__}: {exc}", file=sys.stderr)
        return None
    finally:
        TIMES[name] += time.perf_counter() - start
        CALLS[name] += 1


def text_outputs(body: bytes, url: str, rules=None) -> dict[str, str]:
    """Every text extractor on the same bytes; "" for no output."""
    out = {
        "trafilatura": timed("trafilatura", trafilatura.extract, body) or "",
        "traf. precision": timed("traf. precision", trafilatura.extract, body,
                                 favor_precision=True) or "",
    }
    ours = timed("ours", extract, ExtractionTask(body, url, rules=rules))
    out["ours"] = ours.text if ours is not None and ours.status == "ok" else ""
    out["ours, any status"] = ours.text if ours is not None else ""
    recall = timed("ours, recall opts", extract,
                   ExtractionTask(body, url, rules=rules, options=RECALL_OPTIONS))
    out["ours, recall opts"] = recall.text if recall is not None and recall.status == "ok" else ""
    return out


def prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def table(headers: list[str], rows: list[list[Any]]) -> None:
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


# --------------------------------------------------------------------------- 1. trafilatura-eval

def bench_trafilatura_eval(limit: int | None) -> dict[str, float]:
    folder = BENCH / "trafilatura-eval"
    evaldata = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    # evaldata's "file" names predate the hashed file names; HTML_INDEX maps URL -> file.
    by_url = {row["url"]: REALDATA / row["path"]
              for row in html_index("benchmark/trafilatura-eval/html/")}
    items = [(url, item) for url, item in evaldata.items() if url in by_url]
    missing = len(evaldata) - len(items)
    if limit:
        items = items[:limit]
    counts = {name: [0, 0, 0, 0] for name in TEXT_EXTRACTORS}  # tp fp fn tn
    per_page: list[tuple[str, dict[str, tuple[int, int, int, int]]]] = []
    for url, item in items:
        outs = text_outputs(read_html(by_url[url]), url)
        page = {}
        for name, text in outs.items():
            text_n = norm(text)
            tp = sum(1 for w in item["with"] if text_n and norm(w) in text_n)
            fp = sum(1 for w in item["without"] if text_n and norm(w) in text_n)
            c = (tp, fp, len(item["with"]) - tp, len(item["without"]) - fp)
            page[name] = c
            for i in range(4):
                counts[name][i] += c[i]
        per_page.append((url, page))

    print(f"\n## 1. trafilatura-eval: {len(items)} pages"
          f" ({missing} annotated URLs without HTML), snippet TP/FP/FN/TN summed")
    rows, f1 = [], {}
    for name, (tp, fp, fn, tn) in counts.items():
        p, r, f = prf(tp, fp, fn)
        acc = (tp + tn) / (tp + fp + fn + tn) if tp + fp + fn + tn else 0.0
        f1[name] = f
        rows.append([name, tp, fp, fn, tn, f"{p:.3f}", f"{r:.3f}", f"{acc:.3f}", f"{f:.3f}"])
    table(["extractor", "TP", "FP", "FN", "TN", "precision", "recall", "accuracy", "F1"], rows)

    # Where ours loses against trafilatura defaults, page by page (TP lost, FP gained).
    worse = [(url, p["trafilatura"], p["ours"]) for url, p in per_page
             if p["ours"][0] < p["trafilatura"][0] or p["ours"][1] > p["trafilatura"][1]]
    better = [url for url, p in per_page
              if (p["ours"][0] > p["trafilatura"][0] or p["ours"][1] < p["trafilatura"][1])]
    lost_tp = sum(max(0, t[0] - o[0]) for _, t, o in worse)
    gained_fp = sum(max(0, o[1] - t[1]) for _, t, o in worse)
    print(f"ours vs trafilatura defaults: worse on {len(worse)} pages ({lost_tp} TP lost,"
          f" {gained_fp} FP gained), better on {len(better)} pages")
    # Attribution: which difference between ours and trafilatura explains each loss.
    causes: dict[str, int] = defaultdict(int)
    for _url, p in per_page:
        t, o = p["trafilatura"], p["ours"]
        if not (o[0] < t[0] or o[1] > t[1]):
            continue
        if p["ours, any status"][0] > o[0]:
            causes["min_words/soft404 status (text dropped)"] += 1
        elif p["ours, recall opts"][0] >= t[0] and p["ours, recall opts"][1] <= t[1]:
            causes["favor_precision=True (recall opts fix it)"] += 1
        elif p["traf. precision"] == o:
            causes["favor_precision=True (same as traf. precision)"] += 1
        else:
            causes["other (include_comments=False, tree input, ...)"] += 1
    for cause, n in sorted(causes.items(), key=lambda kv: -kv[1]):
        print(f"  {n:4d} pages: {cause}")
    for url, t, o in sorted(worse, key=lambda w: (w[2][0] - w[1][0]) - (w[2][1] - w[1][1]))[:8]:
        print(f"  e.g. {url[:90]}  traf TP/FP {t[0]}/{t[1]} -> ours {o[0]}/{o[1]}")
    return f1


# --------------------------------------------------------------------------- 2. newspaper3k

_TOKEN = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\W_]+")


def tokens(text: str) -> list[str]:
    # Words; CJK and Thai characters one by one (those scripts have no spaces).
    return _TOKEN.findall(text.lower())


def shingles(text: str, k: int = 4) -> set[tuple[str, ...]]:
    toks = tokens(text)
    if len(toks) < k:
        return {tuple(toks)} if toks else set()
    return {tuple(toks[i:i + k]) for i in range(len(toks) - k + 1)}


def newspaper_pairs() -> list[tuple[str, Path, Path]]:
    folder = BENCH / "newspaper3k-tests"
    pairs = []
    for row in html_index("benchmark/newspaper3k-tests/html/"):
        html = REALDATA / row["path"]
        if row["ground_truth"]:
            expected = REALDATA / row["ground_truth"].split(" ")[0]
        else:
            # newspaper's own tests pair <lang>_article.html with text/<lang>.txt
            expected = folder / "text" / (html.name.removesuffix(".html")
                                          .replace("_article", "") + ".txt")
        if expected.is_file():
            url = row["url"] or f"https://unknown.invalid/{html.name}"
            pairs.append((url, html, expected))
    return sorted(pairs, key=lambda p: p[1].name)


def bench_newspaper(limit: int | None) -> dict[str, float]:
    pairs = newspaper_pairs()
    if limit:
        pairs = pairs[:limit]
    scores = {name: [] for name in TEXT_EXTRACTORS}
    per_page = []
    for url, html, expected in pairs:
        gold = shingles(expected.read_text(encoding="utf-8", errors="replace"))
        outs = text_outputs(read_html(html), url)
        page = {}
        for name, text in outs.items():
            got = shingles(text)
            common = len(got & gold)
            p = common / len(got) if got else 0.0
            r = common / len(gold) if gold else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            scores[name].append((p, r, f))
            page[name] = f
        per_page.append((html.name, page))

    print(f"\n## 2. newspaper3k-tests: {len(pairs)} pages, 4-word shingles, macro-averaged")
    rows, f1 = [], {}
    for name, values in scores.items():
        n = len(values) or 1
        p, r, f = (sum(v[i] for v in values) / n for i in range(3))
        zero = sum(1 for v in values if v[2] == 0)
        f1[name] = f
        rows.append([name, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", zero])
    table(["extractor", "precision", "recall", "F1", "pages F1=0"], rows)
    worse = [(n, p["trafilatura"], p["ours"]) for n, p in per_page
             if p["ours"] < p["trafilatura"] - 0.02]
    better = [n for n, p in per_page if p["ours"] > p["trafilatura"] + 0.02]
    print(f"ours vs trafilatura defaults (F1 difference > 0.02): worse on {len(worse)} pages,"
          f" better on {len(better)}")
    for name, t, o in sorted(worse, key=lambda w: w[2] - w[1])[:8]:
        print(f"  e.g. {name}: F1 {t:.2f} -> ours {o:.2f}")
    return f1


# --------------------------------------------------------------------------- 3. dates

def bench_dates(limit: int | None) -> None:  # noqa: C901 - one table row per date source
    folder = BENCH / "htmldate-mediacloud2020"
    truth = json.loads((folder / "eval_mediacloud_2020.json").read_text(encoding="utf-8"))
    items = sorted(truth.items(), key=lambda kv: kv[1]["file"])
    if limit:
        items = items[:limit]
    methods = {
        "htmldate default (original_date=False)":
            lambda b, u: htmldate.find_date(b, url=u),
        "htmldate original_date=True":
            lambda b, u: htmldate.find_date(b, url=u, original_date=True),
        "trafilatura metadata (bare_extraction)":
            lambda b, u: getattr(trafilatura.bare_extraction(b, url=u, with_metadata=True),
                                 "date", None),
        "ours (extract_html .published)":
            lambda b, u: extract(ExtractionTask(b, u)).published,
    }
    counts = {name: [0, 0, 0] for name in methods}  # right wrong missing
    invented = dict.fromkeys(methods, 0)  # a date on a page whose truth is "no date" (nan)
    wrong_ours = []
    # Pages where exactly one of ours and htmldate original_date=True is right.
    reference = "htmldate original_date=True"
    only_ours: list[tuple[str, str, str, str]] = []
    only_reference: list[tuple[str, str, str, str]] = []
    n = no_date = 0
    for url, item in items:
        path = folder / "html" / item["file"]
        if not path.is_file():
            path = path.with_name(path.name + ".gz")
        if not path.is_file():
            continue
        want = item["date"] if isinstance(item["date"], str) else ""  # NaN: no true date
        if want:
            n += 1
        else:
            no_date += 1
        body = read_html(path)
        got = {}
        for name, fn in methods.items():
            found = got[name] = (timed(name, fn, body, url) or "")[:10]
            if not want:
                invented[name] += bool(found)
            elif not found:
                counts[name][2] += 1
            elif found == want:
                counts[name][0] += 1
            else:
                counts[name][1] += 1
                if name.startswith("ours"):
                    wrong_ours.append((url, want, found))
        if want:
            ours = got["ours (extract_html .published)"]
            row = (url, want, ours, got[reference])
            if ours == want != got[reference]:
                only_ours.append(row)
            elif got[reference] == want != ours:
                only_reference.append(row)
    print(f"\n## 3. htmldate-mediacloud2020: {n} pages with a true date, exact day"
          f" (+ {no_date} whose truth is no date)")
    rows = [[name, r, w, m, f"{r / n:.3f}" if n else "-", f"{invented[name]}/{no_date}"]
            for name, (r, w, m) in counts.items()]
    table(["method", "right", "wrong", "missing", "accuracy", "date on no-date pages"], rows)
    for url, want, got in wrong_ours[:5]:
        print(f"  ours wrong e.g. {url[:80]}: {got} (true {want})")
    for label, rows in (("ours right, htmldate original_date=True not", only_ours),
                        ("htmldate original_date=True right, ours not", only_reference)):
        print(f"{label}: {len(rows)}")
        for url, want, ours, ref in rows:
            print(f"  {url[:80]}: true {want}, ours {ours or '-'}, htmldate {ref or '-'}")


# --------------------------------------------------------------------------- 4. sample sites

def bench_sample_sites(limit: int | None) -> None:
    from archive.samplesites import BOILERPLATE_PHRASES, catalog
    from archive.samplesites.registry import all_sites
    from archive.sources import load_sources

    sites = all_sites()
    sources = load_sources()
    pages = [p for p in catalog() if p.kind in ("article", "unrelated") and p.status == 200
             and p.phrases]
    if limit:
        pages = pages[:limit]
    extractors = {
        "trafilatura": lambda b, p: trafilatura.extract(b) or "",
        "traf. precision": lambda b, p: trafilatura.extract(b, favor_precision=True) or "",
        "ours, no rules": lambda b, p: extract(ExtractionTask(b, p.url)).text,
        "ours, with rules": lambda b, p: extract(ExtractionTask(
            b, p.url, rules=sources[p.source].extraction)).text,
        "ours, recall opts, rules": lambda b, p: extract(ExtractionTask(
            b, p.url, rules=sources[p.source].extraction, options=RECALL_OPTIONS)).text,
    }
    stats = {name: [0, 0, 0] for name in extractors}  # phrases found, boilerplate leaks, pages
    dates_right = {"trafilatura metadata": 0, "ours, with rules": 0}
    per_source: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: {name: [0, 0] for name in extractors})
    total_phrases = 0
    leaks_seen: dict[str, set[str]] = defaultdict(set)
    for page in pages:
        split = urlsplit(page.url)
        body = sites[page.source].lookup(split.path, split.query).body
        total_phrases += len(page.phrases)
        for name, fn in extractors.items():
            text = norm(timed("sites: " + name, fn, body, page) or "")
            found = sum(1 for ph in page.phrases if norm(ph) in text)
            leaked = [b for b in BOILERPLATE_PHRASES if norm(b) in text]
            stats[name][0] += found
            stats[name][1] += len(leaked)
            stats[name][2] += 1
            per_source[page.source][name][0] += found
            per_source[page.source][name][1] += len(leaked)
            leaks_seen[name].update(leaked)
        want = page.published[:10]
        traf = trafilatura.bare_extraction(body, url=page.url, with_metadata=True)
        dates_right["trafilatura metadata"] += bool(traf is not None and traf.date == want)
        ours = extract(ExtractionTask(body, page.url, rules=sources[page.source].extraction))
        dates_right["ours, with rules"] += ours.published == want
    n = len(pages)
    possible = n * len(BOILERPLATE_PHRASES)
    print(f"\n## 4. sample sites: {n} article pages of {len(per_source)} sources,"
          f" {total_phrases} expected phrases, {len(BOILERPLATE_PHRASES)} boilerplate phrases")
    rows = [[name, f"{f}/{total_phrases}", f"{f / total_phrases:.3f}" if total_phrases else "-",
             f"{lk}", f"{lk / possible:.4f}" if possible else "-", f"{lk / n:.2f}" if n else "-"]
            for name, (f, lk, _) in stats.items()]
    table(["extractor", "phrases found", "recall", "leaks", "leak share", "leaks/page"], rows)
    rows = [[src] + [f"{v[0]}/{v[1]}" for v in per.values()] for src, per in per_source.items()]
    table(["source (found/leaks)", *extractors], rows)
    print("publication day right: " + ", ".join(f"{k} {v}/{n}" for k, v in dates_right.items()))
    for name in extractors:
        if leaks_seen[name]:
            print(f"  {name} leaks: " + "; ".join(sorted(leaks_seen[name]))[:300])


# --------------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="first N pages of each set")
    parser.add_argument("--only", nargs="*", default=None,
                        choices=["trafilatura-eval", "newspaper3k", "dates", "sites"])
    args = parser.parse_args()
    if not BENCH.is_dir():
        sys.exit(f"no {BENCH}: the benchmark needs ../shared/realdata")
    only = set(args.only or ["trafilatura-eval", "newspaper3k", "dates", "sites"])

    print(f"# quality_bench {dt.datetime.now():%Y-%m-%d %H:%M}  {platform.node()}"
          f" {platform.machine()}  Python {platform.python_version()}"
          f"  trafilatura {trafilatura.__version__}  htmldate {htmldate.__version__}")
    warm_up()  # dateparser's one-off locale loading would otherwise land in one timing
    start = time.perf_counter()
    f1_eval = bench_trafilatura_eval(args.limit) if "trafilatura-eval" in only else {}
    f1_news = bench_newspaper(args.limit) if "newspaper3k" in only else {}
    if "dates" in only:
        bench_dates(args.limit)
    if "sites" in only:
        bench_sample_sites(args.limit)

    print(f"\n## time (total {time.perf_counter() - start:.0f} s, one process)")
    table(["what", "calls", "seconds", "ms/call"],
          [[name, CALLS[name], f"{TIMES[name]:.1f}",
            f"{1000 * TIMES[name] / CALLS[name]:.0f}" if CALLS[name] else "-"]
           for name in TIMES])

    def ratio(f1: dict[str, float]) -> str:
        return f"{f1['ours'] / f1['trafilatura']:.2f}" if f1.get("trafilatura") else "n/a"

    print("F1 ours / trafilatura: " + ", ".join(
        f"{label} {f1['ours']:.3f} / {f1['trafilatura']:.3f}"
        for label, f1 in (("trafilatura-eval", f1_eval), ("newspaper3k", f1_news)) if f1))
    print(f"ratio ours/trafilatura F1: trafilatura-eval {ratio(f1_eval)},"
          f" newspaper3k {ratio(f1_news)}")


if __name__ == "__main__":
    main()
