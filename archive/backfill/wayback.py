"""Back-filling from a web archive that speaks the Wayback CDX API: the Wayback Machine, or
any pywb (or OpenWayback) collection. What to ask its CDX server, which of the captures it
lists to fetch, the raw replay URL of each, and the Origin its WARC records get.

The crawl side (crawler/spiders/webarchive.py) sends these requests through Scrapy, so
the CDX answers and the replays are archived like every exchange; this module holds the
decisions, without Scrapy, so that each can be tested on its own.

How a source's captures are found, from the docs of both servers and what the sample
web archive's pywb does (archive/samplesites/webarchive/__init__.py):

- One query per host of the source, ``url=HOST/&matchType=prefix``. CDX keys are SURTs,
  which drop "www." and the scheme, so ``chinatopix.com/`` finds the captures of
  ``http://www.chinatopix.com/...`` and ``https://chinatopix.com/...`` alike, and the two
  hosts of a source that differ by "www." are one query. (``matchType=domain`` would add
  every other subdomain, whose pages no article pattern of the source matches.)
- ``from``/``to`` (the --from/--to days), ``filter=statuscode:200``,
  ``filter=mimetype:text/html``, ``collapse=digest`` and ``output=json``. pywb ignores
  ``collapse=digest`` and reads filters as substrings, the Wayback Machine applies its
  filters after paging: so each line is checked again here, and duplicates of a payload
  are dropped here whatever the server did.
- Paging: the first request asks ``showNumPages=true``. A ZipNum server (the Wayback
  Machine; pywb on a ZipNum index) answers a page count (a bare number, or pywb's
  ``{"pages": N, ...}``): pages 0..N-1 are then asked for (the Wayback Machine filters
  after paging, so a page may come back empty). Any other server ignores the parameter
  and lists captures (pywb then ignores the filters too): that answer is cut to one line
  (``limit=1``) and the list asked for without it. A resume key in an answer
  (``showResumeKey=true``) is followed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import urlencode, urlsplit

from archive.backfill.cdx import CdxCapture
from archive.sources import Source
from archive.warc.origin import REPLAYED, Origin, http_date, timestamp_date

WAYBACK_PREFIX = "https://web.archive.org/web/"
WAYBACK_CDX = "https://web.archive.org/cdx/search/cdx"
WAYBACK_HOST = "web.archive.org"
# The replay of a capture as it was archived: no rewritten links, no banner, the
# original headers (some renamed X-Archive-Orig-*), the payload byte for byte.
RAW_REPLAY_FLAG = "id_"
# The capture status and media type a back-fill asks for (the CDX filters).
WANTED_STATUS = "200"
WANTED_MIME = "text/html"


def _http_url(value: str, name: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an http(s) URL, got {value!r}")
    return value.strip()


def replay_prefix(value: str) -> str:
    """The replay prefix as given (``--wayback``), ending in "/"; ValueError if it is no
    http(s) URL."""
    prefix = _http_url(value, "--wayback")
    return prefix if prefix.endswith("/") else prefix + "/"


def cdx_endpoint(prefix: str, cdx: str = "") -> str:
    """The CDX endpoint: ``cdx`` if given; the Wayback Machine's own for its replay
    prefix; else ``PREFIX + "cdx"``, where pywb serves a collection's CDX API."""
    if cdx.strip():
        return _http_url(cdx, "--cdx")
    if (urlsplit(prefix).hostname or "").lower() == WAYBACK_HOST:
        return WAYBACK_CDX
    return prefix + "cdx"


def replay_url(prefix: str, capture: CdxCapture) -> str:
    return f"{prefix}{capture.timestamp}{RAW_REPLAY_FLAG}/{capture.original}"


def query_targets(source: Source) -> list[str]:
    """What to ask the CDX server for, one prefix a host: "www." dropped (SURT keys drop
    it too), duplicates removed, in the order of the source's hosts."""
    found: list[str] = []
    for host in source.hosts:
        bare = host.lower().removeprefix("www.")
        if f"{bare}/" not in found:
            found.append(f"{bare}/")
    return found


def _cdx_day(day: date) -> str:
    return day.strftime("%Y%m%d")


@dataclass(frozen=True)
class CdxQuery:
    """One CDX query of a back-fill; ``url(...)`` with the page or resume key to ask."""

    endpoint: str
    target: str  # "chinatopix.com/"
    since: date | None = None
    until: date | None = None
    page_size: int = 0  # index blocks a page (ZipNum servers); 0: the server's default

    def params(self) -> list[tuple[str, str]]:
        params = [("url", self.target), ("matchType", "prefix")]
        if self.since:
            params.append(("from", _cdx_day(self.since)))
        if self.until:
            params.append(("to", _cdx_day(self.until)))
        params += [("filter", f"statuscode:{WANTED_STATUS}"),
                   ("filter", f"mimetype:{WANTED_MIME}"),
                   ("collapse", "digest"), ("output", "json")]
        if self.page_size:
            params.append(("pageSize", str(self.page_size)))
        return params

    def count_url(self) -> str:
        """The first request: the page count of a paging server. Any other server lists
        captures instead, one (``limit``), and pywb then applies no filter at all: its
        answer is not used, the whole list is asked for (``list_url``)."""
        return self._url([("showNumPages", "true"), ("limit", "1")])

    def list_url(self) -> str:
        """Every capture, from a server that does not page (a resume key if it cuts)."""
        return self._url([("showResumeKey", "true")])

    def page_url(self, page: int) -> str:
        return self._url([("page", str(page))])

    def resume_url(self, resume_key: str) -> str:
        return self._url([("showResumeKey", "true"), ("resumeKey", resume_key)])

    def _url(self, extra: list[tuple[str, str]]) -> str:
        separator = "&" if "?" in self.endpoint else "?"
        # ":" and "/" as they are: pywb ignores a filter whose ":" is percent-encoded.
        return self.endpoint + separator + urlencode(self.params() + extra, safe=":/")


_COUNT = re.compile(rb"\s*(\d+)\s*")


def page_count(body: bytes) -> int | None:
    """The number of pages a ``showNumPages=true`` answer gives, or None when the answer
    is not a page count (a server that does not page answers with the captures)."""
    found = _COUNT.fullmatch(body)
    if found:
        return int(found.group(1))
    try:
        value = json.loads(body.decode("utf-8", errors="replace"))
    except ValueError:
        return None  # JSON lines: pywb's captures
    if isinstance(value, dict) and isinstance(value.get("pages"), int):
        return value["pages"]
    # The Wayback Machine's JSON form: a header row naming one field, then its value.
    if (isinstance(value, list) and len(value) == 2 and all(
            isinstance(row, list) and len(row) == 1 for row in value)
            and str(value[1][0]).isdigit() and not str(value[0][0]).isdigit()):
        return int(value[1][0])
    return None


@dataclass
class CaptureFilter:
    """Which listed captures a back-fill of ``source`` fetches: article pages of the
    source (its article patterns), captured with status 200 as HTML inside the window,
    one per payload of each URL. (The spider then leaves out those the index holds.)"""

    source: Source
    since: date | None = None
    until: date | None = None
    seen: set[tuple[str, str]] = field(default_factory=set)

    def verdict(self, capture: CdxCapture) -> str:
        """"keep", or why not (a stats key): "not_article", "not_ok" (status or type),
        "outside_window", "duplicate" (a payload already kept in this run)."""
        if not self.source.is_article(capture.original):
            return "not_article"
        if capture.statuscode not in ("", WANTED_STATUS) or (
                capture.mimetype and "html" not in capture.mimetype.lower()):
            return "not_ok"
        day = capture.timestamp[:8]
        if (self.since and day < _cdx_day(self.since)) or (
                self.until and day > _cdx_day(self.until)):
            return "outside_window"
        # The same payload at another capture time (or under another spelling of the
        # URL the SURT key folds together) is the same page: one fetch.
        key = (capture.urlkey or capture.original, capture.digest or capture.timestamp)
        if key in self.seen:
            return "duplicate"
        self.seen.add(key)
        return "keep"


def capture_origin(prefix: str, capture: CdxCapture) -> Origin:
    """The Origin of a replay before it is fetched: the capture time is the CDX
    timestamp until the replay's Memento-Datetime says better (``answered_origin``)."""
    return Origin(kind=REPLAYED, web_archive=prefix, original_url=capture.original,
                  original_date=timestamp_date(capture.timestamp),
                  cdx_digest=capture.digest, cdx_line=capture.line)


def answered_origin(origin: Origin, status: int, memento_datetime: str) -> Origin | None:
    """The Origin of a replay's answer, or None when the answer is not the capture.

    A web archive marks a replayed capture with ``Memento-Datetime``; a 404 for "no such
    capture", a 429 or a 5xx of its own, or a redirect to another capture has none, or
    another status than the capture's. Such an answer is archived as the exchange with
    the web archive it was, never filed under the original URL (where a 503 would read as
    the article gone)."""
    if not memento_datetime or str(status) != WANTED_STATUS:
        return None
    try:
        return replace(origin, original_date=http_date(memento_datetime))
    except ValueError:
        return origin  # unreadable: the CDX timestamp stands

