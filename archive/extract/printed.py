"""Dates as pages print them, in Arabic, French and English: "15 تشرين الثاني 2020",
"الأحد، 04 آب/اغسطس 2013", "١ / ١٢ / ٢٠٢٠", "Publié le 1er décembre 2020", "Jul 28, 2015".

htmldate reads machine-readable dates well, but printed Arabic dates mostly escape it: its
dateparser call has no locale, and without one dateparser knows only the Egyptian month
names (يناير ...), not the Levantine and Iraqi ones (كانون الثاني، آب ...) that INA and NINA
print, nor Eastern Arabic digits; unhelped, dateparser even answers "3 آب 2019" with today's
date. The month names here are spelled out in every system Arabic news pages use, so the
reader depends on no locale data and gives the same answer everywhere:

- Levantine / Iraqi (Syriac) names: كانون الثاني، شباط، آذار ... كانون الأول;
- Egyptian / Gulf transliterations: يناير، فبراير ... ديسمبر, with their spelling variants;
- Maghrebi: Algerian and Tunisian (جانفي، فيفري، أفريل، جوان، جويلية، أوت) and Moroccan
  (يوليوز، غشت، شتنبر، نونبر، دجنبر);
- dual forms, which Levantine and pan-Arab outlets print: "تشرين الثاني/نوفمبر",
  "نوفمبر (تشرين الثاني)", "17 مارس/ آذار 2020"; both names must name the same month;
- French (with or without accents, "1er", abbreviations) and English.

Dates are read day-month-year or month-day-year with the month spelled out, and as numbers
year first or day first ("15-11-2020, 13:12"); a numeric date that could be either day or
month first is read day first only where the caller says the page writes them so, and
otherwise left out rather than guessed. Times (13:12, 2:01 ص, 13h12) and weekdays are
allowed around a date and ignored. A date labelled as an update ("Mis à jour le",
"Updated", "آخر تحديث") is found but marked, since it is not the publication date.

Pure Python, no locale data, no dateparser: a few regular expressions over text that is
first normalised (digits, diacritics, hamza forms, bidi marks).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

# The months as each system spells them, including the variants in common use; normalised
# (normalise()) before use, so hamza forms (أ إ آ ا), harakat and accents need no entries of
# their own: "أغسطس" covers "اغسطس", "février" covers "fevrier".
_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("كانون الثاني", "كانون ثاني", "يناير", "جانفي", "janvier", "janv", "january", "jan"),
    2: ("شباط", "فبراير", "فيفري", "فبرير", "février", "févr", "fév", "february", "feb"),
    3: ("آذار", "مارس", "mars", "march", "mar"),
    4: ("نيسان", "أبريل", "إبريل", "أفريل", "avril", "avr", "april", "apr"),
    5: ("أيار", "مايو", "ماي", "mai", "may"),
    6: ("حزيران", "يونيو", "يونيه", "جوان", "juin", "june", "jun"),
    7: ("تموز", "يوليو", "يوليه", "جويلية", "يوليوز", "juillet", "juil", "july", "jul"),
    8: ("آب", "أغسطس", "أوت", "غشت", "août", "august", "aug"),
    9: ("أيلول", "سبتمبر", "شتنبر", "septembre", "sept", "september", "sep"),
    10: ("تشرين الأول", "تشرين أول", "أكتوبر", "octobre", "october", "oct"),
    11: ("تشرين الثاني", "تشرين ثاني", "نوفمبر", "نونبر", "novembre", "november", "nov"),
    12: ("كانون الأول", "كانون أول", "ديسمبر", "دجنبر", "décembre", "déc", "december", "dec"),
}

# The languages whose printed dates this module reads in every form news pages use.
CHECKED_LANGUAGES = frozenset(("ar", "fr", "en"))

# Words before a date that make it an update, not the publication (normalised forms).
_UPDATE_LABELS = (
    "updated", "update", "modified", "edited", "mis a jour", "mise a jour", "modifie",
    "modification", "actualise", "maj", "تحديث", "محدث", "تعديل",
)
# How far before a date its label may stand ("Mis à jour le : " and a weekday fit).
_LABEL_REACH = 32

# Combining marks (accents after NFKD; harakat, shadda, the hamza and madda that NFKD
# splits off alef, waw and yeh), tatweel, and the invisible direction and joiner marks
# that right-to-left pages put around numbers.
_DROP = re.compile("[\u0300-\u036f\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
                   "\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]")
_CHARS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹،ى", "01234567890123456789,ي")


def normalise(text: str) -> str:
    """`text` as the patterns read it: compatibility forms folded (Arabic presentation
    forms, no-break spaces), accents, harakat and hamza marks dropped (أ إ آ become ا),
    Eastern Arabic and Persian digits made ASCII, lower case."""
    text = unicodedata.normalize("NFKD", text)
    return _DROP.sub("", text).translate(_CHARS).casefold()


@cache
def _month_numbers() -> dict[str, int]:
    return {normalise(name): month for month, names in _MONTHS.items() for name in names}


def _alternation(names: list[str]) -> str:
    # Longest first, so "mars" is not read as "mar" + "s" and "ماي" does not cut "مايو".
    ordered = sorted(names, key=len, reverse=True)
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in ordered)


# Not preceded or followed by a letter (digits may touch: "15نوفمبر").
_NOT_LETTER_BEFORE = r"(?<![^\W\d_])"
_NOT_LETTER_AFTER = r"(?![^\W\d_])"


@cache
def _pattern() -> re.Pattern[str]:
    month = _alternation(list(_month_numbers()))
    name = rf"{_NOT_LETTER_BEFORE}(?:{month}){_NOT_LETTER_AFTER}\.?"
    # A month, optionally with its other name: "آب/اغسطس", "مارس/ آذار", "نوفمبر (تشرين الثاني)".
    months = rf"(?P<m{{n}}>{name})(?:\s*[/(\-]\s*(?P<o{{n}}>{name})\s*\)?)?"
    day = r"(?<!\d)(?P<d{n}>[0-3]?\d)(?:er|re|st|nd|rd|th)?"
    year = r"(?P<y{n}>(?:19|20)\d\d)(?!\d)"
    dmy = (day.format(n=1) + r"[\s.,\-/]*(?:de\s+)?" + months.format(n=1)
           + r"[\s,\-/]*" + year.format(n=1))
    mdy = (months.format(n=2) + r"\s*" + day.format(n=2) + r"\s*,?\s*" + year.format(n=2))
    # Numbers: the same separator twice, spaces allowed around it ("١ / ١٢ / ٢٠٢٠").
    ymd = (r"(?<![\d/.\-])(?P<y3>(?:19|20)\d\d)\s*(?P<s3>[/.\-])\s*(?P<m3>[01]?\d)\s*(?P=s3)"
           r"\s*(?P<d3>[0-3]?\d)(?![\d/.\-]*\d)")
    numeric = (r"(?<![\d/.\-])(?P<a4>[0-3]?\d)\s*(?P<s4>[/.\-])\s*(?P<b4>[0-3]?\d)\s*(?P=s4)"
               r"\s*(?P<y4>(?:19|20)\d\d)(?!\d)")
    return re.compile(f"{dmy}|{mdy}|{ymd}|{numeric}")


@cache
def _update_label() -> re.Pattern[str]:
    words = "|".join(re.escape(normalise(w)) for w in _UPDATE_LABELS)
    return re.compile(rf"{_NOT_LETTER_BEFORE}(?:{words}){_NOT_LETTER_AFTER}")


@dataclass(frozen=True)
class PrintedDate:
    day: dt.date
    start: int  # where it stands in normalise(text)
    end: int
    updated: bool  # labelled as an update ("Mis à jour le", "Updated", "آخر تحديث")


def _month_of(match: re.Match[str], n: int) -> int | None:
    numbers = _month_numbers()
    first = numbers.get(_month_key(match.group(f"m{n}")))
    other = match.group(f"o{n}")
    if other is not None and numbers.get(_month_key(other)) != first:
        return None  # a dual form whose names disagree is a misreading, not a date
    return first


def _month_key(name: str) -> str:
    return " ".join(name.rstrip(".").split())


def _day_of(match: re.Match[str], day_first: bool) -> dt.date | None:
    """The date a match stands for; None if it is no calendar date or is ambiguous."""
    try:
        if match.group("y1"):
            month = _month_of(match, 1)
            return dt.date(int(match.group("y1")), month, int(match.group("d1"))) if month else None
        if match.group("y2"):
            month = _month_of(match, 2)
            return dt.date(int(match.group("y2")), month, int(match.group("d2"))) if month else None
        if match.group("y3"):
            return dt.date(int(match.group("y3")), int(match.group("m3")), int(match.group("d3")))
        a, b, year = int(match.group("a4")), int(match.group("b4")), int(match.group("y4"))
    except ValueError:  # 31 April, month 0
        return None
    if a > 12 or (day_first and b <= 12):
        day, month = a, b
    elif b > 12:
        day, month = b, a
    else:
        return None  # 03/04/2020 on a page not known to write the day first
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str, *, day_first: bool = False) -> Iterator[PrintedDate]:
    """Every date printed in `text`, in order. `day_first`: read 03/04/2020 as 3 April
    (without it such a date is skipped; 15/04/2020 and 04/15/2020 are read either way)."""
    text = normalise(text)
    label = _update_label()
    previous_end = 0
    for match in _pattern().finditer(text):
        day = _day_of(match, day_first)
        if day is None:
            continue
        before = max(previous_end, match.start() - _LABEL_REACH)
        updated = label.search(text, before, match.start()) is not None
        previous_end = match.end()
        yield PrintedDate(day, match.start(), match.end(), updated)


# Pages about this archive's subject are not older than the web itself; a smaller year
# is a misreading (a page number, a Hijri year that looked Gregorian).
EARLIEST = dt.date(1995, 1, 1)


def read_date(text: str, *, latest: dt.date, day_first: bool = False) -> dt.date | None:
    """The first publication date printed in `text` between EARLIEST and `latest` (the
    capture day: a page cannot be published after it was captured); dates labelled as
    updates are skipped. None if there is none."""
    for found in find_dates(text, day_first=day_first):
        if not found.updated and EARLIEST <= found.day <= latest:
            return found.day
    return None
