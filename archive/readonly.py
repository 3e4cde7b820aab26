"""Opening an archive's SQLite files for the commands that only read them.

`search`, `status`, `history` and `compare` never write: they open the index and the
crawl state read-only, so that they work on an archive the user may not write to (a
read-only mount, another user's crawl), and every way such a file can be broken
(missing, a directory, truncated, not SQLite, not this project's schema) becomes one
UnusableArchive line naming the file.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from archive.errors import UnusableArchive

REBUILD_HINT = "rebuild it from the WARC files with `pressarchive reextract`"
# SQLite's primary result codes (extended codes carry them in their low byte).
_SQLITE_READONLY = 8
_SQLITE_CANTOPEN = 14


def exists(path: Path) -> bool:
    """Path.exists(), but a path this user may not look at is UnusableArchive (pathlib
    raises PermissionError for it)."""
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        raise UnusableArchive(f"cannot read {path}: {exc.strerror or exc}") from exc
    return True


def check_archive_dir(archive: Path) -> None:
    """Raise UnusableArchive unless `archive` is a directory this user can read."""
    if not exists(archive):
        raise UnusableArchive(f"no archive at {archive}: no such directory")
    if not archive.is_dir():
        raise UnusableArchive(f"{archive} is not an archive directory: it is a file")
    if not os.access(archive, os.R_OK | os.X_OK):
        raise UnusableArchive(f"cannot read {archive}: permission denied")


def unusable(path: Path, what: str, exc: Exception, hint: str = "") -> UnusableArchive:
    message = f"{path} is not a usable {what} ({exc})"
    return UnusableArchive(f"{message}; {hint}" if hint else message)


def _uri(path: Path, *, immutable: bool) -> str:
    # Quoted: a '?' or '#' in a directory name would otherwise end the file name.
    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
    return uri + "&immutable=1" if immutable else uri


def _connect(path: Path, *, immutable: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(_uri(path, immutable=immutable), uri=True)
    try:
        # The first read: an unopenable file, a file that is not SQLite or a WAL
        # database this user cannot make a -shm file for fails here, not later.
        conn.execute("select count(*) from sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def _cannot_share_memory(exc: sqlite3.Error, path: Path) -> bool:
    """A WAL database in a directory this user cannot write to, closed by its writer.

    Reading a WAL database needs its -shm file, which SQLite creates when missing. The
    -wal file is there while any connection has the database open; without it, every
    committed change is in the main file and no writer is at work, so the file can be
    read as immutable. (A writer that starts during this one read could make it see old
    and new pages mixed: at worst a wrong count or a "malformed" error, and the file is
    never written.)
    """
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    real = path.resolve()  # index.db may be a link to a build: its WAL is beside the build
    wal = real.with_name(real.name + "-wal")
    return code in (_SQLITE_READONLY, _SQLITE_CANTOPEN) and not wal.exists()


def connect_read_only(path: Path, what: str, hint: str = "") -> sqlite3.Connection:
    """`path` opened read-only and read once; UnusableArchive if it cannot be."""
    if exists(path) and path.is_dir():
        raise UnusableArchive(f"{path} is a directory, not a SQLite {what} file")
    try:
        return _connect(path, immutable=False)
    except sqlite3.DatabaseError as exc:
        if not _cannot_share_memory(exc, path):
            raise unusable(path, what, exc, hint) from exc
    try:
        return _connect(path, immutable=True)
    except sqlite3.DatabaseError as exc:
        raise unusable(path, what, exc, hint) from exc


@contextmanager
def read_only(path: Path, what: str, hint: str = "") -> Iterator[sqlite3.Connection]:
    """connect_read_only(), closed at the end; a database error inside the block (a
    truncated file is only found when its missing pages are read, a foreign file when
    a table is missing) becomes UnusableArchive too."""
    conn = connect_read_only(path, what, hint)
    try:
        yield conn
    except sqlite3.DatabaseError as exc:
        raise unusable(path, what, exc, hint) from exc
    finally:
        conn.close()
