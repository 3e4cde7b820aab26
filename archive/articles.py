"""From an archived capture and its extraction to an index row.

The live crawl and any rebuild from the WARC files go through this one
function, so that the index depends on nothing but the WARC record and the
extractor: no feed date, no crawl-time state.
"""

from __future__ import annotations

import functools
import json
import logging
from collections import Counter
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin, urlsplit

from archive.claims import CLAIMS_EXTRACTOR, CLAIMS_VERSION, claims_config_hash, extract_claims
from archive.index.listings import PUBLISHED_FROM_PAGE
from archive.index.schema import ArticleRow, Capture
from archive.index.writer import IndexWriter
from archive.news_sitemap import NewsSitemap, looks_like_news_sitemap, read_news_sitemap
from archive.safexml import MAX_XML_BYTES
from archive.sources import Source
from archive.warc.decoding import ContentDecodingError
from archive.warc.reader import StoredRecord

if TYPE_CHECKING:
    # Types only: the archive writer process indexes results without importing
    # trafilatura (half a second of its start-up).
    from archive.extract import ExtractionOptions, ExtractionResult, ExtractionTask


logger = logging.getLogger(__name__)

# The count of articles indexed without claims because their extraction raised: a stat
# of the crawl, an outcome in reextract's report (archive/reextract_report.py).
CLAIMS_ERRORS = "claims/errors"

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
        # The sitemap's date, when the page has none, is looked up by IndexWriter.
        published_from=PUBLISHED_FROM_PAGE if result.published else "",
        relevance=result.relevance,
        topic_terms=json.dumps(list(result.topic_terms), ensure_ascii=False),
        topic=result.topic,
    )


def claim_rows(row: ArticleRow) -> list[tuple]:
    """The claims of an indexed article as claims rows (after url and n): derived from
    its text, date, source and language alone, so a rebuild finds the same."""
    config = claims_config_hash()
    return [(row.source, row.published, row.language, c.sentence, c.number_text, c.value,
             c.value_max, c.qualifier, c.counted, c.speaker, CLAIMS_EXTRACTOR,
             CLAIMS_VERSION, config)
            for c in extract_claims(row.text, row.language)]


def article_claims(row: ArticleRow) -> list[tuple] | None:
    """claim_rows(row), or None when they cannot be made: an exception of the claims
    rules is logged in one line with the URL and the article is indexed without
    claims (a part of a page that cannot be extracted is left out, it does not fail
    the page)."""
    try:
        return claim_rows(row)
    except Exception as exc:
        message = " ".join(str(exc).split())[:300]
        logger.error("claims not extracted from %s (indexed without them): %s: %s",
                     row.url, type(exc).__name__, message)
        return None


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
) -> tuple[str, Counter[str]]:
    """Index an article, or note why an article-shaped page is not one, and keep the
    extraction's figures for extraction health. Returns "new", "updated" or "same" for
    an article, else the extraction status; and the counts to add to the run's stats
    (CLAIMS_ERRORS: an article indexed without its claims), which are also added to
    ``index.tally`` for a caller that keeps no stats of its own (reextract)."""
    counts: Counter[str] = Counter()
    index.add_extraction_result(extraction_figures(capture, result))
    if result.status == "ok":
        # One transaction: an article's claims always come from its indexed text, and
        # carry its date (the news sitemap's, when the page shows none).
        with index.batch():
            row = index.dated(article_row(capture, result, config_hash))
            change = index.add_article(row)
            claims = article_claims(row)
            if claims is None:
                counts[CLAIMS_ERRORS] += 1
            # Without claims, those of an earlier version go too: they were not read
            # from this text.
            index.replace_claims(row.url, claims or [])
            if change != "same":
                # A new text or date: its story may gain, lose or change origin.
                index.refresh_story(row.url)
        index.tally.update(counts)
        return change, counts
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
        return result.status, counts


def news_sitemap(capture: Capture, record: StoredRecord) -> NewsSitemap | None:
    """The news entries of a capture that is a complete 2xx news sitemap of a source,
    read from its record (the crawl passes the record it has just written, with the body
    it sent to the writer); None for any other capture.

    HTML pages and articles are turned away before their bodies are decoded: the writer
    process does this for every response it stores."""
    if (capture.rec_type != "response" or capture.truncated or not capture.source
            or not 200 <= capture.status < 300
            or "html" in capture.content_type.split(";", 1)[0].lower()):
        return None
    try:
        body = record.decoded_body(max_bytes=MAX_XML_BYTES)
    except ContentDecodingError:
        return None
    if not looks_like_news_sitemap(body):
        return None
    return read_news_sitemap(body, capture.url)


def record_listings(index: IndexWriter, capture: Capture, sitemap: NewsSitemap) -> Counter[str]:
    """Index a news sitemap's entries; the counts the crawl adds to its stats."""
    added, filled = index.add_listings(capture, sitemap.entries)
    counts: Counter[str] = Counter()
    counts["index/news_sitemaps"] += 1
    counts["index/listings_added"] += added
    counts["index/dates_from_sitemaps"] += filled
    counts["index/news_sitemap_errors"] += sitemap.errors
    counts["index/news_sitemap_entries_skipped"] += sitemap.skipped
    return +counts


def extraction_figures(capture: Capture, result: ExtractionResult) -> dict[str, object]:
    """The `extraction_results` row of one extracted capture (archive/index/health.py)."""
    return {
        "capture_record_id": capture.record_id, "url": capture.url, "source": capture.source,
        "fetched_at": capture.fetched_at, "warc_file": capture.warc_file,
        "status": result.status, "has_title": int(bool(result.title)),
        "has_date": int(bool(result.published)), "word_count": result.word_count,
        "dropped_lines": result.dropped_lines, "dropped_elements": result.dropped_elements,
        "boilerplate_phrases": boilerplate_in(result.text),
    }


def boilerplate_in(text: str) -> int:
    """How many times the known chrome phrases (settings/boilerplate.txt) occur in an
    extracted text: boilerplate the rules let through, which a redesign can raise."""
    return sum(text.count(phrase) for phrase in known_boilerplate()) if text else 0


@functools.cache
def known_boilerplate() -> tuple[str, ...]:
    from archive.index.compare import load_phrases

    return tuple(load_phrases())
