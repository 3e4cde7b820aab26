"""The five built sites, rendered once per process (the output is deterministic)."""

from __future__ import annotations

from functools import cache

from archive.samplesites.build import BuiltSite, build_site
from archive.samplesites.data import SITE_NAMES, load_articles, load_config, load_template_texts


@cache
def all_sites() -> dict[str, BuiltSite]:
    return {
        name: build_site(load_config(name), load_articles(name), load_template_texts(name))
        for name in SITE_NAMES
    }


@cache
def sites_by_host() -> dict[str, BuiltSite]:
    table: dict[str, BuiltSite] = {}
    for site in all_sites().values():
        for host in (site.cfg.host, *site.cfg.aliases):
            table[host] = site
    return table


def boilerplate_phrases() -> tuple[str, ...]:
    """Every site's chrome phrases, from the site files (no rendering needed)."""
    seen: dict[str, None] = {}
    for name in SITE_NAMES:
        cfg = load_config(name)
        for phrase in cfg.boilerplate + cfg.seed_chrome:
            seen.setdefault(phrase, None)
    return tuple(seen)
