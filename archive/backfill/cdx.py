"""Reading CDX server answers: the Wayback Machine's and pywb's (Common Crawl's index is
a pywb).

The two speak the same API with different dialects: the Wayback Machine's JSON is one
array whose first row names the fields (``original``, ``mimetype``, ``statuscode``) and,
with ``showResumeKey=true``, ends with an empty row and a row holding the resume key;
pywb answers one JSON object per line (``url``, ``mime``, ``status``, and ``filename``,
``offset``, ``length`` of the WARC record). Both also have a plain-text form, fields
separated by spaces, the resume key after a blank line. ``parse_cdx`` reads all of them
into ``CdxCapture`` rows; a line it cannot read is counted, not fatal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

# The Wayback Machine's plain-text fields when no `fl` is given.
_DEFAULT_TEXT_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode",
                        "digest", "length")
# pywb's and Common Crawl's names for the Wayback Machine's fields.
_ALIASES = {"url": "original", "mime": "mimetype", "status": "statuscode"}


class CdxError(ValueError):
    """The answer is not a CDX answer at all (an HTML error page, a truncated JSON)."""


@dataclass(frozen=True)
class CdxCapture:
    timestamp: str
    original: str
    mimetype: str = ""
    statuscode: str = ""
    digest: str = ""
    length: int = -1
    offset: int = -1
    filename: str = ""
    urlkey: str = ""
    line: str = ""  # the line as the server sent it, kept as provenance


@dataclass
class CdxPage:
    captures: list[CdxCapture] = field(default_factory=list)
    resume_key: str = ""
    unreadable: int = 0  # lines that were not a capture


def _capture(values: dict[str, str], line: str) -> CdxCapture | None:
    named = {_ALIASES.get(k, k): v for k, v in values.items()}
    timestamp, original = named.get("timestamp", ""), named.get("original", "")
    if not (timestamp.isdigit() and original):
        return None

    def number(name: str) -> int:
        value = str(named.get(name, "")).strip()
        return int(value) if value.isdigit() else -1

    return CdxCapture(
        timestamp=timestamp, original=original,
        mimetype=str(named.get("mimetype", "")), statuscode=str(named.get("statuscode", "")),
        digest=str(named.get("digest", "")), length=number("length"),
        offset=number("offset"), filename=str(named.get("filename", "")),
        urlkey=str(named.get("urlkey", "")), line=line,
    )


def _parse_json_array(rows: list, page: CdxPage) -> None:
    if not rows:
        return
    header, *rest = rows
    if not isinstance(header, list) or not all(isinstance(name, str) for name in header):
        raise CdxError("a CDX JSON array must start with the field names")
    for index, row in enumerate(rest):
        if row == [] and index + 2 == len(rest) and len(rest[-1]) == 1:
            page.resume_key = str(rest[-1][0])
            return
        if not isinstance(row, list) or len(row) != len(header):
            page.unreadable += 1
            continue
        capture = _capture(dict(zip(header, map(str, row), strict=True)),
                           json.dumps(row, ensure_ascii=False))
        if capture is None:
            page.unreadable += 1
        else:
            page.captures.append(capture)


def _parse_json_lines(lines: list[str], page: CdxPage) -> None:
    for line in lines:
        try:
            values = json.loads(line)
        except ValueError:
            values = None
        capture = (_capture({k: str(v) for k, v in values.items()}, line)
                   if isinstance(values, dict) else None)
        if capture is None:
            page.unreadable += 1
        else:
            page.captures.append(capture)


def _parse_text(lines: list[str], fields: tuple[str, ...], page: CdxPage) -> None:
    for index, line in enumerate(lines):
        if not line.strip():
            rest = [x for x in lines[index + 1:] if x.strip()]
            if len(rest) == 1 and " " not in rest[0].strip():
                page.resume_key = rest[0].strip()
                return
            continue
        values = line.split(" ")
        if len(values) < len(fields):
            page.unreadable += 1
            continue
        capture = _capture(dict(zip(fields, values, strict=False)), line)
        if capture is None:
            page.unreadable += 1
        else:
            page.captures.append(capture)


def parse_cdx(body: bytes, *, fields: tuple[str, ...] = _DEFAULT_TEXT_FIELDS) -> CdxPage:
    """The captures of one CDX answer, in any of the servers' forms.

    ``fields`` names the columns of a plain-text answer (its `fl` parameter). Raises
    CdxError when the answer is no CDX answer at all."""
    text = body.decode("utf-8", errors="replace").lstrip("\ufeff")
    page = CdxPage()
    stripped = text.strip()
    if not stripped:
        return page
    if stripped.startswith("<"):
        raise CdxError("the CDX server answered with an HTML page, not CDX lines")
    if stripped.startswith("["):
        try:
            rows = json.loads(stripped)
        except ValueError as exc:
            raise CdxError(f"the CDX JSON answer does not parse: {exc}") from exc
        if not isinstance(rows, list):
            raise CdxError("the CDX JSON answer is not an array")
        _parse_json_array(rows, page)
    elif stripped.startswith("{"):
        _parse_json_lines([x for x in stripped.splitlines() if x.strip()], page)
    else:
        _parse_text(stripped.splitlines(), fields, page)
    return page
