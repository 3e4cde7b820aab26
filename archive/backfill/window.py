"""The window of a back-fill: `pressarchive crawl --since DATE [--until DATE]`, or the
PRESSARCHIVE_SINCE / PRESSARCHIVE_UNTIL settings of `scrapy crawl`.

With a window the crawl reaches into the sites' own past: section listings are followed
back until their items are older than `since`, sitemap indexes skip child sitemaps (and
sitemaps skip URLs) older than `since`, and each dated archive page or sitemap the source
configures is fetched for every day from `since` to `until`. Without one the crawl is the
scheduled crawl of what is new.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_W3C_DAY = re.compile(r"\s*(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Window:
    since: date
    until: date  # the last day dated pages are fetched for

    def older(self, day: date) -> bool:
        return day < self.since

    def published_before(self, published: str) -> bool:
        """True if a sitemap's lastmod or news:publication_date (W3C datetime) is a day
        before `since`; a missing or unreadable date is never "before": the entry is kept."""
        found = _W3C_DAY.match(published or "")
        if not found:
            return False
        try:
            return date.fromisoformat(found.group(1)) < self.since
        except ValueError:
            return False


def parse_day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None


def make_window(since: str, until: str, today: date, *,
                names: tuple[str, str] = ("--since", "--until")) -> Window | None:
    """The window the two values give (None without `since`); ValueError, naming the
    option or setting (`names`), for a value that is not a day or a window that is not one.
    The window ends at `until`, or today, whichever is earlier: no site has pages dated
    after today."""
    since_name, until_name = names
    if not since.strip():
        if until.strip():
            raise ValueError(f"{until_name} needs {since_name}")
        return None
    first = parse_day(since, since_name)
    if first > today:
        raise ValueError(f"{since_name} {first} is after today ({today})")
    last = parse_day(until, until_name) if until.strip() else today
    if last < first:
        raise ValueError(f"{until_name} {last} is before {since_name} {first}")
    return Window(first, min(last, today))
