"""How much an article is about the topic of settings/lexicon.toml (the coalition's war
against ISIS): a score, the lexicon groups it mentions, and whether it passes the
threshold.

Computed from an extraction's title and text, in the extraction worker
(archive/extract/text.py), so a crawl and `pressarchive reextract` store the same
values (`articles.relevance`, `topic_terms`, `topic`), and the lexicon's part in it is
in the extraction's configuration hash (relevance_definition()).

Matching is on the words' keys that search uses (archive/index/lexicon.py word_key:
the search form of archive/index/normalise.py, without accents, case-folded), so
Arabic is matched whatever its harakat, alef forms, ة/ه, ى/ي or article, and French
whatever its accents. An Arabic term's first word is also matched after the one-letter
proclitics و ف ب ك ل (لداعش, وداعش), as search looks for it (query_variants), but only
when it has at least 4 letters: the 3-letter رقه (الرقة, Raqqa) after و is ورقه, the
common ورقة ("paper").

The score (the formula is documented in settings/lexicon.toml too):

    relevance = 100 * (text mentions + title_factor * title mentions)
                / (words + length_offset)

A mention is a group's term found in the text (or title), worth the group's weight; at
each place the longest term is taken, and a place counts once (US-led coalition is one
mention, not also one of "coalition"). The mentions of groups that are not `core`
(places, airstrikes, the Pentagon, "coalition" alone) count only if the title or text
mentions a core group (ISIS, Daesh, داعش, Operation Inherent Resolve, the international
coalition, CENTCOM...): without that, a weather report from Nineveh and Kirkuk, a Mosul
football match, a German coalition or an airstrike in Gaza would pass on their density
alone. Words are the text's words. So a relevance is weighted mentions per 100 words: a
2,000-word sports report naming Mosul once scores 0 (no core group), a 2,000-word report
naming ISIS once 0.14, a 300-word report of an airstrike on ISIS in Mosul about 2.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from archive.errors import PressArchiveError
from archive.index.lexicon import (
    DEFAULT_LEXICON_FILE,
    Group,
    Lexicon,
    TopicRule,
    load_lexicon,
    term_key,
    term_words,
    word_key,
)
from archive.index.normalise import MIN_STEM, SEARCH_FORM, WORD, is_arabic, query_variants

# A proclitic before a shorter first word makes other common words (see above).
MIN_PROCLITIC_STEM = MIN_STEM + 1
# Rounded, so that the stored value reads the same everywhere (JSON, Datasette) and a
# rebuild compares equal whatever the float formatting.
DIGITS = 3


class UnknownTopic(PressArchiveError):
    """A topic the lexicon does not define (search --topic, crawl --focus)."""


@dataclass(frozen=True)
class Relevance:
    score: float
    # The groups mentioned, most weight first (then by name): the article's topic terms.
    terms: tuple[str, ...]
    # The topic's name if score >= its threshold, else "".
    topic: str


NO_RELEVANCE = Relevance(0.0, (), "")


@dataclass(frozen=True)
class _Matcher:
    rule: TopicRule
    # first word's key -> (the term's remaining keys, its group), longest term first
    by_first: dict[str, tuple[tuple[tuple[str, ...], Group], ...]]


@functools.lru_cache(maxsize=1 << 16)
def _key(word: str) -> str:
    return word_key(word)


def _first_word_keys(first: str) -> list[str]:
    """The keys a term's first word is found as: its own, and for an Arabic word of
    MIN_PROCLITIC_STEM letters or more, after each proclitic."""
    own = word_key(first)
    if not is_arabic(own) or len(own) < MIN_PROCLITIC_STEM:
        return [own]
    return [own, *(word_key(form) for form in query_variants(first)[1:])]


@functools.lru_cache(maxsize=4)
def _matcher(path: Path) -> _Matcher | None:
    lexicon = load_lexicon(path)
    if lexicon.topic is None:
        return None
    entries: dict[str, list[tuple[tuple[str, ...], Group]]] = {}
    for group in lexicon.groups:
        if not group.weight:
            continue
        for term in group.alternatives:
            words = term_words(term)
            rest = term_key(term)[1:]
            for first in dict.fromkeys(_first_word_keys(words[0])):
                entries.setdefault(first, []).append((rest, group))
    by_first = {first: tuple(sorted(found, key=lambda e: -len(e[0])))
                for first, found in entries.items()}
    return _Matcher(lexicon.topic, by_first)


def _mentions(text: str, matcher: _Matcher) -> tuple[Counter[str], float, float, int]:
    """The groups mentioned in `text` (how often each), the summed weight of the core
    groups' mentions and of the others', and the number of words of the text."""
    # The words of term_words(text), as keys: a word whose search form is empty has
    # the key "" (one cached call per distinct word: the text's words recur).
    keys = [key for key in map(_key, WORD.findall(text.replace("_", " "))) if key]
    found: Counter[str] = Counter()
    core = context = 0.0
    by_first = matcher.by_first
    at = 0
    while at < len(keys):
        step = 1
        for rest, group in by_first.get(keys[at], ()):
            end = at + 1 + len(rest)
            if tuple(keys[at + 1:end]) == rest:
                found[group.name] += 1
                if group.core:
                    core += group.weight
                else:
                    context += group.weight
                step = 1 + len(rest)
                break
        at += step
    return found, core, context, len(keys)


def relevance(title: str, text: str, lexicon_file: Path = DEFAULT_LEXICON_FILE) -> Relevance:
    """The relevance of an article to the lexicon's topic (NO_RELEVANCE without a
    [relevance] table)."""
    matcher = _matcher(Path(lexicon_file))
    if matcher is None:
        return NO_RELEVANCE
    rule = matcher.rule
    in_title, title_core, title_context, _ = _mentions(title, matcher)
    in_text, text_core, text_context, words = _mentions(text, matcher)
    if not title_core and not text_core:
        title_context = text_context = 0.0  # see the module's docstring
    mentions = text_core + text_context + rule.title_factor * (title_core + title_context)
    score = round(100 * mentions / (words + rule.length_offset), DIGITS)
    weights = {g.name: g.weight for g in load_lexicon(Path(lexicon_file)).groups}
    mentioned = in_title + in_text
    terms = tuple(sorted(mentioned, key=lambda name: (-weights[name] * mentioned[name],
                                                      name)))
    return Relevance(score, terms, rule.topic if score >= rule.threshold else "")


def why_irrelevant(found: Relevance, lexicon_file: Path = DEFAULT_LEXICON_FILE) -> str:
    """Why an article is off the topic, one line (a non_articles row's error)."""
    rule = load_lexicon(Path(lexicon_file)).topic
    if rule is None:
        return "no topic defined"
    return (f"relevance {found.score:g} below {rule.threshold:g}, the threshold of the "
            f"{rule.topic} topic")


def topics(lexicon_file: Path = DEFAULT_LEXICON_FILE) -> tuple[str, ...]:
    """The topics an article can have (today at most one: the [relevance] table's)."""
    lexicon = load_lexicon(Path(lexicon_file))
    return (lexicon.topic.topic,) if lexicon.topic else ()


def check_topic(topic: str, lexicon_file: Path = DEFAULT_LEXICON_FILE) -> str:
    """`topic` if the lexicon defines it; else UnknownTopic, one line."""
    known = topics(lexicon_file)
    if topic not in known:
        listed = ", ".join(known) or f"none: {lexicon_file} has no [relevance] table"
        raise UnknownTopic(f"unknown topic {topic!r} (known: {listed})")
    return topic


def relevance_definition(lexicon: Lexicon | None = None) -> str:
    """sha256 of all that decides an article's relevance: the [relevance] table, the
    weighted groups and their terms, and the search form words are matched in. Part
    of the extraction's configuration hash, so a lexicon change shows in the index."""
    lexicon = lexicon or load_lexicon()
    payload = {
        "topic": None if lexicon.topic is None else vars(lexicon.topic),
        "groups": [[g.name, g.weight, g.core, [t for _, t in g.terms]]
                   for g in lexicon.groups if g.weight],
        "search_form": SEARCH_FORM,
        "min_proclitic_stem": MIN_PROCLITIC_STEM,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
