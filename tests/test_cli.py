from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import main
from archive.index.writer import IndexWriter
from tests.conftest import REPO
from tests.helpers.rows import article


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_every_command_and_option_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text()
    for name, command in main.commands.items():
        assert f"pressarchive {name}" in readme, name
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--"):
                    assert opt in readme, f"{name} {opt}"


def test_every_setting_is_documented():
    settings_py = (REPO / "crawler" / "settings.py").read_text()
    code = "\n".join(p.read_text() for p in (REPO / "crawler").rglob("*.py"))
    names = set(re.findall(r"\b(PRESSARCHIVE_[A-Z_]+)\b", settings_py + code))
    names -= {"PRESSARCHIVE_ARCHIVE"}  # the environment variable, documented in README
    docs = (REPO / "docs" / "settings.md").read_text()
    for name in names:
        assert f"`{name}`" in docs, name


def test_search_on_missing_archive_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["search", "x", "--archive", str(tmp_path)])
    assert result.exit_code == 4
    assert result.output.strip().count("\n") == 0
    assert "no index at" in result.output


def test_search_prints_hits_and_json(tmp_path):
    index = IndexWriter(tmp_path / "index.db")
    index.add_article(article("https://x.org/a", "Ramadi falls", "ISIS captured Ramadi city."))
    index.close()
    result = invoke("search", "Ramadi", "--archive", str(tmp_path))
    assert "1. Ramadi falls" in result.output and "https://x.org/a" in result.output
    # stdout: the synonyms line (Ramadi = الرمادي) goes to stderr with --json.
    lines = invoke("search", "ramadi", "--json", "--archive", str(tmp_path)).stdout.splitlines()
    assert json.loads(lines[0])["url"] == "https://x.org/a"


def test_bad_since_is_a_usage_error(tmp_path):
    args = ["search", "x", "--since", "July", "--archive", str(tmp_path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_crawl_unknown_source_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["crawl", "bbc", "--archive", str(tmp_path)])
    assert result.exit_code == 4  # could not run
    assert "unknown source(s): bbc" in result.output and "trtworld" in result.output


@pytest.mark.parametrize(("setting", "said"), [
    ("PRESSARCHIVE_FRONTIER_IDEL_CLOSE=1", "no setting PRESSARCHIVE_FRONTIER_IDEL_CLOSE"),
    ("download_delay=1", "use NAME=VALUE"), ("DOWNLOAD_DELAY", "use NAME=VALUE")])
def test_crawl_bad_setting_is_one_line(tmp_path, setting, said):
    result = CliRunner().invoke(main, ["crawl", "--archive", str(tmp_path), "--set", setting])
    assert result.exit_code == 2 and said in result.output
    assert "Traceback" not in result.output


def test_crawl_settings_win_over_the_options(tmp_path):
    from archive.crawl import CrawlOptions, crawl_settings

    settings = crawl_settings(CrawlOptions(
        archive=tmp_path, delay=2.0,
        settings=(("DOWNLOAD_DELAY", "0.5"), ("PRESSARCHIVE_FRONTIER_SHARED_STATE", "false"))))
    assert settings.getfloat("DOWNLOAD_DELAY") == 0.5
    assert settings.getbool("PRESSARCHIVE_FRONTIER_SHARED_STATE") is False


def test_crawl_bad_via_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["crawl", "--via", "localhost", "--archive", str(tmp_path)])
    assert result.exit_code == 4 and "--via must look like" in result.output


def test_serve_without_index_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--archive", str(tmp_path)])
    assert result.exit_code == 4 and "no index at" in result.output


def test_extract_json_per_file_with_source_rules(tmp_path: Path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html lang=en><head><title>Kerry in Brussels</title></head><body>"
        "<nav>Skip to main content</nav><article><h1>Kerry in Brussels</h1>"
        + "".join(f"<p>Paragraph {n}: the coalition met at NATO headquarters in Brussels "
                  f"on Wednesday to plan step {n} of the campaign.</p>" for n in range(6))
        + "</article></body></html>"
    )
    missing = tmp_path / "missing.html"
    result = invoke("extract", str(page), str(missing), "--json", "--source", "france24")
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["status"] == "ok" and "NATO headquarters" in first["text"]
    assert "Skip to main content" not in first["text"]
    assert first["file"] == str(page)
    assert second["status"] == "error"


def test_extract_unknown_source_is_a_usage_error(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<p>x</p>")
    result = CliRunner().invoke(main, ["extract", str(page), "--source", "bbc"])
    assert result.exit_code == 4 and "unknown source" in result.output


def test_crawl_on_a_corrupt_index_is_one_line_and_recorded_as_failed(tmp_path):
    import sqlite3

    (tmp_path / "index.db").write_bytes(b"this is not a database" * 100)
    result = CliRunner().invoke(main, ["crawl", "ina", "--archive", str(tmp_path),
                                       "--via", "http://127.0.0.1:9"])
    assert result.exit_code == 4
    assert "is not a usable index" in result.output and "reextract" in result.output
    assert "Traceback" not in result.output
    state = sqlite3.connect(tmp_path / "state" / "state.db")
    assert state.execute("select status, exit_code from crawls").fetchall() == [("failed", 4)]


def test_polite_defaults_and_the_contact_url_reach_the_crawl_settings(tmp_path):
    from archive.crawl import CrawlOptions, crawl_settings

    settings = crawl_settings(CrawlOptions(archive=tmp_path, contact_url="https://ex.org/me"))
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert settings.getfloat("DOWNLOAD_DELAY") == 1.0
    assert settings["USER_AGENT"].startswith("PressArchive/")
    assert "+https://ex.org/me" in settings["USER_AGENT"]
    assert settings["PRESSARCHIVE_CONTACT_URL"] == "https://ex.org/me"
    for scheme in ("file", "data", "ftp", "s3"):
        assert settings.getdict("DOWNLOAD_HANDLERS")[scheme] is None
