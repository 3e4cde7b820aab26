"""Opening other crawlers' files as record streams: what a file is told by its bytes, and
the readers that keep exactly the bytes a record was read from."""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from archive.backfill.streams import (
    GZIP_STREAM,
    MEMBERS,
    PLAIN,
    ZIP,
    CountingReader,
    GunzipReader,
    InputError,
    RecordingReader,
    first_record_size,
    open_streams,
    sniff,
)
from archive.warc.reader import ReadError, iter_records, iter_stream
from archive.warc.records import build_response_record, serialize_record
from tests.helpers.importing import FIXTURES, one_gzip_stream

UA = "PressArchive-test"


def layout_of(data: bytes) -> tuple[str, bytes]:
    """The layout sniffed, and the bytes the returned reader gives (all of them)."""
    layout, reader = sniff(io.BytesIO(data))
    return layout, reader.read(-1) + b"".join(iter(lambda: reader.read(7), b""))


@pytest.mark.parametrize(("name", "expected"), [
    ("example.warc.gz", MEMBERS), ("cc.warc.gz", MEMBERS), ("example.arc.gz", MEMBERS),
    ("example-bad-non-chunked.warc.gz", GZIP_STREAM), ("example.warc", PLAIN),
    ("example.arc", PLAIN), ("bad.arc", PLAIN)])
def test_a_file_is_told_by_its_bytes_and_given_back_whole(name: str, expected: str) -> None:
    data = (FIXTURES / name).read_bytes()
    assert layout_of(data) == (expected, data)


def test_a_zip_and_a_damaged_gzip_are_told_apart(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("archive/a.warc", b"WARC/1.0\r\n")
    assert layout_of(buffer.getvalue())[0] == ZIP
    data = (FIXTURES / "example.warc.gz").read_bytes()
    # Cut inside the first member, or garbage after the gzip magic: the reader will say
    # what is wrong, record by record.
    assert layout_of(data[:200]) == (MEMBERS, data[:200])
    assert layout_of(b"\x1f\x8b" + b"\x00" * 50)[0] == MEMBERS
    assert layout_of(b"")[0] == PLAIN


def test_the_first_record_size_of_warc_and_arc_headers() -> None:
    warc = b"WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 5\r\n\r\nhello\r\n\r\n"
    assert first_record_size(warc) == len(warc)
    assert first_record_size(warc[:20]) is None
    assert first_record_size(b"WARC/1.0\r\nWARC-Type: x\r\n\r\n") == -1
    arc = b"http://a/ 1.2.3.4 20140101000000 text/html 3\nabc\n"
    assert first_record_size(arc) == len(arc)
    assert first_record_size(b"not an archive at all\n") == -1


def test_a_recording_reader_keeps_bytes_until_told_and_seeks_back_within_them() -> None:
    reader = RecordingReader(io.BytesIO(bytes(range(200))))
    assert reader.read(10) == bytes(range(10)) and reader.tell() == 10
    reader.read(50)
    assert reader.slice(5, 15) == bytes(range(5, 15))
    reader.forget(20)
    with pytest.raises(ValueError, match="no longer kept"):
        reader.slice(10, 30)
    assert reader.seek(25) == 25 and reader.read(5) == bytes(range(25, 30))
    with pytest.raises(io.UnsupportedOperation):
        reader.seek(5)
    assert not reader.at_eof()
    assert reader.read(-1) == bytes(range(30, 200)) and reader.at_eof()


def test_a_gzip_stream_is_read_across_members_and_a_cut_one_is_an_error() -> None:
    data = gzip.compress(b"first ") + gzip.compress(b"second")
    reader = GunzipReader(io.BytesIO(data))
    assert b"".join(iter(lambda: reader.read(4), b"")) == b"first second"
    cut = GunzipReader(io.BytesIO(data[:-5]))
    with pytest.raises(OSError, match="ends inside a member"):
        while cut.read(4):
            pass


def test_a_whole_file_gzip_is_read_record_by_record(tmp_path: Path) -> None:
    path = one_gzip_stream(FIXTURES / "example.warc.gz", tmp_path / "one.warc.gz")
    counters: list[CountingReader] = []
    errors: list[ReadError] = []
    # The generator is kept: its file closes with it.
    streams = open_streams(str(path), counters, errors, user_agent=UA)
    stream = next(streams)
    assert stream.layout == GZIP_STREAM
    records = list(iter_stream(stream.reader, stream.name, errors=errors))
    plain = gzip.decompress(path.read_bytes())
    assert errors == []
    assert [r.rec_type for r in records] == ["warcinfo", "warcinfo", "response", "request",
                                             "revisit", "request"]
    for record in records:  # offsets count the decompressed stream
        assert plain[record.offset:record.offset + 5] == b"WARC/"
    assert counters[0].bytes_read == path.stat().st_size


def test_a_gzip_member_that_holds_two_records_is_not_taken_for_a_torn_one(
        tmp_path: Path) -> None:
    # One member holding two records, the first larger than warcio's read block (so its
    # decompressor is still inside the member after it): a file compares its size, a
    # stream says whether more follows. Either way: "does not end its gzip member", not
    # "cut short", and reading stops there.
    body = b"".join(hashlib.sha256(str(n).encode()).digest() for n in range(2000))
    records = [serialize_record(build_response_record(
        f"http://a.example/{n}", status=200, reason="OK", protocol="HTTP/1.1",
        headers=[("Content-Type", "application/octet-stream")], body=body,
        date="2015-01-01T00:00:00Z")) for n in range(2)]
    data = gzip.compress(records[0] + records[1])
    path = tmp_path / "two-in-one.warc.gz"
    path.write_bytes(data)
    for source in ("file", "stream"):
        errors: list[ReadError] = []
        if source == "file":
            list(iter_records(path, errors=errors))
        else:
            list(iter_stream(RecordingReader(io.BytesIO(data)), "s", errors=errors))
        assert [(e.offset, e.message) for e in errors] == [
            (0, "response record does not end its gzip member (not one member per record, "
                "or a corrupt member)")], source


def test_a_missing_input_and_a_zip_without_warcs_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot open"):
        list(open_streams(str(tmp_path / "nope.warc"), [], [], user_agent=UA))
    empty = tmp_path / "empty.wacz"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("datapackage.json", "{}")
    with pytest.raises(InputError, match="no WARC or ARC file under archive/"):
        list(open_streams(str(empty), [], [], user_agent=UA))


def test_a_wacz_entry_whose_crc_is_wrong_gives_its_records_first(tmp_path: Path) -> None:
    # A small entry is read in one go: zipfile would drop the whole read with its CRC
    # error. Its records come first; the CRC mismatch is reported at the entry's end.
    warc = (FIXTURES / "example.warc.gz").read_bytes()
    wacz = tmp_path / "crc.wacz"
    with zipfile.ZipFile(wacz, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.warc.gz", warc)
    data = bytearray(wacz.read_bytes())
    crc_at = data.index(b"PK\x03\x04") + 14  # the local header's CRC-32
    data[crc_at] ^= 0xFF
    central = data.index(b"PK\x01\x02") + 16  # and the central directory's
    data[central] ^= 0xFF
    wacz.write_bytes(bytes(data))
    errors: list[ReadError] = []
    streams = open_streams(str(wacz), [], errors, user_agent=UA)  # kept: its file closes with it
    stream = next(streams)
    records = list(iter_stream(stream.reader, stream.name, errors=errors))
    assert len(records) == 6
    assert [(e.filename, e.offset, e.message[:34]) for e in errors] == [
        (f"{wacz}#archive/data.warc.gz", len(warc), "damaged WACZ entry: its CRC-32 is ")]
