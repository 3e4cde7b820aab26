"""pywb beside Datasette: `pressarchive serve` replays the archive's own WARC files.

pywb (from the tools venv, archive/samplesites/webarchive/pywb.py) serves one
collection, COLLECTION, made in a scratch folder, and its index is our CDXJ
(archive/warc/cdxj.py, written anew at start: every closed WARC file then, the
workers' of a shared crawl too). Its `archive/` holds a link to each of those files of
DIR/warc (the CDXJ names them by their bare names), and beside it `workers` is a link
to DIR/workers: the CDXJ names a worker's file `../workers/NAME/warc/FILE`, pywb
appends that to `archive/`, and the `..` leads to the collection's folder, then the
link. (`archive/` as one link to DIR/warc would resolve the `..` from wherever DIR/warc
really is, which is not DIR when DIR/warc is itself a link, and not at all when DIR has
no warc/ of its own, its files all the workers'.)

Our CDXJ lists a 304 revisit with the place of the response it refers to, so
/COLL/TIMESTAMP/URL of any capture, a revisit too, replays the original's bytes; pywb
resolves identical-payload revisits itself. Replay is not framed, so the archived
page is the page (a banner added), and `id_` gives the bytes as archived.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.layout import WORKERS_DIRNAME, ArchiveLayout
from archive.warc.cdxj import cdx_timestamp, write_cdxj

COLLECTION = "press"
PYWB_CONFIG = "framed_replay: false\n"


def replay_url(base: str, fetched_at: str, url: str, *, raw: bool = False) -> str:
    """The replay of the capture of `url` made at `fetched_at` (its WARC-Date)."""
    mode = "id_" if raw else ""
    return f"{base.rstrip('/')}/{COLLECTION}/{cdx_timestamp(fetched_at)}{mode}/{url}"


def make_collection(archive: Path, root: Path) -> Path:
    """pywb's folder under `root` for the archive's WARC files; returns the collection."""
    layout = ArchiveLayout(archive)
    cdxj = write_cdxj(archive)
    collection = root / "collections" / COLLECTION
    (collection / "indexes").mkdir(parents=True)
    (collection / "archive").mkdir()
    for folder in layout.warc_folders():
        if not folder.worker:  # the workers' files are reached through the link below
            for path in folder.files():
                (collection / "archive" / path.name).symlink_to(path.resolve())
    if layout.workers_dir.is_dir():
        (collection / WORKERS_DIRNAME).symlink_to(layout.workers_dir.resolve(),
                                                  target_is_directory=True)
    shutil.copyfile(cdxj, collection / "indexes" / "index.cdxj")
    (root / "config.yaml").write_text(PYWB_CONFIG, encoding="utf-8")
    return collection


@contextmanager
def running_replay(archive: Path, port: int) -> Iterator[str]:
    """pywb on 127.0.0.1:port over the archive; yields its base URL, stops it after.
    Raises PywbError if pywb is missing or does not come up."""
    from archive.samplesites.webarchive.pywb import running_pywb

    with tempfile.TemporaryDirectory(prefix="pressarchive-replay-") as scratch:
        root = Path(scratch)
        make_collection(archive, root)
        with running_pywb(root, port=port) as base:
            yield base
