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


EASTERN_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def display(value: str, fmt: str, tz: str, *, months: tuple[str, ...] = (),
            months_short: tuple[str, ...] = (), am_pm: tuple[str, str] = ("AM", "PM"),
            digits: str = "latin") -> str:
    """strftime with the site's month names (English by default) and AM/PM marks whatever
    the locale, in Latin or Eastern Arabic digits."""
    moment = to_datetime(value, tz)
    month = (months or MONTHS)[moment.month - 1]
    short = months_short[moment.month - 1] if months_short else month[:3]
    # Names go in after strftime: a name holding "%" or a digit must stay as written.
    names = {"\ue000B": month, "\ue000b": short, "\ue000p": am_pm[0 if moment.hour < 12 else 1]}
    shown = moment.strftime(fmt.replace("%B", "\ue000B").replace("%b", "\ue000b")
                            .replace("%p", "\ue000p"))
    if digits == "eastern":
        shown = shown.translate(EASTERN_ARABIC_DIGITS)
    for mark, name in names.items():
        shown = shown.replace(mark, name)
    return shown


def rfc822(value: str, tz: str) -> str:
    return format_datetime(to_datetime(value, tz))


def w3c(value: str, tz: str) -> str:
    """Sitemap date: kept bare when the story only ever had a date."""
    return value if not has_time(value) else to_datetime(value, tz).isoformat()
