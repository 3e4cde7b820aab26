"""Snippets of the original text around the words a search matched.

The full-text index holds texts in their search form (archive/index/normalise.py: no
harakat, folded letters, no article), so FTS5's own snippet() would show that form. A
snippet is instead cut from the original text: FTS5's highlight() marks the matched
tokens of the search form, whose n-th space-separated part is the n-th word of the
original (normalise.words()); the window of SNIPPET_WORDS words with the most distinct
matches is shown from the original, matches in [brackets], as FTS5's snippet() chose
and marked them before (a phrase is one bracket).

Only the hits shown get a snippet (20 by default), and the original is read only up to
the end of the window.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter

from archive.index.normalise import words

# What highlight() is asked to put around matches: characters no search form holds
# (it is letters, digits and spaces).
OPEN_MARK, CLOSE_MARK = "\x02", "\x03"
SNIPPET_WORDS = 24
ELLIPSIS = "…"
_SPACES = re.compile(r"\s+")
# Punctuation right after the window's last word is shown with it ("Ramadi.").
_TRAILING = re.compile(r"[^\s\w]*")

# A run of matched words: first and last word index, and what matched (to count
# distinct matches).
Run = tuple[int, int, str]
_MARK = re.compile(f"[{OPEN_MARK}{CLOSE_MARK}]")


def runs_in_search_form(highlighted: str) -> tuple[list[Run], int]:
    """The runs highlight() marked in a text's search form, by word index, and the
    number of its words. A marked run may span words (a phrase)."""
    # Words are counted between marks by str.count: a loop over every character in
    # Python took most of a search's time.
    runs: list[Run] = []
    word, at, opened = 0, 0, None
    for mark in _MARK.finditer(highlighted):
        word += highlighted.count(" ", at, mark.start())
        at = mark.start()
        if mark.group() == OPEN_MARK and opened is None:
            opened = (word, at)
        elif mark.group() == CLOSE_MARK and opened is not None:
            matched = highlighted[opened[1]:at].replace(OPEN_MARK, "").replace(CLOSE_MARK, "")
            if not runs or runs[-1][:2] != (opened[0], word):
                runs.append((opened[0], word, matched.lower()))
            opened = None
    total = highlighted.count(" ") + 1 if highlighted else 0
    return runs, total


def runs_in_original(original: str, highlighted: str,
                     spans: list[tuple[int, int, str]]) -> list[Run]:
    """The runs of a highlight() of the original text itself (an index made before
    the search form: its full-text index holds the originals), by word index."""
    starts = [start for start, _, _ in spans]
    runs: list[Run] = []
    offset, opened = 0, None
    for piece in re.split(f"([{OPEN_MARK}{CLOSE_MARK}])", highlighted):
        if piece == OPEN_MARK:
            opened = offset
        elif piece == CLOSE_MARK and opened is not None:
            first = max(0, bisect.bisect_right(starts, opened) - 1)
            last = max(first, bisect.bisect_left(starts, offset) - 1)
            key = " ".join(form for _, _, form in spans[first:last + 1]).lower()
            runs.append((first, last, key))
            opened = None
        else:
            offset += len(piece)
    return runs


def best_window(runs: list[Run], total: int, size: int = SNIPPET_WORDS) -> int:
    """The first word of the window of `size` words (of `total`) holding the most
    distinct matches, then the most matches (the earliest of equals), centred on them."""
    if not runs or total <= size:
        return 0
    best: tuple[int, int, int, int] | None = None  # score, -first, first, last
    inside: Counter[str] = Counter()
    end = 0
    for begin, run in enumerate(runs):
        while end < len(runs) and runs[end][1] < run[0] + size:
            inside[runs[end][2]] += 1
            end += 1
        if end > begin:
            score = 1000 * len(inside) + (end - begin)
            if best is None or score > best[0]:
                # Runs are in text order and do not overlap: the window's last ends last.
                best = (score, -run[0], run[0], runs[end - 1][1])
        if end > begin:
            inside[run[2]] -= 1
            if not inside[run[2]]:
                del inside[run[2]]
        else:
            end = begin + 1
    if best is None:
        return 0
    _, _, first, last = best
    start = first - (size - (last - first + 1)) // 2
    return max(0, min(start, total - size))


def render(original: str, spans: list[tuple[int, int, str]], start: int, total: int,
           runs: list[Run]) -> str:
    """Words start.. of the original (spans: their offsets), runs in [brackets], one
    line, with ellipses where the text goes on."""
    if not spans:
        return ""
    end = start + len(spans)
    cut, pieces = spans[0][0], []
    for first, last, _ in runs:
        if last < start or first >= end:
            continue
        opened = spans[max(first, start) - start][0]
        closed = spans[min(last, end - 1) - start][1]
        pieces += [original[cut:opened], "[", original[opened:closed], "]"]
        cut = closed
    tail = spans[-1][1]
    tail += _TRAILING.match(original, tail).end() - tail
    pieces.append(original[cut:tail])
    text = _SPACES.sub(" ", "".join(pieces)).strip()
    return (f"{ELLIPSIS} " if start > 0 else "") + text + (f" {ELLIPSIS}" if end < total else "")


def snippet(original: object, highlighted: object, size: int = SNIPPET_WORDS) -> str:
    """The snippet of `original` for highlight() output `highlighted` (with OPEN_MARK and
    CLOSE_MARK around matches) of its search form, or of itself in an index made before
    the search form. No match (the title matched): the text's first words."""
    if original is None:
        return ""
    original, highlighted = str(original), "" if highlighted is None else str(highlighted)
    if highlighted.replace(OPEN_MARK, "").replace(CLOSE_MARK, "") == original:
        spans = list(words(original))
        runs, total = runs_in_original(original, highlighted, spans), len(spans)
        start = best_window(runs, total, size)
        return render(original, spans[start:start + size], start, total, runs)
    runs, total = runs_in_search_form(highlighted)
    start = best_window(runs, total, size)
    spans = list(itertools.islice(words(original), start, start + size))
    return render(original, spans, start, total, runs)
