"""Article versions: list them and show what changed, word by word."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from archive.errors import PressArchiveError
from archive.layout import read_index

_WORDS = re.compile(r"\S+|\n")
CONTEXT_WORDS = 8


@dataclass(frozen=True)
class Version:
    version: int
    fetched_at: str
    capture_record_id: str
    title: str
    published: str
    word_count: int
    text: str


def word_diff(old: str, new: str, context: int = CONTEXT_WORDS) -> str:
    """Changed words as [-removed-] {+added+}, with a few words of context around
    each change and … where unchanged text is left out."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    opcodes = matcher.get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            words = a[i1:i2]
            head = words[:context] if n > 0 else []
            tail = words[-context:] if n < len(opcodes) - 1 else []
            if len(words) > len(head) + len(tail):
                out += head + ["…"] + tail
            else:
                out += words
            continue
        if i2 > i1:
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out).replace(" \n ", "\n").strip()


def versions(db_path: Path, url: str) -> list[Version]:
    with read_index(db_path) as conn:
        rows = conn.execute(
            "select version, fetched_at, capture_record_id, title, published, word_count, text "
            "from article_versions where url = ? order by version", [url]
        ).fetchall()
    if not rows:
        raise PressArchiveError(f"no article with URL {url} in {db_path}")
    return [Version(*row) for row in rows]


def edited_articles(db_path: Path, limit: int = 100) -> list[tuple[str, str, str, int, str]]:
    """(url, source, title, versions, last change) of articles with several versions."""
    with read_index(db_path) as conn:
        return conn.execute(
            "select a.url, a.source, a.title, a.versions, "
            "(select max(fetched_at) from article_versions v where v.url = a.url) "
            "from articles a where a.versions > 1 order by 5 desc limit ?", [limit]
        ).fetchall()


def describe_changes(old: Version, new: Version) -> str:
    lines = [f"version {old.version} ({old.fetched_at}) → version {new.version} "
             f"({new.fetched_at})"]
    if old.title != new.title:
        lines.append(f"title: [-{old.title}-] {{+{new.title}+}}")
    if old.published != new.published:
        lines.append(f"published: [-{old.published}-] {{+{new.published}+}}")
    if old.text != new.text:
        lines.append(word_diff(old.text, new.text))
    return "\n".join(lines)
