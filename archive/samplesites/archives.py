"""Daily archive pages of a sample site: France 24's `/en/archives/YYYY/MM/DD-Month-YYYY`,
`/fr/archives/YYYY/MM/DD-mois-YYYY` and `/ar/أرشيف/YYYY/MM/DD-شهر-YYYY`, one page per
calendar day listing that day's stories (`ul.o-archive-day__list`), the dossier's best route
into the site's past, which `crawl --since` follows (`daily_archives` in sources.toml).

The month is named as the edition names it, from the site's own site.toml: `archive_months`
if the archive URLs spell months otherwise than the pages print them (France 24 Arabic
prints "تشرين الأول/أكتوبر", its archive URLs say أكتوبر), else `months`, else English. On
the wire the URL is percent-encoded UTF-8, as browsers send it (`15-d%C3%A9cembre-2014`);
the catalog lists it so. A request is matched on its decoded path: percent-encoded (upper
or lower case hex) or raw UTF-8 bytes alike, as a real server decodes them; the name must
be the site's to the letter (`Décembre`, `December` on /fr/ are the site's 404).

The real site renders a day from the date in its URL, and its month pages link every day
of the month; so every real calendar day answers here too, a day with no story with an
empty list. The catalog lists the days some story of the site (in this edition or an
earlier one) was published on; a wrong month name, or a day that does not exist, is the
site's 404.

The URL is built here by its own code, not by the crawler's (archive/dated_urls.py), so
that a mistake in one is not mirrored in the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from urllib.parse import quote, unquote, unquote_to_bytes, urlsplit

from archive.samplesites.dates import MONTHS
from archive.samplesites.model import SamplePage, SiteConfig
from archive.samplesites.render import Entry, SiteRenderer

_FIELDS = {"yyyy": r"(?P<y>\d{4})", "mm": r"(?P<m>\d{2})", "dd": r"(?P<d>\d{2})",
           "Month": r"[^/]+"}  # any name here; day_of() checks it is the site's
# What quote() leaves as it is in a URL: its delimiters and existing %-escapes.
_URL_SAFE = "/:?#[]@!$&'()*+,;=%~"
CACHE_DAYS = 512  # rendered day pages kept per site


def _decoded(path: str) -> str | None:
    """A request path (as on the wire) as text. http.server decodes the request line as
    Latin-1, so its characters are the bytes sent: raw UTF-8 from a client that does not
    percent-encode is read as UTF-8, as %-escapes are. None: not UTF-8 (no page here)."""
    try:
        return unquote_to_bytes(path.encode("latin-1")).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def story_day(entry: Entry) -> date:
    """The day a story was published, as the newsroom dated it (its URL says the same)."""
    return date.fromisoformat(entry.published[:10])


class DailyArchive:
    def __init__(
        self, cfg: SiteConfig, renderer: SiteRenderer, entries: Iterable[Entry],
        most_read: list[Entry], also_listed: Iterable[date] = (),
    ) -> None:
        """`entries`: the live stories; `also_listed`: days that stay in the catalog though
        no live story is left on them (a later edition took it down)."""
        if not cfg.archive_day:
            raise ValueError(f"{cfg.name}: no archive_day in site.toml")
        self.cfg, self._renderer, self._most_read = cfg, renderer, most_read
        self._by_day: dict[date, list[Entry]] = {}
        for entry in entries:
            self._by_day.setdefault(story_day(entry), []).append(entry)
        for stories in self._by_day.values():
            stories.sort(key=lambda e: e.published, reverse=True)
        self.days = sorted(set(self._by_day) | set(also_listed))
        self.months = cfg.archive_months or cfg.months or MONTHS
        self._pattern = re.compile(self._path_regex(unquote(urlsplit(cfg.archive_day).path)))
        self.body = lru_cache(maxsize=CACHE_DAYS)(self._render)

    @staticmethod
    def _path_regex(path: str) -> str:
        parts, seen = [], set()
        for piece in re.split(r"(\{[A-Za-z]+\})", path):
            name = piece[1:-1] if piece.startswith("{") else ""
            if name in _FIELDS:
                # A repeated field ({yyyy} twice) matches anything here; url() checks it.
                parts.append(r"[^/]+" if name in seen else _FIELDS[name])
                seen.add(name)
            else:
                parts.append(re.escape(piece))
        return "^" + "".join(parts) + "$"

    def url(self, day: date) -> str:
        """The day page's URL as it goes on the wire: non-ASCII percent-encoded (UTF-8)."""
        values = {"yyyy": f"{day.year:04d}", "mm": f"{day.month:02d}",
                  "dd": f"{day.day:02d}", "Month": self.months[day.month - 1]}
        filled = re.sub(r"\{([A-Za-z]+)\}", lambda m: values[m.group(1)], self.cfg.archive_day)
        return quote(filled, safe=_URL_SAFE)

    def day_of(self, path: str, query: str) -> date | None:
        """The day a request path asks for, or None if it is not a day page."""
        if query:
            return None
        decoded = _decoded(path)
        found = self._pattern.match(decoded) if decoded is not None else None
        if not found:
            return None
        try:
            day = date(int(found["y"]), int(found["m"]), int(found["d"]))
        except ValueError:  # 2015/02/30
            return None
        return day if unquote(urlsplit(self.url(day)).path) == decoded else None

    def title(self, day: date) -> str:
        return f"{day.day} {self.months[day.month - 1]} {day.year}"

    def page(self, day: date) -> SamplePage:
        return SamplePage(self.cfg.name, self.url(day), "archive", 200,
                          self._renderer.archive_title(self.title(day)))

    def stories(self, day: date) -> list[Entry]:
        return list(self._by_day.get(day, ()))

    def _render(self, day: date) -> bytes:
        """The day page's HTML (`body(day)`, cached)."""
        html = self._renderer.archive_day_page(
            url=self.url(day), day_title=self.title(day), entries=self.stories(day),
            most_read=self._most_read)
        return html.encode("utf-8")
