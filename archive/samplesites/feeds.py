"""RSS 2.0 feeds and Google News sitemaps of a sample site."""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from archive.samplesites import dates
from archive.samplesites.model import Feed, SiteConfig
from archive.samplesites.render import Entry

XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


def rss(
    cfg: SiteConfig, feed: Feed, entries: list[Entry], section_name: Callable[[str], str]
) -> str:
    """Newest first, as feeds are; lastBuildDate is the newest item's date, never "now"."""
    entries = sorted(entries, key=lambda e: dates.to_datetime(e.published, cfg.tz), reverse=True)
    link = cfg.home
    items = []
    for e in entries:
        parts = [
            f"<title>{escape(e.title)}</title>",
            f"<link>{escape(e.url)}</link>",
            f'<guid isPermaLink="true">{escape(e.url)}</guid>',
            f"<pubDate>{dates.rfc822(e.published, cfg.tz)}</pubDate>",
            f"<description>{escape(e.summary)}</description>",
        ]
        if e.section:
            parts.append(f"<category>{escape(section_name(e.section))}</category>")
        if cfg.feed_creator and e.author:
            parts.append(f"<dc:creator>{escape(e.author)}</dc:creator>")
        items.append("<item>\n  " + "\n  ".join(parts) + "\n</item>")
    last = dates.rfc822(entries[0].published, cfg.tz) if entries else ""
    return (
        XML_DECL
        + '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
        f"<title>{escape(feed.title)}</title>\n"
        f"<link>{escape(link)}</link>\n"
        f"<description>{escape(cfg.extra.get('description', cfg.title))}</description>\n"
        f"<language>{escape(cfg.language)}</language>\n"
        f"<atom:link href={quoteattr(feed.url)} rel=\"self\" type=\"application/rss+xml\"/>\n"
        f"<lastBuildDate>{last}</lastBuildDate>\n"
        + "\n".join(items)
        + "\n</channel>\n</rss>\n"
    )


def news_sitemap(cfg: SiteConfig, entries: list[Entry]) -> str:
    """A Google News sitemap: news:publication (name, language), publication_date, title,
    and news:keywords (the story's tags) on sites whose site.toml says
    `extra.news_keywords = "tags"`. The language is the site's."""
    entries = sorted(entries, key=lambda e: dates.to_datetime(e.published, cfg.tz), reverse=True)
    language = escape(cfg.language)
    with_keywords = cfg.extra.get("news_keywords") == "tags"
    urls = []
    for e in entries:
        keywords = (f"    <news:keywords>{escape(', '.join(e.tags))}</news:keywords>\n"
                    if with_keywords and e.tags else "")
        urls.append(
            "<url>\n"
            f"  <loc>{escape(e.url)}</loc>\n"
            "  <news:news>\n"
            "    <news:publication>\n"
            f"      <news:name>{escape(cfg.title)}</news:name>\n"
            f"      <news:language>{language}</news:language>\n"
            "    </news:publication>\n"
            f"    <news:publication_date>{dates.w3c(e.published, cfg.tz)}"
            "</news:publication_date>\n"
            f"    <news:title>{escape(e.title)}</news:title>\n"
            f"{keywords}"
            "  </news:news>\n"
            "</url>"
        )
    return (
        XML_DECL
        + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        + "\n".join(urls)
        + "\n</urlset>\n"
    )
