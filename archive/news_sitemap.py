"""The Google News fields of an archived sitemap: what the publisher says of each URL it
lists (news:publication_date, news:title, news:keywords, news:language), which Scrapy's
sitemap reader and the crawl's discovery drop.

Read from the archived response (the WARC record), in the crawl as in a rebuild, so the
index's `listings` table (archive/index/listings.py) is derived from the WARC files like
every other table. The document is the web's, not ours: parsed as archive/safexml.py
reads untrusted XML, streamed (iterparse, each <url> freed once read, so a 50 MB sitemap
does not become a 500 MB tree), at most MAX_ENTRIES entries, every field capped; a broken
document gives the entries read before the break and a count of its errors, never an
exception.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from dataclasses import dataclass, field

from lxml import etree

from archive.safexml import MAX_XML_BYTES, PARSER_OPTIONS, XmlError, local_name, maybe_gunzip

logger = logging.getLogger(__name__)

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
_NEWS = f"{{{NEWS_NS}}}"
# Google's limit for a news sitemap is 1,000 URLs, the sitemap protocol's 50,000.
MAX_ENTRIES = 50_000
# Longer values are cut: a title or keyword list this long is no headline.
MAX_URL = 4096
MAX_TEXT = 1000
MAX_LANGUAGE = 35  # the longest BCP 47 tag in practical use
MAX_DATE = 64
# Where the root element and its namespace declarations are looked for, before parsing.
SNIFF_BYTES = 64 * 1024
# No news site published before this day (as archive/extract/printed.py bounds page
# dates; not imported from there: the archive writer process never loads the extractor).
EARLIEST = dt.date(1995, 1, 1)
_W3C_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:$|T)")


@dataclass(frozen=True)
class NewsEntry:
    url: str
    publication_date: str  # as the sitemap writes it
    title: str
    keywords: str
    language: str


@dataclass
class NewsSitemap:
    entries: list[NewsEntry] = field(default_factory=list)
    # XML errors recovered from or that ended the reading, and entries left out (over
    # MAX_ENTRIES, or without a <loc>).
    errors: int = 0
    skipped: int = 0


def looks_like_news_sitemap(body: bytes) -> bool:
    """Cheap test on the first bytes: a <urlset> declaring the news namespace. Most
    responses (HTML, feeds, plain sitemaps) are turned away without parsing."""
    head = body[:SNIFF_BYTES]
    if head[:2] == b"\x1f\x8b":  # a .xml.gz served without Content-Encoding
        try:
            head = _gunzip_head(body)
        except XmlError:
            return False
    return b"<urlset" in head and NEWS_NS.encode() in head


def _gunzip_head(body: bytes) -> bytes:
    import zlib

    try:
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(body, SNIFF_BYTES)
    except zlib.error as exc:
        raise XmlError(str(exc)) from exc


def _text(element: etree._Element | None, limit: int) -> str:
    if element is None:
        return ""
    return " ".join((element.text or "").split())[:limit]


def _entry(url_element: etree._Element) -> NewsEntry | None:
    loc = next((child for child in url_element if local_name(child.tag) == "loc"), None)
    location = (loc.text or "").strip() if loc is not None else ""
    news = url_element.find(f"{_NEWS}news")
    if not location or len(location) > MAX_URL or news is None:
        return None
    return NewsEntry(
        url=location,
        publication_date=_text(news.find(f"{_NEWS}publication_date"), MAX_DATE),
        title=_text(news.find(f"{_NEWS}title"), MAX_TEXT),
        keywords=_text(news.find(f"{_NEWS}keywords"), MAX_TEXT),
        language=_text(news.find(f"{_NEWS}publication/{_NEWS}language"), MAX_LANGUAGE),
    )


def read_news_sitemap(body: bytes, where: str = "") -> NewsSitemap:
    """The news entries of a sitemap body (content encoding already undone; a gzip file
    is unpacked here). ``where`` names the document in log lines."""
    found = NewsSitemap()
    try:
        data = maybe_gunzip(body)
    except XmlError as exc:
        found.errors += 1
        logger.warning("unreadable news sitemap %s: %s", where, exc)
        return found
    events = etree.iterparse(io.BytesIO(data[:MAX_XML_BYTES]), events=("end",),
                             **PARSER_OPTIONS)
    try:
        for _, element in events:
            if local_name(element.tag) != "url":
                continue
            entry = _entry(element)
            if entry is None:
                found.skipped += 1
            elif len(found.entries) >= MAX_ENTRIES:
                found.skipped += 1
            else:
                found.entries.append(entry)
            # Read: free it, and the <url> elements before it.
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        # recover=True reads past most damage; what ends the reading keeps what was read.
        found.errors += 1
        logger.warning("news sitemap %s broken after %d entries: %s", where,
                       len(found.entries), exc)
    found.errors += len(events.error_log.filter_from_errors())
    if found.skipped > 0 and len(found.entries) >= MAX_ENTRIES:
        logger.warning("news sitemap %s: entries after the first %d left out", where,
                       MAX_ENTRIES)
    return found


def listed_day(publication_date: str, listed_at: str) -> str:
    """The day (YYYY-MM-DD) a news:publication_date names, as the publisher wrote it (its
    own time zone's day, as page dates are taken), or "" if it names no whole day or one
    the sitemap could not yet know: later than the sitemap's capture (``listed_at``, the
    WARC-Date), or before EARLIEST. With a time zone the instants are compared; a bare
    day may be a day ahead of UTC (a newsroom east of Greenwich)."""
    match = _W3C_DAY.match(publication_date)
    if not match:
        return ""
    try:
        day = dt.date(*map(int, match.groups()))
        captured = dt.datetime.fromisoformat(listed_at.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if captured.tzinfo is None:
        captured = captured.replace(tzinfo=dt.UTC)
    if day < EARLIEST:
        return ""
    try:
        instant = dt.datetime.fromisoformat(publication_date.replace("Z", "+00:00"))
    except ValueError:
        instant = None
    if instant is not None and instant.tzinfo is not None and len(publication_date) > 10:
        return day.isoformat() if instant <= captured else ""
    return day.isoformat() if day <= captured.date() + dt.timedelta(days=1) else ""
