"""The extraction itself: one `ExtractionTask` in, one `ExtractionResult` out.

Decodes the body (charset), parses it once (parse), applies the source's rules (rules),
reads the metadata (metadata, dates) and has trafilatura extract the text from the same
tree. Deterministic for the same task, and never raises for bad input: every failure is a
result with a status.
"""

from __future__ import annotations

import threading
from typing import Any

import trafilatura
import trafilatura.meta
from lxml import etree

from archive.extract.charset import binary_kind, decode_html
from archive.extract.dates import configured_date, date_params, published_date
from archive.extract.metadata import (
    canonical_url,
    first_heading,
    language_code,
    organization_author,
    page_title,
)
from archive.extract.metadata import language as declared_language
from archive.extract.parse import parse_html, strip_comments
from archive.extract.rules import BadRule, clean_text_counted, compiled, drop_elements, is_soft404
from archive.extract.task import ExtractionResult, ExtractionTask
from archive.extract.words import count_words, one_line, single_spaced
from archive.relevance import relevance, why_irrelevant
from archive.sources import ExtractionRules

# trafilatura, htmldate, courlan and justext memoise pure helpers in LRU caches that
# together grow to hundreds of MB over a long run (it looks like a leak). Clearing them
# changes no result, only speed, so every _RESET_EVERY extractions they are emptied.
_RESET_EVERY = 500
_calls = 0
_calls_lock = threading.Lock()


def _count_call() -> None:
    global _calls
    with _calls_lock:
        _calls += 1
        due = _calls % _RESET_EVERY == 0
    if due:
        trafilatura.meta.reset_caches()


def extract(task: ExtractionTask) -> ExtractionResult:
    """Extract one page. Never raises: failures come back as status "error".

    What the worker processes run (archive.extract.pool); everything else calls it too, or
    extract_html, so a page extracted twice gives the same record.
    """
    try:
        return _extract(task)
    except BadRule as exc:
        return ExtractionResult(status="error", url=task.url, error=str(exc))
    except Exception as exc:  # MemoryError and RecursionError from deep trees included
        return ExtractionResult(
            status="error", url=task.url, error=one_line(f"{type(exc).__name__}: {exc}")
        )
    finally:
        _count_call()


def extract_html(body: bytes | str, url: str, **fields: Any) -> ExtractionResult:
    """extract() of ExtractionTask(body, url, **fields): the same, for a call by hand
    (tests, a debugging session); `fields` are the task's (content_type, rules, options,
    language, captured_at)."""
    return extract(ExtractionTask(body, url, **fields))


def _extract(task: ExtractionTask) -> ExtractionResult:
    body, url, options = task.body, task.url, task.options
    too_large = task.too_large()
    if too_large is not None:
        return too_large
    rules = task.rules or ExtractionRules()
    # Rules are checked before any work so a bad config fails on every page, not by luck.
    compiled_rules = compiled(rules)

    if isinstance(body, bytes):
        kind = binary_kind(body)
        if kind:
            return ExtractionResult(status="empty", url=url, error=f"not HTML: {kind} data")
        html, encoding = decode_html(body, task.content_type)
    else:
        html, encoding = body, ""
    if not html.strip():
        return ExtractionResult(status="empty", url=url, encoding=encoding, error="empty body")

    # Parsed once here and handed to trafilatura as a tree: trafilatura copies it, and a
    # tree gives the same result as the serialized HTML without a second parse.
    try:
        tree = parse_html(html)
    except (etree.ParserError, ValueError) as exc:
        return ExtractionResult(status="empty", url=url, encoding=encoding,
                                error=one_line(f"not parseable as HTML: {exc}"))

    params = date_params(task.captured_at)
    # Before drop_xpaths: a source's date line is often chrome its rules remove.
    configured = configured_date(tree, compiled_rules.date_xpaths, params)
    strip_comments(tree, keep_metadata=True)
    dropped_elements = drop_elements(tree, compiled_rules.drop_xpaths)

    title_element = page_title(tree)
    first_h1 = first_heading(tree)
    canonical = canonical_url(tree, url)
    language = declared_language(tree, task.language)

    # Metadata first, on the tree that still has its RDF metadata comments; this is the call
    # bare_extraction(with_metadata=True) would make, on a tree without them.
    metadata = trafilatura.extract_metadata(tree, default_url=url, date_config=params)
    title = single_spaced(metadata.title or "")
    author = organization_author(tree) or single_spaced(metadata.author or "")
    if code := language_code(metadata.language):
        language = code
    published = configured or published_date(tree, html, (url, canonical), metadata.date,
                                             params, language)

    strip_comments(tree, keep_metadata=False)
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=options.favor_precision,
        include_comments=options.include_comments,
        include_tables=options.include_tables,
        deduplicate=options.deduplicate,
    )
    raw_text = (document.text or "") if document is not None else ""

    text, dropped_lines = clean_text_counted(raw_text, compiled_rules.drop_lines)
    word_count = count_words(text)
    if is_soft404([title_element, first_h1, title], text, rules.soft404_markers,
                  options.min_words):
        status = "soft404"
    elif word_count < options.min_words:
        status = "empty"
    else:
        status = "ok"
    title = title or title_element
    # Only an article is judged: a soft 404's or an empty page's text says nothing.
    judged = relevance(title, text) if status == "ok" else None
    error = ""
    if judged is not None and not judged.topic and task.irrelevant == "archive":
        status = "irrelevant"
        error = why_irrelevant(judged)
    return ExtractionResult(
        status=status,
        url=url,
        title=title,
        author=author,
        published=published,
        language=language,
        canonical_url=canonical,
        text=text,
        word_count=word_count,
        encoding=encoding,
        dropped_lines=dropped_lines,
        dropped_elements=dropped_elements,
        error=error,
        relevance=judged.score if judged else 0.0,
        topic_terms=judged.terms if judged else (),
        topic=judged.topic if judged else "",
    )
