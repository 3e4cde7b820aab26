"""The rolling WARC file writer: layout, rollover, gzip members, failures, threads."""

from __future__ import annotations

import errno
import gzip
import re
import subprocess
import sys
import textwrap
import threading
import zlib
from pathlib import Path

import pytest
from warcio.recordloader import ArcWarcRecord

from archive.warc.reader import StoredRecord, iter_records, read_record_at
from archive.warc.records import (
    build_request_record,
    build_response_record,
    new_record_id,
    serialize_record,
    warc_date,
)
from archive.warc.writer import (
    RawMember,
    RecordLocation,
    WarcFileWriter,
    WarcWriteError,
    gzip_member,
)

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
FIELDS = {
    "software": "pressarchive-test",
    "format": "WARC File Format 1.1",
    "isPartOf": "tests",
}
NAME_RE = re.compile(r"press-\d{14}-(\d{5})-\d+\.warc\.gz")


def exchange(n: int, body_size: int = 2000) -> list[ArcWarcRecord]:
    """A request and its response for page ``n``."""
    url = f"https://news.example.com/article/{n}"
    date = warc_date(1438077600 + n)
    request = build_request_record(
        url, method="GET", target=f"/article/{n}", http_version="HTTP/1.1",
        headers=[("Host", "news.example.com")], body=b"", date=date,
    )
    response = build_response_record(
        url, status=200, reason="OK", protocol="HTTP/1.1",
        headers=[("Content-Type", "text/html"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        body=(f"<html>{n} ".encode() + bytes(range(256)) * (body_size // 256 + 1))[:body_size],
        date=date, concurrent_to=request.rec_headers.get_header("WARC-Record-ID"),
    )
    return [request, response]


def check_file_externally(path: Path) -> None:
    """``gzip -t`` tests every member; ``warcio check`` recomputes every digest."""
    subprocess.run(["gzip", "-t", str(path)], check=True)
    result = subprocess.run([str(VENV_BIN / "warcio"), "check", "-v", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digest pass" in result.stdout


def read_all(path: Path) -> list[StoredRecord]:
    errors: list = []
    records = list(iter_records(path, errors=errors))
    assert errors == []
    return records


def test_file_layout_warcinfo_first_and_pairs(tmp_path: Path) -> None:
    with WarcFileWriter(tmp_path, "press", warcinfo_fields=FIELDS) as writer:
        locations = [loc for n in range(3) for loc in writer.write(exchange(n))]
        warcinfo_id = writer.warcinfo_id
        open_files = sorted(p.name for p in tmp_path.iterdir())
        assert len(open_files) == 1 and open_files[0].endswith(".warc.gz.open")
        assert writer.files_written == []
    [path] = writer.files_written
    assert NAME_RE.fullmatch(path.name)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    assert open_files[0] == path.name + ".open"

    records = read_all(path)
    assert [r.rec_type for r in records] == ["warcinfo"] + ["request", "response"] * 3
    info = records[0]
    assert info.record_id == warcinfo_id
    assert info.warc_header("WARC-Filename") == path.name
    assert info.body == (b"software: pressarchive-test\r\nformat: WARC File Format 1.1\r\n"
                         b"isPartOf: tests\r\n")
    for request, response in zip(records[1::2], records[2::2], strict=True):
        assert request.target_uri == response.target_uri
        assert response.warc_header("WARC-Concurrent-To") == request.record_id
        assert request.warc_header("WARC-Warcinfo-ID") == warcinfo_id
        assert response.warc_header("WARC-Warcinfo-ID") == warcinfo_id
        assert [v for n, v in response.http_headers if n == "Set-Cookie"] == ["a=1", "b=2"]
    assert [(r.offset, r.length, r.record_id) for r in records[1:]] == [
        (loc.offset, loc.length, loc.record_id) for loc in locations
    ]
    assert {loc.filename for loc in locations} == {path.name}
    assert writer.records_written == 6
    assert writer.bytes_written == path.stat().st_size
    check_file_externally(path)


def test_each_record_is_one_gzip_member_at_its_location(tmp_path: Path) -> None:
    with WarcFileWriter(tmp_path, "press", warcinfo_fields=FIELDS) as writer:
        groups = [(records, writer.write(records)) for records in map(exchange, range(4))]
    data = writer.files_written[0].read_bytes()
    for records, locations in groups:
        for record, loc in zip(records, locations, strict=True):
            member = data[loc.offset:loc.offset + loc.length]
            decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
            decompressor.decompress(member)
            assert decompressor.eof and decompressor.unused_data == b""
            read = read_record_at(writer.files_written[0], loc.offset)
            assert read.record_id == loc.record_id == record.rec_headers["WARC-Record-ID"]
            assert read.length == loc.length


def test_rollover_only_between_groups_and_every_file_starts_with_warcinfo(
        tmp_path: Path) -> None:
    with WarcFileWriter(tmp_path, "press", warcinfo_fields=FIELDS,
                        max_file_bytes=3000) as writer:
        groups = [writer.write(exchange(n)) for n in range(10)]
    files = writer.files_written
    assert len(files) > 2
    serials = [int(NAME_RE.fullmatch(p.name).group(1)) for p in files]
    assert serials == list(range(len(files)))
    for locations in groups:
        # A request and its response never straddle two files.
        assert len({loc.filename for loc in locations}) == 1
    seen_warcinfo = set()
    for path in files:
        records = read_all(path)
        assert records[0].rec_type == "warcinfo"
        assert [r.rec_type for r in records[1:]] == ["request", "response"] * (
            (len(records) - 1) // 2)
        assert {r.warc_header("WARC-Warcinfo-ID") for r in records[1:]} == {
            records[0].record_id}
        seen_warcinfo.add(records[0].record_id)
        # The size limit is checked before a group: a file goes over it by one group at most.
        offsets = [r.offset for r in records]
        assert all(offset < 3000 for offset in offsets[1::2])
        check_file_externally(path)
    assert len(seen_warcinfo) == len(files)


def test_no_file_without_writes_and_closed_writer_refuses(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path / "new" / "dir", "press", warcinfo_fields=FIELDS)
    assert writer.warcinfo_id is None
    writer.close()
    writer.close()
    assert list((tmp_path / "new" / "dir").iterdir()) == []
    with pytest.raises(ValueError, match="closed"):
        writer.write(exchange(1))


def test_existing_warcinfo_id_is_kept(tmp_path: Path) -> None:
    records = exchange(1)
    mine = new_record_id()
    records[0].rec_headers.add_header("WARC-Warcinfo-ID", mine)
    with WarcFileWriter(tmp_path, "press", warcinfo_fields=FIELDS) as writer:
        writer.write(records)
    warcinfo, request, response = read_all(writer.files_written[0])
    assert request.warc_header("WARC-Warcinfo-ID") == mine
    assert response.warc_header("WARC-Warcinfo-ID") == warcinfo.record_id


def test_gzip_level_is_used(tmp_path: Path) -> None:
    sizes = {}
    for level in (1, 9):
        with WarcFileWriter(tmp_path / str(level), "press", warcinfo_fields=FIELDS,
                            gzip_level=level) as writer:
            for n in range(5):
                writer.write(exchange(n, body_size=50000))
        sizes[level] = writer.bytes_written
        check_file_externally(writer.files_written[0])
    assert sizes[9] < sizes[1]
    with pytest.raises(ValueError):
        WarcFileWriter(tmp_path, "press", warcinfo_fields=FIELDS, gzip_level=10)


def test_a_raw_member_is_written_byte_for_byte_beside_built_records(tmp_path: Path) -> None:
    # Another crawler's record, gzipped by another tool (level 1, a file name in the
    # gzip header), must land in the file exactly as it was: no Warcinfo-ID added.
    request, response = exchange(7)
    serialised = serialize_record(response)
    foreign = gzip.compress(serialised, compresslevel=1, mtime=1234)
    foreign = foreign[:3] + b"\x08" + foreign[4:10] + b"other.warc\x00" + foreign[10:]
    record_id = response.rec_headers.get_header("WARC-Record-ID")
    _, follower = exchange(8)
    with WarcFileWriter(tmp_path, "press", warcinfo_fields=FIELDS) as writer:
        locations = writer.write([RawMember(foreign, record_id), follower])
        # A failed write of a group with a raw member leaves nothing of it.
        size = writer.current_path.stat().st_size
        writer._fh = FailingFile(writer._fh, partial=len(foreign) // 2)
        with pytest.raises(WarcWriteError):
            writer.write([RawMember(foreign, record_id), exchange(9)[1]])
        assert writer.current_path.stat().st_size == size
    [path] = writer.files_written
    data = path.read_bytes()
    first = locations[0]
    assert data[first.offset:first.offset + first.length] == foreign
    assert first.record_id == record_id and locations[1].offset == first.offset + len(foreign)
    warcinfo, copied, built = read_all(path)
    assert copied.record_id == record_id and copied.warc_header("WARC-Warcinfo-ID") == ""
    assert built.warc_header("WARC-Warcinfo-ID") == warcinfo.record_id
    assert gzip_member(serialised, 6) != foreign  # it was not re-compressed
    check_file_externally(path)


class FailingFile:
    """Wraps the writer's file: writes part of the next write, then fails like a full disk."""

    def __init__(self, real, partial: int) -> None:
        self.real = real
        self.partial = partial
        self.armed = True

    def write(self, data) -> int:
        if self.armed:
            self.armed = False
            self.real.write(bytes(data[:self.partial]))
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.real.write(data)

    def __getattr__(self, name: str):
        return getattr(self.real, name)


def test_failed_write_leaves_a_valid_file_and_writing_goes_on(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path, "press", warcinfo_fields=FIELDS)
    writer.write(exchange(1))
    open_path = writer.current_path
    size_before = open_path.stat().st_size
    writer._fh = FailingFile(writer._fh, partial=300)

    failed = exchange(2)
    with pytest.raises(WarcWriteError, match="No space left") as caught:
        writer.write(failed)
    assert caught.value.errno == errno.ENOSPC
    assert str(size_before) in str(caught.value)
    # The partial member was cut off again.
    assert open_path.stat().st_size == size_before
    assert writer.records_written == 2

    # The same records can be retried once space is back.
    writer.write(failed)
    writer.write(exchange(3))
    writer.close()
    [path] = writer.files_written
    records = read_all(path)
    assert [r.target_uri.rsplit("/", 1)[1] for r in records[1:]] == ["1", "1", "2", "2", "3",
                                                                     "3"]
    check_file_externally(path)


def test_disk_full_for_real_with_a_file_size_limit(tmp_path: Path) -> None:
    # RLIMIT_FSIZE makes the kernel accept part of a write and then refuse with EFBIG, like a
    # full disk. Run in a child process so the limit cannot touch the test runner.
    script = textwrap.dedent(f"""
        import resource, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from pathlib import Path
        from test_warc_writer import FIELDS, exchange
        from archive.warc.writer import WarcFileWriter, WarcWriteError
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20000, resource.RLIM_INFINITY))
        writer = WarcFileWriter(Path({str(tmp_path)!r}), "press", warcinfo_fields=FIELDS,
                                gzip_level=0)
        written = 0
        try:
            for n in range(100):
                writer.write(exchange(n))
                written += 2
        except WarcWriteError as exc:
            print("failed", written, exc.errno)
        print(writer.current_path)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    status, path_line = result.stdout.splitlines()
    _, written, err = status.split()
    assert int(err) == errno.EFBIG
    path = Path(path_line)
    assert 0 < path.stat().st_size <= 20000
    records = read_all(path)
    assert len(records) == 1 + int(written)
    check_file_externally(path)


def test_concurrent_writers_keep_groups_together(tmp_path: Path) -> None:
    locations: list[RecordLocation] = []
    lock = threading.Lock()
    with WarcFileWriter(tmp_path, "press", warcinfo_fields=FIELDS,
                        max_file_bytes=20000) as writer:
        def work(thread: int) -> None:
            for n in range(25):
                written = writer.write(exchange(thread * 1000 + n))
                with lock:
                    locations.extend(written)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert writer.records_written == 300
    total = 0
    for path in writer.files_written:
        records = read_all(path)
        body = records[1:]
        total += len(body)
        for request, response in zip(body[::2], body[1::2], strict=True):
            assert (request.rec_type, response.rec_type) == ("request", "response")
            assert response.warc_header("WARC-Concurrent-To") == request.record_id
    assert total == 300
    by_id = {loc.record_id: loc for loc in locations}
    assert len(by_id) == 300
    for loc in list(by_id.values())[::37]:
        assert read_record_at(tmp_path / loc.filename, loc.offset).record_id == loc.record_id



def test_unusable_directory_gives_a_clear_error(tmp_path: Path) -> None:
    directory = tmp_path / "warcs"
    writer = WarcFileWriter(directory, "press", warcinfo_fields=FIELDS)
    directory.rmdir()
    directory.write_text("a file where the directory was")  # fails even for root
    with pytest.raises(WarcWriteError, match="cannot create WARC file") as caught:
        writer.write(exchange(1))
    assert caught.value.errno == errno.ENOTDIR
