"""Repairing WARC files left ``.open`` by a writer that died (kill -9, power loss).

A torn file keeps its longest prefix of whole record groups: each gzip member complete,
holding one complete record (Content-Length matched, block digest correct); a request
whose response (``WARC-Concurrent-To``) did not make it is cut with it, as the writer
writes a group in one piece. The file is truncated there and renamed to its final name,
or removed if nothing but its warcinfo record survives. Memory stays bounded: members are
streamed, never whole files.

Who may repair: a caller holding the archive lock (archive/lock.py) repairs every ``.open``
file, whatever pid its name carries. The lock proves that no writer of the archive runs
(a crawl's archive writer process keeps the lock alive as long as it lives), while the pid
in a name proves nothing once it has been reused by any other process, which is common
after a reboot or in containers. Only a caller without the lock (a plain ``scrapy crawl``)
falls back on that pid.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.warc.members import MemberScan, scan_members
from archive.warc.writer import OPEN_SUFFIX, fsync_directory

if TYPE_CHECKING:
    from archive.lock import ArchiveLock

__all__ = ["RepairAction", "repair_open_file", "repair_open_files", "writer_is_running",
           "writer_pid"]

# <prefix>-<timestamp>-<serial>-<pid>.warc.gz.open, as WarcFileWriter names them.
_PID_RE = re.compile(r"-(\d+)\.warc\.gz" + re.escape(OPEN_SUFFIX) + "$")


@dataclass(frozen=True)
class RepairAction:
    path: Path  # the .open file
    final_path: Path | None  # the closed file, None if removed or skipped
    kept_records: int  # warcinfo included
    kept_bytes: int
    cut_bytes: int
    removed: bool
    message: str
    skipped: bool = False  # left as it was (writer running, or the final name is taken)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        data["final_path"] = str(self.final_path) if self.final_path else None
        return data


def writer_pid(path: Path) -> int | None:
    """The pid of the process that wrote an ``.open`` file, from its name."""
    match = _PID_RE.search(Path(path).name)
    return int(match.group(1)) if match else None


def writer_is_running(pid: int) -> bool:
    """True if ``pid`` is a running process other than this one."""
    if pid == os.getpid() or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    # A killed writer whose parent died too stays a zombie until init reaps it.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _keep_length(path: Path) -> tuple[int, int, int]:
    """(bytes to keep, records kept, records kept other than warcinfo)."""
    kept_end = kept = kept_content = 0
    group: list[MemberScan] = []  # records since the last whole group

    def commit(members: list[MemberScan]) -> None:
        nonlocal kept_end, kept, kept_content
        kept_end = members[-1].end
        kept += len(members)
        kept_content += sum(m.rec_type != "warcinfo" for m in members)

    with open(path, "rb") as fh:
        for member in scan_members(fh):
            if not member.intact:
                break
            if member.rec_type == "request":
                if group:  # an earlier request never got its response: not at the tail
                    commit(group)
                group = [member]
            elif group and any(m.record_id in member.concurrent_to for m in group):
                commit([*group, member])
                group = []
            else:
                commit([*group, member])
                group = []
    return kept_end, kept, kept_content


def repair_open_file(path: Path) -> RepairAction:
    """Cut a torn ``.open`` file back to its whole groups, then close or remove it.

    Does not check whether a writer is still running: see ``repair_open_files``.
    """
    path = Path(path)
    final = path.with_name(path.name[:-len(OPEN_SUFFIX)])
    size = path.stat().st_size
    keep, kept, kept_content = _keep_length(path)
    cut = size - keep
    if kept_content == 0:
        path.unlink()
        fsync_directory(path.parent)
        what = "only a warcinfo record" if kept else "no complete record"
        return RepairAction(path, None, 0, 0, size, True,
                            f"removed: {what} ({size} bytes)")
    if final.exists():
        return RepairAction(path, None, kept, keep, cut, False,
                            f"skipped: {final.name} already exists", skipped=True)
    with open(path, "r+b") as fh:
        if cut:
            fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
    os.rename(path, final)
    fsync_directory(path.parent)
    if cut:
        message = (f"kept {kept} records ({keep} bytes), cut {cut} bytes of torn data; "
                   f"closed as {final.name}")
    else:
        message = f"complete ({kept} records, {keep} bytes); closed as {final.name}"
    return RepairAction(path, final, kept, keep, cut, False, message)


def repair_open_files(warc_dir: Path, *, lock: ArchiveLock | None = None,
                      live_pids: Collection[int] | None = None,
                      force: bool = False) -> list[RepairAction]:
    """Repair every ``*.warc.gz.open`` file in ``warc_dir`` whose writer is gone.

    With ``lock``, this process's held lock on the archive ``warc_dir`` belongs to, every
    file is repaired: no writer can run (see the module docstring). Without it, a writer
    is taken as running if its pid (from the file name) is in ``live_pids`` or, when
    ``live_pids`` is None, is a running process other than this one; such files, and
    files without a pid in their name, are skipped (listed with ``skipped=True``) unless
    ``force``. Nothing is logged: the caller reports the actions (``str(action)`` is one
    line). Call it before opening a writer on the directory.
    """
    warc_dir = Path(warc_dir)
    if lock is not None:
        if not lock.held or lock.archive_dir.resolve() != warc_dir.parent.resolve():
            raise ValueError(f"{lock!r} is not a held lock on the archive of {warc_dir}")
        force = True
    if not warc_dir.is_dir():
        return []
    actions = []
    for path in sorted(warc_dir.glob("*.warc.gz" + OPEN_SUFFIX)):
        if not path.is_file():
            continue
        pid = writer_pid(path)
        if not force:
            if pid is None:
                actions.append(RepairAction(
                    path, None, 0, 0, 0, False,
                    "skipped: no writer pid in its name (repair with force)", skipped=True))
                continue
            running = pid in live_pids if live_pids is not None else writer_is_running(pid)
            if running:
                actions.append(RepairAction(
                    path, None, 0, 0, 0, False,
                    f"skipped: its writer (pid {pid}) is still running", skipped=True))
                continue
        actions.append(repair_open_file(path))
    return actions
