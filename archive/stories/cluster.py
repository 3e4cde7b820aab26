"""A story is a connected component of the graph whose edges are confirmed pairs: two
articles that share an LSH band, are dated within WINDOW_DAYS of each other, and whose
shingles overlap by at least MIN_CONTAINMENT. Every edge depends on its two articles
alone, so the components, and so the stories, depend on the set of articles indexed and
not on the order they came in; the origin is the earliest member (store.Member.order),
never the first indexed.

refresh_story() keeps the table equal to those components one article at a time: only
the edges of the article that changed change, so only its old story (which may split)
and the stories of its new neighbours (which may merge) need recomputing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from archive.index.schema import stable_id
from archive.stories.shingles import MIN_SHINGLES, containment, shingles
from archive.stories.signature import band_keys, signature
from archive.stories.store import (
    Member,
    candidates,
    day_number,
    drop_signature,
    member,
    put_signature,
    replace_stories,
    story_members,
)

# Copies of a wire report appear within days of it; a week either side also keeps a
# yearly statement ("the coalition's sorties this year") from joining last year's.
WINDOW_DAYS = 7
# The share of the smaller text's shingles found in the larger that makes a copy: a
# dateline and a trailer cost a few shingles; two reports of one event, or two outlets
# quoting one statement, share far fewer (bench/stories_eval.py measures it).
MIN_CONTAINMENT = 0.6
# A story of more articles is cut at that many (the earliest): a guard against a chain of
# near-duplicates (daily boilerplate bulletins) walking through a whole archive.
MAX_STORY = 500
# Texts whose shingles one refresh or rebuild keeps at once.
_CACHED = 5_000


class _Texts:
    """Articles and their shingles, read once per refresh."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.members: dict[str, Member | None] = {}
        self.sets: dict[str, frozenset[str]] = {}

    def member(self, url: str) -> Member | None:
        if url not in self.members:
            self.members[url] = member(self.conn, url)
        return self.members[url]

    def shingles(self, url: str) -> frozenset[str]:
        if url not in self.sets:
            if len(self.sets) >= _CACHED:
                # A rebuild walks every article: keep memory bounded, not every text.
                self.sets.clear()
                self.members.clear()
            found = self.member(url)
            self.sets[url] = shingles(found.text) if found else frozenset()
        return self.sets[url]


def index_signature(conn: sqlite3.Connection, url: str, texts: _Texts) -> None:
    """The article's signature and band keys, in place of its earlier version's; none
    for a text too short to group (or an article no longer indexed)."""
    found = texts.member(url)
    sets = texts.shingles(url)
    if found is None or len(sets) < MIN_SHINGLES:
        drop_signature(conn, url)
        return
    sig = signature(sorted(sets))
    put_signature(conn, url, found.source, day_number(found.date), len(sets), sig,
                  band_keys(sig))


def neighbours(conn: sqlite3.Connection, url: str, texts: _Texts) -> list[str]:
    own = texts.shingles(url)
    return [other for other in candidates(conn, url, WINDOW_DAYS)
            if containment(own, texts.shingles(other)) >= MIN_CONTAINMENT]


def components(conn: sqlite3.Connection, seeds: Iterable[str], texts: _Texts) -> list[list[str]]:
    """The connected components holding the seeds, each sorted by URL."""
    seen: set[str] = set()
    found = []
    for seed in sorted(seeds):
        if seed in seen:
            continue
        seen.add(seed)
        component, frontier = [seed], [seed]
        while frontier and len(component) < MAX_STORY:
            for other in neighbours(conn, frontier.pop(), texts):
                if other not in seen:
                    seen.add(other)
                    component.append(other)
                    frontier.append(other)
        found.append(sorted(component))
    return found


def story_rows(component: list[str], texts: _Texts) -> list[tuple]:
    """Rows of STORY_COLUMNS for a component of two or more articles: the story id and
    each copy's similarity are the origin's, the earliest member."""
    members = [m for m in (texts.member(url) for url in component) if m is not None]
    if len(members) < 2:
        return []
    members.sort(key=lambda m: m.order)
    members = members[:MAX_STORY]
    origin = members[0]
    story = stable_id(f"story\n{origin.url}")
    origin_set = texts.shingles(origin.url)
    return [(m.url, story, m.source, m.date,
             1.0 if m is origin else round(containment(texts.shingles(m.url), origin_set), 3),
             int(m is origin)) for m in members]


def refresh_story(conn: sqlite3.Connection, url: str) -> None:
    """Recompute the stories touching an article just indexed, or given a new version
    (text or date): its signature, then the components of its old story and of itself."""
    texts = _Texts(conn)
    seeds = story_members(conn, url) | {url}
    index_signature(conn, url, texts)
    found = components(conn, seeds, texts)
    touched = seeds.union(*found)
    replace_stories(conn, touched, [row for c in found for row in story_rows(c, texts)])


def rebuild_stories(conn: sqlite3.Connection, urls: Iterable[str] | None = None) -> None:
    """Signatures (of `urls`, or of every article) and every story, from scratch: for
    an index carried over by reextract, or made before stories existed."""
    texts = _Texts(conn)
    targets = list(urls) if urls is not None else [
        r[0] for r in conn.execute("select url from articles order by url")]
    for url in targets:
        index_signature(conn, url, texts)
    everyone = [r[0] for r in conn.execute("select url from story_signatures order by url")]
    conn.execute("delete from stories")
    found = components(conn, everyone, texts)
    replace_stories(conn, [], [row for c in found for row in story_rows(c, texts)])
