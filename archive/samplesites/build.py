"""Turn a site's articles into everything it serves: one flow from a list of articles to pages,
feeds, sitemap and listings, so more articles (generated ones too) need no other change."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from archive.samplesites import dates, feeds
from archive.samplesites.archives import DailyArchive, story_day
from archive.samplesites.model import Article, DeadLink, SamplePage, SiteConfig, Withdrawn
from archive.samplesites.render import Entry, SiteRenderer, article_entry, dead_entry, redirect_body

HTML = "text/html; charset=utf-8"
MOST_READ = 5
MAX_PER_LISTING_PAGE = 10


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def compressible(self) -> bool:
        return "html" in self.content_type or "xml" in self.content_type


@dataclass
class BuiltSite:
    cfg: SiteConfig
    not_found: Response
    responses: dict[str, Response] = field(default_factory=dict)  # by path and query
    pages: list[SamplePage] = field(default_factory=list)
    seed: SamplePage | None = None
    archive: DailyArchive | None = None  # daily archive pages, any day (archives.py)

    def add(self, page: SamplePage, response: Response) -> None:
        split = urlsplit(page.url)
        if split.hostname != self.cfg.host:
            raise ValueError(f"{page.url}: not on {self.cfg.host}")
        key = request_key(split.path, split.query, self.cfg.case_insensitive_paths)
        if key in self.responses:
            raise ValueError(f"{page.url}: served twice")
        self.responses[key] = response
        self.pages.append(page)

    def lookup(self, path: str, query: str) -> Response:
        key = request_key(path, query, self.cfg.case_insensitive_paths)
        found = self.responses.get(key)
        if found is not None:
            return found
        day = self.archive.day_of(path, query) if self.archive else None
        if day is not None and self.archive is not None:
            return Response(200, HTML, self.archive.body(day))
        return self.not_found


def request_key(path: str, query: str, case_insensitive: bool) -> str:
    key = path + ("?" + query if query else "")
    # ASP.NET sites answer /Website/News/Details?Key=1 and /website/news/details?key=1 alike.
    return key.lower() if case_insensitive else key


def _html(status: int, text: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, HTML, text.encode("utf-8"), headers)


def _newest_first(entries: list[Entry], tz: str) -> list[Entry]:
    return sorted(entries, key=lambda e: dates.to_datetime(e.published, tz), reverse=True)


def _dead(cfg: SiteConfig, kind: str) -> DeadLink:
    return next(d for d in cfg.dead if d.kind == kind)


def build_site(
    cfg: SiteConfig, articles: list[Article], templates: dict[str, str], *,
    most_read_from: list[Article] | None = None, withdrawn: Sequence[Withdrawn] = (),
) -> BuiltSite:
    """Everything the site serves. Later editions (editions.py) pass the first edition's
    articles as ``most_read_from``, so that the sidebar, and with it every page no story of
    which changed, stays byte for byte the same; and the stories they took down as
    ``withdrawn``."""
    r = SiteRenderer(cfg, templates)
    by_url = {a.url: a for a in articles}
    entries = _newest_first([article_entry(a) for a in articles], cfg.tz)
    sidebar = entries if most_read_from is None else _newest_first(
        [article_entry(a) for a in most_read_from], cfg.tz)
    most_read = sidebar[:MOST_READ]
    soft404, notfound, redirect = (_dead(cfg, k) for k in ("soft404", "notfound", "redirect"))
    if redirect.target not in by_url:
        raise ValueError(f"{cfg.name}: redirect target {redirect.target} is not an article")
    moved = dead_entry(redirect, by_url[redirect.target])

    site = BuiltSite(cfg, _html(404, r.not_found_page("", most_read)))
    page = SamplePage

    if cfg.robots:  # empty: another site of the host serves it (SiteConfig.paths)
        site.add(page(cfg.name, f"https://{cfg.host}/robots.txt", "robots", 200),
                 Response(200, "text/plain; charset=utf-8", cfg.robots.encode("utf-8")))

    # The moved story's old URL stays on the home page, as stale links on real home pages do.
    home_entries = entries[:2] + [moved] + entries[2:]
    cookies = tuple(("Set-Cookie", c) for c in cfg.home_cookies)
    site.add(page(cfg.name, cfg.home, "home", 200, cfg.extra.get("home_title", cfg.title)),
             _html(200, r.home_page(home_entries, most_read), cookies))

    for i, feed in enumerate(cfg.feeds):
        chosen = [e for e in entries if not feed.sections or e.section in feed.sections]
        if i == 0:  # feeds keep items whose story later vanished or moved
            chosen += [dead_entry(notfound), moved]
        body = feeds.rss(cfg, feed, chosen, r.section_name)
        site.add(page(cfg.name, feed.url, "feed", 200, feed.title),
                 Response(200, "application/rss+xml; charset=utf-8", body.encode("utf-8")))

    # A stale sitemap: taken-down stories stay in it (a recheck from it meets the 404/410/301).
    stale = [article_entry(w.article) for w in withdrawn]
    body = feeds.news_sitemap(cfg, entries + [dead_entry(soft404)] + stale)
    site.add(page(cfg.name, cfg.sitemap, "sitemap", 200),
             Response(200, "application/xml; charset=utf-8", body.encode("utf-8")))

    for section in (s for s in cfg.sections if s.served):
        listed = [e for e in entries if e.section == section.slug]
        listed += [dead_entry(d) for d in (soft404, notfound) if d.section == section.slug]
        _add_listing(site, r, section.slug, section.url, _newest_first(listed, cfg.tz), most_read)

    if cfg.archive_day:
        # A taken-down story's day keeps its (now emptier) page in the catalog.
        site.archive = DailyArchive(cfg, r, entries, most_read,
                                    [story_day(article_entry(w.article)) for w in withdrawn])
        for day in site.archive.days:
            site.add(site.archive.page(day), Response(200, HTML, site.archive.body(day)))

    for article in articles:
        p = page(cfg.name, article.url, article.kind, 200, article.title, article.published,
                 article.author, article.phrases)
        site.add(p, _html(200, r.article_page(article, most_read)))
        if article.seed:
            site.seed = p

    for gone in withdrawn:
        url = gone.article.url
        if gone.status == 301:
            site.add(page(cfg.name, url, "redirect", 301, redirect_to=cfg.home),
                     _html(301, redirect_body(cfg.home), (("Location", cfg.home),)))
        elif gone.status in (404, 410):
            kind = "notfound" if gone.status == 404 else "gone"
            site.add(page(cfg.name, url, kind, gone.status, "Page not found"),
                     Response(gone.status, HTML, site.not_found.body))
        else:
            raise ValueError(f"{url}: a withdrawn story answers 301, 404 or 410")

    site.add(page(cfg.name, soft404.url, "soft404", 200, "Page not found"),
             _html(200, r.not_found_page(soft404.url, most_read, cfg.soft404_canonical)))
    site.add(page(cfg.name, notfound.url, "notfound", 404, "Page not found"), site.not_found)
    site.add(page(cfg.name, redirect.url, "redirect", 301, redirect_to=redirect.target),
             _html(301, redirect_body(redirect.target), (("Location", redirect.target),)))
    return site


def _add_listing(
    site: BuiltSite, r: SiteRenderer, slug: str, first_url: str, listed: list[Entry],
    most_read: list[Entry],
) -> None:
    # Two pages at least, so that pagination is always exercised.
    per_page = max(1, min(MAX_PER_LISTING_PAGE, math.ceil(len(listed) / 2)))
    chunks = [listed[i:i + per_page] for i in range(0, len(listed), per_page)] or [[]]
    urls = [first_url] + [
        site.cfg.listing_page.format(section=first_url, n=n) for n in range(2, len(chunks) + 1)
    ]
    for n, (url, chunk) in enumerate(zip(urls, chunks, strict=True), start=1):
        html = r.listing_page(
            url=url, section_slug=slug, entries=chunk, page=n,
            prev_url=urls[n - 2] if n > 1 else "",
            next_url=urls[n] if n < len(urls) else "",
            most_read=most_read,
        )
        title = r.section_name(slug) + ("" if n == 1 else f" - Page {n}")
        site.add(SamplePage(site.cfg.name, url, "listing", 200, title), _html(200, html))
