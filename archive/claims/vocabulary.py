"""The vocabulary of claims, read once from settings/claims.toml."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import cache

from archive.claims.numbers import fold_arabic
from archive.settings_files import settings_file


@dataclass(frozen=True)
class Vocabulary:
    # English phrase (tuple of lowercase words) -> counted thing; longest phrases first.
    counted_en: tuple[tuple[tuple[str, ...], str], ...]
    # Arabic: one regular expression over a word without its clitics -> counted thing.
    counted_ar: tuple[tuple[re.Pattern[str], str], ...]
    displacement: tuple[tuple[str, ...], ...]
    qualifiers_en: tuple[tuple[tuple[str, ...], str], ...]
    qualifiers_ar: tuple[tuple[tuple[str, ...], str], ...]
    en_verbs: frozenset[str]
    en_sources: tuple[tuple[str, ...], ...]
    ar_verbs: frozenset[str]
    ar_sources: frozenset[str]
    organisations: frozenset[str]
    titles: frozenset[str]
    roles: frozenset[str]
    config_hash: str


def _phrases(items: list[str]) -> list[tuple[str, ...]]:
    return [tuple(item.lower().split()) for item in items]


def _by_length(pairs: list[tuple[tuple[str, ...], str]]) -> tuple:
    # Longest first: "air strikes" before "strikes", "no fewer than" before "fewer than".
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


@cache
def vocabulary() -> Vocabulary:
    data_bytes = settings_file("claims.toml").read_bytes()
    data = tomllib.loads(data_bytes.decode("utf-8"))
    counted_en: list[tuple[tuple[str, ...], str]] = []
    counted_ar: list[tuple[re.Pattern[str], str]] = []
    for thing, forms in data["counted"].items():
        counted_en += [(phrase, thing) for phrase in _phrases(forms.get("en", []))]
        for stem in forms.get("ar", []):
            # A multi-word form ("كيلومتر مربع") is matched over the words that follow the
            # number joined by spaces.
            folded = " ".join(fold_arabic(word) for word in stem.split())
            counted_ar.append((re.compile(re.escape(folded).replace(r"\ ", r"\w*\s+")), thing))
    # Longest Arabic stems first, as for English phrases.
    counted_ar.sort(key=lambda pair: -len(pair[0].pattern))
    speakers = data["speakers"]
    return Vocabulary(
        counted_en=_by_length(counted_en),
        counted_ar=tuple(counted_ar),
        displacement=tuple(sorted(_phrases(data["displacement"]["en"]), key=len, reverse=True)),
        qualifiers_en=_by_length([(tuple(k.split()), v)
                                  for k, v in data["qualifiers"]["en"].items()]),
        qualifiers_ar=_by_length([(tuple(fold_arabic(w) for w in k.split()), v)
                                  for k, v in data["qualifiers"]["ar"].items()]),
        en_verbs=frozenset(speakers["en_verbs"]),
        en_sources=tuple(_phrases(speakers["en_sources"])),
        ar_verbs=frozenset(speakers["ar_verbs"]),
        ar_sources=frozenset(speakers["ar_sources"]),
        organisations=frozenset(speakers["organisations"]),
        titles=frozenset(speakers["titles"]),
        roles=frozenset(speakers["roles"]),
        config_hash=hashlib.sha256(data_bytes).hexdigest()[:16],
    )


def claims_config_hash() -> str:
    """The hash of settings/claims.toml: in every claims row, so that a claim says which
    vocabulary found it."""
    return vocabulary().config_hash
