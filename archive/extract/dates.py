"""The publication date of a page: which of its dates it was published on, and that day
as the publisher counts it.

htmldate (through trafilatura) finds the candidates; the rules here keep the result
reproducible (bounded by the capture date, not by the day it runs) and correct what it
gets wrong on news pages: compact dates in URLs, invented first-of-month days, UTC
timestamps that fall on the day before the publisher's own, site clocks that show the day
of the crawl, and dates printed in a form it cannot read (Iraqi month names, Eastern
Arabic digits), which archive.extract.printed reads where a source's configuration says
the date is printed (configured_date) and on the date line beside the title
(printed_date).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import htmldate
from lxml import etree

from archive.extract.parse import VISIBLE_H1
from archive.extract.printed import CHECKED_LANGUAGES, EARLIEST, find_dates, read_date

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
        if EARLIEST <= day <= dt.date.fromisoformat(max_date):
            return day
    return None


def published_date(
    tree: Any, html: str, urls: tuple[str, ...], metadata_date: str | None,
    params: dict[str, Any], language: str = "",
) -> str:
    """Publication date: page metadata, else a date in the URL, else htmldate's guess,
    else the date printed next to the title (printed_date); "" rather than an invented day.
    A day read from a UTC timestamp is then moved to the publisher's own day when the page
    says which that is (_local_day). Never the capture day unless the page says it
    (_vouched_for).

    trafilatura's htmldate call already runs in that order for URLs with a separated date,
    but it sees only the canonical URL and misses compact dates, falling through to text
    heuristics that pick up clocks and "updated" lines. So when the fetched URL carries a
    date, htmldate is asked again with that date spelled out: it returns the metadata date
    if there is one (meta tags, JSON-LD) and the URL date otherwise, stopping before any
    text heuristic, which keeps the second call cheap.
    """
    latest = dt.date.fromisoformat(params["max_date"])
    url_day = next(filter(None, (_url_date(u, params["max_date"]) for u in urls if u)), None)
    found = _htmldate_day(tree, metadata_date, url_day, params)
    if found is None or (found == latest and url_day != found
                         and not _vouched_for(found, tree, html, language)):
        printed = printed_date(tree, language, latest)
        return printed.isoformat() if printed else ""
    # A URL dated that same day is the publisher's own label for it: the day stands.
    if url_day != found:
        local = _local_day(html, found)
        if local is not None and local <= latest:
            return local.isoformat()
    return found.isoformat()


def _htmldate_day(tree: Any, metadata_date: str | None, url_day: dt.date | None,
                  params: dict[str, Any]) -> dt.date | None:
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
                return None
    return dt.date.fromisoformat(found) if found else None


def _vouched_for(day: dt.date, tree: Any, html: str, language: str) -> bool:
    """Whether the page itself gives `day`, the capture day, as its publication date: as a
    metadata value (<meta content>, <time datetime>, a title attribute, JSON-LD, an RDF
    dc:date) or printed beside its title.

    A page captured on the day it was published says so in those places. A capture-day
    date found anywhere else is the page's clock or a parser's default: the site headers
    that print today's date ("الجمعة 4 ديسمبر 2026"), the "Feb. 19 2020" widget htmldate
    took on assabah.com.tn, dateparser's answer of today to a date it cannot read.

    Only pages in the languages the date reader knows are held to this: on others (a
    Spanish "17 de marzo de 2020", a Japanese "2020年07月03日") a printed date cannot be
    told from a clock here, and htmldate is trusted as before.
    """
    if language[:2] not in CHECKED_LANGUAGES:
        return True
    iso = day.isoformat()
    start = html.find(iso)
    while start != -1:  # str.find, then a look just before: a regex over the page took ms
        if _METADATA_VALUE.search(html, max(0, start - 40), start):
            return True
        start = html.find(iso, start + len(iso))
    return printed_date(tree, language, day) == day


# What stands just before a date that is a whole attribute or JSON value: content="...",
# datetime="...", title="...", dc:date="...", "datePublished": "...". Not a date inside a
# URL: calendar widgets link today's page (href="/archive?date=2026-12-04").
_METADATA_VALUE = re.compile(r"""[=:]\s*["']$""")


# The text read around the title: the date line is a short text node near the <h1>, before
# the article's first paragraphs; dates in those paragraphs are events, not the publication.
_NO_TEXT = frozenset(("script", "style", "noscript", "template", "title", "svg"))
_SHORT = 150  # characters: longer text nodes are sentences of the article
_RUN_BREAK = " | "  # no date pattern reads across it
_MAX_TEXTS = 60  # text nodes read below the title; 12 above it


def _subtree_texts(element: Any) -> Iterator[str]:
    """The text nodes inside `element`, in document order, without scripts and styles.
    Iterative: a page of 50,000 nested elements must not exhaust the stack."""
    if not isinstance(element.tag, str):
        return  # a comment or processing instruction: its tail is the caller's
    walker = etree.iterwalk(element, events=("start", "end", "comment"))
    for event, node in walker:
        if event == "comment":
            if node.tail:
                yield node.tail
        elif event == "start":
            if node.tag in _NO_TEXT:
                walker.skip_subtree()
            elif node.text:
                yield node.text
        elif node is not element and node.tail:
            yield node.tail


def _texts_after(h1: Any) -> Iterator[str]:
    """The text nodes after the heading's end, in document order (XPath's following::
    axis with the ancestor tests took 1.5 ms a page; this stops where reading stops)."""
    node = h1
    while node is not None:
        if node.tail:
            yield node.tail
        for sibling in node.itersiblings():
            yield from _subtree_texts(sibling)
            if sibling.tail:
                yield sibling.tail
        node = node.getparent()


def _texts_before(h1: Any) -> Iterator[str]:
    """The text nodes before the heading, nearest first."""
    node = h1
    while node is not None:
        for sibling in node.itersiblings(preceding=True):
            if sibling.tail:
                yield sibling.tail
            yield from reversed(list(_subtree_texts(sibling)))
        node = node.getparent()
        if node is not None and node.text and node.tag not in _NO_TEXT:
            yield node.text


def _runs(texts: Iterable[str], max_long: int) -> str:
    """Neighbouring short texts joined (a date can be split over elements), runs kept
    apart; reading stops at the `max_long`-th long text (the article body has begun)."""
    runs: list[list[str]] = [[]]
    long_seen = 0
    for text in texts:
        text = text.strip()
        if len(text) > _SHORT:
            long_seen += 1
            if long_seen >= max_long:
                break
            runs.append([])
        elif text:
            runs[-1].append(text)
    return _RUN_BREAK.join(" ".join(run) for run in runs if run)


_SUBHEADINGS = etree.XPath("//body//*[self::h2 or self::h3]")
_MIN_TITLE = 15  # characters a headline has at least; "Politics" is a section's name


def _title_heading(tree: Any) -> Any:
    """The element holding the article's title: the longest visible <h1> (some sites make
    their logo or name an <h1> too), else the first <h2> or <h3> whose text the page's
    <title> repeats (NINA titles its articles with an <h3>); None if none."""
    h1s = VISIBLE_H1(tree)
    if h1s:
        return max(h1s, key=lambda h: len(h.text_content().strip()))
    title = tree.find(".//title")
    page_title = " ".join((title.text_content() if title is not None else "").split())
    if len(page_title) < _MIN_TITLE:
        return None
    for heading in _SUBHEADINGS(tree):
        text = " ".join(heading.text_content().split())
        if len(text) >= _MIN_TITLE and text in page_title:
            return heading
    return None


def printed_date(tree: Any, language: str, latest: dt.date) -> dt.date | None:
    """The date printed on the article's date line: the first date in the short texts
    after its title (<h1>), before the body's second paragraph, else the last one in the
    few texts just above the title; not an update's date, not after `latest`.

    Above the title stand site headers that print today's date, so a date there equal to
    `latest` (the capture day) is not taken. Numeric dates that could be either way round
    are read day first except on English pages, whose dates may be American.
    """
    h1 = _title_heading(tree)
    if h1 is None:
        return None
    day_first = language[:2] not in ("", "en")
    texts = itertools.islice(_texts_after(h1), _MAX_TEXTS)
    below = read_date(_runs(texts, max_long=2), latest=latest, day_first=day_first)
    if below is not None:
        return below
    nearest_first = list(itertools.islice(_texts_before(h1), _MAX_TEXTS // 5))
    above = [d.day for d in find_dates(_runs(reversed(nearest_first), max_long=99),
                                       day_first=day_first)
             if not d.updated and EARLIEST <= d.day < latest]
    return above[-1] if above else None


def configured_date(tree: Any, xpaths: tuple[etree.XPath, ...], params: dict[str, Any]) -> str:
    """The publication date where the source's configuration says it is printed
    (`date_xpaths`: elements, their text or attributes), read day first as every source
    of the dossier prints numeric dates; "" if none gives one."""
    latest = dt.date.fromisoformat(params["max_date"])
    for xpath in xpaths:
        found = xpath(tree)
        for item in found if isinstance(found, list) else [found]:
            text = item.text_content() if hasattr(item, "text_content") else str(item)
            day = read_date(text, latest=latest, day_first=True)
            if day is not None:
                return day.isoformat()
    return ""


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
