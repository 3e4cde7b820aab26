"""Arabic, French and English articles found whatever their spelling, with the lexicon's
synonyms, through the real IndexWriter, `pressarchive search` (CliRunner) and Datasette's
ASGI app: harakat, tatweel, alef forms, ة/ه, ى/ي, the article and the proclitics, Arabic
digits, French accents and ligatures, English stemming; snippets of the original text."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlite_utils
from click.testing import CliRunner

from archive.cli import main
from archive.errors import ConfigError, PressArchiveError
from archive.index.lexicon import DEFAULT_LEXICON_FILE, load_lexicon, parse_lexicon
from archive.index.normalise import normalise_text, normalise_word, query_variants, words
from archive.index.schema import search_is_current
from archive.index.search import query_synonyms, search, search_notice, to_fts_query
from archive.index.writer import IndexWriter
from archive.serve import datasette_app
from tests.helpers.index_rows import search_terms
from tests.helpers.rows import article

AR_URL, FR_URL, EN_URL, LOD_URL = (f"https://x.org/{n}" for n in ("ar", "fr", "en", "lod"))
AR_TITLE = "القوات العراقية تستعيد الموصل"
# With harakat, a tatweel (داعـش), hamzas, ة, ى, the article after proclitics (بالنصر,
# وفي), a proclitic without it (وبغداد) and Arabic-Indic digits.
AR_TEXT = ("أعلنَ رئيسُ الوزراءِ العراقيُّ تحريرَ مدينةِ الموصلِ من تنظيمِ «داعـش» بعد "
           "معاركَ استمرت تسعةَ أشهرٍ، وقالَ إنَّ قواتِ التحالفِ الدوليِّ ساعدت في العمليةِ. "
           "واحتفلَ المواطنون في الموصلِ وبغدادَ بالنصرِ في عامِ ٢٠١٧، وزارَ الوزيرُ "
           "المستشفى.")
FR_TEXT = ("L'État islamique a perdu Mossoul. Le cœur de la ville est détruit ; la "
           "coalition internationale a mené des frappes aériennes.")
EN_TEXT = "The coalition carried out airstrikes against Daesh near Ramadi."
# A word that shares only its first letters with words of AR_TEXT: اللد (Lod), and the
# short words الآن (now) and أن (that).
LOD_TEXT = "هبطت الطائرة في مطار اللد الآن."


def rows() -> list:
    return [article(AR_URL, AR_TITLE, AR_TEXT, source="ina"),
            article(FR_URL, "Mossoul", FR_TEXT, source="france24"),
            article(EN_URL, "Ramadi", EN_TEXT),
            article(LOD_URL, "مطار", LOD_TEXT, source="nina")]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    archive = tmp_path_factory.mktemp("languages")
    index = IndexWriter(archive / "index.db")
    for row in rows():
        index.add_article(row)
    index.close()
    return archive


def urls(archive: Path, query: str, **options: Any) -> set[str]:
    return {hit.url for hit in search(archive / "index.db", query, **options)}


# ---------------------------------------------------------------- the search form


def test_the_search_form_of_a_word() -> None:
    assert normalise_word("كَتَبَ") == "كتب"  # harakat
    assert normalise_word("داعـش") == "داعش"  # tatweel
    assert {normalise_word(w) for w in ("أعلن", "إعلن", "آعلن", "اعلن")} == {"اعلن"}
    assert normalise_word("مدينة") == normalise_word("مدينه") == "مدينه"
    assert normalise_word("مستشفى") == "مستشفي"
    assert normalise_word("٢٠١٧") == normalise_word("۲۰۱۷") == "2017"
    assert normalise_word("ﻻ") == "لا"  # a presentation form
    assert normalise_word("cœur") == "coeur" and normalise_word("État") == "État"
    assert normalise_word("coali\u00adtion") == "coalition"  # a soft hyphen
    assert normalise_word("airstrikes") == "airstrikes"  # porter stems it in FTS5


@pytest.mark.parametrize("word", ["الموصل", "والموصل", "بالموصل", "فالموصل", "كالموصل",
                                  "للموصل", "وللموصل", "وبالموصل"])
def test_the_article_goes_with_its_proclitics(word: str) -> None:
    assert normalise_word(word) == "موصل"


@pytest.mark.parametrize("word", ["اللد", "الآن", "الله", "والي", "بغداد", "وزير", "لبنان"])
def test_short_stems_and_one_letter_proclitics_stay(word: str) -> None:
    """The article goes only if three letters remain; a lone proclitic never goes."""
    assert normalise_word(word) == word.replace("آ", "ا")


def test_a_query_word_is_looked_for_after_every_proclitic() -> None:
    variants = query_variants("بغداد")
    assert variants[0] == "بغداد"
    assert {"وبغداد", "ببغداد", "لبغداد", "فبغداد", "وببغداد"} <= set(variants)
    # With the article: its index form is the word's.
    assert query_variants("الجيش")[0] == "جيش" and "وجيش" in query_variants("الجيش")
    # ل + الله is written لله, ل + الليل لليل (what the index holds of them).
    assert "لله" in query_variants("الله") and "لليل" in query_variants("الليل")
    # A word of two letters is looked for as typed (كان is not ك + أن).
    assert query_variants("أن") == ["ان"]
    # A short word is not looked for with the article (الآن is not "the" ان).
    assert "الان" not in query_variants("أن")
    assert query_variants("Mosul") == ["Mosul"]


def test_words_line_up_with_the_search_form() -> None:
    text = "«داعـش» في الموصلِ_x, l'État: ١٢"
    assert normalise_text(text) == "داعش في موصل x l État 12"
    assert [text[start:end] for start, end, _ in words(text)] == [
        "داعـش", "في", "الموصلِ", "x", "l", "État", "١٢"]
    assert normalise_text("Plain ASCII, text_with_underscores.") == (
        "Plain ASCII text with underscores")


# ---------------------------------------------------------------- pressarchive search


@pytest.mark.parametrize("query", [
    "أعلن", "اعلن", "أعْلَنَ",                    # harakat and hamza forms
    "الموصل", "موصل", "بالموصل",                   # with or without the article
    "داعش", "داعـش",                               # tatweel
    "مدينه", "المدينة",                            # ة / ه
    "المستشفي", "مستشفى",                          # ى / ي
    "بغداد",                                       # the text has وبغداد
    "نصر",                                         # the text has بالنصر
    "2017", "٢٠١٧",                                # digits
    '"رئيس الوزراء"', '"رئيس الوزراء العراقي"',   # phrases
    "الوزير زار",                                  # two words (the text has وزار)
])
def test_each_arabic_spelling_finds_the_article(archive: Path, query: str) -> None:
    assert AR_URL in urls(archive, query, synonyms=False)


@pytest.mark.parametrize(("query", "absent"), [
    ("ولد", LOD_URL),  # a boy is not Lod (اللد) without its و: no proclitic is stripped
    ("لد", LOD_URL),   # nor is لد: the article stays on a word of two letters
    ("ان", LOD_URL),   # nor is الآن (now) أن (that)
    ("الآن", AR_URL),  # and the reverse: الآن does not find إنَّ
])
def test_a_word_sharing_only_its_first_letters_is_not_found(
        archive: Path, query: str, absent: str) -> None:
    assert absent not in urls(archive, query, synonyms=False)


def test_the_lod_article_is_found_by_its_own_words(archive: Path) -> None:
    assert urls(archive, "اللد", synonyms=False) == {LOD_URL}
    assert urls(archive, "الان", synonyms=False) == {LOD_URL}


@pytest.mark.parametrize("query", ["Etat islamique", "état", "ETAT", "coeur", "cœur",
                                   "detruit", '"frappes aeriennes"', "mene"])
def test_french_accents_and_ligatures_do_not_matter(archive: Path, query: str) -> None:
    assert urls(archive, query, synonyms=False) == {FR_URL}


def test_english_keeps_its_stemming(archive: Path) -> None:
    assert urls(archive, "airstrike", synonyms=False) == {EN_URL}
    assert urls(archive, "carrying", synonyms=False) == {EN_URL}


def test_snippets_show_the_original_text(archive: Path) -> None:
    [hit] = search(archive / "index.db", "داعش", synonyms=False)
    assert "«[داعـش]»" in hit.snippet  # the tatweel, as written
    [hit] = search(archive / "index.db", "موصل", synonyms=False)
    assert "مدينةِ [الموصلِ] من تنظيمِ" in hit.snippet  # harakat
    [hit] = search(archive / "index.db", '"رئيس الوزراء"', synonyms=False)
    assert "[رئيسُ الوزراءِ]" in hit.snippet  # a phrase is one bracket
    [hit] = search(archive / "index.db", "etat", synonyms=False)
    assert hit.snippet.startswith("L'[État] islamique")


def test_synonyms_find_each_languages_name(archive: Path) -> None:
    assert urls(archive, "ISIS") == {AR_URL, FR_URL, EN_URL}
    assert urls(archive, "ISIS", synonyms=False) == set()
    assert urls(archive, "داعش") == {AR_URL, FR_URL, EN_URL}
    assert urls(archive, '"Islamic State"') == urls(archive, "Islamic State")
    assert urls(archive, "Mosul") == {AR_URL, FR_URL}
    [line] = query_synonyms("ISIS")
    assert line.startswith("ISIS = ISIS OR ISIL OR Daesh OR \"Islamic State\" OR")
    assert "داعش" in line and '"État islamique"' in line
    hit = next(h for h in search(archive / "index.db", "ISIS") if h.url == FR_URL)
    assert "[État islamique]" in hit.snippet


@pytest.mark.parametrize("query", ["\u0640", "\u064e\u064f", "«»", "ـــ ً"])
def test_a_query_of_marks_alone_has_no_words(archive: Path, query: str) -> None:
    with pytest.raises(PressArchiveError, match="no words"):
        search(archive / "index.db", query)
    assert canned(archive, q=query) == []


@pytest.mark.parametrize("query", ["ال", "و", "ب ال و", '"ال"', "الـ", "ISIS " * 199,
                                   "داعش " * 166, '"داعش" ISIS Daesh "Islamic State"'])
def test_hostile_arabic_and_repeated_terms_give_rows(archive: Path, query: str) -> None:
    hits = search(archive / "index.db", query)
    assert [r["url"] for r in canned(archive, q=query)] == [h.url for h in hits]


def test_a_term_repeated_is_looked_for_once() -> None:
    """Each term costs a pass over its documents: ISIS typed 199 times took 45 s on
    5,000 articles when each was looked for."""
    assert to_fts_query("ISIS " * 199, synonyms=True) == to_fts_query("ISIS", synonyms=True)


# ---------------------------------------------------------------- the index


def test_a_rebuild_holds_what_the_writes_did(archive: Path, tmp_path: Path) -> None:
    """The crawl's triggers and reextract's bulk build (search=False, then
    enable_search) give the same full-text index, through edits and removals."""
    crawl = IndexWriter(tmp_path / "crawl.db")
    for row in rows():
        crawl.add_article(row)
    crawl.add_article(article(FR_URL, "Mossoul", FR_TEXT + " Édité."))
    crawl.mark_removed(EN_URL, "2026-11-22", "404")
    crawl.db["articles"].delete_where("url = ?", [LOD_URL])
    crawl.close()
    build = IndexWriter(tmp_path / "build.db", search=False)
    for row in rows()[:3]:
        build.add_article(row)
    build.add_article(article(FR_URL, "Mossoul", FR_TEXT + " Édité."))
    build.mark_removed(EN_URL, "2026-11-22", "404")
    from archive.index.schema import enable_search

    enable_search(build.db)
    build.close()
    assert search_terms(tmp_path / "crawl.db") == search_terms(tmp_path / "build.db")
    assert any(term == "edit" for _, _, _, term in search_terms(tmp_path / "build.db"))
    for query in ("داعش", "edite", "ISIS"):
        assert search(tmp_path / "crawl.db", query) == search(tmp_path / "build.db", query)


def test_a_write_that_cannot_keep_search_in_step_is_refused(archive: Path,
                                                            tmp_path: Path) -> None:
    """A connection without the search form (sqlite3's shell) cannot change an
    article's text: it would leave the full-text index out of step."""
    copy = tmp_path / "index.db"
    copy.write_bytes((archive / "index.db").read_bytes())
    conn = sqlite3.connect(copy)
    with pytest.raises(sqlite3.OperationalError, match="no such function"):
        conn.execute("update articles set text = 'x'")
    conn.close()
    assert urls(tmp_path, "داعش", synonyms=False) == {AR_URL}


def legacy_index(path: Path) -> None:
    """An index as the previous version made it: FTS5 with porter over the originals."""
    index = IndexWriter(path, search=False)
    for row in rows():
        index.add_article(row)
    index.close()
    db = sqlite_utils.Database(path)
    db.executescript("""
create virtual table articles_fts using fts5 (
    title, text, tokenize='porter', content=[articles], content_rowid=seq);
insert into articles_fts (articles_fts) values ('rebuild');""")
    db.close()


def test_an_index_of_an_earlier_version_is_searched_then_rebuilt_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "index.db"
    legacy_index(path)
    # Read as it is: snippets still right, and the user told why some spellings fail.
    [hit] = search(path, "Ramadi", synonyms=False)
    assert "near [Ramadi]." in hit.snippet
    assert "made with another search form" in (search_notice(path) or "")
    assert urls(tmp_path, "موصل", synonyms=False) == set()
    with caplog.at_level(logging.WARNING):
        IndexWriter(path).close()
    assert "rebuilding the full-text index once" in caplog.text
    with sqlite3.connect(path) as conn:
        assert search_is_current(conn)
    assert search_notice(path) is None
    assert urls(tmp_path, "موصل", synonyms=False) == {AR_URL}
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        IndexWriter(path).close()
    assert "rebuilding" not in caplog.text


# ---------------------------------------------------------------- the lexicon


def test_the_shipped_lexicon_loads() -> None:
    lexicon = load_lexicon(DEFAULT_LEXICON_FILE)
    names = {group.name for group in lexicon.groups}
    assert {"ISIS", "coalition"} <= names


@pytest.mark.parametrize(("text", "message"), [
    ('[[group]]\nname = "a"\nen = ["x", "y"]\n[[group]]\nname = "b"\nfr = ["X", "z"]',
     "term 'X' is in groups 'a' and 'b'"),
    ('[[group]]\nname = "a"\nenglish = ["x", "y"]', "'english' is not a language code"),
    ('[[group]]\nname = "a"\nen = ["x", "X"]', "needs at least two different terms"),
    ('[[group]]\nname = "a"\nen = "x"', "en must be a list of strings"),
    ('[[group]]\nen = ["x", "y"]', "needs a name"),
    ('[[group]]\nname = "a"\nen = ["x", "…"]', "has no words"),
    ("groups = 1", "unknown top-level key(s) groups"),
    ("[[group]\n", "not valid TOML"),
])
def test_a_mistake_in_the_lexicon_is_one_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_lexicon(text, Path("lexicon.toml"))
    assert message in str(raised.value) and "\n" not in str(raised.value)


# ---------------------------------------------------------------- the command line


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_command_line_finds_arabic_and_shows_the_synonyms(archive: Path) -> None:
    result = invoke("search", "الموصل", "--no-synonyms", "--archive", str(archive))
    assert result.exit_code == 0
    assert AR_TITLE in result.stdout and "[الموصلِ]" in result.stdout
    assert "synonyms:" not in result.output
    result = invoke("search", "ISIS", "--archive", str(archive))
    assert result.stdout.startswith("synonyms: ISIS = ISIS OR ISIL OR Daesh")
    assert "--no-synonyms" in result.stdout.splitlines()[0]
    assert all(url in result.stdout for url in (AR_URL, FR_URL, EN_URL))
    result = invoke("search", "ISIS", "--json", "--archive", str(archive))
    assert {json.loads(line)["url"] for line in result.stdout.splitlines()} == {
        AR_URL, FR_URL, EN_URL}
    assert result.stderr.startswith("synonyms: ISIS = ")
    result = invoke("search", "ISIS", "--no-synonyms", "--archive", str(archive))
    assert result.stdout == "" and result.stderr.strip() == "no match"


def test_a_new_user_finds_nina_s_daesh_articles_by_isis(crawled_archive: Path) -> None:
    """NINA writes Daesh, never ISIS (notes/sources-dossier.md)."""
    args = ["search", "ISIS", "--source", "nina", "--archive", str(crawled_archive)]
    found = invoke(*args)
    assert found.exit_code == 0 and "nina |" in found.stdout and "[Daesh]" in found.stdout
    assert invoke(*args, "--no-synonyms").stderr.strip() == "no match"


# ---------------------------------------------------------------- Datasette


def get(archive: Path, path: str, *, public: bool = False) -> tuple[int, Any]:
    async def run() -> tuple[int, Any]:
        ds = datasette_app(archive, public=public)
        await ds.invoke_startup()
        response = await ds.client.get(path)
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.status_code, response.json()
        return response.status_code, response.text

    return asyncio.run(run())


def canned(archive: Path, **params: str) -> list[dict]:
    status, found = get(archive, "/index/search.json?"
                        + urlencode({**params, "_shape": "array"}))
    assert status == 200, found
    return found


@pytest.mark.parametrize("query", ["أعلن", "اعلن", "موصل", "بالموصل", "داعـش", "٢٠١٧"])
def test_datasette_finds_arabic_as_pressarchive_search_does(archive: Path, query: str) -> None:
    found = canned(archive, q=query, synonyms="off")
    hits = search(archive / "index.db", query, synonyms=False)
    assert [r["url"] for r in found] == [h.url for h in hits] and AR_URL in found[0]["url"]
    assert [r["snippet"] for r in found] == [h.snippet for h in hits]


def test_datasette_offers_the_synonyms_and_turns_them_off(archive: Path) -> None:
    found = canned(archive, q="ISIS")
    assert {r["url"] for r in found} == {AR_URL, FR_URL, EN_URL}
    assert found[0]["synonyms"].startswith("ISIS = ISIS OR ISIL")
    assert [r["url"] for r in found] == [h.url for h in search(archive / "index.db", "ISIS")]
    assert canned(archive, q="ISIS", synonyms="off") == []
    assert "«[داعـش]»" in next(r["snippet"] for r in found if r["url"] == AR_URL)
    # The public instance: the same search, still no SQL of one's own.
    status, rows_public = get(archive, "/index/search.json?q=ISIS&_shape=array", public=True)
    assert status == 200 and {r["url"] for r in rows_public} == {AR_URL, FR_URL, EN_URL}
    status, _ = get(archive, "/index.json?sql=select+1", public=True)
    assert status == 403


def test_the_table_search_box_reads_arabic_spellings(archive: Path) -> None:
    status, data = get(archive, "/index/articles.json?" + urlencode({"_search": "بالموصل"}))
    assert status == 200, data
    assert [row[2] for row in data["rows"]] == [AR_URL]


def test_the_search_form_can_be_read_in_datasette(archive: Path) -> None:
    status, data = get(archive, "/index/articles_search.json?_shape=array&seq=1")
    assert status == 200, data
    assert data[0]["text"].startswith("اعلن رئيس وزراء عراقي تحرير مدينه موصل من تنظيم داعش")
