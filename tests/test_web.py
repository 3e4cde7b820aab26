"""The research pages of `pressarchive serve` (archive/web/), on real Datasette over a real
crawl of the sample sites: search page, article page, citations, captures; the port checks;
`search --json` citation fields. The browser tests are tests/test_browser.py."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import main
from archive.samplesites import seed_pages
from archive.serve import datasette_app
from archive.web.citation import CITATION_KEYS, Citation
from archive.web.ports import port_in_use
from archive.web.replay import replay_url

REPLAY = "http://127.0.0.1:9/replay"  # never fetched: the pages only link to it
TRT = seed_pages()["trtworld"]


def get(archive: Path, *paths: str) -> list:
    async def run() -> list:
        ds = datasette_app(archive, replay=REPLAY)
        await ds.invoke_startup()
        return [await ds.client.get(path) for path in paths]

    return asyncio.run(run())


def article_path(html: str, url: str) -> str:
    """The /article/ID link of the hit whose replay link names `url`."""
    for hit in html.split('<div class="pa-hit"')[1:]:
        if url in hit:
            return re.search(r'href="(/article/\d+)"', hit).group(1)
    raise AssertionError(f"no hit for {url}")


def test_home_page_lists_the_search_and_the_views(crawled_archive: Path) -> None:
    (home,) = get(crawled_archive, "/")
    assert home.status_code == 200
    assert 'action="/search"' in home.text
    for view in ("/index/search", "/index/claims_over_time", "/index/articles", "/search"):
        assert f'href="{view}"' in home.text


def test_search_page_finds_ranks_facets_and_links_to_replay(crawled_archive: Path) -> None:
    best, newest, filtered, none = get(
        crawled_archive, "/search?q=Ramadi", "/search?q=Ramadi&sort=newest",
        "/search?q=Ramadi&source=trtworld", "/search?q=%22%22")
    assert best.status_code == 200
    assert "Blinken: Coalition killed more than 10,000 ISIS militants" in best.text
    assert "<mark>Ramadi</mark>" in best.text
    assert 'href="/search?q=Ramadi&amp;source=trtworld"' in best.text  # the outlet facet
    for facet in ("Outlet", "Language", "Year", "Topic (relevance)", "Has claims"):
        assert f"<h3>{facet}</h3>" in best.text
    assert "best first" in best.text and "newest first" in newest.text
    titles = lambda page: re.findall(r'class="pa-title"[^>]*>([^<]+)<', page.text)  # noqa: E731
    assert sorted(titles(best)) == sorted(titles(newest))
    assert titles(filtered) == ["Blinken: Coalition killed more than 10,000 ISIS militants"]
    (with_claims,) = get(crawled_archive, "/search?q=Ramadi&claims=yes")
    assert "Blinken: Coalition killed" in with_claims.text  # it has claims (10,000 killed)
    assert "source: trtworld ✕" in filtered.text
    assert f'href="{REPLAY}/press/' in best.text and TRT.url in best.text
    assert none.status_code == 200 and "No words to search for" in none.text


def test_search_page_pages_and_browses_without_words(crawled_archive: Path) -> None:
    first, second, arabic = get(crawled_archive, "/search", "/search?page=2",
                                "/search?language=ar")
    assert "newest first" in first.text and 'rel="next"' in first.text
    assert 'rel="prev"' in second.text
    one = set(re.findall(r'href="(/article/\d+)"', first.text))
    two = set(re.findall(r'href="(/article/\d+)"', second.text))
    assert one and two and not one & two
    assert arabic.text.count('dir="rtl"') >= 1 and 'class="pa-hit" >' not in arabic.text


def test_hostile_queries_answer_with_a_page(crawled_archive: Path) -> None:
    pages = get(crawled_archive, *(f"/search?q={q}" for q in (
        "%22", "NEAR(", "%27%3B%20drop%20table%20articles", "x" * 5000, "%3Cscript%3E",
        "Ramadi&year=20x5&page=-3&sort=bogus")))
    for page in pages:
        assert page.status_code == 200, page.text[-2000:]
    assert 'value="&lt;script&gt;"' in pages[4].text and 'value="<script>"' not in pages[4].text


def test_article_page_has_text_replay_links_versions_claims_and_citation(
        crawled_archive: Path) -> None:
    (found,) = get(crawled_archive, "/search?q=Blinken")
    path = article_path(found.text, TRT.url)
    page, txt, bib, csl, missing = get(crawled_archive, path, f"{path}/citation.txt",
                                       f"{path}/citation.bib", f"{path}/citation.json",
                                       "/article/1")
    assert page.status_code == 200
    assert TRT.phrases[0] in page.text
    raw = re.search(r'id="raw-page" href="([^"]+)"', page.text).group(1)
    replay = re.search(r'id="archived-page" href="([^"]+)"', page.text).group(1)
    assert re.fullmatch(rf"{REPLAY}/press/\d{{14}}/{re.escape(TRT.url)}", replay)
    assert raw == replay.replace(f"/{TRT.url}", f"id_/{TRT.url}")
    assert 'id="versions"' in page.text and 'id="claims"' in page.text
    assert "10,000" in page.text  # a claim of the article
    assert txt.text.startswith("TRTWorld and agencies, “Blinken") and "TRT World" in txt.text
    assert "<urn:uuid:" in txt.text and "sha1:" in txt.text and "Press Archive" in txt.text
    assert bib.text.startswith("@online{trtworld2015blinken,") and "urldate = {" in bib.text
    item = json.loads(csl.text)[0]
    assert item["type"] == "article-newspaper" and item["container-title"] == "TRT World"
    assert item["issued"] == {"date-parts": [[2015, 7, 28]]}
    assert item["archive_location"].startswith("<urn:uuid:")
    assert missing.status_code == 404


def test_arabic_article_is_right_to_left(crawled_archive: Path) -> None:
    (arabic,) = get(crawled_archive, "/search?language=ar")
    path = re.search(r'href="(/article/\d+)"', arabic.text).group(1)
    (page,) = get(crawled_archive, path)
    assert re.search(r'<div class="pa-text" id="text" dir="rtl" lang="ar', page.text)
    assert re.search(r'<h1 id="title" dir="rtl"', page.text)


def test_captures_page_lists_each_capture_with_its_replay(crawled_archive: Path) -> None:
    (page,) = get(crawled_archive, f"/captures?url={TRT.url}")
    assert page.status_code == 200
    rows = page.text.count("<tr>") - 1
    assert rows >= 1 and f"{rows} capture" in page.text
    assert f"{REPLAY}/press/" in page.text and "clean text" in page.text


def test_citation_fields_and_formats() -> None:
    cited = Citation.of({"url": "https://example.com/a", "source": "trtworld",
                         "title": "A {b} & c", "author": "", "published": "2015-07-28",
                         "fetched_at": "2026-01-02T03:04:05Z", "capture_record_id": "<urn:x>",
                         "payload_digest": "sha1:X", "language": "en"})
    assert cited.outlet == "TRT World"
    assert "n.d." not in cited.text() and cited.text().startswith("“A {b} & c”, TRT World")
    assert r"title = {A \{b\} \& c}" in cited.bibtex() and "author" not in cited.bibtex()
    assert "author" not in cited.csl() and cited.csl()["accessed"] == {
        "date-parts": [[2026, 1, 2]]}
    assert replay_url("http://h:1/", "2026-01-02T03:04:05.123Z", "https://e/x", raw=True) == \
        "http://h:1/press/20260102030405id_/https://e/x"


def test_search_json_adds_the_citation_fields(crawled_archive: Path) -> None:
    result = CliRunner().invoke(main, ["search", "Blinken", "--json", "--archive",
                                       str(crawled_archive)])
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    hit = next(h for h in hits if h["url"] == TRT.url)
    assert list(hit)[:7] == ["url", "title", "source", "published", "snippet", "rank",
                             "approximate"]
    assert set(CITATION_KEYS) <= set(hit)
    assert hit["outlet"] == "TRT World" and hit["warc_record_id"].startswith("<urn:uuid:")
    assert hit["payload_digest"].startswith("sha1:") and hit["archive"] == "Press Archive"


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_a_port_in_use_is_one_line_before_anything_runs(crawled_archive: Path, tmp_path: Path,
                                                        command: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert port_in_use("127.0.0.1", port)
        archive = crawled_archive if command == "serve" else tmp_path / "demo"
        result = CliRunner().invoke(main, [command, "--archive", str(archive),
                                           "--port", str(port)])
    assert result.exit_code == 4, result.output
    lines = result.output.strip().splitlines()
    assert lines == [f"Error: port {port} on 127.0.0.1 (Datasette) is already in use: stop "
                     "what listens there or choose another with --port"]
    assert command == "serve" or not (tmp_path / "demo").exists()  # nothing crawled


def test_serve_starts_pywb_beside_datasette_and_stops_both(crawled_archive: Path,
                                                           tmp_path: Path) -> None:
    import signal

    from tests.helpers.browser import answers, start_serve

    log = tmp_path / "serve.log"
    proc, base, replay = start_serve(crawled_archive, log)
    try:
        assert f"archived pages replayed by pywb at {replay}/press/" in log.read_text()
        # The article page links to pywb's replay of its capture, which answers.
        import urllib.request

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        html = opener.open(f"{base}/search?q=Blinken").read().decode()
        page = opener.open(base + article_path(html, TRT.url)).read().decode()
        replayed = re.search(r'id="raw-page" href="([^"]+)"', page).group(1)
        with opener.open(replayed) as response:
            assert TRT.phrases[0].split()[0] in response.read().decode()
            assert response.headers["Memento-Datetime"]
        # A revisit (robots.txt, fetched by the sources sharing a host: a response, then
        # identical-payload revisits) replays its original's bytes.
        robots = "https://www.france24.com/robots.txt"
        listing = opener.open(f"{base}/captures?url={robots}").read().decode()
        rows = [row for row in listing.split("<tr>")[2:] if "revisit of" in row]
        assert rows, listing[-3000:]
        raw = re.search(r'href="([^"]+id_/[^"]+)">raw', rows[0]).group(1)
        with opener.open(raw) as response:
            assert b"User-agent" in response.read()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 128 + signal.SIGTERM
    assert not answers(f"{base}/") and not answers(f"{replay}/")


def test_article_page_lists_the_other_copies_of_its_story(crawled_archive: Path) -> None:
    # NINA's raids report, republished by Shafaq and Rudaw (archive/samplesites).
    nina = "https://www.ninanews.com/Website/News/Details?key=721506"
    (found,) = get(crawled_archive, "/search?q=raids&source=nina")
    (page,) = get(crawled_archive, article_path(found.text, nina))
    section = page.text[page.text.index('id="copies"'):]
    assert "Other copies (2)" in section
    assert "shafaq" in section and "rudaw" in section
    copy_path = re.search(r'<td>shafaq</td><td><a href="(/article/\d+)"', section).group(1)
    (copy,) = get(crawled_archive, copy_path)
    copies = copy.text[copy.text.index('id="copies"'):]
    assert "(the earliest: likely origin)" in copies and "nina" in copies
