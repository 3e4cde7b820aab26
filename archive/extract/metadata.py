"""What a page says about itself besides its date: title, headings, canonical URL,
language and, from JSON-LD, an organisation credited as its author.

trafilatura's own metadata (title, author, language) comes first; these read what it
does not, or reads differently from the publisher's intent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from archive.extract.parse import VISIBLE_H1
from archive.extract.words import single_spaced

_LANG = re.compile(r"^([a-zA-Z]{2})(?:$|[-_])")


def language_code(value: str | None) -> str:
    """The two-letter language of a tag such as "en", "en-GB" or "pt_BR"; "" if none."""
    match = _LANG.match(value or "")
    return match.group(1).lower() if match else ""


def _text_of(element: Any) -> str:
    return single_spaced(element.text_content()) if element is not None else ""


def page_title(tree: Any) -> str:
    """The text of the page's <title>; "" if none."""
    return _text_of(tree.find(".//title"))


def first_heading(tree: Any) -> str:
    """The text of the first <h1> a reader sees (not hidden, not in a template)."""
    h1s = VISIBLE_H1(tree)
    return _text_of(h1s[0]) if h1s else ""


def canonical_url(tree: Any, url: str) -> str:
    """The canonical link the page declares (else og:url), absolute; "" if none."""
    candidates = tree.xpath(
        "//link[@href and contains(concat(' ', translate(@rel, 'CANONIL', 'canonil'), ' '),"
        " ' canonical ')]/@href | //meta[@property='og:url' and @content]/@content"
    )
    for href in candidates:
        href = href.strip()
        if not href:
            continue
        try:
            absolute = urljoin(url, href)
            if urlsplit(absolute).scheme in ("http", "https"):
                return absolute
        except ValueError:
            continue
    return ""



def language(tree: Any, fallback: str) -> str:
    """The language the page declares (<html lang>, Content-Language, og:locale), else
    the fallback (the source's configured language)."""
    values = tree.xpath("/html/@lang | /html/@xml:lang")
    values += tree.xpath(
        "//meta[translate(@http-equiv, 'CONTENTLAGU', 'contentlagu')='content-language']"
        "/@content | //meta[@property='og:locale']/@content"
    )
    for value in values:
        code = language_code(value.strip())
        if code:
            return code
    return (fallback or "").strip().lower()[:2]


_JSONLD = etree.XPath("//script[@type='application/ld+json']/text()")


def _jsonld_objects(tree: Any) -> Iterator[dict[str, Any]]:
    for script in _JSONLD(tree):
        try:
            data = json.loads(script, strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))


def organization_author(tree: Any) -> str:
    """The article's author when JSON-LD names only organisations, verbatim.

    trafilatura treats author strings as lists of people: it splits "TRTWorld and
    agencies" into "TRTWorld; Agencies". Right for "Jane Doe and John Roe", wrong for a
    credit line, which is kept as the publisher wrote it.
    """
    for item in _jsonld_objects(tree):
        kind = item.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        if "author" not in item or not any(
            isinstance(k, str) and (k.endswith("Article") or k == "BlogPosting") for k in kinds
        ):
            continue
        authors = item["author"] if isinstance(item["author"], list) else [item["author"]]
        names = [
            single_spaced(a["name"])
            for a in authors
            if isinstance(a, dict) and a.get("@type") == "Organization"
            and isinstance(a.get("name"), str) and a["name"].strip()
        ]
        return "; ".join(names) if names and len(names) == len(authors) else ""
    return ""
