"""archive.lock.ArchiveLock: one run per archive, with real processes and a real kill -9.

Holders run in subprocesses (`python -c HOLDER`) that print "locked <child pid>" once they
hold the lock, so no test relies on sleeps to know the lock is taken.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from archive import exitcodes
from archive.errors import PressArchiveError
from archive.lock import ArchiveLock, ArchiveLocked, lock_path, read_lock_info
from tests.conftest import REPO
from tests.helpers.kills import HOLDER

HOSTNAME = socket.gethostname()
ISO_UTC = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture
def start_holder() -> Iterator[Callable[..., tuple[subprocess.Popen, int]]]:
    """Start a holder; returns (process, pid of its child or 0) once it holds the lock."""
    started: list[tuple[subprocess.Popen, int]] = []

    def start(archive: Path, purpose: str = "crawl", child: str | None = None):
        argv = [sys.executable, "-c", HOLDER, str(archive), purpose]
        if child:
            argv.append(child)
        proc = subprocess.Popen(
            argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        started.append((proc, 0))
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        line = proc.stdout.readline() if ready else ""
        if not line.startswith("locked"):
            _kill(proc.pid)
            pytest.fail(f"holder did not take the lock: {line!r} {proc.stderr.read()}")
        child_pid = int(line.split()[1])
        started[-1] = (proc, child_pid)
        return proc, child_pid

    yield start
    for proc, child_pid in started:
        _kill(proc.pid)
        if child_pid:
            _kill(child_pid)
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


def wait_until_not_open_in(pid: int, path: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            links = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
        except OSError:  # a descriptor closed while listing: look again
            continue
        if str(path) not in links:
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} still has {path} open after {timeout} s")


def kill9(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL


def test_acquire_writes_json_release_clears(tmp_path: Path) -> None:
    lock = ArchiveLock(tmp_path / "archive", "crawl", command="pressarchive crawl --x")
    assert lock.acquire() is lock
    assert lock.held
    path = tmp_path / "archive" / "state" / "lock"
    assert lock_path(tmp_path / "archive") == path
    info = json.loads(path.read_text())
    assert info == lock.info
    assert info["pid"] == os.getpid()
    assert info["hostname"] == HOSTNAME
    assert info["purpose"] == "crawl"
    assert re.fullmatch(ISO_UTC, info["started"])
    assert info["command"] == "pressarchive crawl --x"
    assert lock.taken_over_from is None and lock.takeover_message() is None
    assert read_lock_info(tmp_path / "archive") == info

    lock.release()
    assert not lock.held
    assert path.exists() and path.read_bytes() == b""  # file kept, details cleared
    assert read_lock_info(tmp_path / "archive") is None
    lock.release()  # twice is harmless


def test_default_command_is_this_process_argv(tmp_path: Path) -> None:
    with ArchiveLock(tmp_path, "reextract") as lock:
        assert lock.info["command"].split()[0] == sys.argv[0]


def test_context_manager_and_clean_reacquire(tmp_path: Path) -> None:
    with ArchiveLock(tmp_path, "crawl") as lock:
        assert lock.held
    assert not lock.held
    with ArchiveLock(tmp_path, "reextract") as again:
        # A released lock is not a "takeover".
        assert again.taken_over_from is None
        assert json.loads(lock_path(tmp_path).read_text())["purpose"] == "reextract"


def test_released_on_exception(tmp_path: Path) -> None:
    with pytest.raises(ValueError), ArchiveLock(tmp_path, "crawl"):
        raise ValueError("the run failed")
    ArchiveLock(tmp_path, "crawl").acquire().release()


def test_second_lock_in_same_process_fails_with_one_line(tmp_path: Path) -> None:
    with ArchiveLock(tmp_path, "crawl") as first:
        started = first.info["started"]
        for _ in range(2):
            with pytest.raises(ArchiveLocked) as caught:
                ArchiveLock(tmp_path, "reextract").acquire()
            message = str(caught.value)
            assert message == (
                f"archive {tmp_path} is in use by pid {os.getpid()} "
                f"(crawl started {started} on host {HOSTNAME}); try again later"
            )
            assert "\n" not in message
            assert isinstance(caught.value, PressArchiveError)
            assert caught.value.holder == first.info
        # The failed attempts neither unlocked nor overwrote the first holder.
        assert first.held
        assert json.loads(lock_path(tmp_path).read_text()) == first.info


def test_same_object_twice_is_a_bug(tmp_path: Path) -> None:
    with ArchiveLock(tmp_path, "crawl") as lock, pytest.raises(RuntimeError):
        lock.acquire()


def test_lock_descriptor_is_not_inherited_across_exec(tmp_path: Path) -> None:
    with ArchiveLock(tmp_path, "crawl") as lock:
        fd = lock._fd
        assert fd is not None and not os.get_inheritable(fd)
        # Even with close_fds=False the exec'd child does not get it (O_CLOEXEC).
        probe = subprocess.run(
            [sys.executable, "-c", f"import os; os.fstat({fd})"],
            close_fds=False, capture_output=True, text=True, timeout=30,
        )
        assert probe.returncode != 0 and "Bad file descriptor" in probe.stderr


def test_other_process_holds_the_lock(tmp_path: Path, start_holder) -> None:
    proc, _ = start_holder(tmp_path, "reextract")
    started = time.monotonic()
    with pytest.raises(ArchiveLocked) as caught:
        ArchiveLock(tmp_path, "crawl").acquire()
    assert time.monotonic() - started < 2  # never waits for the holder
    assert re.fullmatch(
        rf"archive {re.escape(str(tmp_path))} is in use by pid {proc.pid} "
        rf"\(reextract started {ISO_UTC} on host {re.escape(HOSTNAME)}\); try again later",
        str(caught.value),
    )
    assert caught.value.holder["pid"] == proc.pid


def test_lock_of_killed_process_is_taken_over(tmp_path: Path, start_holder) -> None:
    proc, _ = start_holder(tmp_path, "crawl")
    dead = read_lock_info(tmp_path)
    assert dead is not None and dead["pid"] == proc.pid
    kill9(proc)

    with ArchiveLock(tmp_path, "crawl") as lock:
        assert lock.taken_over_from == dead
        message = lock.takeover_message()
        assert message is not None and "\n" not in message
        assert message.startswith(f"lock left by pid {proc.pid} (killed?) taken over")
        # Our own details replaced the dead holder's, as valid JSON.
        assert json.loads(lock_path(tmp_path).read_text())["pid"] == os.getpid()
    assert ArchiveLock(tmp_path, "crawl").acquire().taken_over_from is None


@pytest.mark.parametrize("start_method", ["spawn", "forkserver", "fork"])
def test_child_of_killed_holder_does_not_keep_the_lock(
    tmp_path: Path, start_holder, start_method: str
) -> None:
    # spawn/forkserver: the child is an exec'd interpreter (O_CLOEXEC keeps the fd out);
    # fork: the at-fork hook closes the inherited descriptor in the child.
    proc, child_pid = start_holder(tmp_path, "crawl", start_method)
    assert child_pid
    with pytest.raises(ArchiveLocked):
        ArchiveLock(tmp_path, "crawl").acquire()
    # A forked child closes its copy in the at-fork hook, which a loaded machine may
    # not have run yet when the holder says it is ready.
    wait_until_not_open_in(child_pid, lock_path(tmp_path))
    kill9(proc)
    os.kill(child_pid, 0)  # the child outlives its parent and still runs

    with ArchiveLock(tmp_path, "crawl") as lock:
        assert lock.taken_over_from["pid"] == proc.pid
    _kill(child_pid)


def test_holder_without_details_yet(tmp_path: Path) -> None:
    """The instant between a holder's flock and its write: a vaguer message, no wait."""
    import fcntl

    path = lock_path(tmp_path)
    path.parent.mkdir(parents=True)
    with open(path, "a+b") as raw:
        fcntl.flock(raw, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(ArchiveLocked) as caught:
            ArchiveLock(tmp_path, "crawl").acquire()
    assert str(caught.value) == (
        f"archive {tmp_path} is in use by another process; try again later"
    )
    assert caught.value.holder is None


def test_unreadable_leftover_is_taken_over(tmp_path: Path) -> None:
    path = lock_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"pid": 12')  # a write cut short
    with ArchiveLock(tmp_path, "crawl") as lock:
        assert lock.taken_over_from == {"unreadable": '{"pid": 12'}
        assert "unreadable" in lock.takeover_message()
        assert json.loads(path.read_text())["pid"] == os.getpid()  # no stale tail


def test_unusable_archive_is_not_reported_as_locked(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(PressArchiveError) as caught:
        ArchiveLock(not_a_dir, "crawl").acquire()
    assert not isinstance(caught.value, ArchiveLocked)
    assert "cannot create lock file" in str(caught.value)


def test_exit_codes() -> None:
    codes = {
        "OK": exitcodes.OK,
        "FINISHED_WITH_ERRORS": exitcodes.FINISHED_WITH_ERRORS,
        "COULD_NOT_RUN": exitcodes.COULD_NOT_RUN,
        "LOCKED": exitcodes.LOCKED,
        "PROBLEMS_FOUND": exitcodes.PROBLEMS_FOUND,
    }
    assert codes == {"OK": 0, "FINISHED_WITH_ERRORS": 3, "COULD_NOT_RUN": 4, "LOCKED": 5,
                     "PROBLEMS_FOUND": 6}
    assert not {1, 2} & set(codes.values())  # click's generic and usage errors
