from __future__ import annotations

import gzip

import pytest

from crawler.discovery import DiscoveryError, feed_links, sitemap_links

RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>t</title>
<item><title>A</title><link>https://ina.iq/eng/9948--.html</link>
<pubDate>Sun, 15 Nov 2020 13:12:00 +0300</pubDate></item>
<item><title>B</title><guid>https://ina.iq/eng/9629--.html</guid></item>
<item><title>C</title><guid isPermaLink="false">tag:1</guid></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<entry><link rel="alternate" href="https://x.org/a"/><published>2015-01-22</published></entry>
</feed>"""

NEWS_SITEMAP = b"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
 xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://x.org/a</loc><news:news><news:publication_date>2015-07-28</news:publication_date>
</news:news></url></urlset>"""

INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://x.org/s1.xml</loc></sitemap></sitemapindex>"""


def test_rss_links_dates_and_permalink_guids():
    links = feed_links(RSS)
    assert [link.url for link in links] == ["https://ina.iq/eng/9948--.html",
                                            "https://ina.iq/eng/9629--.html"]
    assert links[0].published.startswith("Sun, 15 Nov 2020")


def test_atom_links():
    assert [(x.url, x.published) for x in feed_links(ATOM)] == [("https://x.org/a", "2015-01-22")]


def test_news_sitemap_and_index_and_gzip():
    assert [(x.url, x.published, x.is_sitemap) for x in sitemap_links(NEWS_SITEMAP)] == [
        ("https://x.org/a", "2015-07-28", False)]
    assert sitemap_links(INDEX)[0].is_sitemap
    assert sitemap_links(gzip.compress(NEWS_SITEMAP))[0].url == "https://x.org/a"


@pytest.mark.parametrize("body", [b"", b"<html><body>nope</body></html>", b"\x1f\x8bnot gzip"])
def test_broken_documents_raise_discovery_error(body):
    with pytest.raises(DiscoveryError):
        sitemap_links(body)


def test_feed_that_is_html_is_rejected():
    with pytest.raises(DiscoveryError, match="not a feed"):
        feed_links(b"<html><body><p>hi</p></body></html>")


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    xxe = f"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.org/&x;</loc>
</url></urlset>""".encode()
    links = sitemap_links(xxe)
    assert all("TOPSECRET" not in link.url for link in links)


def test_billion_laughs_does_not_expand():
    bomb = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>
<rss><channel><item><link>https://x.org/&e;</link></item></channel></rss>"""
    links = feed_links(bomb)
    assert all(len(link.url) < 1000 for link in links)


def test_gzip_bomb_sitemap_is_refused():
    bomb = gzip.compress(b"<urlset>" + b" " * (60 * 1024 * 1024) + b"</urlset>")
    with pytest.raises(DiscoveryError, match="exceeds"):
        sitemap_links(bomb)
