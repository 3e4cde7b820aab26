"""Decoded HTML to the lxml tree that trafilatura would build itself, parsed once.

The one difference is that comments are kept until the metadata has been read, for the
one kind that carries a publication date on purpose.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree

# trafilatura's own parser settings, except that comments are kept, for the one kind that
# carries a publication date on purpose (see _METADATA_COMMENT). encoding="utf-8" makes our
# decoding authoritative over any <meta charset> or XML declaration inside the document.
_HTML_PARSER = lxml.html.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=False,
    remove_pis=True,
)
# Blogs (Movable Type, TypePad, goo) put an RDF trackback block in a comment, and its
# dc:date is often the page's only machine-readable date; htmldate reads it when it
# parses the page itself. Other comments are notes for developers: version-control $Id$
# lines, render times, edit notes, disabled markup. Keeping every comment changed the date
# of 5 of the 1,690 real pages in ../shared/realdata: to the right day on the one with an
# RDF block (blog.goo.ne.jp), to a day that is no publication date on the 4 others.
_METADATA_COMMENT = re.compile(r"<rdf:RDF\b|\bdc:date\s*=")


def strip_comments(tree: Any, *, keep_metadata: bool) -> None:
    """Remove comments below the root in place, keeping the text that follows them: the
    tree is then what trafilatura's parser (remove_comments=True) builds. With keep_metadata,
    the RDF metadata blocks stay for htmldate."""
    if not keep_metadata:
        etree.strip_tags(tree, etree.Comment)
        return
    for comment in list(tree.iter(etree.Comment)):
        if not _METADATA_COMMENT.search(comment.text or ""):
            comment.drop_tree()


def parse_html(html: str) -> Any:
    """The document tree, with its comments; raises etree.ParserError or ValueError for
    what is not HTML at all."""
    return lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"),
                                         parser=_HTML_PARSER)


# The headings a reader sees: not hidden, not in a template. The first is the article's
# title on a news page (metadata.first_heading), and its date line stands next to it
# (dates.printed_date).
VISIBLE_H1 = etree.XPath(
    "//h1[not(ancestor-or-self::*[@hidden or @aria-hidden='true'"
    " or contains(translate(@style, ' ', ''), 'display:none')]) and not(ancestor::template)]"
)
