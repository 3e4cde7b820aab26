"""The claims of an index, as `pressarchive claims` lists them: filtered by what is
counted, who said it, the source and the date, ordered by the article's date.

QUERY is matched with LIKE over the claim sentences, not a full-text index: claims are a
few per article, the other filters narrow them first, and a second full-text index would
need triggers and a rebuild whenever the search form changes, for a table the index can
rebuild anyway. Case is folded for English (SQLite's LIKE); Arabic is matched as typed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from archive.errors import PressArchiveError
from archive.layout import read_index

FIELDS = ("published", "source", "url", "title", "number_text", "value", "value_max",
          "qualifier", "counted", "speaker", "language", "sentence")


@dataclass(frozen=True)
class ClaimHit:
    published: str
    source: str
    url: str
    title: str
    number_text: str
    value: int
    value_max: int | None
    qualifier: str
    counted: str
    speaker: str
    language: str
    sentence: str

    def to_dict(self) -> dict:
        return asdict(self)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_claims(db_path: Path, query: str = "", *, counted: str = "", speaker: str = "",
                source: str = "", since: str = "", limit: int = 1_000) -> list[ClaimHit]:
    """Claims matching every filter given, oldest article first (undated last)."""
    conditions, params = [], []
    if query:
        conditions.append("c.sentence like ? escape '\\'")
        params.append(_like(query))
    if counted:
        conditions.append("c.counted = ?")
        params.append(counted.lower())
    if speaker:
        conditions.append("c.speaker like ? escape '\\'")
        params.append(_like(speaker))
    if source:
        conditions.append("c.source = ?")
        params.append(source)
    if since:
        conditions.append("c.published >= ?")
        params.append(since)
    where = f"where {' and '.join(conditions)}" if conditions else ""
    sql = (f"select c.published, c.source, c.url, coalesce(a.title, ''), c.number_text, "
           f"c.value, c.value_max, c.qualifier, c.counted, c.speaker, c.language, c.sentence "
           f"from claims c left join articles a on a.url = c.url {where} "
           f"order by c.published = '', c.published, c.url, c.n limit ?")
    with read_index(db_path) as conn:
        _check_claims_table(conn, db_path)
        hits = [ClaimHit(*row) for row in conn.execute(sql, [*params, limit])]
        if not hits and counted:
            _check_counted_known(conn, counted)
    return hits


def _check_claims_table(conn: sqlite3.Connection, db_path: Path) -> None:
    if not conn.execute("select 1 from sqlite_master where name = 'claims'").fetchone():
        raise PressArchiveError(f"{db_path} has no claims yet (an index made before them); "
                                "`pressarchive reextract` adds them")


def _check_counted_known(conn: sqlite3.Connection, counted: str) -> None:
    """A misspelt --counted must not read as "no claims": name the things counted."""
    known = sorted(row[0] for row in conn.execute("select distinct counted from claims"))
    if counted.lower() not in known:
        raise PressArchiveError(f"no claims count {counted!r}; the index has claims of: "
                                f"{', '.join(known) or 'none yet'}")


def format_claim(hit: ClaimHit) -> str:
    """Two lines and the sentence, for the terminal."""
    number = f"{hit.qualifier} {hit.number_text}".strip()
    speaker = hit.speaker or "unattributed"
    value = f"{hit.value:,}" + (f" to {hit.value_max:,}" if hit.value_max else "")
    # The value only where the text says it otherwise ("eight million", "٣٧٨٠٠").
    shown = "" if value == hit.number_text else f" (= {value})"
    return (f"{hit.published or 'undated'} | {hit.source} | {number} {hit.counted}{shown} | "
            f"{speaker}\n   {hit.url}\n   {hit.sentence}\n")
