"""The sample web archive and CC-NEWS file set (archive.samplesites.webarchive), built and
served for a test: real pywb, the real Range server, nothing mocked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.samplesites.webarchive import (
    CCNews,
    CCNewsService,
    WebArchive,
    build_cc_news,
    build_web_archive,
    serve_cc_news,
    serve_web_archive,
)
from tests.helpers.replay import pywb_failures_fail_the_test, running_wayback, tool


@contextmanager
def served_web_archive(target: Path, **options: int) -> Iterator[tuple[WebArchive, str]]:
    """The sample web archive built in ``target`` and served by pywb on 127.0.0.1; yields it
    and its replay prefix ``http://127.0.0.1:PORT/<coll>/`` (CDX API: prefix + "cdx")."""
    tool("wayback")  # a missing tools venv fails the test (never skips it)
    with pywb_failures_fail_the_test():
        archive = build_web_archive(target, **options)
    with running_wayback(archive.root) as base:
        yield archive, f"{base}/{archive.coll_name}/"


@contextmanager
def library_served_web_archive(target: Path, **options: int) -> Iterator[tuple[WebArchive, str]]:
    """The same through the library's ``serve_web_archive`` (what the demo calls)."""
    tool("wayback")
    with pywb_failures_fail_the_test():
        archive = build_web_archive(target, **options)
        with serve_web_archive(archive) as prefix:
            yield archive, prefix


@contextmanager
def served_cc_news(target: Path) -> Iterator[tuple[CCNews, CCNewsService]]:
    """The sample CC-NEWS set built in ``target``: its files behind the Range server, its
    index behind pywb."""
    tool("wayback")
    with pywb_failures_fail_the_test():
        ccnews = build_cc_news(target)
        with serve_cc_news(ccnews) as service:
            yield ccnews, service
