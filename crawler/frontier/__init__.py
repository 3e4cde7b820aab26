"""The crawl shared by many workers through a frontier in Redis (scrapy-redis).

`pressarchive crawl --frontier redis://HOST:PORT/DB` (or the PRESSARCHIVE_FRONTIER
setting with `scrapy crawl`): every source's request queue, duplicate filter and start
URLs live in Redis, so any number of crawl processes on any number of machines share one
crawl. What stays per worker, and why:

- the archive: each worker writes `DIR/workers/NAME/` (its WARC files, named after it,
  its index, its crawl state, its lock), because the lock is an flock, which is reliable
  on local disks only, and SQLite must not be shared over a network. `pressarchive
  reextract --from DIR/workers` builds the one index from all of them;
- the discovery: each worker's spider still reads feeds, sitemaps and listings itself;
  only where its requests wait, and whether one was already asked for, is shared.

What outlives runs and is shared: each URL's crawl state (archive/shared_state.py, the
hash `pressarchive:state:urls`), so any worker rechecks any article on its schedule.

Keys (KEY_TTL after the last write they expire): `pressarchive:RUN:SPIDER:requests` (the
queue), `:dupefilter`, `:start_urls`, `:seeded`, `:inflight:WORKER`, `:robots:HOST`,
and `pressarchive:RUN:alive:WORKER` (heartbeats). RUN names one crawl of all workers
(default: the UTC date), so that a run's duplicate filter never hides the next day's
feeds and no worker ever has to flush what others still use.

Per host and across runs (a host's politeness does not start afresh with a run, and
the keys expire on their own): `pressarchive:host:HOST:next` (its next turn) and
`:sent` (when a request last went out to it), both politeness.py, and
`pressarchive:host:HOST:leases` (the slots its requests hold now, hostslots.py).
"""

from __future__ import annotations

import datetime as dt
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.layout import WORKERS_DIRNAME

FRONTIER_SETTING = "PRESSARCHIVE_FRONTIER"
RUN_SETTING = "PRESSARCHIVE_FRONTIER_RUN"
WORKER_SETTING = "PRESSARCHIVE_WORKER"
# Worker and run names go into file names and Redis keys.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


def check_name(kind: str, name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"{kind} name {name!r}: use letters, digits, '.', '_' and '-' "
                         "(at most 63)")
    return name


def default_worker() -> str:
    # The host name: one worker per machine is the usual set-up; a second on the same
    # machine needs --worker (its archive lock refuses a second process of one name).
    return re.sub(r"[^A-Za-z0-9._-]", "-", socket.gethostname().split(".")[0]) or "worker"


def worker_name(settings: Any) -> str:
    return check_name("worker", settings.get(WORKER_SETTING) or default_worker())


def run_name(settings: Any) -> str:
    return check_name("run", settings.get(RUN_SETTING)
                      or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"))


def enabled(settings: Any) -> bool:
    return bool(settings.get(FRONTIER_SETTING))


def worker_archive(archive: Path, worker: str) -> Path:
    """A worker's own archive folder inside the shared archive folder."""
    return Path(archive) / WORKERS_DIRNAME / check_name("worker", worker)


def archive_dir(settings: Any) -> Path:
    """Where this process writes: the archive, or with a frontier its worker's folder."""
    base = Path(settings.get("PRESSARCHIVE_ARCHIVE_DIR"))
    return worker_archive(base, worker_name(settings)) if enabled(settings) else base


@dataclass(frozen=True)
class FrontierKeys:
    """The Redis keys of one run; `spider` ones are templates scrapy-redis fills in."""

    run: str

    @property
    def prefix(self) -> str:
        return f"pressarchive:{self.run}"

    def spider(self, suffix: str, placeholder: str = "spider") -> str:
        return f"{self.prefix}:%({placeholder})s:{suffix}"

    def of(self, spider: str, suffix: str) -> str:
        return f"{self.prefix}:{spider}:{suffix}"

    def alive(self, worker: str) -> str:
        return f"{self.prefix}:alive:{worker}"

    def inflight(self, spider: str, worker: str) -> str:
        return self.of(spider, f"inflight:{worker}")


def keys(settings: Any) -> FrontierKeys:
    return FrontierKeys(run_name(settings))


def check_server(url: str) -> None:
    """Redis answers at `url`, or one line saying why not (PressArchiveError)."""
    import redis

    from archive.errors import PressArchiveError

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except (redis.RedisError, ValueError) as exc:
        raise PressArchiveError(f"frontier {url}: {exc}") from None
