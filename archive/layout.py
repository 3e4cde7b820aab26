"""One archive folder: where each thing in it lives, and the one way its two SQLite
databases are opened.

    DIR/warc/               the WARC files, the truth (`*.warc.gz.open` while written)
    DIR/workers/NAME/       a worker's own archive folder in a shared crawl (its warc/,
                            index.db, state/), laid out as this one (crawler/frontier/)
    DIR/index.db            the index (archive/index/), derived from the WARC files: the
                            crawl's own file, or a symlink to the build reextract swapped in
    DIR/index-builds/       rebuilt indexes (archive/index/builds.py)
    DIR/indexes/index.cdxj  the CDXJ index replay tools read (archive/warc/cdxj.py)
    DIR/state/state.db      the crawl state (archive/state.py): not derived, never rebuilt
    DIR/state/lock          the archive lock (archive/lock.py)

Where an archive's WARC files are is answered here alone (`warc_folders()`,
`warc_files()`): DIR/warc, then every worker's DIR/workers/NAME/warc, so that the CDXJ,
the replay and the WACZ cover a shared crawl's files as they cover a local one's.

Every module finds these paths through ArchiveLayout, and opens index.db and state.db
only through it (or read_index(), for an index file anywhere): each way such a file can
be unusable is then one UnusableArchive with one message, whichever command met it,
and its `reason` says which way.

The commands that only read (`search`, `status`, `history`, `compare`, the exports and
the start-up check of `serve`) open the files read-only, so that they work on an archive
the user may not write to (a read-only mount, another user's crawl).
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from archive.errors import UnusableArchive
from archive.index.queries import has_captures
from archive.state import CrawlState
from archive.warc.reader import archive_files

if TYPE_CHECKING:
    from archive.index.writer import IndexWriter

WARC_DIRNAME = "warc"
WORKERS_DIRNAME = "workers"
INDEX_FILENAME = "index.db"
BUILDS_DIRNAME = "index-builds"
INDEXES_DIRNAME = "indexes"
CDXJ_FILENAME = "index.cdxj"
STATE_DIRNAME = "state"
STATE_FILENAME = "state.db"
LOCK_FILENAME = "lock"

# SQLite's primary result codes (extended codes carry them in their low byte).
_SQLITE_CORRUPT = 11
_SQLITE_READONLY = 8
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26


@dataclass(frozen=True)
class _Database:
    """One kind of database of the folder, as the messages about it name it."""

    what: str  # "index" or "crawl state"
    # The tables by which a file is known for one of ours (their modules create more).
    tables: tuple[str, ...]
    # The index is derived from the WARC files and can be rebuilt; the crawl state not.
    derived: bool

    def missing(self, path: Path, archive: Path | None) -> str:
        if self.derived:
            return f"no index at {path}"
        return f"no crawl state in {archive or path.parent}"

    def first_step(self, archive: Path | None) -> str:
        if not self.derived:
            return "no crawl has run there"
        if archive is None:
            return "no such file"
        return f"run `pressarchive crawl{_archive_option(archive)}` first"

    def hint(self, archive: Path | None) -> str:
        if not self.derived:
            return ""
        return ("rebuild it from the WARC files with "
                f"`pressarchive reextract{_archive_option(archive)}`")


INDEX_TABLES = ("articles", "captures")  # archive/index/schema.py
STATE_TABLES = ("urls", "crawls")  # archive/state.py
INDEX = _Database("index", INDEX_TABLES, derived=True)
STATE = _Database("crawl state", STATE_TABLES, derived=False)


def _archive_option(archive: Path | None) -> str:
    return f" --archive {shlex.quote(str(archive))}" if archive is not None else ""


@dataclass(frozen=True)
class WarcFolder:
    """One folder of an archive's WARC files: its own DIR/warc (`worker` ""), or the
    DIR/workers/NAME/warc of the worker NAME."""

    path: Path
    worker: str = ""

    def files(self) -> list[Path]:
        """Its closed WARC and ARC files, by name: the order they were written in (the
        writer names them by time); `.open` files, still being written, are left out."""
        return archive_files(self.path)

    def replay_name(self, name: str) -> str:
        """What the CDXJ `filename` of its file `name` is: the path relative to DIR/warc,
        as replay tools resolve it (archive/warc/cdxj.py), so `../workers/NAME/warc/FILE`
        for a worker's file."""
        if not self.worker:
            return name
        return f"../{WORKERS_DIRNAME}/{self.worker}/{WARC_DIRNAME}/{name}"


@dataclass(frozen=True)
class ArchiveLayout:
    """The paths of the archive folder `root`, and its databases opened."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def warc_dir(self) -> Path:
        return self.root / WARC_DIRNAME

    @property
    def workers_dir(self) -> Path:
        return self.root / WORKERS_DIRNAME

    @property
    def index_db(self) -> Path:
        return self.root / INDEX_FILENAME

    @property
    def builds_dir(self) -> Path:
        return self.root / BUILDS_DIRNAME

    @property
    def cdxj_file(self) -> Path:
        return self.root / INDEXES_DIRNAME / CDXJ_FILENAME

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIRNAME

    @property
    def state_db(self) -> Path:
        return self.state_dir / STATE_FILENAME

    @property
    def lock_file(self) -> Path:
        return self.state_dir / LOCK_FILENAME

    # --- the WARC files ------------------------------------------------------------------

    def warc_folders(self) -> list[WarcFolder]:
        """Where this archive's WARC files are: DIR/warc, then the folder of each worker
        of a shared crawl (DIR/workers/NAME/warc), by worker name; those that exist."""
        folders = [WarcFolder(self.warc_dir)] if self.warc_dir.is_dir() else []
        return folders + worker_warc_folders(self.workers_dir)

    def warc_files(self) -> list[Path]:
        """The closed WARC files of every folder of `warc_folders()`, folder by folder."""
        return [path for folder in self.warc_folders() for path in folder.files()]

    def existing_warc_folders(self) -> list[WarcFolder]:
        """`warc_folders()`, or UnusableArchive if DIR is not an archive or has none."""
        check_folder(self.root)
        folders = self.warc_folders()
        if not folders:
            raise UnusableArchive(f"no WARC directory in {self.root} (expected "
                                  f"{self.warc_dir})", UnusableArchive.MISSING)
        return folders

    # --- checks ------------------------------------------------------------------------

    def has_index(self) -> bool:
        return exists(self.index_db)

    def require_index(self) -> Path:
        """DIR/index.db, or UnusableArchive saying why there is none."""
        _require(self.index_db, INDEX, self.root)
        return self.index_db

    def index_is_missing_or_empty(self) -> bool:
        """No index, an empty file, or an index without a capture row (what a crawl
        rebuilds from the WARC files first). A damaged index is not "empty": opening it
        reports it. Another program's SQLite file is, as it has no capture row."""
        if not exists(self.index_db) or self.index_db.stat().st_size == 0:
            return True
        try:
            with self.read_index() as conn:
                return not has_captures(conn)
        except UnusableArchive as exc:
            return exc.reason == UnusableArchive.FOREIGN

    # --- read-only ---------------------------------------------------------------------

    @contextmanager
    def read_index(self) -> Iterator[sqlite3.Connection]:
        """DIR/index.db opened read-only (see _read_only())."""
        with _read_only(self.index_db, INDEX, self.root) as conn:
            yield conn

    @contextmanager
    def read_state(self) -> Iterator[sqlite3.Connection]:
        """DIR/state/state.db opened read-only (see _read_only())."""
        with _read_only(self.state_db, STATE, self.root) as conn:
            yield conn

    # --- for writing ------------------------------------------------------------------

    def open_index(self, *, search: bool = True) -> IndexWriter:
        """DIR/index.db for writing (created if missing): the crawl's one writer."""
        # Deferred: the writer needs sqlite-utils, which the read-only commands do not.
        from archive.index.writer import IndexWriter

        _refuse_directory(self.index_db, INDEX)
        try:
            return IndexWriter(self.index_db, search=search)
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            raise self.unusable_index(exc) from exc

    def open_state(self) -> CrawlState:
        """DIR/state/state.db for writing (created if missing)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        _refuse_directory(self.state_db, STATE)
        try:
            return CrawlState(self.state_db)
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            raise _damaged(self.state_db, STATE, self.root, exc) from exc

    def unusable_index(self, problem: Exception | str) -> UnusableArchive:
        """The one error for an index.db found damaged while in use."""
        return _damaged(self.index_db, INDEX, self.root, problem)


def worker_warc_folders(workers_dir: Path) -> list[WarcFolder]:
    """The WARC folders of the workers' archives in `workers_dir` (DIR/workers, or a copy
    of it collected from the workers' machines), by worker name: each subfolder with a
    warc/ folder is a worker's."""
    if not workers_dir.is_dir():
        return []
    return [WarcFolder(child / WARC_DIRNAME, child.name)
            for child in sorted(workers_dir.iterdir(), key=lambda p: p.name)
            if (child / WARC_DIRNAME).is_dir()]


def is_damage(exc: sqlite3.Error) -> bool:
    """The file is not SQLite, or its pages are not what SQLite wrote (a full disk, a
    lock or a missing permission is none of these)."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    return code in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


@contextmanager
def read_index(path: Path) -> Iterator[sqlite3.Connection]:
    """An index file opened read-only, wherever it is (an archive's index.db, a copy, a
    build): a file named index.db is taken for its folder's index."""
    path = Path(path)
    archive = path.parent if path.name == INDEX_FILENAME else None
    with _read_only(path, INDEX, archive) as conn:
        yield conn


# --- the checks and the read-only opening ----------------------------------------------


def exists(path: Path) -> bool:
    """Path.exists(), but a path this user may not look at is UnusableArchive (pathlib
    raises PermissionError for it)."""
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        raise UnusableArchive(f"cannot read {path}: {exc.strerror or exc}",
                              UnusableArchive.UNREADABLE) from exc
    return True


def check_folder(archive: Path, looking_for: str = "") -> None:
    """UnusableArchive unless `archive` is a directory this user can read; `looking_for`
    (what was not found because of it) starts the message when given."""
    lead = f"{looking_for}: " if looking_for else ""
    if not exists(archive):
        raise UnusableArchive(f"{lead}no archive at {archive} (no such directory)",
                              UnusableArchive.MISSING)
    if not archive.is_dir():
        raise UnusableArchive(f"{lead}{archive} is a file, not an archive directory",
                              UnusableArchive.WRONG_KIND)
    if not os.access(archive, os.R_OK | os.X_OK):
        raise UnusableArchive(f"cannot read {archive}: permission denied",
                              UnusableArchive.UNREADABLE)


def _damaged(path: Path, kind: _Database, archive: Path | None,
             problem: Exception | str) -> UnusableArchive:
    hint = kind.hint(archive)
    message = f"{path} is not a usable {kind.what} ({problem})"
    return UnusableArchive(f"{message}; {hint}" if hint else message, UnusableArchive.DAMAGED)


def _refuse_directory(path: Path, kind: _Database) -> None:
    if exists(path) and path.is_dir():
        raise UnusableArchive(f"{path} is a directory, not a SQLite {kind.what} file",
                              UnusableArchive.WRONG_KIND)


def _require(path: Path, kind: _Database, archive: Path | None) -> None:
    """UnusableArchive if `path` is not there: the archive folder's problem if it has
    one (the message starts with what was looked for), else the file's."""
    if archive is not None:
        check_folder(archive, kind.missing(path, archive))
    if not exists(path):
        raise UnusableArchive(f"{kind.missing(path, archive)}: {kind.first_step(archive)}",
                              UnusableArchive.MISSING)


@contextmanager
def _read_only(path: Path, kind: _Database, archive: Path | None,
               ) -> Iterator[sqlite3.Connection]:
    """`path` opened read-only, its tables checked; closed at the end. Every way it can
    be unusable is one UnusableArchive: the archive folder (`archive`, when the file is
    an archive's) missing, a file or unreadable; the file missing, a directory or
    unreadable; not SQLite or damaged, found at the open or inside the block (a
    truncated file is only found when its missing pages are read); SQLite without our
    tables."""
    _require(path, kind, archive)
    _refuse_directory(path, kind)
    if not os.access(path, os.R_OK):
        raise UnusableArchive(f"cannot read {path}: permission denied",
                              UnusableArchive.UNREADABLE)
    conn = _connect_read_only(path, kind, archive)
    try:
        found = {name for (name,) in conn.execute(
            "select name from sqlite_master where type = 'table'")}
        missing = [table for table in kind.tables if table not in found]
        if missing:
            hint = kind.hint(archive)
            raise UnusableArchive(
                f"{path} is not a Press Archive {kind.what} (no such table: "
                f"{', '.join(missing)})" + (f"; {hint}" if hint else ""),
                UnusableArchive.FOREIGN)
        yield conn
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, kind, archive, exc) from exc
    finally:
        conn.close()


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


def _connect_read_only(path: Path, kind: _Database, archive: Path | None,
                       ) -> sqlite3.Connection:
    try:
        return _connect(path, immutable=False)
    except sqlite3.DatabaseError as exc:
        if not _cannot_share_memory(exc, path):
            raise _damaged(path, kind, archive, exc) from exc
    try:
        return _connect(path, immutable=True)
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, kind, archive, exc) from exc
