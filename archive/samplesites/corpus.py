"""The sentence corpus generated articles (scale.py) are written from.

``corpus.txt`` is bundled with the package, so serving never reads anything outside it. It holds
the sentences of the first edition's news stories of every site (``articles/*.toml``, stories
of kind "unrelated" left out so that the text stays on one subject), one a line as
``<site>\\t<sentence>``; ``python -m archive.samplesites.corpus`` writes it again from the
article files, and a test checks that the two agree.

Left out: sub-headings, datelines, sentences shorter than ``MIN_CHARS`` or longer than
``MAX_CHARS``, sentences with unbalanced quotes or odd spaces, sentences holding any site's
chrome phrase, and sentences holding any word a later edition introduces (its new stories'
tokens and edits' new figures), so that a generated page never pre-empts what an edition adds.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from archive.samplesites.data import SEED_SITES, load_articles, load_config
from archive.samplesites.editions import EDITIONS, load_changes

CORPUS_FILE = Path(__file__).resolve().parent / "corpus.txt"
MIN_CHARS = 40
MAX_CHARS = 400

# A sentence ends at . ! ? (a closing quote may follow) before a space and a capital or quote;
# not after an abbreviation or an initial.
_END = re.compile(r"(?<=[.!?])([\"”’']?)\s+(?=[A-Z\"“‘0-9])")
_ABBREVIATION = re.compile(
    r"(?:\b[A-Z]\.|\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Sgt|St|Rep|Sen|Gov|No|Jan|Feb|Aug|Sept"
    r"|Sep|Oct|Nov|Dec|U\.S|U\.N|U\.K|Inc|Corp|Co|vs)\.)$"
)
# "BAGHDAD / NINA / " opens NINA's first paragraphs; "Baghdad-INA" is a paragraph of its own.
_DATELINE = re.compile(r"^[A-Z][A-Za-z]+ / NINA / ")


def split_sentences(paragraph: str) -> list[str]:
    sentences, start = [], 0
    for match in _END.finditer(paragraph):
        candidate = paragraph[start:match.start()] + match.group(1)
        if _ABBREVIATION.search(candidate):
            continue
        sentences.append(candidate.strip())
        start = match.end()
    sentences.append(paragraph[start:].strip())
    return [s for s in sentences if s]


def _balanced(sentence: str) -> bool:
    return (sentence.count('"') % 2 == 0 and sentence.count("“") == sentence.count("”")
            and sentence.count("(") == sentence.count(")"))


def _edition_words() -> set[str]:
    words: set[str] = set()
    for name in SEED_SITES:
        for edition in EDITIONS[1:]:
            changes = load_changes(name, edition)
            words.update(changes.tokens.values())
            words.update(edit.token for edit in changes.edits)
    return words


def build_corpus() -> list[tuple[str, str]]:
    """(site, sentence) pairs, in article file order, each sentence once."""
    banned = _edition_words()
    chrome = {p for name in SEED_SITES for p in load_config(name).boilerplate}
    seen: set[str] = set()
    pairs = []
    for name in SEED_SITES:
        for article in load_articles(name):
            if article.kind != "article":
                continue
            for paragraph in article.paragraphs:
                if paragraph.startswith("## "):
                    continue
                for sentence in split_sentences(_DATELINE.sub("", paragraph)):
                    if (sentence in seen or not MIN_CHARS <= len(sentence) <= MAX_CHARS
                            or not sentence[0].isupper() or not _balanced(sentence)
                            or sentence[-1] not in ".!?\"”'’"
                            or " ".join(sentence.split()) != sentence
                            or any(p in sentence for p in chrome)
                            or any(w in sentence for w in banned)):
                        continue
                    seen.add(sentence)
                    pairs.append((name, sentence))
    return pairs


def corpus_text(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"{site}\t{sentence}\n" for site, sentence in pairs)


@cache
def load_corpus() -> dict[str, tuple[str, ...]]:
    """Site -> its sentences, from the bundled file."""
    by_site: dict[str, list[str]] = {name: [] for name in SEED_SITES}
    for line in CORPUS_FILE.read_text(encoding="utf-8").splitlines():
        site, _, sentence = line.partition("\t")
        by_site[site].append(sentence)
    return {site: tuple(sentences) for site, sentences in by_site.items()}


if __name__ == "__main__":
    CORPUS_FILE.write_text(corpus_text(build_corpus()), encoding="utf-8")
