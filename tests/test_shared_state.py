"""The shared crawl state (archive/shared_state.py) against a real Redis and a real
state.db: what one worker records, another reads; Redis follows state.db's commits; a
Redis that lost its data falls back on the worker's own state."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import redis

from archive.index.schema import Capture
from archive.shared_state import STATE_KEY, PayloadHolder, SharedCrawlState
from archive.state import CrawlState

URL = "https://www.trtworld.com/middle-east/coalition-strikes"
T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
SCHEDULE = (dt.timedelta(hours=1), dt.timedelta(days=1), dt.timedelta(days=7))


def worker_state(tmp_path: Path, name: str, redis_url: str) -> SharedCrawlState:
    (tmp_path / name).mkdir()
    return SharedCrawlState(CrawlState(tmp_path / name / "state.db"), redis_url)


def capture(status: int, record_id: str, fetched: dt.datetime, digest: str = "sha1:AAA",
            **fields: str) -> Capture:
    return Capture(url=URL, source="trtworld", status=status, content_type="text/html",
                   fetched_at=fetched.strftime("%Y-%m-%dT%H:%M:%SZ"), warc_file="f.warc.gz",
                   warc_offset=0, warc_length=1, record_id=record_id, payload_digest=digest,
                   **fields)


def record(state: SharedCrawlState, status: int, fetched: dt.datetime, etag: str,
           captured: Capture | None, original: Capture | PayloadHolder | None = None) -> None:
    state.record_fetch(url=URL, source="trtworld", kind="article", status=status, etag=etag,
                       last_modified="", payload_digest="sha1:AAA", fetched=fetched,
                       schedule=SCHEDULE, capture=captured, original=original)


def test_what_one_worker_fetched_another_reads(tmp_path: Path, redis_url: str) -> None:
    w1, w2 = worker_state(tmp_path, "w1", redis_url), worker_state(tmp_path, "w2", redis_url)
    first = capture(200, "<urn:uuid:1>", T0, etag='"v1"')
    record(w1, 200, T0, '"v1"', first)
    known = w2.get(URL)
    assert known is not None and known.etag == '"v1"' and known.first_seen == "2026-12-01T08:00:00Z"
    assert known.next_due == "2026-12-01T09:00:00Z"
    assert not CrawlState.due(w2.get(URL), T0 + dt.timedelta(minutes=30))
    assert CrawlState.due(w2.get(URL), T0 + dt.timedelta(hours=2))
    # w2's 304 keeps w1's validators and first sighting; its revisit refers to w1's record.
    _at, holder = w2.original(URL, not_modified=True)
    assert holder.record_id == "<urn:uuid:1>"
    later = T0 + dt.timedelta(hours=2)
    revisit = capture(304, "<urn:uuid:2>", later, rec_type="revisit", refers_to="<urn:uuid:1>")
    record(w2, 304, later, "", revisit, holder)
    after = w1.get(URL)
    assert (after.etag, after.fetches, after.next_due) == ('"v1"', 2, "2026-12-02T08:00:00Z")
    # w2's own state.db dates the URL from w1's first sighting, not its own fetch.
    assert w2.local.get(URL).first_seen == "2026-12-01T08:00:00Z"
    # The payload is still w1's record, for a 304 and for an identical 200 alike.
    assert w1.original(URL, not_modified=False)[1].record_id == "<urn:uuid:1>"


def test_redis_gets_a_batch_only_once_state_db_committed_it(tmp_path: Path,
                                                            redis_url: str) -> None:
    w1 = worker_state(tmp_path, "w1", redis_url)
    with pytest.raises(RuntimeError), w1.batch():
        record(w1, 200, T0, '"v1"', capture(200, "<urn:uuid:1>", T0))
        raise RuntimeError("the index commit failed")
    assert w1.get(URL) is None
    assert not redis.Redis.from_url(redis_url).hexists(STATE_KEY, URL)
    with w1.batch():
        record(w1, 200, T0, '"v1"', capture(200, "<urn:uuid:1>", T0))
        assert not redis.Redis.from_url(redis_url).hexists(STATE_KEY, URL)
    assert redis.Redis.from_url(redis_url).hexists(STATE_KEY, URL)


def test_a_redis_that_lost_the_state_costs_fetches_not_pages(tmp_path: Path,
                                                             redis_url: str) -> None:
    w1 = worker_state(tmp_path, "w1", redis_url)
    record(w1, 200, T0, '"v1"', capture(200, "<urn:uuid:1>", T0))
    redis.Redis.from_url(redis_url).flushdb()
    # This worker still knows its own URL; the others would fetch it in full.
    assert w1.get(URL).etag == '"v1"'
    assert worker_state(tmp_path, "w2", redis_url).get(URL) is None


def test_an_unreachable_redis_is_one_warning_and_the_crawl_goes_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from tests.helpers.redis_server import free_port

    w1 = worker_state(tmp_path, "w1", f"redis://127.0.0.1:{free_port()}/0")
    record(w1, 200, T0, '"v1"', capture(200, "<urn:uuid:1>", T0))
    record(w1, 200, T0 + dt.timedelta(hours=2), '"v1"', capture(200, "<urn:uuid:2>", T0))
    assert w1.get(URL).fetches == 2
    warnings = [r for r in caplog.records if "shared crawl state" in r.getMessage()]
    assert len(warnings) == 1 and w1.redis_failures >= 2


def test_an_entry_reads_back_as_written() -> None:
    from archive.shared_state import SharedUrl
    from archive.state import UrlState

    state = UrlState(URL, "trtworld", "article", "2026-12-01T08:00:00Z",
                     "2026-12-02T08:00:00Z", 404, '"v1"', "", "sha1:BBB", 3, "")
    ok = PayloadHolder("<urn:uuid:1>", URL, "2026-12-01T08:00:00Z", "sha1:AAA")
    gone = PayloadHolder("<urn:uuid:2>", URL + "?amp", "2026-12-02T08:00:00Z", "sha1:BBB")
    for entry in (SharedUrl(state, "2026-12-02T08:00:00Z", gone, ok),
                  SharedUrl(state, "2026-12-01T08:00:00Z", ok, ok), SharedUrl(state)):
        assert SharedUrl.decode(URL, entry.encode()) == entry
