"""Index rows for tests that build an index by hand."""

from __future__ import annotations

from archive.index.schema import ArticleRow


def article(url: str, title: str, text: str, *, published: str = "2015-07-28",
            source: str = "trtworld") -> ArticleRow:
    return ArticleRow(
        url=url, source=source, title=title, author="", published=published, language="en",
        canonical_url=url, text=text, word_count=len(text.split()),
        capture_record_id="<urn:uuid:1>", warc_file="a.warc.gz", warc_offset=0,
        payload_digest="sha1:X", fetched_at="2026-11-21T10:00:00Z", extractor="trafilatura",
        extractor_version="2.3.1", config_hash="abc",
    )
