"""Read a site's site.toml and its article files into the model types."""

from __future__ import annotations

import tomllib
from pathlib import Path

from archive.samplesites.model import Article, DeadLink, Feed, Section, SiteConfig

SITES_DIR = Path(__file__).resolve().parent / "sites"
# The seed sources: the sites with later editions (editions.py) and generated stories at a
# scale above 0 (scale.py). Every other directory of sites/ with a site.toml is a site too,
# served at edition 1 in every edition and at every scale.
SEED_SITES = ("trtworld", "france24", "ina", "chinatopix", "nina")
SITE_NAMES = SEED_SITES + tuple(sorted(
    path.parent.name for path in SITES_DIR.glob("*/site.toml")
    if path.parent.name not in SEED_SITES))


def _tuple(value: object) -> tuple:
    return tuple(value) if isinstance(value, list) else ()


def _months(value: object, field_name: str) -> tuple[str, ...]:
    names = _tuple(value)
    if names and len(names) != 12:
        raise ValueError(f"{field_name} must name 12 months, not {len(names)}")
    return names


def load_config(name: str) -> SiteConfig:
    path = SITES_DIR / name / "site.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    dead = tuple(
        DeadLink(kind=kind, **raw[kind]) for kind in ("soft404", "notfound", "redirect")
    )
    return SiteConfig(
        name=name,
        title=raw["title"],
        host=raw["host"],
        aliases=_tuple(raw.get("aliases")),
        paths=_tuple(raw.get("paths")),
        language=raw.get("language", "en"),
        home=raw["home"],
        tz=raw["tz"],
        date_format=raw["date_format"],
        months=_months(raw.get("months"), "months"),
        months_short=_months(raw.get("months_short"), "months_short"),
        am_pm=_tuple(raw.get("am_pm")) or ("AM", "PM"),
        digits=raw.get("digits", "latin"),
        robots=raw["robots"],
        sections=tuple(Section(**s) for s in raw["section"]),
        feeds=tuple(
            Feed(url=f["url"], title=f["title"], sections=_tuple(f.get("sections")))
            for f in raw["feed"]
        ),
        sitemap=raw["sitemap"],
        listing_page=raw["listing_page"],
        boilerplate=_tuple(raw["boilerplate"]),
        seed_chrome=_tuple(raw.get("seed_chrome")),
        home_cookies=_tuple(raw["home_cookies"]),
        dead=dead,
        jsonld=raw.get("jsonld", True),
        feed_creator=raw.get("feed_creator", True),
        subheading_tag=raw.get("subheading_tag", "h2"),
        body_widget_after=raw.get("body_widget_after", 0),
        case_insensitive_paths=raw.get("case_insensitive_paths", False),
        soft404_canonical=raw.get("soft404_canonical", ""),
        publisher_logo=raw.get("publisher_logo", ""),
        archive_day=raw.get("archive_day", ""),
        archive_months=_months(raw.get("archive_months"), "archive_months"),
        extra=dict(raw.get("extra", {})),
    )


def parse_body(text: str) -> tuple[str, ...]:
    """Paragraphs are separated by blank lines; a paragraph's own line breaks become spaces."""
    blocks = (" ".join(line.strip() for line in b.splitlines()) for b in text.split("\n\n"))
    return tuple(b.strip() for b in blocks if b.strip())


def load_article(path: Path) -> Article:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    image = raw.get("image", {})
    return Article(
        url=raw["url"],
        title=raw["title"],
        published=raw["published"],
        section=raw["section"],
        paragraphs=parse_body(raw["body"]),
        kind=raw.get("kind", "article"),
        modified=raw.get("modified", ""),
        author=raw.get("author", ""),
        summary=raw.get("summary", ""),
        phrases=_tuple(raw.get("phrases")),
        tags=_tuple(raw.get("tags")),
        image_src=image.get("src", ""),
        image_alt=image.get("alt", ""),
        image_caption=image.get("caption", ""),
        image_credit=image.get("credit", ""),
        links=tuple((link["text"], link["href"]) for link in raw.get("links", [])),
        seed=raw.get("seed", False),
    )


def load_articles(name: str) -> list[Article]:
    return [load_article(p) for p in sorted((SITES_DIR / name / "articles").glob("*.toml"))]


def load_template_texts(name: str) -> dict[str, str]:
    folder = SITES_DIR / name / "templates"
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.html"))}
