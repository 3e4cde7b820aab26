"""A source's cleanup rules (settings/sources.toml, `ExtractionRules`) applied to a page.

Elements matching `drop_xpaths` leave the tree before trafilatura sees it, lines matching
`drop_lines` leave the text it extracted, and `soft404_markers` recognise an error page
served with status 200. Rules are compiled once per set (cached) and checked before any
work on a page, so a bad rule fails on every page, not by luck.
"""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple

import lxml.html
from lxml import etree

from archive.extract.words import single_spaced
from archive.sources import ExtractionRules

_BLANK_RUNS = re.compile(r"\n{3,}")


class BadRule(ValueError):
    """A drop_xpaths, drop_lines or date_xpaths entry that does not compile; the page's status is
    then "error" with this message."""


class CompiledRules(NamedTuple):
    drop_xpaths: tuple[etree.XPath, ...]
    drop_lines: tuple[re.Pattern, ...]
    date_xpaths: tuple[etree.XPath, ...]


def _xpaths(exprs: tuple[str, ...], field: str) -> tuple[etree.XPath, ...]:
    xpaths = []
    for expr in exprs:
        try:
            xpaths.append(etree.XPath(expr))
        except etree.XPathError as exc:
            raise BadRule(f"bad {field} {expr!r}: {exc}") from None
    return tuple(xpaths)


def _compile_rules(rules: ExtractionRules) -> CompiledRules:
    patterns = []
    for expr in rules.drop_lines:
        try:
            patterns.append(re.compile(expr))
        except re.error as exc:
            raise BadRule(f"bad drop_lines regex {expr!r}: {exc}") from None
    return CompiledRules(_xpaths(rules.drop_xpaths, "drop_xpath"), tuple(patterns),
                         _xpaths(rules.date_xpaths, "date_xpath"))


_compile_rules_cached = functools.lru_cache(maxsize=64)(_compile_rules)


def compiled(rules: ExtractionRules) -> CompiledRules:
    """The rules' XPaths and regexes compiled; raises BadRule."""
    try:
        hash(rules)
    except TypeError:  # rules built by hand with lists: correct, just not cacheable
        return _compile_rules(rules)
    return _compile_rules_cached(rules)


def drop_elements(tree: Any, xpaths: tuple[etree.XPath, ...]) -> int:
    """Remove what the drop_xpaths match from the tree, in place; returns how many
    elements went (extraction health counts them: a redesign shows as a jump)."""
    dropped = 0
    for xpath in xpaths:
        for element in xpath(tree):
            if isinstance(element, lxml.html.HtmlElement) and element.getparent() is not None:
                element.drop_tree()  # keeps the element's tail text, which is not its own
                dropped += 1
    return dropped


def clean_text_counted(text: str, patterns: tuple[re.Pattern, ...]) -> tuple[str, int]:
    """The text without the lines the drop_lines match whole, trailing spaces and runs of
    more than one blank line; and how many lines the drop_lines removed (boilerplate
    seen, which extraction health counts)."""
    lines = []
    dropped = 0
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and any(p.fullmatch(stripped) for p in patterns):
            dropped += 1
            continue
        lines.append(line.rstrip())
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip(), dropped


def _starts_with_marker(value: str, marker: str) -> bool:
    # "Page not found | Site" matches "page not found"; "Page not founders" does not.
    return value == marker or (
        value.startswith(marker) and not value[len(marker)].isalnum()
    )


def is_soft404(titles: list[str], text: str, markers: tuple[str, ...], min_words: int) -> bool:
    """Whether a title or the text starts with a soft-404 marker, or the text is
    essentially only a marker."""
    markers_l = [single_spaced(m).lower() for m in markers if m.strip()]
    if not markers_l:
        return False
    titles_l = [single_spaced(t).lower() for t in titles if t]
    text_l = single_spaced(text).lower()
    for marker in markers_l:
        if any(_starts_with_marker(t, marker) for t in titles_l):
            return True
        if text_l and _starts_with_marker(text_l, marker):
            return True
    # "Essentially only a marker": an error page wrapped in a few words of chrome.
    if any(m in text_l for m in markers_l):
        rest = text_l
        for marker in markers_l:
            rest = rest.replace(marker, " ")
        return len(rest.split()) < min_words
    return False
