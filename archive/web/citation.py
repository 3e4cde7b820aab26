"""Citations of an archived article: who published what when, where it was archived
and which WARC record holds the exact bytes, as text, BibTeX and CSL-JSON.

One Citation is made from an `articles` row (the article page, archive/web/routes.py,
and `pressarchive search --json`), so both name the same fields.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from archive.errors import PressArchiveError

ARCHIVE_NAME = "Press Archive"


@lru_cache(maxsize=1)
def outlets() -> dict[str, str]:
    """Source name -> the outlet's title in settings/sources.toml ({} if unreadable: a
    citation then names the source)."""
    from archive.sources import load_sources

    try:
        return {name: source.title for name, source in load_sources().items()}
    except PressArchiveError:
        return {}


@dataclass(frozen=True)
class Citation:
    outlet: str
    title: str
    author: str
    published: str  # YYYY-MM-DD or ""
    url: str
    archived: str  # the capture's WARC-Date
    warc_record_id: str
    payload_digest: str
    archive: str
    language: str = ""

    @classmethod
    def of(cls, row: dict[str, Any], archive: str = ARCHIVE_NAME) -> Citation:
        """From an `articles` row (url, source, title, author, published, fetched_at,
        capture_record_id, payload_digest, language)."""
        source = row.get("source") or ""
        return cls(outlet=outlets().get(source, source), title=row.get("title") or "",
                   author=row.get("author") or "", published=row.get("published") or "",
                   url=row.get("url") or "", archived=row.get("fetched_at") or "",
                   warc_record_id=row.get("capture_record_id") or "",
                   payload_digest=row.get("payload_digest") or "", archive=archive,
                   language=row.get("language") or "")

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def text(self) -> str:
        """A footnote: Author, "Title", Outlet, date. URL (archived DATE in ARCHIVE, WARC
        record ID, payload DIGEST)."""
        parts = [p for p in (self.author, f"“{self.title}”" if self.title else "",
                             self.outlet, self.published or "n.d.") if p]
        return (f"{', '.join(parts)}. {self.url} (archived {self.archived} in "
                f"{self.archive}, WARC record {self.warc_record_id}, payload "
                f"{self.payload_digest}).")

    def bibtex(self) -> str:
        fields = {
            "title": self.title, "author": self.author, "journal": self.outlet,
            "date": self.published, "year": self.published[:4], "url": self.url,
            "urldate": self.archived[:10], "langid": self.language,
            "note": (f"Archived {self.archived} in {self.archive}; WARC record "
                     f"{self.warc_record_id}; payload digest {self.payload_digest}"),
        }
        body = ",\n".join(f"  {name} = {{{_bibtex_escape(value)}}}"
                          for name, value in fields.items() if value)
        return f"@online{{{self.key()},\n{body}\n}}\n"

    def key(self) -> str:
        words = re.findall(r"\w+", self.title, re.ASCII)
        first = words[0].lower() if words else "article"
        outlet = re.sub(r"\W", "", self.outlet.split(" (")[0]).lower() or "press"
        return f"{outlet}{self.published[:4]}{first}"

    def csl(self) -> dict[str, Any]:
        """CSL-JSON (one item), as Zotero and pandoc read it."""
        item: dict[str, Any] = {
            "id": self.key(), "type": "article-newspaper", "title": self.title,
            "container-title": self.outlet, "URL": self.url,
            "archive": self.archive, "archive_location": self.warc_record_id,
            "note": f"payload digest {self.payload_digest}",
        }
        if self.author:
            item["author"] = [{"literal": self.author}]
        if self.language:
            item["language"] = self.language
        if _date_parts(self.published):
            item["issued"] = {"date-parts": [_date_parts(self.published)]}
        if _date_parts(self.archived[:10]):
            item["accessed"] = {"date-parts": [_date_parts(self.archived[:10])]}
        return item

    def csl_json(self) -> str:
        return json.dumps([self.csl()], ensure_ascii=False, indent=2)


def _date_parts(date: str) -> list[int]:
    match = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", date or "")
    return [int(p) for p in match.groups() if p] if match else []


def _bibtex_escape(value: str) -> str:
    return re.sub(r"([{}&%$#_])", r"\\\1", value)


# The fields `pressarchive search --json` adds to each hit (besides its own keys).
CITATION_KEYS = ("outlet", "author", "language", "archived", "warc_record_id",
                 "payload_digest", "archive", "citation")


def citations_of(conn: Any, urls: list[str], archive: str = ARCHIVE_NAME) -> dict[str, Citation]:
    """The citation of each URL's article in the index (by the articles' url index)."""
    found = {}
    for url in urls:
        cursor = conn.execute(
            "select url, source, title, author, published, fetched_at, capture_record_id, "
            "payload_digest, language from articles where url = ?", [url])
        row = cursor.fetchone()
        if row:
            names = [d[0] for d in cursor.description]
            found[url] = Citation.of(dict(zip(names, row, strict=True)), archive)
    return found


def json_fields(citation: Citation) -> dict[str, str]:
    """CITATION_KEYS of a citation, for a search hit's JSON ("citation": the text)."""
    fields = citation.to_dict()
    fields["citation"] = citation.text()
    return {key: fields[key] for key in CITATION_KEYS}
