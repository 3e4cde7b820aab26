"""Polite HTTP for back-fills from services others pay for (Common Crawl's index and data
servers): one request at a time, a pause between requests, Retry-After obeyed, and
ranges only: a server that answers a Range request with the whole file is refused
before its body is read.

Common Crawl asks its users to go slowly: its index server is one shared machine, and
in late 2023 it answered bursts with 503s and blocked addresses for a while. A back-fill
of a few sources needs a few hundred index pages and records, so going one at a time
with a second between costs minutes, not hours.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

from archive.retry_after import retry_after_seconds

log = logging.getLogger(__name__)

DEFAULT_DELAY = 1.0
DEFAULT_RETRIES = 4
# A Retry-After longer than this is not waited for: the fetch fails (and says why).
MAX_WAIT = 600.0
HTTP_TIMEOUT = 60.0
# Answers the server may give again a moment later.
_RETRIED = frozenset({429, 500, 502, 503, 504})


class FetchError(Exception):
    """A request that failed for good (after its retries): one line saying why."""


@dataclass(frozen=True)
class Fetched:
    status: int
    body: bytes
    headers: Message


def retry_after(headers: Message | None, now: float) -> float | None:
    """Seconds a Retry-After header asks for (a number or an HTTP date), or None."""
    value = headers.get("Retry-After", "") if headers is not None else ""
    return retry_after_seconds(value, now) if value.strip() else None


class PoliteFetcher:
    """GETs one at a time, at least ``delay`` seconds apart (from the end of one to the
    start of the next); 429 and 5xx answers and network errors are retried up to
    ``retries`` times, after the Retry-After the server asked for, else after a backoff
    doubling from ``max(delay, 1)`` seconds."""

    def __init__(self, user_agent: str, *, delay: float = DEFAULT_DELAY,
                 retries: int = DEFAULT_RETRIES, timeout: float = HTTP_TIMEOUT,
                 max_wait: float = MAX_WAIT,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.user_agent = user_agent
        self.delay = delay
        self.retries = retries
        self.timeout = timeout
        self.max_wait = max_wait
        self.sleep = sleep
        self.requests = 0
        self.waited = 0.0  # seconds spent obeying Retry-After and backing off
        self._last_end: float | None = None

    def _wait_turn(self) -> None:
        if self._last_end is not None:
            pause = self._last_end + self.delay - time.monotonic()
            if pause > 0:
                self.sleep(pause)

    def get(self, url: str, *, byte_range: tuple[int, int] | None = None) -> Fetched:
        """The answer to a GET of ``url`` (with ``byte_range``, first and last byte
        inclusive: a 206 of exactly those bytes, else FetchError). FetchError for
        an answer that is not 2xx after the retries, or no answer."""
        headers = {"User-Agent": self.user_agent}
        if byte_range is not None:
            headers["Range"] = f"bytes={byte_range[0]}-{byte_range[1]}"
        backoff = max(self.delay, 1.0)
        for attempt in range(self.retries + 1):
            self._wait_turn()
            self.requests += 1
            try:
                return self._get_once(url, headers, byte_range)
            except urllib.error.HTTPError as exc:
                if exc.code not in _RETRIED or attempt == self.retries:
                    raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
                asked = retry_after(exc.headers, time.time())
                problem = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                if attempt == self.retries:
                    raise FetchError(f"{url}: {getattr(exc, 'reason', exc)}") from None
                asked, problem = None, str(getattr(exc, "reason", exc))
            finally:
                self._last_end = time.monotonic()
            wait = asked if asked is not None else backoff
            if wait > self.max_wait:
                raise FetchError(f"{url}: {problem}, and the server asks to wait {wait:.0f} s "
                                 f"(more than {self.max_wait:.0f} s): try again later")
            log.warning("%s: %s; trying again in %.1f s", url, problem, wait)
            self.sleep(wait)
            self.waited += wait
            backoff *= 2
        raise AssertionError("unreachable")

    def _get_once(self, url: str, headers: dict[str, str],
                  byte_range: tuple[int, int] | None) -> Fetched:
        request = urllib.request.Request(url, headers=headers)
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            if byte_range is not None:
                first, last = byte_range
                if response.status != 206:
                    # The whole file would follow (a CC-NEWS file is a gigabyte).
                    raise FetchError(f"{url}: asked for bytes {first}-{last}, the server "
                                     f"answered {response.status} (it ignores Range); "
                                     "nothing downloaded")
                body = response.read(last - first + 2)
                if len(body) != last - first + 1:
                    raise FetchError(f"{url}: asked for bytes {first}-{last} "
                                     f"({last - first + 1}), got {len(body)}")
            else:
                body = response.read()
            return Fetched(response.status, body, response.headers)
