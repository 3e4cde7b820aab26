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
    """The runs of words that differ between two close paragraphs."""
    a, b = old.split(), new.split()
    changes = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            changes.append("- " + " ".join(a[i1:i2]))
        if tag in ("replace", "insert"):
            changes.append("+ " + " ".join(b[j1:j2]))
    return changes


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
