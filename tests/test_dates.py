"""Publication dates in every language: the printed-date reader (archive.extract.printed),
and whole pages through the real extract() (htmldate and trafilatura unmocked), never
dated on the day they were captured unless they say so.

The Arabic and French pages are in tests/fixtures/extract/ (see the README there); their
site clocks show 4 December 2026, the capture day the tests give.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from archive.extract import extract_html
from archive.extract.dates import printed_date
from archive.extract.parse import parse_html
from archive.extract.printed import find_dates, normalise, read_date
from archive.sources import ExtractionRules, load_sources

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
LATEST = dt.date(2026, 12, 4)
CAPTURED = "2026-12-04T09:30:00Z"  # the day the fixtures' site clocks show


@pytest.fixture(scope="module")
def sources():
    return load_sources()


# ------------------------------------------------------------------ the reader, string by string

PRINTED = [
    # Iraqi and Levantine (Syriac) month names, as INA and NINA print them
    ("3 آب 2019", "2019-08-03"),
    ("15 تشرين الثاني 2020", "2020-11-15"),
    ("1 كانون الثاني 2021", "2021-01-01"),
    ("31 كانون الأول 2020", "2020-12-31"),
    ("10 تشرين الأول 2019", "2019-10-10"),
    ("28 شباط 2015", "2015-02-28"),
    ("2 آذار 2017", "2017-03-02"),
    ("9 نيسان 2016", "2016-04-09"),
    ("17 أيار 2015", "2015-05-17"),
    ("29 حزيران 2014", "2014-06-29"),
    ("10 تموز 2017", "2017-07-10"),
    ("8 أيلول 2016", "2016-09-08"),
    ("15 تشرين ثاني 2020", "2020-11-15"),  # without the article
    ("3 اب 2019", "2019-08-03"),  # آب without its madda
    ("3 ايار 2019", "2019-05-03"),  # أيار without its hamza
    ("الأحد 15 تشرين الثاني 2020 - 01:12 م", "2020-11-15"),  # weekday, time with م
    ("السبت، ٣ آب ٢٠١٩ - ١٠:٣٠ ص", "2019-08-03"),  # Eastern Arabic digits, ص
    ("١٥ تَشْرِينُ الثَّانِي ٢٠٢٠", "2020-11-15"),  # harakat
    ("١٥ تشريـــن الثانـي ٢٠٢٠", "2020-11-15"),  # tatweel
    ("۱۵ تشرين الثاني ۲۰۲۰", "2020-11-15"),  # Persian digits
    ("\u200f15\u200f تشرين الثاني \u200f2020", "2020-11-15"),  # right-to-left marks
    # Egyptian and Gulf transliterations, with their spellings
    ("15 نوفمبر 2020", "2020-11-15"),
    ("3 أغسطس 2019", "2019-08-03"),
    ("3 اغسطس 2019", "2019-08-03"),
    ("9 إبريل 2016", "2016-04-09"),
    ("9 ابريل 2016", "2016-04-09"),
    ("20 يونيه 2018", "2018-06-20"),
    ("20 يوليه 2018", "2018-07-20"),
    ("1441هـ - 03 يونيو 2020م", "2020-06-03"),  # albayan.ae: Hijri year, then Gregorian
    ("ديسمبر 25, 2020", "2020-12-25"),  # month first (elbaladtv.net)
    ("25 ديسمبر 2020 | 2:01 ص", "2020-12-25"),
    # Maghrebi: Algerian and Tunisian, Moroccan
    ("الجمعة 8 فيفري 2019", "2019-02-08"),  # assabah.com.tn
    ("12 جانفي 2020", "2020-01-12"),
    ("5 أفريل 2018", "2018-04-05"),
    ("14 جوان 2018", "2018-06-14"),
    ("7 جويلية 2019", "2019-07-07"),
    ("15 أوت 2019", "2019-08-15"),
    ("15 ماي 2019", "2019-05-15"),
    ("15 يوليوز 2019", "2019-07-15"),
    ("12 غشت 2019", "2019-08-12"),
    ("15 شتنبر 2019", "2019-09-15"),
    ("3 نونبر 2019", "2019-11-03"),
    ("24 دجنبر 2019", "2019-12-24"),
    # Dual forms, both ways round, with and without spaces (CNN Arabic, Sputnik Arabic)
    ("الأحد، 04 آب/اغسطس 2013، آخر تحديث 02:21 (GMT+0400)", "2013-08-04"),
    ("17 مارس/ آذار 2020", "2020-03-17"),
    ("15 تشرين الثاني/نوفمبر 2020", "2020-11-15"),
    ("15 نوفمبر (تشرين الثاني) 2020", "2020-11-15"),
    ("15 تشرين الثاني - نوفمبر 2020", "2020-11-15"),
    # Numbers: year first, or day first where the page is not English
    ("الثلاثاء  ١ / ١٢ / ٢٠٢٠", "2020-12-01"),  # alyaum.com
    ("15-11-2020, 13:12", "2020-11-15"),  # INA English
    ("27.12.2017", "2017-12-27"),
    ("2014-12-04", "2014-12-04"),
    ("2019/08/03", "2019-08-03"),
    # French, with and without accents
    ("15 novembre 2020", "2020-11-15"),
    ("Publié le 1er décembre 2020 à 13h12", "2020-12-01"),
    ("publie le 1er decembre 2020", "2020-12-01"),
    ("mardi 15 septembre 2020", "2020-09-15"),
    ("17 févr. 2016", "2016-02-17"),
    ("3 août 2019", "2019-08-03"),
    ("3 aout 2019", "2019-08-03"),
    ("Le 24 juillet 2018", "2018-07-24"),
    ("Publié le : 03/11/2020 - 13:12", "2020-11-03"),
    # English
    ("Jul 28, 2015", "2015-07-28"),
    ("Wednesday 27 December 2017 02:05 PM", "2017-12-27"),
    ("Oct. 17, 2017", "2017-10-17"),
    ("September 17th, 2014", "2014-09-17"),
]


@pytest.mark.parametrize(("text", "expected"), PRINTED)
def test_printed_dates(text, expected):
    assert read_date(text, latest=LATEST, day_first=True) == dt.date.fromisoformat(expected)


@pytest.mark.parametrize(
    "text",
    [
        "3 آب",  # no year
        "آب 2019",  # no day
        "15 تشرين الأول/نوفمبر 2020",  # a dual form whose names disagree is a misreading
        "منذ 3 ساعات",  # relative: no day of its own
        "il y a 3 heures",
        "الثلاثاء 15 ربيع الأول 1442",  # Hijri
        "2:01 ص",
        "13:12",
        "آخر تحديث: 15 تشرين الثاني 2020",  # an update, not the publication
        "Mis à jour le 2 décembre 2020",
        "Dernière modification : 20/10/2017",  # france24.com/fr, above the title
        "Updated Jul 28, 2015",
        "31 نيسان 2020",  # no such day
        "15 تشرين الثاني 1990",  # before the web: a misreading
        "15 تشرين الثاني 2027",  # after the capture day
        "tel. 15-11-20201",
    ],
)
def test_strings_without_a_publication_date(text):
    assert read_date(text, latest=LATEST, day_first=True) is None


def test_the_3_ab_2019_trap():
    # dateparser without an Arabic locale answers "3 آب 2019" with the day it runs.
    assert read_date("3 آب 2019", latest=LATEST) == dt.date(2019, 8, 3)


def test_numbers_either_way_round_are_read_day_first_only_when_asked():
    assert read_date("03/04/2020", latest=LATEST) is None
    assert read_date("03/04/2020", latest=LATEST, day_first=True) == dt.date(2020, 4, 3)
    # A day above 12 says which is which.
    assert read_date("04/15/2020", latest=LATEST) == dt.date(2020, 4, 15)
    assert read_date("15/04/2020", latest=LATEST) == dt.date(2020, 4, 15)


def test_an_update_before_the_publication_is_skipped():
    text = "Mis à jour le 2 décembre 2020 - Publié le 1er déc. 2020"
    found = list(find_dates(text))
    assert [(f.day.isoformat(), f.updated) for f in found] == [
        ("2020-12-02", True), ("2020-12-01", False)]
    assert read_date(text, latest=LATEST) == dt.date(2020, 12, 1)


def test_normalise():
    assert normalise("أَيّار ٢٠١٩") == "ايار 2019"
    assert normalise("Décembre") == "decembre"
    assert normalise("آب") == normalise("اب")


# ------------------------------------------------------------------ whole pages, through extract()

INA_AR_URL = "https://ina.iq/ar/security/91538-.html"
NINA_AR_URL = "https://www.ninanews.com/Website/News/Details?key=873301"
F24_FR_URL = "https://www.france24.com/fr/moyen-orient/irak-coalition-frappes-hamrin"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_ina_arabic_page(sources):
    # The top bar's clock "الجمعة 4 ديسمبر 2026" is the day of the crawl, and the only date
    # htmldate can read on the page; the date line "السبت، ٣ آب ٢٠١٩" is the publication.
    for rules in (None, sources["ina"].extraction):
        result = extract_html(fixture("ina_ar_article.html"), INA_AR_URL, rules=rules,
                              captured_at=CAPTURED)
        assert result.status == "ok"
        assert result.language == "ar"
        assert result.published == "2019-08-03"
    # Captured on the day of publication, the date stands.
    result = extract_html(fixture("ina_ar_article.html"), INA_AR_URL, captured_at="2019-08-03")
    assert result.published == "2019-08-03"


def test_nina_arabic_page(sources):
    # NINA titles articles with an <h3>; the date line is a dual form in Eastern digits,
    # the header's clock (Iraqi months) the day of the crawl, the sidebar older days.
    result = extract_html(fixture("nina_ar_article.html"), NINA_AR_URL, captured_at=CAPTURED)
    assert result.status == "ok"
    assert result.published == "2020-11-15"
    # With NINA's rules the date comes from its configured a.post-date, which the rules
    # then drop from the text.
    result = extract_html(fixture("nina_ar_article.html"), NINA_AR_URL,
                          rules=sources["nina"].extraction, captured_at=CAPTURED)
    assert result.published == "2020-11-15"
    assert "٢٠٢٠" not in result.text and "أقل من ألف مسلح" in result.text


def test_france24_french_page():
    # "Mis à jour le : 02/12/2020" stands before "Publié le : 1er décembre 2020", and the
    # header's "vendredi 4 décembre 2026" is the day of the crawl.
    result = extract_html(fixture("france24_fr_article.html"), F24_FR_URL, captured_at=CAPTURED)
    assert result.status == "ok"
    assert result.language == "fr"
    assert result.published == "2020-12-01"


@pytest.mark.parametrize(("name", "expected"), [("ina_ar_article.html", "2019-08-03"),
                                              ("nina_ar_article.html", "2020-11-15"),
                                              ("france24_fr_article.html", "2020-12-01")])
@pytest.mark.parametrize("captured_at", [CAPTURED, "2026-12-04", "2026-12-04T23:59:59+00:00"])
def test_never_the_day_of_the_crawl(name, expected, captured_at):
    # Whatever the URL (no date in it) and however the capture time is written.
    result = extract_html(fixture(name), "https://example.org/news/1", captured_at=captured_at)
    assert result.published == expected


# Two paragraphs of article text, enough for status "ok", around the dates under test.
ARTICLE = (
    "<p>Iraqi security forces retook the centre of the city on Sunday, the coalition said,"
    " after weeks of fighting in which air strikes destroyed bridges and command posts.</p>"
    "<p>The spokesman said the operation would continue until the last districts were"
    " cleared, and that civilians were being moved to camps outside the city.</p>"
)


def page(head: str = "", above: str = "", below: str = "", lang: str = "en") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>News</title>'
        f"{head}</head><body><div class='top'>{above}</div><nav><a href='/'>Home</a></nav>"
        f"<article><h1>City centre retaken</h1>{below}{ARTICLE}</article></body></html>"
    ).encode()


CLOCK = "<span class='date'>Friday, December 4, 2026</span>"


def test_a_site_clock_is_not_the_publication_date():
    # htmldate takes the clock; with nothing else on the page, there is no date.
    result = extract_html(page(above=CLOCK), "https://example.org/news/1", captured_at=CAPTURED)
    assert result.status == "ok"
    assert result.published == ""
    # The date line below the title is the publication.
    below = "<p class='byline'>By Staff, 2 December 2026</p>"
    result = extract_html(page(above=CLOCK, below=below), "https://example.org/news/1",
                          captured_at=CAPTURED)
    assert result.published == "2026-12-02"


@pytest.mark.parametrize(
    ("head", "below", "url"),
    [
        # metadata
        ('<meta property="article:published_time" content="2026-12-04T08:00:00+03:00">', "",
         "https://example.org/news/1"),
        ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "x",'
         ' "datePublished": "2026-12-04T08:00:00Z"}</script>', "", "https://example.org/news/1"),
        # the date line
        ("", "<p class='byline'>December 4, 2026</p>", "https://example.org/news/1"),
        ("", "<p class='byline'>4 كانون الأول 2026</p>", "https://example.org/news/1"),
        # the URL
        ("", "", "https://example.org/2026/12/04/city-centre-retaken"),
    ],
)
def test_published_on_the_day_of_the_crawl_when_the_page_says_so(head, below, url):
    result = extract_html(page(head, above=CLOCK, below=below), url, captured_at=CAPTURED)
    assert result.published == "2026-12-04"


def header_date(html: bytes, language: str) -> dt.date | None:
    return printed_date(parse_html(html.decode()), language, LATEST)


def test_numbers_on_english_pages_are_not_guessed():
    below = "<p class='byline'>03/04/2020</p>"
    assert header_date(page(below=below), "en") is None
    assert header_date(page(below=below, lang="fr"), "fr") == dt.date(2020, 4, 3)


def test_the_date_line_is_read_beside_the_title_not_in_the_body():
    line = "<p class='byline'>بغداد، 3 آب 2019</p>"
    body = "<p>" + "بدأ الهجوم في 17 تشرين الأول 2016 بدعم جوي من التحالف الدولي. " * 4 + "</p>"
    assert header_date(page(below=line + body, lang="ar"), "ar") == dt.date(2019, 8, 3)
    # Without a date line, the body's dates are events, not the publication.
    assert header_date(page(below=body + ARTICLE, lang="ar"), "ar") is None
    # Above the title: the nearest date, unless it is the capture day (a site clock).
    above = "<span>2 آب 2019</span><span>3 آب 2019</span>"
    assert header_date(page(above=above, lang="ar"), "ar") == dt.date(2019, 8, 3)
    assert header_date(page(above="<span>4 كانون الأول 2026</span>", lang="ar"), "ar") is None


def test_the_title_is_found_when_it_is_no_h1():
    html = ("<html><head><title>Coalition strikes Hamrin hideouts - NINA</title></head><body>"
            "<h3>Politics</h3><span>1 آب 2019</span>"
            "<h3>Coalition strikes Hamrin hideouts</h3><span>3 آب 2019</span></body></html>")
    assert printed_date(parse_html(html), "ar", LATEST) == dt.date(2019, 8, 3)
    # No heading the title repeats: no date line to look for.
    assert printed_date(parse_html(html.replace("<title>Coalition", "<title>Other")), "ar",
                        LATEST) is None


# ------------------------------------------------------------------ the source's date_xpaths

def test_configured_date_xpaths_win_and_are_read_before_the_rules_drop_them():
    head = '<meta property="article:published_time" content="2020-11-14T22:30:00+00:00">'
    below = "<div class='dateline'>Baghdad, 15 تشرين الثاني 2020</div>"
    rules = ExtractionRules(drop_xpaths=("//div[@class='dateline']",),
                            date_xpaths=("//div[@class='dateline']",))
    result = extract_html(page(head, below=below), "https://example.org/news/1", rules=rules,
                          captured_at=CAPTURED)
    assert result.published == "2020-11-15"
    assert "Baghdad" not in result.text
    # Without the configuration, the metadata's day.
    result = extract_html(page(head, below=below), "https://example.org/news/1",
                          captured_at=CAPTURED)
    assert result.published == "2020-11-14"


def test_configured_date_xpaths_read_attributes_and_skip_what_gives_no_date():
    below = "<time datetime='2020-11-15T13:12:00+03:00'>Sunday</time>"
    rules = ExtractionRules(date_xpaths=("//span[@class='none']", "//time/@datetime"))
    result = extract_html(page(below=below), "https://example.org/news/1", rules=rules,
                          captured_at=CAPTURED)
    assert result.published == "2020-11-15"


def test_a_bad_date_xpath_is_an_error_result():
    rules = ExtractionRules(date_xpaths=("//time[",))
    result = extract_html(page(), "https://example.org/news/1", rules=rules)
    assert result.status == "error"
    assert result.error.startswith("bad date_xpath '//time['")
