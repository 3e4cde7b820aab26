"""extract_claims(text, language): the quantity claims of an article.

A claim is a number followed (within a few modifiers) by a thing of the vocabulary it
counts: "more than 10,000 ISIS militants", "37,800 sorties", "٣٠٠٠ جندي". A number that
counts nothing the vocabulary knows is no claim: that keeps out dates, years, ages,
times, scores, prices and phone numbers at once, and the rules below keep out those that
precede a counted word all the same ("in 2015 airstrikes ...", "15 October", "50%").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from archive.claims.numbers import Number, arabic_forms, fold_arabic, number_at, with_range
from archive.claims.speakers import Speakers
from archive.claims.tokens import Token, sentences, tokens
from archive.claims.vocabulary import Vocabulary, vocabulary

CLAIMS_EXTRACTOR = "pressarchive-claims-rules"
# Bump when the rules change what they find (the vocabulary has its own hash).
CLAIMS_VERSION = "1"

_MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec",
    *(fold_arabic(m) for m in (
        "يناير", "فبراير", "مارس", "أبريل", "ابريل", "مايو", "يونيو", "يوليو", "أغسطس",
        "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر", "كانون", "شباط", "آذار", "نيسان", "أيار",
        "حزيران", "تموز", "آب", "أيلول", "تشرين")),
}
# Before a year: "in 2015 airstrikes ...", "the 2014 strikes".
_BEFORE_YEAR = {"in", "since", "of", "by", "until", "from", "the", "year", "years", "and", "to",
                "between", "early", "late", "mid", "during", "before", "after", "summer",
                "winter", "spring", "autumn", "fall", "عام", "العام", "سنة", "منذ", "عامي"}
# Before an identifier, not a count: "Resolution 2249", "Brigade 16".
_BEFORE_ID = {"no.", "number", "#", "resolution", "article", "brigade", "division", "route",
              "highway", "page", "flight", "room", "unit", "camp", "road", "regiment", "squadron"}
_PERCENT = {"%", "٪", "percent", "per", "بالمئة", "بالمائة", "بالمية", "المئة", "المائة"}
_AFTER_TIME = {"a.m.", "p.m.", "am", "pm", "gmt", "o'clock", "hrs"}
# Words that never stand between a number and what it counts.
_BLOCK = {"in", "on", "at", "to", "from", "for", "with", "by", "and", "or", "than", "that",
          "which", "who", "were", "was", "are", "is", "have", "has", "had", "will", "would",
          "been", "per", "a", "an", "years", "year", "months", "month", "days", "day", "weeks",
          "week", "hours", "hour", "minutes", "times", "percent", "kilometres", "kilometers",
          "km", "miles", "metres", "meters", "kg", "tons", "tonnes", "dollars", "euros",
          "said", "says", "told", "more", "less", "of"}
_MAX_MODIFIERS = 3
_AUXILIARIES = {"could", "would", "may", "might", "will", "had", "have", "were", "who"}
_QUOTE_CHARS = set("\"“”«»")


@dataclass(frozen=True)
class Claim:
    sentence: str
    number_text: str
    value: int
    value_max: int | None
    qualifier: str
    counted: str
    speaker: str

    def key(self) -> tuple:
        """What the labelled set compares: value, qualifier, what is counted."""
        return (self.value, self.qualifier, self.counted)


_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"\d")
_LATIN_WORD = re.compile(r"[a-z]+")
# A sentence of Latin script without a digit or one of these words holds no number: it
# is not tokenised for claims (most sentences of an article; a set lookup of its words
# costs a tenth of a regular expression of alternatives).
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred hundreds thousand thousands million millions billion billions "
    "dozen dozens scores tens several few".split())


def _may_hold_number(sentence: str, words: set[str], arabic: bool) -> bool:
    return arabic or _DIGIT.search(sentence) is not None or not words.isdisjoint(_NUMBER_WORDS)


def _is_arabic(text: str) -> bool:
    sample = text[:400]
    return len(_ARABIC_LETTER.findall(sample)) > len(_LATIN_LETTER.findall(sample))


def _skip(toks: list[Token], n: Number) -> bool:
    """A date, year, time, percentage, age or identifier, whatever follows it."""
    first, last = toks[n.start], toks[n.end - 1]
    prev = toks[n.start - 1].text.lower() if n.start > 0 else ""
    nxt = toks[n.end].text.lower() if n.end < len(toks) else ""
    if fold_arabic(prev) in _MONTHS or fold_arabic(nxt) in _MONTHS or prev in _MONTHS \
            or nxt in _MONTHS:
        return True
    if first.kind == "num" and n.end == n.start + 1:
        plain = first.text.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
        if plain.isdigit() and len(plain) == 4 and 1900 <= int(plain) <= 2100 and (
                prev in _BEFORE_YEAR or fold_arabic(prev) in _BEFORE_YEAR or nxt in (",", "and")):
            return True
        if plain.isdigit() and len(plain) >= 9:
            return True  # a phone number
    if prev in _BEFORE_ID or prev == "aged":
        return True
    # F-16, AK-47: a model, glued to its letters.
    if prev == "-" and n.start > 1 and toks[n.start - 1].start == toks[n.start - 2].end:
        return True
    if nxt in _PERCENT or fold_arabic(nxt) in _PERCENT or nxt in _AFTER_TIME:
        return True
    if nxt == ":" and n.end + 1 < len(toks) and toks[n.end + 1].kind == "num":
        return True
    if nxt in ("years", "year") and n.end + 1 < len(toks) and toks[n.end + 1].text == "old":
        return True
    return last.text == "-"


def _qualifier(toks: list[Token], start: int, vocab: Vocabulary, arabic: bool) -> str:
    end = start
    while end > 0 and toks[end - 1].text in ("(", "ـ"):
        end -= 1
    if arabic:
        words = [fold_arabic(t.text) for t in toks[max(0, end - 4):end]]
        # بنحو، وحوالي: a clitic on the qualifier's first word
        words_alt = [*words[:-1], *(arabic_forms(toks[end - 1].text)[-1:] if end else [])]
        for phrase, name in vocab.qualifiers_ar:
            if tuple(words[-len(phrase):]) == phrase or tuple(words_alt[-len(phrase):]) == phrase:
                return name
        return ""
    words = [t.text.lower() for t in toks[max(0, end - 4):end]]
    for phrase, name in vocab.qualifiers_en:
        if tuple(words[-len(phrase):]) == phrase:
            return name
    return ""


def _counted_en(toks: list[Token], k: int, vocab: Vocabulary) -> tuple[str, int]:
    lower = [t.text.lower() for t in toks[k:k + 3]]
    for phrase, thing in _by_first_word(vocab).get(lower[0], ()):
        if tuple(lower[:len(phrase)]) == phrase:
            return thing, k + len(phrase)
    return "", k


@cache
def _by_first_word(vocab: Vocabulary) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """The English counted phrases by their first word, longest first."""
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for phrase, thing in vocab.counted_en:
        index.setdefault(phrase[0], []).append((phrase, thing))
    return index


def _counted_ar(toks: list[Token], k: int, vocab: Vocabulary) -> tuple[str, int]:
    forms = arabic_forms(toks[k].text)
    following = " ".join(fold_arabic(t.text) for t in toks[k + 1:k + 2])
    for pattern, thing in vocab.counted_ar:
        for form in forms:
            if pattern.match(f"{form} {following}"):
                return thing, k + 1
    return "", k


def _counted(toks: list[Token], n: Number, vocab: Vocabulary) -> tuple[str, int]:
    """What the number counts and the index after it, or ("", n.end)."""
    limit = 1 if n.small_word else _MAX_MODIFIERS
    k = n.end
    seen_of = False
    for _ in range(limit + 1):
        if k >= len(toks):
            break
        tok = toks[k]
        if tok.kind in ("word", "abbr", "code"):
            if tok.text[0].isascii():
                thing, end = _counted_en(toks, k, vocab)
            else:
                thing, end = _counted_ar(toks, k, vocab)
            if thing:
                return thing, end
            word = tok.text.lower()
            if word in ("million", "billion") and _dollar_sign(toks, n):
                return "dollars", k + 1
            if word == "of" and not seen_of and not n.small_word:
                seen_of = True  # "10,000 of its fighters", "hundreds of militants"
            elif word in _BLOCK or fold_arabic(tok.text) in ("في", "الي", "علي", "خلال", "منذ"):
                break
        elif tok.text not in ("-", "(", ")"):
            break
        k += 1
    if _dollar_sign(toks, n):
        return "dollars", n.end
    return "", n.end


def _dollar_sign(toks: list[Token], n: Number) -> bool:
    """$4.9 billion, a 500-million-dollar programme: the sign or the word on the number
    says what it counts; $48.60 a barrel is a price, not a sum."""
    if "-dollar" in toks[n.start].text.lower():
        return True
    after = toks[n.end].text.lower() if n.end < len(toks) else ""
    return n.start > 0 and toks[n.start - 1].text == "$" and after not in ("a", "an", "per")


def _arabic_displacement(toks: list[Token], start: int, end: int) -> bool:
    """نزح أكثر من 900 ألف شخص، عدد النازحين 3 ملايين شخص، 120 عائلة نازحة."""
    near = toks[max(0, start - 4):start] + toks[end:end + 2]
    return any(form.startswith(("نزح", "نازح", "مهجر", "هجر")) for tok in near
               for form in arabic_forms(tok.text))


def _of_security_forces(toks: list[Token], end: int) -> bool:
    """"250,000 members of the Iraqi security forces" are no militants."""
    following = {t.text.lower() for t in toks[end:end + 5]}
    return toks[end - 1].text.lower() in ("members", "elements") and not following.isdisjoint(
        {"forces", "army", "police", "troops", "peshmerga", "military"})


def _displacement(toks: list[Token], end: int, vocab: Vocabulary) -> bool:
    lower = tuple(t.text.lower() for t in toks[end:end + 4])
    if lower and lower[0] in _AUXILIARIES:
        lower = lower[1:]  # "a million people could flee"
    return any(lower[:len(phrase)] == phrase for phrase in vocab.displacement)


def extract_claims(text: str, language: str = "") -> list[Claim]:
    """The claims of an article, in the order of its text."""
    vocab = vocabulary()
    arabic_article = language.startswith("ar") if language else _is_arabic(text)
    speakers = Speakers(vocab, "ar" if arabic_article else "en")
    split = sentences(text)
    # Only sentences that may hold a number or attribute something are tokenised.
    numbers, tokenised = [], []
    for _, sentence in split:
        arabic = arabic_article or _ARABIC_LETTER.search(sentence) is not None
        words = set() if arabic else set(_LATIN_WORD.findall(sentence.lower()))
        numbers.append(_may_hold_number(sentence, words, arabic))
        tokenised.append(tokens(sentence) if numbers[-1] or arabic
                         or speakers.may_attribute(words) else [])
    # Every sentence is read for its speaker, in order: "he" is the last one named.
    attributions = [speakers.attribution(toks)[0] if toks else "" for toks in tokenised]
    claims: list[Claim] = []
    for index, ((paragraph, sentence), toks) in enumerate(zip(split, tokenised, strict=True)):
        if not toks or not numbers[index]:
            continue
        arabic = arabic_article and _ARABIC_LETTER.search(sentence) is not None \
            or not arabic_article and _is_arabic(sentence)
        i = 0
        while i < len(toks):
            number = number_at(toks, i)
            if number is None or _skip(toks, number):
                i = number.end if number else i + 1
                continue
            number = with_range(toks, number)
            thing, end = _counted(toks, number, vocab)
            if thing in ("people", "civilians", "") and (
                    _displacement(toks, end, vocab)
                    or arabic and thing and _arabic_displacement(toks, number.start, end)):
                thing = "displaced"
            elif thing == "militants" and _of_security_forces(toks, end):
                thing = "troops"
            if thing:
                claims.append(Claim(
                    sentence=sentence,
                    number_text=sentence[toks[number.start].start:toks[number.end - 1].end],
                    value=number.value,
                    value_max=number.value_max,
                    qualifier=_qualifier(toks, number.start, vocab, arabic),
                    counted=thing,
                    speaker=_speaker(index, paragraph, split, attributions),
                ))
            i = number.end
    return claims


def _speaker(index: int, paragraph: int, split: list[tuple[int, str]],
             attributions: list[str]) -> str:
    """The sentence's own attribution; for a quotation without one, the next sentence's
    in the paragraph ("...," he added), else the previous one's."""
    if attributions[index]:
        return attributions[index]
    sentence = split[index][1]
    if not any(c in _QUOTE_CHARS for c in sentence):
        return ""
    for other in (index + 1, index - 1):
        if 0 <= other < len(split) and split[other][0] == paragraph and attributions[other]:
            return attributions[other]
    return ""


