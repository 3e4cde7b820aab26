"""The publication date of a page: which of its dates it was published on, and that day
as the publisher counts it.

htmldate (through trafilatura) finds the candidates; the rules here keep the result
reproducible (bounded by the capture date, not by the day it runs) and correct what it
gets wrong on news pages: compact dates in URLs, invented first-of-month days, and UTC
timestamps that fall on the day before the publisher's own.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import htmldate

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _max_date(captured_at: str) -> str:
    match = _ISO_DATE.match(captured_at or "")
    if match:
        try:
            return dt.date(*map(int, match.groups())).isoformat()
        except ValueError:
            pass
    # Without a capture date the bound is today, so a date later than today on the page
    # could be accepted by a run on a later day: pass captured_at for reproducible records.
    return dt.date.today().isoformat()


def date_params(captured_at: str) -> dict[str, Any]:
    """htmldate's settings for a page captured at `captured_at` (the WARC-Date,
    "YYYY-MM-DD..."; "" for today)."""
    return {
        # The publication date, not the latest "updated" date, is what the archive dates by.
        "original_date": True,
        "extensive_search": True,
        # A page cannot be published after it was captured; a fixed bound also keeps
        # re-extraction from depending on the day it runs.
        "max_date": _max_date(captured_at),
        # Metadata (meta tags, JSON-LD) before dates in the URL: URL dates are often the
        # day of a republication or an update; the URL is still used when metadata is silent.
        "deferred_url_extractor": True,
    }


# A date in the URL path: 2015/01/22, 2015-01-22, or the compact 20150122 of France 24
# (/en/20141203-slug) and China Topix (/articles/<id>/20150122/slug), which htmldate
# does not recognise.
_URL_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)([/_-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)"
)
_MIN_DATE = dt.date(1995, 1, 1)


def _url_date(url: str, max_date: str) -> dt.date | None:
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    for match in _URL_DATE.finditer(path):
        try:
            day = dt.date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
        except ValueError:
            continue
        if _MIN_DATE <= day <= dt.date.fromisoformat(max_date):
            return day
    return None


def published_date(
    tree: Any, html: str, urls: tuple[str, ...], metadata_date: str | None,
    params: dict[str, Any],
) -> str:
    """Publication date: page metadata, else a date in the URL, else htmldate's guess;
    "" rather than an invented day. A day read from a UTC timestamp is then moved to the
    publisher's own day when the page says which that is (_local_day).

    trafilatura's htmldate call already runs in that order for URLs with a separated date,
    but it sees only the canonical URL and misses compact dates, falling through to text
    heuristics that pick up clocks and "updated" lines. So when the fetched URL carries a
    date, htmldate is asked again with that date spelled out: it returns the metadata date
    if there is one (meta tags, JSON-LD) and the URL date otherwise, stopping before any
    text heuristic, which keeps the second call cheap.
    """
    url_day = next(filter(None, (_url_date(u, params["max_date"]) for u in urls if u)), None)
    if url_day is not None:
        spelled = f"https://url-date.invalid/{url_day:%Y/%m/%d}/"
        found = _iso(htmldate.find_date(tree, **{**params, "url": spelled}))
    else:
        found = _iso(metadata_date)
        if found.endswith("-01"):
            # htmldate's last resorts turn a bare "(c) 2015" or "March 2015" into 2015-01-01
            # or 2015-03-01: an invented day that would sort the page into the wrong place.
            # A first-of-month date is kept only if the search without those fallbacks
            # finds it.
            strict = htmldate.find_date(tree, **{**params, "extensive_search": False})
            if _iso(strict) != found:
                return ""
    if not found:
        return ""
    day = dt.date.fromisoformat(found)
    # A URL dated that same day is the publisher's own label for it: the day stands.
    if url_day != day:
        local = _local_day(html, day)
        if local is not None and local <= dt.date.fromisoformat(params["max_date"]):
            return local.isoformat()
    return found


# The time and UTC offset of an ISO 8601 timestamp as pages write them in meta tags,
# JSON-LD, <time datetime> and scripts; _stamps puts the dates it looks for in front.
_STAMP_TIME = r"[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,]\d{1,9})?)?(?:\s?(Z|[+-]\d\d:?\d\d)(?!\d))?"
_ZERO = dt.timedelta(0)
_HALF_HOUR = dt.timedelta(minutes=30)
# Every UTC offset in use lies in this range.
_OFFSETS = (dt.timedelta(hours=-12), dt.timedelta(hours=14))


@dataclass(frozen=True)
class _Stamp:
    clock: dt.datetime  # as written, without its offset
    offset: dt.timedelta | None  # None: no offset written
    seconds: bool  # seconds written


def _stamps(html: str, days: list[dt.date]) -> list[_Stamp]:
    """The timestamps on these days in the page (0.1-0.2 ms on a news page; a look-behind
    in the pattern instead of the check below made it 8 ms)."""
    pattern = re.compile("(" + "|".join(d.isoformat() for d in days) + ")" + _STAMP_TIME)
    stamps = []
    for match in pattern.finditer(html):
        if match.start() and (html[match.start() - 1].isdigit() or html[match.start() - 1] == "."):
            continue  # inside a longer number or a version string
        date, hour, minute, second, offset = match.groups()
        try:
            clock = dt.datetime.combine(
                dt.date.fromisoformat(date), dt.time(int(hour), int(minute), int(second or 0)))
        except ValueError:
            continue
        delta: dt.timedelta | None = None
        if offset == "Z":
            delta = _ZERO
        elif offset:
            sign = -1 if offset[0] == "-" else 1
            delta = sign * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[-2:]))
        stamps.append(_Stamp(clock, delta, second is not None))
    return stamps


def _local_day(html: str, day: dt.date) -> dt.date | None:
    """The publisher's day for a publication date read from a UTC timestamp, when the page
    states the same instant in its own time zone and that falls on another day; else None.

    htmldate takes the day as written, so "2020-12-24T23:59:50+00:00" in article:published_time
    is the 24th, while the page (JSON-LD "2020-12-25T01:59:50+02:00") and its readers say
    the 25th. The same instant is recognised with its offset written, or as a local clock
    without offset whose minutes and seconds are the UTC ones (a publication_date
    "2020-02-17 21:18:11" in a script beside "2020-02-18T02:18:11Z"). Kept as it is when
    the page already dates something on that day in a local offset (the day is then a
    local day itself) or when the candidates disagree.
    """
    if day.isoformat() not in html:
        return None
    # Offsets within a day: the same instant is written on the day before, of or after.
    stamps = _stamps(html, [day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)])
    utc = [s for s in stamps if s.offset == _ZERO and s.clock.date() == day]
    if not utc or any(s.offset not in (None, _ZERO) and s.clock.date() == day for s in stamps):
        return None
    days = set()
    for u in utc:
        for s in stamps:
            if s.clock.date() == day:
                continue
            if s.offset is not None and s.offset != _ZERO:
                if s.clock - s.offset == u.clock:
                    days.add(s.clock.date())
            elif s.offset is None and s.seconds and u.seconds:
                shift = s.clock - u.clock
                if shift % _HALF_HOUR == _ZERO and _OFFSETS[0] <= shift <= _OFFSETS[1]:
                    days.add(s.clock.date())
    return days.pop() if len(days) == 1 else None


def _iso(value: str | None) -> str:
    match = _ISO_DATE.match(value or "")
    return match.group(0) if match else ""
