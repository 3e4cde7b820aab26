"""Quantity claims: the rules on sentences (English, Arabic), the labelled set's floors,
the claims rows of an index and `pressarchive claims`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.articles import claim_rows
from archive.claims import extract_claims
from archive.cli import main
from archive.index.writer import IndexWriter
from tests.helpers.rows import article


def one(sentence: str, language: str = "en") -> tuple:
    found = extract_claims(sentence, language)
    assert len(found) == 1, found
    c = found[0]
    return c.value, c.value_max, c.qualifier, c.counted, c.speaker


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Antony Blinken said the coalition has killed more than 10,000 ISIS militants.",
     (10_000, None, "more than", "militants", "Antony Blinken")),
    ("Fewer than 1,000 Daesh militants are still in Iraq, the coalition said.",
     (1_000, None, "fewer than", "militants", "coalition")),
    ("Tens of thousands of people have fled the city, aid agencies said.",
     (10_000, 99_999, "", "displaced", "aid agencies")),
    ("The Pentagon has sent at least 3,000 troops to Iraq.",
     (3_000, None, "at least", "troops", "")),
    ("Nearly eight million people lived under the group's rule.",
     (8_000_000, None, "nearly", "people", "")),
    ("The group once held up to (110) thousand square kilometers.",
     (110_000, None, "up to", "square kilometres", "")),
    ("The coalition has flown between 500 and 700 sorties, according to Col. Steve Warren.",
     (500, 700, "", "sorties", "Steve Warren")),
    ("Two thousand airstrikes were carried out, officials said.",
     (2_000, None, "", "airstrikes", "officials")),
])
def test_english_sentences(sentence, expected):
    assert one(sentence) == expected


@pytest.mark.parametrize(("sentence", "expected"), [
    ("وقال المتحدث باسم التحالف الدولي إن التحالف نفذ ٣٧٨٠٠ طلعة جوية في العراق.",
     (37_800, None, "", "sorties", "المتحدث باسم التحالف الدولي")),
    ("وأعلنت وزارة الدفاع مقتل أكثر من 50 مسلحا من داعش.",
     (50, None, "more than", "militants", "وزارة الدفاع")),
    ("بحسب الأمم المتحدة، نزح نحو ثلاثة آلاف شخص من القرية.",
     (3_000, None, "about", "displaced", "الأمم المتحدة")),
    ("قتل عشرات المسلحين في غارات للتحالف.",
     (10, 99, "", "militants", "")),
])
def test_arabic_sentences(sentence, expected):
    assert one(sentence, "ar") == expected


@pytest.mark.parametrize("sentence", [
    "The city fell on 17 May 2015 and was retaken in 2016.",
    "In 2014 airstrikes began over Iraq.",
    "The 25-year-old was arrested at 10:30 a.m. on Tuesday.",
    "Turnout was 45 percent in the first round.",
    "Toulon beat Clermont 24-18 in the final in front of 59,000 fans.",
    "Call the hotline on 0770 123 4567 for information.",
    "He was aged 34 and had served two years.",
    "UN Security Council Resolution 2249 was adopted unanimously.",
    "One of the militants escaped.",
    "US F-16 jets took part in the operation.",
])
def test_numbers_that_are_not_claims(sentence):
    assert extract_claims(sentence, "en") == []


def test_he_is_the_last_person_named_and_the_spokesman_is_the_name_given_him():
    text = ("The spokesman for the coalition, Col. Wayne Marotto, said the campaign is "
            "over.\nMarotto said 3,000 soldiers remain. He added that 37,800 sorties were "
            "flown.\nThe spokesman for the coalition stated that 8,000 air strikes were "
            "carried out.")
    assert [(c.value, c.speaker) for c in extract_claims(text, "en")] == [
        (3_000, "Wayne Marotto"), (37_800, "Wayne Marotto"), (8_000, "Wayne Marotto")]


def test_a_quotation_takes_the_speaker_of_the_next_sentence():
    text = '"We have killed 5,000 fighters. It will take time," General John Allen said.'
    assert [c.speaker for c in extract_claims(text, "en")] == ["John Allen"]


def index_with_claims(tmp_path: Path) -> Path:
    index = IndexWriter(tmp_path / "index.db")
    rows = [
        article("https://trt.example/blinken", "Blinken",
                "Antony Blinken said the coalition killed more than 10,000 ISIS militants.",
                published="2015-07-28"),
        article("https://ina.example/sorties", "Sorties",
                "The spokesman, Col. Wayne Marotto, said it carried out 37,800 sorties.",
                published="2020-11-15", source="ina"),
    ]
    for row in rows:
        index.add_article(row)
        index.replace_claims(row.url, claim_rows(row))
    # A new version replaces its claims.
    newer = article("https://trt.example/blinken", "Blinken",
                    "Antony Blinken said the coalition killed more than 12,000 ISIS "
                    "militants.", published="2015-07-28")
    index.add_article(newer)
    index.replace_claims(newer.url, claim_rows(newer))
    index.close()
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_claims_command_filters_and_formats(tmp_path):
    archive = str(index_with_claims(tmp_path))
    result = invoke("claims", "--counted", "sorties", "--archive", archive, "--json")
    hits = [json.loads(line) for line in result.output.splitlines()]
    assert [(h["value"], h["speaker"], h["source"]) for h in hits] == [
        (37_800, "Wayne Marotto", "ina")]
    result = invoke("claims", "--speaker", "Blinken", "--archive", archive)
    assert "more than 12,000 militants" in result.output and "10,000" not in result.output
    result = invoke("claims", "killed", "--archive", archive, "--csv")
    table = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["value"] for r in table] == ["12000"]
    assert invoke("claims", "--archive", archive, "--since", "2016-01-01", "--json") \
        .output.count("\n") == 1


def test_claims_command_errors_are_one_line(tmp_path):
    archive = str(index_with_claims(tmp_path))
    result = CliRunner().invoke(main, ["claims", "--counted", "sortie", "--archive", archive])
    assert result.exit_code == 4
    assert "has claims of: militants, sorties" in result.output
    assert result.output.strip().count("\n") == 0
    result = CliRunner().invoke(main, ["claims", "--since", "May", "--archive", archive])
    assert result.exit_code == 2
    result = CliRunner().invoke(main, ["claims", "--archive", str(tmp_path / "none")])
    assert result.exit_code == 4


def test_datasette_claims_queries_run_and_link_the_article(tmp_path):
    import sqlite3

    from tests.conftest import REPO

    archive = index_with_claims(tmp_path)
    queries = json.loads((REPO / "settings" / "datasette-metadata.json").read_text())[
        "databases"]["index"]["queries"]
    conn = sqlite3.connect(archive / "index.db")
    conn.row_factory = sqlite3.Row
    over_time = conn.execute(queries["claims_over_time"]["sql"],
                             {"counted": "sorties", "since": ""}).fetchall()
    assert [(r["value"], r["url"]) for r in over_time] == [
        (37_800, "https://ina.example/sorties")]
    assert over_time[0]["article_page"].startswith("/index/articles/")
    by_speaker = conn.execute(queries["claims_by_speaker"]["sql"], {"speaker": "Blinken"})
    assert [r["speaker"] for r in by_speaker] == ["Antony Blinken"]
    assert conn.execute(queries["speakers"]["sql"]).fetchall()


def test_an_index_made_before_claims_gains_the_table(tmp_path):
    import sqlite3

    IndexWriter(tmp_path / "index.db").close()
    conn = sqlite3.connect(tmp_path / "index.db")
    conn.execute("drop table claims")
    conn.commit()
    conn.close()
    result = CliRunner().invoke(main, ["claims", "--archive", str(tmp_path)])
    assert result.exit_code == 4 and "reextract" in result.output
    IndexWriter(tmp_path / "index.db").close()
    assert invoke("claims", "--archive", str(tmp_path)).exit_code == 0
