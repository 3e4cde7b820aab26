"""Benchmark: quantity claims against the labelled set, and their cost next to
trafilatura's.

    .venv/bin/python -W ignore bench/claims_eval.py [--rounds N]

1. Precision and recall on tests/data/claims_labels.jsonl: each line a sentence with the
   claims a reader finds in it (value, qualifier, counted, speaker), or none. A sentence
   of an article ("doc": a sample-site article or a page of tests/data/claims_texts/) is
   judged in its article (its speaker may be named sentences before); a written sentence
   alone. A claim is right when value, qualifier and counted all equal a labelled
   claim's; speakers are scored apart, over the right claims: right when both are empty
   or one contains the other (case folded). Figures per part of the set: "sample" (the
   sample sites' articles, which the rules were written against: a development set),
   "real" (real pages, labelled before the rules were run on them, then left alone) and
   "written" (Arabic in INA and NINA's style and English negatives, written for the set
   before the rules ran on them), and per language.
2. Cost: the news pages of ../shared/realdata/benchmark/newspaper3k-tests/html (157
   pages); per page, trafilatura.extract() of the HTML, then extract_claims() of the text
   it gave; CPU time, mean and 95th percentile over N rounds (best round kept).

tests/test_claims_labels.py asserts floors under these figures (no timing).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archive.claims import Claim, extract_claims  # noqa: E402

LABELS = REPO / "tests" / "data" / "claims_labels.jsonl"
PAGES = REPO.parent / "shared" / "realdata" / "benchmark" / "newspaper3k-tests" / "html"
if not PAGES.is_dir():
    PAGES = Path("/work/shared/realdata/benchmark/newspaper3k-tests/html")


@dataclass
class Score:
    right: int = 0
    wrong: int = 0  # found, not labelled
    missed: int = 0  # labelled, not found
    speaker_right: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / max(1, self.right + self.wrong)

    @property
    def recall(self) -> float:
        return self.right / max(1, self.right + self.missed)

    @property
    def speaker_accuracy(self) -> float:
        return self.speaker_right / max(1, self.right)

    def line(self, name: str) -> str:
        return (f"{name:<14} claims {self.right + self.missed:>3}  right {self.right:>3}  "
                f"wrong {self.wrong:>3}  missed {self.missed:>3}  precision "
                f"{self.precision:.3f}  recall {self.recall:.3f}  speaker "
                f"{self.speaker_right}/{self.right} = {self.speaker_accuracy:.3f}")


def _norm(text: str) -> str:
    return " ".join(text.split())


def _doc_text(doc: str) -> str:
    path = REPO / doc
    if path.suffix == ".toml":
        return tomllib.loads(path.read_text())["body"]
    return path.read_text()


def _speaker_matches(found: str, expected: str) -> bool:
    found, expected = _norm(found).casefold(), _norm(expected).casefold()
    if not found or not expected:
        return found == expected
    return found in expected or expected in found


def _score_sentence(found: list[Claim], expected: list[dict], score: Score,
                    sentence: str) -> None:
    left = list(found)
    for label in expected:
        key = (label["value"], label["qualifier"], label["counted"])
        match = next((c for c in left if (c.value, c.qualifier, c.counted) == key), None)
        if match is None:
            score.missed += 1
            score.errors.append(f"missed {key} in: {sentence[:120]}")
            continue
        left.remove(match)
        score.right += 1
        if _speaker_matches(match.speaker, label["speaker"]):
            score.speaker_right += 1
        else:
            score.errors.append(f"speaker {match.speaker!r} not {label['speaker']!r}: "
                                f"{sentence[:80]}")
    for claim in left:
        score.wrong += 1
        score.errors.append(f"wrong {claim.key()} in: {sentence[:120]}")


def evaluate(labels: Path = LABELS) -> dict[str, Score]:
    """Scores by part of the set ("sample", "real", "written"), by language ("en", "ar")
    and "all"."""
    lines = [json.loads(line) for line in labels.read_text().splitlines() if line.strip()]
    by_doc: dict[str, list[Claim]] = {}
    scores: dict[str, Score] = {}
    for label in lines:
        if label["doc"]:
            if label["doc"] not in by_doc:
                by_doc[label["doc"]] = extract_claims(_doc_text(label["doc"]),
                                                      label["language"])
            sentence = _norm(label["sentence"])
            found = [c for c in by_doc[label["doc"]] if _norm(c.sentence) == sentence]
        else:
            found = extract_claims(label["sentence"], label["language"])
        for name in (label["set"], label["language"], "all"):
            _score_sentence(found, label["claims"], scores.setdefault(name, Score()),
                            label["sentence"])
    return scores


def timing(rounds: int) -> tuple[list[float], list[float], int]:
    """Per page CPU milliseconds of trafilatura.extract and of extract_claims on its text
    (the best of `rounds` for each page), and the number of claims found."""
    import trafilatura

    pages = sorted(PAGES.glob("*.html"))
    texts, traf = [], []
    for page in pages:
        html = page.read_text(errors="replace")
        best = float("inf")
        for _ in range(rounds):
            start = time.process_time()
            text = trafilatura.extract(html) or ""
            best = min(best, time.process_time() - start)
        traf.append(best * 1000)
        texts.append(text)
    extract_claims("warm up: 5 soldiers", "en")
    ours, found = [], 0
    for text in texts:
        best = float("inf")
        for _ in range(rounds):
            start = time.process_time()
            claims = extract_claims(text, "")
            best = min(best, time.process_time() - start)
        ours.append(best * 1000)
        found += len(claims)
    return traf, ours, found


def _p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--errors", action="store_true", help="List every miss and error.")
    args = parser.parse_args()
    scores = evaluate()
    labels = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    print(f"labelled sentences: {len(labels)} "
          f"({dict(Counter(label['set'] for label in labels))}, "
          f"{dict(Counter(label['language'] for label in labels))}), "
          f"with no claim: {sum(1 for label in labels if not label['claims'])}")
    for name in ("sample", "real", "written", "en", "ar", "all"):
        print(scores[name].line(name))
    if args.errors:
        for error in scores["all"].errors:
            print("  ", error)
    traf, ours, found = timing(args.rounds)
    print(f"\ncost on {len(traf)} pages ({found} claims found), CPU ms per page, "
          f"best of {args.rounds}:")
    print(f"trafilatura.extract  mean {statistics.mean(traf):7.2f}  p95 {_p95(traf):7.2f}")
    print(f"extract_claims       mean {statistics.mean(ours):7.2f}  p95 {_p95(ours):7.2f}")
    print(f"ratio (claims / trafilatura): {statistics.mean(ours) / statistics.mean(traf):.3f}")
    print(f"python {platform.python_version()}, {platform.machine()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


if __name__ == "__main__":
    main()
