"""The CDXJ index (archive/warc/cdxj.py) and the WACZ export (archive/wacz.py).

Checked against the reference tools installed in .venv-tools by `make test`: the `surt`
package (through cdxj-indexer's environment), `cdxj-indexer` and `wacz validate`.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.cli.export import export
from archive.errors import PressArchiveError
from archive.wacz import export_wacz
from archive.warc.cdxj import surt_key, write_cdxj
from archive.warc.cdxj_update import list_path
from archive.warc.reader import ReadError, iter_archive
from tests.helpers.replay import (
    cdxj_indexer_lines,
    check_cdxj_locations,
    copy_archive,
    normalized,
    parse_cdxj,
    tool,
)


def articles(archive: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(archive / "index.db")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("select url, title, capture_record_id from articles").fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def archive_copy(crawled_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_archive(crawled_archive, tmp_path_factory.mktemp("export") / "archive")


@pytest.fixture(scope="module")
def cdxj_path(archive_copy: Path) -> Path:
    return write_cdxj(archive_copy)


# --- SURT ------------------------------------------------------------------------------------

TRICKY_URLS = [
    ("http://www.Example.COM/", "com,example)/"),
    ("http://www.example.com", "com,example)/"),
    ("http://www.example.com./", "com,example)/"),
    ("http://wwwfoo.org/", "org,wwwfoo)/"),
    ("https://WWW2.Example.com:443/A/B/?b=2&a=1", "com,example)/a/b?a=1&b=2"),
    ("http://example.com:8080/path", "com,example:8080)/path"),
    ("http://example.com:80/", "com,example)/"),
    ("https://example.com:80/", "com,example:80)/"),
    ("example.com/page", "com,example)/page"),
    ("http://www.example.com/a/./b/../c//d/", "com,example)/a/c/d"),
    ("http://example.com/?a=1&a-b=2&A=0", "com,example)/?a=0&a=1&a-b=2"),
    ("http://example.com/?z&y=1&x", "com,example)/?x&y=1&z"),
    ("http://example.com/p?", "com,example)/p"),
    ("http://example.com/p#frag", "com,example)/p"),
    ("http://example.com/caf\u00e9?q=caf\u00e9", "com,example)/caf%c3%a9?q=caf%c3%a9"),
    ("http://b\u00fccher.de/", "de,xn--bcher-kva)/"),
    ("http://127.0.0.1:8000/x", "1,0,0,127:8000)/x"),
    ("http://2130706433/", "1,0,0,127)/"),
    ("http://user:pw@www.example.com/", "com,example)/"),
    ("http://example.com/a%2fb%7e", "com,example)/a/b~"),
    ("HTTP://Example.com/%7Euser/%2541", "com,example)/~user/a"),
    ("http://example.com/a b", "com,example)/a%20b"),
    ("http://example.com/x?jsessionid=0123456789abcdef0123456789ABCDEF&b=2",
     "com,example)/x?b=2"),
    ("http://example.com/(S(abcdefghijklmnopqrstuvwx))/Page.aspx?X=1",
     "com,example)/page.aspx?x=1"),
    ("http://https://example.com/x", "com,example)/x"),
    ("https://www.ninanews.com/Website/News/Details?key=671030",
     "com,ninanews)/website/news/details?key=671030"),
    ("https://ina.iq/eng/security/", "iq,ina)/eng/security"),
    ("dns:www.example.com", "dns:www.example.com"),
    ("urn:x:y", "urn:x:y"),
    ("http://example.com:99999/", "http://example.com:99999/"),  # bad port: the URL itself
]


@pytest.mark.parametrize(("url", "key"), TRICKY_URLS, ids=[u for u, _ in TRICKY_URLS])
def test_surt_keys_of_tricky_urls(url: str, key: str) -> None:
    assert surt_key(url) == key


def test_surt_keys_agree_with_the_surt_package_that_pywb_uses() -> None:
    schemes = ["http://", "https://", "HTTPS://", "", "http:////", "ftp://"]
    hosts = ["www.Example.com", "WWW3.example.co.uk:443", "example.com:8443", "10.0.0.1",
             "1.2.3", "017700000001", "www.%65xample.com", "b\u00fccher.de", "a..b.com.",
             "u:p@Host.org:80"]
    paths = ["", "/", "/A/./B/../C/", "//x//y", "/%2541%7e", "/caf\u00e9 x", "/a.aspx",
             "/(abcdefghijklmnopqrstuvwx)/p.aspx", "/%", "/a;b?"]
    queries = ["", "?b=2&a=1&B=0", "?a&a=&a=1", "?q=caf\u00e9%20x", "?a=1&sid=" + "a" * 32,
               "?cfid=1&cftoken=2&z=1", "?&&", "?x=1#frag"]
    urls = [s + h + p + q for s in schemes for h in hosts for p in paths for q in queries]
    script = ("import json, sys, surt\n"
              "print(json.dumps([surt.surt(u) for u in json.load(sys.stdin)]))\n")
    result = subprocess.run([tool("python"), "-c", script], input=json.dumps(urls),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    expected = json.loads(result.stdout)
    mismatches = [(u, surt_key(u), e) for u, e in zip(urls, expected, strict=True)
                  if surt_key(u) != e]
    assert not mismatches[:10], f"{len(mismatches)} of {len(urls)} keys differ"


# --- CDXJ ------------------------------------------------------------------------------------


def test_cdxj_is_sorted_with_one_line_per_response_record(archive_copy: Path,
                                                          cdxj_path: Path) -> None:
    assert cdxj_path == archive_copy / "indexes" / "index.cdxj"
    text = cdxj_path.read_text()
    lines = text.splitlines()
    assert lines == sorted(lines)
    assert lines and text.endswith("\n")
    records = list(iter_archive(archive_copy / "warc"))
    indexed = {(r.filename, r.offset) for r in records if r.rec_type in ("response", "revisit")}
    requests = {(r.filename, r.offset) for r in records if r.rec_type == "request"}
    located = [(data["filename"], int(data["offset"])) for _, _, data in parse_cdxj(text)]
    assert len(located) == len(set(located))
    assert set(located) == indexed
    assert not set(located) & requests
    # No temporary file left: the index, and the list of the files it covers.
    assert sorted((archive_copy / "indexes").iterdir()) == [cdxj_path, list_path(cdxj_path)]


def test_cdxj_offsets_and_lengths_point_at_their_records(archive_copy: Path,
                                                         cdxj_path: Path) -> None:
    check_cdxj_locations(archive_copy, cdxj_path)


def test_cdxj_matches_cdxj_indexer_on_the_crawl(archive_copy: Path, cdxj_path: Path) -> None:
    ours = parse_cdxj(cdxj_path.read_text())
    theirs = cdxj_indexer_lines(sorted((archive_copy / "warc").iterdir()))
    assert [(k, t, d["offset"], d["length"]) for k, t, d in ours] == \
        [(k, t, d["offset"], d["length"]) for k, t, d in theirs]
    assert normalized(ours) == normalized(theirs)
    assert all(d["digest"].startswith("sha1:") for _, _, d in theirs)
    assert not any(d["digest"].startswith("sha1:") for _, _, d in ours)


def write_synthetic_warc(path: Path) -> None:
    """warcinfo, request, response, revisit and a warc-fields metadata record."""
    path.parent.mkdir(parents=True, exist_ok=True)
    url = "https://www.Example.com/News/?b=2&a=1"
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                            protocol="HTTP/1.1")
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        request = StatusAndHeaders("GET /News/?b=2&a=1 HTTP/1.1", [("Host", "www.example.com")],
                                   is_http_request=True)
        writer.write_record(writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""), http_headers=request,
            warc_headers_dict={"WARC-Date": "2024-05-06T07:08:09Z"}))
        response = writer.create_warc_record(
            url, "response", payload=io.BytesIO(b"<p>first</p>"), http_headers=http,
            warc_headers_dict={"WARC-Date": "2024-05-06T07:08:09.123456Z"})
        writer.write_record(response)
        revisit = writer.create_revisit_record(
            url, response.rec_headers.get_header("WARC-Payload-Digest"), url,
            "2024-05-06T07:08:09Z",
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                          protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": "2024-06-01T00:00:00Z"})
        writer.write_record(revisit)
        writer.write_record(writer.create_warc_record(
            url, "metadata", payload=io.BytesIO(b"outlink: https://example.com/\r\n"),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": "2024-06-01T00:00:00Z"}))


def test_revisits_are_indexed_and_requests_are_not(tmp_path: Path) -> None:
    warc = tmp_path / "warc" / "synthetic.warc.gz"
    write_synthetic_warc(warc)
    lines = parse_cdxj(write_cdxj(tmp_path).read_text())
    assert [(k, t) for k, t, _ in lines] == [
        ("com,example)/news?a=1&b=2", "20240506070809"),
        ("com,example)/news?a=1&b=2", "20240601000000"),
    ]
    response, revisit = (data for _, _, data in lines)
    assert response["mime"] == "text/html" and response["status"] == "200"
    assert revisit["mime"] == "warc/revisit"
    assert revisit["digest"] == response["digest"] and ":" not in revisit["digest"]
    assert normalized(lines) == normalized(cdxj_indexer_lines([warc]))


def test_a_torn_warc_is_indexed_up_to_the_damage(archive_copy: Path, tmp_path: Path) -> None:
    source = sorted((archive_copy / "warc").iterdir())[0]
    data = source.read_bytes()
    (tmp_path / "warc").mkdir()
    (tmp_path / "warc" / source.name).write_bytes(data[: len(data) * 2 // 3])
    errors: list[ReadError] = []
    lines = parse_cdxj(write_cdxj(tmp_path, errors=errors).read_text())
    assert errors and errors[0].filename == source.name
    assert lines and all(int(d["offset"]) < len(data) * 2 // 3 for _, _, d in lines)


def test_write_cdxj_refuses_what_is_not_an_archive(tmp_path: Path) -> None:
    with pytest.raises(PressArchiveError, match="no archive at"):
        write_cdxj(tmp_path / "missing")
    with pytest.raises(PressArchiveError, match="no WARC directory"):
        write_cdxj(tmp_path)


# --- WACZ ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wacz(archive_copy: Path) -> Path:
    out = archive_copy.parent / "press.wacz"
    summary = export_wacz(archive_copy, out)
    assert summary.path == out and summary.pages > 0 and not summary.read_errors
    assert not summary.articles_without_capture
    return out


def validate(path: Path) -> None:
    result = subprocess.run([tool("wacz"), "validate", "-f", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Validation succeeded" in result.stdout


def test_wacz_passes_wacz_validate(wacz: Path) -> None:
    validate(wacz)


def test_wacz_pages_have_one_entry_per_article_with_its_title(
        wacz: Path, archive_copy: Path, cdxj_path: Path) -> None:
    with zipfile.ZipFile(wacz) as zf:
        header, *pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").splitlines()]
    assert header == {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    rows = articles(archive_copy)
    assert len(pages) == len(rows)
    captures = {d["url"]: (k, t) for k, t, d in parse_cdxj(cdxj_path.read_text())
                if d.get("status") == "200"}
    by_record = {r.record_id: r for r in iter_archive(archive_copy / "warc",
                                                      types={"response", "revisit"})}
    pages_by_url = {page["url"]: page for page in pages}
    assert len(pages_by_url) == len(pages) and len({page["id"] for page in pages}) == len(pages)
    for row in rows:
        record = by_record[row["capture_record_id"]]
        page = pages_by_url[record.target_uri]
        assert page["title"] == row["title"] and page["title"]
        assert page["ts"] == record.date[:19] + "Z"
        key, timestamp = captures[page["url"]]
        assert timestamp == page["ts"].replace("-", "").replace("T", "").replace(":", "")[:14]
        assert "text" not in page


def test_wacz_holds_the_warcs_byte_identical_and_stored(wacz: Path, archive_copy: Path) -> None:
    warcs = sorted((archive_copy / "warc").iterdir())
    with zipfile.ZipFile(wacz) as zf:
        names = zf.namelist()
        assert sorted(n for n in names if n.startswith("archive/")) == \
            [f"archive/{p.name}" for p in warcs]
        for path in warcs:
            info = zf.getinfo(f"archive/{path.name}")
            assert info.compress_type == zipfile.ZIP_STORED
            assert zf.read(info) == path.read_bytes()
        assert zf.getinfo("indexes/index.cdx.gz").compress_type == zipfile.ZIP_STORED
    assert sorted(names) == sorted(
        [f"archive/{p.name}" for p in warcs] + [
            "indexes/index.cdx.gz", "indexes/index.idx", "pages/pages.jsonl",
            "datapackage.json", "datapackage-digest.json"])


def test_wacz_index_is_the_cdxj_in_gzip_blocks(wacz: Path, cdxj_path: Path) -> None:
    with zipfile.ZipFile(wacz) as zf:
        cdx_gz = zf.read("indexes/index.cdx.gz")
        idx = zf.read("indexes/index.idx").decode().splitlines()
    assert gzip.decompress(cdx_gz).decode() == cdxj_path.read_text()
    meta, *blocks = idx
    assert meta.startswith("!meta 0 ")
    assert json.loads(meta[len("!meta 0 "):]) == {"format": "cdxj-gzip-1.0",
                                                  "filename": "index.cdx.gz"}
    assert blocks
    end = 0
    for block in blocks:
        key, timestamp, data = block.split(" ", 2)
        location = json.loads(data)
        assert location["offset"] == end
        chunk = cdx_gz[end:end + location["length"]]
        assert location["digest"] == "sha256:" + hashlib.sha256(chunk).hexdigest()
        assert gzip.decompress(chunk).decode().startswith(f"{key} {timestamp} ")
        end += location["length"]
    assert end == len(cdx_gz)


def test_wacz_datapackage_lists_every_file_with_hash_and_size(wacz: Path) -> None:
    with zipfile.ZipFile(wacz) as zf:
        package_bytes = zf.read("datapackage.json")
        package = json.loads(package_bytes)
        digest = json.loads(zf.read("datapackage-digest.json"))
        contents = {name: zf.read(name) for name in zf.namelist()}
    assert package["profile"] == "data-package"
    assert package["wacz_version"] == "1.1.1"
    assert package["software"].startswith("pressarchive ")
    assert package["title"] and package["created"].endswith("Z")
    listed = {res["path"]: res for res in package["resources"]}
    assert set(listed) == set(contents) - {"datapackage.json", "datapackage-digest.json"}
    for path, res in listed.items():
        assert res["bytes"] == len(contents[path])
        assert res["hash"] == "sha256:" + hashlib.sha256(contents[path]).hexdigest()
    assert digest == {"path": "datapackage.json",
                      "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}


def test_export_wacz_errors_are_one_line(tmp_path: Path, archive_copy: Path) -> None:
    with pytest.raises(PressArchiveError, match="no archive at"):
        export_wacz(tmp_path / "missing", tmp_path / "x.wacz")
    (tmp_path / "empty" / "warc").mkdir(parents=True)
    with pytest.raises(PressArchiveError, match="no closed WARC files"):
        export_wacz(tmp_path / "empty", tmp_path / "x.wacz")
    no_index = tmp_path / "no-index"
    (no_index / "warc").mkdir(parents=True)
    for path in (archive_copy / "warc").iterdir():
        shutil.copy(path, no_index / "warc" / path.name)
    with pytest.raises(PressArchiveError, match="no index at") as info:
        export_wacz(no_index, tmp_path / "x.wacz")
    assert "\n" not in str(info.value)
    with pytest.raises(PressArchiveError, match="is not a directory"):
        export_wacz(archive_copy, tmp_path / "nowhere" / "x.wacz")
    assert not list(tmp_path.glob("*.wacz*")), "no partial output"


# --- command line ------------------------------------------------------------------------------


def test_cli_export_wacz_with_text_and_cdxj(archive_copy: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "with-text.wacz"
    result = runner.invoke(export, ["wacz", "--archive", str(archive_copy), "--text",
                                    "--title", "Coalition coverage", str(out)])
    assert result.exit_code == 0, result.output
    assert "pages" in result.output
    with zipfile.ZipFile(out) as zf:
        header, *pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").splitlines()]
        assert json.loads(zf.read("datapackage.json"))["title"] == "Coalition coverage"
    assert header["hasText"] is True
    assert all(page["text"] for page in pages)
    validate(out)

    result = runner.invoke(export, ["cdxj", "--archive", str(archive_copy)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(archive_copy / "indexes" / "index.cdxj")

    result = runner.invoke(export, ["wacz", "--archive", str(tmp_path / "missing"),
                                    str(tmp_path / "x.wacz")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: no archive at") and result.output.count("\n") == 1


def test_export_group_is_registered_in_the_main_command() -> None:
    from archive.cli import main

    assert main.commands.get("export") is export, (
        "register it in archive/cli/__init__.py: from archive.cli.export import export; "
        "main.add_command(export)")
