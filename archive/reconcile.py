"""Make the index agree with the WARC files before a crawl writes more.

A crawl killed (kill -9) between archiving an article page and indexing it
leaves a complete WARC record that no article row and no non-article row
accounts for; the state store already counts the page as fetched, so no later
run would fetch it again. Reconciling extracts exactly those pages from their
WARC records, through the same path as the crawl and reextract.
"""

from __future__ import annotations

import logging
from pathlib import Path

from archive.articles import article_outcome, config_hash, extraction_task, record_extraction
from archive.extract import DEFAULT_OPTIONS, ExtractionOptions
from archive.index import CAPTURE_FIELDS, ArchiveIndex, Capture
from archive.sources import Source
from archive.warc.decoding import ContentDecodingError
from archive.warc.reader import WarcReadError, read_record_at
from archive.workers import ExtractorPool

logger = logging.getLogger(__name__)


def unindexed_article_captures(index: ArchiveIndex,
                               sources: dict[str, Source]) -> list[Capture]:
    """The latest 2xx response of each article URL that no row accounts for."""
    columns = ", ".join(f"c.{name}" for name in CAPTURE_FIELDS)
    rows = index.db.execute(
        f"select {columns} from captures c where c.rec_type = 'response' "
        "and c.status between 200 and 299 "
        "and c.id = (select max(id) from captures l where l.url = c.url) "
        "and not exists (select 1 from articles a where a.url = c.url "
        "                and a.fetched_at >= c.fetched_at) "
        "and not exists (select 1 from non_articles n where n.url = c.url "
        "                and n.fetched_at >= c.fetched_at)"
    ).fetchall()
    found = []
    for row in rows:
        capture = Capture(*row)
        source = sources.get(capture.source)
        if source is not None and source.is_article(capture.url):
            found.append(capture)
    return found


def reconcile(archive: Path, index: ArchiveIndex, sources: dict[str, Source], *,
              options: ExtractionOptions = DEFAULT_OPTIONS, workers: int = 1) -> int:
    """Index the archived article pages the index lacks; returns how many."""
    missing = unindexed_article_captures(index, sources)
    if not missing:
        return 0
    logger.warning("%d archived article page(s) were never indexed (an earlier run was "
                   "killed): indexing them from the WARC files", len(missing))
    done = 0
    with ExtractorPool(workers=workers) as pool:
        for capture in missing:
            source = sources[capture.source]
            if article_outcome(capture) != "extract":
                continue
            try:
                record = read_record_at(archive / "warc" / capture.warc_file, capture.warc_offset)
                body = record.decoded_body()
            except (WarcReadError, ContentDecodingError, OSError) as exc:
                logger.error("cannot reconcile %s: %s", capture.url, exc)
                continue
            task = extraction_task(capture, body, source, options)
            result = pool.extract(**task)
            record_extraction(index, capture, result, config_hash(options, source))
            done += 1
    return done
