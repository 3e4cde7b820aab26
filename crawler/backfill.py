"""What a back-fill (`crawl --since DATE`) changes in a source spider's discovery: when
to stop walking back through a listing, which sitemap entries to skip, and the dated
archive pages and sitemaps to fetch (archive/backfill/window.py has the window itself).

Without PRESSARCHIVE_SINCE none of this runs and the spider follows `max_listing_pages`
pages of each listing, as a scheduled crawl always has.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from archive.backfill.window import Window, make_window
from archive.listed_dates import parse_listed_date
from archive.sources import Source

logger = logging.getLogger(__name__)

SINCE_SETTING = "PRESSARCHIVE_SINCE"
UNTIL_SETTING = "PRESSARCHIVE_UNTIL"
MAX_PAGES_SETTING = "PRESSARCHIVE_SINCE_MAX_LISTING_PAGES"


def window_from_settings(settings: Any, today: date) -> Window | None:
    """The back-fill window the settings ask for; ValueError naming the setting."""
    return make_window(settings.get(SINCE_SETTING) or "", settings.get(UNTIL_SETTING) or "",
                       today, names=(SINCE_SETTING, UNTIL_SETTING))


def listed_dates(response: Any, source: Source, today: date) -> list[date]:
    """The dates the listing page shows beside its items, as the source prints them."""
    if not source.listing_date_xpath:
        return []
    found = []
    for node in response.xpath(source.listing_date_xpath):
        text = node.xpath("string(.)").get() or ""
        day = parse_listed_date(text, source.listing_date_formats, source.language, today)
        if day is not None:
            found.append(day)
    return found


@dataclass
class ListingWalk:
    """Whether a listing page's "next page" links are followed during a back-fill.

    A page with dates is followed while one of its items is on or after `since`; a page
    with no readable date (the source configures none, or its markup changed) only up to
    the source's `max_listing_pages`; and never past `hard_cap` pages, whatever the
    dates say, so a listing that paginates for ever (or repeats its newest items on every
    page) ends."""

    window: Window
    hard_cap: int

    def stop_reason(self, page: int, dates: list[date], max_listing_pages: int) -> str:
        """Why page `page`, showing `dates`, leads no further (a stats key); "" if its
        next page is followed."""
        if page >= self.hard_cap:
            return "listing_hard_cap"
        if not dates:
            return "" if page < max_listing_pages else "listing_undated_cap"
        if all(self.window.older(day) for day in dates):
            return "listing_reached_since"
        return ""


def log_stop(source: Source, url: str, page: int, reason: str, cap: int) -> None:
    if reason == "listing_hard_cap":
        # The back-fill may not have reached its day: worth a line in a scheduled run's mail.
        logger.warning("%s: stopped following the listing at %s, page %d (%s = %d), before "
                       "its items were older than the back-fill's first day", source.name,
                       url, page, MAX_PAGES_SETTING, cap)
    elif reason == "listing_undated_cap":
        logger.info("%s: %s shows no date that listing_date_xpath and listing_date_formats "
                    "can read; the listing was followed to max_listing_pages (%d)",
                    source.name, url, source.max_listing_pages)
