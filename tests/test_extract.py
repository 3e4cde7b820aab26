"""archive.extract on realistic pages of the configured sources, with their real rules.

Fixtures are in tests/fixtures/extract/ (see the README there): invented markup around
article texts copied from /work/shared/seeds/.

Over 500 lines on purpose: one table of cases per source, against the same fixtures;
splitting by source would repeat the fixtures' loading in each part.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
import trafilatura

from archive.extract import (
    DEFAULT_OPTIONS,
    ExtractionOptions,
    ExtractionResult,
    decode_html,
    extract_file,
    extract_html,
)
from archive.extract import text as text_module
from archive.sources import ExtractionRules, load_sources

FIXTURES = Path(__file__).parent / "fixtures" / "extract"

TRT_URL = (
    "https://www.trtworld.com/middle-east/"
    "blinken-coalition-killed-more-than-10000-isis-militants-4521"
)
F24_URL = (
    "https://www.france24.com/en/"
    "20141203-us-led-coalition-battle-islamic-state-group-long-it-takes"
)
INA_URL = (
    "https://ina.iq/eng/7341-icf-isis-is-dying-and-we-are-committed-to-our-security-"
    "partnership-with-iraqi-forces.html"
)
CT_URL = (
    "http://www.chinatopix.com/articles/26954/20150122/"
    "iraq-frustrated-over-coalition-s-efforts-in-islamic-state-fight.htm"
)
NINA_URL = "https://www.ninanews.com/Website/News/Details?key=722119"


@pytest.fixture(scope="module")
def sources():
    return load_sources()


def run(name: str, url: str, source, **kwargs) -> ExtractionResult:
    body = (FIXTURES / name).read_bytes()
    kwargs.setdefault("content_type", "text/html; charset=utf-8")
    kwargs.setdefault("language", source.language)
    return extract_html(body, url, rules=source.extraction, **kwargs)


def assert_clean(text: str, present: list[str], absent: list[str]) -> None:
    for phrase in present:
        assert phrase in text, phrase
    for phrase in absent:
        assert phrase not in text, phrase


# --------------------------------------------------------------------- articles


def test_trtworld_article_metadata(sources):
    result = run("trtworld_article.html", TRT_URL, sources["trtworld"])
    assert result.status == "ok"
    assert result.title == "Blinken: Coalition killed more than 10,000 ISIS militants"
    assert result.author == "Ahmet Yildiz"
    # JSON-LD datePublished wins over dateModified and the "Updated Jul 28, 2015" line.
    assert result.published == "2015-06-03"
    assert result.language == "en"
    # The page's relative canonical link, made absolute.
    assert result.canonical_url == TRT_URL
    assert result.encoding == "utf-8"
    assert result.word_count == len(result.text.split()) > 500


def test_table_borders_are_not_words():
    words = " ".join(["word"] * 30)
    page = (
        "<html><body><table><tr><td colspan='9007199254740991'>x</td></tr></table>"
        f"<p>{words}</p></body></html>"
    )
    result = extract_html(page.encode(), "https://x/")
    assert "|" in result.text
    assert result.word_count == 31
    assert result.extractor == "trafilatura"
    assert result.extractor_version == trafilatura.__version__


def test_trtworld_article_text(sources):
    text = run("trtworld_article.html", TRT_URL, sources["trtworld"]).text
    assert_clean(
        text,
        present=[
            "have killed more than 10,000 ISIS militants during the nine months",
            "through the “effective” air strikes",
            "as many as 114,000 residents fled Ramadi",
            "TRTWorld and agencies",
        ],
        absent=[
            "Photo by",
            "Updated Jul 28, 2015",
            "claims coalition air strikes kill",  # h3.article-description, a drop_xpath
            "Page not found",  # hidden modal template
            "could not be found",
            "WhatsApp",
            "Iraqi forces retake Baiji refinery",  # related links
            "Copyright 2015",
            "Search TRT World",
        ],
    )
    assert not re.search(r"\n{3,}", text)


def test_organization_authors_are_kept_verbatim():
    words = " ".join(["word"] * 40)
    page = (
        '<html><head><script type="application/ld+json">{{"@context": "https://schema.org",'
        ' "@graph": [{{"@type": "NewsArticle", "headline": "H", "author": {author}}}]}}'
        "</script></head><body><article><p>{words}</p></article></body></html>"
    )
    org = '{"@type": "Organization", "name": "TRTWorld and agencies"}'
    result = extract_html(page.format(author=org, words=words).encode(), "https://x/")
    assert result.author == "TRTWorld and agencies"
    # People are left to trafilatura, which splits and normalises them.
    people = '{"@type": "Person", "name": "Jane Doe and John Roe"}'
    result = extract_html(page.format(author=people, words=words).encode(), "https://x/")
    assert result.author == "Jane Doe; John Roe"


def test_rules_remove_what_trafilatura_keeps(sources):
    # The fixture is built so that the rules matter: without them the credit and the
    # "Updated" line survive trafilatura.
    body = (FIXTURES / "trtworld_article.html").read_bytes()
    bare = extract_html(body, TRT_URL).text
    assert "Photo by: Reuters" in bare
    assert "Updated Jul 28, 2015" in bare
    ruled = run("trtworld_article.html", TRT_URL, sources["trtworld"]).text
    assert "Photo by: Reuters" not in ruled and "Updated Jul 28, 2015" not in ruled


def test_france24_article(sources):
    result = run("france24_article.html", F24_URL, sources["france24"])
    assert result.status == "ok"
    assert result.title == "US-led coalition to battle IS group for ‘as long as it takes’"
    assert result.published == "2014-12-03"  # not the "Latest update" of the 4th
    assert result.language == "en"
    assert result.canonical_url == F24_URL
    assert_clean(
        result.text,
        present=[
            "“We will engage in this campaign for as long as it takes to prevail,”",
            "Iraq’s Abadi has informed NATO Secretary-General Jens Stoltenberg",
            "(FRANCE 24 with AP and REUTERS)",
        ],
        absent=[
            "Skip to main content",
            "Latest update",
            "EMMANUEL DUNAND",
            "Page not found",  # the not-found template at the end of every page
            "does not exist or is not available anymore",
            "Advertising",
            "All rights reserved",
            "ghost soldiers",
        ],
    )


def test_ina_article(sources):
    result = run("ina_article.html", INA_URL, sources["ina"])
    assert result.status == "ok"
    assert result.title.startswith("ICF: ISIS is dying")
    assert result.published == "2020-11-15"  # the "15-11-2020, 13:12" list item
    assert_clean(
        result.text,
        present=[
            "carried out 37,800 sorties in Iraq in the last six years",
            "ISIS gangs are dying and no longer have the ability to survive",
        ],
        absent=["+A", "-A\n", "Photo by", "15-11-2020", "Most Read", "PM receives phone call"],
    )


def test_language_falls_back_to_the_source(sources):
    # The INA page declares no language: the source's configured one is used.
    assert run("ina_article.html", INA_URL, sources["ina"]).language == "en"
    assert run("ina_article.html", INA_URL, sources["ina"], language="").language == ""
    # A declared language wins over the configured one.
    assert run("nina_article.html", NINA_URL, sources["nina"], language="ar").language == "en"


def test_chinatopix_article(sources):
    result = run("chinatopix_article.html", CT_URL, sources["chinatopix"])
    assert result.status == "ok"
    assert result.title == "Iraq Frustrated Over Coalition’s Efforts In Islamic State Fight"
    # The compact date in the URL, not the site clock "01/22/2025" in the header.
    assert result.published == "2015-01-22"
    assert_clean(
        result.text,
        present=[
            "the U.S.-led coalition's waning efforts in defeating the Islamic State",
            "to reach their goal of creating 12 new Iraqi brigades",
        ],
        absent=[
            "CHINA TOPIX",
            "Make CT Your Homepage",
            "Like Us on Facebook",
            "Real Time Analytics",
            "(Photo : Reuters",
            "Share on Facebook",
            "Tags",
            "2025",
        ],
    )


def test_captured_at_bounds_the_date(sources):
    # Captured the day after publication: the date stands.
    result = run("chinatopix_article.html", CT_URL, sources["chinatopix"],
                 captured_at="2015-01-23T08:00:00Z")
    assert result.published == "2015-01-22"
    # A URL date after the capture cannot be the publication date.
    result = run("chinatopix_article.html", CT_URL, sources["chinatopix"],
                 captured_at="2015-01-21")
    assert result.published != "2015-01-22"


def test_nina_article(sources):
    result = run("nina_article.html", NINA_URL, sources["nina"])
    assert result.status == "ok"
    assert result.published == "2017-12-27"
    assert result.canonical_url == NINA_URL
    assert_clean(
        result.text,
        present=["Fewer than 1,000 Daesh militants are still in Iraq and Syria"],
        absent=["Wednesday 27 December 2017", "Political", "© 2017"],
    )


def test_no_invented_copyright_dates(sources):
    # htmldate's last resort turns "Copyright 2015" into 2015-01-01; that is not kept.
    result = run("trtworld_soft404.html", "https://www.trtworld.com/middle-east/x-1",
                 sources["trtworld"])
    assert result.published == ""


# Two paragraphs of article text, enough for status "ok", around the dates under test.
ARTICLE = (
    "<p>Iraqi security forces retook the centre of the city on Sunday, the coalition said,"
    " after weeks of fighting in which air strikes destroyed bridges and command posts.</p>"
    "<p>The spokesman said the operation would continue until the last districts were"
    " cleared, and that civilians were being moved to camps outside the city.</p>"
)


def page(head: str = "", body: str = "", lang: str = "en") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>News</title>'
        f"{head}</head><body><article><h1>News</h1>{ARTICLE}{body}</article></body></html>"
    ).encode()


def test_date_from_an_rdf_comment():
    # As on blog.goo.ne.jp (htmldate-mediacloud2020): the RDF trackback block in a comment
    # holds the only machine-readable date; without it htmldate took a photo caption's day.
    body = (
        "<p>Photo: the yearling sale (2015/7/21)</p>\n<!--\n<rdf:RDF"
        ' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">\n<rdf:Description'
        ' rdf:about="https://blog.example.jp/e/1" dc:title="JRA winners"'
        ' dc:date="2020-07-12T22:00:00+09:00" />\n</rdf:RDF>\n-->'
    )
    result = extract_html(page(body=body, lang="ja"), "https://blog.example.jp/e/1",
                          captured_at="2020-08-01")
    assert result.status == "ok"
    assert result.published == "2020-07-12"
    assert "rdf" not in result.text and "dc:date" not in result.text
    assert "Photo: the yearling sale (2015/7/21)" in result.text


def test_developer_comments_give_no_date():
    # rheinruhronline.de (trafilatura-eval): a version-control line is not a publication
    # date, though htmldate on the raw page takes it.
    body = "<!-- $Id: google_analytics.ccml 21 2014-06-01 13:09:34Z volker $ -->"
    result = extract_html(page(body=body, lang="de"), "https://www.example.de/essen/west.htm",
                          captured_at="2020-08-01")
    assert result.status == "ok"
    assert result.published == ""
    assert "$Id" not in result.text


# NINA's Baghdad is UTC+3: published at 01:30 local on 27 December, 22:30 UTC the day before.
UTC_AND_LOCAL = (
    '<meta property="article:published_time" content="2017-12-26T22:30:00+00:00">'
    '<script type="application/ld+json">{"@context": "https://schema.org",'
    ' "@type": "NewsArticle", "headline": "News",'
    ' "datePublished": "2017-12-27T01:30:00+03:00"}</script>'
)


def test_a_utc_date_becomes_the_publishers_day():
    # As on elbaladtv.net (htmldate-mediacloud2020): htmldate reads the UTC meta tag's day.
    result = extract_html(page(UTC_AND_LOCAL, lang="ar"), NINA_URL, captured_at="2018-01-05")
    assert result.published == "2017-12-27"
    # The same instant written as a local clock without offset, in a script (laprensafl.com).
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "News",'
        ' "datePublished": "2020-02-18T02:18:11Z"}</script>'
        '<script>var publication_date = "2020-02-17 21:18:11";</script>'
    )
    result = extract_html(page(head, lang="es"), "https://example.com/news/1",
                          captured_at="2020-03-01")
    assert result.published == "2020-02-17"


def test_a_utc_date_stands_without_the_same_instant_in_local_time():
    # washingtonpost.com writes UTC only: its day stays. So does a local clock that is not
    # the same instant (other minutes and seconds).
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "News",'
        ' "datePublished": "2020-02-18T02:18:11Z"}</script>'
        '<script>var planned = "2020-02-17 21:10:00";</script>'
    )
    result = extract_html(page(head), "https://example.com/news/1", captured_at="2020-03-01")
    assert result.published == "2020-02-18"
    # Clocks to the minute only: one in 60 would match by chance.
    head = head.replace("02:18:11Z", "02:18Z").replace('"2020-02-17 21:10:00"',
                                                      '"2020-02-17 21:18"')
    result = extract_html(page(head), "https://example.com/news/1", captured_at="2020-03-01")
    assert result.published == "2020-02-18"
    # A URL dated the UTC day is the publisher's own label: metadata and URL agree.
    result = extract_html(page(UTC_AND_LOCAL, lang="ar"), "https://example.iq/2017/12/26/news",
                          captured_at="2018-01-05")
    assert result.published == "2017-12-26"
    # A day the page already writes in local time is the publisher's day: a later update
    # near midnight, in UTC and local time, does not move it.
    head = (
        '<meta property="article:published_time" content="2017-12-26T10:00:00+03:00">'
        '<meta property="article:modified_time" content="2017-12-26T22:30:00Z">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "News",'
        ' "dateModified": "2017-12-27T01:30:00+03:00"}</script>'
    )
    result = extract_html(page(head, lang="ar"), NINA_URL, captured_at="2018-01-05")
    assert result.published == "2017-12-26"
    # Captured the UTC day: the local day after it is past the capture-date bound.
    result = extract_html(page(UTC_AND_LOCAL, lang="ar"), NINA_URL, captured_at="2017-12-26")
    assert result.published == "2017-12-26"


# --------------------------------------------------------------------- statuses


def test_soft404_by_title(sources):
    result = run("trtworld_soft404.html", "https://www.trtworld.com/middle-east/gone-4999",
                 sources["trtworld"])
    assert result.status == "soft404"
    assert result.text  # kept for debugging
    assert result.word_count > 20


def test_soft404_by_text_alone(sources):
    # Neutral title; the text is the marker and a few words of chrome.
    result = run("nina_soft404.html", "https://www.ninanews.com/Website/News/Details?key=9",
                 sources["nina"])
    assert result.status == "soft404"
    assert "The news you requested is not available" in result.text
    assert result.canonical_url == "https://www.ninanews.com/website/"


def test_soft404_markers_are_case_insensitive_and_need_a_word_boundary():
    rules = ExtractionRules(soft404_markers=("page NOT found",))
    words = " ".join(["word"] * 40)
    page = "<html><head><title>{}</title></head><body><article><p>{}</p></article></body></html>"
    found = extract_html(page.format("Page not found - Site", words).encode(), "https://x/1",
                         rules=rules)
    assert found.status == "soft404"
    other = extract_html(page.format("Page not founders meet", words).encode(), "https://x/2",
                         rules=rules)
    assert other.status == "ok"


def test_empty_page(sources):
    result = run("chinatopix_empty.html", "http://www.chinatopix.com/newsletter",
                 sources["chinatopix"])
    assert result.status == "empty"
    assert result.word_count < DEFAULT_OPTIONS.min_words
    assert result.title == "Newsletter"  # metadata survives an empty text


@pytest.mark.parametrize(
    "body",
    [b"", b"  \n\t", b"<html></html>", b"<p>hello</p>", b"\x00\x00\x00",
     b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>stream\x00\x01endstream",
     gzip.compress(b"<html><body><p>compressed</p></body></html>")],
)
def test_degenerate_bodies_are_empty_not_exceptions(body):
    result = extract_html(body, "https://example.org/x")
    assert result.status == "empty"


def test_binary_bodies_say_what_they_are():
    result = extract_html(b"%PDF-1.7\n...", "https://example.org/report.html")
    assert result.error == "not HTML: PDF data"


def test_min_words_option(sources):
    options = ExtractionOptions(min_words=10_000)
    result = run("nina_article.html", NINA_URL, sources["nina"], options=options)
    assert result.status == "empty"
    assert result.text  # still returned


def test_too_large():
    options = ExtractionOptions(max_html_bytes=1000)
    result = extract_html(b"<html>" + b"x" * 2000 + b"</html>", "https://x/", options=options)
    assert result.status == "too_large"
    assert "max_html_bytes=1000" in result.error


def test_bad_drop_xpath_is_an_error_result():
    rules = ExtractionRules(drop_xpaths=("//div[@class='ok']", "//div[",))
    result = extract_html(b"<html><body><p>x</p></body></html>", "https://x/", rules=rules)
    assert result.status == "error"
    assert result.error.startswith("bad drop_xpath '//div['")


def test_bad_drop_lines_regex_is_an_error_result():
    rules = ExtractionRules(drop_lines=("(unclosed",))
    result = extract_html(b"<html><body><p>x</p></body></html>", "https://x/", rules=rules)
    assert result.status == "error"
    assert "bad drop_lines regex" in result.error


def test_rules_built_from_lists_work():
    # Unhashable rules (lists) bypass the compile cache rather than failing.
    rules = ExtractionRules(drop_lines=["^Photo by: .*$"])  # type: ignore[arg-type]
    page = b"<html><body><article><p>Photo by: AFP</p><p>" + b"word " * 30 + b"</p></article>"
    result = extract_html(page + b"</body></html>", "https://x/", rules=rules)
    assert result.status == "ok"
    assert "Photo by" not in result.text


def test_internal_exception_becomes_error(monkeypatch):
    def explode(*args, **kwargs):
        raise MemoryError("table too big\nsecond line")

    monkeypatch.setattr(trafilatura, "bare_extraction", explode)
    result = extract_html(b"<html><body><p>x</p></body></html>", "https://x/")
    assert result.status == "error"
    assert result.error == "MemoryError: table too big second line"


# --------------------------------------------------------------------- encodings


def test_windows_1252_page_with_lying_utf8_header(sources):
    body = (FIXTURES / "cp1252_lying_utf8.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    result = extract_html(body, TRT_URL, content_type="text/html; charset=UTF-8",
                          rules=sources["trtworld"].extraction)
    assert result.status == "ok"
    assert result.encoding == "windows-1252"
    assert "through the “effective” air strikes" in result.text
    assert "â€" not in result.text and "\ufffd" not in result.text


@pytest.mark.parametrize(
    ("body", "content_type", "expected_text", "expected_encoding"),
    [
        # BOM beats everything.
        (b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", "text/html; charset=windows-1251",
         "<p>café</p>", "utf-8"),
        (b"\xff\xfe" + "<p>café</p>".encode("utf-16-le"), "", "<p>café</p>", "utf-16-le"),
        # HTTP charset beats <meta>.
        ('<meta charset="utf-8"><p>\xcf\xf0\xe8\xe2\xe5\xf2</p>'.encode("latin-1"),
         "text/html; charset=windows-1251", '<meta charset="utf-8"><p>Привет</p>',
         "windows-1251"),
        # A garbage label is ignored; <meta> decides.
        ('<meta charset="windows-1255"><p>\xf9\xec\xe5\xed</p>'.encode("latin-1"),
         "text/html; charset=visual", '<meta charset="windows-1255"><p>שלום</p>',
         "windows-1255"),
        # http-equiv form of <meta>.
        (b'<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">\xf0\xd2\xc9',
         "", '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">При',
         "koi8-r"),
        # latin-1 is read as windows-1252, as browsers do (0x93/0x94 are quotes).
        (b"<p>\x93quoted\x94</p>", "text/html; charset=ISO-8859-1", "<p>“quoted”</p>",
         "windows-1252"),
        # A single-byte label on a body that is valid UTF-8: UTF-8.
        ("<p>Iraq’s</p>".encode(), "text/html; charset=iso-8859-1", "<p>Iraq’s</p>",
         "utf-8"),
        # No signal: UTF-8 if it decodes, else windows-1252.
        ("<p>Iraq’s</p>".encode(), "", "<p>Iraq’s</p>", "utf-8"),
        (b"<p>Iraq\x92s</p>", "", "<p>Iraq’s</p>", "windows-1252"),
        # Bytes windows-1252 leaves undefined do not fail the page.
        (b"<p>\x81\x93x\x94</p>", "", "<p>\x81“x”</p>", "windows-1252"),
        # A <meta> UTF-16 label readable as ASCII is a lie: UTF-8.
        ('<meta charset="utf-16"><p>é</p>'.encode(), "", '<meta charset="utf-16"><p>é</p>',
         "utf-8"),
        # Non-text codecs named as charsets are not used.
        (b"<p>plain</p>", "text/html; charset=base64", "<p>plain</p>", "utf-8"),
    ],
)
def test_decode_html(body, content_type, expected_text, expected_encoding):
    assert decode_html(body, content_type) == (expected_text, expected_encoding)


def test_utf8_does_not_override_a_declared_multibyte_encoding():
    body = "<p>한국어 뉴스</p>".encode("cp949")
    assert decode_html(body, "text/html; charset=cp949") == ("<p>한국어 뉴스</p>", "cp949")


def test_declared_multibyte_encoding_with_broken_bytes_is_kept():
    body = "<p>日本語</p>".encode("shift_jis") + b"\x81"
    text, encoding = decode_html(body, "text/html; charset=Shift_JIS")
    assert encoding == "shift_jis"
    assert text.startswith("<p>日本語</p>")


def test_utf8_page_with_a_stray_byte_stays_utf8():
    # maescot.de (trafilatura-eval) declares UTF-8, writes its 75 umlauts in UTF-8 and has
    # one windows-1252 byte in an ad script's comment: the page was decoded as windows-1252.
    body = (
        '<html><head><meta charset="UTF-8" /><title>Kleine Schafskunde</title>'
        '<script>google_ad_client = "ca-pub-1491421531983621";\n/* M\xe4scot Breit */</script>'
        "</head><body><p>"
    ).encode("latin-1") + (
        "Schafe sind Wiederkäuer, ihr Fell heißt Vlies. Die Milch der Schafe enthält mehr"
        " Fett als Kuhmilch. Mutterschafe lammen meist im Frühjahr; die Lämmer säugen"
        " bis zu vier Monate. Für die Schur im Mai kommen Scherer auf die Höfe.</p></body></html>"
    ).encode()
    text, encoding = decode_html(body, "text/html; charset=UTF-8")
    assert encoding == "utf-8"
    assert "Wiederkäuer, ihr Fell heißt Vlies" in text
    assert "M\ufffdscot" in text
    assert decode_html(body, "")[1] == "utf-8"  # the same without any declaration


def test_arabic_utf8_page_with_a_cut_character_stays_utf8(sources):
    # INA's page with its Arabic link ("عربي") cut in the middle of its last character, as
    # teasers cut at a byte count are: one bad byte must not turn the page into mojibake.
    clean = (FIXTURES / "ina_article.html").read_bytes()
    cut = clean.replace("عربي".encode(), "عربي".encode()[:-1])
    with pytest.raises(UnicodeDecodeError):
        cut.decode("utf-8")
    text, encoding = decode_html(cut, "text/html; charset=utf-8")
    assert encoding == "utf-8"
    assert "عرب\ufffd" in text
    expected = run("ina_article.html", INA_URL, sources["ina"])
    result = extract_html(cut, INA_URL, content_type="text/html; charset=utf-8",
                          rules=sources["ina"].extraction, language="en")
    assert result.encoding == "utf-8"
    assert result.text == expected.text


def test_windows_1252_article_in_a_utf8_template_stays_windows_1252(sources):
    # The reverse mix: INA's Arabic link in UTF-8 but the article's quotes in windows-1252.
    # Most of the non-ASCII text is windows-1252, so that is how the page is read.
    html = (FIXTURES / "ina_article.html").read_text(encoding="utf-8")
    split = html.index("عربي") + len("عربي")
    mixed = html[:split].encode("utf-8") + html[split:].encode("cp1252")
    text, encoding = decode_html(mixed, "text/html; charset=utf-8")
    assert encoding == "windows-1252"
    assert "“" in text and "\ufffd" not in text
    expected = run("ina_article.html", INA_URL, sources["ina"])
    result = extract_html(mixed, INA_URL, content_type="text/html; charset=utf-8",
                          rules=sources["ina"].extraction, language="en")
    assert result.text == expected.text


AR_TEXT = (
    "قال المتحدث باسم قيادة العمليات المشتركة إن القوات العراقية استعادت السيطرة على وسط"
    " مدينة الرمادي، وإن طيران التحالف الدولي نفذ غارات على مواقع تنظيم داعش. وأضاف أن"
    " العمليات ستستمر حتى تطهير آخر الأحياء، وأن المدنيين نقلوا إلى مخيمات خارج المدينة؟"
)


def test_arabic_windows_1256_page_that_claims_utf8():
    # Every declaration lies: the page's language picks the fallback a browser in an
    # Arabic locale would use, windows-1256, instead of windows-1252 mojibake.
    body = (
        '<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
        f"<title>الرمادي</title></head><body><article><h1>الرمادي</h1><p>{AR_TEXT}</p>"
        "</article></body></html>"
    ).encode("cp1256")
    text, encoding = decode_html(body, "text/html; charset=utf-8")
    assert encoding == "windows-1256"
    assert AR_TEXT in text
    result = extract_html(body, INA_URL, content_type="text/html; charset=utf-8")
    assert result.status == "ok"
    assert AR_TEXT in result.text
    # Without a language the fallback stays windows-1252.
    assert decode_html(body.replace(b' lang="ar"', b""), "")[1] == "windows-1252"


@pytest.mark.parametrize(
    ("valid", "invalid", "expected"),
    [(4, 1, "utf-8"), (3, 1, "windows-1252"), (0, 1, "windows-1252")],
)
def test_share_of_invalid_sequences_decides(valid, invalid, expected):
    # UTF-8 with replacement up to 1 invalid sequence in 5 non-ASCII ones.
    body = b"<p>" + "é".encode() * valid + b" " + b"\x92" * invalid + b"</p>"
    assert decode_html(body, "text/html; charset=utf-8")[1] == expected
    # The same when a single-byte charset is declared, as for fully valid UTF-8.
    assert decode_html(body, "text/html; charset=iso-8859-1")[1] == expected


def test_str_input_gives_the_same_text(sources):
    body = (FIXTURES / "trtworld_article.html").read_bytes()
    rules = sources["trtworld"].extraction
    from_bytes = extract_html(body, TRT_URL, rules=rules)
    from_str = extract_html(body.decode("utf-8"), TRT_URL, rules=rules)
    assert from_str.text == from_bytes.text
    assert from_str.published == from_bytes.published
    assert from_str.encoding == ""


# --------------------------------------------------------------------- determinism & files


@pytest.mark.parametrize(
    ("name", "url", "source"),
    [
        ("trtworld_article.html", TRT_URL, "trtworld"),
        ("france24_article.html", F24_URL, "france24"),
        ("ina_article.html", INA_URL, "ina"),
        ("chinatopix_article.html", CT_URL, "chinatopix"),
        ("nina_article.html", NINA_URL, "nina"),
    ],
)
def test_deterministic(sources, name, url, source):
    first = run(name, url, sources[source], captured_at="2025-01-01")
    second = run(name, url, sources[source], captured_at="2025-01-01")
    assert first == second
    assert first.to_dict() == second.to_dict()


def test_to_dict_fields():
    result = ExtractionResult(status="ok", url="https://x/")
    assert list(result.to_dict()) == [
        "status", "url", "title", "author", "published", "language", "canonical_url",
        "text", "word_count", "encoding", "error", "relevance", "topic_terms", "topic",
        "extractor", "extractor_version", "dropped_lines", "dropped_elements",
    ]


def test_config_hash():
    digest = DEFAULT_OPTIONS.config_hash()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert ExtractionOptions().config_hash() == digest
    assert ExtractionOptions(min_words=21).config_hash() != digest
    assert ExtractionOptions(favor_precision=True).config_hash() != digest
    rules = ExtractionRules(drop_lines=("^x$",))
    with_rules = DEFAULT_OPTIONS.config_hash(rules)
    assert with_rules != digest
    assert DEFAULT_OPTIONS.config_hash(ExtractionRules(drop_lines=("^x$",))) == with_rules
    assert DEFAULT_OPTIONS.config_hash(ExtractionRules(drop_lines=("^y$",))) != with_rules
    # A source that archives its articles off the topic indexes other rows.
    assert DEFAULT_OPTIONS.config_hash(rules, "archive") != with_rules


def test_extract_file_gz(tmp_path, sources):
    page = tmp_path / "page.html.gz"
    page.write_bytes(gzip.compress((FIXTURES / "trtworld_article.html").read_bytes()))
    record = extract_file(page, url=TRT_URL, rules=sources["trtworld"].extraction)
    assert record["file"] == str(page)
    assert record["status"] == "ok"
    assert record["published"] == "2015-06-03"
    plain = run("trtworld_article.html", TRT_URL, sources["trtworld"], content_type="")
    assert record["text"] == plain.text


def test_extract_file_default_url(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes((FIXTURES / "nina_article.html").read_bytes())
    record = extract_file(page)
    assert record["url"] == page.absolute().as_uri()
    assert record["url"].startswith("file:///")
    assert record["status"] == "ok"


def test_extract_file_unreadable(tmp_path):
    missing = extract_file(tmp_path / "missing.html")
    assert missing["status"] == "error"
    assert "cannot read" in missing["error"]
    broken = tmp_path / "broken.html.gz"
    broken.write_bytes(gzip.compress(b"<html>" + b"x" * 5000)[:40])
    assert extract_file(broken)["status"] == "error"
    not_gzip = tmp_path / "plain.html.gz"
    not_gzip.write_bytes(b"<html></html>")
    assert extract_file(not_gzip)["status"] == "error"


def test_extract_file_too_large(tmp_path):
    page = tmp_path / "big.html.gz"
    page.write_bytes(gzip.compress(b"<html>" + b" " * 5000 + b"</html>"))
    record = extract_file(page, options=ExtractionOptions(max_html_bytes=1000))
    assert record["status"] == "too_large"


def test_caches_are_reset_periodically(monkeypatch):
    calls = []
    monkeypatch.setattr(text_module, "_RESET_EVERY", 3)
    monkeypatch.setattr(text_module, "_calls", 0)
    monkeypatch.setattr(trafilatura.meta, "reset_caches", lambda: calls.append(1))
    for _ in range(7):
        extract_html(b"", "https://x/")
    assert len(calls) == 2


def test_words_of_unspaced_scripts_count():
    from archive.extract import count_words

    assert count_words("Iraqi forces, 2015 |") == 3
    # Each Han or kana character counts: a Chinese article is not "empty".
    assert count_words("伊拉克总理阿巴迪表示") == 10
    assert count_words("有志連合 coalition") == 5
