"""The lexicon of synonyms (settings/lexicon.toml): named groups of the terms outlets
use for the same actor, place or operation, per language. Search looks for a query
term that belongs to a group as any term of the group (archive/index/fts_query.py).
The same groups, with their weights and the [relevance] table, say how much an
article is about the topic (archive/relevance.py).

Loaded and checked once per process; every mistake in the file is one ConfigError
naming the file, the group and the term.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from archive.errors import ConfigError
from archive.index.normalise import WORD, normalise_word
from archive.settings_files import settings_file

DEFAULT_LEXICON_FILE = settings_file("lexicon.toml")
_LANGUAGE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class Group:
    name: str
    # (language, term as written), in the file's order
    terms: tuple[tuple[str, str], ...]
    # What one mention counts towards the topic's relevance; 0: a synonym only.
    weight: float = 0.0
    # A core group names the topic itself (ISIS, the operation, the coalition's
    # bodies); the others' mentions (places, airstrikes) count only in an article that
    # mentions a core group (archive/relevance.py).
    core: bool = False

    @property
    def alternatives(self) -> tuple[str, ...]:
        """Each term once (two languages may share one), in the file's order."""
        seen: dict[tuple[str, ...], str] = {}
        for _, term in self.terms:
            seen.setdefault(term_key(term), term)
        return tuple(seen.values())


@dataclass(frozen=True)
class TopicRule:
    """The [relevance] table: the topic's name and how its relevance is judged (the
    formula is archive/relevance.py's)."""

    topic: str
    threshold: float
    title_factor: float
    length_offset: float


@dataclass(frozen=True)
class Lexicon:
    groups: tuple[Group, ...]
    # term key -> its group
    by_key: dict[tuple[str, ...], Group]
    topic: TopicRule | None = None

    @property
    def longest(self) -> int:
        """The most words of a term."""
        return max((len(key) for key in self.by_key), default=0)


def term_words(term: str) -> list[str]:
    """The words of a term or a query, as the index cuts them."""
    return [w for w in WORD.findall(term.replace("_", " ")) if normalise_word(w)]


def word_key(word: str) -> str:
    """What two spellings of a word share when they are the same word to search: its
    search form, without accents, case-folded (État, etat and ETAT are one)."""
    form = unicodedata.normalize("NFD", normalise_word(word))
    return "".join(c for c in form if not unicodedata.combining(c)).casefold()


def term_key(term: str) -> tuple[str, ...]:
    return tuple(word_key(w) for w in term_words(term))


def _group(table: object, where: str, path: Path) -> Group:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where} must be a [[group]] table")
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{path}: {where} needs a name (a string)")
    weight = table.get("weight", 0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
        raise ConfigError(f"{path}: group {name!r}: weight must be a number >= 0, "
                          f"got {weight!r}")
    core = table.get("core", False)
    if not isinstance(core, bool) or (core and not weight):
        raise ConfigError(f"{path}: group {name!r}: core must be true or false, and a "
                          "core group needs a weight")
    terms: list[tuple[str, str]] = []
    for language, listed in table.items():
        if language in ("name", "weight", "core"):
            continue
        if not _LANGUAGE.match(language):
            raise ConfigError(f"{path}: group {name!r}: {language!r} is not a language code "
                              "(two lowercase letters: en, fr, ar)")
        if not isinstance(listed, list) or not all(isinstance(t, str) for t in listed):
            raise ConfigError(f"{path}: group {name!r}: {language} must be a list of strings")
        for term in listed:
            if not term_words(term):
                raise ConfigError(f"{path}: group {name!r}: {language} term {term!r} "
                                  "has no words")
            terms.append((language, term))
    if len({term_key(t) for _, t in terms}) < 2:
        raise ConfigError(f"{path}: group {name!r} needs at least two different terms")
    return Group(name.strip(), tuple(terms), float(weight), core)


_RULE_NUMBERS = ("threshold", "title_factor", "length_offset")


def _topic_rule(table: object, path: Path) -> TopicRule:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: relevance must be a [relevance] table")
    known = ("topic", *_RULE_NUMBERS)
    extra = sorted(set(table) - set(known))
    if extra:
        raise ConfigError(f"{path}: [relevance]: unknown key(s) {', '.join(extra)} "
                          f"(known: {', '.join(known)})")
    topic = table.get("topic")
    if not isinstance(topic, str) or not re.fullmatch(r"[a-z][a-z0-9_-]*", topic):
        raise ConfigError(f"{path}: [relevance]: topic must be a lower-case name "
                          f"(e.g. \"coalition\"), got {topic!r}")
    numbers: dict[str, float] = {}
    for key in _RULE_NUMBERS:
        value = table.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"{path}: [relevance]: {key} must be a number > 0, "
                              f"got {value!r}")
        numbers[key] = float(value)
    return TopicRule(topic, **numbers)


def parse_lexicon(text: str, path: Path) -> Lexicon:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    extra = sorted(set(data) - {"group", "relevance"})
    if extra:
        raise ConfigError(f"{path}: unknown top-level key(s) {', '.join(extra)}; "
                          "each group is a [[group]] block, the topic a [relevance] table")
    tables = data.get("group", [])
    if not isinstance(tables, list):
        raise ConfigError(f"{path}: group must be [[group]] blocks")
    groups: list[Group] = []
    by_key: dict[tuple[str, ...], Group] = {}
    for n, table in enumerate(tables, 1):
        group = _group(table, f"group {n}", path)
        if any(g.name == group.name for g in groups):
            raise ConfigError(f"{path}: group {group.name!r} is defined twice")
        for _, term in group.terms:
            other = by_key.setdefault(term_key(term), group)
            if other is not group:
                raise ConfigError(f"{path}: term {term!r} is in groups {other.name!r} and "
                                  f"{group.name!r}; a term may belong to one group")
        groups.append(group)
    topic = _topic_rule(data["relevance"], path) if "relevance" in data else None
    if topic is not None and not any(g.core for g in groups):
        raise ConfigError(f"{path}: [relevance] needs at least one group with core = true")
    return Lexicon(tuple(groups), by_key, topic)


@functools.lru_cache(maxsize=4)
def load_lexicon(path: Path = DEFAULT_LEXICON_FILE) -> Lexicon:
    """The lexicon of `path`, read once per process."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"lexicon file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read lexicon file {path}: {exc}") from None
    return parse_lexicon(text, Path(path))
