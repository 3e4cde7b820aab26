"""Extraction of a saved file (`pressarchive extract FILE`), as the crawl extracts the
page: reading it (plain or .gz) and refusing what is not HTML at all."""

from __future__ import annotations

import dataclasses
import gzip
import re
from pathlib import Path
from typing import Any

from archive.extract.charset import binary_kind, decode_html
from archive.extract.task import ExtractionResult, ExtractionTask
from archive.extract.text import extract
from archive.extract.words import one_line

# A start or end tag of an HTML element, a comment, a doctype or an XML declaration.
# Only HTML's own element names count: a Markdown or text file that mentions a
# placeholder such as `<id>` or `<URL>` is still text, not a page.
_HTML_ELEMENTS = (
    "a|abbr|article|aside|b|base|blockquote|body|br|button|caption|code|dd|div|dl|dt|em|"
    "figcaption|figure|font|footer|form|h[1-6]|head|header|hr|html|i|iframe|img|input|"
    "label|li|link|main|meta|nav|noscript|ol|option|p|pre|script|section|select|small|"
    "span|strong|style|sub|sup|table|tbody|td|textarea|tfoot|th|thead|time|title|tr|u|ul"
)
_MARKUP = re.compile(rf"<(?:/?(?:{_HTML_ELEMENTS})[\s/>]|!--|!doctype|\?xml)", re.IGNORECASE)


def is_plain_text(body: bytes) -> bool:
    """Whether a saved file is text without any markup at all.

    Only for files given to extract_file(): lxml wraps plain text in <html><body><p>
    and trafilatura extracts it as an article (a README came out "ok" with 2,914
    words). Pages the crawl fetched are not judged by this: what a server sent as HTML
    is extracted as HTML. Empty and binary files are left to extract() ("empty")."""
    if not body.strip() or binary_kind(body):
        return False
    text, _ = decode_html(body)
    return _MARKUP.search(text) is None


def extract_file(path: Path, *, url: str | None = None, **fields: Any) -> dict[str, Any]:
    """Extract a saved page (plain or .gz); never raises. `url` defaults to the file's
    file:// URL; `fields` are the rest of the ExtractionTask (rules, options, language,
    captured_at...). Returns the result as a dict, with the file's path under "file"."""
    path = Path(path)
    if url is None:
        url = path.absolute().as_uri()
    task = ExtractionTask(b"", url, **fields)  # the body once read
    limit = task.options.max_html_bytes
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                # One byte past the limit is enough to say "too large" without inflating
                # a gzip bomb into memory.
                body = handle.read(limit + 1)
        else:
            with path.open("rb") as handle:
                body = handle.read(limit + 1)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        # strerror: "No such file or directory", without the path repeated after it.
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        result = ExtractionResult(
            status="error", url=url, error=one_line(f"cannot read {path}: {reason}")
        )
    else:
        if len(body) > limit:
            result = ExtractionResult(
                status="too_large", url=url,
                error=f"more than max_html_bytes={limit} bytes (uncompressed)",
            )
        elif is_plain_text(body):
            result = ExtractionResult(status="not_html", url=url,
                                      error="not HTML: no markup at all (a text file?)")
        else:
            result = extract(dataclasses.replace(task, body=body))
    return {"file": str(path), **result.to_dict()}
