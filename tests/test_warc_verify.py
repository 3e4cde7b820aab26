"""Verifying WARC files and the index against them, and repairing torn .open files.

Over 500 lines on purpose: verify and repair are tested on the same hand-made torn and
corrupt files, built by this module's helpers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tracemalloc
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from warcio.recordloader import ArcWarcRecord

from archive.cli.verify import verify
from archive.index.schema import ArticleRow, Capture
from archive.index.writer import IndexWriter
from archive.warc.members import scan_members
from archive.warc.origin import AS_MEMBER, COPIED, Origin, build_origin_record
from archive.warc.records import (
    build_request_record,
    build_response_record,
    build_revisit_record,
    serialize_record,
    warc_date,
)
from archive.warc.repair import repair_open_files
from archive.warc.verify import (
    UNCLOSED_MESSAGE,
    VerifyError,
    VerifyReport,
    verify_archive,
)
from archive.warc.writer import RecordLocation, WarcFileWriter, gzip_member

VENV_BIN = Path(sys.executable).parent
FIELDS = {"software": "pressarchive-test", "format": "WARC File Format 1.1",
          "isPartOf": "tests"}


def record_id(kind: str, n: int) -> str:
    return f"<urn:uuid:00000000-0000-4000-8000-{kind}{n:011d}>"


def exchange(n: int, *, body_size: int = 300,
             with_request: bool = True, concurrent_to: str | None = "") -> list[ArcWarcRecord]:
    """Request and response for page ``n``, with fixed ids, dates and bodies."""
    url = f"https://news.example.com/article/{n}"
    date = warc_date(1438077600 + n)
    request = build_request_record(
        url, method="GET", target=f"/article/{n}", http_version="HTTP/1.1",
        headers=[("Host", "news.example.com")], body=b"", date=date,
        record_id=record_id("1", n),
    )
    body = (f"<html><body><p>Article {n}</p>".encode() + bytes(range(256)) * 40)[:body_size]
    response = build_response_record(
        url, status=200, reason="OK", protocol="HTTP/1.1",
        headers=[("Content-Type", "text/html"), ("Content-Length", str(body_size))],
        body=body, date=date, record_id=record_id("2", n),
        concurrent_to=record_id("1", n) if concurrent_to == "" else concurrent_to,
    )
    return [request, response] if with_request else [response]


def write_warc(warc_dir: Path, groups: int = 3, first: int = 0,
               ) -> tuple[Path, list[list[RecordLocation]]]:
    """One closed file: warcinfo, then ``groups`` request/response pairs."""
    with WarcFileWriter(warc_dir, "pressarchive", warcinfo_fields=FIELDS) as writer:
        locations = [writer.write(exchange(n)) for n in range(first, first + groups)]
    [path] = writer.files_written
    return path, locations


def problems_of(report: VerifyReport) -> list[tuple[str, int | None, str]]:
    return [(p.path.name, p.offset, p.message) for p in report.problems]


def replace_member(path: Path, location: RecordLocation, new_member: bytes) -> None:
    data = path.read_bytes()
    start, end = location.offset, location.offset + location.length
    path.write_bytes(data[:start] + new_member + data[end:])


def member_text(path: Path, location: RecordLocation) -> bytes:
    data = path.read_bytes()[location.offset:location.offset + location.length]
    return zlib.decompress(data, 16 + zlib.MAX_WBITS)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return tmp_path / "archive"


def test_a_good_archive_verifies_ok(archive: Path) -> None:
    write_warc(archive / "warc", groups=3)
    write_warc(archive / "warc", groups=2, first=10)
    report = verify_archive(archive)
    assert report.ok, report.format()
    assert (report.files_checked, report.records_checked) == (2, 12)
    assert report.format() == "OK: 2 WARC file(s), 12 records checked, no problems"


def test_a_flipped_body_byte_is_a_digest_problem_at_its_offset(archive: Path) -> None:
    path, locations = write_warc(archive / "warc")
    response = locations[1][1]
    text = member_text(path, response)
    at = text.index(b"Article 1")
    broken = text[:at] + b"B" + text[at + 1:]
    replace_member(path, response, gzip_member(broken, 6))
    report = verify_archive(archive)
    assert not report.ok
    assert [(name, offset) for name, offset, _ in problems_of(report)] == [
        (path.name, response.offset), (path.name, response.offset)]
    messages = [message for _, _, message in problems_of(report)]
    assert messages[0].startswith("WARC-Block-Digest mismatch")
    assert messages[1].startswith("WARC-Payload-Digest mismatch")


def test_a_flipped_compressed_byte_is_a_corrupt_member(archive: Path) -> None:
    path, locations = write_warc(archive / "warc")
    data = bytearray(path.read_bytes())
    middle = locations[0][1].offset + locations[0][1].length // 2
    data[middle] ^= 0x55
    path.write_bytes(bytes(data))
    [(name, offset, message)] = problems_of(verify_archive(archive))
    assert (name, offset) == (path.name, locations[0][1].offset)
    assert message.startswith("corrupt gzip member")


def test_a_file_cut_mid_member_fails_where_warcio_check_passes(archive: Path) -> None:
    path, locations = write_warc(archive / "warc")
    last = locations[-1][1]
    cut = last.offset + last.length * 3 // 4  # inside the body of the last response
    path.write_bytes(path.read_bytes()[:cut])

    # The reason for this check: warcio reads the cut record, cannot check its digest, and
    # still exits 0. gzip -t does notice.
    warcio = subprocess.run([str(VENV_BIN / "warcio"), "check", "-v", str(path)],
                            capture_output=True, text=True)
    assert warcio.returncode == 0, warcio.stdout + warcio.stderr
    assert "digest present but not checked" in warcio.stdout
    assert subprocess.run(["gzip", "-t", str(path)], capture_output=True).returncode != 0

    report = verify_archive(archive)
    [(name, offset, message)] = problems_of(report)
    assert (name, offset) == (path.name, last.offset)
    assert message.startswith("incomplete gzip member: the file ends")
    assert "(torn write)" in message and "response" in message


def test_content_length_is_compared_with_the_bytes(archive: Path) -> None:
    for first, delta, expected in (
        (0, -1, "record does not end with CRLF CRLF after its Content-Length: "
                "the length is wrong"),
        (10, 44, "block is {length} bytes, shorter than its Content-Length {wrong}"),  # + CRLF CRLF
    ):
        path, locations = write_warc(archive / "warc", first=first)
        request = locations[0][0]
        text = member_text(path, request)
        length = int(re.search(rb"\r\nContent-Length: (\d+)\r\n", text).group(1))
        changed = text.replace(f"Content-Length: {length}\r\n".encode(),
                               f"Content-Length: {length + delta}\r\n".encode())
        replace_member(path, request, gzip_member(changed, 6))
        problems = [p for p in problems_of(verify_archive(archive)) if p[0] == path.name]
        assert problems == [
            (path.name, request.offset, expected.format(length=length + 4, wrong=length + delta))]


def test_one_record_per_member_and_warcinfo_first(archive: Path) -> None:
    warc_dir = archive / "warc"
    path, locations = write_warc(warc_dir)
    data = path.read_bytes()
    first_group = data[locations[0][0].offset:locations[0][1].offset + locations[0][1].length]
    request, response = exchange(50)
    two = gzip_member(serialize_record(request) + serialize_record(response), 6)
    path.write_bytes(data + two)
    headless = warc_dir / "pressarchive-headless.warc.gz"
    headless.write_bytes(first_group)
    report = verify_archive(archive)
    assert (path.name, len(data), "gzip member holds more than one record") in \
        problems_of(report)
    assert (headless.name, 0, "first record is request, not warcinfo") in problems_of(report)


def test_a_response_needs_its_request_in_the_same_file(archive: Path) -> None:
    warc_dir = archive / "warc"
    with WarcFileWriter(warc_dir, "pressarchive", warcinfo_fields=FIELDS) as writer:
        writer.write(exchange(0))
        [orphan] = writer.write(exchange(1, with_request=False))
        [no_link] = writer.write(exchange(2, with_request=False, concurrent_to=None))
    [path] = writer.files_written
    assert problems_of(verify_archive(archive)) == [
        (path.name, orphan.offset, f"response {record_id('2', 1)} is not paired: its "
         f"request {record_id('1', 1)} (WARC-Concurrent-To) is not in this file"),
        (path.name, no_link.offset, f"response {record_id('2', 2)} has no "
         "WARC-Concurrent-To: its request is unknown"),
    ]


def test_a_copied_record_needs_no_request_but_its_origin_right_after_it(archive: Path) -> None:
    # Another crawler's response copied verbatim (Common Crawl's news crawl wrote no
    # requests): the origin metadata record that names it stands for the exchange.
    warc_dir = archive / "warc"
    with WarcFileWriter(warc_dir, "pressarchive", warcinfo_fields=FIELDS) as writer:
        [copied] = exchange(1, with_request=False, concurrent_to=None)
        origin = Origin(kind=COPIED, web_archive="commoncrawl CC-NEWS",
                        original_url=copied.rec_headers["WARC-Target-URI"],
                        original_date=copied.rec_headers["WARC-Date"], copied_as=AS_MEMBER)
        writer.write([copied, build_origin_record(
            origin, described_id=record_id("2", 1),
            target_uri=origin.original_url, date=origin.original_date)])
        [unnamed] = writer.write(exchange(2, with_request=False, concurrent_to=None))
    [path] = writer.files_written
    assert problems_of(verify_archive(archive)) == [
        (path.name, unnamed.offset, f"response {record_id('2', 2)} has no "
         "WARC-Concurrent-To: its request is unknown"),
    ]


def revisit_group(n: int, original: ArcWarcRecord, *, refers_to: str | None = None,
                  payload_digest: str | None = None) -> list[ArcWarcRecord]:
    request = exchange(n)[0]
    headers = original.rec_headers
    revisit = build_revisit_record(
        headers.get_header("WARC-Target-URI"), status=200, reason="OK", protocol="HTTP/1.1",
        headers=[("Content-Type", "text/html")], body_length=300,
        payload_digest=payload_digest or headers.get_header("WARC-Payload-Digest"),
        refers_to=refers_to or headers.get_header("WARC-Record-ID"),
        refers_to_uri=headers.get_header("WARC-Target-URI"),
        refers_to_date=headers.get_header("WARC-Date"), date=warc_date(1500000000 + n),
        record_id=record_id("3", n), concurrent_to=request.rec_headers.get_header(
            "WARC-Record-ID"),
    )
    return [request, revisit]


def test_revisits_are_paired_and_resolve_to_their_original(archive: Path) -> None:
    warc_dir = archive / "warc"
    original = exchange(0)
    with WarcFileWriter(warc_dir, "pressarchive", warcinfo_fields=FIELDS) as writer:
        writer.write(original)
    with WarcFileWriter(warc_dir, "pressarchive", warcinfo_fields=FIELDS) as writer:
        writer.write(revisit_group(1, original[1]))
    report = verify_archive(archive)
    assert report.ok, report.format()

    with WarcFileWriter(warc_dir, "pressarchive", warcinfo_fields=FIELDS) as writer:
        [_, unknown] = writer.write(revisit_group(2, original[1], refers_to=record_id("8", 1)))
        [_, other] = writer.write(revisit_group(3, original[1], payload_digest="sha1:AAAA"))
        [lonely] = writer.write(revisit_group(4, original[1])[1:])
    [path] = writer.files_written
    problems = problems_of(verify_archive(archive))
    assert (path.name, unknown.offset, f"revisit {record_id('3', 2)} refers to "
            f"{record_id('8', 1)}, not in this archive") in problems
    assert any(p[:2] == (path.name, other.offset) and "has payload digest sha1:AAAA but"
               in p[2] for p in problems)
    assert (path.name, lonely.offset, f"revisit {record_id('3', 4)} is not paired: its "
            f"request {record_id('1', 4)} (WARC-Concurrent-To) is not in this file") \
        in problems
    assert len(problems) == 3


def test_duplicate_record_ids_and_missing_fields(archive: Path) -> None:
    first, _ = write_warc(archive / "warc", groups=1)
    second, locations = write_warc(archive / "warc", groups=1)  # the same fixed ids
    request = locations[0][0]
    text = member_text(second, request)
    no_date = b"".join(line for line in text.splitlines(keepends=True)
                       if not line.startswith(b"WARC-Date:"))
    replace_member(second, request, gzip_member(no_date, 6))
    problems = problems_of(verify_archive(archive))
    assert (second.name, request.offset, "mandatory header WARC-Date is missing") in problems
    duplicates = [p for p in problems if p[2].startswith("duplicate WARC-Record-ID")]
    assert len(duplicates) == 2
    assert {p[0] for p in duplicates} == {max(first.name, second.name)}


def test_a_leftover_open_file_is_a_problem(archive: Path) -> None:
    path, _ = write_warc(archive / "warc")
    torn = path.with_name(path.name + ".open")
    path.rename(torn)
    report = verify_archive(archive)
    assert problems_of(report) == [(torn.name, None, UNCLOSED_MESSAGE)]
    assert report.files_checked == 0
    assert report.format().splitlines()[0] == f"{torn}: whole file: {UNCLOSED_MESSAGE}"


def capture_row(location: RecordLocation, n: int, **changes: object) -> Capture:
    values: dict = dict(
        url=f"https://news.example.com/article/{n}", source="test", status=200,
        content_type="text/html", fetched_at=warc_date(1438077600 + n),
        warc_file=location.filename, warc_offset=location.offset,
        warc_length=location.length, record_id=location.record_id, payload_digest="",
    )
    values.update(changes)
    return Capture(**values)


def article_row(location: RecordLocation, n: int) -> ArticleRow:
    return ArticleRow(
        url=f"https://news.example.com/article/{n}", source="test", title=f"Article {n}",
        author="", published="", language="en", canonical_url="", text="text", word_count=1,
        capture_record_id=location.record_id, warc_file=location.filename,
        warc_offset=location.offset, payload_digest="", fetched_at="", extractor="t",
        extractor_version="1", config_hash="x",
    )


def test_index_rows_must_point_to_complete_records(archive: Path) -> None:
    path, locations = write_warc(archive / "warc")
    size = path.stat().st_size
    index = IndexWriter(archive / "index.db")
    responses = [group[1] for group in locations]
    index.add_captures([capture_row(loc, n) for n, loc in enumerate(responses)])
    index.add_article(article_row(responses[0], 0))
    index.close()
    report = verify_archive(archive, index_db=archive / "index.db")
    assert report.ok, report.format()
    assert report.index_rows_checked == 4

    for name in ("index.db", "index.db-wal", "index.db-shm"):
        (archive / name).unlink(missing_ok=True)
    index = IndexWriter(archive / "index.db")
    index.add_captures([
        capture_row(responses[0], 10, warc_offset=size + 100, record_id=record_id("9", 1)),
        capture_row(responses[1], 11, record_id=record_id("9", 2)),
        capture_row(responses[2], 12, warc_length=5),
        capture_row(responses[0], 13, warc_file="gone.warc.gz", record_id=record_id("9", 3)),
        capture_row(responses[0], 14, warc_offset=5, record_id=record_id("9", 4)),
    ])
    index.close()
    report = verify_archive(archive, index_db=archive / "index.db")
    row_problems = [p for p in report.problems if p.message.startswith("index.db ")]
    # Only the third response kept a row of its own record id: the other two are
    # archived responses the index does not know.
    assert [(p.path.name, p.offset, p.message) for p in report.problems
            if p not in row_problems] == [
        (path.name, responses[0].offset, "2 response/revisit record(s) from here on have no "
         "captures row in index.db (the next crawl indexes them, or run pressarchive "
         "reextract)")]
    found = {(p.path.name, p.offset, p.message.split(": ", 1)[1]) for p in row_problems}
    assert found == {
        (path.name, size + 100, f"offset is past the end of the file ({size} bytes)"),
        (path.name, responses[1].offset,
         f"the record at this offset is {responses[1].record_id}, not {record_id('9', 2)}"),
        (path.name, responses[2].offset,
         f"warc_length is 5 but the record's gzip member is {responses[2].length} bytes"),
        ("gone.warc.gz", responses[0].offset, "the WARC file does not exist"),
        (path.name, 5, "no complete record starts at this offset"),
    }
    assert all(p.message.startswith("index.db captures row ") for p in row_problems)

    # A torn last record: its index row (if the crawl had written one) is caught.
    path.write_bytes(path.read_bytes()[:size - 10])
    report = verify_archive(archive, index_db=archive / "index.db")
    assert (path.name, responses[2].offset,
            f"record {responses[2].record_id} is not complete on disk") in {
        (name, offset, message.split(": ", 1)[-1]) for name, offset, message
        in problems_of(report)}


def test_format_lists_file_and_offset_then_a_summary(archive: Path) -> None:
    path, locations = write_warc(archive / "warc")
    last = locations[-1][1]
    path.write_bytes(path.read_bytes()[:last.offset + 20])
    (archive / "warc" / "pressarchive-x.warc.gz.open").write_bytes(b"")
    lines = verify_archive(archive).format().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{path}: offset {last.offset}: incomplete gzip member")
    assert lines[1] == f"{archive / 'warc' / 'pressarchive-x.warc.gz.open'}: whole file: " \
        + UNCLOSED_MESSAGE
    assert lines[2] == "FAILED: 2 problem(s); 1 WARC file(s), 7 records checked"


def test_verify_refuses_a_missing_archive(tmp_path: Path) -> None:
    with pytest.raises(VerifyError, match="no archive directory"):
        verify_archive(tmp_path / "nothing")


def test_scanning_uses_bounded_memory(tmp_path: Path) -> None:
    body_size = 24 * 1024 * 1024
    with WarcFileWriter(tmp_path, "big", warcinfo_fields=FIELDS, gzip_level=1) as writer:
        writer.write(exchange(0, body_size=body_size))
    [path] = writer.files_written
    tracemalloc.start()
    try:
        with open(path, "rb") as fh:
            members = list(scan_members(fh))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [m.intact for m in members] == [True, True, True]
    assert peak < 4 * 1024 * 1024, peak


# ---- the command ----

def test_cli_exit_status_and_report(archive: Path) -> None:
    path, locations = write_warc(archive / "warc")
    runner = CliRunner()
    result = runner.invoke(verify, ["--archive", str(archive)])
    assert result.exit_code == 0, result.output
    assert result.output == "OK: 1 WARC file(s), 7 records checked, no problems\n"

    torn = path.with_name(path.name + ".open")
    torn.write_bytes(path.read_bytes()[:locations[-1][1].offset + 30])
    path.unlink()
    result = runner.invoke(verify, ["--archive", str(archive)])
    assert result.exit_code == 6
    assert result.output.splitlines() == [f"{torn}: whole file: {UNCLOSED_MESSAGE}",
                                          "FAILED: 1 problem(s); 0 WARC file(s), 0 records "
                                          "checked"]
    result = runner.invoke(verify, ["--archive", str(archive), "--json"])
    assert result.exit_code == 6
    data = json.loads(result.output)
    assert data["ok"] is False and data["problems"][0]["path"] == str(torn)

    result = runner.invoke(verify, ["--archive", str(archive), "--repair"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (f"repair: {torn}: kept 5 records ({locations[-1][0].offset} bytes), "
                        f"cut {30 + locations[-1][0].length} bytes of torn data; "
                        f"closed as {path.name}")
    assert lines[1] == "OK: 1 WARC file(s), 5 records checked, no problems"


def test_cli_user_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(verify, ["--archive", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert result.output == f"Error: no archive directory at {tmp_path / 'missing'}\n"
    result = runner.invoke(verify, ["--archive", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {tmp_path} is not an archive")


# ---- repair ----

def test_repair_keeps_exactly_the_whole_groups_before_any_cut(
        archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []  # fsync is counted, not done: thousands of them are slow
    monkeypatch.setattr("archive.warc.repair.os.fsync", synced.append)
    warc_dir = archive / "warc"
    path, locations = write_warc(warc_dir, groups=4)
    data = path.read_bytes()
    warcinfo_end = locations[0][0].offset
    group_ends = [warcinfo_end] + [g[1].offset + g[1].length for g in locations]
    assert group_ends[-1] == len(data)
    torn = path.with_name(path.name + ".open")
    path.unlink()
    results: dict[int, int] = {}
    # Every cut point inside the last two groups, and the whole file.
    for cut in range(group_ends[-3], len(data) + 1):
        torn.write_bytes(data[:cut])
        [action] = repair_open_files(warc_dir)
        keep = max(end for end in group_ends if end <= cut)
        groups = group_ends.index(keep)
        assert (action.final_path, action.kept_bytes, action.cut_bytes, action.kept_records,
                action.removed) == (path, keep, cut - keep, 1 + 2 * groups, False), cut
        assert not torn.exists()
        assert path.read_bytes() == data[:keep], cut
        assert len(synced) == 2  # the file, then its directory after the rename
        synced.clear()
        results[keep] = results.get(keep, 0) + 1
        path.unlink()
    assert sorted(results) == group_ends[-3:]
    # The repaired file is the same bytes for every cut that keeps the same groups: check
    # each distinct result with the outside tools and the full verification.
    for keep in results:
        path.write_bytes(data[:keep])
        subprocess.run(["gzip", "-t", str(path)], check=True)
        warcio = subprocess.run([str(VENV_BIN / "warcio"), "check", str(path)],
                                capture_output=True, text=True)
        assert warcio.returncode == 0, warcio.stdout + warcio.stderr
        report = verify_archive(archive)
        assert report.ok, report.format()
        path.unlink()


def test_repair_reports_what_it_did_and_cuts_garbage(archive: Path) -> None:
    warc_dir = archive / "warc"
    path, locations = write_warc(warc_dir, groups=2)
    data = path.read_bytes()
    torn = path.with_name(path.name + ".open")
    torn.write_bytes(data + b"\0" * 4096)  # a crash can leave zero-filled blocks
    path.unlink()
    [action] = repair_open_files(warc_dir)
    assert (action.kept_records, action.kept_bytes, action.cut_bytes) == (5, len(data), 4096)
    assert str(action) == (f"{torn}: kept 5 records ({len(data)} bytes), cut 4096 bytes of "
                           f"torn data; closed as {path.name}")
    assert path.read_bytes() == data

    path.rename(torn)  # closed cleanly but never renamed: nothing to cut
    [action] = repair_open_files(warc_dir)
    assert action.cut_bytes == 0 and action.final_path == path
    assert str(action) == f"{torn}: complete (5 records, {len(data)} bytes); closed as " \
                          f"{path.name}"
    assert repair_open_files(warc_dir) == []


def test_repair_removes_a_file_without_any_group(archive: Path) -> None:
    warc_dir = archive / "warc"
    path, locations = write_warc(warc_dir, groups=1)
    data = path.read_bytes()
    torn = path.with_name(path.name + ".open")
    path.unlink()
    for cut, what in ((locations[0][1].offset + 40, "only a warcinfo record"),
                      (locations[0][0].offset - 3, "no complete record"), (0, "no complete "
                                                                              "record")):
        torn.write_bytes(data[:cut])
        [action] = repair_open_files(warc_dir)
        assert action.removed and action.final_path is None and action.kept_records == 0
        assert action.cut_bytes == cut
        assert action.message == f"removed: {what} ({cut} bytes)"
        assert list(warc_dir.iterdir()) == []


def test_repair_skips_files_of_a_running_writer(archive: Path) -> None:
    warc_dir = archive / "warc"
    path, _ = write_warc(warc_dir, groups=1)
    live = os.getppid()  # a running process that is not this one
    torn = path.with_name(path.name.replace(f"-{os.getpid()}.", f"-{live}.") + ".open")
    data = path.read_bytes()
    torn.write_bytes(data[:-5])
    path.unlink()
    [action] = repair_open_files(warc_dir)
    assert action.skipped and not action.removed
    assert action.message == f"skipped: its writer (pid {live}) is still running"
    assert torn.read_bytes() == data[:-5]
    # verify does not trust the pid either: no run holds the archive's lock, so the
    # file is torn (tests/test_faults_repair.py has the case of a running crawl).
    problems = problems_of(verify_archive(archive))
    assert problems[0][2].startswith("torn/unclosed file: run verify --repair")

    assert repair_open_files(warc_dir, live_pids={live})[0].skipped
    # The current process's own pid in a name is a dead writer of a previous run.
    [action] = repair_open_files(warc_dir, live_pids=set(), force=False)
    assert action.removed  # only a warcinfo survived the cut of 5 bytes of the response
    assert not torn.exists()


def test_repair_force_and_existing_final_name(archive: Path) -> None:
    warc_dir = archive / "warc"
    path, _ = write_warc(warc_dir, groups=2)
    data = path.read_bytes()
    other = warc_dir / "someone-else.warc.gz.open"  # no pid in the name
    other.write_bytes(data)
    [action] = repair_open_files(warc_dir)
    assert action.skipped and "no writer pid" in action.message
    [action] = repair_open_files(warc_dir, force=True)
    assert action.final_path == warc_dir / "someone-else.warc.gz"
    torn = path.with_name(path.name + ".open")
    torn.write_bytes(data)
    [action] = repair_open_files(warc_dir)
    assert action.skipped and action.message == f"skipped: {path.name} already exists"
    assert torn.exists()
