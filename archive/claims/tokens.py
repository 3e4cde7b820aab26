"""Sentences and tokens of an article's text, English and Arabic alike."""

from __future__ import annotations

import re
from typing import NamedTuple

# Titles and initials whose full stop ends no sentence.
_ABBREVIATIONS = ("Col", "Gen", "Lt", "Maj", "Brig", "Mr", "Mrs", "Ms", "Dr", "Sgt", "Capt",
                  "Adm", "Sen", "Rep", "Gov", "St", "No", "Jr", "Sr", "Ltd", "Inc", "Co", "vs")
_ABBREVIATION = "|".join(_ABBREVIATIONS)
_TOKEN = re.compile(
    # A number: ASCII or Eastern Arabic digits (\d is Unicode), with separators, and a
    # suffix kept on it so that "25-year-old" and "1st" are seen as such.
    r"(?P<num>\d+(?:[,٬.٫]\d+)*(?:(?:st|nd|rd|th)\b|[-–][^\W\d_][\w-]*)?)"
    # Initials and titles with their full stop.
    rf"|(?P<abbr>(?:[A-Za-z]\.){{2,}}|(?:{_ABBREVIATION})\.)"
    # A Latin word with a digit in it: AT4, km2.
    r"|(?P<code>[A-Za-z]+\d+(?![\d,.]\d))"
    # A word of letters (Arabic clitics stay on it: وقال), inner hyphens and apostrophes.
    r"|(?P<word>[^\W\d_]+(?:['’-][^\W\d_]+)*)"
    r"|(?P<punct>[^\s\w])"
)
# A full stop, question or exclamation mark (Arabic too), closing quotes, then a space.
_SENTENCE_END = re.compile(r"[.!?؟]+[\"”’'»)]*\s+")
_ENDS_WITH_ABBREVIATION = re.compile(
    rf"(?:\b(?:{_ABBREVIATION})|\b[A-Za-z]|(?:[A-Za-z]\.)+[A-Za-z])\.$")


class Token(NamedTuple):
    text: str
    kind: str  # num, abbr, code, word, punct
    start: int
    end: int


def tokens(sentence: str) -> list[Token]:
    return [Token(m.group(), m.lastgroup or "punct", m.start(), m.end())
            for m in _TOKEN.finditer(sentence)]


def sentences(text: str) -> list[tuple[int, str]]:
    """(paragraph number, sentence) of each sentence of the text, in order. A sentence
    ends at ". " unless a title or initial ends there ("Col. Wayne Marotto", "U.S.") or a
    lowercase letter follows."""
    found: list[tuple[int, str]] = []
    for number, paragraph in enumerate(p for p in text.split("\n") if p.strip()):
        start = 0
        for end in _SENTENCE_END.finditer(paragraph):
            head = paragraph[start:end.start() + 1]
            after = paragraph[end.end():end.end() + 1]
            if _ENDS_WITH_ABBREVIATION.search(head) or (after and after.islower()):
                continue
            found.append((number, paragraph[start:end.end()].strip()))
            start = end.end()
        if paragraph[start:].strip():
            found.append((number, paragraph[start:].strip()))
    return found
