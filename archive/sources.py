"""Source definitions loaded from settings/sources.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from archive.errors import ConfigError
from archive.state import DEFAULT_RECHECK_AFTER, parse_duration

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCES_FILE = PROJECT_ROOT / "settings" / "sources.toml"


@dataclass(frozen=True)
class ExtractionRules:
    """Site-specific cleanup applied around trafilatura."""

    drop_xpaths: tuple[str, ...] = ()
    drop_lines: tuple[str, ...] = ()
    soft404_markers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    language: str
    hosts: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    listing_patterns: tuple[str, ...] = ()
    max_listing_pages: int = 5
    article_patterns: tuple[str, ...] = ()
    exclude_patterns: tuple[str, ...] = ()
    extraction: ExtractionRules = field(default_factory=ExtractionRules)
    # Ages after first sight at which an article page is rechecked, then never.
    recheck_after: tuple[str, ...] = DEFAULT_RECHECK_AFTER

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
        host = (urlsplit(url).hostname or "").lower()
        return host in self.hosts


_LIST_FIELDS = (
    "hosts", "feeds", "sitemaps", "sections", "listing_patterns",
    "article_patterns", "exclude_patterns", "recheck_after",
)
_REGEX_FIELDS = ("listing_patterns", "article_patterns", "exclude_patterns")


def _source_from_table(table: dict, where: str) -> Source:
    missing = [k for k in ("name", "title", "language", "hosts") if k not in table]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}")
    known = {f for f in Source.__dataclass_fields__}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    values = dict(table)
    for key in _LIST_FIELDS:
        if key in values:
            if not isinstance(values[key], list):
                raise ConfigError(f"{where}: {key} must be a list")
            values[key] = tuple(values[key])
    for key in _REGEX_FIELDS:
        for pattern in values.get(key, ()):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"{where}: bad regex in {key}: {pattern!r} ({exc})") from exc
    for age in values.get("recheck_after", ()):
        try:
            parse_duration(age)
        except ConfigError as exc:
            raise ConfigError(f"{where}: recheck_after: {exc}") from exc
    rules = values.pop("extraction", {}) or {}
    unknown_rules = set(rules) - set(ExtractionRules.__dataclass_fields__)
    if unknown_rules:
        names = ", ".join(sorted(unknown_rules))
        raise ConfigError(f"{where}: unknown extraction field(s) {names}")
    for pattern in rules.get("drop_lines", ()):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{where}: bad regex in drop_lines: {pattern!r} ({exc})") from exc
    values["extraction"] = ExtractionRules(**{k: tuple(v) for k, v in rules.items()})
    return Source(**values)


def load_sources(path: str | Path | None = None) -> dict[str, Source]:
    """Read every [[source]] block; raises ConfigError with the file and block named."""
    path = Path(path) if path else DEFAULT_SOURCES_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"sources file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    sources: dict[str, Source] = {}
    for i, table in enumerate(data.get("source", [])):
        source = _source_from_table(table, f"{path} [[source]] #{i + 1}")
        if source.name in sources:
            raise ConfigError(f"{path}: source {source.name!r} is defined twice")
        sources[source.name] = source
    if not sources:
        raise ConfigError(f"{path}: no [[source]] blocks")
    return sources


def source_for_url(url: str, sources: dict[str, Source]) -> Source | None:
    for source in sources.values():
        if source.owns(url):
            return source
    return None
