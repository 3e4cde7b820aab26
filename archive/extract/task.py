"""What goes into an extraction and what comes out of it.

An `ExtractionTask` is one page with everything its extraction depends on; the crawl,
re-extraction, reconciliation, `pressarchive extract` and the worker pool all hand pages
over in this one form, so a page extracted twice gets the same arguments. It crosses to
the worker processes for every page, so it pickles as a plain list of its fields.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import trafilatura

from archive.extract.options import DEFAULT_OPTIONS, ExtractionOptions
from archive.sources import ExtractionRules

# "not_html" only comes from extract_file(): a saved file without any markup.
# "irrelevant": an article off the topic, from a source configured with
# irrelevant = "archive" (archived, not indexed as an article).
STATUSES = ("ok", "soft404", "empty", "too_large", "error", "timeout", "not_html",
            "irrelevant")


@dataclass(frozen=True)
class ExtractionResult:
    status: str  # one of STATUSES
    url: str
    title: str = ""
    author: str = ""
    published: str = ""  # ISO date YYYY-MM-DD or ""
    language: str = ""
    canonical_url: str = ""
    text: str = ""
    word_count: int = 0
    encoding: str = ""
    error: str = ""
    # How much the text is about the lexicon's topic (archive/relevance.py); 0 and ()
    # for a page without text.
    relevance: float = 0.0
    topic_terms: tuple[str, ...] = ()
    topic: str = ""
    extractor: str = "trafilatura"
    extractor_version: str = trafilatura.__version__
    # Boilerplate the source's rules removed: lines of text (drop_lines) and elements
    # (drop_xpaths). Kept per page for extraction health (archive/index/health.py).
    dropped_lines: int = 0
    dropped_elements: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# slots: no per-instance __dict__, and (frozen) pickled as the list of its values, without
# the field names; the body is the only sizeable part.
@dataclass(frozen=True, slots=True)
class ExtractionTask:
    """One page to extract. The result is deterministic for the same task."""

    body: bytes | str = field(repr=False)  # str: already decoded (encoding reported "")
    url: str
    content_type: str = ""  # the HTTP Content-Type, whose charset is one decoding signal
    rules: ExtractionRules | None = None  # the source's cleanup rules; None: none
    options: ExtractionOptions = DEFAULT_OPTIONS
    # The source's configured language, used when the page declares none.
    language: str = ""
    # The capture's WARC-Date ("YYYY-MM-DD..."): it bounds the publication date, so that
    # re-extraction on another day gives the same date. "" means today.
    captured_at: str = ""
    # The source's `irrelevant` policy (archive/sources.py IRRELEVANT_POLICIES): with
    # "archive", an article off the topic comes back with status "irrelevant".
    irrelevant: str = "index"

    def too_large(self) -> ExtractionResult | None:
        """The answer for a body over options.max_html_bytes, which is never parsed (nor
        sent to a worker); None for any other. Characters count for str bodies: close
        enough for a guard."""
        size, limit = len(self.body), self.options.max_html_bytes
        if size <= limit:
            return None
        return ExtractionResult(status="too_large", url=self.url,
                                error=f"{size} bytes exceeds max_html_bytes={limit}")
