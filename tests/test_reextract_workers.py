"""A shared crawl's workers' folders as one archive: the index rebuilt from DIR/workers
equals the one rebuilt from the same records in one folder (archive/reextract.py merges
the workers' streams by date), and the CDXJ, pywb's replay and the WACZ of DIR cover every
worker's files (ArchiveLayout.warc_folders()).

The WARC files are written record by record, with fixed ids and dates, by
tests/helpers/shared_archive.py (what they hold, and why, is said there)."""

from __future__ import annotations

import gzip
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli.export import export
from archive.errors import PressArchiveError
from archive.layout import ArchiveLayout
from archive.reextract import ReextractOptions, warc_streams
from archive.samplesites import seed_pages
from archive.wacz import export_wacz
from archive.warc.cdxj import cdx_timestamp
from archive.warc.reader import read_record_at
from archive.web.replay import COLLECTION, make_collection, running_replay
from tests.helpers.frontier import COMPARED, comparable_rows
from tests.helpers.replay import fetch, parse_cdxj, pywb_failures_fail_the_test
from tests.helpers.shared_archive import (
    captures,
    edited,
    make_workers,
    page,
    rebuild,
    record_id,
    response,
    write_warc,
)


def capture_order(index: Path) -> list[str]:
    conn = sqlite3.connect(index)
    try:
        return [r[0] for r in conn.execute("select record_id from captures order by id")]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The index one machine would have: the same records in one file, in time order."""
    root = tmp_path_factory.mktemp("reference")
    write_warc(root / "warc" / "pressarchive-20260301000000-00000-1.warc.gz",
               [w.record for w in captures()])
    return rebuild(root / "archive", root / "warc")


def texts(index: Path, url: str) -> tuple[list[int], str]:
    """The article's versions and its text as the index has it (the latest version's)."""
    conn = sqlite3.connect(index)
    try:
        versions = [r[0] for r in conn.execute(
            "select version from article_versions where url = ? order by version", [url])]
        (text,) = conn.execute("select text from articles where url = ?", [url]).fetchone()
    finally:
        conn.close()
    return versions, text


@pytest.mark.parametrize("names", [{"a": "w1", "b": "w2"}, {"a": "w2", "b": "w1"}],
                         ids=["a-is-w1", "a-is-w2"])
def test_workers_rebuild_as_one_machine_in_time_order(reference: Path, tmp_path: Path,
                                                      names: dict[str, str]) -> None:
    shared = tmp_path / "shared"
    make_workers(shared, names)
    streams = warc_streams(ReextractOptions(archive=tmp_path / "x", sources={},
                                            warc_paths=(shared / "workers",)))
    # One stream per worker, by name, each of its files in order.
    assert [[path.parent.parent.name for path in stream] for stream in streams] == [
        ["w1", "w1"], ["w2", "w2"]]
    rebuilt = rebuild(tmp_path / "rebuilt", shared / "workers")
    for table in COMPARED:
        assert comparable_rows(rebuilt, table) == comparable_rows(reference, table), table
    # In time order (a WARC-Date without a fraction of a second too); the one tie, 10:00
    # on the first day, in the order of the worker names: the reference's when a is w1.
    expected = [w.id for w in captures() if w.record.rec_type in ("response", "revisit")]
    if names["a"] == "w2":
        tie = expected.index(record_id(4))
        expected[tie:tie + 2] = [record_id(9), record_id(4)]
    assert capture_order(rebuilt) == expected
    # What time order means here: each article's later version is its latest, though
    # the first worker by name wrote it (and, for the france24 one, revisited the other's
    # response before).
    for source in ("france24", "trtworld"):
        versions, text = texts(rebuilt, seed_pages()[source].url)
        assert versions == [1, 2] and "The ministry confirmed the figures" in text, source



def streams_of(folder: Path) -> list[list[str]]:
    options = ReextractOptions(archive=folder / "x", sources={}, warc_paths=(folder,))
    return [[path.name for path in stream] for stream in warc_streams(options)]


def test_which_folders_are_read_worker_by_worker(tmp_path: Path) -> None:
    make_workers(tmp_path / "machines", {"a": "w1", "b": "w2"})
    # Folders collected by links to where the workers' folders are.
    linked = tmp_path / "workers"
    linked.mkdir()
    for name in ("w2", "w1"):
        (linked / name).symlink_to(tmp_path / "machines" / "workers" / name)
    assert [[name.split("-")[1] for name in stream] for stream in streams_of(linked)] == [
        ["w1", "w1"], ["w2", "w2"]]
    # WARC files besides the workers' folders: the folder is read as one, as before.
    stray = tmp_path / "machines" / "workers" / "notes" / "stray.warc.gz"
    write_warc(stray, [response(12, "https://example.org/", b"x", "2026-01-01T00:00:00Z")])
    (stream,) = streams_of(tmp_path / "machines" / "workers")
    assert stream[0] == stray.name and len(stream) == 5  # by path: notes/ first


# --- one CDXJ, one replay, one package over every worker's files ---------------------------

OWN_URL, OWN_BODY = page("chinatopix")
OWN = response(11, OWN_URL, OWN_BODY, "2026-02-28T08:00:00.000000Z")


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shared archive: DIR/warc with a file of its own, and the folders of w1 and w2."""
    root = tmp_path_factory.mktemp("shared") / "archive"
    make_workers(root, {"a": "w1", "b": "w2"})
    write_warc(root / "warc" / "pressarchive-20260228080000-00000-1.warc.gz", [OWN])
    return root


def indexed_records() -> dict[tuple[str, str], str]:
    """(URL, timestamp) -> record id of every record a CDXJ lists."""
    records = [OWN] + [w.record for w in captures()]
    return {(r.rec_headers.get_header("WARC-Target-URI"),
             cdx_timestamp(r.rec_headers.get_header("WARC-Date"))):
            r.rec_headers.get_header("WARC-Record-ID")
            for r in records if r.rec_type in ("response", "revisit")}


def check_lines(lines: list[tuple[str, str, dict[str, str]]], warc_dir: Path,
                expected: dict[tuple[str, str], str]) -> None:
    """The lines list the `expected` records, and each line's filename, relative to
    `warc_dir`, opens the record it lists (for a 304, the response it refers to, and its
    revisit_filename the revisit)."""
    assert sorted((data["url"], ts) for _, ts, data in lines) == sorted(expected)
    for _key, timestamp, data in lines:
        record = read_record_at(warc_dir / data["filename"], int(data["offset"]))
        assert record.length == int(data["length"])
        if "revisit_filename" in data:
            own = read_record_at(warc_dir / data["revisit_filename"],
                                 int(data["revisit_offset"]))
            assert own.refers_to == record.record_id
            record = own
        assert record.record_id == expected[(data["url"], timestamp)]
        assert record.target_uri == data["url"] and cdx_timestamp(record.date) == timestamp


def test_the_archives_cdxj_lists_every_workers_record(shared: Path) -> None:
    result = CliRunner().invoke(export, ["cdxj", "--archive", str(shared)])
    assert result.exit_code == 0, result.output
    cdxj = ArchiveLayout(shared).cdxj_file
    assert result.output.strip() == str(cdxj)
    lines = parse_cdxj(cdxj.read_text())
    check_lines(lines, shared / "warc", indexed_records())
    folders = {data["filename"].rpartition("/")[0] for _, _, data in lines}
    assert folders == {"", "../workers/w1/warc", "../workers/w2/warc"}
    # The 304 in w1's file replays w2's response (its filename is that file's).
    (not_modified,) = [d for _, ts, d in lines if ts == "20260304080000"]
    assert not_modified["filename"].startswith("../workers/w2/warc/")
    assert not_modified["revisit_filename"].startswith("../workers/w1/warc/")


@pytest.mark.parametrize("own_folder", ["folder", "link", "none"])
def test_the_replay_collection_opens_every_line(shared: Path, tmp_path: Path,
                                                own_folder: str) -> None:
    """As pywb opens a line's file: the collection's archive/ folder, then the filename;
    with DIR/warc a folder, a link to a folder elsewhere, or missing (a shared archive
    whose files are all its workers')."""
    archive = shared
    expected = indexed_records()
    if own_folder != "folder":
        archive = tmp_path / "archive"
        make_workers(archive, {"a": "w1", "b": "w2"})
    if own_folder == "link":
        elsewhere = tmp_path / "disk" / "warc"
        write_warc(elsewhere / "pressarchive-20260228080000-00000-1.warc.gz", [OWN])
        (archive / "warc").symlink_to(elsewhere, target_is_directory=True)
    if own_folder == "none":
        del expected[(OWN_URL, cdx_timestamp(OWN.rec_headers.get_header("WARC-Date")))]
    collection = make_collection(archive, tmp_path / "pywb")
    lines = parse_cdxj((collection / "indexes" / "index.cdxj").read_text())
    check_lines(lines, collection / "archive", expected)


def test_pywb_replays_a_workers_capture(shared: Path) -> None:
    article = seed_pages()["france24"].url
    other = seed_pages()["trtworld"].url
    with pywb_failures_fail_the_test(), running_replay(shared, 0) as base:
        for timestamp, url, body in [
            ("20260303080000", article, edited(page("france24")[1])),  # w1's second file
            ("20260301080000", article, page("france24")[1]),  # w2's
            # A 304 in w1's file: the payload of the response in w2's.
            ("20260304080000", other, edited(page("trtworld")[1])),
            ("20260228080000", OWN_URL, OWN_BODY),  # DIR/warc's own
        ]:
            status, _headers, served = fetch(f"{base}/{COLLECTION}/{timestamp}id_/{url}")
            assert (status, served) == (200, body), (timestamp, url)


def test_the_wacz_packages_every_workers_file(shared: Path, tmp_path: Path) -> None:
    # DIR's own index: the shared archive given as a whole (its own folder, then its
    # workers', merged by date).
    streams = warc_streams(ReextractOptions(archive=shared, sources={}, warc_paths=(shared,)))
    assert [[path.parent.parent.name for path in s] for s in streams] == [
        ["archive"], ["w1", "w1"], ["w2", "w2"]]
    rebuild(shared, shared)
    out = tmp_path / "shared.wacz"
    summary = export_wacz(shared, out)
    assert summary.complete and summary.warc_files == 5
    names = {path.name for path in ArchiveLayout(shared).warc_files()}
    with zipfile.ZipFile(out) as zf:
        packaged = {name.removeprefix("archive/") for name in zf.namelist()
                    if name.startswith("archive/")}
        index = gzip.decompress(zf.read("indexes/index.cdx.gz")).decode()
    assert packaged == names
    lines = parse_cdxj(index)
    # Side by side in archive/: a line's filename is the file's name.
    assert {data["filename"] for _, _, data in lines} <= names
    assert sorted((d["url"], ts) for _, ts, d in lines) == sorted(indexed_records())


def test_the_wacz_refuses_two_files_of_one_name(tmp_path: Path) -> None:
    # Only copies made by hand can do it (a worker's files carry its name); the package
    # holds every file in one folder, where one would replace the other.
    name = "pressarchive-20260228080000-00000-1.warc.gz"
    for folder in ("warc", "workers/w1/warc"):
        write_warc(tmp_path / "archive" / folder / name, [OWN])
    with pytest.raises(PressArchiveError, match=f"two WARC files named {name}"):
        export_wacz(tmp_path / "archive", tmp_path / "out.wacz")
    assert not (tmp_path / "out.wacz").exists()
