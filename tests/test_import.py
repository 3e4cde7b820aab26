"""`pressarchive import`: other crawlers' WARC, ARC and WACZ files copied verbatim with
their provenance, deduplicated, indexed, and rebuilt alike by `reextract`.

Every input is written by another tool (warcio, gzip, the `wacz` tool) or copied from
real files of other writers (tests/fixtures/warc/README.md); nothing is mocked."""

from __future__ import annotations

import gzip
import hashlib
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from archive.backfill.copies import copy_session
from archive.backfill.importer import (
    HELD,
    NO_ORIGINAL,
    OTHER_HOST,
    OTHER_TYPE,
    OUTSIDE_WINDOW,
    ImportOptions,
    ImportReport,
    run_import,
)
from archive.lock import ArchiveLock
from archive.reextract import ReextractOptions, run_reextract
from archive.samplesites.webarchive import serving_files
from archive.samplesites.webarchive.build import exchanges
from archive.samplesites.webarchive.warcfiles import Exchange, write_warc
from archive.sources import load_sources, source_for_url
from archive.warc.origin import (
    AS_CONVERTED_ARC,
    AS_MEMBER,
    AS_RECORD,
    AS_RECORD_IN_GZIP_STREAM,
    COPIED,
    Origin,
)
from archive.warc.reader import iter_records
from archive.warc.verify import verify_archive
from tests.conftest import REPO, run_cli
from tests.helpers.importing import (
    FIXTURES,
    add_revisit,
    assert_verifies,
    index_rows,
    make_wacz,
    one_gzip_stream,
    sources_warc,
    stored_bytes,
    uncompressed,
)

SOURCES = load_sources()


def do_import(archive: Path, *inputs: Path | str, **options: str) -> ImportReport:
    return run_import(ImportOptions(archive=archive, sources=SOURCES,
                                    inputs=tuple(map(str, inputs)), workers=1, **options))


def query(archive: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(archive / "index.db") as conn:
        return conn.execute(sql, params).fetchall()


def assert_reextract_gives_the_same_rows(archive: Path) -> None:
    before = index_rows(archive)
    assert before["captures"] and before["origins"]
    run_reextract(ReextractOptions(archive=archive, sources=SOURCES, workers=1))
    assert index_rows(archive) == before


@pytest.fixture(scope="module")
def warcio_file(tmp_path_factory: pytest.TempPathFactory):
    """The sample web archive's captures in one warcio-written file, plus a revisit."""
    path = tmp_path_factory.mktemp("inputs") / "other-crawler.warc.gz"
    written = sources_warc(path)
    original = next(w for w in written if "31164" in w.exchange.url)
    revisit_id = add_revisit(path, original)
    return path, written, revisit_id


def expected_copies(written) -> list:
    """The responses an import keeps: of the sources' hosts, the first of each URL and
    payload digest (a later identical capture is already held)."""
    seen, kept = set(), []
    for w in written:
        key = (w.exchange.url, w.digest)
        if source_for_url(w.exchange.url, SOURCES) is not None and key not in seen:
            seen.add(key)
            kept.append(w)
    return kept


@pytest.fixture(scope="module")
def imported(warcio_file, tmp_path_factory: pytest.TempPathFactory):
    path, written, revisit_id = warcio_file
    archive = tmp_path_factory.mktemp("imported") / "archive"
    report = do_import(archive, path)
    return archive, report


def test_records_of_the_sources_are_copied_verbatim_with_their_provenance(
        warcio_file, imported) -> None:
    path, written, revisit_id = warcio_file
    archive, report = imported
    kept = expected_copies(written)
    responses = [w for w in written if source_for_url(w.exchange.url, SOURCES)]
    assert report.kept == len(kept) + 1  # and the revisit, whose original is held
    assert report.skipped[HELD] == len(responses) - len(kept)
    assert report.skipped[OTHER_HOST] == 1
    # warcinfo and one request per response, left: the response holds the page.
    assert report.skipped[OTHER_TYPE] == 1 + len(written)
    assert report.bad == [] and report.exit_code == 0

    captures = query(archive, "select url, source, warc_file, warc_offset, warc_length, "
                              "rec_type, origin from captures order by id")
    origins = {row[0]: row[1:] for row in query(
        archive, "select record_id, web_archive, source_file, source_offset, source_length, "
                 "copied_as, filed_under from origins")}
    record_ids = [r[0] for r in query(archive, "select record_id from captures order by id")]
    assert [c[0] for c in captures[:-1]] == [w.exchange.url for w in kept]
    assert captures[-1][5] == "revisit"
    source_bytes = path.read_bytes()
    for (url, source, warc_file, offset, length, _, origin), record_id, w in zip(
            captures, record_ids, kept, strict=False):
        assert source == source_for_url(url, SOURCES).name
        assert origin == str(path.absolute())
        web_archive, source_file, source_offset, source_length, copied_as, filed = \
            origins[record_id]
        assert (source_offset, source_length, copied_as, filed) == (w.offset, w.length,
                                                                   AS_MEMBER, "")
        assert web_archive == source_file == str(path.absolute())
        # The gzip member in the archive is the one in the other crawler's file.
        assert stored_bytes(archive, warc_file, offset, length) == \
            source_bytes[w.offset:w.offset + w.length]
    assert record_ids[-1] == revisit_id

    # Each copy is followed by its origin record, in our own file after a warcinfo.
    [warc] = (archive / "warc").glob("*.warc.gz")
    types = [r.rec_type for r in iter_records(warc)]
    assert types == ["warcinfo"] + ["response", "metadata"] * len(kept) + ["revisit",
                                                                         "metadata"]
    assert_verifies(archive)


def test_the_copies_are_indexed_as_a_crawl_indexes_pages(imported) -> None:
    archive, report = imported
    articles = dict(query(archive, "select url, text from articles"))
    phrases = {ex.url: page.article.phrases for page, ex in exchanges()
               if page.article and ex.status == 200}
    # Every article page captured, once per payload (a page edited between captures
    # is extracted again: a new version).
    assert report.indexing.outcomes["ok"] >= len(articles) == len(phrases)
    for url, expected in phrases.items():
        assert all(phrase in articles[url] for phrase in expected), url
    assert all(SOURCES[s].is_article(u) for u, s in
               query(archive, "select url, source from articles"))
    # The 2018 capture of a China Topix story answered 404: the article is marked gone.
    removed = dict(query(archive, "select url, removed_reason from articles "
                                  "where removed_at != ''"))
    assert removed["http://www.chinatopix.com/articles/30511/20150113/"
                   "pentagon-says-isis-campaign-has-cost-over-1-billion.htm"] == "answered 404"
    assert query(archive, "select count(*) from articles where origin = ''") == [(0,)]


def test_a_second_import_copies_nothing_and_reextract_rebuilds_the_same_index(
        warcio_file, imported) -> None:
    path, _, _ = warcio_file
    archive, first = imported
    files = sorted((archive / "warc").iterdir())
    again = do_import(archive, path)
    assert again.kept == 0
    assert again.skipped[HELD] == first.kept + first.skipped[HELD]
    assert sorted((archive / "warc").iterdir()) == files, "no new WARC file"
    assert_reextract_gives_the_same_rows(archive)


def test_a_window_keeps_only_captures_made_in_it(warcio_file, tmp_path: Path) -> None:
    path, written, _ = warcio_file
    report = do_import(tmp_path / "a", path, from_="2015-01-01", to="2015-12-31")
    kept = [w for w in expected_copies(written) if w.exchange.timestamp.startswith("2015")]
    outside = [w for w in written if source_for_url(w.exchange.url, SOURCES)
               and not w.exchange.timestamp.startswith("2015")]
    assert report.kept == len(kept) + 1  # the revisit is dated 2015-12-01
    assert report.skipped[OUTSIDE_WINDOW] == len(outside)
    dates = [d for (d,) in query(tmp_path / "a", "select fetched_at from captures")]
    assert len(dates) == report.kept and all(d.startswith("2015-") for d in dates)


@pytest.mark.parametrize(("variant", "copied_as"), [
    ("one gzip stream", AS_RECORD_IN_GZIP_STREAM), ("uncompressed", AS_RECORD)])
def test_whole_file_gzip_and_uncompressed_warcs_give_the_same_captures(
        warcio_file, imported, tmp_path: Path, variant: str, copied_as: str) -> None:
    path, _, _ = warcio_file
    if variant == "one gzip stream":
        source = one_gzip_stream(path, tmp_path / "whole.warc.gz")
    else:
        source = uncompressed(path, tmp_path / "plain.warc")
    archive = tmp_path / "archive"
    report = do_import(archive, source)
    assert report.bad == [] and report.kept == imported[1].kept
    columns = "url, source, status, fetched_at, record_id, payload_digest, rec_type"
    assert query(archive, f"select {columns} from captures order by id") == \
        query(imported[0], f"select {columns} from captures order by id")
    # The record's bytes are the other file's, read back out of its gzip stream.
    stream = gzip.decompress(source.read_bytes()) if variant == "one gzip stream" \
        else source.read_bytes()
    for warc_file, offset, length, source_offset, source_length, how in query(
            archive, "select warc_file, warc_offset, warc_length, source_offset, "
                     "source_length, copied_as from captures join origins using (record_id)"):
        assert how == copied_as
        member = stored_bytes(archive, warc_file, offset, length)
        assert gzip.decompress(member) == \
            stream[source_offset:source_offset + source_length] + b"\r\n\r\n"
    assert_verifies(archive)
    if variant == "one gzip stream":
        assert_reextract_gives_the_same_rows(archive)


def test_real_files_of_other_writers_are_filed_under_the_named_source(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    files = [FIXTURES / name for name in (
        "example.warc.gz", "cc.warc.gz", "example.arc.gz", "example.arc", "bad.arc",
        "link-extraction-test.warc")]
    without = do_import(tmp_path / "none", *files)
    assert without.kept == 0 and without.skipped[OTHER_HOST] >= 4

    report = do_import(archive, *files, source="elsewhere")
    rows = query(archive, "select url, source, rec_type, copied_as, filed_under, source_file "
                          "from captures join origins using (record_id) order by id")
    fixture = str(FIXTURES.absolute())
    assert [(url, source, kind, how, filed, Path(src).name) for url, source, kind, how, filed,
            src in rows] == [
        ("http://example.com/", "elsewhere", "response", AS_MEMBER, "elsewhere",
         "example.warc.gz"),
        # A revisit naming its original by URL and date: the response is held, it is kept.
        ("http://example.com/", "elsewhere", "revisit", AS_MEMBER, "elsewhere",
         "example.warc.gz"),
        ("http://commoncrawl.org/", "elsewhere", "response", AS_MEMBER, "elsewhere",
         "cc.warc.gz"),
        # An ARC record becomes a WARC response; the same capture uncompressed is held.
        ("http://example.com/", "elsewhere", "response", AS_CONVERTED_ARC, "elsewhere",
         "example.arc.gz"),
    ]
    assert all(src.startswith(fixture) for *_, src in rows)
    assert report.skipped[HELD] == 1  # example.arc: its payload came with example.arc.gz
    # bad.arc's invalid lengths and link-extraction-test.warc's records without an id
    # are reported with their file and offset; the rest went on.
    bad = {(Path(e.filename).name, e.offset) for e in report.bad}
    assert {("bad.arc", 0), ("bad.arc", 134), ("bad.arc", 262),
            ("link-extraction-test.warc", 258)} <= bad
    assert report.exit_code == 3
    # The converted ARC record keeps the ARC block (HTTP head and body) byte for byte.
    [converted] = [r for w in (archive / "warc").glob("*.warc.gz") for r in iter_records(w)
                   if r.rec_type == "response" and r.warc_header("WARC-Date").startswith("2014")]
    arc = gzip.decompress((FIXTURES / "example.arc.gz").read_bytes())
    assert converted.http_status == 200 and converted.body.startswith(b"<!doctype html>")
    assert converted.body in arc
    assert_verifies(archive)
    assert_reextract_gives_the_same_rows(archive)


def test_a_revisit_is_copied_only_once_its_original_is_held(tmp_path: Path) -> None:
    data = (FIXTURES / "example.warc").read_bytes()
    cut = data.index(b"WARC/1.0\r\nWARC-Target-URI: http://example.com/\r\n"
                     b"WARC-Date: 2017-03-06T04:03:48Z")
    revisit_only = tmp_path / "revisit-only.warc"
    revisit_only.write_bytes(data[cut:])
    archive = tmp_path / "archive"
    alone = do_import(archive, revisit_only, source="elsewhere")
    assert alone.kept == 0 and alone.skipped[NO_ORIGINAL] == 1
    both = do_import(archive, FIXTURES / "example.warc", revisit_only, source="elsewhere")
    assert both.kept == 2 and both.skipped[HELD] == 1
    assert query(archive, "select rec_type from captures order by id") == [
        ("response",), ("revisit",)]


def test_a_wacz_made_by_the_wacz_tool_is_imported_entry_by_entry(
        warcio_file, imported, tmp_path: Path) -> None:
    path, _, _ = warcio_file
    wacz = make_wacz([path], tmp_path / "crawl.wacz")
    archive = tmp_path / "archive"
    report = do_import(archive, wacz)
    assert report.bad == [] and report.kept == imported[1].kept and report.files == 1
    assert query(archive, "select url, record_id from captures order by id") == \
        query(imported[0], "select url, record_id from captures order by id")
    assert set(query(archive, "select web_archive, source_file from origins")) == {
        (str(wacz.absolute()), f"archive/{path.name}")}
    assert_verifies(archive)
    # By URL: a ZIP is read from its end, so it is downloaded first (and counted).
    with serving_files(tmp_path) as server:
        by_url = do_import(tmp_path / "by-url", server.base_url + wacz.name)
    assert by_url.kept == report.kept and by_url.bytes_read == wacz.stat().st_size
    assert query(tmp_path / "by-url", "select distinct origin from captures") == [
        (server.base_url + wacz.name,)]


def test_a_wacz_with_a_damaged_entry_keeps_what_it_can_and_says_where(
        warcio_file, tmp_path: Path) -> None:
    path, written, _ = warcio_file
    other = shutil.copy(FIXTURES / "cc.warc.gz", tmp_path / "second.warc.gz")
    wacz = make_wacz([path, Path(other)], tmp_path / "damaged.wacz")
    with zipfile.ZipFile(wacz) as zf:
        info = zf.getinfo(f"archive/{path.name}")
        assert info.compress_type == zipfile.ZIP_STORED
    data = bytearray(wacz.read_bytes())
    # The entry's bytes follow its local header: 30 bytes, its name, its extra field.
    header = info.header_offset
    name_length = int.from_bytes(data[header + 26:header + 28], "little")
    extra_length = int.from_bytes(data[header + 28:header + 30], "little")
    start = header + 30 + name_length + extra_length
    assert data[start:start + 2] == b"\x1f\x8b"
    damaged = expected_copies(written)[5]
    for i in range(40, 60):  # inside the sixth kept record's deflate data
        data[start + damaged.offset + i] ^= 0xFF
    wacz.write_bytes(bytes(data))

    archive = tmp_path / "archive"
    report = do_import(archive, wacz, source="elsewhere")
    entry = f"{wacz}#archive/{path.name}"
    assert [(e.filename, e.offset) for e in report.bad] == [(entry, damaged.offset)]
    assert report.exit_code == 3
    urls = [u for (u,) in query(archive, "select url from captures order by id")]
    # The records before the damage, then the next entry, whole.
    assert urls == [w.exchange.url for w in expected_copies(written)[:5]] + \
        ["http://commoncrawl.org/"]
    assert_verifies(archive)


def test_the_command_reports_bad_records_and_user_errors_in_one_line(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    result = run_cli("import", str(FIXTURES / "bad.arc"), str(FIXTURES / "example.warc.gz"),
                     "--archive", str(archive), "--source", "elsewhere", "--workers", "1")
    assert result.returncode == 3, result.stderr
    assert f"bad record: {FIXTURES / 'bad.arc'} at offset 134: response record has an " \
           "invalid length '-1'" in result.stderr
    assert "2 copied into the archive" in result.stderr
    assert "bytes kept per byte read" in result.stderr

    (tmp_path / "notes.warc.gz").write_text("These are notes, not an archive.\n")
    text = run_cli("import", str(tmp_path / "notes.warc.gz"), "--archive", str(archive))
    assert text.returncode == 3
    assert f"bad record: {tmp_path / 'notes.warc.gz'} at offset 0: not a WARC or ARC " \
           "record" in text.stderr

    missing = run_cli("import", str(tmp_path / "nothing.warc.gz"), "--archive", str(archive))
    assert missing.returncode == 4
    assert missing.stderr.strip().splitlines() == [
        f"Error: no such file or directory: {tmp_path / 'nothing.warc.gz'}"]
    bad_day = run_cli("import", str(FIXTURES / "cc.warc.gz"), "--from", "2015-13-01",
                      "--archive", str(archive))
    assert bad_day.returncode == 2 and "use YYYY-MM-DD" in bad_day.stderr
    backwards = run_cli("import", str(FIXTURES / "cc.warc.gz"), "--from", "2016-01-01",
                        "--to", "2015-01-01", "--archive", str(archive))
    assert backwards.returncode == 2 and "before --from" in backwards.stderr
    bad_name = run_cli("import", str(FIXTURES / "cc.warc.gz"), "--source", "no spaces",
                       "--archive", str(archive))
    assert bad_name.returncode == 4 and bad_name.stderr.count("\n") == 1


def test_urls_are_streamed_and_one_that_fails_is_reported_while_the_rest_goes_on(
        tmp_path: Path) -> None:
    with serving_files(FIXTURES) as server:
        report = do_import(tmp_path / "archive", server.base_url + "nothing.warc.gz",
                           server.base_url + "cc.warc.gz", source="elsewhere")
        assert [(r.path, r.range, r.status) for r in server.requests] == [
            ("/nothing.warc.gz", "", 404), ("/cc.warc.gz", "", 200)]
    assert report.kept == 1 and report.exit_code == 3
    assert report.failed_inputs == [f"cannot open {server.base_url}nothing.warc.gz: "
                                    "HTTP Error 404: Not Found"]
    assert query(tmp_path / "archive", "select origin from captures") == [
        (server.base_url + "cc.warc.gz",)]
    with serving_files(FIXTURES) as server:
        only = do_import(tmp_path / "other", server.base_url + "nothing.warc.gz")
    assert only.exit_code == 4


def test_records_a_killed_import_left_unindexed_are_indexed_by_the_next(
        tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    do_import(archive, FIXTURES / "example.warc.gz", source="elsewhere")
    # A run killed after writing a copy, before its capture row was committed.
    member = (FIXTURES / "cc.warc.gz").read_bytes()
    origin = Origin(kind=COPIED, web_archive="killed", original_url="http://commoncrawl.org/",
                    original_date="2019-12-10T10:00:01Z", copied_as=AS_MEMBER,
                    filed_under="elsewhere")
    record_id = next(iter_records(FIXTURES / "cc.warc.gz")).record_id
    with copy_session(archive, SOURCES, "import", "test") as session:
        session.copies.copy(member, record_id, origin)
    assert query(archive, "select count(*) from captures") == [(2,)]
    report = do_import(archive, FIXTURES / "cc.warc.gz", source="elsewhere")
    assert report.prepared == ["1 archived response(s) an earlier run left without a "
                               "capture row were indexed"]
    assert report.kept == 0 and report.skipped[HELD] == 1
    assert query(archive, "select source, origin from captures where record_id = ?",
                 (record_id,)) == [("elsewhere", "killed")]
    assert_verifies(archive)


def test_an_archive_another_run_holds_is_refused_with_exit_5(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    with ArchiveLock(archive, "crawl"):
        result = run_cli("import", str(FIXTURES / "cc.warc.gz"), "--archive", str(archive))
    assert result.returncode == 5 and result.stderr.count("\n") == 1, result.stderr
    (tmp_path / "file").write_text("x")
    not_a_dir = run_cli("import", str(FIXTURES / "cc.warc.gz"), "--archive",
                        str(tmp_path / "file"))
    assert not_a_dir.returncode == 4 and not_a_dir.stderr.startswith(
        "Error: cannot create archive directory"), not_a_dir.stderr


def test_a_full_disk_stops_the_import_in_one_line_and_the_next_run_indexes_the_rest(
        tmp_path: Path) -> None:
    # The kernel refuses to grow any file past 2 MB (RLIMIT_FSIZE, EFBIG), as a full
    # disk would: the index stays small, the WARC file of incompressible pages does not.
    pages = tmp_path / "pages.warc.gz"
    big = [Exchange(url=f"https://www.trtworld.com/middle-east/story-{n}-{n}",
                    timestamp=f"2017102012{n:04d}"[:14], status=200, reason="OK",
                    headers=(("Content-Type", "application/octet-stream"),
                             ("Content-Length", "200000")),
                    body=b"".join(hashlib.sha256(f"{n}-{i}".encode()).digest()
                                  for i in range(6250)))
           for n in range(30)]
    write_warc(pages, big, info={"software": "test"}, created="20171020120000")
    archive = tmp_path / "archive"
    do_import(archive, FIXTURES / "cc.warc.gz", source="elsewhere")  # an index with rows
    earlier = set((archive / "warc").glob("*.warc.gz"))

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG, not death by signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))

    command = [sys.executable, "-m", "archive.cli", "import", str(pages), "--archive",
               str(archive), "--workers", "1"]
    stopped = subprocess.run(command, capture_output=True, text=True, timeout=300,
                             preexec_fn=limit_file_size, cwd=REPO)
    assert stopped.returncode == 4, stopped.stderr
    [line] = [x for x in stopped.stderr.splitlines() if x.startswith("Error:")]
    assert line.startswith(f"Error: import stopped: cannot write the archive {archive}: ")
    assert "File too large" in line and "Traceback" not in stopped.stderr
    # The WARC file is whole; the copies of the batch that failed have no capture row.
    # The stopped run's file, found by what is new: names made in the same second as the
    # first import's sort by pid, not by time.
    [newest] = set((archive / "warc").glob("*.warc.gz")) - earlier
    written = len(list(iter_records(newest, types={"response"})))
    assert 0 < written < 30
    unindexed = verify_archive(archive, index_db=archive / "index.db")
    assert [p.message.split(" record(s)")[0] for p in unindexed.problems] == [
        f"{written} response/revisit"]
    report = do_import(archive, pages)
    assert report.prepared == [
        f"{written} archived response(s) an earlier run left without a capture row were "
        "indexed", f"{written} article page(s) left unindexed by an earlier run were "
        "indexed from the WARC files"]
    assert report.kept == 30 - written and report.skipped[HELD] == written
    assert query(archive, "select count(*) from captures") == [(31,)]
    assert_reextract_gives_the_same_rows(archive)
