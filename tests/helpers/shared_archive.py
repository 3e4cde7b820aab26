"""A shared crawl's archive made by hand: the records two workers of one crawl wrote
(tests/test_reextract_workers.py, tests/test_shared_archive.py), with fixed ids and
dates so that the workers' records interleave in time: a page one worker fetched is
revisited (and later changed) in the other's files, a 304 revisit refers to the other
worker's response, and a copied capture is followed by its origin record.

The records are real ones (archive/warc/records.py) over the sample sites' pages, so a
rebuild extracts articles from them; with `requests=True` each capture of ours is
preceded by its request record, as a crawl writes it (what `verify` checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from warcio.recordloader import ArcWarcRecord

from archive.reextract import ReextractOptions, run_reextract
from archive.samplesites import seed_pages
from archive.samplesites.registry import all_sites
from archive.sources import load_sources
from archive.warc.origin import COPIED, Origin, build_origin_record
from archive.warc.records import (
    SERVER_NOT_MODIFIED_PROFILE,
    build_request_record,
    build_response_record,
    build_revisit_record,
    build_warcinfo,
    serialize_record,
)
from archive.warc.writer import gzip_member

HTML = [("Content-Type", "text/html; charset=utf-8")]


def page(source: str) -> tuple[str, bytes]:
    """A seed article's URL and its page as the sample site serves it."""
    url = seed_pages()[source].url
    parts = urlsplit(url)
    return url, all_sites()[source].lookup(parts.path, parts.query).body


def edited(body: bytes) -> bytes:
    """The page with a paragraph more: a new version of the article."""
    return body.replace(b"</p>", b" The ministry confirmed the figures on Monday.</p>", 1)


def record_id(n: int) -> str:
    return f"<urn:uuid:00000000-0000-0000-0000-{n:012d}>"


@dataclass(frozen=True)
class Written:
    """One record as a worker wrote it: which worker, into which of its files."""

    worker: str  # "a" or "b": a role, named w1/w2 (or w2/w1) when the folders are made
    file: int
    record: ArcWarcRecord

    @property
    def date(self) -> str:
        return self.record.rec_headers.get_header("WARC-Date")

    @property
    def id(self) -> str:
        return self.record.rec_headers.get_header("WARC-Record-ID")


def response(n: int, url: str, body: bytes, date: str, status: int = 200) -> ArcWarcRecord:
    return build_response_record(url, status=status, reason="OK" if status == 200 else "Not Found",
                                 protocol="HTTP/1.1", headers=HTML, body=body, date=date,
                                 record_id=record_id(n))


def revisit(n: int, url: str, original: ArcWarcRecord, date: str, *,
            not_modified: bool = False) -> ArcWarcRecord:
    head = original.rec_headers
    return build_revisit_record(
        url, status=304 if not_modified else 200,
        reason="Not Modified" if not_modified else "OK", protocol="HTTP/1.1",
        headers=[] if not_modified else HTML, body_length=0 if not_modified else 1,
        payload_digest=head.get_header("WARC-Payload-Digest"),
        refers_to=head.get_header("WARC-Record-ID"), refers_to_uri=url,
        refers_to_date=head.get_header("WARC-Date"), date=date, record_id=record_id(n),
        profile=SERVER_NOT_MODIFIED_PROFILE if not_modified else
        "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest")


def captures() -> list[Written]:
    """Every record of the two workers, in time order (ties: worker a first)."""
    article, v1 = page("france24")
    other, w1 = page("trtworld")
    third, x1 = page("ina")
    copied_url, copied = page("nina")
    a1 = response(1, article, v1, "2026-03-01T08:00:00.000000Z")
    o1 = response(2, other, w1, "2026-03-01T09:00:00.500000Z")
    o2 = response(5, other, edited(w1), "2026-03-02T09:00:00.000000Z")
    copy = response(9, copied_url, copied, "2026-03-01T10:00:00.000000Z")
    origin = build_origin_record(
        Origin(COPIED, "imported.warc.gz", copied_url, "2026-03-01T10:00:00.000000Z",
               source_file="imported.warc.gz", source_offset=0, copied_as="member"),
        described_id=record_id(9), target_uri=copied_url, date="2026-03-01T10:00:00.000000Z",
        record_id=record_id(10))
    return [
        Written("b", 1, a1),
        # Without a fraction of a second: as text it would sort after o1's 09:00:00.5.
        Written("b", 1, response(3, third, x1, "2026-03-01T09:00:00Z")),
        Written("a", 1, o1),
        # The same second in both workers: a's first (the first worker by name).
        Written("a", 1, response(4, "https://www.trtworld.com/no-such-page", b"gone",
                                 "2026-03-01T10:00:00.000000Z", status=404)),
        Written("b", 1, copy),
        Written("b", 1, origin),
        # a revisits what b fetched the day before, then finds it changed.
        Written("a", 2, revisit(6, article, a1, "2026-03-02T08:00:00.000000Z")),
        Written("b", 2, o2),  # a new version of the article a fetched first
        Written("a", 2, response(7, article, edited(v1), "2026-03-03T08:00:00.000000Z")),
        # A 304 in a's file for the version in b's.
        Written("a", 2, revisit(8, other, o2, "2026-03-04T08:00:00.000000Z",
                                not_modified=True)),
    ]


def request_for(record: ArcWarcRecord) -> ArcWarcRecord:
    """The GET request of a response or revisit of ours, the record now naming it as
    WARC-Concurrent-To (a header the block digest does not cover). Its id: the
    record's, plus 100."""
    head = record.rec_headers
    url = head.get_header("WARC-Target-URI")
    parts = urlsplit(url)
    n = int(head.get_header("WARC-Record-ID")[-13:-1])
    request = build_request_record(
        url, method="GET", target=parts.path + (f"?{parts.query}" if parts.query else ""),
        http_version="HTTP/1.1", headers=[("Host", parts.netloc)], body=b"",
        date=head.get_header("WARC-Date"), record_id=record_id(100 + n))
    head.add_header("WARC-Concurrent-To", record_id(100 + n))
    return request


def with_requests(records: list[ArcWarcRecord]) -> list[ArcWarcRecord]:
    """`records` with each response and revisit preceded by its request, except a
    copied capture (an origin record describes it: another crawler's, kept without one)."""
    copied = {r.rec_headers.get_header("WARC-Refers-To") for r in records
              if r.rec_type == "metadata"}
    out: list[ArcWarcRecord] = []
    for record in records:
        if record.rec_type in ("response", "revisit") and \
                record.rec_headers.get_header("WARC-Record-ID") not in copied:
            out.append(request_for(record))
        out.append(record)
    return out


def write_warc(path: Path, records: list[ArcWarcRecord], worker: str = "", *,
               requests: bool = False) -> None:
    """A WARC file as the crawl writes it: a warcinfo record (one run of all workers),
    then `records` (each capture after its request, with `requests`)."""
    if requests:
        records = with_requests(records)
    fields = {"isPartOf": "pressarchive-2026-03-01"}
    if worker:
        fields["pressarchive-worker"] = worker
    warcinfo = build_warcinfo(fields, path.name, date=records[0].rec_headers.get_header(
        "WARC-Date"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(gzip_member(serialize_record(r), 6)
                              for r in [warcinfo, *records]))


def make_workers(shared: Path, names: dict[str, str], *, requests: bool = False) -> None:
    """The workers' folders of `shared`, each role's records under its worker's name."""
    written = captures()
    for role, name in names.items():
        for file in sorted({w.file for w in written if w.worker == role}):
            write_warc(shared / "workers" / name / "warc"
                       / f"pressarchive-{name}-2026030{file}000000-00000-1.warc.gz",
                       [w.record for w in written if w.worker == role and w.file == file],
                       name, requests=requests)


def rebuild(archive: Path, source: Path) -> Path:
    """DIR/index.db of `archive` rebuilt from `source` (`reextract --from SOURCE`)."""
    report = run_reextract(ReextractOptions(archive=archive, sources=load_sources(),
                                            warc_paths=(source,), workers=1, quiet=True))
    assert not report.read_errors
    return archive / "index.db"
