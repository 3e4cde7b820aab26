"""One run at a time per archive: an flock on DIR/state/lock for the life of the run.

    with ArchiveLock(archive_dir, "crawl") as lock:
        if lock.taken_over_from is not None:
            log.warning(lock.takeover_message())
        ...  # crawl or re-extract

A second `pressarchive crawl` or `reextract` on the same archive gets ArchiveLocked at
once (never waits: LOCK_NB) with one line naming the holder, and the CLI exits with
exitcodes.LOCKED.

Why flock and not a pid file: the kernel drops an flock when the last descriptor of the
open file is closed, which happens whenever the process dies, even by kill -9 or the OOM
killer. A lock left by a killed run therefore cannot block the next one, and no pid has
to be guessed alive or dead (pids are reused; a pid file can name an unrelated process).
The file itself is kept after release (unlinking it would race with a process that has
just opened it and is about to lock the old inode); only its content is cleared. When
acquire() finds content from a holder that no longer holds the flock, that run died
without releasing: the old content is kept as `taken_over_from` so the caller can say so.

The content is JSON, for humans and for the message of ArchiveLocked:
    {"pid": 1234, "hostname": "h", "purpose": "crawl",
     "started": "2026-11-21T10:00:00Z", "command": "pressarchive crawl ..."}

Child processes. flock belongs to the open file description, which every descriptor
pointing to it shares, so a child that inherits the descriptor keeps the lock alive
after the parent dies:
  - exec'd children (subprocess, multiprocessing's "spawn" start method, and the
    "forkserver" method's server, a fresh interpreter that the extraction workers are
    then forked from) do not inherit it: the file is opened with O_CLOEXEC (Python's
    os.open default since 3.4, PEP 446, made explicit here) and spawn passes only its
    own pipe to the child;
  - a plain os.fork() (multiprocessing "fork") duplicates every descriptor, CLOEXEC or
    not. An at-fork hook closes the lock's descriptor in such children and forgets it,
    so the child neither keeps the lock alive nor can release the parent's lock
    (LOCK_UN through the shared description would unlock it for the parent too).

Limits: flock is reliable on local filesystems. On NFS, Linux emulates it with POSIX
byte-range locks; keep archives on local disks.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shlex
import socket
import sys
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from archive.errors import PressArchiveError
from archive.layout import ArchiveLayout

# A holder writes its details just after taking the flock; a competitor that reads in
# between sees an empty file (or the dead holder's details). It rereads for this long,
# without ever waiting on the lock itself.
_READ_RETRY_SECONDS = 0.5
_READ_RETRY_INTERVAL = 0.02


class ArchiveLocked(PressArchiveError):
    """Another process holds the archive's lock; the message names it in one line."""

    def __init__(self, message: str, holder: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.holder = holder


def lock_path(archive_dir: Path) -> Path:
    return ArchiveLayout(archive_dir).lock_file


def read_lock_info(archive_dir: Path) -> dict[str, Any] | None:
    """The details the current (or last killed) holder wrote, or None if none/unreadable.

    Informational only: whether the archive is locked is decided by flock, not by this.
    """
    try:
        return _parse(lock_path(archive_dir).read_bytes())
    except OSError:
        return None


def _parse(data: bytes) -> dict[str, Any] | None:
    if not data.strip():
        return None
    try:
        info = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return info if isinstance(info, dict) else None


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pid_alive_here(info: dict[str, Any]) -> bool:
    """False only if `info` names a process on this host that certainly does not exist."""
    pid = info.get("pid")
    if not isinstance(pid, int) or info.get("hostname") != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # EPERM: exists, owned by someone else
    return True


def describe_holder(info: dict[str, Any] | None) -> str:
    """'pid 1234 (crawl started 2026-11-21T10:00:00Z on host h)', or a vaguer phrase."""
    if not info:
        return "another process"
    pid = info.get("pid", "?")
    purpose = info.get("purpose", "run")
    started = info.get("started", "at an unknown time")
    host = info.get("hostname", "?")
    return f"pid {pid} ({purpose} started {started} on host {host})"


# Locks this process holds, so that a forked child can drop its copies (see module doc).
_held: weakref.WeakSet[ArchiveLock] = weakref.WeakSet()


def _forget_locks_in_child() -> None:
    for lock in list(_held):
        lock._drop_inherited()
    _held.clear()


os.register_at_fork(after_in_child=_forget_locks_in_child)


class ArchiveLock:
    """Exclusive, non-blocking lock on an archive directory for one crawl or re-extract.

    archive_dir      the archive; the lock is archive_dir/state/lock (created as needed)
    purpose          "crawl" or "reextract": shown to whoever finds the archive locked
    command          recorded command line (default: this process's sys.argv)

    After acquire(): `info` is what this run wrote; `taken_over_from` is the details of
    a previous holder that died without releasing (None after a clean release).
    """

    def __init__(self, archive_dir: Path, purpose: str, *, command: str | None = None) -> None:
        self.archive_dir = Path(archive_dir)
        self.path = lock_path(self.archive_dir)
        self.purpose = purpose
        self.command = command if command is not None else shlex.join(sys.argv)
        self.info: dict[str, Any] | None = None
        self.taken_over_from: dict[str, Any] | None = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> ArchiveLock:
        """Take the lock or raise ArchiveLocked at once; OSError becomes PressArchiveError."""
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this ArchiveLock")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # No O_TRUNC: the file may hold the details of a live holder.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise PressArchiveError(f"cannot create lock file {self.path}: {exc}") from exc
        try:
            # A fresh open() each time: a second ArchiveLock in this same process gets a
            # new open file description, which conflicts with the first one's flock.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                holder = self._holder_details()
                raise ArchiveLocked(
                    f"archive {self.archive_dir} is in use by {describe_holder(holder)}; "
                    "try again later",
                    holder,
                ) from None
            raise PressArchiveError(f"cannot lock {self.path}: {exc}") from exc
        try:
            previous = _read_fd(fd)
            if previous.strip():
                self.taken_over_from = _parse(previous) or {
                    "unreadable": previous[:200].decode("utf-8", "replace")
                }
            info = {
                "pid": os.getpid(),
                "hostname": socket.gethostname(),
                "purpose": self.purpose,
                "started": _utc_now(),
                "command": self.command,
            }
            data = (json.dumps(info) + "\n").encode()
            # Overwrite in one write, then cut what an older, longer content left.
            os.pwrite(fd, data, 0)
            os.ftruncate(fd, len(data))
        except OSError as exc:
            os.close(fd)  # closing drops the flock
            raise PressArchiveError(f"cannot write lock file {self.path}: {exc}") from exc
        self._fd = fd
        self.info = info
        _held.add(self)
        return self

    def release(self) -> None:
        """Clear the details and unlock; the file stays. Safe to call twice."""
        fd, self._fd = self._fd, None
        _held.discard(self)
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)  # while still holding the lock
        except OSError:
            pass  # the flock still goes away below; the next holder sees a "takeover"
        finally:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def takeover_message(self) -> str | None:
        """One log line if acquire() took over a lock left by a dead run, else None."""
        old = self.taken_over_from
        if old is None:
            return None
        if "pid" not in old:
            return f"lock {self.path} left with unreadable content taken over"
        return (
            f"lock left by pid {old['pid']} (killed?) taken over: "
            f"{old.get('purpose', 'run')} started {old.get('started', '?')} "
            f"on host {old.get('hostname', '?')} never released {self.archive_dir}"
        )

    def _holder_details(self) -> dict[str, Any] | None:
        """The holder's details, rereading briefly while they are missing or stale."""
        deadline = time.monotonic() + _READ_RETRY_SECONDS
        while True:
            info = read_lock_info(self.archive_dir)
            if info is not None and _pid_alive_here(info):
                return info
            if time.monotonic() >= deadline:
                return None  # never name a pid known to be dead
            time.sleep(_READ_RETRY_INTERVAL)

    def _drop_inherited(self) -> None:
        """In a forked child: close our copy of the descriptor without unlocking."""
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> ArchiveLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "held" if self.held else "not held"
        return f"ArchiveLock({str(self.archive_dir)!r}, {self.purpose!r}, {state})"


def _read_fd(fd: int, limit: int = 64 * 1024) -> bytes:
    chunks = []
    offset = 0
    while offset < limit:
        chunk = os.pread(fd, 4096, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def held_lock(archive_dir: Path) -> ArchiveLock | None:
    """The lock this process holds on archive_dir, if any."""
    target = Path(archive_dir).resolve()
    for lock in list(_held):
        if lock._fd is not None and lock.archive_dir.resolve() == target:
            return lock
    return None


@contextmanager
def holding_lock(archive_dir: Path, purpose: str) -> Iterator[ArchiveLock]:
    """The lock on archive_dir for the block: the one this process already holds (a
    crawl that rebuilds its index first), else one taken for the block (ArchiveLocked
    if another run holds it). Whoever writes an archive, or repairs its torn files,
    holds its lock: that, not a pid, proves that no other writer is at work."""
    lock = held_lock(archive_dir)
    if lock is not None:
        yield lock
        return
    with ArchiveLock(archive_dir, purpose) as lock:
        yield lock


def held_lock_descriptor(archive_dir: Path) -> int | None:
    """The descriptor of the lock this process holds on archive_dir, if any: a
    helper process that must keep the archive locked while it lives inherits it."""
    lock = held_lock(archive_dir)
    return lock._fd if lock is not None else None


def running_holder(archive_dir: Path) -> dict[str, Any] | None:
    """The details of another run that holds archive_dir's lock now, else None.

    For commands that only look (verify): they must not take the lock for the length of
    their run, or a scheduled crawl starting meanwhile would exit LOCKED. An empty lock
    file was released cleanly, so nothing is tried then; a file with details is tried
    with a shared flock, released at once, which tells a live holder from a killed one
    without trusting its pid (pids are reused). Returns {} for a holder whose details
    cannot be read.
    """
    if held_lock(archive_dir) is not None:
        return None  # this process is the holder: no other run can be
    try:
        fd = os.open(lock_path(archive_dir), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None  # no lock file: no run ever held this archive
    try:
        content = _read_fd(fd)
        if not content.strip():
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return _parse(_read_fd(fd)) or {}
            raise PressArchiveError(f"cannot check the lock {lock_path(archive_dir)}: "
                                    f"{exc}") from exc
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
