"""The built sites of each edition (with that edition's templates), rendered once per
process (the output is deterministic); at a scale above 0, each with that many generated
stories (scale.py), rendered on request."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from archive.samplesites.build import BuiltSite, build_site
from archive.samplesites.data import SITE_NAMES, load_articles, load_config
from archive.samplesites.editions import check_edition, edition_templates, site_state
from archive.samplesites.scale import MAX_SCALE, ScaledSite, Site


def check_scale(scale: int) -> int:
    if not isinstance(scale, int) or not 0 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be an integer from 0 to {MAX_SCALE}, not {scale!r}")
    return scale


def all_sites(edition: int = 1, scale: int = 0) -> dict[str, Site]:
    return _all_sites(check_edition(edition), check_scale(scale))


def sites_by_host(edition: int = 1, scale: int = 0) -> dict[str, Site]:
    return _sites_by_host(check_edition(edition), check_scale(scale))


@cache
def _all_sites(edition: int, scale: int = 0) -> dict[str, Site]:
    if scale:
        return {name: ScaledSite(site, edition, scale)
                for name, site in _all_sites(edition).items()}
    return {name: _build(name, edition) for name in SITE_NAMES}


def _build(name: str, edition: int) -> BuiltSite:
    cfg, templates = load_config(name), edition_templates(name, edition)
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
def _sites_by_host(edition: int, scale: int = 0) -> dict[str, Site]:
    table: dict[str, Site] = {}
    for site in all_sites(edition, scale).values():
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
