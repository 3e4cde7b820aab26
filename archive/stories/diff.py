"""What a copy changes against its story's origin, paragraph by paragraph: a new
dateline, an added trailer ("Source: National Iraqi News Agency – NINA"), a cut line.

Paragraphs are compared by their search form (so spacing, case and Arabic letter
variants are no change); a paragraph replaced by one close to it is shown as the words
that changed, so a dateline reads "- Baghdad (NINA) + Erbil (Shafaq News)" rather than
two whole paragraphs."""

from __future__ import annotations

import difflib

from archive.index.normalise import normalise_text

# Below this word similarity a replaced paragraph is shown whole, removed then added.
_CLOSE = 0.5


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _key(paragraph: str) -> str:
    return normalise_text(paragraph).lower()


def _word_changes(old: str, new: str) -> list[str]:
    """The stretch of words between the two paragraphs' common beginning and end: one
    "- " and one "+ " line for a changed dateline, however its words happen to align."""
    a, b = old.split(), new.split()
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    removed, added = a[start:len(a) - end], b[start:len(b) - end]
    return ([f"- {' '.join(removed)}"] if removed else []) + (
        [f"+ {' '.join(added)}"] if added else [])


def differences(origin: str, copy: str) -> list[str]:
    """Lines "- text" (in the origin only) and "+ text" (in the copy only), in order."""
    old, new = _paragraphs(origin), _paragraphs(copy)
    matcher = difflib.SequenceMatcher(None, [_key(p) for p in old], [_key(p) for p in new],
                                      autojunk=False)
    changes: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        removed, added = old[i1:i2], new[j1:j2]
        if tag == "replace" and len(removed) == len(added):
            for before, after in zip(removed, added, strict=True):
                close = difflib.SequenceMatcher(None, before.split(), after.split(),
                                                autojunk=False).ratio() >= _CLOSE
                changes += _word_changes(before, after) if close else [
                    f"- {before}", f"+ {after}"]
            continue
        changes += [f"- {p}" for p in removed] + [f"+ {p}" for p in added]
    return changes
