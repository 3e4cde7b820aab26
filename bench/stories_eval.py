"""Benchmark: stories (archive/stories/) against pairs labelled on the sample sites, and
their cost next to trafilatura's.

    .venv/bin/python -W ignore bench/stories_eval.py [--rounds N]

1. Precision and recall on tests/data/story_pairs.jsonl: each line two article URLs of the
   sample sites (edition 1), whether they are the same story (a copy: the same text with
   another dateline, a trailer, a paragraph cut) and why. Every article page of every
   sample site is extracted as the crawl does (archive/extract/text.py) and indexed through
   IndexWriter with its story refreshed, as archive/articles.py record_extraction does;
   a pair is found the same story when both articles are in one. Precision: of the pairs
   found together, the share labelled so; recall: of the pairs labelled together, the
   share found so.
2. Cost: per article, the CPU time of the extraction (trafilatura and the source's rules)
   and of refresh_story (shingles, MinHash, bands, candidates, containment, rows), mean
   and 95th percentile over N rounds (best round kept).

tests/test_story_pairs.py asserts floors under these figures (no timing).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archive.extract.text import extract_html  # noqa: E402
from archive.index.writer import IndexWriter  # noqa: E402
from archive.samplesites.registry import all_sites  # noqa: E402
from archive.sources import load_sources  # noqa: E402

LABELS = REPO / "tests" / "data" / "story_pairs.jsonl"


@dataclass
class Extracted:
    """The sample sites' articles as the crawl indexes them, with the time each took."""

    rows: list = field(default_factory=list)  # ArticleRow
    extract_ms: list[float] = field(default_factory=list)


@dataclass
class Score:
    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_pos + self.false_pos
        return self.true_pos / found if found else 1.0

    @property
    def recall(self) -> float:
        labelled = self.true_pos + self.false_neg
        return self.true_pos / labelled if labelled else 1.0


def sample_articles() -> Extracted:
    """Every article page of the sample sites (edition 1), extracted with its source's
    rules; a capture time of the day after its date, as a crawl of the next day."""
    from archive.articles import article_row, config_hash
    from archive.extract import DEFAULT_OPTIONS
    from archive.index.schema import Capture

    sources = load_sources()
    found = Extracted()
    for name, site in sorted(all_sites(1).items()):
        source = sources[name]
        for page in site.pages:
            if page.kind != "article" or page.status != 200:
                continue
            split = page.url.split("/", 3)
            path, _, query = ("/" + split[3]).partition("?")
            body = site.lookup(path, query).body
            started = time.process_time()
            result = extract_html(body, page.url, rules=source.extraction,
                                  language=source.language, captured_at="2026-11-21T10:00:00Z")
            found.extract_ms.append((time.process_time() - started) * 1000)
            if result.status != "ok":
                continue
            capture = Capture(url=page.url, source=name, status=200, content_type="text/html",
                              fetched_at=(result.published or "2026-11-21")[:10] + "T23:00:00Z",
                              warc_file="sample.warc.gz", warc_offset=0, warc_length=0,
                              record_id=f"<urn:sample:{page.url}>", payload_digest="")
            found.rows.append(article_row(capture, result, config_hash(DEFAULT_OPTIONS, source)))
    return found


def index_stories(rows: list, path: Path) -> tuple[dict[str, int], list[float]]:
    """Index the rows as the crawl does; each URL's story id (none: not in a story) and
    the CPU milliseconds of each refresh_story."""
    writer = IndexWriter(path)
    costs = []
    for row in rows:
        with writer.batch():
            writer.add_article(row)
            started = time.process_time()
            writer.refresh_story(row.url)
            costs.append((time.process_time() - started) * 1000)
    stories = dict(writer.db.execute("select url, story from stories").fetchall())
    writer.close()
    return stories, costs


def load_labels(path: Path = LABELS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def score(stories: dict[str, int], labels: list[dict]) -> Score:
    result = Score()
    for label in labels:
        a, b = stories.get(label["a"]), stories.get(label["b"])
        together = a is not None and a == b
        if together and label["same"]:
            result.true_pos += 1
        elif together:
            result.false_pos += 1
            result.errors.append(f"grouped, not the same: {label['a']} {label['b']}")
        elif label["same"]:
            result.false_neg += 1
            result.errors.append(f"missed copy: {label['a']} {label['b']}")
    return result


def evaluate(labels: Path = LABELS) -> tuple[Score, list[str]]:
    """The score, and the URLs the labels name that no sample article has (a typo)."""
    extracted = sample_articles()
    with tempfile.TemporaryDirectory() as tmp:
        stories, _ = index_stories(extracted.rows, Path(tmp) / "index.db")
    known = {row.url for row in extracted.rows}
    pairs = load_labels(labels)
    unknown = sorted({u for p in pairs for u in (p["a"], p["b"])} - known)
    return score(stories, pairs), unknown


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result, unknown = evaluate()
    labels = load_labels()
    print(f"pairs: {len(labels)} ({sum(p['same'] for p in labels)} the same story)")
    print(f"precision {result.precision:.3f}  recall {result.recall:.3f}")
    for error in result.errors + [f"unknown URL: {u}" for u in unknown]:
        print("  ", error)
    best: tuple[list[float], list[float]] | None = None
    for _ in range(args.rounds):
        extracted = sample_articles()
        with tempfile.TemporaryDirectory() as tmp:
            _, costs = index_stories(extracted.rows, Path(tmp) / "index.db")
        if best is None or statistics.mean(costs) < statistics.mean(best[1]):
            best = (extracted.extract_ms, costs)
    assert best is not None
    extract_ms, costs = best
    print(f"articles: {len(costs)} of {len(extract_ms)} article pages")
    print(f"extraction (trafilatura + rules)  mean {statistics.mean(extract_ms):7.2f} ms  "
          f"p95 {_p95(extract_ms):7.2f}")
    print(f"refresh_story                     mean {statistics.mean(costs):7.2f} ms  "
          f"p95 {_p95(costs):7.2f}")
    ratio = statistics.mean(costs) / statistics.mean(extract_ms)
    print(f"ratio (stories / extraction): {ratio:.3f}")
    print(f"machine: {platform.machine()}, {platform.python_version()}")


if __name__ == "__main__":
    main()
