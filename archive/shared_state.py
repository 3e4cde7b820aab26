"""The crawl state of a worker of a shared crawl: every worker's URLs, in Redis.

A worker of a shared crawl (crawler/frontier/) keeps its own DIR/workers/NAME/state/
state.db, but which worker fetches a URL is chance: the article w1 fetched yesterday
comes to w2 today. So that w2 still rechecks it on its schedule, conditionally, and
archives an unchanged answer as a revisit of w1's record (what one machine would have
written), each fetch's state also goes to one Redis hash every worker reads:

    pressarchive:state:urls   field: the URL   value: JSON (see SharedUrl)

The hash is not a run's: it outlives runs, as state.db does, and has no expiry (give
Redis persistence; see the README). Reading takes the newer of the Redis entry and the
worker's own row, so a Redis that lost its data costs fetches (the other workers' URLs
are fetched in full again), never a page. Writes go to Redis only after state.db
committed them, as state.db's own commit waits for the index's (CaptureStore.batch):
Redis never says a page was fetched whose capture a failed commit lost.

Two workers never write one URL at once: within a run the frontier's duplicate filter
hands a URL to one worker, and runs follow one another.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass

from archive.index.schema import Capture
from archive.state import CrawlState, UrlState, updated_state

logger = logging.getLogger(__name__)

STATE_KEY = "pressarchive:state:urls"


@dataclass(frozen=True)
class PayloadHolder:
    """The capture that stores a payload (a response record), wherever its file is: what
    a revisit refers to. The fields a revisit record needs, named as Capture's."""

    record_id: str
    url: str
    fetched_at: str
    payload_digest: str


@dataclass(frozen=True)
class SharedUrl:
    """A URL's state across all workers, and the captures a revisit of it would refer to:
    `latest`, the holder of the latest complete capture's payload (for an identical
    payload), and `latest_ok`, the same for the latest complete 200 (for a 304)."""

    state: UrlState
    latest_at: str = ""
    latest: PayloadHolder | None = None
    latest_ok: PayloadHolder | None = None

    # Redis holds one of these per URL ever fetched (4.4 million for ten years of twenty
    # sources): a JSON list, without what the field already says (the URL) or repeats
    # (latest_ok when it is latest, a holder's URL when it is the field's).
    def encode(self) -> str:
        url = self.state.url
        ok = 1 if self.latest_ok == self.latest else _holder(self.latest_ok, url)
        return json.dumps([*astuple(self.state)[1:], self.latest_at,
                           _holder(self.latest, url), ok], separators=(",", ":"))

    @classmethod
    def decode(cls, url: str, data: bytes | str) -> SharedUrl:
        *state, latest_at, latest, ok = json.loads(data)
        holder = _unholder(latest, url)
        return cls(UrlState(url, *state), latest_at, holder,
                   holder if ok == 1 else _unholder(ok, url))


def _holder(holder: PayloadHolder | None, url: str) -> list[str] | None:
    if holder is None:
        return None
    return [holder.record_id, "" if holder.url == url else holder.url, holder.fetched_at,
            holder.payload_digest]


def _unholder(data: list[str] | None, url: str) -> PayloadHolder | None:
    if data is None:
        return None
    record_id, holder_url, fetched_at, digest = data
    return PayloadHolder(record_id, holder_url or url, fetched_at, digest)


def holder_of(capture: Capture, original: Capture | PayloadHolder | None) -> PayloadHolder:
    """Where a capture's payload is stored: itself, or the original its revisit refers to."""
    stored = original if capture.rec_type == "revisit" and original is not None else capture
    return PayloadHolder(stored.record_id, stored.url, stored.fetched_at,
                         stored.payload_digest)


def _newer(shared: SharedUrl | None, local: UrlState | None) -> UrlState | None:
    """The URL's state as last fetched, by any worker (shared) or by this one (local)."""
    if shared is None:
        return local
    if local is None or shared.state.last_fetched >= local.last_fetched:
        return shared.state
    return local


class SharedCrawlState:
    """A worker's CrawlState (its own state.db) with the URLs of all workers in Redis.

    Stands in for CrawlState where a URL's state is read or recorded (the recheck
    middleware, the capture store); the runs' bookkeeping (archive/crawl.py) stays in
    the worker's own state.db."""

    def __init__(self, local: CrawlState, redis_url: str, key: str = STATE_KEY):
        import redis

        self.local = local
        self.key = key
        self.server = redis.Redis.from_url(redis_url)
        self._errors = redis.RedisError
        self._pending: list[tuple[str, str]] = []
        self._batches = 0
        self._lock = threading.RLock()
        self._warned = False
        self._last_read: tuple[str, SharedUrl | None] | None = None
        self.redis_failures = 0

    # What the recheck middleware asks.
    def shared(self, url: str) -> SharedUrl | None:
        try:
            data = self.server.hget(self.key, url)
        except self._errors as exc:
            self._failed("read", exc)
            return None
        return SharedUrl.decode(url, data) if data else None

    def get(self, url: str) -> UrlState | None:
        local = self.local.get(url)
        return _newer(self.shared(url), local)

    # What the capture store records.
    def record_fetch(self, *, url: str, source: str, kind: str, status: int, etag: str,
                     last_modified: str, payload_digest: str, fetched: dt.datetime,
                     schedule: tuple[dt.timedelta, ...], capture: Capture | None = None,
                     original: Capture | PayloadHolder | None = None) -> None:
        previous = self._read_for_store(url)
        # One state for both: the newer of any worker's (Redis) and this one's, updated.
        state = updated_state(_newer(previous, self.local.get(url)), url=url, source=source,
                              kind=kind, status=status, etag=etag, last_modified=last_modified,
                              payload_digest=payload_digest, fetched=fetched,
                              schedule=schedule)
        self.local.put(state)
        latest_at = previous.latest_at if previous else ""
        latest = previous.latest if previous else None
        latest_ok = previous.latest_ok if previous else None
        if capture is not None and not capture.truncated:
            # The captures the index's latest_payload() would pick: complete ones.
            latest_at, latest = capture.fetched_at, holder_of(capture, original)
            if capture.status == 200:
                latest_ok = latest
        entry = SharedUrl(state, latest_at, latest, latest_ok)
        with self._lock:
            self._pending.append((url, entry.encode()))
            if not self._batches:
                self._flush()

    def original(self, url: str, *, not_modified: bool) -> tuple[str, PayloadHolder] | None:
        """(when the latest complete capture was made, the holder of its payload), or for
        a 304 those of the latest complete 200, as the shared state knows them."""
        found = self.shared(url)
        # The store records this URL's fetch next: one read of Redis serves both.
        self._last_read = (url, found)
        if found is None:
            return None
        holder = found.latest_ok if not_modified else found.latest
        return (found.latest_at, holder) if holder is not None else None

    def _read_for_store(self, url: str) -> SharedUrl | None:
        last, self._last_read = self._last_read, None
        if last is not None and last[0] == url:
            return last[1]
        return self.shared(url)

    @contextmanager
    def batch(self) -> Iterator[None]:
        with self._lock:
            self._batches += 1
        try:
            with self.local.batch():
                yield
        except BaseException:
            with self._lock:
                self._batches -= 1
                if not self._batches:
                    self._pending.clear()  # state.db rolled back: so does Redis's copy
            raise
        with self._lock:
            self._batches -= 1
            if not self._batches:
                self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            with self.server.pipeline(transaction=False) as pipe:
                for url, value in pending:
                    pipe.hset(self.key, url, value)
                pipe.execute()
        except self._errors as exc:
            # state.db has them: this worker still knows; the others fetch in full.
            self._failed("write", exc)

    def _failed(self, what: str, exc: Exception) -> None:
        self.redis_failures += 1
        if not self._warned:
            self._warned = True
            logger.warning("shared crawl state in Redis: cannot %s (%s); this worker "
                           "goes on with its own state", what, exc)

    def close(self) -> None:
        try:
            self.server.close()
        finally:
            self.local.close()
