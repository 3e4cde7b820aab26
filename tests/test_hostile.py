"""Hostile server: one real `scrapy crawl` against tests/hostile_server.py, then one test per
case. For each: the crawl goes on, the WARC stays valid and truthful, memory stays bounded,
and the expected record (or refusal, counted in stats) is there.

One file over 500 lines on purpose: every test reads the one crawl the module fixture runs;
split, each part would run that crawl again.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import re
import resource
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from archive.warc.reader import ContentDecodingError, ReadError, StoredRecord, iter_records
from tests import hostile_server as hs

REPO = Path(__file__).resolve().parents[1]
MAX_BYTES = 1_048_576
MAX_SECONDS = 2
REDIRECT_MAX_TIMES = 10  # crawler/settings.py
PEAK_RSS_LIMIT = 400 * 1024 * 1024
CRAWL_TIMEOUT = 120
DOWNLOAD_TIMEOUT = 6

SOURCES_TOML = """\
[[source]]
name = "hostile"
title = "Hostile"
language = "en"
hosts = ["hostile.example"]
sections = ["http://hostile.example/news/"]
article_patterns = ['^http://hostile\\.example/news/[a-z0-9-]+\\.html$']
"""


def url(case: str) -> str:
    return f"{hs.BASE}/news/{case}.html"


@dataclass
class Crawl:
    returncode: int
    stderr: str
    stats: dict[str, object]
    archive: Path
    records: list[StoredRecord]
    read_errors: list[ReadError]
    peak_rss: dict[int, int]  # pid -> VmHWM in bytes (the crawl and its worker processes)
    children_maxrss: int  # RUSAGE_CHILDREN ru_maxrss after the crawl, bytes (0: unchanged)
    seconds: float
    server: hs.HostileServer

    def responses(self, target: str) -> list[StoredRecord]:
        return [r for r in self.records if r.rec_type == "response" and r.target_uri == target]

    def response(self, target: str) -> StoredRecord:
        found = self.responses(target)
        assert len(found) == 1, f"{len(found)} response records for {target}"
        return found[0]

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.archive / "index.db")
        conn.row_factory = sqlite3.Row
        return conn

    def article(self, target: str) -> sqlite3.Row | None:
        return self.db().execute("select * from articles where url = ?", [target]).fetchone()


def parse_stats(log: str) -> dict[str, object]:
    """Scrapy's final stats dump (a pprint'ed dict in the log) as {key: int/float/str}."""
    start = log.rfind("Dumping Scrapy stats:")
    assert start >= 0, "no stats dump in the log"
    stats: dict[str, object] = {}
    for line in log[start:].splitlines()[1:]:
        match = re.match(r"^[{ ]'([^']+)': (.*?)[,}]?$", line)
        if match:
            key, value = match.groups()
            if re.fullmatch(r"-?\d+", value):
                stats[key] = int(value)
            elif re.fullmatch(r"-?\d+\.\d*(e-?\d+)?", value):
                stats[key] = float(value)
            elif value.startswith("'") and value.endswith("'"):
                stats[key] = value[1:-1]
            else:
                stats[key] = value
        if line.endswith("}"):
            break
    return stats


def _vm_hwm(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    pids = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                pids += [int(p) for p in f.read().split()]
    except OSError:
        pass
    return pids


def _watch_memory(pid: int, peaks: dict[int, int], stop: threading.Event) -> None:
    """Poll the peak RSS (VmHWM) of the crawl and its descendants until it exits."""
    while not stop.is_set():
        pending = [pid]
        while pending:
            p = pending.pop()
            hwm = _vm_hwm(p)
            if hwm:
                peaks[p] = max(peaks.get(p, 0), hwm)
            pending += _children(p)
        stop.wait(0.05)


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory):
    server = hs.HostileServer()
    server.start()
    tmp = tmp_path_factory.mktemp("hostile")
    sources = tmp / "sources.toml"
    sources.write_text(SOURCES_TOML, encoding="utf-8")
    archive = tmp / "archive"
    settings = {
        "PRESSARCHIVE_SOURCES_FILE": str(sources),
        "PRESSARCHIVE_VIA": server.url,
        "PRESSARCHIVE_ARCHIVE_DIR": str(archive),
        "DOWNLOAD_DELAY": "0",
        # As `pressarchive crawl --delay 0` does: AutoThrottle would start at 1 s per request.
        "AUTOTHROTTLE_START_DELAY": "0.01",
        # Bounds the stalled transfer if the time limit does not (3 attempts x 6 s).
        "DOWNLOAD_TIMEOUT": str(DOWNLOAD_TIMEOUT),
        "PRESSARCHIVE_EXTRACT_WORKERS": "1",
        "PRESSARCHIVE_MAX_RESPONSE_BYTES": str(MAX_BYTES),
        "PRESSARCHIVE_MAX_RESPONSE_SECONDS": str(MAX_SECONDS),
        "RETRY_TIMES": "2",
        "LOG_LEVEL": "INFO",
    }
    args = [str(Path(sys.executable).with_name("scrapy")), "crawl", "hostile"]
    for key, value in settings.items():
        args += ["-s", f"{key}={value}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    log_path = tmp / "crawl.log"
    started = time.monotonic()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(args, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                env=dict(os.environ, PYTHONUNBUFFERED="1"))
        peaks: dict[int, int] = {}
        stop = threading.Event()
        watcher = threading.Thread(target=_watch_memory, args=(proc.pid, peaks, stop))
        watcher.start()
        try:
            proc.wait(timeout=CRAWL_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        finally:
            stop.set()
            watcher.join()
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    stderr = log_path.read_text(errors="replace")
    if proc.returncode != 0:
        server.stop()
        pytest.fail(f"crawl failed ({proc.returncode}) after {seconds:.0f} s:\n{stderr[-5000:]}")
    errors: list[ReadError] = []
    records = [r for path in sorted((archive / "warc").glob("*.warc.gz"))
               for r in iter_records(path, errors=errors)]
    # The slow transfers must have noticed that the crawler hung up.
    for path in ("/news/slow-drip.html", "/news/stall.html"):
        server.wait_for(path, timeout=10)
    yield Crawl(
        returncode=proc.returncode, stderr=stderr, stats=parse_stats(stderr), archive=archive,
        records=records, read_errors=errors, peak_rss=peaks,
        children_maxrss=after * 1024 if after > before else 0, seconds=seconds, server=server,
    )
    server.stop()


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def raw_block(crawl: Crawl, record: StoredRecord) -> bytes:
    """The record's uncompressed bytes as stored in the file."""
    with open(crawl.archive / "warc" / record.filename, "rb") as f:
        f.seek(record.offset)
        return gzip.decompress(f.read(record.length))


def http_status_line(crawl: Crawl, record: StoredRecord) -> str:
    http = raw_block(crawl, record).split(b"\r\n\r\n", 1)[1]
    return http.split(b"\r\n", 1)[0].decode("latin-1")


def all_warc_bytes(crawl: Crawl) -> bytes:
    return b"".join(gzip.decompress(p.read_bytes())
                    for p in sorted((crawl.archive / "warc").glob("*.warc.gz")))


# --- the crawl as a whole -------------------------------------------------------------------


def test_crawl_exits_zero_and_finishes_in_time(crawl):
    assert crawl.returncode == 0
    assert crawl.stats.get("finish_reason") == "finished", crawl.stderr[-3000:]
    assert "'finish_reason': 'finished'" in crawl.stderr
    assert crawl.seconds < 60, f"crawl took {crawl.seconds:.1f} s"


def test_every_case_was_requested(crawl):
    served = {e.path for e in crawl.server.served}
    for case in hs.CASES:
        assert f"/news/{case}.html" in served, case


def test_every_warc_passes_warcio_check_and_gzip_t_and_none_is_left_open(crawl):
    warc_dir = crawl.archive / "warc"
    files = sorted(warc_dir.glob("*.warc.gz"))
    assert files
    assert not list(warc_dir.glob("*.open")), "a WARC file was left open"
    warcio = Path(sys.executable).with_name("warcio")
    for path in files:
        check = subprocess.run([str(warcio), "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        assert subprocess.run(["gzip", "-t", str(path)]).returncode == 0, path
    assert crawl.read_errors == []


def test_every_response_record_is_truthful(crawl):
    """Digests match the stored body, framing headers describe it, requests pair up."""
    requests = {r.record_id: r for r in crawl.records if r.rec_type == "request"}
    responses = [r for r in crawl.records if r.rec_type == "response"]
    assert len(responses) >= len(hs.CASES)
    for record in responses:
        assert record.payload_digest == sha1_b32(record.body), record.target_uri
        for name, value in record.http_headers:
            assert name.lower() != "transfer-encoding", record.target_uri
            if name.lower() == "content-length":
                assert int(value) == len(record.body), record.target_uri
        assert record.target_uri.startswith(hs.BASE + "/"), record.target_uri
        assert record.warc_header("WARC-IP-Address") == "127.0.0.1"
        request = requests[record.warc_header("WARC-Concurrent-To")]
        assert request.target_uri == record.target_uri
        assert request.date == record.date


def test_every_served_response_is_archived_with_the_status_line_sent(crawl):
    """The raw status line (reason phrase included) of each exchange, as the server sent it."""
    sent = Counter((e.url, e.status_line) for e in crawl.server.served)
    archived = Counter((r.target_uri, http_status_line(crawl, r))
                       for r in crawl.records if r.rec_type == "response")
    assert archived == sent


def test_peak_memory_of_the_crawl_stays_bounded(crawl):
    assert crawl.peak_rss, "no memory samples taken"
    print(f"peak RSS (MiB): { {p: round(v / 2**20) for p, v in crawl.peak_rss.items()} }, "
          f"RUSAGE_CHILDREN max {crawl.children_maxrss / 2**20:.0f} MiB, "
          f"crawl {crawl.seconds:.1f} s")
    for pid, peak in crawl.peak_rss.items():
        assert peak < PEAK_RSS_LIMIT, f"pid {pid} peaked at {peak / 2**20:.0f} MiB"
    assert crawl.children_maxrss < PEAK_RSS_LIMIT


def test_control_article_is_indexed(crawl):
    row = crawl.article(url("control"))
    assert row is not None, "the control article is not indexed"
    assert hs.SENTENCES["control"] in row["text"]
    assert row["source"] == "hostile"
    assert http_status_line(crawl, crawl.response(url("control"))) == "HTTP/1.1 200 OK"


# --- decompression bomb ---------------------------------------------------------------------


def test_gzip_bomb_is_archived_as_sent_and_never_inflated(crawl):
    record = crawl.response(url("gzip-bomb"))
    bomb = crawl.server.payloads.bomb
    assert len(bomb) < MAX_BYTES  # so this is a bomb, not a length truncation
    assert record.truncated == ""
    assert record.http_header("Content-Encoding") == "gzip"
    assert len(record.body) == len(bomb)
    assert record.payload_digest == sha1_b32(record.body) == sha1_b32(bomb)
    with pytest.raises(ContentDecodingError):
        record.decoded_body(max_bytes=10 * 1024 * 1024)
    assert crawl.article(url("gzip-bomb")) is None
    # Scrapy's HttpCompressionMiddleware stops at DOWNLOAD_MAXSIZE and drops the response.
    assert "exceeded DOWNLOAD_MAXSIZE" in crawl.stderr


def test_gzip_bomb_refusal_is_counted_in_stats(crawl):
    # Scrapy only logs a warning when it refuses to inflate a body (no stat); the crawler
    # must count the refusal.
    assert crawl.stats.get("httpcompression/response_ignored_count") == 1, sorted(crawl.stats)


# --- bodies cut at a limit or by the server -------------------------------------------------


@pytest.mark.parametrize("case,how", [("huge", "length"), ("slow-drip", "time"),
                                      ("reset", "disconnect")])
def test_cut_bodies_are_archived_as_truncated_and_not_indexed(crawl, case, how):
    record = crawl.response(url(case))
    assert record.truncated == how
    assert record.warc_header("WARC-Truncated") == how
    assert record.payload_digest == sha1_b32(record.body)
    assert crawl.article(url(case)) is None
    row = crawl.db().execute("select status from non_articles where url = ?",
                             [url(case)]).fetchone()
    assert row is not None and row["status"] == "truncated"
    capture = crawl.db().execute("select truncated from captures where url = ?",
                                 [url(case)]).fetchone()
    assert capture["truncated"] == how


TRUNCATED = {
    url("huge"): "length",
    url("slow-drip"): "time",
    url("reset"): "disconnect",
    url("stall"): "time",
}


def test_only_cut_bodies_are_marked_truncated(crawl):
    marked = {r.target_uri: r.truncated for r in crawl.records if r.truncated}
    assert marked == TRUNCATED
    for how in ("length", "time", "disconnect"):
        expected = sum(1 for v in TRUNCATED.values() if v == how)
        assert crawl.stats.get(f"warc/truncated/{how}") == expected, how


def test_a_page_queued_behind_slow_transfers_is_not_marked_truncated(crawl):
    """The time limit is for a transfer, not for waiting in Scrapy's per-host queue.

    slow-drip and stall hold both download slots of hostile.example for about 2 s (each is
    rightly cut for time); queued.html is a small complete page, sent in a millisecond once
    its turn comes.
    """
    (served,) = crawl.server.responses("/news/queued.html")
    record = crawl.response(url("queued"))
    assert record.truncated == "", f"served in {served.finished - served.started:.3f} s"
    assert record.body == crawl.server.payloads.articles["queued"]
    # WARC-Date is the start of this capture, not the time the request entered the queue.
    fetched = datetime.fromisoformat(record.date.replace("Z", "+00:00")).timestamp()
    assert served.started - 1 <= fetched <= served.finished, (
        f"WARC-Date is {fetched - served.started:+.2f} s from the server's start of response")
    row = crawl.article(url("queued"))
    assert row is not None and hs.SENTENCES["queued"] in row["text"]


def test_a_stalled_transfer_is_cut_at_the_time_limit_not_lost(crawl):
    """The limit must hold when no more bytes come: what arrived is archived, marked time."""
    served = crawl.server.responses("/news/stall.html")
    assert len(served) == 1, f"stall requested {len(served)} times (retried after a timeout?)"
    assert served[0].ended == "client-gone"
    assert served[0].finished - served[0].started < MAX_SECONDS + 2
    record = crawl.response(url("stall"))
    assert record.truncated == "time"
    assert record.body == hs.STALL_PIECE


def test_huge_body_is_cut_at_the_byte_limit(crawl):
    record = crawl.response(url("huge"))
    assert MAX_BYTES < len(record.body) <= MAX_BYTES + 65536
    assert crawl.server.payloads.huge.startswith(record.body)
    # Sent without Content-Length (ended by close); any length stored must be the true one.
    assert record.http_header("Content-Length", str(len(record.body))) == str(len(record.body))


def test_slow_drip_is_cut_at_the_time_limit_and_the_server_sees_the_hangup(crawl):
    record = crawl.response(url("slow-drip"))
    assert record.body and record.body == hs.DRIP_PIECE * (len(record.body) // len(hs.DRIP_PIECE))
    pieces = len(record.body) // len(hs.DRIP_PIECE)
    assert MAX_SECONDS / hs.DRIP_INTERVAL - 3 <= pieces <= MAX_SECONDS / hs.DRIP_INTERVAL + 5
    (served,) = crawl.server.responses("/news/slow-drip.html")
    assert served.ended == "client-gone"
    assert served.finished - served.started < MAX_SECONDS + 5


def test_reset_mid_body_keeps_what_arrived_and_says_so(crawl):
    record = crawl.response(url("reset"))
    assert record.body == crawl.server.payloads.reset
    # The declared length is kept aside; the stored message is framed by its real length.
    assert record.http_header("X-Archive-Orig-Content-Length") == str(hs.RESET_DECLARED)
    assert record.http_header("Content-Length") == str(hs.RESET_SENT)


# --- encodings --------------------------------------------------------------------------------


def test_chunked_gzip_is_stored_dechunked_with_true_framing_and_indexed(crawl):
    record = crawl.response(url("chunked-gzip"))
    gz = crawl.server.payloads.chunked_gzip
    assert record.truncated == ""
    assert record.body == gz
    names = [name for name, _ in record.http_headers]
    assert "Transfer-Encoding" not in names
    assert record.http_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
    assert record.http_header("Content-Length") == str(len(gz))
    assert record.http_header("Content-Encoding") == "gzip"
    assert record.payload_digest == sha1_b32(gz)
    assert hs.SENTENCES["chunked-gzip"].encode() in record.decoded_body()
    block = raw_block(crawl, record)
    assert block.endswith(gz + b"\r\n\r\n") or block.endswith(gz)
    row = crawl.article(url("chunked-gzip"))
    assert row is not None and hs.SENTENCES["chunked-gzip"] in row["text"]


def test_lying_charset_is_archived_byte_exact_and_indexed_with_the_right_characters(crawl):
    record = crawl.response(url("charset"))
    assert record.body == crawl.server.payloads.charset
    assert record.http_header("Content-Type") == "text/html; charset=utf-8"
    row = crawl.article(url("charset"))
    assert row is not None
    assert hs.SENTENCES["charset"] in row["text"]
    assert "\ufffd" not in row["text"] and "\ufffd" not in row["title"]


# --- redirects --------------------------------------------------------------------------------


def test_redirect_loop_is_archived_hop_by_hop_and_not_followed_forever(crawl):
    a, b = url("loop-a"), url("loop-b")
    assert crawl.server.hits("/news/loop-a.html") == 1
    assert crawl.server.hits("/news/loop-b.html") == 1
    for target, location in ((a, b), (b, "/news/loop-a.html")):
        record = crawl.response(target)
        assert record.http_status == 301
        assert record.http_header("Location") == location
        assert len([r for r in crawl.records
                    if r.rec_type == "request" and r.target_uri == target]) == 1
        assert crawl.article(target) is None
    # loop-b -> loop-a is dropped by the dupe filter.
    assert crawl.stats.get("dupefilter/filtered", 0) >= 1


def test_endless_redirect_chain_stops_at_the_redirect_limit(crawl):
    hops = crawl.server.responses("/news/chain.html") + [
        e for e in crawl.server.served if e.path.startswith("/news/chain.html?")]
    assert len(hops) == REDIRECT_MAX_TIMES + 1
    chain = [r for r in crawl.records if r.rec_type == "response"
             and r.target_uri.startswith(f"{hs.BASE}/news/chain.html")]
    assert len(chain) == REDIRECT_MAX_TIMES + 1
    assert all(r.http_status == 301 for r in chain)


def test_redirects_to_file_and_data_urls_are_refused_and_counted(crawl):
    for case, location in (("file-redirect", hs.FILE_URL), ("data-redirect", hs.DATA_URL)):
        record = crawl.response(url(case))
        assert record.http_status == 302
        assert record.http_header("Location") == location  # archived as sent
        assert crawl.article(url(case)) is None
    for record in crawl.records:
        assert not record.target_uri.startswith(("file:", "data:")), record.target_uri
    assert crawl.db().execute(
        "select count(*) from captures where url like 'file:%' or url like 'data:%'"
    ).fetchone()[0] == 0
    warc = all_warc_bytes(crawl)
    assert b"root:x:" not in warc
    passwd = Path("/etc/passwd").read_bytes().splitlines()
    assert not passwd or passwd[0] not in warc
    assert hs.DATA_MARKER.encode() not in warc
    # Scrapy's RedirectMiddleware hands a redirect to a non-HTTP scheme back as the 302
    # itself, which HttpErrorMiddleware then drops: that is where the refusal is counted.
    assert crawl.stats.get("httperror/response_ignored_status_count/302") == 2
    assert not any(k.startswith("downloader/exception_type_count/") and "NotSupported" in k
                   for k in crawl.stats), "a file:/data: download was attempted"


# --- heads --------------------------------------------------------------------------------------


def test_repeated_set_cookie_and_header_case_and_reason_phrase_are_kept(crawl):
    record = crawl.response(url("cookies"))
    assert http_status_line(crawl, record) == f"HTTP/1.1 200 {hs.COOKIE_REASON}"
    cookies = [v for n, v in record.http_headers if n.lower() == "set-cookie"]
    assert cookies == list(hs.SET_COOKIES)
    for name, value in hs.ODD_CASE_HEADERS:
        assert (name, value) in record.http_headers
    raw = raw_block(crawl, record)
    assert b"\r\nX-Custom-Case: 1\r\n" in raw and b"\r\nx-lower-case: kept\r\n" in raw
    row = crawl.article(url("cookies"))
    assert row is not None and hs.SENTENCES["cookies"] in row["text"]


# --- 429 --------------------------------------------------------------------------------------


def test_429_and_the_retried_200_are_both_archived_and_the_article_indexed_once(crawl):
    records = crawl.responses(url("busy"))
    assert [r.http_status for r in records] == [429, 200]
    assert records[0].http_header("Retry-After") == str(hs.RETRY_AFTER_SECONDS)
    assert records[1].truncated == ""
    # Scrapy names the reason after Twisted's table, which lacks 429: "429 Unknown Status".
    assert crawl.stats.get("retry/reason_count/429 Unknown Status") == 1
    conn = crawl.db()
    rows = conn.execute("select text from articles where url = ?", [url("busy")]).fetchall()
    assert len(rows) == 1 and hs.SENTENCES["busy"] in rows[0]["text"]
    statuses = [r[0] for r in conn.execute(
        "select status from captures where url = ? order by id", [url("busy")])]
    assert statuses == [429, 200]


def test_429_retry_waits_for_retry_after(crawl):
    first, second = crawl.server.responses("/news/busy.html")[:2]
    waited = second.started - first.finished
    assert waited >= hs.RETRY_AFTER_SECONDS, f"retried after {waited:.2f} s"
