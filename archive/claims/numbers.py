"""A number as written (digits in either script, words in English or Arabic) to its value,
or to a range for a vague one: "tens of thousands" is 10,000 to 99,999, "مئات" 100 to 999
(the lower bound is the value, the upper one value_max)."""

from __future__ import annotations

from dataclasses import dataclass

from archive.claims.tokens import Token

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_UNITS = {w: n for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * n for n, w in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
# Plural scales alone are vague: "thousands" of something, at least 1,000.
_VAGUE = {"dozens": 12, "scores": 20, "tens": 10, "hundreds": 100, "thousands": 1_000,
          "millions": 1_000_000}
_STARTS = frozenset({*_UNITS, *_TENS, *_VAGUE, "several", "few", "a", "an"})
# Arabic, in the folded spelling of fold_arabic().
_AR_UNITS = {"واحد": 1, "اثنان": 2, "اثنين": 2, "ثلاث": 3, "ثلاثه": 3, "اربع": 4, "اربعه": 4,
             "خمس": 5, "خمسه": 5, "ست": 6, "سته": 6, "سبع": 7, "سبعه": 7, "ثماني": 8,
             "ثمانيه": 8, "ثمان": 8, "تسع": 9, "تسعه": 9, "عشر": 10, "عشره": 10,
             "عشرون": 20, "عشرين": 20, "ثلاثون": 30, "ثلاثين": 30, "اربعون": 40, "اربعين": 40,
             "خمسون": 50, "خمسين": 50, "مئه": 100, "مائه": 100, "مئتي": 200, "مئتين": 200,
             "الف": 1_000, "الفي": 2_000, "الفين": 2_000, "الفا": 1_000, "مليون": 1_000_000,
             "مليونا": 1_000_000, "مليار": 1_000_000_000}
_AR_SCALES = {"الف": 1_000, "الاف": 1_000, "الفا": 1_000, "مليون": 1_000_000,
              "ملايين": 1_000_000, "مليار": 1_000_000_000, "مئه": 100, "مائه": 100}
_AR_VAGUE = {"عشرات": 10, "مئات": 100, "الاف": 1_000, "ملايين": 1_000_000}
_AR_CLITICS = ("وب", "ول", "و", "ب", "ل", "ف")


def fold_arabic(word: str) -> str:
    """One spelling of an Arabic word for the vocabulary: one alef, ه for ة, ي for ى,
    no tatweel, and without the article."""
    word = word.replace("ـ", "")
    # The article is read before alefs are folded: آلاف is not ال + اف.
    if word.startswith("ال") and len(word) > 3:
        word = word[2:]
    return (word.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")
            .replace("ة", "ه").replace("ى", "ي"))


def arabic_number_word(word: str) -> str:
    """The folded number word in `word`, clitics removed, or ""."""
    folded = fold_arabic(word)
    if folded in _AR_UNITS or folded in _AR_VAGUE:
        return folded
    for form in arabic_forms(word)[1:]:
        if form in _AR_UNITS or form in _AR_VAGUE:
            return form
    return ""


def arabic_forms(word: str) -> list[str]:
    """The folded word, then without each clitic it may carry (و ب ل ف, then the
    article): وبالمسلحين -> مسلحين."""
    word = word.replace("ـ", "")
    forms = [fold_arabic(word)]
    for clitic in _AR_CLITICS:
        if word.startswith(clitic) and len(word) > len(clitic) + 2:
            rest = word[len(clitic):]
            if clitic.endswith("ل") and rest.startswith("ل"):
                rest = "ا" + rest  # للمسلحين: ل + المسلحين
            forms.append(fold_arabic(rest))
    return forms


@dataclass(frozen=True)
class Number:
    start: int  # index of its first token
    end: int  # index after its last token
    value: int
    value_max: int | None
    # Spelt out in words below ten ("one", "five"): it must be followed by what it
    # counts, or it is the "one" of "one of the".
    small_word: bool = False


def digits_value(text: str) -> float | None:
    """12,500 / ٣٧٬٨٠٠ / 1.5 as a number; a grouped number must group by threes."""
    plain = text.translate(_DIGITS).replace("٬", ",").replace("٫", ".")
    if "," in plain:
        head, *groups = plain.split(",")
        last = groups[-1].split(".")[0]
        if any(len(g) != 3 for g in groups[:-1]) or len(last) != 3 or len(head) > 3:
            return None
        plain = plain.replace(",", "")
    try:
        return float(plain)
    except ValueError:
        return None


def _scale_at(toks: list[Token], i: int) -> tuple[int, int]:
    """The scale word at token i ("thousand", "آلاف"), skipping a ")", as (factor, next
    index); (1, i) if there is none."""
    j = i + 1 if i < len(toks) and toks[i].text == ")" else i
    if j < len(toks):
        word = toks[j].text.lower()
        if word in _SCALES:
            return _SCALES[word], j + 1
        if word.rstrip("s") in _SCALES and word.endswith("s"):
            return _SCALES[word[:-1]], j + 1
        folded = fold_arabic(toks[j].text)
        if folded in _AR_SCALES:
            return _AR_SCALES[folded], j + 1
    return 1, i


def _english_words(toks: list[Token], i: int) -> Number | None:
    """one, twenty-five, two thousand, a dozen, dozens, tens of thousands, several hundred."""
    word = toks[i].text.lower()
    nxt = toks[i + 1].text.lower() if i + 1 < len(toks) else ""
    if word in _VAGUE:
        low = _VAGUE[word]
        # "tens of thousands", "hundreds of thousands"
        if nxt == "of" and i + 2 < len(toks) and toks[i + 2].text.lower() in _VAGUE and \
                toks[i + 2].text.lower() not in ("dozens", "scores", "tens"):
            low *= _VAGUE[toks[i + 2].text.lower()]
            return Number(i, i + 3, low, low * 10 - 1)
        return Number(i, i + 1, low, low * 10 - 1 if word not in ("dozens", "scores") else 99)
    if word in ("several", "few") and nxt.rstrip("s") in _SCALES:
        low = _SCALES[nxt.rstrip("s")]
        return Number(i, i + 2, low, low * 10 - 1)
    if word in ("a", "an") and nxt in ("dozen", "hundred", "thousand", "million"):
        value = 12 if nxt == "dozen" else _SCALES[nxt]
        return Number(i, i + 2, value, None)
    total = current = 0
    j = i
    seen = False
    while j < len(toks):
        w = toks[j].text.lower()
        parts = w.split("-")
        if all(p in _UNITS or p in _TENS for p in parts) and len(parts) <= 2:
            current += sum(_UNITS.get(p, 0) + _TENS.get(p, 0) for p in parts)
        elif w in _SCALES and seen:
            if w == "hundred":
                current = (current or 1) * 100
            else:
                total += (current or 1) * _SCALES[w]
                current = 0
        elif w == "and" and seen and j + 1 < len(toks) and toks[j + 1].text.lower() in {
                **_UNITS, **_TENS}:
            pass
        else:
            break
        seen = True
        j += 1
    if not seen:
        return None
    value = total + current
    return Number(i, j, value, None, small_word=(j == i + 1 and value < 10))


def _arabic_words(toks: list[Token], i: int) -> Number | None:
    """ألف، ثلاثة آلاف، عشرات، مئات، عشرات الآلاف."""
    word = arabic_number_word(toks[i].text)
    if not word:
        return None
    nxt = fold_arabic(toks[i + 1].text) if i + 1 < len(toks) else ""
    if word in _AR_VAGUE and word not in _AR_UNITS:
        low = _AR_VAGUE[word]
        if nxt in ("الاف", "ملايين") and word in ("عشرات", "مئات"):
            low *= _AR_VAGUE[nxt]
            return Number(i, i + 2, low, low * 10 - 1)
        return Number(i, i + 1, low, low * 10 - 1)
    value = _AR_UNITS.get(word, 0)
    if value < 1_000 and nxt in _AR_SCALES:
        return Number(i, i + 2, value * _AR_SCALES[nxt], None)
    if word == "الاف":
        return Number(i, i + 1, 1_000, 9_999)
    return Number(i, i + 1, value, None, small_word=value < 10)


def number_at(toks: list[Token], i: int) -> Number | None:
    """The number that starts at token i, if one does."""
    tok = toks[i]
    if tok.kind == "num":
        if not tok.text[-1].isdigit():
            # 500-million-dollar, 670-billion: a scale glued to the number
            head, _, suffix = tok.text.partition("-")
            scale = suffix.lower().split("-")[0]
            if scale in _SCALES and scale != "hundred" and digits_value(head) is not None:
                return Number(i, i + 1, round(digits_value(head) * _SCALES[scale]), None)
            return None  # 25-year-old, 1st: not a count
        value = digits_value(tok.text)
        if value is None:
            return None
        factor, end = _scale_at(toks, i + 1)
        if factor == 1 and i + 1 < len(toks) and toks[i + 1].text == ")":
            end = i + 2
        total = round(value * factor)
        # "172 million and 455 thousand dollars", "3 آلاف و500": one sum
        if factor > 1 and end + 1 < len(toks) and toks[end].text.lower() in ("and", "و") \
                and toks[end + 1].kind == "num":
            rest = number_at(toks, end + 1)
            if rest and rest.value < factor and rest.value_max is None:
                return Number(i, rest.end, total + rest.value, None)
        return Number(i, max(end, i + 1), total, None)
    if tok.kind != "word":
        return None
    if tok.text[0].isascii():
        # Most words start no number: a set lookup before the parse.
        if tok.text.lower().split("-")[0] not in _STARTS:
            return None
        return _english_words(toks, i)
    return _arabic_words(toks, i)


def with_range(toks: list[Token], number: Number) -> Number:
    """"500 to 1,000", "between 500 and 1,000", "500-1,000": the first number with the
    second as its value_max, when the second is larger (a score "3-1" is not a range)."""
    j = number.end
    if j + 1 >= len(toks):
        return number
    link = toks[j].text.lower()
    between = number.start > 0 and toks[number.start - 1].text.lower() == "between"
    if link in ("to", "-", "–", "و", "الى", "إلى") or (link == "and" and between):
        second = number_at(toks, j + 1)
        if second and second.value > number.value and second.value_max is None:
            value = number.value
            # "2 to 3 million": the scale of the second applies to the first.
            if second.value >= 1_000 * max(number.value, 1) and number.value < 1_000:
                scale = second.value // max(1, digits_value(toks[j + 1].text) or 1) \
                    if toks[j + 1].kind == "num" else 1
                value = number.value * int(scale)
            return Number(number.start, second.end, value, second.value)
    return number
