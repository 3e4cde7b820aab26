"""What the sample web archive and the sample CC-NEWS file set hold: the captures a correct
client must find, each with what its CDX line says and what a correct extraction yields."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Capture:
    """One response record of the sample web archive, as pywb's CDX API lists it."""

    source: str  # source name in settings/sources.toml
    url: str  # the URL as captured (2015 pages: http, as then served)
    timestamp: str  # 14 digits, UTC: WARC-Date, and the Memento-Datetime of its replay
    status: int
    mime: str  # media type without parameters, "text/html"
    digest: str  # sha1 of the payload, base32, without the "sha1:" prefix (as pywb's CDX)
    filename: str  # WARC file name inside the collection
    offset: int
    length: int
    kind: str  # "article", "home" or "listing"
    # What the live sample site serves at this URL today (any edition): "article", "home",
    # "listing", "notfound" (404: only the archive still has the story), "soft404" (200 with a
    # "page not found" page), "redirect" (301).
    live: str
    title: str = ""
    published: str = ""  # ISO 8601 as the story gives it, articles only
    phrases: tuple[str, ...] = ()  # sentences of the body a correct extraction contains
    location: str = ""  # 3xx only
    content_encoding: str = ""  # "gzip" when the archived payload is compressed


@dataclass(frozen=True)
class WebArchive:
    root: Path  # run `wayback` here (running_pywb, serve_web_archive)
    collection_dir: Path  # root/collections/<coll_name>
    coll_name: str
    warc_files: tuple[Path, ...]  # as built, outside the collection (byte-stable)
    captures: tuple[Capture, ...]  # in CDX order: SURT key, then timestamp

    def of(self, url: str) -> list[Capture]:
        return [c for c in self.captures if c.url == url]


@dataclass(frozen=True)
class CCRecord:
    """One response record of the sample CC-NEWS files, as a Common Crawl index lists it."""

    url: str
    timestamp: str  # 14 digits, UTC (WARC-Date: the fetch time)
    status: int
    mime: str
    digest: str  # base32 sha1 of the payload, no prefix
    filename: str  # "crawl-data/CC-NEWS/YYYY/MM/CC-NEWS-...warc.gz", as on data.commoncrawl.org
    offset: int
    length: int
    source: str = ""  # a configured source's name, or "" for the unrelated hosts
    title: str = ""
    published: str = ""
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CCNews:
    root: Path  # the "bucket": crawl-data/CC-NEWS/..., served by the Range server
    paths_files: tuple[str, ...]  # "crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz", one a month
    warc_paths: tuple[str, ...]  # every WARC file, as the warc.paths.gz files list them
    records: tuple[CCRecord, ...]  # every response record, in file order
    index_root: Path  # pywb root whose collection `coll_name` indexes the files (ZipNum)
    coll_name: str
    window: tuple[str, str]  # the month the tests call "in window": first and last day

    def in_window(self, source: str) -> list[CCRecord]:
        start, end = (d.replace("-", "") for d in self.window)
        return [r for r in self.records
                if r.source == source and start <= r.timestamp[:8] <= end]
