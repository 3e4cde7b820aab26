"""Inputs for the import tests, written by other tools: warcio (the sample web archive's
writer, archive/samplesites/webarchive/warcfiles.py), gzip as one stream, and the
`wacz` tool of the tools venv; and the checks every import must pass."""

from __future__ import annotations

import gzip
import subprocess
import zlib
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.samplesites.webarchive.build import WARCINFO, exchanges
from archive.samplesites.webarchive.warcfiles import Exchange, Written, warc_date, write_warc
from archive.warc.verify import verify_archive
from tests.conftest import REPO
from tests.helpers.index_rows import BACKFILL_TABLES, TABLES, rows
from tests.helpers.replay import tool

FIXTURES = REPO / "tests" / "fixtures" / "warc"
OTHER_HOST = Exchange(
    url="https://www.dailyplanet.example/world/2015/07/29/harbour-strike-ends",
    timestamp="20150729120000", status=200, reason="OK",
    headers=(("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "61")),
    body=b"<html><body><p>Dock workers returned to work.</p></body></html>"[:61],
    request_headers=(("Host", "www.dailyplanet.example"),))


def sources_warc(path: Path) -> list[Written]:
    """A WARC/1.0 file written by warcio, a gzip member a record: every capture of the
    sample web archive (China Topix, TRT World and NINA, 2014-2018: articles, home pages,
    a 301, a 404, repeated captures of unchanged pages, gzip-encoded bodies), each
    response followed by its request, and a page of a host no source owns."""
    found = [exchange for _, exchange in exchanges()]
    return write_warc(path, [*found, OTHER_HOST], info=WARCINFO,
                      created=found[0].timestamp)


def add_revisit(path: Path, original: Written) -> str:
    """Append an identical-payload-digest revisit of ``original`` (warcio's own revisit
    record) to ``path``; its record id."""
    out = BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.0")
    # With the response head, as Heritrix writes revisits: the status and headers of
    # the capture, the payload left out.
    head = StatusAndHeaders("200 OK", list(original.exchange.headers), protocol="HTTP/1.1")
    record = writer.create_revisit_record(
        original.exchange.url, digest=original.digest, http_headers=head,
        refers_to_uri=original.exchange.url,
        refers_to_date=warc_date(original.exchange.timestamp),
        warc_headers_dict={"WARC-Date": "2015-12-01T10:00:00Z",
                           "WARC-Refers-To": _response_id(path, original)})
    writer.write_record(record)
    with path.open("ab") as fh:
        fh.write(out.getvalue())
    return record.rec_headers.get_header("WARC-Record-ID")


def _response_id(path: Path, written: Written) -> str:
    data = path.read_bytes()[written.offset:written.offset + written.length]
    head = zlib.decompress(data, 16 + zlib.MAX_WBITS).split(b"\r\n\r\n", 1)[0]
    for line in head.decode().split("\r\n"):
        if line.lower().startswith("warc-record-id:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("no record id")


def uncompressed(gz: Path, target: Path) -> Path:
    target.write_bytes(gzip.decompress(gz.read_bytes()))
    return target


def one_gzip_stream(gz: Path, target: Path) -> Path:
    """The same records gzipped as one stream over the whole file, as `gzip file.warc`
    does: what warcio refuses ("non-chunked gzip file")."""
    target.write_bytes(gzip.compress(gzip.decompress(gz.read_bytes()), mtime=0))
    return target


def make_wacz(warcs: list[Path], target: Path) -> Path:
    """A WACZ made by the `wacz` tool (py-wacz, as Browsertrix packages crawls)."""
    result = subprocess.run([str(tool("wacz")), "create", "-o", str(target),
                             *map(str, warcs)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return target


def index_rows(archive: Path) -> dict[str, list[tuple]]:
    return {table: rows(archive / "index.db", table) for table in {**TABLES,
                                                                   **BACKFILL_TABLES}}


def assert_verifies(archive: Path) -> None:
    """`pressarchive verify`'s checks: the WARC files, and index.db against them."""
    report = verify_archive(archive, index_db=archive / "index.db")
    assert report.ok, report.format()
    assert report.index_rows_checked > 0


def stored_bytes(archive: Path, warc_file: str, offset: int, length: int) -> bytes:
    with (archive / "warc" / warc_file).open("rb") as fh:
        fh.seek(offset)
        return fh.read(length)
