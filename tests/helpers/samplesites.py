"""Fetching from the sample sites as the crawler does (real Host header, no
redirects followed) and reading their pages and feeds."""

from __future__ import annotations

import gzip
import http.client
import re
import urllib.error
import urllib.request
import urllib.robotparser
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from archive.sources import load_sources

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "dc": "http://purl.org/dc/elements/1.1/",
}


# Strict XML parsing: no entities, no network (feeds are untrusted input in production too).
XML_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True)


def fetch(port: int, url: str, *, gzip_ok: bool = False, method: str = "GET",
          host: str | None = None) -> Fetched:
    """Send the real URL's path and query with its real Host header, as the crawler does."""
    split = urlsplit(url)
    target = split.path + ("?" + split.query if split.query else "")
    headers = {"Host": host or split.netloc, "User-Agent": "pressarchive-tests"}
    if gzip_ok:
        headers["Accept-Encoding"] = "gzip"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{target}", headers=headers, method=method
    )
    try:
        with OPENER.open(request, timeout=10) as response:
            return Fetched(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Fetched(error.code, error.headers, error.read())


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def body_text(source: str, html: str, *, drop_chrome: bool) -> str:
    """The story element's text; with drop_chrome, after the source's drop_xpaths have run (the
    one place a real template nests chrome inside the story: China Topix's share widget)."""
    tree = lxml.html.fromstring(html)
    if drop_chrome:
        for xpath in SOURCES[source].extraction.drop_xpaths:
            for element in tree.xpath(xpath):
                element.drop_tree()
    found = tree.xpath(BODY_XPATH[source])
    assert len(found) == 1, f"{source}: {len(found)} body elements"
    return norm(found[0].text_content())


SOURCES = load_sources()


# Where each site keeps the story text (the selectors the dossier gives for each template).
BODY_XPATH = {
    "trtworld": "//div[contains(@class,'contentBox')]",
    "france24": "//article[contains(@class,'article-long')]"
    "//div[contains(concat(' ',normalize-space(@class),' '),' bd ')]",
    "ina": "//div[@id='news-id-text']",
    "chinatopix": "//div[contains(@class,'artbody')]",
    "nina": "//div[contains(@class,'main-content-wrapper')]//div[contains(@class,'container')]"
    "//div[contains(@class,'justify-content-center')]//div[contains(@class,'post-content')]",
    # -- dossier sections 6-9 --
    "rudaw": "//article//div[contains(@class,'article__body')]",
    "rudaw_ar": "//article//div[contains(@class,'article__body')]",
    "kurdistan24": "//article[contains(@class,'news-details')]"
    "/div[contains(@class,'news-body')]",
    "kurdistan24_ar": "//article[contains(@class,'news-details')]"
    "/div[contains(@class,'news-body')]",
    "shafaq": "//article[contains(@class,'post-details')]/div[contains(@class,'post-text')]",
    "shafaq_ar": "//article[contains(@class,'post-details')]/div[contains(@class,'post-text')]",
    "anadolu": "//div[contains(@class,'detay-icerik')]/div[1]",


    # -- dossier sections 10-14 --
    "aljazeera": "//div[contains(@class,'wysiwyg--all-content')]",
    "aljazeera_ar": "//div[contains(@class,'wysiwyg--all-content')]",
    "almonitor": "//article[contains(@class,'node-article')]//div[@class='article-body']",
    "middleeasteye": "//article[contains(@class,'node--type-article')]"
    "//div[contains(@class,'field--name-body')]",
    "dailysabah": "//div[@id='newsDescription']"
    "//div[contains(concat(' ',normalize-space(@class),' '),' txt ')]",
    "aawsat": "//article[contains(@class,'node-article')]//div[@class='node_new_body']",
    "aawsat_ar": "//article[contains(@class,'node-article')]//div[@class='node_new_body']",


    # -- dossier sections 15-19 --
    "cjtfoir": "//article[contains(@class,'article-detail')]/div[@class='body']",
    "centcom": "//article[contains(@class,'article-detail')]/div[@class='body']",
    "defense": "//article[contains(@class,'article-detail')]/div[@class='body']",
    "france24_fr": "//article[contains(@class,'article-long')]"
    "//div[contains(concat(' ',normalize-space(@class),' '),' bd ')]",
    "france24_ar": "//article[contains(@class,'article-long')]"
    "//div[contains(concat(' ',normalize-space(@class),' '),' bd ')]",
    "ina_ar": "//div[@id='news-id-text']",
    "nina_ar": "//div[contains(@class,'main-content-wrapper')]//div[contains(@class,'container')]"
    "//div[contains(@class,'justify-content-center')]//div[contains(@class,'post-content')]",
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


# No proxies from the environment and no redirect following: we look at the raw answer.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


class Fetched:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status, self.headers, self.raw = status, headers, body

    @property
    def body(self) -> bytes:
        if self.headers.get("Content-Encoding") == "gzip":
            return gzip.decompress(self.raw)
        return self.raw

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")
