"""The built sites of each edition (with that edition's templates), rendered once per
process (the output is deterministic); at a scale above 0, each seed site with that many
generated stories (scale.py), rendered on request."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from archive.samplesites.build import BuiltSite, Response, build_site
from archive.samplesites.data import SEED_SITES, SITE_NAMES, load_articles, load_config
from archive.samplesites.editions import check_edition, edition_templates, site_state
from archive.samplesites.scale import MAX_SCALE, ScaledSite, Site


def check_scale(scale: int) -> int:
    if not isinstance(scale, int) or not 0 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be an integer from 0 to {MAX_SCALE}, not {scale!r}")
    return scale


def all_sites(edition: int = 1, scale: int = 0) -> dict[str, Site]:
    return _all_sites(check_edition(edition), check_scale(scale))


def sites_by_host(edition: int = 1, scale: int = 0) -> dict[str, Site | SharedHost]:
    return _sites_by_host(check_edition(edition), check_scale(scale))


@cache
def _all_sites(edition: int, scale: int = 0) -> dict[str, Site]:
    if scale:
        return {name: ScaledSite(site, edition, scale) if name in SEED_SITES else site
                for name, site in _all_sites(edition).items()}
    return {name: _build(name, edition) for name in SITE_NAMES}


def _build(name: str, edition: int) -> BuiltSite:
    cfg, templates = load_config(name), edition_templates(name, edition)
    if edition == 1 or name not in SEED_SITES:
        return build_site(cfg, load_articles(name), templates)
    state = site_state(name, edition)
    site = build_site(cfg, list(state.articles), templates,
                      most_read_from=load_articles(name), withdrawn=state.withdrawn)
    # Pages of stories an edition edited carry their new dateModified.
    site.pages = [replace(p, modified=state.edited[p.url])
                  if p.url in state.edited and p.status == 200 else p for p in site.pages]
    return site


class SharedHost:
    """The sites of one host (an outlet's editions): each serves the paths its
    SiteConfig.paths name, the first (in SITE_NAMES order) everything else."""

    def __init__(self, sites: list[Site]) -> None:
        self.sites = sites
        self.cfg = sites[0].cfg

    def site_for(self, path: str) -> Site:
        folder = path if path.endswith("/") else path + "/"
        best, length = self.sites[0], 0
        for site in self.sites:
            for prefix in site.cfg.paths:
                if folder.startswith(prefix) and len(prefix) > length:
                    best, length = site, len(prefix)
        return best

    def lookup(self, path: str, query: str) -> Response:
        return self.site_for(path).lookup(path, query)


@cache
def _sites_by_host(edition: int, scale: int = 0) -> dict[str, Site | SharedHost]:
    grouped: dict[str, list[Site]] = {}
    for site in all_sites(edition, scale).values():
        for host in (site.cfg.host, *site.cfg.aliases):
            grouped.setdefault(host, []).append(site)
    return {host: sites[0] if len(sites) == 1 else SharedHost(sites)
            for host, sites in grouped.items()}


def boilerplate_phrases() -> tuple[str, ...]:
    """Every site's chrome phrases, from the site files (no rendering needed)."""
    seen: dict[str, None] = {}
    for name in SITE_NAMES:
        cfg = load_config(name)
        for phrase in cfg.boilerplate + cfg.seed_chrome:
            seen.setdefault(phrase, None)
    return tuple(seen)
