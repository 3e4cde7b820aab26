"""Bad inputs a user can give, run through the real command line.

Every one must end with a non-zero exit code and ONE line on stderr: "Error: ..." (exit
3, 4 or 5), or click's usage error for a bad option (exit 2: the usage line, a hint and
one "Error:" line). Never a traceback.

The table is data: a case is one line. `{name}` in the arguments is a path of the
workspace make_workspace() builds (broken archives, files, a copy of a crawled
archive); `toml` is written to a sources file that `{toml}` names. Every crawl case
also gets `--via http://127.0.0.1:9` (a port nothing listens on), so that a case that
stopped failing could never reach the internet. bench/bad_input_tally.py runs the same
table against `.venv/bin/pressarchive` and prints the tally.
"""

from __future__ import annotations

import codecs
import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import REPO

NOWHERE = "http://127.0.0.1:9"  # the discard port: a crawl sent there fetches nothing


@dataclass(frozen=True)
class BadInput:
    name: str
    args: tuple[str, ...]
    exit_code: int
    says: str = ""  # a part of the error line (the file, the source, the field, ...)
    toml: str | bytes | None = None


def block(**fields: str) -> str:
    """One valid [[source]] block, with fields replaced (a value "" drops the field)."""
    values = {"name": '"demo"', "title": '"Demo"', "language": '"en"',
              "hosts": '["www.example.org"]', "feeds": '["https://www.example.org/rss"]',
              "article_patterns": r"['^https://www\.example\.org/news/\d+$']"}
    values.update(fields)
    return "[[source]]\n" + "".join(f"{k} = {v}\n" for k, v in values.items() if v)


def extraction(**rules: str) -> str:
    return block() + "[source.extraction]\n" + "".join(f"{k} = {v}\n" for k, v in rules.items())


def crawl(toml: str | bytes, says: str, name: str) -> BadInput:
    return BadInput(name, ("crawl", "--sources-file", "{toml}"), 4, says, toml)


CASES: tuple[BadInput, ...] = (
    # search
    BadInput("search: no archive dir", ("search", "x", "--archive", "{missing}"), 4, "no archive"),
    BadInput("search: archive is a file", ("search", "x", "--archive", "{file}"), 4, "is a file"),
    BadInput("search: no index.db", ("search", "x", "--archive", "{empty}"), 4, "no index at"),
    BadInput("search: garbage index", ("search", "ISIS", "--archive", "{garbage}"), 4,
             "garbage/index.db is not a usable index"),
    BadInput("search: truncated index", ("search", "ISIS", "--archive", "{truncated}"), 4,
             "truncated/index.db is not a usable index"),
    BadInput("search: not our schema", ("search", "ISIS", "--archive", "{foreign}"), 4,
             "no such table"),
    BadInput("search: index.db is a dir", ("search", "ISIS", "--archive", "{indexdir}"), 4,
             "is a directory"),
    BadInput("search: unknown --source", ("search", "ISIS", "--source", "foo", "--archive",
                                          "{archive}"), 4, "source 'foo'"),
    BadInput("search: unknown --topic", ("search", "ISIS", "--topic", "sport", "--archive",
                                         "{archive}"), 4, "unknown topic 'sport'"),
    BadInput("search: --since not a date", ("search", "ISIS", "--since", "July"), 2, "YYYY-MM-DD"),
    BadInput("search: --limit 0", ("search", "ISIS", "--limit", "0"), 2, "--limit"),
    BadInput("search: no words", ("search", "***", "--archive", "{archive}"), 4, "no words"),
    BadInput("search: 2,000 characters", ("search", "word " * 400, "--archive", "{archive}"), 4,
             "longer than"),
    BadInput("search: no query", ("search",), 2, "QUERY"),
    # status
    BadInput("status: no archive dir", ("status", "--archive", "{missing}"), 4, "no archive"),
    BadInput("status: archive is a file", ("status", "--archive", "{file}"), 4, "is a file"),
    BadInput("status: never crawled", ("status", "--archive", "{empty}"), 4, "no crawl state"),
    BadInput("status: garbage index", ("status", "--archive", "{garbage}"), 4,
             "not a usable index"),
    BadInput("status: truncated index", ("status", "--archive", "{truncated}"), 4,
             "not a usable index"),
    BadInput("status: garbage state.db", ("status", "--archive", "{badstate}"), 4,
             "state.db is not a usable crawl state"),
    BadInput("status: --runs 0", ("status", "--runs", "0"), 2, "--runs"),
    # history
    BadInput("history: no archive dir", ("history", "--archive", "{missing}"), 4, "no archive"),
    BadInput("history: archive is a file", ("history", "--archive", "{file}"), 4, "is a file"),
    BadInput("history: no index.db", ("history", "--archive", "{empty}"), 4, "no index at"),
    BadInput("history: garbage index", ("history", "--archive", "{garbage}"), 4,
             "not a usable index"),
    BadInput("history: truncated index", ("history", "https://x.org/a", "--archive",
                                          "{truncated}"), 4, "not a usable index"),
    BadInput("history: unknown URL", ("history", "https://nowhere.example/a", "--archive",
                                      "{archive}"), 4, "no article with URL"),
    # compare
    BadInput("compare: new is garbage", ("compare", "{archive}/index.db", "{garbage}/index.db"),
             4, "garbage/index.db is not a usable index"),
    BadInput("compare: old is garbage", ("compare", "{garbage}/index.db", "{archive}/index.db"),
             4, "garbage/index.db is not a usable index"),
    BadInput("compare: truncated", ("compare", "{archive}/index.db", "{truncated}/index.db"),
             4, "truncated/index.db"),
    BadInput("compare: not our schema", ("compare", "{archive}/index.db", "{foreign}/index.db"),
             4, "no such table"),
    BadInput("compare: missing file", ("compare", "{archive}/index.db", "{missing}/index.db"),
             2, "does not exist"),
    BadInput("compare: a directory", ("compare", "{archive}/index.db", "{empty}"), 2,
             "is a directory"),
    # extract
    BadInput("extract: missing file", ("extract", "{missing}/page.html"), 4, "cannot read"),
    BadInput("extract: not HTML", ("extract", "{readme}"), 4, "not HTML"),
    BadInput("extract: broken .gz", ("extract", "{badgz}"), 4, "cannot read"),
    BadInput("extract: a directory", ("extract", "{empty}"), 2, "is a directory"),
    BadInput("extract: unknown --source", ("extract", "{readme}", "--source", "bbc"), 4,
             "unknown source 'bbc'; known: trtworld"),
    BadInput("extract: no files", ("extract",), 2, "FILES"),
    # crawl: the command line
    BadInput("crawl: unknown source", ("crawl", "bbc", "--archive", "{empty}"), 4,
             "unknown source(s): bbc"),
    BadInput("crawl: archive is a file", ("crawl", "--archive", "{file}"), 4,
             "cannot create archive directory"),
    BadInput("crawl: --via not a URL", ("crawl", "--via", "localhost", "--archive", "{empty}"),
             4, "--via must look like"),
    BadInput("crawl: --max-pages -1", ("crawl", "--max-pages", "-1"), 2, "--max-pages"),
    BadInput("crawl: --log-level LOUD", ("crawl", "--log-level", "LOUD"), 2, "--log-level"),
    BadInput("crawl: --since not a date", ("crawl", "--since", "July"), 2, "YYYY-MM-DD"),
    BadInput("crawl: --until without --since", ("crawl", "--until", "2015-01-01"), 2,
             "--until needs --since"),
    BadInput("crawl: --until before --since",
             ("crawl", "--since", "2015-02-01", "--until", "2015-01-01"), 2,
             "--until 2015-01-01 is before --since 2015-02-01"),
    BadInput("crawl: --since in the future", ("crawl", "--since", "2999-01-01"), 2,
             "is after today"),
    BadInput("crawl: sources file missing", ("crawl", "--sources-file", "{missing}/s.toml"), 4,
             "sources file not found"),
    BadInput("crawl: sources file is a dir", ("crawl", "--sources-file", "{empty}"), 2,
             "is a directory"),
    # crawl: the sources file, checked when it loads (file, source and field named)
    crawl("", "no [[source]] blocks", "sources: empty file"),
    crawl("# nothing here\n", "no [[source]] blocks", "sources: only a comment"),
    crawl("[[sources]]\nname = 'x'\n", "unknown top-level key(s) sources", "sources: [[sources]]"),
    crawl("source = 5\n", "[[source]] blocks", "sources: source = 5"),
    crawl("[[source]\nname = 'x'\n", "not valid TOML", "sources: TOML syntax"),
    crawl(block() + block(), "'demo' is defined twice", "sources: duplicate names"),
    crawl(block(colour='"red"'), "#1 'demo': unknown field(s) colour", "sources: unknown key"),
    crawl(block(irrelevant='"drop"'), "#1 'demo': irrelevant must be \"index\"",
          "sources: irrelevant neither index nor archive"),
    crawl(extraction(drop_divs='["x"]'), "unknown extraction field(s) drop_divs",
          "sources: unknown extraction key"),
    crawl(block(title='"Caf\u00e9"').encode("latin-1"), "not UTF-8 (byte 0xe9 on line 3)",
          "sources: Latin-1"),
    crawl(block().encode("utf-16"), "UTF-16", "sources: UTF-16"),
    crawl(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "not a text file", "sources: binary"),
    crawl(block(name="7"), "name must be", "sources: name = 7"),
    crawl(block(name='"two words"'), "name must be", "sources: name with a space"),
    crawl(block(hosts=""), "missing hosts", "sources: no hosts"),
    crawl(block(hosts="[]"), "hosts must not be empty", "sources: hosts = []"),
    crawl(block(hosts='["https://www.example.org/"]'), "hosts[0]", "sources: host is a URL"),
    crawl(block(language='"English"'), "language", "sources: language = English"),
    crawl(block(feeds="[42]"), "'demo': feeds[0] must be an http(s) URL, got 42",
          "sources: feeds = [42]"),
    crawl(block(feeds='"https://www.example.org/rss"'), "feeds must be a list",
          "sources: feeds not a list"),
    crawl(block(feeds='["ftp://www.example.org/rss"]'), "http(s) URL", "sources: ftp feed"),
    crawl(block(sitemaps='["www.example.org/sitemap.xml"]'), "sitemaps[0]",
          "sources: sitemap without scheme"),
    crawl(block(max_listing_pages='"five"'), "max_listing_pages must be a whole number",
          "sources: max_listing_pages = five"),
    crawl(block(max_listing_pages="-1"), "max_listing_pages", "sources: max_listing_pages < 0"),
    crawl(block(max_listing_pages="true"), "max_listing_pages", "sources: max_listing_pages bool"),
    crawl(block(article_patterns="['(']"), "bad regex in article_patterns[0]",
          "sources: bad regex"),
    crawl(block(exclude_patterns="[3]"), "exclude_patterns[0]", "sources: regex not a string"),
    crawl(block(recheck_after='["soon"]'), "recheck_after[0]", "sources: bad recheck_after"),
    crawl(block(daily_archives='["https://www.example.org/{yyyy}/{day}"]'),
          "'demo': daily_archives[0]: unknown placeholder {day}", "sources: bad placeholder"),
    crawl(block(daily_sitemaps='["https://www.example.org/sitemap.xml"]'),
          "daily_sitemaps[0]: 'https://www.example.org/sitemap.xml' has no date placeholder",
          "sources: dated sitemap without a date"),
    crawl(block(daily_archives='["www.example.org/{yyyy}/{mm}/{dd}"]'),
          "daily_archives[0] must be an http(s) URL", "sources: dated page without scheme"),
    crawl(block(language='"de"', daily_archives='["https://www.example.org/{dd}-{Month}"]'),
          "there are none for language 'de'", "sources: month names of an unknown language"),
    crawl(block(listing_date_xpath='"//time"'), "listing_date_xpath and listing_date_formats go",
          "sources: listing dates without formats"),
    crawl(block(listing_date_xpath='"//time"', listing_date_formats='["%m/%Y"]'),
          "listing_date_formats[0]", "sources: listing date format without the day"),
    crawl(block(extraction="5"), "[source.extraction] table", "sources: extraction = 5"),
    crawl(extraction(drop_xpaths='["//div[@class="]'), "bad XPath in extraction.drop_xpaths[0]",
          "sources: bad XPath"),
    crawl(extraction(drop_xpaths='["//x:figure"]'), "bad XPath", "sources: XPath prefix"),
    crawl(extraction(drop_xpaths='["count(//p)"]'), "must select elements",
          "sources: XPath gives a number"),
    crawl(extraction(drop_lines="['[']"), "bad regex in extraction.drop_lines[0]",
          "sources: bad drop_lines regex"),
    crawl(extraction(soft404_markers="[1]"), "soft404_markers[0]", "sources: marker not text"),
    # reextract
    BadInput("reextract: no archive dir", ("reextract", "--archive", "{missing}"), 4,
             "no WARC files"),
    BadInput("reextract: archive is a file", ("reextract", "--archive", "{file}"), 4,
             "no WARC files"),
    BadInput("reextract: unknown --source", ("reextract", "--source", "foo", "--archive",
                                             "{archive}"), 4, "unknown source 'foo'"),
    BadInput("reextract: --since not a date", ("reextract", "--since", "July"), 2, "YYYY-MM-DD"),
    BadInput("reextract: --from missing", ("reextract", "--from", "{missing}"), 2,
             "does not exist"),
    BadInput("reextract: --timeout 0", ("reextract", "--timeout", "0"), 2, "--timeout"),
    # the other commands
    BadInput("verify: no archive dir", ("verify", "--archive", "{missing}"), 4, "no archive"),
    BadInput("verify: not an archive", ("verify", "--archive", "{empty}"), 4, "not an archive"),
    BadInput("serve: no archive dir", ("serve", "--archive", "{missing}"), 4, "no index at"),
    BadInput("serve: archive is a file", ("serve", "--archive", "{file}"), 4, "index"),
    BadInput("demo: --port 0", ("demo", "--port", "0"), 2, "--port"),
    BadInput("sample-sites: --edition 9", ("sample-sites", "--edition", "9"), 2, "--edition"),
    BadInput("verify: archive is a file", ("verify", "--archive", "{file}"), 4, "archive"),
    BadInput("no such command", ("crawll",), 2, "No such command"),
    # export: the inputs of `export cdxj` / `export wacz` (garbage WARC files, an
    # unwritable OUT.wacz) are another engineer's cases; add them here, one line each.
    BadInput("export cdxj: no archive dir", ("export", "cdxj", "--archive", "{missing}"), 4,
             "no archive"),
    BadInput("export wacz: no archive dir", ("export", "wacz", "--archive", "{missing}",
                                             "{empty}/out.wacz"), 4, "no archive"),
)


# --------------------------------------------------------------------- the workspace


def make_workspace(work: Path, crawled: Path) -> dict[str, Path]:
    """The files and archives the cases name; `crawled` is copied, never touched."""
    work.mkdir(parents=True, exist_ok=True)
    paths = {name: work / name for name in (
        "missing", "file", "empty", "archive", "garbage", "truncated", "foreign", "indexdir",
        "badstate")}
    paths |= {"readme": work / "README.md", "badgz": work / "broken.html.gz"}
    paths["file"].write_text("not an archive\n")
    paths["empty"].mkdir()
    # Copied, links followed: reextract's cases take the lock and may write there.
    shutil.copytree(crawled, paths["archive"], symlinks=False)
    index = (paths["archive"] / "index.db").read_bytes()
    for name in ("garbage", "truncated", "foreign", "indexdir", "badstate"):
        shutil.copytree(paths["archive"] / "state", paths[name] / "state")
    (paths["garbage"] / "index.db").write_bytes(b"this is not a database\n" * 500)
    # The header and the schema survive, the tables' pages do not.
    (paths["truncated"] / "index.db").write_bytes(index[:5000])
    foreign = sqlite3.connect(paths["foreign"] / "index.db")
    foreign.execute("create table notes (text)")
    foreign.commit()
    foreign.close()
    (paths["indexdir"] / "index.db").mkdir()
    shutil.copy(paths["archive"] / "index.db", paths["badstate"] / "index.db")
    (paths["badstate"] / "state" / "state.db").write_bytes(b"\0garbage" * 1000)
    paths["readme"].write_text((REPO / "README.md").read_text())
    paths["badgz"].write_bytes(gzip.compress(b"<html>" + b"x" * 5000)[:40])
    return paths


def command_line(case: BadInput, paths: dict[str, Path], toml_path: Path) -> list[str]:
    names = {name: str(path) for name, path in paths.items()} | {"toml": str(toml_path)}
    args = [arg.format(**names) for arg in case.args]
    if args and args[0] == "crawl" and "--via" not in args:
        args += ["--via", NOWHERE]
    return args


def write_toml(case: BadInput, path: Path) -> None:
    if case.toml is not None:
        path.write_bytes(case.toml if isinstance(case.toml, bytes) else case.toml.encode())


def problems(case: BadInput, exit_code: int, stderr: str) -> list[str]:
    """What is wrong with how a case ended ([] if it ended as it must)."""
    found = []
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    if exit_code != case.exit_code:
        found.append(f"exit {exit_code}, expected {case.exit_code}")
    if "Traceback" in stderr:
        found.append("a traceback")
    if case.exit_code == 2:
        # click's usage error: "Usage: ...", "Try '... -h' for help.", "Error: ..."
        if len(errors) != 1 or len(lines) > 3 or lines[-1:] != errors:
            found.append(f"not click's usage error: {lines}")
    elif len(lines) != 1 or len(errors) != 1:
        found.append(f"{len(lines)} lines on stderr, not one 'Error:' line")
    if case.says and case.says not in " ".join(errors):
        found.append(f"the error does not say {case.says!r}")
    return found


# ------------------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def workspace(crawled_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return make_workspace(tmp_path_factory.mktemp("bad-inputs"), crawled_archive)


def test_the_table_holds_at_least_53_bad_inputs_with_distinct_names():
    assert len(CASES) >= 53
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_bad_input_is_one_clear_line_and_a_documented_exit_code(
    case: BadInput, workspace: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("PRESSARCHIVE_ARCHIVE", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./archive-data or ./demo-archive to fall back on
    from archive.cli import main

    toml_path = tmp_path / "sources.toml"
    write_toml(case, toml_path)
    result = CliRunner().invoke(main, command_line(case, workspace, toml_path),
                                catch_exceptions=False)
    assert problems(case, result.exit_code, result.stderr) == [], result.stderr


# ------------------------------------------- what the table cannot show on its own


def test_every_sources_error_names_the_file_the_source_and_the_field(tmp_path: Path):
    from archive.errors import ConfigError
    from archive.sources import load_sources

    path = tmp_path / "mine.toml"
    path.write_text(block(name='"first"') + block(name='"second"', max_listing_pages='"five"'))
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert str(info.value) == (f"{path}: [[source]] #2 'second': max_listing_pages must be "
                               "a whole number >= 0, got 'five'")


def test_a_valid_sources_file_with_every_field_still_loads(tmp_path: Path):
    from archive.sources import load_sources

    path = tmp_path / "full.toml"
    text = block(sitemaps='["https://www.example.org/sitemap.xml"]',
                 sections='["https://www.example.org/news/"]',
                 listing_patterns=r"['^https://www\.example\.org/news/\?page=\d+$']",
                 max_listing_pages="3", exclude_patterns="['/video/']",
                 recheck_after='["1h", "2d"]')
    text += ("[source.extraction]\ndrop_xpaths = [\"//figcaption\", \"//*[@id='x']\"]\n"
             "drop_lines = ['^Photo: .*$']\nsoft404_markers = [\"Page not found\"]\n")
    path.write_bytes(codecs.BOM_UTF8 + text.encode())  # a byte order mark is harmless
    source = load_sources(path)["demo"]
    assert source.max_listing_pages == 3
    assert source.extraction.drop_xpaths == ("//figcaption", "//*[@id='x']")
    assert source.recheck_after == ("1h", "2d")


def test_search_with_a_known_source_still_answers(crawled_archive: Path):
    from archive.cli import main

    args = ["search", "coalition", "--source", "ina", "--archive", str(crawled_archive)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0 and "ina |" in result.stdout
    nothing = CliRunner().invoke(main, ["search", "zyzzyva", "--source", "ina", "--archive",
                                        str(crawled_archive)], catch_exceptions=False)
    assert nothing.exit_code == 0 and nothing.stderr.strip() == "no match"


def test_a_text_file_is_not_html_and_the_status_is_documented(tmp_path: Path):
    import json

    from archive.cli import main
    from archive.extract import STATUSES, extract_file

    notes = tmp_path / "notes.txt"
    notes.write_text((REPO / "README.md").read_text())
    record = extract_file(notes)
    assert record["status"] == "not_html" and record["word_count"] == 0
    page = tmp_path / "page.html"
    page.write_text("<p>" + "The coalition struck near Ramadi again today. " * 10 + "</p>")
    result = CliRunner().invoke(main, ["extract", str(page), str(notes), "--json"],
                                catch_exceptions=False)
    assert [json.loads(line)["status"] for line in result.stdout.splitlines()] == [
        "ok", "not_html"]
    assert result.exit_code == 3  # some files extracted, some not
    readme = (REPO / "README.md").read_text()
    for status in STATUSES:
        assert f"`{status}`" in readme, status


def test_the_readme_states_the_exit_codes_the_code_uses():
    from archive import exitcodes

    readme = (REPO / "README.md").read_text()
    intro = readme.split("## Commands", 1)[1].split("###", 1)[0]
    assert f"status {exitcodes.COULD_NOT_RUN}" in intro and "status 1" not in intro
    for code in (exitcodes.FINISHED_WITH_ERRORS, exitcodes.COULD_NOT_RUN, exitcodes.LOCKED):
        assert f"\n| {code} |" in readme


@pytest.fixture
def read_only_archive(crawled_archive: Path) -> Iterator[Path]:
    """A copy of the archive that the user running the command cannot write to.

    As root, permissions do not stop writes: then the command runs as `nobody`
    (setpriv), in a directory outside pytest's root-only temporary folder."""
    base = Path(tempfile.mkdtemp(prefix="pressarchive-ro-"))
    archive = base / "archive"
    shutil.copytree(crawled_archive, archive, symlinks=False)
    for db in archive.rglob("*.db"):
        # As after a clean stop: the WAL checkpointed, and gone with the last connection.
        conn = sqlite3.connect(db)
        conn.execute("pragma wal_checkpoint(truncate)")
        conn.close()
    assert not list(archive.rglob("*-wal"))
    for path in [base, archive, *archive.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield archive
    finally:
        for path in [base, *base.rglob("*")]:
            path.chmod(0o755)
        shutil.rmtree(base)


def as_a_user_without_write_access(*args: str) -> subprocess.CompletedProcess:
    command = [str(REPO / ".venv" / "bin" / "pressarchive"), *args]
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd="/")


def test_status_and_search_read_an_archive_they_cannot_write(read_only_archive: Path):
    probe = as_a_user_without_write_access("status", "--archive", str(read_only_archive),
                                           "--json")
    assert probe.returncode == 0, probe.stderr
    assert '"status": "finished"' in probe.stdout
    assert not list(read_only_archive.rglob("*-shm"))  # nothing written
    found = as_a_user_without_write_access("search", "coalition", "--archive",
                                           str(read_only_archive))
    assert found.returncode == 0 and "1. " in found.stdout, found.stderr
    versions = as_a_user_without_write_access("history", "--archive", str(read_only_archive))
    assert versions.returncode == 0, versions.stderr


def test_an_archive_the_user_cannot_read_is_one_line(read_only_archive: Path):
    (read_only_archive / "state").chmod(0o700)
    (read_only_archive / "index.db").chmod(0o600)
    for command in ("status", "search", "history"):
        args = [command, *(["coalition"] if command == "search" else []),
                "--archive", str(read_only_archive)]
        result = as_a_user_without_write_access(*args)
        assert result.returncode == 4, result.stderr
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, (
            result.stderr)
    read_only_archive.chmod(0o700)
    result = as_a_user_without_write_access("status", "--archive", str(read_only_archive))
    assert (result.returncode, result.stderr) == (
        4, f"Error: cannot read {read_only_archive}: permission denied\n")


@pytest.mark.parametrize("command", ["list", "crawl"])
def test_plain_scrapy_on_a_bad_sources_file_is_one_line(tmp_path: Path, command: str):
    bad = tmp_path / "sources.toml"
    bad.write_text('[[source]]\nname = 7\n')
    args = ["trtworld", "-s", f"PRESSARCHIVE_ARCHIVE_DIR={tmp_path / 'a'}"] \
        if command == "crawl" else []
    result = subprocess.run(
        [sys.executable, "-m", "scrapy.cmdline", command, *args,
         "-s", f"PRESSARCHIVE_SOURCES_FILE={bad}"],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 4, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and str(bad) in errors[0], result.stderr[-2000:]
