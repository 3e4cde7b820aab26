"""The builds of an archive's index (DIR/index-builds/) and how one is swapped in.

DIR/index.db is a symlink to the current build. A rebuild is written as
`*.building.db` and renamed when complete, so what a killed rebuild leaves is known for
what it is; it is swapped in with one rename of the symlink, so a reader holding the old
build keeps a consistent view. A build that has no trace of articles of the current
index (their WARC records could not be read) is refused unless forced.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path

from archive.errors import PressArchiveError
from archive.index.writer import IndexWriter
from archive.layout import ArchiveLayout

logger = logging.getLogger(__name__)

BUILDING_SUFFIX = ".building.db"


class LostArticles(PressArchiveError):
    """The rebuild has no trace of articles the current index has."""


def new_build_path(archive: Path) -> Path:
    """Where a build is written: `*.building.db` until it is complete, so that what a
    killed rebuild leaves is known for what it is (remove_abandoned_builds)."""
    builds = ArchiveLayout(archive).builds_dir
    builds.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    return builds / f"index-{stamp}-{os.getpid()}{BUILDING_SUFFIX}"


def remove_database(path: Path) -> None:
    for companion in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        companion.unlink(missing_ok=True)


def remove_abandoned_builds(archive: Path) -> int:
    """Delete the half-built indexes of rebuilds that were killed; the caller holds the
    archive lock, so no rebuild is under way."""
    builds = sorted(ArchiveLayout(archive).builds_dir.glob(f"*{BUILDING_SUFFIX}"))
    for build in builds:
        remove_database(build)
    return len(builds)


def finish_build(build: Path) -> Path:
    """The complete build under its final name (closed, its WAL checkpointed away)."""
    final = build.with_name(build.name.removesuffix(BUILDING_SUFFIX) + ".db")
    os.replace(build, final)
    return final


def lost_articles(index: IndexWriter, old_db: Path) -> tuple[int, int]:
    """(articles of the index at old_db of which the new one has no trace: neither an
    article nor a non-article row for the URL, articles in old_db)."""
    if not old_db.exists():
        return 0, 0
    db = index.db
    db.execute("attach database ? as old", [f"{old_db.resolve().as_uri()}?mode=ro"])
    try:
        total = db.execute("select count(*) from old.articles").fetchone()[0]
        lost = db.execute(
            "select count(*) from old.articles o where not exists "
            "(select 1 from main.articles a where a.url = o.url) and not exists "
            "(select 1 from main.non_articles n where n.url = o.url)").fetchone()[0]
        return lost, total
    except sqlite3.DatabaseError as exc:
        # An index that cannot be read is what a rebuild is for: nothing to lose.
        logger.warning("the current index %s cannot be read (%s): not compared", old_db, exc)
        return 0, 0
    finally:
        db.execute("detach database old")


def swap_in(archive: Path, build: Path) -> Path:
    """Point DIR/index.db at the new build in one rename; drop builds older than
    the one replaced (a reader may still hold that one)."""
    layout = ArchiveLayout(archive)
    link = layout.index_db
    previous = link.resolve() if link.is_symlink() else None
    tmp = archive / f".{link.name}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(build.relative_to(archive))
    if link.exists() and not link.is_symlink():
        # A crawl's plain index file: kept beside the builds as the previous one.
        previous = layout.builds_dir / f"index-before-reextract-{os.getpid()}.db"
        link.replace(previous)
        # With its WAL and shared memory (readers such as `serve` leave them, and the WAL
        # may hold commits not yet checkpointed): beside DIR/index.db they would be
        # orphans, which SQLite never cleans up once the file was renamed.
        for suffix in ("-wal", "-shm"):
            companion = Path(f"{link}{suffix}")
            if companion.exists():
                companion.replace(f"{previous}{suffix}")
    os.replace(tmp, link)
    for old in layout.builds_dir.glob("index-*.db"):
        if old not in (build, previous):
            remove_database(old)
    return link
