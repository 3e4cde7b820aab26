"""How extracted text is measured and tidied: word counts and runs of whitespace."""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")
_WORDISH = re.compile(r"\w")
# Han, kana, Hangul and Thai are written without spaces between words: each such
# character counts as a word, or Chinese and Japanese articles would count as empty.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def count_words(text: str) -> int:
    """Tokens with a letter or digit (the "|" cell borders of rendered tables are not
    words), plus one per character of the scripts written without spaces."""
    unspaced = len(_UNSPACED.findall(text))
    spaced = sum(1 for token in _UNSPACED.sub(" ", text).split() if _WORDISH.search(token))
    return spaced + unspaced


def single_spaced(text: str) -> str:
    """Every run of whitespace (newlines included) as one space, none at either end."""
    return _WS.sub(" ", text).strip()


def one_line(text: str, limit: int = 300) -> str:
    """An error message fit for one line of a log or a table cell."""
    text = single_spaced(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
