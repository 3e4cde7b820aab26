"""Link discovery in feeds, sitemaps and listing pages.

Feeds and sitemaps are parsed with entity resolution and network access off,
so XXE and billion-laughs documents cannot reach files or expand.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass

from lxml import etree

MAX_XML_BYTES = 50 * 1024 * 1024
_ATOM = "{http://www.w3.org/2005/Atom}"


class DiscoveryError(Exception):
    """A feed or sitemap that cannot be read."""


@dataclass(frozen=True)
class DiscoveredLink:
    url: str
    published: str = ""
    is_sitemap: bool = False


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, recover=True,
        remove_comments=True, remove_pis=True, load_dtd=False,
    )


def maybe_gunzip(body: bytes) -> bytes:
    """Sitemaps may be served as .xml.gz without Content-Encoding."""
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        data = decompressor.decompress(body, MAX_XML_BYTES)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise DiscoveryError(f"bad gzip data: {exc}") from exc
    if decompressor.unconsumed_tail:
        raise DiscoveryError(f"decompressed document exceeds {MAX_XML_BYTES} bytes")
    return data


def parse_xml(body: bytes) -> etree._Element:
    body = maybe_gunzip(body)
    if not body.strip():
        raise DiscoveryError("empty document")
    try:
        root = etree.fromstring(body, parser=_safe_parser())
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"not XML: {exc}") from exc
    if root is None:
        raise DiscoveryError("not XML: no root element")
    return root


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def feed_links(body: bytes) -> list[DiscoveredLink]:
    """Item links of an RSS 2.0, RSS 1.0 or Atom feed."""
    root = parse_xml(body)
    links: list[DiscoveredLink] = []
    for item in root.iter():
        name = _local(item.tag)
        if name == "item":
            link = published = ""
            for child in item:
                child_name = _local(child.tag)
                if child_name == "link" and (child.text or "").strip():
                    link = child.text.strip()
                elif child_name in ("pubDate", "date") and child.text:
                    published = child.text.strip()
            if not link:
                guid = item.find("guid")
                if guid is not None and guid.get("isPermaLink", "true") != "false":
                    link = (guid.text or "").strip()
            if link:
                links.append(DiscoveredLink(link, published))
        elif item.tag == f"{_ATOM}entry":
            href = ""
            for link_el in item.iter(f"{_ATOM}link"):
                if link_el.get("rel", "alternate") == "alternate" and link_el.get("href"):
                    href = link_el.get("href")
                    break
            published = item.findtext(f"{_ATOM}published") or item.findtext(f"{_ATOM}updated")
            if href:
                links.append(DiscoveredLink(href.strip(), (published or "").strip()))
    if not links and _local(root.tag) not in ("rss", "RDF", "feed"):
        raise DiscoveryError(f"not a feed: root element <{_local(root.tag)}>")
    return links


def sitemap_links(body: bytes) -> list[DiscoveredLink]:
    """URLs of a sitemap, or child sitemaps of a sitemap index (is_sitemap=True)."""
    root = parse_xml(body)
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise DiscoveryError(f"not a sitemap: root element <{kind}>")
    links: list[DiscoveredLink] = []
    for entry in root:
        if _local(entry.tag) not in ("url", "sitemap"):
            continue
        loc = published = ""
        for el in entry.iter():
            name = _local(el.tag)
            if name == "loc" and not loc:
                loc = (el.text or "").strip()
            elif name == "publication_date":
                published = (el.text or "").strip()
            elif name == "lastmod" and not published:
                published = (el.text or "").strip()
        if loc:
            links.append(DiscoveredLink(loc, published, is_sitemap=kind == "sitemapindex"))
    return links
