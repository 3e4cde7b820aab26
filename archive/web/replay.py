"""pywb beside Datasette: `pressarchive serve` replays the archive's own WARC files.

pywb (from the tools venv, archive/samplesites/webarchive/pywb.py) serves one
collection, COLLECTION, made in a scratch folder, and its index is our CDXJ
(archive/warc/cdxj.py: every closed WARC file, the workers' of a shared crawl too),
copied at start and brought up to date every REFRESH_SECONDS from the files written
since (a crawl running beside `serve`), by a thread of `serve`'s own. Its `archive/`
holds a link to each of those files of DIR/warc (the CDXJ names them by their bare
names), and beside it `workers` is a link to DIR/workers: the CDXJ names a worker's file
`../workers/NAME/warc/FILE`, pywb appends that to `archive/`, and the `..` leads to the
collection's folder, then the link. (`archive/` as one link to DIR/warc would resolve
the `..` from wherever DIR/warc really is, which is not DIR when DIR/warc is itself a
link, and not at all when DIR has no warc/ of its own, its files all the workers'.)

Our CDXJ lists a 304 revisit with the place of the response it refers to, so
/COLL/TIMESTAMP/URL of any capture, a revisit too, replays the original's bytes; pywb
resolves identical-payload revisits itself. Replay is not framed, so the archived
page is the page (a banner added), and `id_` gives the bytes as archived.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.errors import PressArchiveError
from archive.layout import WORKERS_DIRNAME, ArchiveLayout
from archive.warc.cdxj import cdx_timestamp, write_cdxj
from archive.warc.cdxj_update import list_path

logger = logging.getLogger(__name__)

COLLECTION = "press"
# How often serve's replay takes in the WARC files written since it started.
REFRESH_SECONDS = 30.0
PYWB_CONFIG = "framed_replay: false\n"


def replay_url(base: str, fetched_at: str, url: str, *, raw: bool = False) -> str:
    """The replay of the capture of `url` made at `fetched_at` (its WARC-Date)."""
    mode = "id_" if raw else ""
    return f"{base.rstrip('/')}/{COLLECTION}/{cdx_timestamp(fetched_at)}{mode}/{url}"


def make_collection(archive: Path, root: Path) -> Path:
    """pywb's folder under `root` for the archive's WARC files; returns the collection."""
    cdxj = write_cdxj(archive)
    collection = root / "collections" / COLLECTION
    (collection / "indexes").mkdir(parents=True)
    (collection / "archive").mkdir()
    index = collection_index(collection)
    # With the list of the files it covers, times kept: refresh_collection() then reads
    # only the files written after this.
    shutil.copy2(cdxj, index)
    if list_path(cdxj).is_file():
        shutil.copy2(list_path(cdxj), list_path(index))
    refresh_collection(archive, collection)
    (root / "config.yaml").write_text(PYWB_CONFIG, encoding="utf-8")
    return collection


def collection_index(collection: Path) -> Path:
    return collection / "indexes" / "index.cdxj"


def refresh_collection(archive: Path, collection: Path) -> None:
    """The collection brought up to date with the archive: a link to each new file of
    DIR/warc (the workers' are reached through the one link to DIR/workers), then the
    collection's own index brought up to date from the new files (pywb opens the index
    file at each lookup, so a capture made while `serve` runs replays within a refresh).
    The index is the collection's, not DIR's: a crawl's end writes DIR's meanwhile."""
    layout = ArchiveLayout(archive)
    for folder in layout.warc_folders():
        if not folder.worker:
            for path in folder.files():
                link = collection / "archive" / path.name
                if not link.is_symlink():
                    link.symlink_to(path.resolve())
    workers = collection / WORKERS_DIRNAME
    if layout.workers_dir.is_dir() and not workers.is_symlink():
        workers.symlink_to(layout.workers_dir.resolve(), target_is_directory=True)
    write_cdxj(archive, target=collection_index(collection))


class CollectionRefresher:
    """refresh_collection() every `interval` seconds in a thread of its own, until
    stopped; a refresh that fails is logged once and tried again next time."""

    def __init__(self, archive: Path, collection: Path, interval: float):
        self.archive, self.collection, self.interval = archive, collection, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="replay-refresh",
                                        daemon=True)
        self._failed = False

    def __enter__(self) -> CollectionRefresher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                refresh_collection(self.archive, self.collection)
            except (OSError, PressArchiveError) as exc:
                if not self._failed:
                    logger.warning("replay: cannot bring the index up to date: %s", exc)
                self._failed = True


@contextmanager
def running_replay(archive: Path, port: int,
                   refresh: float = REFRESH_SECONDS) -> Iterator[str]:
    """pywb on 127.0.0.1:port over the archive; yields its base URL, stops it after. The
    captures made meanwhile (a crawl running) replay within `refresh` seconds.
    Raises PywbError if pywb is missing or does not come up."""
    from archive.samplesites.webarchive.pywb import running_pywb

    with tempfile.TemporaryDirectory(prefix="pressarchive-replay-") as scratch:
        root = Path(scratch)
        collection = make_collection(archive, root)
        with running_pywb(root, port=port) as base, \
                CollectionRefresher(archive, collection, refresh):
            yield base
