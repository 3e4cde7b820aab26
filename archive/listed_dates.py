"""The dates a listing page shows beside its items, read with the source's own formats
(`listing_date_formats` in sources.toml), so that a back-fill (`crawl --since`) knows when
its walk back through the pages has passed the day it was asked to reach.

Each site prints dates its own way (TRT World "Jul 28, 2015" and, c. 2020, "3 days ago";
INA "15-11-2020, 13:12"; France 24 "03/12/2014"), and day-first and month-first dates
cannot be told apart from the text alone: so the format is configuration, and a date
that does not parse is left out rather than guessed.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from archive.dated_urls import MONTH_NAMES

# The pseudo-format for relative dates ("5 hours ago", "3 days ago", "yesterday").
RELATIVE = "ago"
# The pseudo-format for a date printed in words the article date reader knows (Arabic
# month names of every region, dual forms, French, English; day first), e.g. Iraqi
# listings' "15 تشرين الثاني 2020", which no strptime format reads.
PRINTED = "printed"
# Eastern Arabic and Persian digits: strptime reads ASCII digits only.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_AGO = re.compile(r"\b(\d+)\s*(minute|min|hour|hr|day|week|month|year)s?\s+ago\b", re.I)
_UNIT_DAYS = {"minute": 0, "min": 0, "hour": 0, "hr": 0, "day": 1, "week": 7, "month": 30,
              "year": 365}
# A date whose day is above 12 and whose hour is in the afternoon: a format that loses the
# day, the month or the year cannot give it back.
_PROBE = datetime(2015, 11, 27, 13, 45, tzinfo=UTC)  # aware: %z and %Z formats work


def check_format(fmt: str) -> None:
    """Raise ValueError, phrased for the user, unless `fmt` is "ago", "printed" or a
    strptime format that reads back a whole date (year, month and day)."""
    if fmt in (RELATIVE, PRINTED):
        return
    try:
        back = datetime.strptime(_PROBE.strftime(fmt), fmt)
    except ValueError as exc:
        raise ValueError(f"{fmt!r} is not a date format such as \"%d/%m/%Y\" ({exc})") from None
    if back.date() != _PROBE.date():
        raise ValueError(f"{fmt!r} does not give a whole date (it needs the year, the month "
                         "and the day, e.g. \"%d/%m/%Y\")")


def _english_months(text: str, language: str) -> str:
    # strptime reads English month names only (the C locale the crawl runs in).
    key = language.split("-", 1)[0].lower()
    if key == "en" or key not in MONTH_NAMES:
        return text
    names = MONTH_NAMES[key]
    for local, english in zip(names, MONTH_NAMES["en"], strict=True):
        text = re.sub(rf"\b{re.escape(local)}\b", english, text, flags=re.I)
    return text


def _strptime_start(text: str, fmt: str) -> date | None:
    """The date at the start of `text` ("26/01/2015 - 10:00" with "%d/%m/%Y")."""
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError as exc:
        message = str(exc)
        if not message.startswith("unconverted data remains: "):
            return None
        rest = len(message) - len("unconverted data remains: ")
        try:
            return datetime.strptime(text[:len(text) - rest], fmt).date()
        except ValueError:
            return None


def _relative(text: str, today: date) -> date | None:
    if re.search(r"\byesterday\b", text, re.I):
        return today - timedelta(days=1)
    if re.search(r"\b(today|just now)\b", text, re.I):
        return today
    found = _AGO.search(text)
    if not found:
        return None
    return today - timedelta(days=int(found.group(1)) * _UNIT_DAYS[found.group(2).lower()])


def _printed(text: str, today: date) -> date | None:
    # Imported here: archive.extract's package imports archive.sources, which imports this.
    from archive.extract.printed import read_date

    return read_date(text, latest=today, day_first=True)


def parse_listed_date(text: str, formats: tuple[str, ...], language: str,
                      today: date) -> date | None:
    """The date `text` shows, by the first format that reads it; None if none does."""
    text = " ".join(text.split()).translate(_DIGITS)
    if not text:
        return None
    english = _english_months(text, language)
    for fmt in formats:
        if fmt == RELATIVE:
            found = _relative(text, today)
        elif fmt == PRINTED:
            found = _printed(text, today)
        else:
            found = _strptime_start(english, fmt)
        if found is not None:
            return found
    return None
