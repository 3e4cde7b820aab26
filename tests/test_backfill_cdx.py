"""CDX answers in the Wayback Machine's and pywb's forms."""

from __future__ import annotations

import json

import pytest

from archive.backfill.cdx import CdxCapture, CdxError, parse_cdx

URL = "http://www.chinatopix.com/articles/1/20150412/a.htm"
KEY = "com,chinatopix)/articles/1/20150412/a.htm"


def test_wayback_json_array_with_resume_key() -> None:
    rows = [
        ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
        [KEY, "20150412093000", URL, "text/html", "200", "AAAA", "5120"],
        [KEY, "20160101000000", URL, "text/html", "200", "BBBB", "-"],
        [],
        ["com%2Cchinatopix%29%2Farticles+20160101000000"],
    ]
    page = parse_cdx(json.dumps(rows).encode())
    assert [(c.timestamp, c.digest, c.length) for c in page.captures] == [
        ("20150412093000", "AAAA", 5120), ("20160101000000", "BBBB", -1)]
    assert page.captures[0].original == URL and page.captures[0].statuscode == "200"
    assert page.resume_key == "com%2Cchinatopix%29%2Farticles+20160101000000"
    assert json.loads(page.captures[0].line) == rows[1]


def test_pywb_json_lines() -> None:
    lines = [
        {"urlkey": KEY, "timestamp": "20150412093000", "url": URL, "mime": "text/html",
         "status": "200", "digest": "AAAA", "length": "2048", "offset": "777",
         "filename": "chinatopix-2015.warc.gz"},
        {"urlkey": KEY, "timestamp": "20150412093001", "url": URL},
    ]
    body = "\n".join(json.dumps(x) for x in lines).encode() + b"\nnot json\n"
    page = parse_cdx(body)
    assert page.captures[0] == CdxCapture(
        timestamp="20150412093000", original=URL, mimetype="text/html", statuscode="200",
        digest="AAAA", length=2048, offset=777, filename="chinatopix-2015.warc.gz",
        urlkey=KEY, line=json.dumps(lines[0]))
    assert page.captures[1].statuscode == "" and page.captures[1].offset == -1
    assert page.unreadable == 1 and page.resume_key == ""


def test_plain_text_with_resume_key() -> None:
    body = (f"{KEY} 20150412093000 {URL} text/html 200 AAAA 5120\n"
            f"{KEY} 2015xx {URL} text/html 200 AAAA 5120\n"
            "short line\n"
            "\n"
            "resumekey123\n").encode()
    page = parse_cdx(body)
    assert [c.timestamp for c in page.captures] == ["20150412093000"]
    assert page.unreadable == 2 and page.resume_key == "resumekey123"


def test_empty_answer_has_no_captures() -> None:
    assert parse_cdx(b"").captures == []
    assert parse_cdx(b"[]").captures == []


@pytest.mark.parametrize("body", [b"<html><body>Wayback is down</body></html>",
                                  b'[["urlkey","timestamp"], ["a", ', b"[1, 2]"])
def test_not_a_cdx_answer(body: bytes) -> None:
    with pytest.raises(CdxError):
        parse_cdx(body)
