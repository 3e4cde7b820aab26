"""Scale: each sample site with N extra stories generated from its own templates.

``make_server(scale=N)`` serves every site with N generated news stories besides its own: the
same chrome, JSON-LD and og tags as the site's other stories, a title, a date and 150-1,200
words recombined from the bundled sentence corpus (corpus.py). Story ``i`` of a site is the
same whatever N is (seeded by the site's name and ``i``); story 0 is the newest, and every
generated story is older than all of the site's own stories, so that the first edition's
stories keep heading the home page, feeds and listings, and later editions' new stories still
come first. Each story names a village made up for it (``token``): one word that no other
page of any site has, so a search can find exactly that story.

The stories are reachable the way the crawler discovers the site's own: the feeds list the
newest (up to ``FEED_ITEMS`` items in all), the news sitemap lists every story (above
``SITEMAP_URLS`` URLs it becomes a sitemap index of child sitemaps of at most that many URLs
each, on the same host), and the section listings are paginated over all of them. The home
page, robots.txt and the site's own stories are served unchanged.

Nothing is rendered up front: stories, listing pages, feeds and sitemaps are rendered on first
request and kept in bounded LRU caches, so that a server at scale 1,000 starts in a fraction
of a second.

Over 500 lines on purpose: the generator, its seeding and the catalog entries it adds must
change together, or a scaled site stops matching what the tests expect of it.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, cached_property, lru_cache
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from archive.samplesites import dates, feeds
from archive.samplesites.archives import DailyArchive, story_day
from archive.samplesites.build import (
    HTML,
    MAX_PER_LISTING_PAGE,
    MOST_READ,
    BuiltSite,
    Response,
    _dead,
    _newest_first,
    request_key,
)
from archive.samplesites.corpus import load_corpus
from archive.samplesites.data import SEED_SITES, load_articles, load_config
from archive.samplesites.editions import edition_templates, site_state, templates_edition
from archive.samplesites.model import Article, Feed, SamplePage, SiteConfig
from archive.samplesites.render import Entry, SiteRenderer, article_entry, dead_entry

MAX_SCALE = 20_000
FEED_ITEMS = 50  # a feed lists the newest stories, at most this many (unless the site has more)
SITEMAP_URLS = 1_000  # above this, the news sitemap becomes a sitemap index
GAP_HOURS = 4  # generated story i + 1 is published 0-8 hours before story i
MIN_WORDS, MAX_WORDS = 150, 1_200
CACHE_PAGES = 256  # rendered pages kept per site (articles: per process)

XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"


# -- what a generated story looks like on each site -------------------------------------------


@dataclass(frozen=True)
class Shape:
    sections: tuple[tuple[str, int], ...]  # (section slug, weight)
    id_base: int  # story ids are id_base + 1 .. id_base + MAX_SCALE, newest highest
    url: Callable[[Stub], str]
    title_case: str = "sentence"  # "sentence", "title" (small words low) or "every"
    summary: str | None = None  # None: no summary; else what ends it ("." or nothing)
    dateline: str = ""  # "paragraph" (INA: "Baghdad-INA"), "prefix" (NINA: "BAGHDAD / NINA / ")


def _ymd(stub: Stub) -> str:
    return stub.published[:10].replace("-", "")


SHAPES: dict[str, Shape] = {
    "trtworld": Shape(
        (("middle-east", 3), ("americas", 1)), 100_000,
        lambda s: f"https://www.trtworld.com/{s.section}/{s.slug}-{s.ident}",
        summary=""),
    "france24": Shape(
        (("middle-east", 1),), 0,
        lambda s: f"https://www.france24.com/en/{s.section}/{_ymd(s)}-{s.slug}",
        summary="."),
    "ina": Shape(
        (("security", 1),), 20_000,
        lambda s: f"https://ina.iq/eng/{s.ident}--.html", dateline="paragraph"),
    "chinatopix": Shape(
        (("world", 1),), 100_000,
        lambda s: f"https://www.chinatopix.com/articles/{s.ident}/{_ymd(s)}/{s.slug}.htm",
        title_case="title", summary="."),
    "nina": Shape(
        (("politics", 1),), 800_000,
        lambda s: f"https://www.ninanews.com/Website/News/Details?key={s.ident}",
        title_case="every", dateline="prefix"),
}

# Places the stories happen around. None of them is a word a later edition introduces
# (editions.py: Kirkuk, Ramadi, Baiji, Tarmiyah, Rutba ... are kept for those).
PLACES = (
    ("Anbar", "Haditha"), ("Anbar", "Fallujah"), ("Anbar", "Hit"), ("Anbar", "Qaim"),
    ("Salahuddin", "Tikrit"), ("Salahuddin", "Samarra"), ("Salahuddin", "Sharqat"),
    ("Nineveh", "Mosul"), ("Nineveh", "Tal Afar"), ("Nineveh", "Sinjar"),
    ("Diyala", "Baquba"), ("Diyala", "Khanaqin"), ("Diyala", "Muqdadiyah"),
    ("Babil", "Jurf al-Sakhar"), ("Deir ez-Zor", "Abu Kamal"), ("Raqqa", "Tabqa"),
)
DIRECTIONS = ("north", "south", "east", "west", "north-east", "north-west", "south-east",
              "south-west")
NUMBERS = ("two", "three", "four", "six", "seven", "eight", "nine")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TITLES = (
    "Security forces clear hideouts near {v} in {p}",
    "Coalition air strikes hit militant positions around {v}",
    "Displaced families begin returning to {v}",
    "Roadside bomb wounds {n} soldiers near {v}",
    "Iraqi troops search villages around {v} for militant cells",
    "Officials in {c} say the road to {v} has reopened",
    "Militants attack army post near {v} outside {c}",
    "Engineers clear explosives from farmland around {v}",
    "Coalition advisers visit the front line near {v}",
    "Arms cache found in orchards outside {v}",
    "Tribal fighters join operation to secure {v}",
    "Drone strike targets militant leaders near {v}",
)
# The story's first sentence: it names the village (no ". " inside: a teaser is cut there).
LEADS = (
    "Security forces carried out an operation on {d} in the village of {v}, {k} kilometres "
    "{dir} of {c}, a security source said.",
    "Residents of {v}, a farming village {k} kilometres {dir} of {c}, said on {d} that they had "
    "heard heavy clashes through the night.",
    "Coalition aircraft struck militant positions near the village of {v} in {p} province on "
    "{d}, officials said.",
    "Local officials said on {d} that families had begun returning to {v}, {k} kilometres {dir} "
    "of {c}, after months of displacement.",
    "An army patrol came under fire near {v} in {p} province on {d}, a military source said.",
    "Engineering teams began clearing explosives left behind in {v}, {k} kilometres {dir} of "
    "{c}, on {d}, the provincial council said.",
)
MENTIONS = (
    "The area around {v} has seen repeated attacks by militant cells in recent months.",
    "Officials said more troops would be deployed around {v} in the coming days.",
    "There was no immediate comment from local officials in {v}.",
    "Farmers in {v} said they had not been able to reach their fields since the summer.",
)
SUMMARIES = (
    "Officials say the operation near {v} is part of a wider campaign against militant "
    "remnants in {p}",
    "Families who fled {v} are returning, but many homes are damaged and services are scarce",
    "The attack near {v} shows that militant cells remain active in the countryside of {p}",
    "Security forces say the area around {v} is now under their control",
)
SUBHEADINGS = ("Security situation", "Displaced families", "Coalition support",
               "Political reactions", "Background")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
SMALL_WORDS = {"a", "an", "and", "as", "at", "for", "from", "in", "of", "on", "or", "the", "to"}

# Village names: consonant-vowel, consonant-vowel, consonant-vowel-consonant syllables, each
# position of fixed length, so that distinct numbers give distinct words.
_C, _V, _F = "bdfhjklmnqrstz", "aiu", "hnrkdb"
_FIRST = tuple(c + v for c in _C for v in _V)
_LAST = tuple(c + v + f for c in _C for v in _V for f in _F)
TOKEN_SPACE = len(_FIRST) ** 2 * len(_LAST)


def token(name: str, index: int) -> str:
    """The made-up village generated story ``index`` of site ``name`` is about: one word no
    other generated story and no page of the sample sites has."""
    g = SEED_SITES.index(name) * MAX_SCALE + index
    j = (g * 7919 + 104_729) % TOKEN_SPACE  # 7919 is prime to TOKEN_SPACE: a bijection
    a, rest = divmod(j, len(_FIRST) * len(_LAST))
    b, c = divmod(rest, len(_LAST))
    return (_FIRST[a] + _FIRST[b] + _LAST[c]).capitalize()


def _case(title: str, style: str) -> str:
    if style == "sentence":
        return title
    words = title.split(" ")
    out = []
    for i, word in enumerate(words):
        if style == "title" and i and word in SMALL_WORDS:
            out.append(word)
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out)


def _slug(title: str) -> str:
    return _NOT_SLUG.sub("-", title.lower()).strip("-")


# -- generated stories ----------------------------------------------------------------------


@dataclass(frozen=True)
class Stub:
    """What sitemaps need of a generated story; cheap to make for thousands."""

    index: int
    ident: int
    section: str
    published: str
    title: str
    slug: str
    token: str
    place: tuple[str, str]  # (province, town)
    url: str = ""


@cache
def _anchor(name: str) -> datetime:
    """Generated stories are older than every story and dead link of the site."""
    cfg = load_config(name)
    moments = [dates.to_datetime(a.published, cfg.tz) for a in load_articles(name)]
    moments += [dates.to_datetime(d.published, cfg.tz) for d in cfg.dead if d.published]
    return min(moments).astimezone(dates.parse_tz(cfg.tz)).replace(second=0, microsecond=0)


def stub(name: str, index: int) -> Stub:
    if not 0 <= index < MAX_SCALE:
        raise ValueError(f"generated story {index} is beyond MAX_SCALE ({MAX_SCALE})")
    shape = SHAPES[name]
    rng = random.Random(f"{name}:{index}")
    slugs, weights = zip(*shape.sections, strict=True)
    section = rng.choices(slugs, weights)[0]
    minutes = rng.randrange(2 * GAP_HOURS * 60)  # strictly older than story index - 1
    moment = _anchor(name) - timedelta(hours=2 * GAP_HOURS * (index + 1)) + timedelta(
        minutes=minutes)
    place = rng.choice(PLACES)
    village = token(name, index)
    title = rng.choice(TITLES).format(v=village, p=place[0], c=place[1],
                                      n=rng.choice(NUMBERS))
    title = _case(title, shape.title_case)
    s = Stub(index, shape.id_base + MAX_SCALE - index, section,
             moment.isoformat(timespec="seconds"), title, _slug(title), village, place)
    object.__setattr__(s, "url", shape.url(s))  # the URL is made from the other fields
    return s


@lru_cache(maxsize=4096)
def generated_article(name: str, index: int) -> Article:
    """Generated story ``index`` of site ``name`` (deterministic)."""
    s = stub(name, index)
    shape = SHAPES[name]
    rng = random.Random(f"{name}:{index}:body")
    province, town = s.place
    moment = datetime.fromisoformat(s.published)
    values = {"v": s.token, "p": province, "c": town, "k": str(rng.randrange(5, 60)),
              "dir": rng.choice(DIRECTIONS), "d": WEEKDAYS[moment.weekday()]}
    lead = rng.choice(LEADS).format(**values)
    mention = rng.choice(MENTIONS).format(**values)

    corpus = load_corpus()
    own = corpus[name]
    others = [s for site, sentences in corpus.items() if site != name for s in sentences]
    # The site's own sentences come somewhat earlier, so a story reads like its site.
    ranked = sorted([(rng.random() - 0.3, t) for t in own] + [(rng.random(), t) for t in others])
    sentences = [t for _, t in ranked]

    target = min(MAX_WORDS - 60, max(MIN_WORDS, int(rng.lognormvariate(math.log(450), 0.55))))
    words = len(lead.split()) + len(mention.split())
    chosen: list[str] = []
    for sentence in sentences:
        if words >= target:
            break
        chosen.append(sentence)
        words += len(sentence.split())

    picked = list(chosen)
    head = rng.randrange(0, 2)
    paragraphs = [" ".join([lead] + chosen[:head])]
    rest = chosen[head:]
    while rest:
        size = rng.choice((1, 2, 2, 2, 3, 3, 4))
        paragraphs.append(" ".join(rest[:size]))
        rest = rest[size:]
    where = rng.randrange(1, len(paragraphs)) if len(paragraphs) > 1 else 0
    paragraphs[where] = f"{paragraphs[where]} {mention}"
    if words > 500 and len(paragraphs) > 4:
        paragraphs.insert(len(paragraphs) // 2, "## " + rng.choice(SUBHEADINGS))

    city = "Baghdad" if rng.random() < 0.7 or " " in town else town  # where the desk files from
    if shape.dateline == "prefix":
        paragraphs[0] = f"{city.upper()} / NINA / {paragraphs[0]}"
    elif shape.dateline == "paragraph":
        paragraphs.insert(0, f"{city}-INA")

    summary = ""
    if shape.summary is not None:
        summary = rng.choice(SUMMARIES).format(**values) + shape.summary
    long_ones = [t for t in picked if len(t) >= 60]
    phrases = (lead,) + ((long_ones[len(long_ones) // 2],) if long_ones else ())
    authors = _authors(name)
    return Article(
        url=s.url, title=s.title, published=s.published, section=s.section,
        paragraphs=tuple(paragraphs), author=rng.choice(authors) if authors else "",
        summary=summary, phrases=phrases,
    )


@cache
def _authors(name: str) -> tuple[str, ...]:
    return tuple(sorted({a.author for a in load_articles(name)
                         if a.kind == "article" and a.author}))


# -- a site with its generated stories -------------------------------------------------------


def _child_sitemap_url(sitemap: str, n: int) -> str:
    stem, dot, ext = sitemap.rpartition(".")
    return f"{stem}-{n}.{ext}" if dot else f"{sitemap}-{n}"


def sitemap_index(urls: list[tuple[str, str]]) -> str:
    """(child sitemap URL, lastmod) pairs."""
    items = "\n".join(
        f"<sitemap>\n  <loc>{escape(url)}</loc>\n  <lastmod>{lastmod}</lastmod>\n</sitemap>"
        for url, lastmod in urls
    )
    return (feeds.XML_DECL
            + '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + items + "\n</sitemapindex>\n")


@cache
def _renderer(name: str, design: int = 1) -> SiteRenderer:
    """``design``: the edition whose templates the site has (templates_edition())."""
    return SiteRenderer(load_config(name), edition_templates(name, design))


@cache
def _most_read(name: str) -> tuple[Entry, ...]:
    # Every edition's sidebar shows the first edition's newest stories (build.py).
    cfg = load_config(name)
    return tuple(_newest_first([article_entry(a) for a in load_articles(name)], cfg.tz)
                 [:MOST_READ])


@lru_cache(maxsize=CACHE_PAGES * len(SEED_SITES))
def _article_response(name: str, index: int, design: int = 1) -> Response:
    """The same in every edition of one design: the sidebar keeps the first edition's
    stories."""
    html = _renderer(name, design).article_page(generated_article(name, index),
                                                list(_most_read(name)))
    return Response(200, HTML, html.encode("utf-8"))


def _generated_entry(name: str, index: int) -> Entry:
    return article_entry(generated_article(name, index))


class ScaledSite:
    """A built site (build.py) and ``scale`` generated stories; answers like a BuiltSite."""

    def __init__(self, base: BuiltSite, edition: int, scale: int) -> None:
        if not 0 < scale <= MAX_SCALE:
            raise ValueError(f"scale must be 1 to {MAX_SCALE}, not {scale}")
        self.base, self.edition, self.scale = base, edition, scale
        # The templates of the site in this edition (an edition may redesign it).
        self.design = templates_edition(base.cfg.name, edition)
        self.cfg: SiteConfig = base.cfg
        self.not_found = base.not_found
        self.seed = base.seed
        name, cfg = self.cfg.name, self.cfg
        self.stubs = [stub(name, i) for i in range(scale)]
        self._article_keys: dict[str, int] = {}
        origin = f"https://{cfg.host}"
        for s in self.stubs:
            if not s.url.startswith(origin + "/"):
                raise ValueError(f"{s.url}: not on {cfg.host}")
            key = s.url[len(origin):]
            key = key.lower() if cfg.case_insensitive_paths else key
            if key in base.responses or key in self._article_keys:
                raise ValueError(f"{s.url}: generated twice or over a page of the site")
            self._article_keys[key] = s.index

        state = site_state(name, edition)
        self._live = _newest_first([article_entry(a) for a in state.articles], cfg.tz)
        self._withdrawn = [article_entry(w.article) for w in state.withdrawn]
        soft404, notfound, redirect = (_dead(cfg, k) for k in ("soft404", "notfound", "redirect"))
        self._soft404, self._notfound = soft404, notfound
        target = next(a for a in state.articles if a.url == redirect.target)
        self._moved = dead_entry(redirect, target)

        # Everything whose body the generated stories change: key -> (page, how to render).
        self._overlay: dict[str, tuple[SamplePage, Callable[[], Response]]] = {}
        self._add_feeds()
        self._add_sitemaps()
        for section in (s for s in cfg.sections if s.served):
            self._add_listing(section.slug, section.url)
        if cfg.archive_day:
            self._add_archive_days()
        self._render = lru_cache(maxsize=CACHE_PAGES)(self._render_uncached)

    def _key(self, url: str) -> str:
        split = urlsplit(url)
        return request_key(split.path, split.query, self.cfg.case_insensitive_paths)

    def _put(self, page: SamplePage, render: Callable[[], Response]) -> None:
        self._overlay[self._key(page.url)] = (page, render)

    # -- feeds, sitemaps, listings (as build.py builds them, plus the generated stories) ------

    def _add_feeds(self) -> None:
        cfg, r = self.cfg, _renderer(self.cfg.name, self.design)
        for i, feed in enumerate(cfg.feeds):
            def render(i: int = i, feed: Feed = feed) -> Response:
                chosen = [e for e in self._live if not feed.sections or e.section in feed.sections]
                if i == 0:
                    chosen += [dead_entry(self._notfound), self._moved]
                room = max(0, FEED_ITEMS - len(chosen))
                picked = [s.index for s in self.stubs
                          if not feed.sections or s.section in feed.sections][:room]
                chosen += [_generated_entry(cfg.name, j) for j in picked]
                body = feeds.rss(cfg, feed, chosen, r.section_name)
                return Response(200, RSS, body.encode("utf-8"))
            self._put(SamplePage(cfg.name, feed.url, "feed", 200, feed.title), render)

    def _sitemap_entries(self) -> list[Entry]:
        cfg = self.cfg
        own = self._live + [dead_entry(self._soft404)] + self._withdrawn
        return _newest_first(own, cfg.tz) + [
            Entry(s.url, s.title, s.published, section=s.section) for s in self.stubs]

    def _add_sitemaps(self) -> None:
        cfg = self.cfg
        total = len(self._live) + 1 + len(self._withdrawn) + len(self.stubs)
        if total <= SITEMAP_URLS:
            def whole() -> Response:
                body = feeds.news_sitemap(cfg, self._sitemap_entries())
                return Response(200, XML, body.encode("utf-8"))
            self._put(SamplePage(cfg.name, cfg.sitemap, "sitemap", 200), whole)
            return
        children = [_child_sitemap_url(cfg.sitemap, n)
                    for n in range(1, math.ceil(total / SITEMAP_URLS) + 1)]

        def index() -> Response:
            entries = self._sitemap_entries()
            pairs = [(url, dates.w3c(entries[n * SITEMAP_URLS].published, cfg.tz))
                     for n, url in enumerate(children)]
            return Response(200, XML, sitemap_index(pairs).encode("utf-8"))
        self._put(SamplePage(cfg.name, cfg.sitemap, "sitemap", 200), index)
        for n, url in enumerate(children):
            def child(n: int = n) -> Response:
                chunk = self._sitemap_entries()[n * SITEMAP_URLS:(n + 1) * SITEMAP_URLS]
                return Response(200, XML, feeds.news_sitemap(cfg, chunk).encode("utf-8"))
            self._put(SamplePage(cfg.name, url, "sitemap", 200), child)

    def _add_listing(self, slug: str, first_url: str) -> None:
        cfg, r = self.cfg, _renderer(self.cfg.name, self.design)
        own = [e for e in self._live if e.section == slug]
        own += [dead_entry(d) for d in (self._soft404, self._notfound) if d.section == slug]
        own = _newest_first(own, cfg.tz)
        generated = [s.index for s in self.stubs if s.section == slug]
        total = len(own) + len(generated)
        per_page = max(1, min(MAX_PER_LISTING_PAGE, math.ceil(total / 2)))
        count = max(1, math.ceil(total / per_page))
        urls = [first_url] + [cfg.listing_page.format(section=first_url, n=n)
                              for n in range(2, count + 1)]
        for n, url in enumerate(urls, start=1):
            def render(n: int = n, url: str = url) -> Response:
                start, stop = (n - 1) * per_page, n * per_page
                chunk = own[start:stop] + [
                    _generated_entry(cfg.name, j)
                    for j in generated[max(0, start - len(own)):max(0, stop - len(own))]]
                html = r.listing_page(
                    url=url, section_slug=slug, entries=chunk, page=n,
                    prev_url=urls[n - 2] if n > 1 else "",
                    next_url=urls[n] if n < len(urls) else "",
                    most_read=list(_most_read(cfg.name)),
                )
                return Response(200, HTML, html.encode("utf-8"))
            title = r.section_name(slug) + ("" if n == 1 else f" - Page {n}")
            self._put(SamplePage(cfg.name, url, "listing", 200, title), render)

    def _add_archive_days(self) -> None:
        """Each day's page lists the generated stories of that day too (by their stubs:
        a day page needs only URL, title and date)."""
        cfg = self.cfg
        stories = self._live + [Entry(s.url, s.title, s.published, section=s.section)
                                for s in self.stubs]
        archive = DailyArchive(cfg, _renderer(cfg.name, self.design), stories,
                               list(_most_read(cfg.name)),
                               [story_day(e) for e in self._withdrawn])
        for day in archive.days:
            self._put(archive.page(day),
                      lambda day=day: Response(200, HTML, archive.body(day)))

    # -- serving ---------------------------------------------------------------------------

    def _render_uncached(self, key: str) -> Response:
        return self._overlay[key][1]()

    def lookup(self, path: str, query: str) -> Response:
        key = request_key(path, query, self.cfg.case_insensitive_paths)
        index = self._article_keys.get(key)
        if index is not None:
            return _article_response(self.cfg.name, index, self.design)
        if key in self._overlay:
            return self._render(key)
        return self.base.lookup(path, query)

    @property
    def responses(self) -> dict[str, Response]:
        return self.base.responses

    @cached_property
    def pages(self) -> list[SamplePage]:
        """The site's catalog: its own pages (listings, feeds and sitemap as scaled) and the
        generated stories (kind "article")."""
        replaced = {p.url for p, _ in self._overlay.values()}
        pages = [p for p in self.base.pages
                 if p.url not in replaced and p.kind not in ("listing", "sitemap")]
        pages += [p for p, _ in self._overlay.values()]
        for s in self.stubs:
            article = generated_article(self.cfg.name, s.index)
            pages.append(SamplePage(self.cfg.name, s.url, "article", 200, article.title,
                                    article.published, article.author, article.phrases))
        return pages


Site = BuiltSite | ScaledSite
