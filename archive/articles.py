"""From an archived capture and its extraction to an index row.

The live crawl and any rebuild from the WARC files go through this one
function, so that the index depends on nothing but the WARC record and the
extractor: no feed date, no crawl-time state.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin, urlsplit

from archive.index.schema import ArticleRow, Capture
from archive.index.writer import IndexWriter
from archive.sources import Source

if TYPE_CHECKING:
    # Types only: the archive writer process indexes results without importing
    # trafilatura (half a second of its start-up).
    from archive.extract import ExtractionOptions, ExtractionResult, ExtractionTask


# What an archived article page calls for; the crawl counts each as articles/<outcome>.
ArticleOutcome = Literal["extract", "truncated", "unchanged"]


def article_outcome(capture: Capture) -> ArticleOutcome:
    """What an archived article page calls for: "truncated" (a cut body is never
    an article), "unchanged" (a revisit: its payload was extracted from the
    capture it refers to) or "extract"."""
    if capture.truncated:
        return "truncated"
    if capture.rec_type == "revisit":
        return "unchanged"
    return "extract"


def extraction_task(
    capture: Capture, body: bytes, source: Source | None, options: ExtractionOptions
) -> ExtractionTask:
    """The extraction of one capture: the same in a crawl and a rebuild.

    Only the WARC record (through the capture and its decoded body) and the source
    configuration go in: the capture date bounds the publication date, so the
    result does not depend on the day it is computed.
    """
    from archive.extract import ExtractionTask  # here: see the imports above

    return ExtractionTask(
        body=body,
        url=capture.url,
        content_type=capture.content_type,
        rules=source.extraction if source else None,
        options=options,
        language=source.language if source else "",
        captured_at=capture.fetched_at,
        irrelevant=source.irrelevant if source else "index",
    )


def config_hash(options: ExtractionOptions, source: Source | None) -> str:
    if source is None:
        return options.config_hash(None)
    return options.config_hash(source.extraction, source.irrelevant)


def article_row(capture: Capture, result: ExtractionResult, config_hash: str) -> ArticleRow:
    return ArticleRow(
        url=capture.url,
        source=capture.source,
        title=result.title,
        author=result.author,
        published=result.published,
        language=result.language,
        canonical_url=result.canonical_url,
        text=result.text,
        word_count=result.word_count,
        capture_record_id=capture.record_id,
        warc_file=capture.warc_file,
        warc_offset=capture.warc_offset,
        payload_digest=capture.payload_digest,
        fetched_at=capture.fetched_at,
        extractor=result.extractor,
        extractor_version=result.extractor_version,
        config_hash=config_hash,
        origin=capture.origin,
        relevance=result.relevance,
        topic_terms=json.dumps(list(result.topic_terms), ensure_ascii=False),
        topic=result.topic,
    )


def record_truncated(index: IndexWriter, capture: Capture) -> None:
    """A cut body is archived as such but is not a complete article."""
    index.add_non_article(
        url=capture.url, source=capture.source, status="truncated",
        error=f"body truncated ({capture.truncated})", title="",
        capture_record_id=capture.record_id, fetched_at=capture.fetched_at,
    )


def removal_reason(capture: Capture, source: Source | None) -> str:
    """Why an article page's answer means it is gone: 404/410, or a redirect to
    the home page (a section front, at most one path segment deep, is a home)."""
    if capture.status in (404, 410):
        return f"answered {capture.status}"
    if 300 <= capture.status < 400 and capture.location:
        target = urljoin(capture.url, capture.location)
        segments = [part for part in urlsplit(target).path.split("/") if part]
        is_article = source.is_article(target) if source else False
        if len(segments) <= 1 and not urlsplit(target).query and not is_article:
            return f"redirected to the home page ({target})"
    return ""


def record_removal(index: IndexWriter, capture: Capture, source: Source | None) -> bool:
    reason = removal_reason(capture, source)
    return bool(reason) and index.mark_removed(capture.url, capture.fetched_at, reason)


def record_extraction(
    index: IndexWriter, capture: Capture, result: ExtractionResult, config_hash: str
) -> str:
    """Index an article, or note why an article-shaped page is not one. Returns
    "new", "updated" or "same" for an article, else the extraction status."""
    if result.status == "ok":
        return index.add_article(article_row(capture, result, config_hash))
    else:
        index.add_non_article(
            url=capture.url,
            source=capture.source,
            status=result.status,
            error=result.error,
            title=result.title,
            capture_record_id=capture.record_id,
            fetched_at=capture.fetched_at,
        )
        return result.status
