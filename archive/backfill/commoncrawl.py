"""Back-fill from Common Crawl: its URL index lists the captures of each source's hosts,
and each article capture the archive lacks is fetched alone, by an HTTP Range request
for its bytes in Common Crawl's WARC file, and kept verbatim.

Common Crawl's URL index (index.commoncrawl.org, one collection per crawl,
``CC-MAIN-YYYY-WW-index``) is a pywb CDX server: ``output=json`` gives one JSON object a
line with ``url``, ``timestamp``, ``status``, ``mime``, ``digest`` (base32 SHA-1 of the
payload), and ``filename``, ``offset``, ``length`` of the record in its WARC file on
data.commoncrawl.org. A record there is one gzip member, a complete WARC record with
its own date and digests: those bytes are what the archive keeps (archive/backfill/
copies.py), followed by an origin record naming the crawl, the CDX line, the file and
the offset. A capture whose URL and payload digest the archive holds (from a crawl, an
import or an earlier back-fill) is never fetched.

The index is paged (ZipNum): ``showNumPages=true`` says how many pages a query has, and
``page=N`` gives each; a server without pages answers the whole list at once, which is
read as one page. Politeness (archive/backfill/fetching.py): one request at a time, a
pause between requests, Retry-After obeyed, ranges only.
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from archive import exitcodes, user_agent
from archive.backfill.cdx import CdxCapture, CdxError, parse_cdx
from archive.backfill.copies import BadCopy, CopyWriter, IndexingOptions, copy_session, index_copies
from archive.backfill.fetching import DEFAULT_DELAY, FetchError, PoliteFetcher
from archive.backfill.window import parse_day
from archive.errors import PressArchiveError
from archive.reextract import HTML_TYPES
from archive.reextract_report import ReextractReport
from archive.sources import Source, source_for_url
from archive.warc.origin import AS_MEMBER, COPIED, Origin, payload_digest_of, timestamp_date
from archive.warc.reader import ReadError, StoredRecord, iter_stream

log = logging.getLogger(__name__)

COMMONCRAWL_INDEX = "https://index.commoncrawl.org/{crawl}-index"
COMMONCRAWL_DATA = "https://data.commoncrawl.org/"
DEFAULT_CONTACT_URL = "https://github.com/pressarchive/pressarchive"

# Why a capture the index listed was not fetched (CommonCrawlReport.skipped).
LISTED_TWICE = "listed twice"
NOT_OK = "not a 200 answer"
NOT_HTML = "not HTML"
NOT_ARTICLE = "not an article URL of the sources"
OUTSIDE_WINDOW = "outside the window"
HELD = "already held"
NO_LOCATION = "without file, offset or length"
OVER_LIMIT = "over the limit"


@dataclass
class CommonCrawlReport:
    archive: Path
    queries: int = 0  # index requests
    listed: int = 0  # capture lines the index gave
    fetched: int = 0  # Range requests answered
    copied: int = 0
    bytes_fetched: int = 0
    bytes_kept: int = 0
    skipped: Counter = field(default_factory=Counter)
    # Queries and fetches that failed (one line each), records that were not copied.
    errors: list[str] = field(default_factory=list)
    bad: list[ReadError] = field(default_factory=list)
    unreadable_lines: int = 0
    prepared: list[str] = field(default_factory=list)
    indexing: ReextractReport | None = None
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        if self.errors or self.bad:
            return exitcodes.FINISHED_WITH_ERRORS
        return exitcodes.OK

    def summary(self) -> str:
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items())) or "none"
        lines = [f"archive: {self.archive}", *self.prepared,
                 f"Common Crawl: {self.queries} index requests, {self.listed} captures "
                 f"listed; not fetched: {skipped}",
                 f"{self.fetched} records fetched by Range ({self.bytes_fetched} bytes), "
                 f"{self.copied} copied into the archive ({self.bytes_kept} bytes), "
                 f"{self.seconds:.1f} s"]
        if self.indexing is not None:
            outcomes = ", ".join(f"{k} {v}" for k, v in sorted(self.indexing.outcomes.items()))
            lines.append(f"indexed: {self.indexing.captures} captures, "
                         f"{self.indexing.candidates} article pages extracted "
                         f"({outcomes or 'none'})")
        if self.unreadable_lines:
            lines.append(f"{self.unreadable_lines} index lines could not be read")
        lines += self.errors
        lines += [f"bad record: {e.filename} at offset {e.offset}: {e.message}"
                  for e in self.bad]
        return "\n".join(lines)


def run_commoncrawl_backfill(
    archive: Path, sources: dict[str, Source], crawls: Sequence[str],
    index_url: str = COMMONCRAWL_INDEX, data_url: str = COMMONCRAWL_DATA,
    from_: str = "", to: str = "", limit: int = 0, *, names: Sequence[str] = (),
    delay: float = DEFAULT_DELAY, workers: int = 0, timeout: float = 30.0,
    agent: str = "", fetcher: PoliteFetcher | None = None,
) -> CommonCrawlReport:
    """Fetch, keep verbatim and index the article captures of the sources ``names``
    (default: all of ``sources``, every configured source, which the indexing needs)
    that Common Crawl's index lists for ``crawls`` (``CC-MAIN-2015-14``, ...) between
    ``from_`` and ``to`` (YYYY-MM-DD, inclusive), at most ``limit`` records (0: all).

    ``index_url`` is the CDX endpoint, ``{crawl}`` standing for each crawl's name; one
    without ``{crawl}`` is one collection (a pywb of one's own), the crawl names then
    only label the origin. ``data_url`` + a CDX ``filename`` is a file's URL. Runs under
    the archive lock (ArchiveLocked if a crawl holds it); PressArchiveError for a bad
    argument, before anything is fetched."""
    chosen = _check(sources, crawls, index_url, names, from_, to)
    started = time.monotonic()
    report = CommonCrawlReport(archive=archive)
    fetcher = fetcher or PoliteFetcher(agent or user_agent(DEFAULT_CONTACT_URL), delay=delay)
    description = ("records copied verbatim from Common Crawl by HTTP Range requests; each "
                   "is followed by a metadata record naming its origin")
    with copy_session(archive, sources, "backfill", description, workers=workers) as session:
        report.prepared = session.prepared
        backfill = _Backfill(fetcher, session.copies, report, chosen, data_url,
                             from_, to, limit)
        records = backfill.records(_endpoints(index_url, crawls))
        report.indexing = index_copies(archive, session.index, records,
                                       IndexingOptions(sources, workers, timeout))
    report.seconds = time.monotonic() - started
    return report


def _check(sources: dict[str, Source], crawls: Sequence[str], index_url: str,
           names: Sequence[str], from_: str, to: str) -> list[Source]:
    unknown = [name for name in names if name not in sources]
    if unknown:
        raise PressArchiveError(f"unknown source(s): {', '.join(unknown)}; known: "
                                f"{', '.join(sources)}")
    if "{crawl}" in index_url and not crawls:
        raise PressArchiveError("name the Common Crawl crawls to read, e.g. CC-MAIN-2015-14 "
                                "(https://index.commoncrawl.org/collinfo.json lists them)")
    bad = [crawl for crawl in crawls if not crawl or any(c.isspace() or c in "/?#" for c in crawl)]
    if bad:
        raise PressArchiveError(f"not a crawl name: {bad[0]!r} (e.g. CC-MAIN-2015-14)")
    try:
        first = parse_day(from_, "--from") if from_ else None
        last = parse_day(to, "--to") if to else None
    except ValueError as exc:
        raise PressArchiveError(str(exc)) from None
    if first and last and last < first:
        raise PressArchiveError(f"--to {last} is before --from {first}")
    return [sources[name] for name in names] if names else list(sources.values())


def _endpoints(index_url: str, crawls: Sequence[str]) -> list[tuple[str, str]]:
    """(crawl label, CDX endpoint) of each crawl to query."""
    if "{crawl}" in index_url:
        return [(crawl, index_url.replace("{crawl}", crawl)) for crawl in crawls]
    return [(crawls[0] if crawls else "", index_url)]


def query_hosts(sources: list[Source]) -> list[str]:
    """Each host to ask the index for once: CDX keys drop "www.", so a source's
    ``www.x.com`` and ``x.com`` are one query."""
    hosts = {host.removeprefix("www.") for source in sources for host in source.hosts}
    return sorted(hosts)


class _Backfill:
    """The index queries, the choice of captures, their fetches and copies."""

    def __init__(self, fetcher: PoliteFetcher, copies: CopyWriter, report: CommonCrawlReport,
                 sources: list[Source], data_url: str, from_: str, to: str,
                 limit: int) -> None:
        self.fetcher = fetcher
        self.copies = copies
        self.report = report
        self.sources = {source.name: source for source in sources}
        self.data_url = data_url.rstrip("/") + "/"
        self.window = (from_.replace("-", ""), to.replace("-", ""))
        self.limit = limit
        self.seen: set[tuple[str, int]] = set()

    def records(self, endpoints: list[tuple[str, str]]
                ) -> Iterator[tuple[StoredRecord, Origin]]:
        for crawl, endpoint in endpoints:
            for host in query_hosts(list(self.sources.values())):
                for capture in self._listed(endpoint, host):
                    why = self._not_wanted(capture)
                    if why:
                        self.report.skipped[why] += 1
                        continue
                    if self.limit and self.report.fetched >= self.limit:
                        self.report.skipped[OVER_LIMIT] += 1
                        continue
                    copied = self._fetch_and_copy(crawl, capture)
                    if copied is not None:
                        yield copied

    def _listed(self, endpoint: str, host: str) -> Iterator[CdxCapture]:
        """The index's captures of a host, page by page."""
        params: dict[str, str] = {"url": host, "matchType": "host", "output": "json",
                                  "filter": "=status:200"}
        if self.window[0]:
            params["from"] = self.window[0]
        if self.window[1]:
            params["to"] = self.window[1]
        first = self._query(endpoint, {**params, "showNumPages": "true"})
        if first is None:
            return
        try:
            pages = json.loads(first)
        except ValueError:
            pages = None
        if not isinstance(pages, dict) or "pages" not in pages:
            # An index without pages answered with every line.
            yield from self._captures(first, endpoint, host)
            return
        for page in range(int(pages.get("pages") or 0)):
            body = self._query(endpoint, {**params, "page": str(page)})
            if body is not None:
                yield from self._captures(body, endpoint, host)

    def _query(self, endpoint: str, params: dict[str, str]) -> bytes | None:
        url = f"{endpoint}?{urlencode(params)}"
        self.report.queries += 1
        try:
            return self.fetcher.get(url).body
        except FetchError as exc:
            log.error("Common Crawl index: %s", exc)
            self.report.errors.append(f"index query failed: {exc}")
            return None

    def _captures(self, body: bytes, endpoint: str, host: str) -> list[CdxCapture]:
        try:
            page = parse_cdx(body)
        except CdxError as exc:
            self.report.errors.append(f"index answer for {host} from {endpoint}: {exc}")
            return []
        self.report.listed += len(page.captures)
        self.report.unreadable_lines += page.unreadable
        return page.captures

    def _not_wanted(self, capture: CdxCapture) -> str:
        key = (capture.filename, capture.offset)
        if key in self.seen:
            return LISTED_TWICE
        self.seen.add(key)
        if capture.statuscode != "200":
            return NOT_OK
        if capture.mimetype and capture.mimetype.split(";")[0].strip().lower() not in HTML_TYPES:
            return NOT_HTML
        owner = source_for_url(capture.original, self.sources)
        if owner is None or not owner.is_article(capture.original):
            return NOT_ARTICLE
        day = capture.timestamp[:8]
        if (self.window[0] and day < self.window[0]) or (self.window[1] and day > self.window[1]):
            return OUTSIDE_WINDOW  # the index should not have listed it
        if not capture.filename or capture.offset < 0 or capture.length <= 0:
            return NO_LOCATION
        if self.copies.holds_payload(capture.original, capture.digest):
            return HELD
        return ""

    def _fetch_and_copy(self, crawl: str, capture: CdxCapture
                        ) -> tuple[StoredRecord, Origin] | None:
        url = self.data_url + capture.filename.lstrip("/")
        last = capture.offset + capture.length - 1
        try:
            member = self.fetcher.get(url, byte_range=(capture.offset, last)).body
        except FetchError as exc:
            log.error("Common Crawl data: %s", exc)
            self.report.errors.append(f"record not fetched: {exc}")
            return None
        self.report.fetched += 1
        self.report.bytes_fetched += len(member)
        where = ReadError(capture.filename, capture.offset, "")
        try:
            record = _the_listed_record(member, capture)
            origin = Origin(
                kind=COPIED, web_archive=f"commoncrawl {crawl}".strip(),
                original_url=capture.original, original_date=timestamp_date(capture.timestamp),
                cdx_digest=capture.digest, cdx_line=capture.line,
                source_file=capture.filename, source_offset=capture.offset,
                source_length=capture.length, copied_as=AS_MEMBER)
            stored = self.copies.copy(member, record.record_id, origin)
        except ValueError as exc:  # BadCopy, or a record that is not the one listed
            log.error("%s at offset %d: %s", where.filename, where.offset, exc)
            self.report.bad.append(ReadError(where.filename, where.offset, str(exc), False))
            return None
        self.report.copied += 1
        self.report.bytes_kept += len(member)
        return stored, origin


def _the_listed_record(member: bytes, capture: CdxCapture) -> StoredRecord:
    """The record of the fetched bytes, if it is the capture the index listed (its URL
    and payload digest); BadCopy otherwise."""
    errors: list[ReadError] = []
    records = list(iter_stream(io.BytesIO(member), capture.filename, errors=errors))
    if errors or len(records) != 1:
        problem = errors[0].message if errors else f"{len(records)} records"
        raise BadCopy(f"the bytes listed are not one readable record: {problem}")
    record = records[0]
    if record.rec_type != "response" or record.target_uri != capture.original:
        raise BadCopy(f"the bytes listed hold a {record.rec_type} of {record.target_uri}, "
                      f"not the response of {capture.original}")
    if capture.digest and record.payload_digest != payload_digest_of(capture.digest):
        raise BadCopy(f"payload digest {record.payload_digest} is not the index's "
                      f"{capture.digest}")
    return record
