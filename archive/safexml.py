"""XML documents from the web (feeds, sitemaps) read without trusting them.

Entity resolution, DTD loading and network access are off, so XXE and billion-laughs
documents can neither reach files nor expand; lxml's huge_tree stays off (its limits on
depth and text size hold); a gzip body is decompressed to MAX_XML_BYTES at most (a gzip
bomb stops there). The crawl's discovery (crawler/discovery.py) and the index's reading
of news sitemaps (archive/news_sitemap.py) share these settings.
"""

from __future__ import annotations

import gzip
import zlib
from typing import Any

from lxml import etree

# The sitemap protocol's own limit on an uncompressed sitemap.
MAX_XML_BYTES = 50 * 1024 * 1024

PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False, "no_network": True, "huge_tree": False, "recover": True,
    "remove_comments": True, "remove_pis": True, "load_dtd": False,
}


class XmlError(Exception):
    """A feed or sitemap that cannot be read."""


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(**PARSER_OPTIONS)


def maybe_gunzip(body: bytes) -> bytes:
    """Sitemaps may be served as .xml.gz without Content-Encoding."""
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        data = decompressor.decompress(body, MAX_XML_BYTES)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise XmlError(f"bad gzip data: {exc}") from exc
    if decompressor.unconsumed_tail:
        raise XmlError(f"decompressed document exceeds {MAX_XML_BYTES} bytes")
    return data


def parse_xml(body: bytes) -> etree._Element:
    body = maybe_gunzip(body)
    if not body.strip():
        raise XmlError("empty document")
    try:
        root = etree.fromstring(body, parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlError(f"not XML: {exc}") from exc
    if root is None:
        raise XmlError("not XML: no root element")
    return root


def local_name(tag: object) -> str:
    """An element's name without its namespace ("" for comments and the like)."""
    return etree.QName(tag).localname if isinstance(tag, str) else ""
