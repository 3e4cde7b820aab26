"""The archive folder's layout, and the one error (one line per case) for each way its
index and crawl state can be unusable: on real SQLite files, opened as the commands
open them."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from archive.errors import UnusableArchive
from archive.index.schema import Capture
from archive.layout import ArchiveLayout, read_index
from archive.lock import lock_path
from tests.conftest import REPO
from tests.helpers.rows import article


def capture(url: str) -> Capture:
    return Capture(url=url, source="trtworld", status=200, content_type="text/html",
                   fetched_at="2026-11-21T10:00:00Z", warc_file="a.warc.gz", warc_offset=0,
                   warc_length=100, record_id=f"<urn:uuid:{url}>", payload_digest="sha1:X")


def write_index(layout: ArchiveLayout, articles: int = 0) -> None:
    index = layout.open_index()
    with index.batch():
        for n in range(articles):
            url = f"https://x.org/{n}"
            index.add_captures([capture(url)])
            index.add_article(article(url, f"Title {n}", f"word{n} " * 400))
    index.close()


def unusable(call: Callable[[], object]) -> UnusableArchive:
    """The UnusableArchive `call` raises; its message must be one line."""
    with pytest.raises(UnusableArchive) as info:
        call()
    assert "\n" not in str(info.value)
    return info.value


def read(opener: Callable) -> Callable[[], None]:
    def run() -> None:
        with opener() as conn:
            conn.execute("select count(*) from articles").fetchall()
    return run


def test_every_path_of_the_folder(tmp_path: Path) -> None:
    layout = ArchiveLayout(str(tmp_path))
    assert layout.root == tmp_path
    assert layout.warc_dir == tmp_path / "warc"
    assert layout.index_db == tmp_path / "index.db"
    assert layout.builds_dir == tmp_path / "index-builds"
    assert layout.cdxj_file == tmp_path / "indexes" / "index.cdxj"
    assert layout.state_dir == tmp_path / "state"
    assert layout.state_db == tmp_path / "state" / "state.db"
    assert layout.lock_file == lock_path(tmp_path) == tmp_path / "state" / "lock"
    assert not tmp_path.joinpath("state").exists(), "naming a path creates nothing"


def test_a_written_index_and_state_read_back(tmp_path: Path) -> None:
    layout = ArchiveLayout(tmp_path)
    write_index(layout, articles=2)
    state = layout.open_state()
    state.start_crawl(["trtworld"], 1, dt.datetime.now(dt.UTC))
    state.close()
    with layout.read_index() as conn:
        assert conn.execute("select count(*) from articles").fetchone() == (2,)
    with read_index(layout.index_db) as conn:
        assert conn.execute("select count(*) from captures").fetchone() == (2,)
    with layout.read_state() as conn:
        assert conn.execute("select count(*) from crawls").fetchone() == (1,)


def test_a_missing_index(tmp_path: Path) -> None:
    layout = ArchiveLayout(tmp_path)
    error = unusable(read(layout.read_index))
    assert error.reason == UnusableArchive.MISSING
    assert str(error) == (f"no index at {tmp_path / 'index.db'}: run "
                          f"`pressarchive crawl --archive {tmp_path}` first")
    assert str(unusable(layout.require_index)) == str(error)
    assert str(unusable(read(lambda: read_index(layout.index_db)))) == str(error)


def test_a_missing_or_wrong_archive_folder_says_so_first(tmp_path: Path) -> None:
    missing = ArchiveLayout(tmp_path / "nowhere")
    error = unusable(read(missing.read_index))
    assert error.reason == UnusableArchive.MISSING
    assert str(error) == (f"no index at {missing.index_db}: no archive at {missing.root} "
                          "(no such directory)")
    (tmp_path / "file").write_text("not an archive\n")
    a_file = ArchiveLayout(tmp_path / "file")
    error = unusable(read(a_file.read_state))
    assert error.reason == UnusableArchive.WRONG_KIND
    assert str(error) == (f"no crawl state in {a_file.root}: {a_file.root} is a file, "
                          "not an archive directory")
    error = unusable(missing.existing_warc_folders)
    assert str(error) == f"no archive at {missing.root} (no such directory)"


def test_a_directory_where_the_index_should_be(tmp_path: Path) -> None:
    layout = ArchiveLayout(tmp_path)
    layout.index_db.mkdir()
    expected = f"{layout.index_db} is a directory, not a SQLite index file"
    for call in (read(layout.read_index), layout.open_index):
        error = unusable(call)
        assert (error.reason, str(error)) == (UnusableArchive.WRONG_KIND, expected)


def test_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    layout = ArchiveLayout(tmp_path)
    layout.index_db.write_bytes(b"this is not a database\n" * 500)
    expected = (f"{layout.index_db} is not a usable index (file is not a database); rebuild "
                f"it from the WARC files with `pressarchive reextract --archive {tmp_path}`")
    # The crawl (writing) and the read-only commands say the same.
    for call in (read(layout.read_index), layout.open_index):
        error = unusable(call)
        assert (error.reason, str(error)) == (UnusableArchive.DAMAGED, expected)
    assert not layout.index_is_missing_or_empty()


def test_a_truncated_index(tmp_path: Path) -> None:
    layout = ArchiveLayout(tmp_path)
    write_index(layout, articles=50)
    data = layout.index_db.read_bytes()
    layout.index_db.write_bytes(data[: len(data) // 2])
    error = unusable(read(layout.read_index))
    assert error.reason == UnusableArchive.DAMAGED
    assert str(error).startswith(f"{layout.index_db} is not a usable index (database disk "
                                 "image is malformed); rebuild it from the WARC files")


def test_a_sqlite_file_of_another_program(tmp_path: Path) -> None:
    layout = ArchiveLayout(tmp_path)
    conn = sqlite3.connect(layout.index_db)
    conn.execute("create table notes (text)")
    conn.commit()
    conn.close()
    error = unusable(read(layout.read_index))
    assert error.reason == UnusableArchive.FOREIGN
    assert str(error) == (
        f"{layout.index_db} is not a Press Archive index (no such table: articles, "
        f"captures); rebuild it from the WARC files with `pressarchive reextract --archive "
        f"{tmp_path}`")
    # Nothing of ours to lose: the crawl rebuilds it from the WARC files.
    assert layout.index_is_missing_or_empty()


def test_an_index_file_outside_an_archive_is_named_without_one(tmp_path: Path) -> None:
    copy = tmp_path / "before.db"
    copy.write_bytes(b"\0" * 4096)
    error = unusable(read(lambda: read_index(copy)))
    assert (error.reason, str(error)) == (UnusableArchive.DAMAGED, (
        f"{copy} is not a usable index (file is not a database); rebuild it from the WARC "
        "files with `pressarchive reextract`"))
    error = unusable(read(lambda: read_index(tmp_path / "gone.db")))
    assert str(error) == f"no index at {tmp_path / 'gone.db'}: no such file"


def test_the_crawl_state(tmp_path: Path) -> None:
    layout = ArchiveLayout(tmp_path)
    error = unusable(read(layout.read_state))
    assert (error.reason, str(error)) == (
        UnusableArchive.MISSING, f"no crawl state in {tmp_path}: no crawl has run there")
    layout.state_dir.mkdir()
    layout.state_db.write_bytes(b"\0garbage" * 1000)
    expected = f"{layout.state_db} is not a usable crawl state (file is not a database)"
    for call in (read(layout.read_state), layout.open_state):
        error = unusable(call)
        assert (error.reason, str(error)) == (UnusableArchive.DAMAGED, expected)


def test_an_empty_index_is_rebuilt_a_used_one_is_not(tmp_path: Path) -> None:
    layout = ArchiveLayout(tmp_path)
    assert layout.index_is_missing_or_empty()
    layout.index_db.write_bytes(b"")
    assert layout.index_is_missing_or_empty()
    layout.index_db.unlink()
    write_index(layout)
    assert layout.index_is_missing_or_empty()
    write_index(layout, articles=1)
    assert not layout.index_is_missing_or_empty()


def test_the_error_keeps_its_reason_across_processes() -> None:
    # The archive writer process sends its errors to the crawl pickled.
    error = pickle.loads(pickle.dumps(UnusableArchive("gone", UnusableArchive.MISSING)))
    assert (type(error), str(error), error.reason) == (UnusableArchive, "gone", "missing")


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    """A folder outside pytest's root-only temporary folder (see as_nobody())."""
    base = Path(tempfile.mkdtemp(prefix="pressarchive-layout-"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base)


def as_nobody(archive: Path, opener: str) -> tuple[str, str]:
    """(reason, message) of opening `archive`'s database as a user who may not read it.
    As root, permissions stop no read: the opening then runs as `nobody` (setpriv)."""
    code = ("import sys\nfrom archive.errors import UnusableArchive\n"
            "from archive.layout import ArchiveLayout\n"
            f"try:\n    with ArchiveLayout(sys.argv[1]).{opener}():\n        pass\n"
            "except UnusableArchive as exc:\n    print(exc.reason)\n    print(exc)\n")
    command = [sys.executable, "-c", code, str(archive)]
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd="/",
                            env=dict(os.environ, PYTHONPATH=str(REPO),
                                     PYTHONDONTWRITEBYTECODE="1"))
    assert result.returncode == 0, result.stderr
    reason, message = result.stdout.splitlines()
    return reason, message


def test_an_index_or_state_this_user_cannot_read(world_readable_dir: Path) -> None:
    layout = ArchiveLayout(world_readable_dir / "archive")
    layout.root.mkdir()
    layout.root.chmod(0o755)
    write_index(layout, articles=1)
    layout.open_state().close()
    layout.state_dir.chmod(0o755)
    layout.index_db.chmod(0o000)
    layout.state_db.chmod(0o000)
    assert as_nobody(layout.root, "read_index") == (
        UnusableArchive.UNREADABLE, f"cannot read {layout.index_db}: permission denied")
    assert as_nobody(layout.root, "read_state") == (
        UnusableArchive.UNREADABLE, f"cannot read {layout.state_db}: permission denied")
    layout.root.chmod(0o700)
    assert as_nobody(layout.root, "read_index") == (
        UnusableArchive.UNREADABLE, f"cannot read {layout.root}: permission denied")
