"""Word shingles of an article, on its search form (archive/index/normalise.py), so that
case, Arabic letter variants and punctuation do not tell copies apart."""

from __future__ import annotations

from archive.index.normalise import normalise_text

# Five words: long enough that two unrelated reports of the same day share few (names
# and stock phrases are shorter), short enough that a changed dateline or an added
# trailer spoils only the shingles across it.
SHINGLE_WORDS = 5
# A text with fewer shingles (a caption, a brief) is not grouped: a handful of shared
# stock phrases would make it a "copy" of anything.
MIN_SHINGLES = 25


def shingles(text: str) -> frozenset[str]:
    """The distinct SHINGLE_WORDS-word sequences of the text's search form."""
    words = normalise_text(text).lower().split()
    if len(words) < SHINGLE_WORDS:
        return frozenset()
    return frozenset(" ".join(words[i:i + SHINGLE_WORDS])
                     for i in range(len(words) - SHINGLE_WORDS + 1))


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    """The share of the smaller set's shingles found in the larger: 1.0 for a copy that
    only adds a trailer, whatever the lengths; symmetric, so a pair's verdict does not
    depend on which of the two was indexed first."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small)
