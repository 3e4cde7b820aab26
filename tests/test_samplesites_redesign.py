"""Edition 4 of the sample sites: TRT World's redesign (a template override), and nothing
else changed, so that extraction health must flag exactly that source."""

from __future__ import annotations

from urllib.parse import urlsplit

from archive.extract import extract_html
from archive.samplesites import EDITIONS, catalog, edition_changes
from archive.samplesites.editions import edition_templates, templates_edition
from archive.samplesites.registry import all_sites
from archive.sources import load_sources

REDESIGNED = "trtworld"
STORY_KINDS = ("article", "unrelated")


def body(edition: int, name: str, url: str, scale: int = 0) -> bytes:
    split = urlsplit(url)
    return all_sites(edition, scale)[name].lookup(split.path, split.query).body


def test_edition_4_exists_and_changes_no_story() -> None:
    from archive.cli.crawling import sample_sites

    assert EDITIONS[-1] == 4
    option = next(p for p in sample_sites.params if p.name == "edition")
    assert (option.type.min, option.type.max) == (EDITIONS[0], EDITIONS[-1])
    assert [p.url for p in catalog(4)] == [p.url for p in catalog(3)]
    for changes in edition_changes(4).values():
        assert not (changes.new or changes.edited or changes.deleted or changes.redirected_home)


def test_only_the_redesigned_sites_article_pages_change() -> None:
    for name, site in all_sites(3).items():
        later = all_sites(4)[name]
        assert later.responses.keys() == site.responses.keys()
        changed = {key for key, response in site.responses.items()
                   if later.responses[key] != response}
        if name != REDESIGNED:
            assert not changed, name  # byte for byte edition 3
            continue
        stories = {urlsplit(p.url).path for p in site.pages if p.kind in STORY_KINDS}
        assert changed == stories


def test_the_templates_of_an_edition_replace_the_sites_own() -> None:
    assert templates_edition(REDESIGNED, 3) == 1 and templates_edition(REDESIGNED, 4) == 4
    assert templates_edition("france24", 4) == 1
    old, new = edition_templates(REDESIGNED, 3), edition_templates(REDESIGNED, 4)
    assert old.keys() == new.keys()
    assert [k for k in old if old[k] != new[k]] == ["article"]


def test_the_redesign_defeats_the_current_rules() -> None:
    """The body now sits in a container the source's drop rule matches."""
    rules = load_sources()[REDESIGNED].extraction
    for page in (p for p in catalog(4) if p.source == REDESIGNED and p.kind == "article"):
        before = extract_html(body(3, REDESIGNED, page.url), page.url, rules=rules,
                              captured_at="2026-01-01")
        after = extract_html(body(4, REDESIGNED, page.url), page.url, rules=rules,
                             captured_at="2026-01-01")
        assert before.status == "ok" and before.word_count > 200
        assert after.word_count < 50 and after.dropped_elements > before.dropped_elements
        assert b"<h1" not in body(4, REDESIGNED, page.url).split(b"<article", 1)[1]


def test_generated_stories_take_the_edition_design_too() -> None:
    story = next(p for p in catalog(4, scale=3) if p.source == REDESIGNED
                 and p.kind == "article" and p.url not in {q.url for q in catalog(4)})
    assert b"article-page--redesign" in body(4, REDESIGNED, story.url, scale=3)
    assert b"article-page--redesign" not in body(3, REDESIGNED, story.url, scale=3)
