"""The archived pages: read ``sources/<name>/`` (source.toml, templates/, pages/*.toml) and
render each capture into the HTTP response the site sent at that time.

A page file names its URL as it was captured, what the live sample site serves there now
(``live``), its story (the usual article fields, or ``same_as``: a story file of the live sample
site, reused so that the two copies cannot drift apart) and its ``[[capture]]`` list (timestamp,
status, location for a 3xx). Home and listing pages (``kind``) list this site's archived stories
published before the capture, so their captures differ from each other.
"""

from __future__ import annotations

import gzip
import tomllib
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path
from string import Template
from urllib.parse import quote

from archive.samplesites import dates
from archive.samplesites.data import SITES_DIR, load_article
from archive.samplesites.model import Article
from archive.samplesites.webarchive.warcfiles import Exchange, capture_time, http_date

SOURCES_DIR = Path(__file__).resolve().parent / "sources"
LIVE_KINDS = ("article", "notfound", "soft404", "redirect", "home", "listing")
REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found"}
# Heritrix's user agent of the Internet Archive's crawls, so requests look like theirs.
ARCHIVE_BOT = "Mozilla/5.0 (compatible; archive.org_bot +http://www.archive.org/details/archive.org_bot)"


@dataclass(frozen=True)
class CaptureSpec:
    timestamp: str
    status: int = 200
    location: str = ""


@dataclass(frozen=True)
class ArchivedPage:
    source: str
    url: str
    kind: str  # "article", "home" or "listing"
    live: str  # one of LIVE_KINDS
    title: str
    article: Article | None
    captures: tuple[CaptureSpec, ...]


@dataclass(frozen=True)
class ArchivedSource:
    name: str
    cfg: dict
    templates: dict[str, Template]
    pages: tuple[ArchivedPage, ...]


def _page(name: str, path: Path) -> ArchivedPage:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    kind = raw.get("kind", "article")
    article = None
    if kind == "article":
        story = SITES_DIR / name / "articles" / raw["same_as"] if "same_as" in raw else path
        article = replace(load_article(story), url=raw["url"])
    if raw["live"] not in LIVE_KINDS:
        raise ValueError(f"{path}: live must be one of {LIVE_KINDS}")
    captures = tuple(CaptureSpec(**c) for c in raw["capture"])
    for c in captures:
        capture_time(c.timestamp)  # a malformed timestamp fails here, not in pywb
        if (300 <= c.status < 400) != bool(c.location) or c.status not in REASONS:
            raise ValueError(f"{path}: capture {c.timestamp}: bad status or location")
    return ArchivedPage(name, raw["url"], kind, raw["live"],
                        article.title if article else raw["title"], article, captures)


def load_source(name: str) -> ArchivedSource:
    folder = SOURCES_DIR / name
    cfg = tomllib.loads((folder / "source.toml").read_text(encoding="utf-8"))
    templates = {p.stem: Template(p.read_text(encoding="utf-8"))
                 for p in sorted((folder / "templates").glob("*.html"))}
    pages = tuple(_page(name, p) for p in sorted((folder / "pages").glob("*.toml")))
    return ArchivedSource(name, cfg, templates, pages)


def load_sources() -> list[ArchivedSource]:
    return [load_source(p.name) for p in sorted(SOURCES_DIR.iterdir()) if p.is_dir()]


class Renderer:
    def __init__(self, source: ArchivedSource) -> None:
        self.source, self.cfg, self.t = source, source.cfg, source.templates

    def date(self, value: str) -> str:
        return dates.display(value, self.cfg["date_format"], self.cfg["tz"])

    def layout(self, page: ArchivedPage, title: str, main: str, timestamp: str) -> str:
        return self.t["layout"].substitute(
            page_title=escape(title + self.cfg["title_suffix"]), og_title=escape(title),
            canonical=escape(page.url), main=main, body_class=page.kind, year=timestamp[:4])

    def body(self, article: Article) -> str:
        tag, widget_after = self.cfg["subheading_tag"], self.cfg["widget_after"]
        parts = []
        for i, text in enumerate(article.paragraphs, start=1):
            if text.startswith("## "):
                parts.append(f"<{tag}>{escape(text[3:])}</{tag}>")
            else:
                parts.append(f"<p>{escape(text)}</p>")
            if i == widget_after:
                parts.append(self.t["widget"].template)
        return "\n".join(parts)

    def article(self, page: ArchivedPage, timestamp: str) -> str:
        a = page.article
        assert a is not None
        figure = self.t["figure"].substitute(
            image_src=escape(a.image_src), image_alt=escape(a.image_alt),
            credit=escape(a.image_credit), caption=escape(a.image_caption),
        ) if a.image_src else ""
        main = self.t["article"].substitute(
            title=escape(a.title), summary=escape(a.summary), author=escape(a.author),
            date=escape(self.date(a.published)), date_iso=a.published, figure=figure,
            body=self.body(a), tags=escape(", ".join(a.tags)), url=escape(a.url),
            url_q=quote(a.url, safe=""))
        return self.layout(page, a.title, main, timestamp)

    def listing(self, page: ArchivedPage, timestamp: str) -> str:
        when = capture_time(timestamp)
        stories = sorted(
            (p.article for p in self.source.pages if p.article is not None
             and dates.to_datetime(p.article.published, self.cfg["tz"]) < when),
            key=lambda a: dates.to_datetime(a.published, self.cfg["tz"]), reverse=True)
        items = "\n".join(self.t["item"].substitute(
            url=escape(a.url), title=escape(a.title), date=escape(self.date(a.published)),
            summary=escape(a.summary or a.paragraphs[0])) for a in stories)
        main = self.t["home"].substitute(items=items, listing_title=escape(page.title))
        return self.layout(page, page.title, main, timestamp)

    def html(self, page: ArchivedPage, capture: CaptureSpec) -> str:
        if capture.status == 404:
            return self.layout(page, "Page not found", self.t["notfound"].template,
                               capture.timestamp)
        if capture.location:
            href = escape(capture.location)
            return (f"<html><head><title>{capture.status} {REASONS[capture.status]}</title>"
                    f'</head><body><a href="{href}">{href}</a></body></html>\n')
        if page.kind == "article":
            return self.article(page, capture.timestamp)
        return self.listing(page, capture.timestamp)

    def exchange(self, page: ArchivedPage, capture: CaptureSpec) -> Exchange:
        body = self.html(page, capture).encode("utf-8")
        headers = [("Date", http_date(capture.timestamp)), *map(tuple, self.cfg["headers"])]
        if capture.location:
            headers.append(("Location", capture.location))
        if self.cfg.get("gzip"):
            # mtime=0: the same page compresses to the same bytes, hence the same digest.
            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        headers += [("Content-Length", str(len(body))), ("Connection", "close")]
        request = (("User-Agent", ARCHIVE_BOT), ("Connection", "close"),
                   ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
                   ("Accept-Encoding", "gzip"), ("Host", self.cfg["host"]))
        return Exchange(page.url, capture.timestamp, capture.status, REASONS[capture.status],
                        tuple(headers), body, request, self.cfg["ip"])
