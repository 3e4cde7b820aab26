"""Who a sentence attributes what it says to: the subject of "said", "told", "announced"
(English: before the verb, or after it in "..., said Col. Marotto"), the object of
"according to", the subject after قال، أعلن، أكد (Arabic puts the verb first) or the
object of بحسب، وفقا لـ. "he"/"she" (or an Arabic verb without a subject: وأضاف أن) is
the last person named as a speaker; "the spokesman" is the name an earlier sentence
gave the spokesman ("The spokesman ..., Col. Wayne Marotto, said"); "Marotto" is the
fuller name an earlier sentence used.
"""

from __future__ import annotations

from archive.claims.numbers import fold_arabic
from archive.claims.tokens import Token
from archive.claims.vocabulary import Vocabulary

_QUOTES = set("\"“”«»'‘’")
# Where the subject of a verb starts, reading back from it.
_EN_BOUNDARY_WORDS = {"that", "and", "but", "while", "as", "which", "who", "when", "where"}
# Between a subject and its verb: "Blinken also claimed", "he had said".
_EN_SKIP = {"also", "further", "later", "has", "have", "had", "previously", "then", "earlier",
            "again", "was", "is", "were", "separately", "meanwhile", "recently", "on"}
# Where an inverted subject ("..., said the spokesman for the coalition on Monday") ends.
_EN_AFTER_STOP = {"in", "on", "at", "during", "after", "before", "to", "that", "when",
                  "while", "adding", "according", "told", "said", "who", "which", "last",
                  "this", "as", "with", "from", "by"}
_CONNECTORS = {"al", "al-", "bin", "de", "von", "van", "abu", "el", "du", "la"}
_DETERMINERS = {"the", "a", "an", "this", "that"}
_PRONOUNS = {"he", "she"}
_AR_STOP = {"ان", "انه", "انها", "في", "خلال", "اليوم", "امس", "يوم", "عن", "الي", "علي",
            "ليوم", "الاحد", "الاثنين", "الثلاثاء", "الاربعاء", "الخميس", "الجمعه", "السبت",
            "مساء", "صباح", "لوكاله", "للوكاله", "لـ", "ل", "بان", "بانه", "وان", "وانه",
            "قائلا", "مقتل", "اكثر", "اقل", "نحو", "حوالي", "قرابه", "تدمير",
            "اعتقال", "نزوح", "تنفيذ", "ما"}
_AR_SPEAKER_WORDS = 9


def _is_capitalised(tok: Token) -> bool:
    return tok.kind in ("word", "abbr", "code") and tok.text[0].isupper()


class Speakers:
    """The attribution of each sentence of one article, read in order."""

    def __init__(self, vocab: Vocabulary, language: str):
        self.vocab = vocab
        self.arabic = language == "ar"
        self.last_person = ""
        self.last_speaker = ""
        self.names: list[str] = []  # full names seen, latest last
        self.roles: dict[str, str] = {}  # role noun -> the name given for it
        # A Latin sentence without one of these words attributes nothing.
        self._attributing = frozenset({*vocab.en_verbs, *(p[0] for p in vocab.en_sources)})
        self._ar_verbs = {fold_arabic(v) for v in vocab.ar_verbs}
        self._ar_sources = {fold_arabic(v) for v in vocab.ar_sources}

    def may_attribute(self, words: set[str]) -> bool:
        """Whether a sentence of these (lowercase, Latin) words may attribute something."""
        return not self._attributing.isdisjoint(words)

    def attribution(self, toks: list[Token]) -> tuple[str, int]:
        """(speaker, index of the attributing word) of a sentence, ("", -1) if none."""
        return self._arabic(toks) if self.arabic else self._english(toks)

    # English ---------------------------------------------------------------

    def _english(self, toks: list[Token]) -> tuple[str, int]:
        lower = [t.text.lower() for t in toks]
        for i, word in enumerate(lower):
            for phrase in self.vocab.en_sources:
                if tuple(lower[i:i + len(phrase)]) == phrase:
                    speaker = self._noun_phrase(toks[i + len(phrase):], after=True)
                    if speaker:
                        return speaker, i
            if word not in self.vocab.en_verbs:
                continue
            if word == "pointed" and (i + 1 >= len(lower) or lower[i + 1] != "out"):
                continue
            speaker = self._subject_before(toks, i)
            if speaker is None and i > 0 and (lower[i - 1] == "," or toks[i - 1].text in _QUOTES):
                speaker = self._noun_phrase(toks[i + 1:], after=True)
            if speaker:
                return speaker, i
        return "", -1

    def _subject_before(self, toks: list[Token], verb: int) -> str | None:
        """The subject of the verb at `verb`: None if the verb has none before it."""
        end = verb
        while end > 0 and toks[end - 1].text.lower() in _EN_SKIP:
            end -= 1
        if end > 1 and toks[end - 1].text == ",":
            # "The spokesman for the coalition, Col. Wayne Marotto, said"
            end -= 1
        start = end
        while start > 0:
            prev = toks[start - 1]
            if prev.kind == "punct" and prev.text not in ("-", "’", "'") \
                    or prev.text.lower() in _EN_BOUNDARY_WORDS:
                break
            start -= 1
        if start == end:
            return None
        segment = toks[start:end]
        if start > 0 and toks[start - 1].text == ",":
            self._link_role(toks[:start - 1], segment)
        return self._noun_phrase(segment, after=False)

    def _link_role(self, before: list[Token], name_segment: list[Token]) -> None:
        """"The spokesman for the coalition, Col. Wayne Marotto, said": remember that
        "the spokesman" is Wayne Marotto."""
        start = len(before)
        while start > 0 and not (before[start - 1].kind == "punct"
                                 or before[start - 1].text.lower() in _EN_BOUNDARY_WORDS):
            start -= 1
        roles = [t.text.lower() for t in before[start:] if t.text.lower() in self.vocab.roles]
        name = self._person(name_segment)
        if roles and name:
            self.roles[roles[0]] = name

    def _noun_phrase(self, segment: list[Token], *, after: bool) -> str:
        if after:
            # "according to the coalition's spokesman Col. Marotto, ..." up to a stop.
            cut = []
            for tok in segment:
                if tok.kind == "punct" and tok.text not in ("-", "’", "'") \
                        or tok.text.lower() in _EN_AFTER_STOP or tok.kind == "num":
                    break
                cut.append(tok)
            segment = cut[:10]
        if not segment:
            return ""
        words = [t.text.lower() for t in segment]
        if words in (["he"], ["she"]):
            return self.last_person
        if words[0] in ("they", "we", "i", "it", "reporters", "journalists"):
            return ""
        if words in (["the", "statement"], ["the", "report"], ["the", "source"]):
            return self.last_speaker  # "X said in a statement. The statement added ..."
        person = self._person(segment)
        if person:
            self.last_person = self.last_speaker = person
            return person
        has_org = any(w.strip(".'’s") in self.vocab.organisations for w in words)
        role = next((w for w in words if w in self.vocab.roles), "")
        if role and not has_org and words[0] == "the" and role in self.roles:
            self.last_person = self.roles[role]
            return self.roles[role]
        if role and has_org and words[0] == "the" and role in self.roles \
                and len(words) > 2 and words[1] == role:
            # "the spokesman for the International Coalition"
            self.last_person = self.roles[role]
            return self.roles[role]
        if len(segment) > 10:
            return ""
        text = " ".join(t.text for t in segment)
        text = text.replace(" ’ s", "’s").replace(" ' s", "'s").replace(" - ", "-")
        self.last_speaker = text[4:] if text.startswith(("The ", "the ")) else text
        return self.last_speaker

    def _person(self, segment: list[Token]) -> str:
        """The name of a person at the end of the segment, without the titles before it,
        in its fullest form seen in the article; "" if it ends otherwise or names an
        organisation."""
        run: list[Token] = []
        for tok in reversed(segment):
            if _is_capitalised(tok) or tok.text.lower() in _CONNECTORS:
                run.insert(0, tok)
            else:
                break
        if len(run) != len(segment) and not (
                len(segment) - len(run) <= 6 and all(
                    t.text.lower() in self.vocab.titles or t.text.lower() in _DETERMINERS
                    or t.text.lower() in ("for", "of", "and", "'s", "’s")
                    for t in segment[:len(segment) - len(run)])):
            return ""
        words = [t.text for t in run]
        while words and words[0].lower() in self.vocab.titles:
            words.pop(0)
        if not words or any(w.lower() in self.vocab.organisations for w in words):
            return ""
        if len(words) > 4:
            return ""
        name = " ".join(words)
        for known in reversed(self.names):
            if known.split()[-1] == words[-1] and len(known) >= len(name):
                return known
        self.names.append(name)
        return name

    # Arabic ----------------------------------------------------------------

    def _arabic(self, toks: list[Token]) -> tuple[str, int]:
        for i, tok in enumerate(toks):
            if tok.kind != "word":
                continue
            folded = fold_arabic(tok.text)
            bare = folded[1:] if folded.startswith(("و", "ف")) else folded
            if bare in self._ar_sources or folded in self._ar_sources:
                speaker = self._arabic_subject(toks[i + 1:], source=True)
                if speaker:
                    self.last_person = speaker
                    return speaker, i
            elif bare in self._ar_verbs or folded in self._ar_verbs:
                speaker = self._arabic_subject(toks[i + 1:], source=False)
                if speaker:
                    self.last_person = speaker
                    return speaker, i
                if self.last_person:
                    return self.last_person, i
        return "", -1

    def _arabic_subject(self, rest: list[Token], *, source: bool) -> str:
        words: list[str] = []
        for n, tok in enumerate(rest):
            if tok.kind == "punct":
                if tok.text == "ـ" or (source and n == 0):
                    continue
                break
            folded = fold_arabic(tok.text)
            if source and n == 0 and folded in ("ل", "لـ"):
                continue
            if folded in _AR_STOP or tok.kind == "num":
                break
            text = tok.text
            if source and not words and text.startswith("ل") and len(text) > 3:
                text = text[1:].lstrip("ـ")  # وفقا للمصدر -> المصدر
            words.append(text)
            if len(words) == _AR_SPEAKER_WORDS:
                break
        return " ".join(words)
