"""What a back-fill asks a web archive and which captures it keeps
(archive/backfill/wayback.py), without a server: the endpoints (the public defaults are
only derived here, never contacted), the CDX query URLs, page counts in each server's
form, the capture filter, and the origin of a replay's answer."""

from __future__ import annotations

import json
from datetime import date

import pytest

from archive.backfill.cdx import CdxCapture
from archive.backfill.wayback import (
    WAYBACK_CDX,
    WAYBACK_PREFIX,
    CaptureFilter,
    CdxQuery,
    answered_origin,
    capture_origin,
    cdx_endpoint,
    page_count,
    query_targets,
    replay_prefix,
    replay_url,
)
from archive.sources import load_sources

ARTICLE = "http://www.chinatopix.com/articles/31164/20150122/iraq-frustrated.htm"
KEY = "com,chinatopix)/articles/31164/20150122/iraq-frustrated.htm"


def capture(timestamp: str = "20150122231502", url: str = ARTICLE, **fields: str
            ) -> CdxCapture:
    values = {"mimetype": "text/html", "statuscode": "200", "digest": "AAAA", "urlkey": KEY,
              **fields}
    return CdxCapture(timestamp=timestamp, original=url, line=f"{KEY} {timestamp}",
                      **values)


def test_the_endpoints_are_derived_from_the_replay_prefix() -> None:
    assert cdx_endpoint(WAYBACK_PREFIX) == WAYBACK_CDX == "https://web.archive.org/cdx/search/cdx"
    assert cdx_endpoint("http://web.archive.org/web/") == WAYBACK_CDX
    assert cdx_endpoint("http://127.0.0.1:8080/wayback/") == "http://127.0.0.1:8080/wayback/cdx"
    assert cdx_endpoint("http://127.0.0.1:8080/w/", "http://cdx.example/x") == (
        "http://cdx.example/x")
    assert replay_prefix("http://127.0.0.1:8080/wayback") == "http://127.0.0.1:8080/wayback/"
    for bad in ("ftp://x.org/web/", "web.archive.org/web/", "http:///web/"):
        with pytest.raises(ValueError, match="--wayback must be an http"):
            replay_prefix(bad)
    with pytest.raises(ValueError, match="--cdx must be an http"):
        cdx_endpoint(WAYBACK_PREFIX, "cdx.example")


def test_one_prefix_query_a_host_with_www_folded_as_surt_keys_fold_it() -> None:
    sources = load_sources()
    assert query_targets(sources["chinatopix"]) == ["chinatopix.com/"]
    assert query_targets(sources["ina"]) == ["ina.iq/"]


def test_query_urls_ask_for_the_filters_unencoded_and_page_or_list() -> None:
    query = CdxQuery("http://127.0.0.1:1/coll/cdx", "chinatopix.com/", date(2015, 1, 23),
                     date(2015, 3, 1), page_size=2)
    common = ("http://127.0.0.1:1/coll/cdx?url=chinatopix.com/&matchType=prefix"
              "&from=20150123&to=20150301&filter=statuscode:200&filter=mimetype:text/html"
              "&collapse=digest&output=json&pageSize=2")
    assert query.count_url() == common + "&showNumPages=true&limit=1"
    assert query.page_url(3) == common + "&page=3"
    assert query.list_url() == common + "&showResumeKey=true"
    assert query.resume_url("a b+c") == common + "&showResumeKey=true&resumeKey=a+b%2Bc"
    assert CdxQuery("https://x.org/cdx?coll=a", "x.org/").list_url().startswith(
        "https://x.org/cdx?coll=a&url=x.org/&matchType=prefix&filter=")


@pytest.mark.parametrize(("body", "pages"), [
    (b"17\n", 17),  # the Wayback Machine's plain answer
    (json.dumps({"pages": 4, "pageSize": 1, "blocks": 4}).encode(), 4),  # pywb, ZipNum
    (json.dumps([["numpages"], ["5"]]).encode(), 5),
    (json.dumps({"urlkey": KEY, "timestamp": "20150122231502", "url": ARTICLE}).encode(),
     None),  # a server that does not page lists captures
    (b"", None), (b"<html>busy</html>", None),
])
def test_page_counts_in_each_servers_form(body: bytes, pages: int | None) -> None:
    assert page_count(body) == pages


def test_the_filter_keeps_each_payload_of_each_article_once_in_the_window() -> None:
    keep = CaptureFilter(load_sources()["chinatopix"], date(2015, 1, 1), date(2015, 12, 31))
    assert keep.verdict(capture()) == "keep"
    assert keep.verdict(capture("20150124091133")) == "duplicate"  # same payload, later
    assert keep.verdict(capture("20150124091133", digest="BBBB")) == "keep"  # edited
    assert keep.verdict(capture(url="http://www.chinatopix.com/")) == "not_article"
    assert keep.verdict(capture(statuscode="404", digest="C")) == "not_ok"
    assert keep.verdict(capture(mimetype="image/jpeg", digest="D")) == "not_ok"
    assert keep.verdict(capture("20141231235959", digest="E")) == "outside_window"
    assert keep.verdict(capture("20160101000000", digest="F")) == "outside_window"
    # A server that sends no status or type (plain text, fewer fields) is not refused.
    assert keep.verdict(capture(statuscode="", mimetype="", digest="G")) == "keep"


def test_a_replay_is_the_capture_only_with_memento_datetime_and_its_status() -> None:
    prefix = "http://127.0.0.1:1/coll/"
    found = capture()
    assert replay_url(prefix, found) == f"{prefix}20150122231502id_/{ARTICLE}"
    origin = capture_origin(prefix, found)
    assert (origin.original_url, origin.original_date, origin.cdx_digest) == (
        ARTICLE, "2015-01-22T23:15:02.000000Z", "AAAA")
    assert origin.web_archive == prefix and origin.cdx_line == found.line
    answered = answered_origin(origin, 200, "Thu, 22 Jan 2015 23:15:03 GMT")
    assert answered is not None and answered.original_date == "2015-01-22T23:15:03.000000Z"
    assert answered_origin(origin, 200, "not a date") == origin
    assert answered_origin(origin, 200, "") is None  # pywb's 200 error pages, a proxy's
    assert answered_origin(origin, 404, "Thu, 22 Jan 2015 23:15:03 GMT") is None
    assert answered_origin(origin, 302, "") is None


# --- the command's errors, each one line ---------------------------------------------------


@pytest.mark.parametrize(("args", "code", "says"), [
    (["bbc"], 4, "unknown source(s): bbc"),
    (["chinatopix", "--wayback", "ftp://x.org/web/"], 4, "--wayback must be an http(s) URL"),
    (["chinatopix", "--cdx", "cdx.example"], 4, "--cdx must be an http(s) URL"),
    (["chinatopix", "--from", "July"], 2, "use YYYY-MM-DD"),
    (["chinatopix", "--from", "2015-03-01", "--to", "2015-01-01"], 2,
     "--to 2015-01-01 is before --from 2015-03-01"),
    ([], 2, "Missing argument 'SOURCES...'"),
])
def test_a_bad_backfill_is_one_line_before_anything_is_fetched(
        tmp_path, args: list[str], code: int, says: str) -> None:
    from click.testing import CliRunner

    from archive.cli import main

    archive = tmp_path / "archive"
    result = CliRunner().invoke(main, ["backfill", *args, "--archive", str(archive)])
    assert result.exit_code == code, result.output
    assert says in result.output
    assert sum(line.startswith("Error:") for line in result.output.splitlines()) == 1
    assert not archive.exists()  # refused before the archive was touched
