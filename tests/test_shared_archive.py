"""A shared crawl's archive DIR is one archive for the commands that read its WARC files:
`verify --archive DIR` checks every worker's folder (DIR/workers/NAME/warc) as one, a
revisit in one worker's file resolved to the record in another's, and the index DIR's
rebuild (`reextract --from DIR/workers`) made; serve's pages link to replayable
captures in the workers' files.

The archive is tests/helpers/shared_archive.py's two workers (w1, w2), with requests,
and no DIR/warc of its own: a shared crawl's workers write only their own folders."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archive.backfill.copies import copy_session
from archive.backfill.importer import ImportOptions, run_import
from archive.cli import main
from archive.layout import ArchiveLayout
from archive.serve import datasette_app
from archive.sources import load_sources
from archive.warc.origin import AS_MEMBER, COPIED, Origin
from archive.warc.reader import iter_records
from archive.web.replay import running_replay
from tests.helpers.importing import FIXTURES
from tests.helpers.replay import fetch, pywb_failures_fail_the_test
from tests.helpers.shared_archive import (
    edited,
    make_workers,
    page,
    record_id,
    response,
    write_warc,
)

SOURCES = load_sources()


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def verify_json(archive: Path) -> tuple[int, dict]:
    result = run("verify", "--archive", str(archive), "--json")
    return result.exit_code, json.loads(result.output)


def problems(report: dict) -> list[tuple[str, str]]:
    return [(problem["path"], problem["message"]) for problem in report["problems"]]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shared") / "archive"
    make_workers(root, {"a": "w1", "b": "w2"}, requests=True)
    result = run("reextract", "--archive", str(root), "--from", str(root / "workers"),
                 "--workers", "1", "--quiet")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def copy(shared: Path, tmp_path: Path) -> Path:
    """A copy of the shared archive, to damage."""
    return Path(shutil.copytree(shared, tmp_path / "archive", symlinks=True))


def worker_file(archive: Path, worker: str, n: int) -> Path:
    name = f"pressarchive-{worker}-2026030{n}000000-00000-1.warc.gz"
    return archive / "workers" / worker / "warc" / name


def test_the_rebuilt_index_names_each_file_by_its_bare_name(shared: Path) -> None:
    """What verify resolves: index rows name a file as its name alone, whichever worker's
    folder holds it (unique: a worker's files carry its name)."""
    conn = sqlite3.connect(shared / "index.db")
    try:
        named = {row[0] for row in conn.execute("select distinct warc_file from captures")}
    finally:
        conn.close()
    on_disk = {path.name for path in ArchiveLayout(shared).warc_files()}
    assert named == on_disk and len(on_disk) == 4


def test_verify_checks_every_workers_folder_as_one_archive(shared: Path) -> None:
    code, report = verify_json(shared)
    assert (code, problems(report)) == (0, [])
    assert report["files_checked"] == 4 and report["index_rows_checked"] > 0
    # w1's revisits refer to w2's records: w1's folder alone has them dangling, the
    # archive as a whole resolves them.
    code, alone = verify_json(shared / "workers" / "w1")
    assert code == 6
    assert sorted(message for _, message in problems(alone)) == [
        f"revisit {record_id(6)} refers to {record_id(1)}, not in this archive",
        f"revisit {record_id(8)} refers to {record_id(5)}, not in this archive",
    ]


def test_a_damaged_record_is_reported_in_its_workers_file(copy: Path) -> None:
    damaged = worker_file(copy, "w2", 2)
    (target,) = [r for r in iter_records(damaged) if r.record_id == record_id(5)]
    data = bytearray(damaged.read_bytes())
    middle = target.offset + target.length // 2
    data[middle:middle + 8] = b"\x00" * 8
    damaged.write_bytes(bytes(data))
    code, report = verify_json(copy)
    assert code == 6
    located = [(p["path"], p["offset"], p["message"]) for p in report["problems"]]
    # The index's rows of that record (captures, articles), found in the worker's file
    # by their bare warc_file.
    index_rows = "the record at this offset is without id, not " + record_id(5)
    assert [(path, offset) for path, offset, message in located
            if message.endswith(index_rows)] == [(str(damaged), target.offset)] * 2
    (revisit,) = [r for r in iter_records(worker_file(copy, "w1", 2))
                  if r.record_id == record_id(8)]
    assert sorted(p for p in located if not p[2].endswith(index_rows)) == sorted([
        (str(damaged), target.offset,
         "corrupt gzip member (Error -3 while decompressing data: incorrect data check)"),
        # w1's 304 refers to it: reported in w1's file, where the revisit is.
        (str(worker_file(copy, "w1", 2)), revisit.offset,
         f"revisit {record_id(8)} refers to {record_id(5)}, not in this archive"),
    ])


def test_two_files_of_one_name_are_reported(copy: Path) -> None:
    """Only a copy by hand makes them (a worker's files carry its name): the index names
    a file by its name alone, and could not tell them apart."""
    original = worker_file(copy, "w1", 1)
    (copy / "warc").mkdir()
    shutil.copyfile(original, copy / "warc" / original.name)
    code, report = verify_json(copy)
    assert code == 6
    same = [p for p in problems(report) if "of this name" in p[1]]
    assert same == [(str(original), "a WARC file of this name is also at "
                     f"{copy / 'warc' / original.name}: index.db names files by name alone "
                     "and cannot tell the two apart")]


def test_a_workers_torn_file_is_repaired_under_its_lock(copy: Path) -> None:
    url, body = page("ina")
    closed = worker_file(copy, "w2", 5)
    write_warc(closed, [response(20, url, body, "2026-03-05T08:00:00Z"),
                        response(21, url, edited(body), "2026-03-05T09:00:00Z")], "w2",
               requests=True)
    torn = closed.with_name(closed.name + ".open")
    torn.write_bytes(closed.read_bytes()[:-40])  # the second response cut short
    closed.unlink()
    code, report = verify_json(copy)
    assert (code, problems(report)) == (6, [(str(torn), "torn/unclosed file: run verify "
                                             "--repair or the next crawl repairs it")])
    # Repaired under w2's lock (DIR/workers/w2/state/lock), keeping the warcinfo and the
    # first request and response; those are not in DIR's index, which only a rebuild
    # from the workers' folders brings up to date.
    result = run("verify", "--archive", str(copy), "--repair")
    assert result.exit_code == 6, result.output
    assert f"repair: {torn}: kept 3 records" in result.output and not torn.exists()
    assert (copy / "workers" / "w2" / "state" / "lock").exists()
    rebuild = f"pressarchive reextract --archive {copy} --from {copy / 'workers'}"
    assert f"{closed}: offset " in result.output
    assert ("1 response/revisit record(s) from here on have no captures row in index.db "
            f"(worker w2's: run {rebuild})") in result.output


def test_an_import_killed_on_a_shared_archive_is_indexed_by_the_next(copy: Path) -> None:
    """An import writes DIR/warc's own files beside the workers' folders; a run killed
    before its capture rows were committed is found by the next from the newest of
    DIR/warc's files the index knows, though the index also names the workers' files
    (pressarchive-w2-…, which sort after pressarchive-2026…)."""
    member = (FIXTURES / "cc.warc.gz").read_bytes()
    record = next(iter_records(FIXTURES / "cc.warc.gz")).record_id
    origin = Origin(kind=COPIED, web_archive="killed", original_url="http://commoncrawl.org/",
                    original_date="2019-12-10T10:00:01Z", copied_as=AS_MEMBER,
                    filed_under="elsewhere")
    with copy_session(copy, SOURCES, "import", "test") as session:
        session.copies.copy(member, record, origin)
    report = run_import(ImportOptions(archive=copy, sources=SOURCES, workers=1,
                                      inputs=(str(FIXTURES / "cc.warc.gz"),),
                                      source="elsewhere"))
    assert report.prepared == ["1 archived response(s) an earlier run left without a "
                               "capture row were indexed"]
    code, verified = verify_json(copy)
    assert (code, problems(verified), verified["files_checked"]) == (0, [], 5)


def test_serve_links_a_workers_capture_to_its_replay(shared: Path) -> None:
    article, v1 = page("france24")
    other, w1 = page("trtworld")
    conn = sqlite3.connect(shared / "index.db")
    try:
        (article_id,) = conn.execute("select id from articles where url = ?",
                                     [article]).fetchone()
    finally:
        conn.close()

    async def pages(base: str) -> list[str]:
        ds = datasette_app(shared, replay=base)
        await ds.invoke_startup()
        return [(await ds.client.get(path)).text
                for path in (f"/article/{article_id}", f"/captures?url={other}")]

    with pywb_failures_fail_the_test(), running_replay(shared, 0) as base:
        article_page, captures_page = asyncio.run(pages(base))
        # The article's latest version: a response in w1's second file.
        raw = re.search(r'id="raw-page" href="([^"]+)"', article_page).group(1)
        assert raw.startswith(f"{base}/press/20260303080000id_/")
        status, _headers, served = fetch(raw)
        assert (status, served) == (200, edited(v1))
        # The 304 in w1's file, listed on the captures page, replays w2's response.
        raws = re.findall(r'href="([^"]+id_/[^"]+)">raw', captures_page)
        (not_modified,) = [link for link in raws if "/20260304080000id_/" in link]
        status, _headers, served = fetch(not_modified)
        assert (status, served) == (200, edited(w1))
