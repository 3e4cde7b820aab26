"""Source definitions loaded from settings/sources.toml."""

from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from archive.dated_urls import check_template, expand
from archive.errors import ConfigError
from archive.listed_dates import check_format
from archive.settings_files import settings_file
from archive.state import DEFAULT_RECHECK_AFTER, parse_duration

DEFAULT_SOURCES_FILE = settings_file("sources.toml")


@dataclass(frozen=True)
class ExtractionRules:
    """Site-specific cleanup applied around trafilatura, and where the date is printed."""

    drop_xpaths: tuple[str, ...] = ()
    drop_lines: tuple[str, ...] = ()
    soft404_markers: tuple[str, ...] = ()
    # Where the page prints its publication date; read before drop_xpaths apply (the
    # date line is often chrome the text must lose) and preferred to every other date.
    date_xpaths: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    language: str
    hosts: tuple[str, ...]
    # Path prefixes ("/fr/") this source owns on its hosts, for editions that share a host
    # (France 24's /en/, /fr/ and /ar/); empty: all of it that no other source claims.
    paths: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    listing_patterns: tuple[str, ...] = ()
    max_listing_pages: int = 5
    # What each listed item's date is and how it is printed: a back-fill (crawl --since)
    # stops walking back through a listing once every date on a page is older.
    listing_date_xpath: str = ""
    listing_date_formats: tuple[str, ...] = ()
    # URL templates with date placeholders ({yyyy}, {mm}, {dd}, {Month} ...): with
    # crawl --since, one archive page (HTML) / one sitemap per day of the window.
    daily_archives: tuple[str, ...] = ()
    # Where a dated archive page lists the day's stories ("": the whole page): its
    # sidebars ("most read") link other days' stories, which a window must not take in.
    daily_archive_xpath: str = ""
    daily_sitemaps: tuple[str, ...] = ()
    article_patterns: tuple[str, ...] = ()
    exclude_patterns: tuple[str, ...] = ()
    extraction: ExtractionRules = field(default_factory=ExtractionRules)
    # Ages after first sight at which an article page is rechecked, then never.
    recheck_after: tuple[str, ...] = DEFAULT_RECHECK_AFTER
    # Not configured: the paths other sources of the file claim on these hosts
    # (load_sources), so that owns() needs no other source and agrees with
    # source_for_url() wherever it is asked (the crawl files a capture as a rebuild does).
    paths_elsewhere: tuple[str, ...] = ()
    # An article off the lexicon's topic (archive/relevance.py): "index" it like any
    # other (its relevance marks it), or "archive" it only (WARC and capture row, and a
    # non_articles row with status "irrelevant"). Decided here, not by crawl --focus, so
    # that reextract, which knows no crawl's flags, rebuilds the same index.
    irrelevant: str = "index"

    @property
    def recheck_schedule(self) -> tuple[timedelta, ...]:
        return tuple(parse_duration(age) for age in self.recheck_after)

    @property
    def start_urls(self) -> tuple[str, ...]:
        return self.feeds + self.sitemaps + self.sections

    def is_article(self, url: str) -> bool:
        if any(re.search(p, url) for p in self.exclude_patterns):
            return False
        return any(re.search(p, url) for p in self.article_patterns)

    def is_listing(self, url: str) -> bool:
        return url in self.sections or any(re.search(p, url) for p in self.listing_patterns)

    def owns(self, url: str) -> bool:
        split = urlsplit(url)
        if (split.hostname or "").lower() not in self.hosts:
            return False
        mine = _longest_prefix(split.path, self.paths)
        if self.paths and mine == 0:
            return False
        return mine >= _longest_prefix(split.path, self.paths_elsewhere)


def _longest_prefix(path: str, prefixes: tuple[str, ...]) -> int:
    """Length of the longest of prefixes (each "/.../") that path is under; 0 if none.
    "/fr" is under "/fr/", "/free" is not."""
    folder = path if path.endswith("/") else path + "/"
    return max((len(p) for p in prefixes if folder.startswith(p)), default=0)


# ------------------------------------------------------------------ validation
#
# Everything in a sources file is checked when it loads, so a typo stops the run at
# once with the file, the source and the field named, instead of failing page by
# page later in the crawl (or only on the pages that reach the bad rule).


class _Invalid(ValueError):
    """One field's problem, already phrased for the user (without the where)."""


def _shown(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _string(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(f"{field_name} must be a non-empty string, got {_shown(value)}")
    return value


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def _name(value: Any, field_name: str) -> str:
    # The name is a spider name and a command-line argument: no spaces or punctuation.
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise _Invalid(f"{field_name} must be letters, digits, '-' or '_' "
                       f"(e.g. \"trtworld\"), got {_shown(value)}")
    return value


_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*")


def _language(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or not _LANGUAGE.fullmatch(value):
        raise _Invalid(f"{field_name} must be an ISO 639-1 code such as \"en\", "
                       f"got {_shown(value)}")
    return value


_LABEL = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
_HOST = re.compile(rf"(?=.{{1,253}}\Z){_LABEL}(\.{_LABEL})*")


def _host(value: Any, field_name: str) -> str:
    # Compared with the lower-cased host of each URL: a scheme, port or path never matches.
    if not isinstance(value, str) or not _HOST.fullmatch(value):
        raise _Invalid(f"{field_name} must be a lower-case host name such as "
                       f"\"www.example.org\" (no scheme, port or path), got {_shown(value)}")
    return value


def _path_prefix(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or not value.startswith("/") or not value.endswith("/"):
        raise _Invalid(f"{field_name} must be a URL path beginning and ending with '/' "
                       f"(e.g. \"/fr/\"), got {_shown(value)}")
    return value


def _http_url(value: Any, field_name: str) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname
            or any(c.isspace() for c in value)):
        raise _Invalid(f"{field_name} must be an http(s) URL, got {_shown(value)}")
    return value


def _regex(value: Any, field_name: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"{field_name} must be a regex string, got {_shown(value)}")
    try:
        re.compile(value)
    except re.error as exc:
        raise _Invalid(f"bad regex in {field_name}: {value!r} ({exc})") from None
    return value


# A tiny page to evaluate each XPath once: unknown functions and namespace prefixes
# only fail when evaluated, and an expression that gives a number or a string instead
# of elements (count(//p)) would break every page's cleanup.
_XPATH_PROBE = lxml.html.document_fromstring("<html><body><p>probe</p></body></html>")


def _xpath(value: Any, field_name: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"{field_name} must be an XPath string, got {_shown(value)}")
    try:
        found = etree.XPath(value)(_XPATH_PROBE)
    except etree.XPathError as exc:
        raise _Invalid(f"bad XPath in {field_name}: {value!r} ({exc})") from None
    if not isinstance(found, list):
        raise _Invalid(f"{field_name}: {value!r} must select elements, "
                       f"not give a {type(found).__name__}")
    return value


def _duration(value: Any, field_name: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"{field_name} must be a duration string such as \"6h\", "
                       f"got {_shown(value)}")
    try:
        parse_duration(value)
    except ConfigError as exc:
        raise _Invalid(f"{field_name}: {exc}") from None
    return value


def _date_format(value: Any, field_name: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"{field_name} must be a date format string such as \"%d/%m/%Y\", "
                       f"got {_shown(value)}")
    try:
        check_format(value)
    except ValueError as exc:
        raise _Invalid(f"{field_name}: {exc}") from None
    return value


# As archive/extract/task.py IRRELEVANT_POLICIES (not imported: that module brings
# trafilatura, and every command loads the sources).
IRRELEVANT_POLICIES = ("index", "archive")


def _irrelevant(value: Any, field_name: str) -> str:
    if value not in IRRELEVANT_POLICIES:
        raise _Invalid(f"{field_name} must be \"index\" (index articles off the topic "
                       f"too) or \"archive\" (archive them only), got {_shown(value)}")
    return value


def _page_count(value: Any, field_name: str) -> int:
    # bool is an int in Python; `true` is not a number of pages.
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Invalid(f"{field_name} must be a whole number >= 0, got {_shown(value)}")
    return value


_Check = Callable[[Any, str], Any]


def _list_of(check: _Check, *, non_empty: bool = False) -> _Check:
    def check_list(value: Any, field_name: str) -> tuple:
        if not isinstance(value, list):
            raise _Invalid(f"{field_name} must be a list, got {_shown(value)}")
        if non_empty and not value:
            raise _Invalid(f"{field_name} must not be empty")
        return tuple(check(item, f"{field_name}[{i}]") for i, item in enumerate(value))
    return check_list


_SOURCE_FIELDS: dict[str, _Check] = {
    "name": _name,
    "title": _string,
    "language": _language,
    "hosts": _list_of(_host, non_empty=True),
    "paths": _list_of(_path_prefix),
    "feeds": _list_of(_http_url),
    "sitemaps": _list_of(_http_url),
    "sections": _list_of(_http_url),
    "listing_patterns": _list_of(_regex),
    "max_listing_pages": _page_count,
    "listing_date_xpath": _xpath,
    "listing_date_formats": _list_of(_date_format),
    "daily_archives": _list_of(_string),
    "daily_archive_xpath": _xpath,
    "daily_sitemaps": _list_of(_string),
    "article_patterns": _list_of(_regex),
    "exclude_patterns": _list_of(_regex),
    "recheck_after": _list_of(_duration),
    "irrelevant": _irrelevant,
}
_REQUIRED = ("name", "title", "language", "hosts")
_EXTRACTION_FIELDS: dict[str, _Check] = {
    "drop_xpaths": _list_of(_xpath),
    "drop_lines": _list_of(_regex),
    "soft404_markers": _list_of(_string),
    "date_xpaths": _list_of(_xpath),
}


def _unknown(table: dict, known: Iterable[str], what: str) -> None:
    unknown = set(table) - set(known)
    if unknown:
        raise _Invalid(f"unknown {what}(s) {', '.join(sorted(unknown))} "
                       f"(known: {', '.join(known)})")


def _extraction_rules(rules: Any) -> ExtractionRules:
    if not isinstance(rules, dict):
        raise _Invalid(f"extraction must be a [source.extraction] table, got {_shown(rules)}")
    _unknown(rules, _EXTRACTION_FIELDS, "extraction field")
    return ExtractionRules(**{key: _EXTRACTION_FIELDS[key](value, f"extraction.{key}")
                              for key, value in rules.items()})


# A template is expanded for one day at load, to check that it makes an http(s) URL.
_PROBE_DAY = date(2015, 11, 27)


def _check_together(values: dict[str, Any]) -> None:
    """The checks that need two fields: the language for month names, the date XPath
    with its formats."""
    for key in ("daily_archives", "daily_sitemaps"):
        for i, template in enumerate(values.get(key, ())):
            try:
                check_template(template, values["language"])
            except ValueError as exc:
                raise _Invalid(f"{key}[{i}]: {exc}") from None
            try:
                _http_url(expand(template, _PROBE_DAY, values["language"]), "")
            except _Invalid:
                raise _Invalid(f"{key}[{i}] must be an http(s) URL with date placeholders, "
                               f"got {_shown(template)}") from None
    if bool(values.get("listing_date_xpath")) != bool(values.get("listing_date_formats")):
        raise _Invalid("listing_date_xpath and listing_date_formats go together: the dates "
                       "a listing shows and how they are printed")


def _where(path: Path, number: int, table: Any) -> str:
    name = table.get("name") if isinstance(table, dict) else None
    named = f" {name!r}" if isinstance(name, str) and _NAME.fullmatch(name) else ""
    return f"{path}: [[source]] #{number}{named}"


def _source_from_table(table: Any, where: str) -> Source:
    try:
        if not isinstance(table, dict):
            raise _Invalid(f"must be a table of fields, got {_shown(table)}")
        missing = [key for key in _REQUIRED if key not in table]
        if missing:
            raise _Invalid(f"missing {', '.join(missing)}")
        _unknown(table, [*_SOURCE_FIELDS, "extraction"], "field")
        values = {key: check(table[key], key) for key, check in _SOURCE_FIELDS.items()
                  if key in table}
        _check_together(values)
        values["extraction"] = _extraction_rules(table.get("extraction", {}))
    except _Invalid as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return Source(**values)


def _read_text(path: Path) -> str:
    """The file as text; every way it can be unreadable is one ConfigError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"sources file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(f"sources file {path} is a directory, not a file") from None
    except OSError as exc:
        raise ConfigError(f"cannot read sources file {path}: {exc.strerror or exc}") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ConfigError(f"{path}: the file is UTF-16; save it as UTF-8")
    if b"\0" in data:
        raise ConfigError(f"{path}: not a text file (it holds NUL bytes); "
                          "a sources file is UTF-8 TOML")
    try:
        # A UTF-8 byte order mark (some Windows editors write one) is not an error.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{path}: not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); "
                          "save it as UTF-8") from None


def load_sources(path: str | Path | None = None) -> dict[str, Source]:
    """Read and check every [[source]] block; raises ConfigError naming the file, the
    source and the field."""
    path = Path(path) if path else DEFAULT_SOURCES_FILE
    try:
        data = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    extra = sorted(set(data) - {"source"})
    if extra:
        raise ConfigError(f"{path}: unknown top-level key(s) {', '.join(extra)}; "
                          "each source is a [[source]] block")
    tables = data.get("source", [])
    if not isinstance(tables, list):
        raise ConfigError(f"{path}: source must be [[source]] blocks, got {_shown(tables)}")
    sources: dict[str, Source] = {}
    for i, table in enumerate(tables):
        source = _source_from_table(table, _where(path, i + 1, table))
        if source.name in sources:
            raise ConfigError(f"{path}: source {source.name!r} is defined twice")
        sources[source.name] = source
    if not sources:
        raise ConfigError(f"{path}: no [[source]] blocks")
    return _with_shared_hosts(sources, path)


def _with_shared_hosts(sources: dict[str, Source], path: Path) -> dict[str, Source]:
    """Each source with the paths the others claim on its hosts; two sources may share a
    host only if at most one of them claims it all and no path is claimed twice."""
    result = {}
    for source in sources.values():
        others = [o for o in sources.values()
                  if o is not source and set(o.hosts) & set(source.hosts)]
        if not others:
            result[source.name] = source
            continue
        shared = ", ".join(sorted(set().union(*(set(o.hosts) for o in others))
                                  & set(source.hosts)))
        for other in others:
            if not source.paths and not other.paths:
                raise ConfigError(
                    f"{path}: sources {source.name!r} and {other.name!r} share {shared} and "
                    "neither names its paths; give each edition its paths (\"/fr/\")")
            both = set(source.paths) & set(other.paths)
            if both:
                raise ConfigError(f"{path}: sources {source.name!r} and {other.name!r} both "
                                  f"claim {', '.join(sorted(both))} on {shared}")
        elsewhere = tuple(sorted({p for o in others for p in o.paths}))
        result[source.name] = replace(source, paths_elsewhere=elsewhere)
    return result


def source_for_url(url: str, sources: dict[str, Source]) -> Source | None:
    for source in sources.values():
        if source.owns(url):
            return source
    return None
