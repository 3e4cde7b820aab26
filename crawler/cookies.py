"""Scrapy's cookie handling without a network fetch of the public suffix list.

Scrapy's CookiesMiddleware asks tldextract whether a cookie's domain is a public
suffix (so that a site cannot set a cookie for all of `.co.uk`). Its module-level
TLDExtract downloads the Public Suffix List on first use, from publicsuffix.org,
outside Scrapy's downloader: a request the crawl never archived, and in a closed
network two long tracebacks. This one uses the snapshot bundled with tldextract,
offline, and no cache directory.
"""

from __future__ import annotations

from collections.abc import Iterable
from http.cookiejar import Cookie

from scrapy import Request
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.http.cookies import CookieJar
from scrapy.utils.httpobj import urlparse_cached
from tldextract import TLDExtract

# The same suffix list Scrapy asks for (private domains such as blogspot.com
# included), from the package, never from the network or a cache on disk.
_split_domain = TLDExtract(
    cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True,
    include_psl_private_domains=True,
)


def is_public_domain(domain: str) -> bool:
    return not _split_domain(domain).domain


class OfflineCookiesMiddleware(CookiesMiddleware):
    """CookiesMiddleware with the public suffix check of Scrapy 2.19 on the bundled list."""

    def _process_cookies(self, cookies: Iterable[Cookie], *, jar: CookieJar,
                         request: Request) -> None:
        for cookie in cookies:
            cookie_domain = cookie.domain.removeprefix(".")
            hostname = urlparse_cached(request).hostname
            if hostname is None:
                continue
            request_domain = hostname.lower()
            # A cookie for a public suffix is kept only for that exact host.
            if cookie_domain and is_public_domain(cookie_domain):
                if cookie_domain != request_domain:
                    continue
                cookie.domain = request_domain
            jar.set_cookie_if_ok(cookie, request)
