"""Date helpers: pages print dates in each site's own style, feeds and sitemaps in standard ones.

Month names are spelled out here rather than taken from strftime so that the output does not
depend on the machine's locale.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def parse_tz(offset: str) -> timezone:
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = offset.lstrip("+-").split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def to_datetime(value: str, tz: str) -> datetime:
    """An aware datetime; a bare date is taken as midnight in the newsroom's zone."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=parse_tz(tz))


def has_time(value: str) -> bool:
    return "T" in value


def display(value: str, fmt: str, tz: str) -> str:
    """strftime with English month names and AM/PM whatever the locale."""
    moment = to_datetime(value, tz)
    month = MONTHS[moment.month - 1]
    fmt = (
        fmt.replace("%B", month)
        .replace("%b", month[:3])
        .replace("%p", "AM" if moment.hour < 12 else "PM")
    )
    return moment.strftime(fmt)


def rfc822(value: str, tz: str) -> str:
    return format_datetime(to_datetime(value, tz))


def w3c(value: str, tz: str) -> str:
    """Sitemap date: kept bare when the story only ever had a date."""
    return value if not has_time(value) else to_datetime(value, tz).isoformat()
