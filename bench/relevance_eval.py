"""Precision and recall of the coalition relevance (archive/relevance.py) on the labelled
set tests/data/relevance_labels.jsonl (built by bench/relevance_labels.py).

Usage: python -m bench.relevance_eval [--labels FILE] [--lexicon FILE] [--json] [--errors]
       [--sweep]

An item is predicted relevant when relevance(title, text) reaches the threshold of the
lexicon's [relevance] table. Precision and recall per language, overall ("all"), and for
the part of the set the lexicon was tuned on ("dev") and the part written after it was
("heldout"); --errors lists the items judged wrongly, --sweep the figures at other
thresholds.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from archive.index.lexicon import DEFAULT_LEXICON_FILE, load_lexicon
from archive.relevance import relevance

REPO = Path(__file__).resolve().parent.parent
DEFAULT_LABELS = REPO / "tests" / "data" / "relevance_labels.jsonl"
RELEVANT = "relevant"


@dataclass(frozen=True)
class Scored:
    id: int
    language: str
    relevant: bool  # the label
    score: float
    terms: tuple[str, ...]
    title: str
    origin: str
    split: str  # "dev" (the weights were chosen on it) or "heldout"


@dataclass(frozen=True)
class Figures:
    items: int
    relevant: int
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.relevant if self.relevant else 1.0

    def to_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "precision": round(self.precision, 3),
                "recall": round(self.recall, 3)}


def load_labels(path: Path = DEFAULT_LABELS) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def score_items(items: Iterable[dict], lexicon: Path = DEFAULT_LEXICON_FILE) -> list[Scored]:
    scored = []
    for item in items:
        found = relevance(item["title"], item["text"], lexicon)
        scored.append(Scored(item["id"], item["language"], item["label"] == RELEVANT,
                             found.score, found.terms, item["title"], item["origin"],
                             item.get("split", "dev")))
    return scored


def figures(scored: Iterable[Scored], threshold: float) -> Figures:
    scored = list(scored)
    predicted = [s.score >= threshold for s in scored]
    return Figures(
        items=len(scored),
        relevant=sum(s.relevant for s in scored),
        true_positives=sum(p and s.relevant for p, s in zip(predicted, scored, strict=True)),
        false_positives=sum(p and not s.relevant
                            for p, s in zip(predicted, scored, strict=True)),
        false_negatives=sum(not p and s.relevant
                            for p, s in zip(predicted, scored, strict=True)),
    )


def by_language(scored: list[Scored], threshold: float) -> dict[str, Figures]:
    languages = sorted({s.language for s in scored})
    result = {lang: figures([s for s in scored if s.language == lang], threshold)
              for lang in languages}
    result["all"] = figures(scored, threshold)
    for split in ("dev", "heldout"):
        result[split] = figures([s for s in scored if s.split == split], threshold)
    return result


def threshold_of(lexicon: Path) -> float:
    topic = load_lexicon(lexicon).topic
    if topic is None:
        raise SystemExit(f"{lexicon} has no [relevance] table")
    return topic.threshold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--lexicon", type=Path, default=DEFAULT_LEXICON_FILE)
    parser.add_argument("--json", action="store_true", help="The figures as one JSON object.")
    parser.add_argument("--errors", action="store_true", help="List the items judged wrongly.")
    parser.add_argument("--sweep", action="store_true", help="Figures at other thresholds.")
    args = parser.parse_args()
    threshold = threshold_of(args.lexicon)
    scored = score_items(load_labels(args.labels), args.lexicon)
    table = by_language(scored, threshold)
    if args.json:
        print(json.dumps({"threshold": threshold,
                          **{k: v.to_dict() for k, v in table.items()}}))
        return
    print(f"threshold {threshold:g}, {len(scored)} labelled items")
    print(f"{'language':8} {'items':>5} {'relevant':>8} {'TP':>4} {'FP':>4} {'FN':>4} "
          f"{'precision':>9} {'recall':>6}")
    for name, f in table.items():
        print(f"{name:8} {f.items:5} {f.relevant:8} {f.true_positives:4} "
              f"{f.false_positives:4} {f.false_negatives:4} {f.precision:9.3f} "
              f"{f.recall:6.3f}")
    if args.sweep:
        for t in (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0):
            f = figures(scored, t)
            print(f"threshold {t:5g}: precision {f.precision:.3f} recall {f.recall:.3f} "
                  f"(FP {f.false_positives}, FN {f.false_negatives})")
    if args.errors:
        for s in sorted(scored, key=lambda s: (s.language, s.score)):
            wrong = (s.score >= threshold) != s.relevant
            if wrong:
                kind = "missed" if s.relevant else "false"
                print(f"{kind:6} {s.language} {s.score:7.3f} {s.terms} #{s.id} "
                      f"{s.title[:70]} ({s.origin[:60]})")


if __name__ == "__main__":
    main()
