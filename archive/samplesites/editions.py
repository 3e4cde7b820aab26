"""Editions: the sample sites as a later crawl finds them.

Edition 1 is the sites as ``articles/`` gives them. Each later edition n is edition n - 1 with
the changes in ``sites/<name>/editions/<n>/``:

``articles/*.toml``
    stories first published in edition n (same format as ``articles/``), dated after
    everything before them, so they head the feeds, the news sitemap and listing page 1;
``changes.toml``
    ``[[edit]]``: a story rewritten in place (same URL): one sentence replaced (a figure
    changes), one paragraph added, a new dateModified; ``[[delete]]``: a story that now
    answers 404 or 410; ``[[redirect_home]]``: a story whose URL now answers a 301 to the home
    page. Deleted and redirected stories leave the feeds, listings and the home page but stay
    in the news sitemap;
``templates/*.html``
    a redesign: each file replaces the site's template of that name (templates/) from
    edition n on (edition_templates()). Edition 4 redesigns TRT World's article page.

Both files and folders are optional: a site without ``editions/<n>/`` is in edition n what
it was in n - 1, byte for byte.

Everything else is byte for byte what edition 1 serves (the "most read" sidebar keeps the first
edition's stories), so a conditional request for an unchanged page gets its 304.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from archive.samplesites import dates
from archive.samplesites.data import (
    SITES_DIR,
    load_article,
    load_articles,
    load_config,
    load_template_texts,
)
from archive.samplesites.model import Article, SamplePage, Withdrawn

EDITIONS = (1, 2, 3, 4)


@dataclass(frozen=True)
class EditionChanges:
    """What one edition changed on one site, relative to the edition before it.

    Every page is as catalog(edition) lists it, except that an edited page's ``phrases`` are
    the sentences only the edited version has and its ``old_phrases`` the sentence as it read
    before. ``deleted`` pages have kind "notfound" (404) or "gone" (410); ``redirected_home``
    pages kind "redirect" with ``redirect_to`` the home URL. ``tokens`` maps the URL of each new
    and edited page to a word or figure that is on that page in this edition and nowhere the
    previous edition of the site served (a new story's distinctive word, an edit's new figure).
    """

    new: tuple[SamplePage, ...] = ()
    edited: tuple[SamplePage, ...] = ()
    deleted: tuple[SamplePage, ...] = ()
    redirected_home: tuple[SamplePage, ...] = ()
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Edit:
    """An in-place rewrite of a story, as an edition's changes.toml gives it."""

    url: str
    modified: str
    old: str  # a sentence of the story, replaced by ...
    new: str  # ... this one
    after: str  # start of the paragraph the added one follows
    paragraph: str  # the added paragraph (its line breaks made spaces, as in bodies)
    phrases: tuple[str, ...]  # sentences only the edited version has (``new`` among them)
    token: str  # in ``new``, not in the story before


@dataclass(frozen=True)
class ChangeSet:
    new: tuple[Article, ...]
    edits: tuple[Edit, ...]
    deleted: tuple[tuple[str, int], ...]  # (url, 404 or 410)
    redirected_home: tuple[str, ...]
    tokens: dict[str, str]  # new story URL -> its distinctive word


@dataclass(frozen=True)
class SiteState:
    """One site in one edition: its live stories (edition 1 order, then newer ones) and the
    stories taken down so far."""

    articles: tuple[Article, ...]
    withdrawn: tuple[Withdrawn, ...]
    edited: dict[str, str]  # url -> dateModified, for every story an edition has edited


def check_edition(edition: int) -> int:
    if edition not in EDITIONS:
        raise ValueError(f"no edition {edition!r} of the sample sites (there are {EDITIONS})")
    return edition


def _folder(name: str, edition: int) -> Path:
    return SITES_DIR / name / "editions" / str(edition)


@cache
def load_changes(name: str, edition: int) -> ChangeSet:
    folder = _folder(name, edition)
    changes = folder / "changes.toml"
    raw = tomllib.loads(changes.read_text(encoding="utf-8")) if changes.is_file() else {}
    new, tokens = [], {}
    for path in sorted((folder / "articles").glob("*.toml")):
        article = load_article(path)
        new.append(article)
        tokens[article.url] = tomllib.loads(path.read_text(encoding="utf-8"))["token"]
    edits = tuple(
        Edit(url=e["url"], modified=e["modified"], old=e["sentence"][0], new=e["sentence"][1],
             after=e["add_after"], paragraph=" ".join(e["add"].split()),
             phrases=tuple(e["phrases"]), token=e["token"])
        for e in raw.get("edit", [])
    )
    return ChangeSet(
        new=tuple(new),
        edits=edits,
        deleted=tuple((d["url"], d.get("status", 404)) for d in raw.get("delete", [])),
        redirected_home=tuple(r["url"] for r in raw.get("redirect_home", [])),
        tokens=tokens,
    )


def templates_edition(name: str, edition: int) -> int:
    """The latest edition up to ``edition`` that redesigned the site (1: none did), so that
    editions with the same templates share what is rendered from them."""
    check_edition(edition)
    return max((n for n in EDITIONS[1:edition]
                if any((_folder(name, n) / "templates").glob("*.html"))), default=1)


@cache
def edition_templates(name: str, edition: int) -> dict[str, str]:
    """The site's templates in ``edition``: templates/, with each later edition's
    ``templates/*.html`` up to ``edition`` replacing the files of the same name."""
    texts = load_template_texts(name)
    for n in EDITIONS[1:check_edition(edition)]:
        for path in sorted((_folder(name, n) / "templates").glob("*.html")):
            if path.stem not in texts:
                raise ValueError(f"{path}: replaces no template of {name}")
            texts[path.stem] = path.read_text(encoding="utf-8")
    return texts


def apply_edit(article: Article, edit: Edit, tz: str) -> Article:
    """The story with ``edit.old`` replaced by ``edit.new`` and the paragraph added; every
    check that makes the edit one a test can see is made here."""
    where = f"{article.url} ({edit.token})"
    text = "\n".join(article.paragraphs)
    if text.count(edit.old) != 1:
        raise ValueError(f"{where}: the replaced sentence is not in the story exactly once")
    starts = [i for i, p in enumerate(article.paragraphs) if p.startswith(edit.after)]
    if len(starts) != 1:
        raise ValueError(f"{where}: add_after matches {len(starts)} paragraphs")
    paragraphs = [p.replace(edit.old, edit.new) for p in article.paragraphs]
    paragraphs.insert(starts[0] + 1, edit.paragraph)
    edited = replace(article, paragraphs=tuple(paragraphs), modified=edit.modified)
    if edit.new not in edit.phrases or edit.token not in edit.new:
        raise ValueError(f"{where}: the new sentence must be a phrase and hold the token")
    for phrase in edit.phrases:
        if phrase in text or not any(phrase in p for p in edited.paragraphs):
            raise ValueError(f"{where}: {phrase[:50]!r} is not new to the edited story")
    if edit.token in text:
        raise ValueError(f"{where}: the token is already in the story")
    for phrase in article.phrases:  # the story's own phrases survive the edit
        if not any(phrase in p for p in edited.paragraphs):
            raise ValueError(f"{where}: the edit removes the phrase {phrase[:50]!r}")
    if dates.to_datetime(edit.modified, tz) <= dates.to_datetime(
            article.modified or article.published, tz):
        raise ValueError(f"{where}: dateModified must move forward")
    return edited


@cache
def site_state(name: str, edition: int) -> SiteState:
    check_edition(edition)
    if edition == 1:
        return SiteState(tuple(load_articles(name)), (), {})
    before = site_state(name, edition - 1)
    changes = load_changes(name, edition)
    live = {a.url: a for a in before.articles}
    withdrawn = list(before.withdrawn)
    edited = dict(before.edited)
    cfg = load_config(name)
    protected = {next(d.target for d in cfg.dead if d.kind == "redirect")}
    protected |= {a.url for a in live.values() if a.seed}
    for article in changes.new:
        if article.url in live or any(w.article.url == article.url for w in withdrawn):
            raise ValueError(f"{article.url}: not new in edition {edition}")
        live[article.url] = article
    for edit in changes.edits:
        if live[edit.url].seed:
            raise ValueError(f"{edit.url}: the seed is never edited")
        live[edit.url] = apply_edit(live[edit.url], edit, cfg.tz)
        edited[edit.url] = edit.modified
    taken = [(url, status) for url, status in changes.deleted]
    taken += [(url, 301) for url in changes.redirected_home]
    for url, status in taken:
        if url in protected:
            raise ValueError(f"{url}: the seed and the redirect target stay")
        withdrawn.append(Withdrawn(live.pop(url), status))
    return SiteState(tuple(live.values()), tuple(withdrawn), edited)


def changes_of(name: str, edition: int, pages: list[SamplePage]) -> EditionChanges:
    """``pages``: the site's catalog entries in that edition."""
    if check_edition(edition) == 1:
        return EditionChanges()
    changes = load_changes(name, edition)
    by_url = {p.url: p for p in pages}
    edited = tuple(
        replace(by_url[e.url], phrases=e.phrases, old_phrases=(e.old,)) for e in changes.edits
    )
    return EditionChanges(
        new=tuple(by_url[a.url] for a in changes.new),
        edited=edited,
        deleted=tuple(by_url[url] for url, _ in changes.deleted),
        redirected_home=tuple(by_url[url] for url in changes.redirected_home),
        tokens={**changes.tokens, **{e.url: e.token for e in changes.edits}},
    )
