"""Stories (archive/stories/): shingles and containment, MinHash bands, grouping of
copies whatever the order articles are indexed in, new versions, `pressarchive story`
and the Datasette queries."""

from __future__ import annotations

import itertools
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from archive.cli import main
from archive.index.writer import IndexWriter
from archive.stories.cluster import rebuild_stories
from archive.stories.diff import differences
from archive.stories.shingles import containment, shingles
from archive.stories.signature import BANDS, LSH_THRESHOLD, NUM_PERM, ROWS, band_keys, signature
from tests.helpers.rows import article

REPORT = (
    "The international coalition against ISIS carried out 37,800 sorties over Iraq and "
    "Syria in the last six years, its spokesman Colonel Wayne Marotto said on Sunday.\n"
    "Marotto told reporters in Baghdad that the coalition would keep supporting the Iraqi "
    "security forces in their operations against the remnants of Daesh in the desert "
    "regions of Anbar and the mountains of Hamrin.\n"
    "He added that the number of coalition troops in Iraq would fall to 2,500 by January, "
    "and that the Iraqi forces had shown they could lead operations on their own."
)
ORIGIN = "Baghdad (NINA) – " + REPORT
COPY = ("Erbil (Shafaq News) – " + REPORT
        + "\nSource: National Iraqi News Agency – NINA")
OTHER = (
    "Iraqi forces killed four Daesh militants in an air strike on a hideout in the Hamrin "
    "mountains on Sunday, the Security Media Cell said in a statement.\n"
    "The statement said that the strike, carried out by Iraqi F-16 aircraft with "
    "intelligence from the Joint Operations Command, destroyed a tunnel and weapons."
)

NINA, SHAFAQ, RUDAW = ("https://nina.example/report", "https://shafaq.example/copy",
                       "https://rudaw.example/copy")


def rows():
    return [
        article(NINA, "Coalition: 37,800 sorties", ORIGIN, published="2020-11-15",
                source="nina"),
        article(SHAFAQ, "Coalition: 37,800 sorties", COPY, published="2020-11-16",
                source="shafaq"),
        article(RUDAW, "The coalition's sorties", COPY.replace("Shafaq News", "Rudaw"),
                published="2020-11-15", source="rudaw"),
        article("https://ina.example/hamrin", "Hamrin strike", OTHER, published="2020-11-15",
                source="ina"),
        # The same report a month later is a reissue, not a copy of this one.
        article("https://shafaq.example/later", "Coalition: 37,800 sorties", COPY,
                published="2020-12-20", source="shafaq"),
    ]


def index(path: Path, articles) -> Path:
    writer = IndexWriter(path)
    for row in articles:
        # As archive/articles.py record_extraction does, in one transaction.
        with writer.batch():
            change = writer.add_article(row)
            if change != "same":
                writer.refresh_story(row.url)
    writer.close()
    return path


def stories(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("select * from stories order by url").fetchall()
    finally:
        conn.close()


def test_shingles_are_of_the_search_form_and_containment_is_of_the_smaller():
    assert shingles("Daesh, the Coalition  said; it") == {"daesh the coalition said it"}
    assert shingles("four words only here") == frozenset()
    a, b = shingles(ORIGIN), shingles(COPY)
    assert containment(a, b) == containment(b, a) > 0.9
    assert containment(shingles(REPORT), shingles(COPY)) == 1.0
    assert containment(a, shingles(OTHER)) < 0.1
    assert containment(a, frozenset()) == 0.0


def test_signatures_are_stable_and_bands_are_datasketchs_optimum():
    from datasketch.lsh import _optimal_param

    assert _optimal_param(LSH_THRESHOLD, NUM_PERM, 0.5, 0.5) == (BANDS, ROWS)
    sig = signature(sorted(shingles(ORIGIN)))
    assert sig == signature(shingles(ORIGIN)) and len(sig) == NUM_PERM * 8
    keys = band_keys(sig)
    assert len(set(keys)) == BANDS
    assert set(keys) & set(band_keys(signature(shingles(COPY))))


def test_copies_form_a_story_whose_origin_is_the_earliest(tmp_path):
    found = stories(index(tmp_path / "index.db", rows()))
    by_url = {row[0]: row for row in found}
    assert set(by_url) == {NINA, SHAFAQ, RUDAW}
    assert len({row[1] for row in found}) == 1
    # Same day: the earlier capture would win; same capture time: the URL.
    assert [url for url, *_, is_origin in found if is_origin] == [NINA]
    assert by_url[NINA][4] == 1.0 and 0.9 < by_url[SHAFAQ][4] < 1.0
    assert by_url[SHAFAQ][3] == "2020-11-16"


def test_the_same_articles_in_any_order_give_the_same_stories(tmp_path):
    articles = rows()
    expected = stories(index(tmp_path / "first.db", articles))
    for n, order in enumerate(itertools.permutations(articles)):
        if n % 7:  # 120 orders; every seventh keeps the test quick
            continue
        assert stories(index(tmp_path / f"order{n}.db", order)) == expected
    # And a rebuild from scratch gives them too.
    conn = sqlite3.connect(tmp_path / "first.db")
    conn.execute("delete from stories")
    rebuild_stories(conn)
    conn.commit()
    conn.close()
    assert stories(tmp_path / "first.db") == expected


def test_an_earlier_copy_indexed_last_becomes_the_origin(tmp_path):
    articles = rows()
    earlier = replace(articles[1], published="2020-11-14")
    found = stories(index(tmp_path / "index.db", [*articles, earlier]))
    assert [row[0] for row in found if row[5]] == [SHAFAQ]


def test_a_new_version_recomputes_the_story(tmp_path):
    path = index(tmp_path / "index.db", rows())
    story = {row[1] for row in stories(path)}
    # The copy is rewritten into a copy of another report: it moves to that story; the
    # two left stay one.
    hamrin = "https://ina.example/hamrin"
    index(path, [article(SHAFAQ, "Hamrin", OTHER.replace("four", "five"),
                         published="2020-11-16", source="shafaq")])
    members: dict[int, set[str]] = {}
    for row in stories(path):
        members.setdefault(row[1], set()).add(row[0])
    assert sorted(members.values(), key=sorted) == [{hamrin, SHAFAQ}, {NINA, RUDAW}]
    # The origin rewritten too: it joins them, the Rudaw copy is left alone, and the
    # old story's id is gone.
    index(path, [article(NINA, "Other", OTHER.replace("four", "six"),
                         published="2020-11-15", source="nina")])
    assert {row[0] for row in stories(path)} == {SHAFAQ, hamrin, NINA}
    assert [row[0] for row in stories(path) if row[5]] == [hamrin]
    assert not story & {row[1] for row in stories(path)}
    # The same text again is "same": nothing recomputed, nothing changes.
    before = stories(path)
    index(path, [rows()[2]])
    assert stories(path) == before


def test_differences_show_the_new_dateline_and_the_trailer():
    changes = differences(ORIGIN, COPY)
    assert changes == ["- Baghdad (NINA)", "+ Erbil (Shafaq News)",
                       "+ Source: National Iraqi News Agency – NINA"]
    assert differences(ORIGIN, ORIGIN) == []


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_story_command_lists_the_origin_first_with_what_differs(tmp_path):
    index(tmp_path / "index.db", rows())
    result = invoke("story", SHAFAQ, "--archive", str(tmp_path), "--json")
    assert result.exit_code == 0, result.output
    copies = [json.loads(line) for line in result.output.splitlines()]
    assert [c["url"] for c in copies] == [NINA, RUDAW, SHAFAQ]
    assert copies[0]["is_origin"] and copies[0]["differences"] == []
    assert "+ Source: National Iraqi News Agency – NINA" in copies[2]["differences"]
    text = invoke("story", NINA, "--archive", str(tmp_path)).output
    assert text.index("origin") < text.index("similarity 0.9")
    assert "+ Erbil (Shafaq News)" in text
    alone = invoke("story", "https://ina.example/hamrin", "--archive", str(tmp_path))
    assert alone.exit_code == 0 and "no other copies" in alone.output


def test_story_of_an_unknown_url_is_one_error_line(tmp_path):
    index(tmp_path / "index.db", rows())
    result = invoke("story", "https://nowhere.example/", "--archive", str(tmp_path))
    assert result.exit_code == 4
    assert result.output.strip().count("\n") == 0 and "no article" in result.output


def test_datasette_story_queries_link_each_copy(tmp_path):
    from tests.conftest import REPO

    path = index(tmp_path / "index.db", rows())
    queries = json.loads((REPO / "settings" / "datasette-metadata.json").read_text())[
        "databases"]["index"]["queries"]
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    listed = conn.execute(queries["stories"]["sql"], {"min_copies": ""}).fetchall()
    assert [r["url"] for r in listed] == [NINA, RUDAW, SHAFAQ]
    assert all(r["article_page"].startswith("/index/articles/") for r in listed)
    assert conn.execute(queries["stories"]["sql"], {"min_copies": "4"}).fetchall() == []
    copies = conn.execute(queries["article_copies"]["sql"], {"url": RUDAW}).fetchall()
    assert [r["url"] for r in copies] == [NINA, RUDAW, SHAFAQ]
    assert conn.execute(queries["article_claims"]["sql"], {"url": NINA}).fetchall() == []


def test_a_date_a_news_sitemap_gives_later_moves_the_article_into_its_story(tmp_path):
    from archive.index.schema import Capture
    from archive.news_sitemap import NewsEntry

    # Captured years later and undated: outside the window, no story of its own.
    undated = replace(rows()[1], published="", fetched_at="2026-11-21T10:00:00Z")
    path = index(tmp_path / "index.db", [rows()[0], undated])
    assert stories(path) == []
    writer = IndexWriter(path)
    sitemap = Capture(url="https://shafaq.example/sitemap.xml", source="shafaq", status=200,
                      content_type="application/xml", fetched_at="2026-11-21T11:00:00Z",
                      warc_file="a.warc.gz", warc_offset=0, warc_length=0,
                      record_id="<urn:uuid:2>", payload_digest="sha1:Y")
    with writer.batch():
        writer.add_listings(sitemap, [NewsEntry(SHAFAQ, "2020-11-16", "", "", "en")])
    writer.close()
    assert [(row[0], row[3], row[5]) for row in stories(path)] == [
        (NINA, "2020-11-15", 1), (SHAFAQ, "2020-11-16", 0)]
