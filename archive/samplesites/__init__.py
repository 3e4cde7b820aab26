"""Bundled "sample sites": local copies of the configured news sources, served from one HTTP
server.

The crawler's tests fetch these through Scrapy's real downloader, sending the real URL's path
and Host header to 127.0.0.1. Each site lives in ``sites/<source name>/``: ``site.toml`` (its
fixed facts: robots.txt, sections, feeds, dead links), ``templates/`` (its chrome and markup) and
``articles/`` (one TOML file per story). Everything served is rendered from those files.

The sites come in editions (``EDITIONS``; editions.py): edition 1 is the above; editions 2
and 3 of the five seed sources (``SEED_SITES``; the other sites stay as edition 1 gives them)
are what later crawls find (new stories, an edited one, a deleted one, one redirected to the
home page; ``sites/<name>/editions/<n>/``), and edition 4 redesigns TRT World's article
template and changes nothing else. ``make_server(edition=n)`` serves one, and
``server.set_edition(n)`` switches a running server to another. ``make_server(scale=N)`` adds N
generated stories to each seed site, for benchmarks (scale.py).
"""

from __future__ import annotations

from archive.samplesites.data import SEED_SITES
from archive.samplesites.editions import EDITIONS, EditionChanges, changes_of, check_edition
from archive.samplesites.model import SamplePage
from archive.samplesites.registry import all_sites, boilerplate_phrases
from archive.samplesites.server import SampleSitesServer, make_server, serve

__all__ = [
    "BOILERPLATE_PHRASES", "EDITIONS", "EditionChanges", "SamplePage", "SampleSitesServer",
    "catalog", "edition_changes", "make_server", "seed_pages", "serve",
]

# Site chrome that must never reach extracted article text (union of every site's list).
BOILERPLATE_PHRASES: tuple[str, ...] = boilerplate_phrases()


def catalog(edition: int = 1, scale: int = 0) -> list[SamplePage]:
    """Every URL every site serves in that edition, with its kind and status in that edition
    (a story an edition took down: kind "notfound" (404), "gone" (410) or "redirect" (301 to
    the home page)); at a scale above 0, with the generated stories (kind "article") and the
    feeds, sitemaps (child sitemaps too) and listing pages as that scale serves them."""
    return [page for site in all_sites(edition, scale).values() for page in site.pages]


def seed_pages() -> dict[str, SamplePage]:
    """Source name -> the page carrying that source's seed article (the same in every
    edition)."""
    pages = {}
    sites = all_sites()
    for name in SEED_SITES:
        site = sites[name]
        if site.seed is None:
            raise ValueError(f"sample site {name} has no seed article")
        pages[name] = site.seed
    return pages


def edition_changes(edition: int) -> dict[str, EditionChanges]:
    """Source name -> what ``edition`` changed on that site relative to ``edition - 1``
    (edition 1, and every site but the seed sources: nothing)."""
    check_edition(edition)
    return {name: changes_of(name, edition, site.pages) if name in SEED_SITES
            else EditionChanges()
            for name, site in all_sites(edition).items()}
