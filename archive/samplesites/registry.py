"""The five built sites of each edition, rendered once per process (the output is
deterministic)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from archive.samplesites.build import BuiltSite, build_site
from archive.samplesites.data import SITE_NAMES, load_articles, load_config, load_template_texts
from archive.samplesites.editions import check_edition, site_state


def all_sites(edition: int = 1) -> dict[str, BuiltSite]:
    return _all_sites(check_edition(edition))


def sites_by_host(edition: int = 1) -> dict[str, BuiltSite]:
    return _sites_by_host(check_edition(edition))


@cache
def _all_sites(edition: int) -> dict[str, BuiltSite]:
    return {name: _build(name, edition) for name in SITE_NAMES}


def _build(name: str, edition: int) -> BuiltSite:
    cfg, templates = load_config(name), load_template_texts(name)
    if edition == 1:
        return build_site(cfg, load_articles(name), templates)
    state = site_state(name, edition)
    site = build_site(cfg, list(state.articles), templates,
                      most_read_from=load_articles(name), withdrawn=state.withdrawn)
    # Pages of stories an edition edited carry their new dateModified.
    site.pages = [replace(p, modified=state.edited[p.url])
                  if p.url in state.edited and p.status == 200 else p for p in site.pages]
    return site


@cache
def _sites_by_host(edition: int) -> dict[str, BuiltSite]:
    table: dict[str, BuiltSite] = {}
    for site in all_sites(edition).values():
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
