"""Benchmark: publication-date accuracy per language, two versions of the code, same pages,
same run.

    .venv/bin/python -W ignore bench/date_bench.py [--old TREE] [--limit N] [--rounds N]

TREE is a checkout of the code to compare with (git worktree add, or
`git archive COMMIT | tar -x -C TREE`); each version runs in its own process with
PYTHONPATH set to its tree and its own settings/sources.toml, on the same bytes.

The labelled pages:

1. htmldate-mediacloud2020 (../shared/realdata): 200 news pages of 2020 from around the
   world, with the true day (195; 5 whose truth is "no date"); their language is the
   <html lang> of HTML_INDEX.tsv: ar, fr, en, or "other" (27 other languages, or none).
   Their capture day is unknown, so each page is extracted three times: with no capture
   day (today bounds the date, as in quality_bench), captured on the true day (a live
   crawl: the capture-day rule must keep the right same-day dates), and captured the day
   after.
2. The sample pages: the article fixtures of tests/fixtures/extract with the dates their
   tests assert (English, and the Arabic and French pages with site clocks on the capture
   day 2026-12-04), with their source's rules, captured 2026-12-04; and the sample sites'
   article pages (archive.samplesites, English) captured the day after they were published.
3. Real Arabic pages of ../shared/realdata labelled by hand from what they print (see
   HAND_LABELLED).

Printed per version and per language: right, wrong, missing, accuracy; "crawl day": dates
equal to the capture day on pages whose truth is another day (or none). Then the pages
whose date the two versions disagree on, and the CPU time of the extractions (whole
extract_html calls, one process per version and round, rounds alternating the order).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
REALDATA = REPO.parent / "shared" / "realdata"
MEDIACLOUD = REALDATA / "benchmark" / "htmldate-mediacloud2020"
FIXTURES = REPO / "tests" / "fixtures" / "extract"
FIXTURE_DAY = "2026-12-04"  # the capture day the fixtures' site clocks show

# (fixture, URL, source whose rules apply, true day): as tests/test_extract.py and
# tests/test_dates.py assert them.
FIXTURE_PAGES = [
    ("trtworld_article.html", "https://www.trtworld.com/middle-east/"
     "blinken-coalition-killed-more-than-10000-isis-militants-4521", "trtworld", "2015-06-03"),
    ("france24_article.html", "https://www.france24.com/en/"
     "20141203-us-led-coalition-battle-islamic-state-group-long-it-takes", "france24",
     "2014-12-03"),
    ("ina_article.html", "https://ina.iq/eng/7341-icf-isis-is-dying.html", "ina", "2020-11-15"),
    ("chinatopix_article.html", "http://www.chinatopix.com/articles/26954/20150122/"
     "iraq-frustrated-over-coalition-s-efforts-in-islamic-state-fight.htm", "chinatopix",
     "2015-01-22"),
    ("nina_article.html", "https://www.ninanews.com/Website/News/Details?key=722119", "nina",
     "2017-12-27"),
    ("ina_ar_article.html", "https://ina.iq/ar/security/91538-.html", "ina", "2019-08-03"),
    ("nina_ar_article.html", "https://www.ninanews.com/Website/News/Details?key=873301", "nina",
     "2020-11-15"),
    ("france24_fr_article.html", "https://www.france24.com/fr/moyen-orient/irak-hamrin", "",
     "2020-12-01"),
]

# Real Arabic pages whose date is read off the page by hand: (path under realdata, true
# day, capture day or "" when unknown, why).
HAND_LABELLED = [
    ("benchmark/goose3-tests/content/test_cnn_arabic.html", "2013-08-04", "",
     "date line under the title 'الأحد، 04 آب/اغسطس 2013، آخر تحديث 02:21'; no metadata"),
    ("benchmark/newspaper3k-tests/html/arabic_article.html", "2013-08-28", "",
     "date line 'الأربعاء، 28 آب/اغسطس 2013'; no metadata"),
    ("benchmark/trafilatura-eval/html/assabah.com.tn.article.html.gz", "2019-02-08",
     "2020-02-19", "RDFa dc:date 2019-02-08 and 'الجمعة 8 فيفري 2019'; captured the day "
     "its date widget shows, 'Feb. 19 2020'"),
]


@dataclass(frozen=True)
class Job:
    set: str  # which table it counts in
    mode: str  # the capture-day assumption
    file: str  # the page's bytes, in the work folder
    url: str
    source: str  # rules of this source ("" none)
    language: str
    truth: str  # "" = the page has no date
    captured_at: str


# Run in the child, with the tree under test first on sys.path.
_CHILD = r"""
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from archive.extract import extract_html, warm_up
from archive.sources import load_sources
sources = load_sources()
jobs = json.load(open(sys.argv[2]))
warm_up()
out = []
start = resource.getrusage(resource.RUSAGE_SELF)
for job in jobs:
    rules = sources[job['source']].extraction if job['source'] else None
    body = open(job['file'], 'rb').read()
    out.append(extract_html(body, job['url'], rules=rules,
                            captured_at=job['captured_at']).published)
end = resource.getrusage(resource.RUSAGE_SELF)
cpu = (end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime)
print(json.dumps({'published': out, 'cpu': cpu}))
"""


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def html_index() -> dict[str, dict[str, str]]:
    with (REALDATA / "HTML_INDEX.tsv").open(encoding="utf-8", newline="") as handle:
        return {row["path"]: row for row in csv.DictReader(handle, delimiter="\t")}


def lang(value: str) -> str:
    """The archive's languages by name, every other (and none declared) as "other"."""
    code = value[:2].lower()
    return code if code in ("ar", "fr", "en") else "other"


def next_day(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def mediacloud_jobs(work: Path, index: dict[str, dict[str, str]], limit: int | None) -> list[Job]:
    truth = json.loads((MEDIACLOUD / "eval_mediacloud_2020.json").read_text(encoding="utf-8"))
    items = sorted(truth.items(), key=lambda kv: kv[1]["file"])[:limit]
    jobs = []
    for url, item in items:
        path = MEDIACLOUD / "html" / (item["file"] + ".gz")
        if not path.is_file():
            continue
        copy = work / path.name.removesuffix(".gz")
        copy.write_bytes(read_bytes(path))
        want = item["date"] if isinstance(item["date"], str) else ""
        language = lang(index.get(str(path.relative_to(REALDATA)), {}).get("html_lang", ""))
        modes = {"no capture day": "", "captured the true day": want,
                 "captured the day after": next_day(want) if want else ""}
        for mode, captured in modes.items():
            if want or mode == "no capture day":
                jobs.append(Job("mediacloud2020", mode, str(copy), url, "", language, want,
                                captured))
    return jobs


def sample_jobs(work: Path, index: dict[str, dict[str, str]], limit: int | None) -> list[Job]:
    from archive.samplesites import catalog
    from archive.samplesites.registry import all_sites

    jobs = []
    for name, url, source, want in FIXTURE_PAGES:
        language = "ar" if "_ar_" in name else "fr" if "_fr_" in name else "en"
        jobs.append(Job("sample pages", "fixtures", str(FIXTURES / name), url, source, language,
                        want, FIXTURE_DAY))
    sites = all_sites()
    pages = [p for p in catalog() if p.kind == "article" and p.status == 200 and p.published]
    for n, page in enumerate(pages[:limit]):
        split = urlsplit(page.url)
        copy = work / f"samplesite-{n}.html"
        copy.write_bytes(sites[page.source].lookup(split.path, split.query).body)
        want = page.published[:10]
        jobs.append(Job("sample pages", "sample sites", str(copy), page.url, page.source, "en",
                        want, next_day(want)))
    for path, want, captured, _why in HAND_LABELLED:
        row = index[path]
        copy = work / Path(path).name.removesuffix(".gz")
        copy.write_bytes(read_bytes(REALDATA / path))
        jobs.append(Job("sample pages", "hand-labelled real pages", str(copy), row["url"], "",
                        lang(row["html_lang"]), want, captured))
    return jobs


def run(tree: Path, jobs_file: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", _CHILD, str(tree),
                          str(jobs_file)], env=env, cwd=tree, check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(headers: list[str], rows: list[list[object]]) -> None:
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def score(jobs: list[Job], found: list[str]) -> dict[tuple[str, str, str], list[int]]:
    """(set, mode, language) -> [right, wrong, missing, crawl-day dates, pages]."""
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for job, got in zip(jobs, found, strict=True):
        for key in ((job.set, job.mode, job.language), (job.set, job.mode, "all")):
            c = counts[key]
            c[4] += 1
            if job.truth:
                c[0 if got == job.truth else 2 if not got else 1] += 1
            crawl_day = job.captured_at[:10] or dt.date.today().isoformat()
            c[3] += bool(got) and got == crawl_day and got != job.truth
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--limit", type=int, default=None, help="first N pages of each set")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each version, for CPU")
    args = parser.parse_args()
    print(f"# date_bench {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC  {platform.node()}"
          f" {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    trees = {"new": REPO} | ({"old": args.old.resolve()} if args.old else {})
    index = html_index()
    with tempfile.TemporaryDirectory(prefix="date-bench-") as folder:
        work = Path(folder)
        jobs = mediacloud_jobs(work, index, args.limit) + sample_jobs(work, index, args.limit)
        jobs_file = work / "jobs.json"
        jobs_file.write_text(json.dumps([asdict(j) for j in jobs]))
        # Rounds alternate the versions' order: CPU time drifts on a shared machine, and
        # the ratio within a round is what compares them. The dates are the same each time.
        cpu: dict[str, list[float]] = {name: [] for name in trees}
        results = {}
        for round_no in range(args.rounds):
            names = list(trees) if round_no % 2 == 0 else list(reversed(trees))
            for name in names:
                results[name] = run(trees[name], jobs_file)
                cpu[name].append(1000 * results[name]["cpu"] / len(jobs))
    scores = {name: score(jobs, r["published"]) for name, r in results.items()}
    keys = sorted(scores["new"], key=lambda k: (k[0], k[1], k[2] == "all", k[2]))
    rows = []
    for key in keys:
        row: list[object] = [key[0], key[1], key[2], scores["new"][key][4]]
        for name in trees:
            right, wrong, missing, crawl_day, _ = scores[name][key]
            dated = right + wrong + missing
            row += [f"{right}/{wrong}/{missing}", f"{right / dated:.3f}" if dated else "-",
                    crawl_day]
        rows.append(row)
    headers = ["set", "capture day", "lang", "pages"]
    for name in trees:
        headers += [f"{name} right/wrong/missing", f"{name} accuracy", f"{name} crawl day"]
    table(headers, rows)
    print("\nnew: dates equal to the capture day that are not the true day:")
    for job, got in zip(jobs, results["new"]["published"], strict=True):
        if got and got == (job.captured_at[:10] or dt.date.today().isoformat()) != job.truth:
            print(f"  {job.set} / {job.mode} / {job.language}: {job.url[:70]}: "
                  f"{job.truth or '-'}, {got}")
    if "old" in results:
        print("\npages the versions date differently (truth, old, new):")
        for job, old, new in zip(jobs, results["old"]["published"], results["new"]["published"],
                                 strict=True):
            if old != new:
                print(f"  {job.set} / {job.mode} / {job.language}: {job.url[:70]}: "
                      f"{job.truth or '-'}, {old or '-'}, {new or '-'}")
    print(f"\nCPU per extraction ({len(jobs)} extractions, {args.rounds} rounds): " + "; ".join(
        f"{name} {', '.join(f'{c:.1f}' for c in cpu[name])} ms (median "
        f"{statistics.median(cpu[name]):.1f})" for name in trees))
    if "old" in cpu:
        ratios = [n / o for n, o in zip(cpu["new"], cpu["old"], strict=True)]
        print(f"new/old per round {', '.join(f'{r:.3f}' for r in ratios)}; median "
              f"{statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
