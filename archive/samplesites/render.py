"""HTML pages of a sample site: its templates filled from article data.

Each site's templates hold its chrome and markup; this module only supplies the values, so the
same code renders five very different-looking sites.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from html import escape
from string import Template
from urllib.parse import quote, urlsplit

from archive.samplesites import dates
from archive.samplesites.model import Article, DeadLink, SiteConfig

ORG_AUTHOR_HINTS = ("TRTWorld", "FRANCE 24", "INA", "NINA", "Staff", "agencies")


@dataclass(frozen=True)
class Entry:
    """A link as listings, the home page, feeds and sitemaps show it."""

    url: str
    title: str
    published: str
    summary: str = ""
    author: str = ""
    section: str = ""
    image_src: str = ""
    image_alt: str = ""
    tags: tuple[str, ...] = ()  # a news sitemap's news:keywords, where the site gives them


def article_entry(article: Article) -> Entry:
    summary = article.summary or _first_sentence(article.paragraphs)
    return Entry(
        article.url, article.title, article.published, summary, article.author,
        article.section, article.image_src, article.image_alt or article.title, article.tags,
    )


def undated_urls(cfg: SiteConfig) -> frozenset[str]:
    """Stories whose pages show no date at all (site.toml `extra.undated`, URLs separated
    by spaces): their date is only in the feeds and the news sitemap, as on CMS templates
    that print none. The crawl must date them from the sitemap."""
    return frozenset(cfg.extra.get("undated", "").split())


def dead_entry(dead: DeadLink, target: Article | None = None) -> Entry:
    if target is not None:  # an old URL still shows the story it now redirects to
        return replace(article_entry(target), url=dead.url)
    return Entry(dead.url, dead.listed_title, dead.published, dead.summary, "", dead.section)


def _first_sentence(paragraphs: tuple[str, ...]) -> str:
    # Skip sub-headings and bare datelines ("Baghdad-INA"): a teaser starts with the news.
    text = next((p for p in paragraphs if not p.startswith("## ") and len(p) > 60), "")
    return text.split(". ")[0].rstrip(".") + "." if text else ""


class SiteRenderer:
    def __init__(self, cfg: SiteConfig, template_texts: dict[str, str]) -> None:
        self.cfg = cfg
        self.templates = {k: Template(v) for k, v in template_texts.items()}

    # -- helpers -------------------------------------------------------------------------------

    def _fill(self, name: str, **values: str) -> str:
        return self.templates[name].substitute({**self.cfg.extra, **values})

    def section_name(self, slug: str) -> str:
        for section in self.cfg.sections:
            if section.slug == slug:
                return section.name
        return slug.replace("-", " ").title()

    def section_url(self, slug: str) -> str:
        for section in self.cfg.sections:
            if section.slug == slug:
                return section.url
        return self.cfg.home + slug

    def date(self, value: str) -> str:
        if not value:  # an undated story (undated_urls)
            return ""
        cfg = self.cfg
        return dates.display(value, cfg.date_format, cfg.tz, months=cfg.months,
                             months_short=cfg.months_short, am_pm=cfg.am_pm, digits=cfg.digits)

    def item(self, entry: Entry) -> str:
        return self._fill(
            "item",
            url=escape(entry.url),
            title=escape(entry.title),
            summary=escape(entry.summary),
            date=escape(self.date(entry.published)) if entry.published else "",
            date_iso=entry.published,
            image_src=escape(entry.image_src or self.cfg.extra.get("placeholder_image", "")),
            image_alt=escape(entry.image_alt or entry.title),
            section=escape(self.section_name(entry.section)) if entry.section else "",
        )

    def most_read(self, entries: list[Entry]) -> str:
        return "\n".join(
            f'<li><a href="{escape(e.url)}">{escape(e.title)}</a></li>' for e in entries
        )

    def page(self, *, head: str, main: str, most_read: list[Entry], body_class: str) -> str:
        return self._fill(
            "layout", head=head, main=main, most_read=self.most_read(most_read),
            body_class=body_class,
        )

    def head(
        self, *, title: str, url: str, description: str = "", canonical: str | None = None,
        og_type: str = "website", article: Article | None = None, extra: str = "",
        suffix: bool = True,
    ) -> str:
        cfg = self.cfg
        tail = cfg.extra.get("title_suffix", "") if suffix else ""
        lines = [f"<title>{escape(title)}{escape(tail)}</title>"]
        if description:
            lines.append(f'<meta name="description" content="{escape(description)}">')
        canonical = url if canonical is None else canonical
        if canonical:
            lines.append(f'<link rel="canonical" href="{escape(canonical)}">')
        lines += [
            f'<meta property="og:site_name" content="{escape(cfg.title)}">',
            f'<meta property="og:title" content="{escape(title)}">',
            f'<meta property="og:url" content="{escape(canonical or url)}">',
            f'<meta property="og:type" content="{og_type}">',
        ]
        if description:
            lines.append(f'<meta property="og:description" content="{escape(description)}">')
        if article is not None:
            lines += self._article_meta(article)
        if extra:
            lines.append(extra)
        return "\n".join(lines)

    def _article_meta(self, article: Article) -> list[str]:
        lines = [
            f'<meta property="article:published_time" content="{article.published}">',
            f'<meta property="article:modified_time" '
            f'content="{article.modified or article.published}">',
        ] if article.published else []
        lines.append(f'<meta property="article:section" '
                     f'content="{escape(self.section_name(article.section))}">')
        if article.image_src:
            lines.append(f'<meta property="og:image" content="{escape(article.image_src)}">')
        if article.author:
            lines.append(f'<meta name="author" content="{escape(article.author)}">')
        if self.cfg.jsonld:
            lines.append(self._jsonld(article))
        return lines

    def _jsonld(self, article: Article) -> str:
        cfg = self.cfg
        data: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "mainEntityOfPage": {"@type": "WebPage", "@id": article.url},
            "headline": article.title,
            "description": article.summary or _first_sentence(article.paragraphs),
            **({"datePublished": article.published,
                "dateModified": article.modified or article.published}
               if article.published else {}),
            "articleSection": self.section_name(article.section),
            "inLanguage": self.cfg.language,
        }
        if article.image_src:
            data["image"] = [article.image_src]
        if article.author:
            is_org = any(hint in article.author for hint in ORG_AUTHOR_HINTS)
            kind = "Organization" if is_org else "Person"
            data["author"] = {"@type": kind, "name": article.author}
        publisher: dict[str, object] = {"@type": "Organization", "name": cfg.title}
        if cfg.publisher_logo:
            publisher["logo"] = {"@type": "ImageObject", "url": cfg.publisher_logo}
        data["publisher"] = publisher
        text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
        return f'<script type="application/ld+json">\n{text}\n</script>'

    # -- article ---------------------------------------------------------------------------------

    def body(self, article: Article) -> str:
        links = {text: href for text, href in article.links}
        parts = []
        for i, paragraph in enumerate(article.paragraphs, start=1):
            if paragraph.startswith("## "):
                parts.append(self._subheading(escape(paragraph[3:], quote=False)))
            else:
                html = escape(paragraph, quote=False)
                for text, href in links.items():
                    html = html.replace(
                        escape(text, quote=False), f'<a href="{escape(href)}">{escape(text)}</a>', 1
                    )
                parts.append(f"<p>{html}</p>")
            if i == self.cfg.body_widget_after:
                parts.append(self._fill("body_widget", url=escape(article.url),
                                        title=escape(article.title)))
        return "\n".join(parts)

    def _subheading(self, html: str) -> str:
        tag = self.cfg.subheading_tag
        if tag == "strong":  # editors of some CMSs bold a paragraph instead of using a heading
            return f"<p><strong>{html}</strong></p>"
        return f"<{tag}>{html}</{tag}>"

    def figure(self, article: Article) -> str:
        if not article.image_src:
            return ""
        return self._fill(
            "figure",
            image_src=escape(article.image_src),
            image_alt=escape(article.image_alt or article.title),
            caption=escape(article.image_caption, quote=False),
            credit=escape(article.image_credit, quote=False),
        )

    def tags(self, article: Article) -> str:
        pattern = self.cfg.extra.get("tag_url", "")
        return ", ".join(
            f'<a href="{escape(pattern.format(slug=t.lower().replace(" ", "-")))}">{escape(t)}</a>'
            for t in article.tags
        )

    def article_page(self, article: Article, most_read: list[Entry]) -> str:
        if article.url in undated_urls(self.cfg):
            article = replace(article, published="", modified="")
        updated = article.modified or article.published
        main = self._fill(
            "article",
            url=escape(article.url),
            url_q=quote(article.url, safe=""),  # for share links: the URL as a query value
            title=escape(article.title),
            summary=escape(article.summary, quote=False),
            author=escape(article.author, quote=False),
            date=escape(self.date(article.published)),
            date_iso=article.published,
            updated=escape(self.date(updated)),
            updated_iso=updated,
            section=escape(self.section_name(article.section)),
            section_url=escape(self.section_url(article.section)),
            figure=self.figure(article),
            body=self.body(article),
            tags=self.tags(article),
        )
        head = self.head(
            title=article.title, url=article.url, description=article.summary,
            og_type="article", article=article,
        )
        return self.page(head=head, main=main, most_read=most_read, body_class="article")

    # -- listings, home, errors ----------------------------------------------------------------

    def listing_page(
        self, *, url: str, section_slug: str, entries: list[Entry], page: int,
        prev_url: str, next_url: str, most_read: list[Entry],
    ) -> str:
        links = []
        if prev_url:
            links.append(f'<a class="prev" rel="prev" href="{escape(prev_url)}">Previous</a>')
        links.append(f'<span class="current">{page}</span>')
        if next_url:
            links.append(f'<a class="next" rel="next" href="{escape(next_url)}">Next</a>')
        head_links = "\n".join(
            f'<link rel="{rel}" href="{escape(href)}">'
            for rel, href in (("prev", prev_url), ("next", next_url)) if href
        )
        name = self.section_name(section_slug)
        main = self._fill(
            "listing",
            section=escape(name),
            section_url=escape(self.section_url(section_slug)),
            items="\n".join(self.item(e) for e in entries),
            pagination="\n".join(links),
            page=str(page),
        )
        title = name if page == 1 else f"{name} - Page {page}"
        head = self.head(title=title, url=url, extra=head_links,
                         description=f"{self.cfg.title}: latest news from {name}")
        return self.page(head=head, main=main, most_read=most_read, body_class="listing")

    def archive_title(self, day_title: str) -> str:
        """A daily archive page's title, in the edition's words (extra.archive_title)."""
        return self.cfg.extra.get("archive_title", "Archives - {day}").replace("{day}", day_title)

    def archive_day_page(
        self, *, url: str, day_title: str, entries: list[Entry], most_read: list[Entry],
    ) -> str:
        # Site-relative links, as France 24's archive pages have them.
        items = "\n".join(
            self._fill("archive_day_item", href=escape(_site_relative(e.url)),
                       title=escape(e.title)).rstrip("\n")
            for e in entries
        )
        main = self._fill("archive_day", day_title=escape(day_title), items=items)
        head = self.head(title=self.archive_title(day_title), url=url)
        return self.page(head=head, main=main, most_read=most_read, body_class="archive")

    def home_page(self, entries: list[Entry], most_read: list[Entry]) -> str:
        sections = "\n".join(
            f'<li><a href="{escape(s.url)}">{escape(s.name)}</a></li>'
            for s in self.cfg.sections if s.served
        )
        main = self._fill(
            "home",
            lead=self.item(entries[0]),
            items="\n".join(self.item(e) for e in entries[1:]),
            sections=sections,
        )
        head = self.head(title=self.cfg.extra.get("home_title", self.cfg.title),
                         url=self.cfg.home, description=self.cfg.extra.get("description", ""))
        return self.page(head=head, main=main, most_read=most_read, body_class="home")

    def not_found_page(self, url: str, most_read: list[Entry], canonical: str = "") -> str:
        # Error pages carry no canonical of their own; some CMSs point it at the home page.
        head = self.head(title="Page not found", url=url, canonical=canonical, suffix=False,
                         extra='<meta name="robots" content="noindex">')
        main = self._fill("notfound")
        return self.page(head=head, main=main, most_read=most_read, body_class="error")


def _site_relative(url: str) -> str:
    split = urlsplit(url)
    return split.path + ("?" + split.query if split.query else "")


def redirect_body(location: str) -> str:
    href = escape(location)
    return (
        "<!DOCTYPE html>\n<html><head><title>301 Moved Permanently</title></head>"
        f'<body><h1>Moved Permanently</h1><p>The document has moved <a href="{href}">here</a>.'
        "</p></body></html>\n"
    )
