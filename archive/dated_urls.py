"""URLs with date placeholders: the dated archive pages and sitemaps a source configures
(`daily_archives`, `daily_sitemaps` in sources.toml), one URL per day of a back-fill window.

Sites name their dated pages in their own language: France 24 writes
`/en/archives/2021/10/29-October-2021`, `/fr/archives/2021/11/15-novembre-2021` and
`/ar/أرشيف/2022/01/26-يناير-2022`; Al Jazeera `/sitemap.xml?yyyy=2021&mm=10&dd=29`. The
month names are spelled out here, not taken from the machine's locale, so a URL never
depends on where the crawl runs. They stay text here (février, يناير): Scrapy percent-encodes
a request's URL as UTF-8 (`15-f%C3%A9vrier-2021`), which is how browsers send it and the
sites' own links write it; `{month}` keeps French accents, and lower-casing leaves Arabic
as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

# As each site writes them (France 24's archive URLs of the four editions). A language
# missing here cannot use {Month} / {month}: its source gets one clear error at load.
MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
    "ar": ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس",
           "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"),
}

# Placeholder -> what it becomes for a day, and the description the docs and errors give.
PLACEHOLDERS: dict[str, str] = {
    "yyyy": "year, four digits",
    "mm": "month, two digits",
    "dd": "day of the month, two digits",
    "m": "month without a leading zero",
    "d": "day without a leading zero",
    "Month": "month name in the source's language, capitalised (October)",
    "month": "month name in the source's language, lower case (novembre)",
}
_NAMED = ("Month", "month")
_BRACES = re.compile(r"\{([^{}]*)\}")


def _language_key(language: str) -> str:
    return language.split("-", 1)[0].lower()


def month_name(month: int, language: str) -> str:
    return MONTH_NAMES[_language_key(language)][month - 1]


def check_template(template: str, language: str) -> None:
    """Raise ValueError, phrased for the user, unless every placeholder is known, the
    braces balance and at least one placeholder changes with the date."""
    names = _BRACES.findall(template)
    unknown = [name for name in names if name not in PLACEHOLDERS]
    if unknown:
        known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        raise ValueError(f"unknown placeholder {{{unknown[0]}}} in {template!r} (known: {known})")
    if "{" in _BRACES.sub("", template) or "}" in _BRACES.sub("", template):
        raise ValueError(f"unbalanced brace in {template!r}")
    if not names:
        # The same URL for every day of the window: a plain sitemap or section instead.
        raise ValueError(f"{template!r} has no date placeholder such as {{yyyy}}")
    if any(name in _NAMED for name in names) and _language_key(language) not in MONTH_NAMES:
        raise ValueError(f"{template!r} uses a month name, but there are none for language "
                         f"{language!r} (there are for {', '.join(MONTH_NAMES)})")


def expand(template: str, day: date, language: str) -> str:
    """The template for one day (checked with check_template first)."""
    values = {
        "yyyy": f"{day.year:04d}", "mm": f"{day.month:02d}", "dd": f"{day.day:02d}",
        "m": str(day.month), "d": str(day.day),
    }
    if any(name in _NAMED for name in _BRACES.findall(template)):
        name = month_name(day.month, language)
        values["Month"], values["month"] = name[:1].upper() + name[1:], name.lower()
    return _BRACES.sub(lambda match: values[match.group(1)], template)


def days_back(since: date, until: date) -> Iterator[date]:
    """Every day from `until` back to `since`, newest first: a back-fill stopped early has
    the most recent part of its window, as a listing walked back would."""
    day = until
    while day >= since:
        yield day
        day -= timedelta(days=1)


def dated_urls(templates: Iterable[str], since: date, until: date,
               language: str) -> Iterator[str]:
    """Each template's URL for every day of the window, each URL once: a template without
    a day placeholder (a monthly sitemap, contents_{yyyy}{mm}.xml) gives one URL a month."""
    templates = tuple(templates)
    seen: set[str] = set()
    for day in days_back(since, until):
        for template in templates:
            url = expand(template, day, language)
            if url not in seen:
                seen.add(url)
                yield url
