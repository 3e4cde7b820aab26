"""From an archived capture and its extraction to an index row.

The live crawl and any rebuild from the WARC files go through this one
function, so that the index depends on nothing but the WARC record and the
extractor: no feed date, no crawl-time state.
"""

from __future__ import annotations

from archive.extract import ExtractionResult
from archive.index import ArchiveIndex, ArticleRow, Capture


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
    )


def record_extraction(
    index: ArchiveIndex, capture: Capture, result: ExtractionResult, config_hash: str
) -> None:
    """Index an article, or note why an article-shaped page is not one."""
    if result.status == "ok":
        index.add_article(article_row(capture, result, config_hash))
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
