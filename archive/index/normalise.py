"""The search form of a text: what the full-text index holds of each title and text,
and what a query's words are turned into before they are looked up, by the same
functions, so that Arabic is found whatever its spelling.

SQLite's unicode61 tokenizer splits Arabic words at their harakat (كَتَبَ is three
one-letter tokens) and folds no Arabic letter, and Datasette cannot load a tokenizer of
our own: so the index holds the texts in this form (through a view, archive/index/
schema.py) and FTS5 tokenizes that.

A text is cut into words: runs of letters and digits, with the marks written inside
words (harakat, combining accents, soft hyphens, zero-width joiners) kept in the word
instead of splitting it. Each word, in order:

1. NFKC: Arabic presentation forms (ﻻ) become letters (لا), ligatures (ﬁ) and
   full-width letters plain ones.
2. Removed: harakat and the other Arabic marks (U+0610-U+061A, U+064B-U+065F, U+0670,
   U+06D6-U+06ED), tatweel (U+0640), soft hyphens, zero-width (non-)joiners, and any
   other character that is not a letter or a digit (so that each word stays one token).
3. Folded: أ إ آ ٱ to ا, ة to ه, ى to ي, Persian ی and ک to ي and ك, Arabic-Indic
   and Persian digits to 0-9, œ and æ to oe and ae.
4. The Arabic article, alone or after its proclitics (ال, وال, فال, بال, كال, وبال,
   فبال, وكال, and لل, ولل, فلل where ل + ال is written لل), is removed when at least
   MIN_STEM (3) letters remain.

Case and Latin accents are left to the tokenizer (unicode61 remove_diacritics 2 folds
them in the text and in the query alike); English keeps FTS5's porter stemming.

The article is removed in the index; the one-letter proclitics و ف ب ك ل before a
word without the article are not (ب, ل, ف and و begin too many words: بغداد, لبنان,
فرنسا, وزير). A query word is instead looked for in every form a proclitic can give it:
query_variants() applies rule 4 to each proclitic + word, so that what the index holds
for وبغداد, ببغداد, للجيش or بالجيش is among what the query بغداد or الجيش looks for.

Known false matches (the price of rule 4 without a dictionary): a word that begins
with ال that is not the article loses it too (ألمانيا and مانيا are one word; so are
إلغاء and غاء), and a word that is another word with a proclitic is found by it
(بنان, fingertips, finds لبنان, Lebanon: ل + بنان; and لبنان finds بنان, the index
form of للبنان, "to Lebanon"). A word of fewer than MIN_STEM letters after the article
keeps it (الدم, الله), and a query word that short is looked for as typed only: this
keeps short words apart (الان, from الآن "now", would otherwise be ان, one of the
commonest words, and كأن "as if" is كان "was" once its hamza is folded), at the price
of دم not finding الدم.

The function is part of the index's definition: the full-text index is rebuilt when
SEARCH_FORM_VERSION (or Python's Unicode database, which NFKC and the letter classes
follow) changes (archive/index/schema.py).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

# Bumped whenever the output of normalise_word() changes for some input.
SEARCH_FORM_VERSION = 1
# The whole definition, as the index records it.
SEARCH_FORM = f"search form {SEARCH_FORM_VERSION}, Unicode {unicodedata.unidata_version}"
MIN_STEM = 3

# Marks written inside words: they must not split a word (unicode61 splits at them).
_IN_WORD_MARKS = (
    "\u0300-\u036f"  # combining accents (decomposed é)
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
    "\u00ad\u200c\u200d"  # soft hyphen, zero-width non-joiner and joiner
)
# A word: letters and digits, with the marks inside ("_" is replaced by a space first:
# unicode61 splits at it). One character class: an alternation is 3x slower.
WORD = re.compile(rf"[\w{_IN_WORD_MARKS}]+")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
# Punctuation and spaces outside ASCII that English and French texts are full of
# (quotes, dashes, no-break spaces, ellipses, guillemets): separators to WORD and to
# unicode61 alike, so a space instead changes no word, and lets a text take the fast
# path of normalise_text(). (A regex: str.translate is 13x slower here, measured.)
_TO_SPACE = re.compile(
    "[\u00a0\u00ab\u00bb\u2009\u200a\u200b\u202f\u2010-\u2015\u2018-\u201f"
    "\u2022\u2026\u2032\u2033\u00b7\u060c\u061b\u061f]")
_REMOVED = "\u0640" + "".join(
    chr(c) for lo, hi in ((0x0300, 0x036F), (0x0610, 0x061A), (0x064B, 0x065F),
                          (0x0670, 0x0670), (0x06D6, 0x06ED), (0x00AD, 0x00AD),
                          (0x200C, 0x200D))
    for c in range(lo, hi + 1))
_FOLDED = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك",
    "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE",
    **{chr(0x0660 + d): str(d) for d in range(10)},
    **{chr(0x06F0 + d): str(d) for d in range(10)},
}
_TABLE = str.maketrans({**dict.fromkeys(_REMOVED), **_FOLDED})
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
# The article and the proclitics before it (rule 4); the longest is tried first by the
# regex's order (an optional proclitic is taken when present).
_ARTICLE = re.compile("^(?:[وف]?[بك]?ال|[وف]?لل)")
# The one-letter proclitics before a word: conjunction, then preposition.
_CONJUNCTIONS, _PREPOSITIONS = ("", "و", "ف"), ("", "ب", "ك", "ل")


def fold_word(word: str) -> str:
    """Rules 1-3: the word with its marks removed and its letters folded ("" if
    nothing of it is a letter or a digit)."""
    if word.isascii():
        return word  # English and most French words: nothing to do, and fast
    folded = unicodedata.normalize("NFKC", word).translate(_TABLE)
    if not folded.isalnum():
        folded = "".join(c for c in folded if c.isalnum())
    return folded


def strip_article(folded: str) -> str:
    """Rule 4, on a folded word."""
    if not folded or folded.isascii():
        return folded
    found = _ARTICLE.match(folded)
    if found and len(folded) - found.end() >= MIN_STEM:
        return folded[found.end():]
    return folded


# Words recur (Zipf): a cache makes an Arabic text's words 3x faster (measured).
@functools.lru_cache(maxsize=1 << 16)
def normalise_word(word: str) -> str:
    """The search form of one word (see the module's rules)."""
    return strip_article(fold_word(word))


def words(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, search form) of each word of `text` whose search form is not empty:
    the n-th is the n-th token of normalise_text(text)."""
    # "_" is a word character to the regex, a separator to unicode61 (same length: the
    # offsets stay those of `text`).
    for match in WORD.finditer(text.replace("_", " ")):
        word = match.group()
        form = word if word.isascii() else normalise_word(word)
        if form:
            yield match.start(), match.end(), form


def normalise_text(text: object) -> str:
    """The search form of a text: its words' forms, one space apart (punctuation and
    line breaks are gone; so the n-th space-separated part is the n-th word of
    words())."""
    if text is None:
        return ""
    text = _TO_SPACE.sub(" ", str(text).replace("_", " "))
    # Most words are ASCII (English), and need nothing but splitting: 0.2 ms for an
    # article of 2.7 KB, where the general path takes 0.8 (one core, measured).
    if text.isascii():
        return " ".join(_ASCII_WORD.findall(text))
    forms = [word if word.isascii() else normalise_word(word) for word in WORD.findall(text)]
    return " ".join(form for form in forms if form)


def is_arabic(form: str) -> bool:
    return bool(form) and _ARABIC_LETTER.match(form) is not None


def _written_forms(base: str, *, with_article: bool) -> set[str]:
    """`base` after every conjunction and preposition, and with the article too if
    `with_article` (ل + ال is written لل: the article's alef drops)."""
    forms = set()
    for conj in _CONJUNCTIONS:
        for prep in _PREPOSITIONS:
            forms.add(conj + prep + base)
            if with_article:
                forms.add(conj + (prep + "ال").replace("لال", "لل") + base)
    return forms


def _contract(form: str) -> str:
    """A preposition ل + ال written as لل (after a conjunction too), and as ل + ل before
    a word that begins with ل (ل + الليل is لليل, ل + الله لله)."""
    at = 1 if form[:1] in ("و", "ف") else 0
    if form[at:at + 3] != "لال":
        return form
    form = form[:at] + "لل" + form[at + 3:]
    return form[:at] + form[at + 1:] if form[at:at + 3] == "للل" else form


def query_variants(word: str) -> list[str]:
    """The index forms a query word is looked for as: for an Arabic word, what the
    index holds for it after every proclitic (و, ب, وب, ال, وال, لل, ...), from the
    word without its article and, if it was typed with one, as typed (the ال of
    ألمانيا is no article); else its one form. The word's own form comes first."""
    own = normalise_word(word)
    # A word of one or two letters is looked for as typed: its proclitic forms are
    # mostly other words (كان is not ك + أن, nor الان ال + أن).
    if not is_arabic(own) or len(own) < MIN_STEM:
        return [own] if own else []
    written = _written_forms(own, with_article=True)
    if own.startswith("ال"):  # ل + الله is written لله; ل + التزام, لالتزام
        written |= {_contract(form) for form in written}
    folded = fold_word(word)
    if folded != own:  # typed with the article, or with what rule 4 takes for one
        # (التزام: the text's الالتزام keeps التزام)
        typed = _written_forms(folded, with_article=True)
        # ل + the article is written لل; ل + a hamza is not (لألمانيا).
        hamza = unicodedata.normalize("NFKC", word).startswith(("أ", "إ", "آ"))
        written |= typed if hamza else {_contract(form) for form in typed}
    forms = {strip_article(form) for form in written}
    return [own, *sorted(forms - {own})]
