"""A Datasette that follows DIR/index.db to the build it points to.

`pressarchive reextract` writes a new build in DIR/index-builds/ and swaps the symlink
DIR/index.db in one rename. Datasette opens its connections once per thread and keeps
them: they stay on the old build, and what only the new build has (a table, a row)
answers "no such table" until a restart. Here, every request first looks at which file
DIR/index.db is (one stat); when it is another one, the `index` database is replaced by
one on the new build, so that new requests read the new build, while each request in
flight keeps the build it started on (IndexBuild objects are pinned per request). A
thread closes its connections to an earlier build once no request is left on it.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import os
import sqlite3
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from datasette.app import Datasette
from datasette.database import Database

Asgi = Callable[[dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]],
                Awaitable[None]]
FileIdentity = tuple[int, int]  # (st_dev, st_ino)

# The build each request reads, for the whole request (asyncio copies context per task).
_REQUEST_BUILD: contextvars.ContextVar[IndexBuild | None] = contextvars.ContextVar(
    "pressarchive_request_build", default=None)
# Per executor thread: database name -> {IndexBuild: its connection in this thread}.
_thread_connections = threading.local()


class IndexBuild(Database):
    """One build of the index, opened by its real file (never through the link, so its
    connections stay on this file whatever the link points to later)."""

    def __init__(self, ds: Datasette, build: Path, identity: FileIdentity):
        super().__init__(ds, path=str(build), is_mutable=True)
        self.identity = identity
        # Changed on the event loop only (follow_asgi, follow_index); read by threads.
        self.in_flight = 0
        self.retired = False

    def connect(self, write: bool = False) -> sqlite3.Connection:
        if file_identity(Path(self.path)) != self.identity:
            # A crawl's index is a plain DIR/index.db: the first swap moves that file
            # into DIR/index-builds/, and a request still on it must find it there.
            moved = find_file(Path(self.path).parent, self.identity)
            if moved is not None:
                self.path = str(moved)
        return super().connect(write)

    async def execute_fn(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        if self.ds.executor is None:
            return await super().execute_fn(fn)

        # Datasette's own version keys a thread's connection by the database name only,
        # so a replaced database would reuse the connection to the old build.
        def in_thread() -> Any:
            return fn(self._thread_connection())

        return await asyncio.get_running_loop().run_in_executor(self.ds.executor, in_thread)

    def _thread_connection(self) -> sqlite3.Connection:
        held: dict[IndexBuild, sqlite3.Connection] = getattr(
            _thread_connections, self.name, None) or {}
        setattr(_thread_connections, self.name, held)
        for build in [b for b in held if b is not self and b.retired and not b.in_flight]:
            held.pop(build).close()  # no request is left on that build
        if self not in held:
            conn = self.connect()
            self.ds._prepare_connection(conn, self.name)
            held[self] = conn
        return held[self]


def find_file(folder: Path, identity: FileIdentity) -> Path | None:
    """The SQLite file that is `identity`, in `folder` or a folder in it."""
    for candidate in [*folder.glob("*.db"), *folder.glob("*/*.db")]:
        if file_identity(candidate) == identity:
            return candidate
    return None


def file_identity(path: Path) -> FileIdentity | None:
    """Which file `path` is now (through symlinks); None if there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


class FollowingDatasette(Datasette):
    """Datasette serving `link` (DIR/index.db) as the database `name`, following it."""

    def __init__(self, link: Path, *, name: str, **kwargs: Any):
        self.index_link = link
        self.index_name = name
        super().__init__([str(link)], **kwargs)
        self.follow_index()

    # Datasette reads self.databases everywhere; a request in flight sees its own build.
    @property
    def databases(self) -> MutableMapping[str, Database]:
        pinned = _REQUEST_BUILD.get()
        if pinned is None or pinned.ds is not self or self._databases.get(pinned.name) is pinned:
            return self._databases
        databases = collections.OrderedDict(self._databases)
        databases[pinned.name] = pinned
        return databases

    @databases.setter
    def databases(self, value: MutableMapping[str, Database]) -> None:
        self._databases = value

    def current_build(self) -> Database:
        return self._databases[self.index_name]

    def follow_index(self) -> bool:
        """Serve the build DIR/index.db points to now; True if that is a new one."""
        identity = file_identity(self.index_link)
        current = self._databases.get(self.index_name)
        if identity is None or getattr(current, "identity", None) == identity:
            return False  # unchanged, or momentarily unreadable: keep what we serve
        build = IndexBuild(self, Path(os.path.realpath(self.index_link)), identity)
        build.name = build.route = self.index_name
        databases = collections.OrderedDict(self._databases)
        databases[self.index_name] = build  # same place, same name: same URLs
        # One assignment: never a moment without the database (Datasette does the same).
        self._databases = databases
        if isinstance(current, IndexBuild):
            current.retired = True
        return True


def follow_asgi(ds: FollowingDatasette, app: Asgi) -> Asgi:
    """The ASGI app, checking the link before each request and pinning its build."""

    async def following(scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        ds.follow_index()
        build = ds.current_build()
        if not isinstance(build, IndexBuild):  # no index file at start: nothing to pin
            await app(scope, receive, send)
            return
        token = _REQUEST_BUILD.set(build)
        build.in_flight += 1
        try:
            await app(scope, receive, send)
        finally:
            build.in_flight -= 1
            _REQUEST_BUILD.reset(token)

    return following
