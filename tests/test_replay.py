"""Replay: pywb (from .venv-tools) serves the crawl's WARC files through OUR CDXJ index, and
each source's seed article comes back with its text, raw (id_) and rewritten, from its first
capture (a response record) and from a second crawl (a revisit record: head only)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest

from archive.samplesites import seed_pages
from archive.samplesites.data import SEED_SITES
from archive.warc.cdxj import surt_key, write_cdxj
from tests.conftest import run_cli
from tests.helpers.replay import (
    cdxj_indexer_lines,
    check_cdxj_locations,
    copy_archive,
    decoded,
    fetch,
    normalized,
    parse_cdxj,
    running_wayback,
)

COLLECTION = "press"


@dataclass(frozen=True)
class Pywb:
    base: str  # http://127.0.0.1:PORT
    # URL -> {"response": timestamp, "revisit": timestamp} of its 200 captures, from our CDXJ
    captures: dict[str, dict[str, str]]


def page_text(html: bytes) -> str:
    return " ".join(lxml.html.fromstring(html).text_content().split())


@pytest.fixture(scope="module")
def recrawled_archive(seed_archive: Path, sample_sites_url: str,
                      tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seed sources' crawl, crawled again in full (no conditional requests,
    so no 304s): every unchanged page is now an identical-payload revisit record. (The
    CDXJ of every source's first crawl is compared in tests/test_cdxj_wacz.py.)"""
    archive = copy_archive(seed_archive, tmp_path_factory.mktemp("recrawl") / "archive",
                           link=False)
    result = run_cli("crawl", *SEED_SITES, "--archive", str(archive), "--via", sample_sites_url,
                     "--delay", "0", "--workers", "2", "--no-conditional",
                     "--recheck-all")
    if result.returncode != 0:
        pytest.fail(f"second crawl failed ({result.returncode}):\n{result.stderr[-5000:]}")
    return archive


def test_cdxj_of_a_recrawl_indexes_revisits_like_cdxj_indexer(recrawled_archive: Path) -> None:
    cdxj = write_cdxj(recrawled_archive)
    lines = parse_cdxj(cdxj.read_text())
    mimes = [data["mime"] for _, _, data in lines]
    assert mimes.count("warc/revisit") >= len(seed_pages())
    check_cdxj_locations(recrawled_archive, cdxj)
    theirs = cdxj_indexer_lines(sorted((recrawled_archive / "warc").iterdir()))
    assert normalized(lines) == normalized(theirs)


@pytest.fixture(scope="module")
def pywb(recrawled_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    root = tmp_path_factory.mktemp("pywb")
    archive = recrawled_archive
    cdxj = write_cdxj(archive)
    collection = root / "collections" / COLLECTION
    (collection / "archive").mkdir(parents=True)
    (collection / "indexes").mkdir()
    for warc in sorted((archive / "warc").iterdir()):
        (collection / "archive" / warc.name).symlink_to(warc.resolve())
    (collection / "indexes" / "index.cdxj").write_bytes(cdxj.read_bytes())
    # Rewritten pages inline (no frame), so the article is in the page fetched.
    (root / "config.yaml").write_text("framed_replay: false\n")
    captures: dict[str, dict[str, str]] = {}
    for _, timestamp, data in parse_cdxj(cdxj.read_text()):
        if data.get("status") == "200":
            kind = "revisit" if data["mime"] == "warc/revisit" else "response"
            captures.setdefault(data["url"], {})[kind] = timestamp

    with running_wayback(root) as base:
        yield Pywb(base=base, captures=captures)


SOURCES = sorted(seed_pages())


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("mode", ["id_", ""], ids=["raw", "rewritten"])
@pytest.mark.parametrize("capture", ["response", "revisit"])
def test_pywb_replays_the_seed_article(pywb: Pywb, source: str, mode: str,
                                       capture: str) -> None:
    seed = seed_pages()[source]
    assert seed.phrases
    timestamp = pywb.captures.get(seed.url, {}).get(capture)
    assert timestamp, f"{seed.url} has no 200 {capture} in our CDXJ"
    status, headers, body = fetch(f"{pywb.base}/{COLLECTION}/{timestamp}{mode}/{seed.url}")
    assert status == 200, body[:1000]
    memento = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.strptime(timestamp, "%Y%m%d%H%M%S"))
    assert headers.get("Memento-Datetime") == memento, "not the capture asked for"
    html = decoded(headers, body)
    if mode == "":
        assert b"wbinfo" in html and f'wbinfo.url = "{seed.url}"'.encode() in html
    else:
        assert b"wbinfo" not in html  # the archived bytes, not rewritten
    text = page_text(html)
    for phrase in seed.phrases:
        assert " ".join(phrase.split()) in text, f"{phrase!r} not in the replayed {seed.url}"


def test_pywb_looks_captures_up_by_our_keys(pywb: Pywb) -> None:
    seed = seed_pages()["france24"]
    # Another spelling of the URL: pywb finds the capture by its SURT key, which ours match.
    scheme, rest = seed.url.split("://", 1)
    host, path = rest.split("/", 1)
    variant = f"{scheme}://{host.upper().removeprefix('WWW.')}:443/{path}"
    assert surt_key(variant) == surt_key(seed.url)
    timestamp = pywb.captures[seed.url]["response"]
    status, headers, body = fetch(f"{pywb.base}/{COLLECTION}/{timestamp}id_/{variant}")
    assert status == 200, body[:1000]
    assert seed.phrases[0].split()[0] in page_text(decoded(headers, body))
    status, _, _ = fetch(f"{pywb.base}/{COLLECTION}/2020id_/https://example.com/not-archived")
    assert status == 404
