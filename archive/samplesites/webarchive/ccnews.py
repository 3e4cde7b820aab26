"""Build the sample CC-NEWS file set (ccnews/ccnews.toml): WARC files under
``crawl-data/CC-NEWS/<yyyy>/<mm>/``, a ``warc.paths.gz`` a month, and a pywb collection over the
same files whose CDX API answers like Common Crawl's URL index (``output=json``: url, timestamp,
status, mime, digest, length, offset, filename), ZipNum-paged as Common Crawl's is.

``serve_cc_news`` serves both: the files from the Range server (the data.commoncrawl.org
stand-in), the index from pywb (the index.commoncrawl.org stand-in).
"""

from __future__ import annotations

import gzip
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from archive.samplesites.webarchive.model import CCNews, CCRecord
from archive.samplesites.webarchive.pywb import add_zipnum_collection, running_pywb
from archive.samplesites.webarchive.rangeserver import RangeServer, serving_files
from archive.samplesites.webarchive.warcfiles import Exchange, http_date, write_warc

DATA = Path(__file__).resolve().parent / "ccnews"
COLLECTION = "cc-news"
# Small blocks so that even this handful of records spans several CDX pages.
LINES_PER_BLOCK = 3
WARCINFO = {
    "software": "StormCrawler 1.5 http://stormcrawler.net/",
    "description": "News crawl for Common Crawl (sample, written by archive.samplesites)",
    "format": "WARC File Format 1.0",
}


def _exchange(raw: dict, template: Template) -> Exchange:
    host = urlsplit(raw["url"]).hostname or ""
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in raw["body"].split("\n\n"))
    html = template.substitute(
        title=escape(raw["title"]), site=escape(host), url=escape(raw["url"]),
        published=escape(raw["published"]), body=paragraphs, year=raw["timestamp"][:4])
    body = html.encode("utf-8")
    headers = (("Date", http_date(raw["timestamp"])), ("Server", "nginx"),
               ("Content-Type", "text/html; charset=utf-8"),
               ("Content-Length", str(len(body))), ("Connection", "close"))
    return Exchange(raw["url"], raw["timestamp"], 200, "OK", headers, body)


def _month_dir(name: str) -> str:
    stamp = name.split("-")[2]  # CC-NEWS-<yyyymmddhhmmss>-<nnnnn>.warc.gz
    return f"crawl-data/CC-NEWS/{stamp[:4]}/{stamp[4:6]}"


def write_files(root: Path) -> tuple[list[str], list[str], list[CCRecord]]:
    """The WARC files and warc.paths.gz files under ``root``; byte for byte the same on
    every run. Returns (paths files, WARC paths, records), paths relative to ``root``."""
    data = tomllib.loads((DATA / "ccnews.toml").read_text(encoding="utf-8"))
    template = Template((DATA / "page.html").read_text(encoding="utf-8"))
    warc_paths, records = [], []
    for spec in data["file"]:
        relative = f"{_month_dir(spec['name'])}/{spec['name']}"
        raws = {r["url"]: r for r in spec["record"]}
        written = write_warc(root / relative, [_exchange(r, template) for r in spec["record"]],
                             info=WARCINFO, created=spec["record"][0]["timestamp"])
        warc_paths.append(relative)
        for w in written:
            raw = raws[w.exchange.url]
            records.append(CCRecord(
                url=w.exchange.url, timestamp=w.exchange.timestamp, status=200,
                mime="text/html", digest=w.digest.removeprefix("sha1:"), filename=relative,
                offset=w.offset, length=w.length, source=raw.get("source", ""),
                title=raw["title"], published=raw["published"],
                phrases=tuple(raw.get("phrases", ()))))
    paths_files = []
    for month in sorted({p.rsplit("/", 1)[0] for p in warc_paths}):
        listing = "".join(f"{p}\n" for p in warc_paths if p.startswith(month + "/"))
        (root / month / "warc.paths.gz").write_bytes(
            gzip.compress(listing.encode("ascii"), mtime=0))
        paths_files.append(f"{month}/warc.paths.gz")
    return paths_files, warc_paths, records


def build_cc_news(target_dir: Path, coll_name: str = COLLECTION) -> CCNews:
    """The file set in ``target_dir/bucket`` and its pywb index in ``target_dir/index``
    (``target_dir`` empty or new)."""
    target_dir.mkdir(parents=True, exist_ok=True)
    if any(target_dir.iterdir()):
        raise FileExistsError(f"{target_dir} is not empty")
    bucket, index_root = target_dir / "bucket", target_dir / "index"
    paths_files, warc_paths, records = write_files(bucket)
    add_zipnum_collection(index_root, coll_name, bucket, [bucket / p for p in warc_paths],
                          LINES_PER_BLOCK)
    window = tomllib.loads((DATA / "ccnews.toml").read_text(encoding="utf-8"))["window"]
    return CCNews(bucket, tuple(paths_files), tuple(warc_paths), tuple(records), index_root,
                  coll_name, (window[0], window[1]))


@dataclass(frozen=True)
class CCNewsService:
    files: RangeServer  # files.base_url + a WARC path (or paths file) is its URL
    index_url: str  # the CDX endpoint: http://127.0.0.1:PORT/<coll>/cdx


@contextmanager
def serve_cc_news(ccnews: CCNews, *, port: int = 0) -> Iterator[CCNewsService]:
    """The Range file server over ``ccnews.root`` and pywb over its index, both on
    127.0.0.1 (pywb on ``port`` if given)."""
    with serving_files(ccnews.root) as files, running_pywb(ccnews.index_root, port=port) as base:
        yield CCNewsService(files, f"{base}/{ccnews.coll_name}/cdx")
