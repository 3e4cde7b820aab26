"""Retry-After (RFC 9110 10.2.3), read once for the crawl's Scrapy middleware and the
back-fills' own fetcher: how long a server asked to be left alone."""

from __future__ import annotations

import email.utils
import time


def retry_after_seconds(value: str, now: float | None = None) -> float | None:
    """Seconds a Retry-After value asks for (delay-seconds or an HTTP-date); None when it
    is neither."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))
