"""The one extraction path: archived HTML bytes -> text and metadata.

The live crawl, offline re-extraction and the `pressarchive extract` debug command all
call `extract_html`, so a page extracted twice gives the same record. It is deterministic
for the same bytes, options, rules and `captured_at` (see `extract_html`), and never raises
for bad input: every failure becomes a result with a status.

It is CPU-bound and has no timeout of its own (trafilatura offers none from Python); the
crawl runs it in killable processes through `archive.workers.ExtractorPool`.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import functools
import gzip
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import htmldate
import lxml
import lxml.html
import trafilatura
import trafilatura.meta
from lxml import etree

from archive.sources import ExtractionRules

# Bump when the post-processing below changes what a page yields: it is part of
# config_hash, so stored records show which pipeline produced them (and re-extraction
# knows what to redo). 3: dates from RDF comments and in the publisher's time zone;
# mostly-UTF-8 pages read as UTF-8; the fallback encoding follows the page's language.
PIPELINE_VERSION = 3

# "not_html" only comes from extract_file(): a saved file without any markup.
STATUSES = ("ok", "soft404", "empty", "too_large", "error", "timeout", "not_html")


@dataclass(frozen=True)
class ExtractionOptions:
    """trafilatura options as one hashable, picklable object."""

    # Off: on trafilatura's own evaluation and newspaper3k's pages, precision mode
    # cut whole article bodies (bench/quality_bench.py); the sources' cleanup
    # rules remove their chrome without it.
    favor_precision: bool = False
    include_comments: bool = False
    include_tables: bool = True
    # trafilatura's deduplication keeps a process-global LRU cache of text segments seen
    # before: a page's text would then depend on which pages the process extracted
    # earlier (and on which worker got it). That breaks re-extraction, so it stays off;
    # duplicates are a job for the index, which sees the whole archive.
    deduplicate: bool = False
    min_words: int = 20  # fewer words than this: status "empty"
    max_html_bytes: int = 20_000_000  # bigger bodies are not parsed: status "too_large"

    def config_hash(self, rules: ExtractionRules | None = None) -> str:
        """sha256 of these options plus the versions of the code that applies them, and of
        a source's rules when given (they change the text as much as the options do)."""
        payload: dict[str, Any] = {
            "options": dataclasses.asdict(self),
            "pipeline": PIPELINE_VERSION,
            "trafilatura": trafilatura.__version__,
            "htmldate": htmldate.__version__,
            "lxml": lxml.__version__,
        }
        if rules is not None:
            payload["rules"] = {k: list(v) for k, v in dataclasses.asdict(rules).items()}
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


DEFAULT_OPTIONS = ExtractionOptions()


@dataclass(frozen=True)
class ExtractionResult:
    status: str  # one of STATUSES
    url: str
    title: str = ""
    author: str = ""
    published: str = ""  # ISO date YYYY-MM-DD or ""
    language: str = ""
    canonical_url: str = ""
    text: str = ""
    word_count: int = 0
    encoding: str = ""
    error: str = ""
    extractor: str = "trafilatura"
    extractor_version: str = trafilatura.__version__

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# --------------------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    # UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^"';,\s]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([-\w:.]+)""", re.I)
# Browsers (WHATWG Encoding Standard) read these labels as windows-1252; pages labelled
# latin-1 really use the 0x80-0x9F quotes and dashes of windows-1252.
_AS_WINDOWS_1252 = {"ascii", "latin-1", "iso8859-1"}
_DISPLAY_NAMES = {f"cp125{i}": f"windows-125{i}" for i in range(9)}


def _windows_1252_lenient(exc: UnicodeError) -> tuple[str, int]:
    # The five bytes windows-1252 leaves undefined become the C1 controls of the same
    # value, as browsers do, instead of failing the whole page.
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(chr(b) for b in exc.object[exc.start : exc.end]), exc.end


codecs.register_error("pressarchive-c1", _windows_1252_lenient)


def _codec_name(label: str) -> str | None:
    """Python's canonical codec name for a charset label, or None if unknown/unusable."""
    label = label.strip().strip("\"'").lower()
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None  # garbage labels such as "visual" are ignored
    if name in _AS_WINDOWS_1252:
        return "cp1252"
    try:
        # Text-to-bytes or bytes-to-bytes codecs (base64, rot13, zlib...) cannot decode HTML.
        codecs.decode(b"<", name)
        if not isinstance(codecs.decode(b"", name), str):
            return None
    except Exception:
        return None
    return name


@functools.cache
def _is_single_byte(name: str) -> bool:
    # One character per byte for every byte value; multi-byte codecs (shift_jis, cp949,
    # gb18030...) pair lead bytes with the next one.
    if name.startswith("utf"):
        return False
    return len(bytes(range(256)).decode(name, errors="replace")) == 256


# A page that fails to decode as UTF-8 is still read as UTF-8 (the bad bytes replaced) when
# at most this share of its non-ASCII sequences are invalid. Text really written in a
# single-byte encoding almost never forms valid multi-byte UTF-8 by accident, so nearly all
# of its non-ASCII sequences are invalid; a UTF-8 page broken by a stray byte (a teaser cut
# in the middle of a character, a latin-1 string in a template) has a few. On the real
# pages of ../shared/realdata: UTF-8 with stray bytes 0.2-4 % invalid, single-byte pages
# 78-100 %. Counted per character, not per byte, so that 2-byte Arabic or 3-byte CJK text
# weighs as much as Latin text.
_MAX_INVALID_SHARE = 0.2
# The encoding a browser falls back to in a locale that writes this language, for a page
# whose declarations all lie (WHATWG HTML, "the fallback encoding"); the page's own lang
# stands in for the reader's locale: an Arabic page in windows-1256 that claims UTF-8 is
# then read as Arabic, not as windows-1252 mojibake. Only the single-byte Windows code
# pages: a wrong guess garbles letters but loses no text, and they keep ASCII and the
# windows-1252 quotes and dashes (windows-1256 the French letters too) where they were.
_FALLBACK_BY_LANG = {
    **dict.fromkeys(("ar", "fa", "ur"), "cp1256"),
    **dict.fromkeys(("ru", "uk", "be", "bg", "mk"), "cp1251"),
    "el": "cp1253",
    **dict.fromkeys(("he", "iw"), "cp1255"),
    "tr": "cp1254",
    **dict.fromkeys(("lt", "lv"), "cp1257"),
    "vi": "cp1258",
    "th": "cp874",
}
_HTML_LANG = re.compile(
    rb"""<html\b[^>]*?\blang\s*=\s*["']?\s*([a-zA-Z]{2,3})(?![a-zA-Z])"""
    rb"""|<meta[^>]*?content-language["']?[^>]*?content\s*=\s*["']?\s*([a-zA-Z]{2,3})(?![a-zA-Z])""",
    re.I,
)


def _mostly_utf8(body: bytes) -> str | None:
    """The body decoded as UTF-8 with U+FFFD for its invalid sequences, if they are few
    (see _MAX_INVALID_SHARE); None if the body is not mostly UTF-8."""
    text = body.decode("utf-8", errors="replace")
    genuine = body.count(b"\xef\xbf\xbd")  # U+FFFD the page itself contains
    invalid = text.count("\ufffd") - genuine
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))  # one per character
    valid = non_ascii - genuine - invalid
    if valid > 0 and invalid <= _MAX_INVALID_SHARE * (valid + invalid):
        return text
    return None


def _fallback_encoding(body: bytes) -> str:
    match = _HTML_LANG.search(body[:8192])
    if match:
        lang = (match.group(1) or match.group(2)).decode("ascii").lower()
        return _FALLBACK_BY_LANG.get(lang, "cp1252")
    return "cp1252"


def decode_html(body: bytes, content_type: str = "") -> tuple[str, str]:
    """Decode an HTML body; returns (text, name of the encoding used).

    Order: BOM, HTTP charset, <meta> charset in the first 4 KB, UTF-8 if it decodes
    cleanly or mostly (a few invalid sequences become U+FFFD, see _MAX_INVALID_SHARE),
    else the single-byte fallback for the page's language (windows-1252 for most). A
    declared encoding the bytes do not decode in (a lying header) is skipped for the next
    signal. A declared single-byte encoding loses to UTF-8 when the body is (mostly) valid
    UTF-8 with non-ASCII bytes: real windows-1252 text almost never forms valid multi-byte
    UTF-8, while servers announcing latin-1 for UTF-8 pages are common.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace"), name

    declared: list[str] = []
    match = _HTTP_CHARSET.search(content_type or "")
    if match and (name := _codec_name(match.group(1))):
        declared.append(name)
    match = _META_CHARSET.search(body[:4096])
    if match and (name := _codec_name(match.group(1).decode("ascii", "replace"))):
        # A UTF-16/32 label we could read as ASCII cannot be true (WHATWG: use UTF-8).
        declared.append("utf-8" if name.startswith(("utf-16", "utf-32")) else name)

    utf8_text: str | None
    try:
        utf8_text = body.decode("utf-8")
    except UnicodeDecodeError:
        utf8_text = _mostly_utf8(body)
    non_ascii = not body.isascii()

    for name in declared:
        if utf8_text is not None and non_ascii and _is_single_byte(name):
            return utf8_text, "utf-8"
        try:
            return body.decode(name), _DISPLAY_NAMES.get(name, name)
        except UnicodeDecodeError:
            continue  # the declaration lies; try the next signal
    if utf8_text is not None:
        return utf8_text, "utf-8"
    # A declared multi-byte encoding with a few broken bytes is still far closer than
    # a single-byte guess would be.
    for name in declared:
        if name != "utf-8":
            return body.decode(name, errors="replace"), _DISPLAY_NAMES.get(name, name)
    name = _fallback_encoding(body)
    # windows-1252 leaves five bytes undefined (browsers map them to C1 controls); the
    # other fallbacks' undefined bytes become U+FFFD.
    errors = "pressarchive-c1" if name == "cp1252" else "replace"
    return body.decode(name, errors=errors), _DISPLAY_NAMES.get(name, name)


# --------------------------------------------------------------------------- rules

# trafilatura's own parser settings, except that comments are kept, for the one kind that
# carries a publication date on purpose (see _METADATA_COMMENT). encoding="utf-8" makes our
# decoding authoritative over any <meta charset> or XML declaration inside the document.
_HTML_PARSER = lxml.html.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=False,
    remove_pis=True,
)
# Blogs (Movable Type, TypePad, goo) put an RDF trackback block in a comment, and its
# dc:date is often the page's only machine-readable date; htmldate reads it when it
# parses the page itself. Other comments are notes for developers: version-control $Id$
# lines, render times, edit notes, disabled markup. Keeping every comment changed the date
# of 5 of the 1,690 real pages in ../shared/realdata: to the right day on the one with an
# RDF block (blog.goo.ne.jp), to a day that is no publication date on the 4 others.
_METADATA_COMMENT = re.compile(r"<rdf:RDF\b|\bdc:date\s*=")


def _strip_comments(tree: Any, *, keep_metadata: bool) -> None:
    """Remove comments below the root in place, keeping the text that follows them: the
    tree is then what trafilatura's parser (remove_comments=True) builds. With keep_metadata,
    the RDF metadata blocks stay for htmldate."""
    if not keep_metadata:
        etree.strip_tags(tree, etree.Comment)
        return
    for comment in list(tree.iter(etree.Comment)):
        if not _METADATA_COMMENT.search(comment.text or ""):
            comment.drop_tree()


class _BadRule(ValueError):
    pass


_Compiled = tuple[tuple[etree.XPath, ...], tuple[re.Pattern, ...]]


def _compile_rules(rules: ExtractionRules) -> _Compiled:
    xpaths = []
    for expr in rules.drop_xpaths:
        try:
            xpaths.append(etree.XPath(expr))
        except etree.XPathError as exc:
            raise _BadRule(f"bad drop_xpath {expr!r}: {exc}") from None
    patterns = []
    for expr in rules.drop_lines:
        try:
            patterns.append(re.compile(expr))
        except re.error as exc:
            raise _BadRule(f"bad drop_lines regex {expr!r}: {exc}") from None
    return tuple(xpaths), tuple(patterns)


_compile_rules_cached = functools.lru_cache(maxsize=64)(_compile_rules)


def _compiled(rules: ExtractionRules) -> _Compiled:
    try:
        hash(rules)
    except TypeError:  # rules built by hand with lists: correct, just not cacheable
        return _compile_rules(rules)
    return _compile_rules_cached(rules)


# --------------------------------------------------------------------------- caches

# trafilatura, htmldate, courlan and justext memoise pure helpers in LRU caches that
# together grow to hundreds of MB over a long run (it looks like a leak). Clearing them
# changes no result, only speed, so every _RESET_EVERY extractions they are emptied.
_RESET_EVERY = 500
_calls = 0
_calls_lock = threading.Lock()


def _count_call() -> None:
    global _calls
    with _calls_lock:
        _calls += 1
        due = _calls % _RESET_EVERY == 0
    if due:
        trafilatura.meta.reset_caches()


# --------------------------------------------------------------------------- extraction

_WS = re.compile(r"\s+")
_BLANK_RUNS = re.compile(r"\n{3,}")
_WORDISH = re.compile(r"\w")
# Han, kana, Hangul and Thai are written without spaces between words: each such
# character counts as a word, or Chinese and Japanese articles would count as empty.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def count_words(text: str) -> int:
    unspaced = len(_UNSPACED.findall(text))
    spaced = sum(1 for token in _UNSPACED.sub(" ", text).split() if _WORDISH.search(token))
    return spaced + unspaced
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_LANG = re.compile(r"^([a-zA-Z]{2})(?:$|[-_])")
_VISIBLE_H1 = etree.XPath(
    "//h1[not(ancestor-or-self::*[@hidden or @aria-hidden='true'"
    " or contains(translate(@style, ' ', ''), 'display:none')]) and not(ancestor::template)]"
)


# Servers label anything text/html; these would otherwise be "extracted" as mojibake.
_MAGIC = (
    (b"%PDF-", "PDF"),
    (b"\x1f\x8b", "gzip"),
    (b"PK\x03\x04", "zip"),
    (b"\x89PNG", "PNG"),
    (b"GIF8", "GIF"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)


def _binary_kind(body: bytes) -> str:
    head = body[:8].lstrip()
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), "")


def _one_line(text: str, limit: int = 300) -> str:
    text = _WS.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text_of(element: Any) -> str:
    return _WS.sub(" ", element.text_content()).strip() if element is not None else ""


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


def _date_params(captured_at: str) -> dict[str, Any]:
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


def _published(
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


def _canonical(tree: Any, url: str) -> str:
    """The canonical link the page declares (else og:url), absolute; "" if none."""
    candidates = tree.xpath(
        "//link[@href and contains(concat(' ', translate(@rel, 'CANONIL', 'canonil'), ' '),"
        " ' canonical ')]/@href | //meta[@property='og:url' and @content]/@content"
    )
    for href in candidates:
        href = href.strip()
        if not href:
            continue
        try:
            absolute = urljoin(url, href)
            if urlsplit(absolute).scheme in ("http", "https"):
                return absolute
        except ValueError:
            continue
    return ""


def _language(tree: Any, fallback: str) -> str:
    values = tree.xpath("/html/@lang | /html/@xml:lang")
    values += tree.xpath(
        "//meta[translate(@http-equiv, 'CONTENTLAGU', 'contentlagu')='content-language']"
        "/@content | //meta[@property='og:locale']/@content"
    )
    for value in values:
        match = _LANG.match(value.strip())
        if match:
            return match.group(1).lower()
    return (fallback or "").strip().lower()[:2]


_JSONLD = etree.XPath("//script[@type='application/ld+json']/text()")


def _jsonld_objects(tree: Any) -> Iterator[dict[str, Any]]:
    for script in _JSONLD(tree):
        try:
            data = json.loads(script, strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))


def _organization_author(tree: Any) -> str:
    """The article's author when JSON-LD names only organisations, verbatim.

    trafilatura treats author strings as lists of people: it splits "TRTWorld and
    agencies" into "TRTWorld; Agencies". Right for "Jane Doe and John Roe", wrong for a
    credit line, which is kept as the publisher wrote it.
    """
    for item in _jsonld_objects(tree):
        kind = item.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        if "author" not in item or not any(
            isinstance(k, str) and (k.endswith("Article") or k == "BlogPosting") for k in kinds
        ):
            continue
        authors = item["author"] if isinstance(item["author"], list) else [item["author"]]
        names = [
            _WS.sub(" ", a["name"]).strip()
            for a in authors
            if isinstance(a, dict) and a.get("@type") == "Organization"
            and isinstance(a.get("name"), str) and a["name"].strip()
        ]
        return "; ".join(names) if names and len(names) == len(authors) else ""
    return ""


def _clean_text(text: str, patterns: tuple[re.Pattern, ...]) -> str:
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and any(p.fullmatch(stripped) for p in patterns):
            continue
        lines.append(line.rstrip())
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def _starts_with_marker(value: str, marker: str) -> bool:
    # "Page not found | Site" matches "page not found"; "Page not founders" does not.
    return value == marker or (
        value.startswith(marker) and not value[len(marker)].isalnum()
    )


def _is_soft404(titles: list[str], text: str, markers: tuple[str, ...], min_words: int) -> bool:
    markers_l = [_WS.sub(" ", m).strip().lower() for m in markers if m.strip()]
    if not markers_l:
        return False
    titles_l = [_WS.sub(" ", t).strip().lower() for t in titles if t]
    text_l = _WS.sub(" ", text).strip().lower()
    for marker in markers_l:
        if any(_starts_with_marker(t, marker) for t in titles_l):
            return True
        if text_l and _starts_with_marker(text_l, marker):
            return True
    # "Essentially only a marker": an error page wrapped in a few words of chrome.
    if any(m in text_l for m in markers_l):
        rest = text_l
        for marker in markers_l:
            rest = rest.replace(marker, " ")
        return len(rest.split()) < min_words
    return False


def extract_html(
    body: bytes | str,
    url: str,
    *,
    content_type: str = "",
    rules: ExtractionRules | None = None,
    options: ExtractionOptions = DEFAULT_OPTIONS,
    language: str = "",
    captured_at: str = "",
) -> ExtractionResult:
    """Extract one page. Never raises: failures come back as status "error".

    `language` is the source's configured language, used when the page declares none.
    `captured_at` (the WARC-Date, "YYYY-MM-DD..." ) bounds the publication date; pass it
    so that re-extraction on another day gives the same date (see _date_params).
    """
    try:
        return _extract(body, url, content_type, rules or ExtractionRules(), options, language,
                        captured_at)
    except _BadRule as exc:
        return ExtractionResult(status="error", url=url, error=str(exc))
    except Exception as exc:  # MemoryError and RecursionError from deep trees included
        return ExtractionResult(
            status="error", url=url, error=_one_line(f"{type(exc).__name__}: {exc}")
        )
    finally:
        _count_call()


def _extract(
    body: bytes | str,
    url: str,
    content_type: str,
    rules: ExtractionRules,
    options: ExtractionOptions,
    fallback_language: str,
    captured_at: str,
) -> ExtractionResult:
    size = len(body)  # characters for str input: close enough for a guard
    if size > options.max_html_bytes:
        return ExtractionResult(
            status="too_large", url=url,
            error=f"{size} bytes exceeds max_html_bytes={options.max_html_bytes}",
        )
    # Rules are checked before any work so a bad config fails on every page, not by luck.
    drop_xpaths, drop_lines = _compiled(rules)

    if isinstance(body, bytes):
        kind = _binary_kind(body)
        if kind:
            return ExtractionResult(status="empty", url=url, error=f"not HTML: {kind} data")
        html, encoding = decode_html(body, content_type)
    else:
        html, encoding = body, ""
    if not html.strip():
        return ExtractionResult(status="empty", url=url, encoding=encoding, error="empty body")

    # Parsed once here and handed to trafilatura as a tree: trafilatura copies it, and a
    # tree gives the same result as the serialized HTML without a second parse.
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"),
                                             parser=_HTML_PARSER)
    except (etree.ParserError, ValueError) as exc:
        return ExtractionResult(status="empty", url=url, encoding=encoding,
                                error=_one_line(f"not parseable as HTML: {exc}"))

    _strip_comments(tree, keep_metadata=True)
    for xpath in drop_xpaths:
        for element in xpath(tree):
            if isinstance(element, lxml.html.HtmlElement) and element.getparent() is not None:
                element.drop_tree()  # keeps the element's tail text, which is not its own

    page_title = _text_of(tree.find(".//title"))
    h1s = _VISIBLE_H1(tree)
    first_h1 = _text_of(h1s[0]) if h1s else ""
    canonical = _canonical(tree, url)
    language = _language(tree, fallback_language)

    date_params = _date_params(captured_at)
    # Metadata first, on the tree that still has its RDF metadata comments; this is the call
    # bare_extraction(with_metadata=True) would make, on a tree without them.
    metadata = trafilatura.extract_metadata(tree, default_url=url, date_config=date_params)
    title = _WS.sub(" ", metadata.title or "").strip()
    author = _organization_author(tree) or _WS.sub(" ", metadata.author or "").strip()
    published = _published(tree, html, (url, canonical), metadata.date, date_params)
    if metadata.language and (lang := _LANG.match(metadata.language)):
        language = lang.group(1).lower()

    _strip_comments(tree, keep_metadata=False)
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=options.favor_precision,
        include_comments=options.include_comments,
        include_tables=options.include_tables,
        deduplicate=options.deduplicate,
    )
    raw_text = (document.text or "") if document is not None else ""

    text = _clean_text(raw_text, drop_lines)
    # Tokens with a letter or digit: the "|" cell borders of rendered tables are not words.
    word_count = count_words(text)
    if _is_soft404([page_title, first_h1, title], text, rules.soft404_markers, options.min_words):
        status = "soft404"
    elif word_count < options.min_words:
        status = "empty"
    else:
        status = "ok"
    return ExtractionResult(
        status=status,
        url=url,
        title=title or page_title,
        author=author,
        published=published,
        language=language,
        canonical_url=canonical,
        text=text,
        word_count=word_count,
        encoding=encoding,
    )


_WARM_UP_PAGE = (
    b"<html lang='en'><head><title>Warm-up</title></head><body><article>"
    b"<p>Published 3 March 2015. " + b"A sentence of warm-up text for the extractor. " * 30
    + b"</p></article></body></html>"
)


_warmed_up = False


def warm_up() -> None:
    """Load now what trafilatura loads on first use, for worker processes to call before
    their first task; once per process (a worker forked from a warm process is warm).

    The expensive one: htmldate's fallback date parser (dateparser) builds its locale
    data on the first string it cannot parse, 2-4 s once per process. Paid inside a task,
    that would count against the task's timeout, so which page times out would depend
    on which page happened to be first.
    """
    global _warmed_up
    if _warmed_up:
        return
    _warmed_up = True
    try:
        from htmldate.extractors import get_external_parser

        get_external_parser().get_date_data("warm up 13 zzzz")
    except Exception:
        pass  # only a speed-up; a newer htmldate may have moved it
    extract_html(_WARM_UP_PAGE, "https://example.org/warm-up")


# A start or end tag of an HTML element, a comment, a doctype or an XML declaration.
# Only HTML's own element names count: a Markdown or text file that mentions a
# placeholder such as `<id>` or `<URL>` is still text, not a page.
_HTML_ELEMENTS = (
    "a|abbr|article|aside|b|base|blockquote|body|br|button|caption|code|dd|div|dl|dt|em|"
    "figcaption|figure|font|footer|form|h[1-6]|head|header|hr|html|i|iframe|img|input|"
    "label|li|link|main|meta|nav|noscript|ol|option|p|pre|script|section|select|small|"
    "span|strong|style|sub|sup|table|tbody|td|textarea|tfoot|th|thead|time|title|tr|u|ul"
)
_MARKUP = re.compile(rf"<(?:/?(?:{_HTML_ELEMENTS})[\s/>]|!--|!doctype|\?xml)", re.IGNORECASE)


def _is_plain_text(body: bytes) -> bool:
    """Whether a saved file is text without any markup at all.

    Only for files given to extract_file(): lxml wraps plain text in <html><body><p>
    and trafilatura extracts it as an article (a README came out "ok" with 2,914
    words). Pages the crawl fetched are not judged by this: what a server sent as HTML
    is extracted as HTML. Empty and binary files are left to extract_html ("empty")."""
    if not body.strip() or _binary_kind(body):
        return False
    text, _ = decode_html(body)
    return _MARKUP.search(text) is None


def extract_file(
    path: Path,
    *,
    url: str | None = None,
    rules: ExtractionRules | None = None,
    options: ExtractionOptions = DEFAULT_OPTIONS,
    language: str = "",
    captured_at: str = "",
) -> dict[str, Any]:
    """Extract a saved page (plain or .gz); never raises."""
    path = Path(path)
    if url is None:
        url = path.absolute().as_uri()
    limit = options.max_html_bytes
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                # One byte past the limit is enough to say "too large" without inflating
                # a gzip bomb into memory.
                body = handle.read(limit + 1)
        else:
            with path.open("rb") as handle:
                body = handle.read(limit + 1)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        # strerror: "No such file or directory", without the path repeated after it.
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        result = ExtractionResult(
            status="error", url=url, error=_one_line(f"cannot read {path}: {reason}")
        )
    else:
        if len(body) > limit:
            result = ExtractionResult(
                status="too_large", url=url,
                error=f"more than max_html_bytes={limit} bytes (uncompressed)",
            )
        elif _is_plain_text(body):
            result = ExtractionResult(status="not_html", url=url,
                                      error="not HTML: no markup at all (a text file?)")
        else:
            result = extract_html(body, url, rules=rules, options=options, language=language,
                                  captured_at=captured_at)
    return {"file": str(path), **result.to_dict()}
