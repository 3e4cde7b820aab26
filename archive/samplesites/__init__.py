"""Bundled "sample sites": local copies of five news sources, served from one HTTP server.

The crawler's tests fetch these through Scrapy's real downloader, sending the real URL's path
and Host header to 127.0.0.1. Each site lives in ``sites/<source name>/``: ``site.toml`` (its
fixed facts: robots.txt, sections, feeds, dead links), ``templates/`` (its chrome and markup) and
``articles/`` (one TOML file per story). Everything served is rendered from those files.
"""

from __future__ import annotations

from archive.samplesites.model import SamplePage
from archive.samplesites.registry import all_sites, boilerplate_phrases
from archive.samplesites.server import make_server, serve

__all__ = [
    "BOILERPLATE_PHRASES", "SamplePage", "catalog", "make_server", "seed_pages", "serve",
]

# Site chrome that must never reach extracted article text (union of every site's list).
BOILERPLATE_PHRASES: tuple[str, ...] = boilerplate_phrases()


def catalog() -> list[SamplePage]:
    """Every URL every site serves, with its kind and expected status."""
    return [page for site in all_sites().values() for page in site.pages]


def seed_pages() -> dict[str, SamplePage]:
    """Source name -> the page carrying that source's seed article."""
    pages = {}
    for name, site in all_sites().items():
        if site.seed is None:
            raise ValueError(f"sample site {name} has no seed article")
        pages[name] = site.seed
    return pages
