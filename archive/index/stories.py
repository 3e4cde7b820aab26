"""The story of an article, as `pressarchive story` shows it: its copies earliest first,
each with its source, date, similarity to the origin and what it changes
(archive/stories/diff.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

from archive.errors import PressArchiveError
from archive.layout import read_index
from archive.stories.diff import differences


@dataclass(frozen=True)
class Copy:
    url: str
    source: str
    published: str
    title: str
    similarity: float
    is_origin: bool
    differences: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def find_story(db_path: Path, url: str) -> list[Copy]:
    """The copies of the article at `url`, the origin first; the article alone when no
    other article carries its text. An URL the index does not hold is an error."""
    with read_index(db_path) as conn:
        if not conn.execute("select 1 from sqlite_master where name = 'stories'").fetchone():
            raise PressArchiveError(f"{db_path} has no stories yet (an index made before "
                                    "them); `pressarchive reextract` adds them")
        article = conn.execute("select url, source, published, title from articles "
                               "where url = ?", [url]).fetchone()
        if article is None:
            raise PressArchiveError(f"no article {url} in {db_path}")
        rows = conn.execute(
            "select s.url, s.source, s.published, a.title, s.similarity, s.is_origin, a.text "
            "from stories s join articles a on a.url = s.url "
            "where s.story = (select story from stories where url = ?) "
            "order by s.is_origin desc, s.published, a.fetched_at, s.url", [url]).fetchall()
        if not rows:
            return [Copy(article[0], article[1], article[2], article[3], 1.0, True)]
        return _copies(rows)


def _copies(rows: list[sqlite3.Row | tuple]) -> list[Copy]:
    origin_text = rows[0][6]
    return [Copy(url, source, published, title, similarity, bool(is_origin),
                 [] if is_origin else differences(origin_text, text))
            for url, source, published, title, similarity, is_origin, text in rows]


def format_copy(copy: Copy) -> str:
    """A copy for the terminal: its line, then what it changes, indented."""
    role = "origin" if copy.is_origin else f"similarity {copy.similarity:.2f}"
    lines = [f"{copy.published or 'undated'} | {copy.source} | {role} | {copy.title}",
             f"   {copy.url}"]
    lines += [f"   {change}" for change in copy.differences]
    return "\n".join(lines) + "\n"
