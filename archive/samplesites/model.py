"""Data types of the sample sites: what a site is made of and what it serves."""

from __future__ import annotations

from dataclasses import dataclass, field

PAGE_KINDS = (
    "robots", "home", "listing", "feed", "sitemap",
    "article", "unrelated", "soft404", "notfound", "redirect",
    "gone",  # a story a later edition deleted with 410 Gone (deleted with 404: "notfound")
    "archive",  # a daily archive page (archives.py): the stories of one day
)


@dataclass(frozen=True)
class SamplePage:
    """One URL a sample site serves, with what a correct crawl should find there."""

    source: str
    url: str  # the real absolute URL
    kind: str  # one of PAGE_KINDS
    status: int
    title: str = ""
    published: str = ""  # ISO 8601 date or datetime
    author: str = ""
    # 2-4 sentences, verbatim substrings of the body text, a correct extraction must contain.
    phrases: tuple[str, ...] = ()
    redirect_to: str = ""
    # Editions 2 and 3 only (see editions.py): the dateModified a later edition gave the story
    # when it edited it, and, in edition_changes(), the sentences as they read before the edit.
    modified: str = ""
    old_phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Article:
    """One story as its data file gives it; rendered into a page, feed items and sitemap entries."""

    url: str
    title: str
    published: str  # ISO 8601; a bare date when the page never showed a time
    section: str
    paragraphs: tuple[str, ...]  # "## " marks an inline sub-heading
    kind: str = "article"  # or "unrelated"
    modified: str = ""
    author: str = ""
    summary: str = ""
    phrases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    image_src: str = ""
    image_alt: str = ""
    image_caption: str = ""
    image_credit: str = ""
    links: tuple[tuple[str, str], ...] = ()  # (text in a paragraph, href) made into anchors
    seed: bool = False


@dataclass(frozen=True)
class DeadLink:
    """A URL the site links to whose story is gone: soft 404, real 404 or 301."""

    kind: str  # "soft404", "notfound" or "redirect"
    url: str
    listed_title: str = ""  # the headline the listing or feed still shows
    summary: str = ""
    published: str = ""
    section: str = ""
    target: str = ""  # redirect only: URL of the article it now points to


@dataclass(frozen=True)
class Withdrawn:
    """A story a later edition took down. It answers 404 or 410 (the site's error page) or a
    301 to the home page, drops out of feeds, listings and the home page, and stays in the news
    sitemap, as stale sitemaps keep such URLs for a while."""

    article: Article  # the story as it last read
    status: int  # 404, 410 or 301


@dataclass(frozen=True)
class Section:
    url: str  # first listing page, as sources.toml names it
    slug: str
    name: str
    served: bool = True  # False: only named in breadcrumbs, its listing is not part of the site


@dataclass(frozen=True)
class Feed:
    url: str
    title: str
    sections: tuple[str, ...] = ()  # empty: every section


@dataclass(frozen=True)
class SiteConfig:
    """A site's fixed facts from its site.toml."""

    name: str
    title: str
    host: str  # canonical host; aliases answer with a 301 to it
    aliases: tuple[str, ...]
    home: str
    tz: str  # UTC offset of the newsroom, "+03:00": used for bare dates
    date_format: str  # how the page prints a date (strftime; %B %b %p in the names below)
    robots: str
    sections: tuple[Section, ...]
    feeds: tuple[Feed, ...]
    sitemap: str
    listing_page: str  # format string with {section} and {n}: URL of listing page n >= 2
    boilerplate: tuple[str, ...]  # chrome phrases on every article page
    seed_chrome: tuple[str, ...]  # chrome phrases of the seed page only (captions, date lines)
    home_cookies: tuple[str, ...]
    dead: tuple[DeadLink, ...]
    jsonld: bool = True
    feed_creator: bool = True
    subheading_tag: str = "h2"
    body_widget_after: int = 0  # 0: no widget inside the body
    case_insensitive_paths: bool = False
    soft404_canonical: str = ""
    publisher_logo: str = ""
    # URL of the daily archive page, {yyyy} {mm} {dd} {Month} filled in ("": none); the
    # month named by archive_months, else months, else in English (archives.py).
    archive_day: str = ""
    archive_months: tuple[str, ...] = ()
    # How the page spells a date: month names (%B; default English), short names (%b;
    # default the first three letters of %B), the AM/PM marks (%p), and "latin" or
    # "eastern" digits (Eastern Arabic: ٠١٢٣٤٥٦٧٨٩).
    months: tuple[str, ...] = ()
    months_short: tuple[str, ...] = ()
    am_pm: tuple[str, str] = ("AM", "PM")
    digits: str = "latin"
    # On a host several sites share (an outlet's editions): the path prefixes ("/fr/") this
    # site serves; the host's first site in SITE_NAMES order serves the rest (robots.txt).
    paths: tuple[str, ...] = ()
    # The edition's language (ISO 639-1): the feed's <language>, the news sitemap's
    # news:language and the JSON-LD inLanguage.
    language: str = "en"
    extra: dict[str, str] = field(default_factory=dict)  # strings the templates use as-is
