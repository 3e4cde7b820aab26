"""Sample material for back-fill tests and the demo: the sources' past as a web archive that
pywb serves, and a CC-NEWS-like file set with a Common-Crawl-like index.

- ``build_web_archive(dir) -> WebArchive``: WARC files of China Topix 2015, TRT World 2015 and
  NINA English 2014-2018 captures (``sources/``) and a pywb collection of them;
  ``WebArchive.captures`` lists what the CDX API must return. ``serve_web_archive(archive)``
  runs pywb on 127.0.0.1 and yields the replay prefix ``http://127.0.0.1:PORT/<coll>/``.
- ``build_cc_news(dir) -> CCNews``: CC-NEWS-like WARC files, ``warc.paths.gz`` listings and a
  ZipNum-indexed pywb collection over them (``ccnews/``); ``serve_cc_news(ccnews)`` yields
  ``CCNewsService(files, index_url)``: the Range file server and the CDX endpoint.

What pywb 2.10 honours on ``<prefix>cdx`` (tests/test_webarchive_samples.py checks each):

- ``url`` with ``matchType`` exact (default), prefix, host or domain; ``url=host/path*`` means
  prefix, ``url=*.host`` domain. Keys are SURTs: the scheme, "www." and the case of the path
  do not matter (a query for https://... finds the http captures).
- ``output=json``: one JSON object a line (not the Wayback Machine's single array with a header
  row): urlkey, timestamp, url, mime, status, digest (bare base32 sha1), length, offset,
  filename, plus pywb's source, source-coll, access. Without it: CDXJ text lines.
- ``from`` / ``to``: 1 to 14 digits, inclusive; short ones padded (from down, to up).
- ``filter=[!][=|~]field:value``, repeatable, all must hold: plain is a substring test (not
  IA's whole-value regex), ``=`` exact, ``~`` a regex anchored at the start, ``!`` negates.
  IA's field names statuscode, mimetype, original are accepted in filters.
- ``fl=a,b``: pywb's field names only (IA's "original" yields ``{}``).
- ``limit``, ``sort=reverse`` (the last ``limit``), ``closest=TIMESTAMP`` (nearest first).
- ``collapseTime=N``: drops a line whose first N timestamp digits and status equal the line
  before it (whatever its URL).
- Ignored without error (every line comes back): ``collapse=digest`` (drop duplicates by
  digest yourself), ``showResumeKey``, and, on a plain index (wb-manager's, the
  default here), ``page``/``pageSize``/``showNumPages``. On a ZipNum index (the CC-NEWS
  index, or ``build_web_archive(dir, zipnum_lines=N)``): ``showNumPages=true`` answers
  ``{"pages": P, "pageSize": S, "blocks": B}``, ``page=0..P-1`` (with the same ``pageSize``,
  in index blocks) gives the lines in order, and ``page=P`` is a 400 with a JSON message.
- A collection name that does not exist answers 200 with no lines.

Replay, ``<prefix><timestamp>id_/<url>``: the captured status (a 301 keeps its Location: do not
follow redirects), the original headers (some renamed X-Archive-Orig-*), ``Memento-Datetime`` =
the capture time; a short timestamp picks the nearest capture. The body is the archived payload
byte for byte (its sha1 is the CDX digest) only with ``Accept-Encoding: gzip``; without it pywb
decodes a gzip payload (X-Archive-Orig-Content-Encoding: gzip). No capture: 404 without
Memento-Datetime; a captured 404: 404 with it.
"""

from __future__ import annotations

from archive.samplesites.webarchive.build import build_web_archive, serve_web_archive
from archive.samplesites.webarchive.ccnews import CCNewsService, build_cc_news, serve_cc_news
from archive.samplesites.webarchive.model import Capture, CCNews, CCRecord, WebArchive
from archive.samplesites.webarchive.rangeserver import RangeServer, serving_files

__all__ = [
    "CCNews", "CCNewsService", "CCRecord", "Capture", "RangeServer", "WebArchive",
    "build_cc_news", "build_web_archive", "serve_cc_news", "serve_web_archive", "serving_files",
]
