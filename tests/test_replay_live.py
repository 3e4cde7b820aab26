"""Captures made while `serve` runs replay without a restart: its pywb collection is
brought up to date from the files written since (archive/web/replay.py), a real pywb
against real WARC files, the second file written after replay started."""

from __future__ import annotations

import time
from pathlib import Path

from archive.warc.cdxj_update import read_list
from archive.web.replay import running_replay
from tests.helpers.replay import fetch, pywb_failures_fail_the_test
from tests.helpers.shared_archive import page, response, write_warc


def raw(base: str, stamp: str, url: str) -> str:
    return f"{base}/press/{stamp}id_/{url}"


def test_a_capture_made_while_serving_replays_within_a_refresh(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    first_url, first = page("france24")
    later_url, later = page("trtworld")
    write_warc(archive / "warc" / "pressarchive-20260301000000-00000-1.warc.gz",
               [response(1, first_url, first, "2026-03-01T08:00:00Z")])
    with pywb_failures_fail_the_test(), running_replay(archive, 0, refresh=0.2) as base:
        assert fetch(raw(base, "20260301080000", first_url))[::2] == (200, first)
        # A crawl beside serve closes a new file.
        write_warc(archive / "warc" / "pressarchive-20260302000000-00000-1.warc.gz",
                   [response(2, later_url, later, "2026-03-02T08:00:00Z")])
        deadline = time.monotonic() + 20
        while (status := fetch(raw(base, "20260302080000", later_url))[0]) != 200:
            assert time.monotonic() < deadline, f"not replayed within 20 s: {status}"
            time.sleep(0.2)
        assert fetch(raw(base, "20260302080000", later_url))[::2] == (200, later)
    # DIR's own index is the archive's, untouched by serve's refreshes.
    assert len(read_list(archive / "indexes" / "index.cdxj")) == 1
