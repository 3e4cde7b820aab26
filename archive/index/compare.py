"""Compare two indexes per source: how a re-extraction changed the articles.

Everything is computed in SQL over the two database files (the old one
attached), so memory does not grow with the number of articles.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

from archive.errors import PressArchiveError
from archive.layout import read_index
from archive.settings_files import settings_file

BOILERPLATE_FILE = settings_file("boilerplate.txt")


def load_phrases(path: Path = BOILERPLATE_FILE) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@dataclass
class SourceComparison:
    source: str
    old_articles: int = 0
    new_articles: int = 0
    added: int = 0
    lost: int = 0
    text_changed: int = 0
    title_changed: int = 0
    date_changed: int = 0
    old_date_rate: float = 0.0
    new_date_rate: float = 0.0
    old_median_length: int = 0
    new_median_length: int = 0
    old_boilerplate: dict[str, int] = field(default_factory=dict)
    new_boilerplate: dict[str, int] = field(default_factory=dict)


@dataclass
class Comparison:
    old: str
    new: str
    sources: list[SourceComparison]

    def to_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        header = (f"{'source':<12} {'old':>6} {'new':>6} {'added':>6} {'lost':>5} "
                  f"{'text±':>6} {'title±':>6} {'date±':>6} {'dated old→new':>15} "
                  f"{'median len old→new':>19} {'boilerplate old→new':>20}")
        lines = [f"old: {self.old}", f"new: {self.new}", header, "-" * len(header)]
        for s in self.sources:
            old_bp, new_bp = sum(s.old_boilerplate.values()), sum(s.new_boilerplate.values())
            lines.append(
                f"{s.source:<12} {s.old_articles:>6} {s.new_articles:>6} {s.added:>6} "
                f"{s.lost:>5} {s.text_changed:>6} {s.title_changed:>6} {s.date_changed:>6} "
                f"{s.old_date_rate:>6.0%} → {s.new_date_rate:<6.0%} "
                f"{s.old_median_length:>8} → {s.new_median_length:<8} "
                f"{old_bp:>9} → {new_bp:<8}"
            )
            for phrase, count in s.new_boilerplate.items():
                if count:
                    lines.append(f"{'':<12} boilerplate in new texts: {phrase!r} x{count}")
        return "\n".join(lines)


def _median_length(conn: sqlite3.Connection, schema: str, source: str) -> int:
    count = conn.execute(f"select count(*) from {schema}.articles where source = ?",
                         [source]).fetchone()[0]
    if not count:
        return 0
    row = conn.execute(
        f"select length(text) from {schema}.articles where source = ? "
        f"order by length(text) limit 1 offset ?", [source, (count - 1) // 2]
    ).fetchone()
    return int(row[0])


def _per_source(conn: sqlite3.Connection, sql: str, params: list | None = None) -> dict:
    return {source: value for source, value in conn.execute(sql, params or []).fetchall()}


def compare_indexes(old: Path, new: Path, phrases: list[str] | None = None) -> Comparison:
    # Each index opened on its own first, so that a file that is not an index is named
    # (damage found later, in the comparison, names both).
    for path in (old, new):
        with read_index(path) as conn:
            conn.execute("select count(*) from articles").fetchone()
    phrases = load_phrases() if phrases is None else phrases
    with read_index(new) as conn:
        try:
            try:
                conn.execute("attach database ? as old", [f"file:{old}?mode=ro"])
            except sqlite3.OperationalError:
                conn.execute("attach database ? as old", [str(old)])
            return _compare(conn, phrases, str(old), str(new))
        except sqlite3.DatabaseError as exc:
            raise PressArchiveError(f"cannot compare {old} and {new}: {exc}") from exc


def _compare(conn: sqlite3.Connection, phrases: list[str], old: str, new: str) -> Comparison:
    count = "select source, count(*) from {s}.articles group by source"
    old_counts = _per_source(conn, count.format(s="old"))
    new_counts = _per_source(conn, count.format(s="main"))
    dated = "select source, count(*) from {s}.articles where published != '' group by source"
    old_dated = _per_source(conn, dated.format(s="old"))
    new_dated = _per_source(conn, dated.format(s="main"))
    added = _per_source(conn, "select n.source, count(*) from main.articles n "
                        "left join old.articles o on o.url = n.url where o.url is null "
                        "group by n.source")
    lost = _per_source(conn, "select o.source, count(*) from old.articles o "
                       "left join main.articles n on n.url = o.url where n.url is null "
                       "group by o.source")
    changed = {
        column: _per_source(conn, f"select n.source, count(*) from main.articles n "
                            f"join old.articles o on o.url = n.url "
                            f"where o.{column} is not n.{column} group by n.source")
        for column in ("text", "title", "published")
    }
    results = []
    for source in sorted(set(old_counts) | set(new_counts)):
        old_n, new_n = old_counts.get(source, 0), new_counts.get(source, 0)
        results.append(SourceComparison(
            source=source, old_articles=old_n, new_articles=new_n,
            added=added.get(source, 0), lost=lost.get(source, 0),
            text_changed=changed["text"].get(source, 0),
            title_changed=changed["title"].get(source, 0),
            date_changed=changed["published"].get(source, 0),
            old_date_rate=old_dated.get(source, 0) / old_n if old_n else 0.0,
            new_date_rate=new_dated.get(source, 0) / new_n if new_n else 0.0,
            old_median_length=_median_length(conn, "old", source),
            new_median_length=_median_length(conn, "main", source),
            old_boilerplate=_boilerplate(conn, "old", source, phrases),
            new_boilerplate=_boilerplate(conn, "main", source, phrases),
        ))
    return Comparison(old=old, new=new, sources=results)


def _boilerplate(conn: sqlite3.Connection, schema: str, source: str,
                 phrases: list[str]) -> dict[str, int]:
    return {
        phrase: conn.execute(
            f"select count(*) from {schema}.articles where source = ? "
            f"and instr(text, ?) > 0", [source, phrase]
        ).fetchone()[0]
        for phrase in phrases
    }
