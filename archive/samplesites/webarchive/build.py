"""Build the sample web archive: WARC files of the sources' past, and a pywb collection of
them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from itertools import groupby
from pathlib import Path

from archive.samplesites.webarchive.model import Capture, WebArchive
from archive.samplesites.webarchive.pages import ArchivedPage, Renderer, load_sources
from archive.samplesites.webarchive.pywb import (
    add_collection,
    add_zipnum_collection,
    running_pywb,
)
from archive.samplesites.webarchive.warcfiles import Exchange, Written, write_warc
from archive.warc.cdxj import surt_key

COLLECTION = "wayback"
WARCINFO = {
    "software": "Heritrix/3.3.0 (sample, written by archive.samplesites.webarchive)",
    "format": "WARC File Format 1.0",
    "description": "Press Archive sample web archive: the sources' pages as served in the past",
    "robots": "obey",
    "http-header-user-agent": "archive.org_bot",
}


def exchanges() -> list[tuple[ArchivedPage, Exchange]]:
    """Every capture of every archived page, rendered, in capture-time order."""
    found = []
    for source in load_sources():
        renderer = Renderer(source)
        found += [(page, renderer.exchange(page, capture))
                  for page in source.pages for capture in page.captures]
    return sorted(found, key=lambda pe: (pe[1].timestamp, pe[1].url))


def _capture(page: ArchivedPage, filename: str, w: Written) -> Capture:
    ex, article = w.exchange, page.article
    headers = {name.lower(): value for name, value in ex.headers}
    return Capture(
        source=page.source, url=ex.url, timestamp=ex.timestamp, status=ex.status,
        mime=headers["content-type"].split(";")[0].strip(),
        digest=w.digest.removeprefix("sha1:"), filename=filename, offset=w.offset,
        length=w.length, kind=page.kind, live=page.live, title=page.title,
        published=article.published if article else "",
        phrases=article.phrases if article and ex.status == 200 else (),
        location=headers.get("location", ""),
        content_encoding=headers.get("content-encoding", ""))


def write_warcs(folder: Path) -> tuple[list[Path], list[Capture]]:
    """One WARC file a year, like a crawl's files; byte for byte the same on every run."""
    files, captures = [], []
    by_year = groupby(exchanges(), key=lambda pe: pe[1].timestamp[:4])
    for year, group in by_year:
        items = list(group)
        path = folder / f"wayback-sample-{year}.warc.gz"
        pages = {(ex.url, ex.timestamp): page for page, ex in items}
        written = write_warc(path, [ex for _, ex in items], info=WARCINFO,
                             created=items[0][1].timestamp)
        files.append(path)
        captures += [_capture(pages[w.exchange.url, w.exchange.timestamp], path.name, w)
                     for w in written]
    return files, sorted(captures, key=lambda c: (surt_key(c.url), c.timestamp))


def build_web_archive(
    target_dir: Path, coll_name: str = COLLECTION, *, zipnum_lines: int = 0,
) -> WebArchive:
    """The sample web archive under ``target_dir`` (empty or new): the WARC files in
    ``warcs/``, and a pywb collection of them in ``collections/<coll_name>``, run `wayback` in
    ``target_dir`` (``serve_web_archive``). The collection is what `wb-manager init` + `add`
    make (a plain CDXJ index: pywb ignores page/showNumPages on it), or with ``zipnum_lines``
    a ZipNum index of blocks of that many lines, on which pywb pages CDX answers."""
    target_dir.mkdir(parents=True, exist_ok=True)
    if any(target_dir.iterdir()):
        raise FileExistsError(f"{target_dir} is not empty")
    files, captures = write_warcs(target_dir / "warcs")
    if zipnum_lines:
        collection = add_zipnum_collection(target_dir, coll_name, target_dir / "warcs", files,
                                           zipnum_lines)
    else:
        collection = add_collection(target_dir, coll_name, files)
    return WebArchive(target_dir, collection, coll_name, tuple(files), tuple(captures))


@contextmanager
def serve_web_archive(archive: WebArchive, *, port: int = 0) -> Iterator[str]:
    """pywb serving ``archive`` on 127.0.0.1; yields the replay prefix
    ``http://127.0.0.1:PORT/<coll>/``: ``prefix + TIMESTAMP + "id_/" + URL`` replays a capture
    unchanged, ``prefix + "cdx?url=..."`` is the CDX API."""
    with running_pywb(archive.root, port=port) as base:
        yield f"{base}/{archive.coll_name}/"
