"""Link discovery in feeds, sitemaps and listing pages.

Feeds and sitemaps are parsed as archive/safexml.py reads untrusted XML: entity
resolution and network access off, so XXE and billion-laughs documents cannot reach
files or expand.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.safexml import MAX_XML_BYTES, maybe_gunzip, parse_xml
from archive.safexml import XmlError as DiscoveryError
from archive.safexml import local_name as _local

__all__ = ["MAX_XML_BYTES", "DiscoveryError", "DiscoveredLink", "feed_links", "maybe_gunzip",
           "sitemap_links"]
_ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class DiscoveredLink:
    url: str
    published: str = ""
    is_sitemap: bool = False


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
