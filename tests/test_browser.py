"""The research interface in a real browser: headless Chromium (Debian's `chromium` and
`chromium-driver`) driven by Selenium, against `pressarchive serve` (real Datasette and
real pywb) over a real crawl of the sample sites.

A person types a query, sees the hit, opens the article, copies its citation, follows the
archived-page link and reads the article in pywb's replay; an Arabic article reads right to
left. Screenshots are kept in bench/out/browser/ ($PRESSARCHIVE_SCREENSHOTS elsewhere) and
their paths printed (pytest -s, or the -rA summary).

The browser is installed when missing (tests/helpers/browser.py: apt-get, as root);
the tests are skipped, with the reason, only where it cannot be.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.samplesites import seed_pages
from tests.helpers.browser import Browser, answers, browser_or_skip, screenshot_dir, start_serve

TRT = seed_pages()["trtworld"]


@pytest.fixture(scope="module")
def served(crawled_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`pressarchive serve` over the crawl, Datasette and pywb on free ports; stopped after,
    and both must then be gone."""
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    proc, base, replay = start_serve(crawled_archive, log)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # Stopped together: neither port answers any more.
    assert not answers(f"{base}/") and not answers(f"{replay}/"), log.read_text()[-3000:]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with browser_or_skip() as opened:
        yield opened


def test_search_open_cite_and_replay_in_two_clicks(served: str, browser: Browser) -> None:
    shots = screenshot_dir()
    browser.get(f"{served}/")
    browser.type_into("#q", "Ramadi\n")
    browser.wait_for(".pa-hit")
    assert "Blinken: Coalition killed more than 10,000 ISIS militants" in browser.text("#hits")
    browser.shot(shots / "1-search-ramadi.png")
    # Click 1: the hit's title opens the article page.
    browser.click_link_text("Blinken: Coalition killed more than 10,000 ISIS militants")
    browser.wait_for("#text")
    assert TRT.phrases[0] in browser.text("#text")
    citation = browser.text("#citation-text")
    assert citation.startswith("TRTWorld and agencies, “Blinken") and "<urn:uuid:" in citation
    browser.click("#copy-citation")
    # Copied to the clipboard, or (where the browser refuses) selected for Ctrl-C.
    browser.wait_until(lambda: browser.text("#copy-citation") == "Copied"
                       or browser.script("return window.getSelection().toString()") == citation)
    browser.shot(shots / "2-article.png")
    # Click 2: the archived page, replayed by pywb from the capture's own record.
    replay_link = browser.script("return document.querySelector('#archived-page').href")
    browser.click("#archived-page")
    # pywb's script shows the page's own URL in the location; the navigation's entry
    # holds the URL loaded: the replay of the capture, /press/TIMESTAMP/URL.
    loaded = "return performance.getEntriesByType('navigation')[0].name"
    browser.wait_until(lambda: browser.script(loaded) == replay_link)
    assert re.search(rf"/press/\d{{14}}/{re.escape(TRT.url)}$", replay_link)
    assert browser.script("return wbinfo.url") == TRT.url
    browser.wait_for("body")
    assert " ".join(TRT.phrases[0].split()) in " ".join(browser.text("body").split())
    browser.shot(shots / "3-replay.png")


def test_arabic_article_renders_right_to_left(served: str, browser: Browser) -> None:
    shots = screenshot_dir()
    browser.get(f"{served}/")
    browser.type_into("#q", "الرمادي\n")
    browser.wait_for(".pa-hit[dir=rtl]")
    browser.shot(shots / "4-search-arabic.png")
    browser.click(".pa-hit[dir=rtl] a.pa-title")
    browser.wait_for("#text")
    assert browser.script("return getComputedStyle(document.querySelector('#text')).direction") \
        == "rtl"
    assert browser.script("return getComputedStyle(document.querySelector('#title')).direction") \
        == "rtl"
    # Right to left: the first paragraph's right edge is at the text block's right edge.
    right = browser.script(
        "const t = document.querySelector('#text'), p = t.querySelector('p');"
        "const r = document.createRange(); r.selectNodeContents(p);"
        "return [t.getBoundingClientRect().right, r.getBoundingClientRect().right];")
    assert abs(right[0] - right[1]) < 2, right
    browser.shot(shots / "5-article-arabic.png")
