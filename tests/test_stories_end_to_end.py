"""Stories of a real crawl of the sample sites: NINA's report republished by Shafaq News
and Rudaw is one story with NINA first; reports of their own are not copies. (Their
rebuild by reextract is compared row for row in tests/test_reextract.py:
tests/helpers/index_rows.py names the stories tables.)"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import run_cli

NINA = "https://www.ninanews.com/Website/News/Details?key=721506"
SHAFAQ = ("https://shafaq.com/en/Iraq-News/"
          "international-coalition-aircraft-carry-out-21-raids-in-iraq-and-syria")
RUDAW = "https://www.rudaw.net/english/middleeast/iraq/251220171"
TRAILER = "+ Source: National Iraqi News Agency – NINA"


def story(archive: Path, url: str) -> list[dict]:
    result = run_cli("story", url, "--archive", str(archive), "--json")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_the_nina_report_and_its_republished_copies_are_one_story(crawled_archive):
    copies = story(crawled_archive, RUDAW)
    assert [c["url"] for c in copies] == [NINA, SHAFAQ, RUDAW]
    assert copies[0]["is_origin"] and copies[0]["source"] == "nina"
    for copy in copies[1:]:
        assert 0.8 < copy["similarity"] < 1.0
        assert TRAILER in copy["differences"]
        assert any(change.startswith("- BAGHDAD / NINA") for change in copy["differences"])
    text = run_cli("story", NINA, "--archive", str(crawled_archive)).stdout
    assert text.index("nina") < text.index("shafaq") < text.index("rudaw")


def test_reports_of_their_own_are_no_copies(crawled_archive):
    conn = sqlite3.connect(crawled_archive / "index.db")
    stories = conn.execute("select story, group_concat(url, ' ') from stories "
                           "group by story").fetchall()
    conn.close()
    # The 37,800 sorties in five outlets' own words: one statement, five reports, no story.
    quoting = {
        "https://ina.iq/eng/9948--.html",
        "https://shafaq.com/en/Iraq-News/coalition-37-800-sorties-in-iraq-in-six-years",
        "https://www.kurdistan24.net/en/news/3b9d2f64-8c1e-4a57-9e20-6f4d1a2b7c93",
        "https://www.middleeasteye.net/news/iraq-coalition-more-37000-sorties-islamic-state",
        "https://www.aljazeera.com/news/2020/11/16/"
        "us-led-coalition-says-about-37000-sorties-flown-over-iraq",
    }
    assert not [urls for _, urls in stories if quoting & set(urls.split())]
    assert any(NINA in urls for _, urls in stories)


def test_an_unknown_url_is_one_error_line(crawled_archive):
    result = run_cli("story", "https://www.ninanews.com/none", "--archive",
                     str(crawled_archive))
    assert result.returncode == 4
    assert result.stderr.strip().count("\n") == 0 and "no article" in result.stderr


def test_datasette_lists_stories_and_links_an_article_to_its_copies(crawled_archive):
    import asyncio
    from urllib.parse import quote

    from archive.serve import datasette_app
    from tests.test_serve import get_json

    rows = get_json(crawled_archive, "/index/stories.json?_shape=array&min_copies=")
    ours = [r for r in rows if r["url"] in (NINA, SHAFAQ, RUDAW)]
    assert [r["url"] for r in ours] == [NINA, SHAFAQ, RUDAW]
    assert all(r["article_page"].startswith("/index/articles/") for r in ours)
    copies = get_json(crawled_archive, f"/index/article_copies.json?_shape=array"
                                       f"&url={quote(SHAFAQ, safe='')}")
    assert [r["url"] for r in copies] == [NINA, SHAFAQ, RUDAW]
    claims = get_json(crawled_archive, f"/index/article_claims.json?_shape=array"
                                       f"&url={quote(NINA, safe='')}")
    assert claims and {r["url"] for r in claims} >= {NINA, SHAFAQ}

    async def article_page() -> str:
        ds = datasette_app(crawled_archive)
        await ds.invoke_startup()
        page = copies[0]["article_page"]
        response = await ds.client.get(page)
        assert response.status_code == 200
        return response.text

    html = asyncio.run(article_page())
    assert f"/index/article_copies?url={quote(NINA, safe='')}" in html
    assert f"/index/article_claims?url={quote(NINA, safe='')}" in html
