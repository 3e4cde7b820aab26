"""Replay through Datasette's own address (archive/web/replay_proxy.py): a public
instance links to /press/… on itself, and those requests reach a real pywb over real WARC
files, whose replayed pages link back to the instance, not to 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from archive.reextract import ReextractOptions, run_reextract
from archive.serve import datasette_app
from archive.sources import load_sources
from archive.web.replay import running_replay
from tests.helpers.replay import pywb_failures_fail_the_test
from tests.helpers.shared_archive import page, response, write_warc


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("proxy") / "archive"
    url, body = page("france24")
    write_warc(root / "warc" / "pressarchive-20260301000000-00000-1.warc.gz",
               [response(1, url, body, "2026-03-01T08:00:00Z")])
    run_reextract(ReextractOptions(archive=root, sources=load_sources(), workers=1,
                                   quiet=True))
    return root


async def visit(archive: Path, base: str, public: bool, *paths: str,
                method: str = "GET") -> list:
    ds = datasette_app(archive, public=public, replay=base)
    await ds.invoke_startup()
    return [await ds.client.request(method, path) for path in paths]


def test_a_public_instance_replays_through_its_own_address(archive: Path) -> None:
    url, body = page("france24")
    with pywb_failures_fail_the_test(), running_replay(archive, 0) as base:
        (listing,) = asyncio.run(visit(archive, base, True, f"/captures?url={url}"))
        links = re.findall(r'href="([^"]*/press/[^"]+)"', listing.text)
        assert links and all(link.startswith("/press/") for link in links), links
        raw = next(link for link in links if "id_/" in link)
        replayed = next(link for link in links if "id_/" not in link)
        got_raw, got_page, wombat = asyncio.run(visit(
            archive, base, True, raw, replayed, "/static/wombat.js"))
        assert (got_raw.status_code, got_raw.content) == (200, body)
        # The replayed page (a banner added) points back here, never at pywb's port.
        assert got_page.status_code == 200
        assert "France 24" in got_page.text or "france24" in got_page.text
        assert base.rsplit(":", 1)[1] not in got_page.text
        assert "http://localhost/static/" in got_page.text
        assert wombat.status_code == 200 and "javascript" in wombat.headers["content-type"]
        # A local instance links to pywb itself, and the proxy refuses writes.
        (local,) = asyncio.run(visit(archive, base, False, f"/captures?url={url}"))
        assert f'href="{base}/press/' in local.text
        (post,) = asyncio.run(visit(archive, base, True, raw, method="POST"))
        assert post.status_code == 405


def test_without_replay_the_proxy_answers_404(archive: Path) -> None:
    (answer,) = asyncio.run(visit(archive, "", True, "/press/2026/https://example.com/"))
    assert answer.status_code == 404
