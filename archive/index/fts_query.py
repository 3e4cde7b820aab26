"""What a user typed, as an FTS5 query over the index's search form.

- Words must all occur, in any order; a "quoted phrase" must occur as a phrase. FTS5
  operators and punctuation are not interpreted, so no input makes the query invalid.
- Each word is put in its search form (archive/index/normalise.py: harakat, tatweel,
  alef forms, ة/ه, ى/ي and the Arabic article do not matter), and an Arabic word is
  looked for after any proclitic (و, ب, ل, وب, ...): an OR of its index forms. In a
  phrase, so is its first word.
- With synonyms on, a word or phrase (quoted or not) that is a term of the lexicon
  (settings/lexicon.toml) is looked for as any term of its group: ISIS becomes
  ISIS OR ISIL OR Daesh OR "Islamic State" OR داعش OR ...

fts() is the query; words_fts() the same with every phrase broken into its words (a
match of fts() is a match of words_fts(): the search's ranking uses both, see
archive/index/search.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

from archive.errors import ConfigError, PressArchiveError
from archive.index.lexicon import Group, Lexicon, load_lexicon, term_words, word_key
from archive.index.normalise import normalise_word, query_variants

MAX_QUERY_CHARS = 1000
# An FTS5 query that is valid and matches nothing.
MATCH_NOTHING = '""'


@dataclass(frozen=True)
class Term:
    """A word or a phrase, as typed."""

    words: tuple[str, ...]

    def alternatives(self) -> list[str]:
        """FTS5 phrases, one of which must match: the first word's index forms, each
        followed by the other words' forms."""
        rest = " ".join(normalise_word(w) for w in self.words[1:])
        return [f'"{form} {rest}"' if rest else f'"{form}"'
                for form in query_variants(self.words[0])]

    def word_alternatives(self) -> list[str]:
        """As alternatives(), but a phrase as its words, each anywhere."""
        if len(self.words) == 1:
            return self.alternatives()
        return ["(" + " AND ".join(_any(Term((w,)).alternatives()) for w in self.words) + ")"]

    def shown(self) -> str:
        text = " ".join(self.words)
        return f'"{text}"' if len(self.words) > 1 else text


@dataclass(frozen=True)
class Synonyms:
    """A term of the lexicon's group, as typed, looked for as any term of the group."""

    typed: Term
    group: Group

    @property
    def terms(self) -> list[Term]:
        return [Term(tuple(term_words(t))) for t in self.group.alternatives]

    def alternatives(self) -> list[str]:
        return _unique(a for term in self.terms for a in term.alternatives())

    def word_alternatives(self) -> list[str]:
        return _unique(a for term in self.terms for a in term.word_alternatives())

    def shown(self) -> str:
        return f"{self.typed.shown()} = " + " OR ".join(t.shown() for t in self.terms)


Item = Term | Synonyms


def _unique(items: object) -> list[str]:
    return list(dict.fromkeys(items))  # type: ignore[call-overload]


def _any(alternatives: list[str]) -> str:
    return alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")"


@dataclass(frozen=True)
class Query:
    items: tuple[Item, ...]

    def fts(self) -> str:
        return " AND ".join(_any(item.alternatives()) for item in self.items)

    def words_fts(self) -> str:
        return " AND ".join(_any(item.word_alternatives()) for item in self.items)

    def synonyms(self) -> list[str]:
        """One line per term looked for with its synonyms: `ISIS = ISIS OR ISIL OR ...`."""
        return [item.shown() for item in self.items if isinstance(item, Synonyms)]


def _with_synonyms(run: list[str], lexicon: Lexicon) -> list[Item]:
    """Unquoted words, the longest terms of the lexicon among them as their groups."""
    items: list[Item] = []
    keys = [word_key(w) for w in run]
    i = 0
    while i < len(run):
        for n in range(min(lexicon.longest, len(run) - i), 0, -1):
            group = lexicon.by_key.get(tuple(keys[i:i + n]))
            if group:
                items.append(Synonyms(Term(tuple(run[i:i + n])), group))
                i += n
                break
        else:
            items.append(Term((run[i],)))
            i += 1
    return items


def parse_query(query: str, *, synonyms: bool = True,
                lexicon: Lexicon | None = None) -> Query:
    """The query a user typed; raises PressArchiveError if it is too long or has no
    words."""
    if len(query) > MAX_QUERY_CHARS:
        raise PressArchiveError(f"query is longer than {MAX_QUERY_CHARS} characters")
    if synonyms and lexicon is None:
        lexicon = load_lexicon()
    items: list[Item] = []
    for i, chunk in enumerate(query.split('"')):
        found = term_words(chunk)
        if not found:
            continue
        if i % 2 == 0:
            items += (_with_synonyms(found, lexicon) if synonyms and lexicon
                      else [Term((w,)) for w in found])
            continue
        phrase = Term(tuple(found))
        group = lexicon.by_key.get(tuple(word_key(w) for w in found)) if synonyms and lexicon \
            else None
        items.append(Synonyms(phrase, group) if group else phrase)
    if not items:
        raise PressArchiveError("the query has no words to search for")
    # A term twice adds nothing to what matches, and each costs a pass over its
    # documents (ISIS 200 times took 45 s).
    return Query(tuple(dict.fromkeys(items)))


class Compiled(NamedTuple):
    """A query's FTS5 strings and its synonyms line, as the SQL functions give them."""

    fts: str
    words_fts: str
    synonyms: str


@functools.lru_cache(maxsize=256)
def compiled_query(query: str, synonyms: bool) -> Compiled | None:
    """parse_query() for the SQL functions, which SQLite calls several times per search
    with the same text (the strings are built once): None where it would raise for the
    query."""
    try:
        parsed = parse_query(query, synonyms=synonyms)
    except ConfigError:
        raise  # a mistake in the lexicon is an error, not "no match"
    except PressArchiveError:
        return None
    return Compiled(parsed.fts(), parsed.words_fts(), "; ".join(parsed.synonyms()))


def synonyms_wanted(value: object) -> bool:
    """The `synonyms` parameter of the Datasette query: on unless off, no, 0 or false."""
    return str(value or "").strip().lower() not in ("off", "no", "0", "false")
