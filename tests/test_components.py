"""Each Scrapy component of crawler/ on its own, through a crawler made by Scrapy's
`get_crawler` with this project's settings: its `from_crawler`, the NotConfigured (and
its reason) when its setting switches it off, and one thing it does, without a network
(the whole-crawl tests run them all together against the sample sites).

The archive is written in this process (PRESSARCHIVE_WARC_WRITER_PROCESS off: the
writer process talks to the crawl through the reactor); every test closes what it
opened, and a fixture checks that no archive session is left open.
"""

from __future__ import annotations

import asyncio
import gc
import gzip
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, signals
from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import DropItem, IgnoreRequest, NotConfigured, StopDownload
from scrapy.http import HtmlResponse, Response
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionRefusedError
from twisted.python.failure import Failure

import crawler.gctuning as gctuning
import crawler.settings as project_settings
from archive.index.schema import Capture
from archive.sources import Source
from archive.warc.reader import archive_files, iter_archive
from crawler import meta, quietlog
from crawler.cookies import OfflineCookiesMiddleware, is_public_domain
from crawler.crawldelay import CrawlDelayMiddleware
from crawler.gctuning import GcTuning
from crawler.pipelines import ArchiveLogFormatter, ArticlePipeline
from crawler.politeness import (
    CountingHttpCompressionMiddleware,
    RetryAfterMiddleware,
    pause_slot,
)
from crawler.quietlog import QuietListings
from crawler.recheck import RecheckMiddleware
from crawler.session import CrawlSession
from crawler.spiders.source import SourceSpider, make_spider_class
from crawler.warcmiddleware import WarcCaptureMiddleware

REPO = Path(__file__).resolve().parents[1]
SOURCE = Source(name="example", title="Example News", language="en",
                hosts=("news.example",), feeds=("https://news.example/feed.xml",),
                article_patterns=(r"/article/",))
ARTICLE_URL = "https://news.example/article/1"
PAGE = b"<html><head><title>One</title></head><body><p>Text.</p></body></html>"


def project_settings_dict(**overrides: Any) -> dict[str, Any]:
    """crawler/settings.py as a dict, with these settings changed."""
    settings = {name: getattr(project_settings, name) for name in dir(project_settings)
                if name.isupper()}
    return {**settings, **overrides}


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return tmp_path / "archive"


class Crawlers:
    """Crawlers of the example source on one archive, and the components built for them.

    Scrapy's signals hold their receivers weakly (in a crawl, the component managers
    keep the components): the components are kept here until their crawlers are closed,
    or one collected before spider_closed would never release the archive session."""

    def __init__(self, archive: Path):
        self.archive = archive
        self.made: list[Crawler] = []
        self.kept: list[Any] = []

    def crawler(self, **settings: Any) -> Crawler:
        crawler = get_crawler(make_spider_class(SOURCE), project_settings_dict(
            PRESSARCHIVE_ARCHIVE_DIR=str(self.archive),
            PRESSARCHIVE_WARC_WRITER_PROCESS=False,
            PRESSARCHIVE_EXTRACT_WORKERS=1,
            # Scrapy's own extensions (core stats, log stats...) need the spider_opened
            # these tests do not send (it would start extraction workers); the project's
            # EXTENSIONS are built as usual.
            EXTENSIONS_BASE={},
            **settings,
        ))
        self.made.append(crawler)
        return crawler

    def with_spider(self, crawler: Crawler) -> SourceSpider:
        """The crawler's spider, made and set as Crawler.crawl() does."""
        crawler.spider = crawler.spidercls.from_crawler(crawler)
        return crawler.spider

    def build(self, component_class: Any, crawler: Crawler) -> Any:
        component = component_class.from_crawler(crawler)
        self.kept.append(component)
        return component

    def close(self, crawler: Crawler) -> None:
        """The crawler's spider_closed, as the engine sends it (once); a handler's
        failure fails the test."""
        self.made.remove(crawler)
        results = crawler.signals.send_catch_log(signals.spider_closed, spider=None,
                                                 reason="finished")
        failures = [result for _, result in results if isinstance(result, Failure)]
        assert not failures, failures

    def close_all(self) -> None:
        while self.made:
            self.close(self.made[0])
        self.kept.clear()


@pytest.fixture
def crawlers(archive: Path) -> Iterator[Crawlers]:
    made = Crawlers(archive)
    yield made
    made.close_all()


@pytest.fixture(autouse=True)
def no_session_left_open() -> Iterator[None]:
    assert not CrawlSession._sessions
    yield
    left = dict(CrawlSession._sessions)
    for session in left.values():  # closed, so that the next tests do not fail too
        CrawlSession._sessions.pop(session.directory)
        session.close()
    assert not left, "a component did not release its archive session"


@pytest.fixture(autouse=True)
def restore_log_filters() -> Iterator[None]:
    """The QuietListings add-on adds filters to process-wide loggers."""
    names = [*quietlog.LISTINGS, quietlog.STATS_LOGGER, quietlog.DISABLED_LOGGER]
    before = {name: list(logging.getLogger(name).filters) for name in names}
    yield
    for name, filters in before.items():
        logging.getLogger(name).filters[:] = filters


def run(coroutine: Any) -> Any:
    """An `async def` process_* method, run to its end."""
    return asyncio.run(coroutine)


def article_request(url: str = ARTICLE_URL, **request_meta: Any) -> Request:
    return Request(url, meta={meta.ARTICLE: True, **request_meta})


def html_response(request: Request, status: int = 200, body: bytes = PAGE,
                  **headers: str) -> HtmlResponse:
    return HtmlResponse(request.url, status=status, body=body, request=request,
                        headers={"Content-Type": "text/html; charset=utf-8", **headers})


def archived(middleware: WarcCaptureMiddleware, request: Request,
             response: Response | None = None) -> Capture:
    """The request's exchange archived by a WARC capture middleware.

    The test keeps the middleware: Scrapy's signals hold their receivers weakly (the
    middleware manager keeps a crawl's components), and a middleware collected before
    spider_closed would never release the archive session."""
    run(middleware.process_response(request, response or html_response(request)))
    return request.meta[meta.CAPTURE]


# --- settings ------------------------------------------------------------------------


SETTING_READ = re.compile(r"""settings\.get\w*\(\s*["']([A-Z0-9_]+)["']\s*([,)])""")


def crawler_code() -> dict[Path, str]:
    return {path: path.read_text() for path in (REPO / "crawler").rglob("*.py")}


def test_every_setting_the_crawler_reads_has_its_default_in_the_settings_module():
    read = {name for code in crawler_code().values() for name, _ in SETTING_READ.findall(code)}
    own = {name for name in read if name.startswith("PRESSARCHIVE_")}
    assert {"PRESSARCHIVE_WARC_ENABLED", "PRESSARCHIVE_INDEX_ENABLED",
            "PRESSARCHIVE_RECHECK_ENABLED", "PRESSARCHIVE_GC_THRESHOLD"} <= own
    assert not [name for name in own if not hasattr(project_settings, name)]


def test_no_setting_is_read_with_a_default_of_its_own():
    # A default written in a getter call is a second default, which the settings
    # module and docs/settings.md do not show.
    inline = [f"{path.name}: {name}" for path, code in crawler_code().items()
              for name, end in SETTING_READ.findall(code) if end == ","]
    assert inline == []


def test_every_component_is_on_by_default():
    enabled = {name: getattr(project_settings, name) for name in dir(project_settings)
               if name.startswith("PRESSARCHIVE_") and name.endswith("_ENABLED")}
    assert enabled == {"PRESSARCHIVE_WARC_ENABLED": True, "PRESSARCHIVE_INDEX_ENABLED": True,
                       "PRESSARCHIVE_RECHECK_ENABLED": True,
                       "PRESSARCHIVE_CRAWL_DELAY_ENABLED": True}


# --- request meta keys ---------------------------------------------------------------


def test_meta_keys_are_distinct_and_only_written_in_crawler_meta():
    keys = {name: value for name, value in vars(meta).items() if name.isupper()}
    assert len(set(keys.values())) == len(keys)
    literals = re.compile("|".join(re.escape(f'"{value}"') for value in keys.values()))
    retyped = [f"{path.relative_to(REPO)}: {found.group()}"
               for path, code in crawler_code().items() if path.name != "meta.py"
               for found in literals.finditer(code)]
    assert retyped == []


# --- WarcCaptureMiddleware -----------------------------------------------------------


def test_warc_capture_is_switched_off_by_its_setting(crawlers):
    crawler = crawlers.crawler(PRESSARCHIVE_WARC_ENABLED=False)
    with pytest.raises(NotConfigured, match="PRESSARCHIVE_WARC_ENABLED is off"):
        crawlers.build(WarcCaptureMiddleware, crawler)
    assert not CrawlSession._sessions  # the archive was not even opened


def test_warc_capture_archives_an_exchange(crawlers, archive):
    crawler = crawlers.crawler()
    middleware = crawlers.build(WarcCaptureMiddleware, crawler)
    assert middleware.session is CrawlSession._sessions[archive.resolve()]
    assert middleware.source_name == "example"
    request = Request(ARTICLE_URL, headers={"Accept": "text/html"}, meta={meta.ARTICLE: True})
    request.meta[meta.STARTED_AT] = 1_700_000_000.0
    response = html_response(request, ETag='"v1"')
    assert run(middleware.process_response(request, response)) is response
    capture = request.meta[meta.CAPTURE]
    assert (capture.url, capture.status, capture.rec_type, capture.etag) == (
        ARTICLE_URL, 200, "response", '"v1"')
    assert capture.fetched_at.startswith("2023-11-14T22:13:20")
    stats = crawler.stats.get_stats()
    assert (stats["warc/records"], stats["warc/responses"]) == (2, 1)
    # The crawl state knows it as an article page (what RecheckMiddleware reads).
    assert middleware.session.state.get(ARTICLE_URL).kind == "article"
    crawlers.close(crawler)
    # Closed with its last user: the WARC file is renamed from .open, and holds both.
    files = archive_files(archive / "warc")
    assert [path.name for path in files] == [capture.warc_file]
    records = [(r.rec_type, r.target_uri) for r in iter_archive(archive / "warc")
               if r.rec_type != "warcinfo"]
    assert records == [("request", ARTICLE_URL), ("response", ARTICLE_URL)]
    body = next(r.body for r in iter_archive(archive / "warc") if r.rec_type == "response")
    assert body == PAGE


def test_warc_capture_cuts_a_body_at_the_size_limit(crawlers):
    crawler = crawlers.crawler(PRESSARCHIVE_MAX_RESPONSE_BYTES=10)
    middleware = crawlers.build(WarcCaptureMiddleware, crawler)
    request = article_request()

    def receive(data: bytes) -> list[Any]:
        results = crawler.signals.send_catch_log(signals.bytes_received, data=data,
                                                 request=request, spider=None,
                                                 dont_log=StopDownload)
        return [result for _, result in results if isinstance(result, Failure)]

    assert receive(b"123456") == []
    assert meta.TRUNCATED not in request.meta
    [stopped] = receive(b"789012")
    assert stopped.check(StopDownload) and stopped.value.fail is False
    assert request.meta[meta.BYTES_RECEIVED] == 12
    assert request.meta[meta.TRUNCATED] == "length"
    run(middleware.process_response(request, html_response(request, body=b"123456789012")))
    assert request.meta[meta.CAPTURE].truncated == "length"
    assert crawler.stats.get_value("warc/truncated/length") == 1


def test_crawlers_of_one_archive_share_one_session_until_the_last_closes(crawlers,
                                                                          archive):
    first, second = crawlers.crawler(), crawlers.crawler()
    first_capture = crawlers.build(WarcCaptureMiddleware, first)
    second_capture = crawlers.build(WarcCaptureMiddleware, second)
    recheck = crawlers.build(RecheckMiddleware, second)
    assert first_capture.session is second_capture.session is recheck.session
    session = first_capture.session
    assert session._crawlers == [first, second]
    crawlers.close(first)
    assert CrawlSession._sessions == {archive.resolve(): session}
    # The second crawler still archives through it.
    request = article_request("https://news.example/article/2")
    run(second_capture.process_response(request, html_response(request)))
    assert request.meta[meta.CAPTURE].status == 200
    crawlers.close(second)
    assert not CrawlSession._sessions
    assert archive_files(archive / "warc")  # closed: no .open file left


def test_a_held_session_outlives_its_crawler_until_released(crawlers, archive):
    """Crawlers run one after another (the back-fill's sources) keep one session."""
    crawler = crawlers.crawler()
    assert CrawlSession.hold(crawler.settings) is None  # nothing open to hold
    capture = crawlers.build(WarcCaptureMiddleware, crawler)
    held = CrawlSession.hold(crawler.settings)
    assert held is capture.session
    crawlers.close(crawler)
    assert CrawlSession._sessions == {archive.resolve(): held}  # still open
    held.release()
    assert not CrawlSession._sessions


def test_downloader_middlewares_are_wired_by_the_settings(crawlers, caplog):
    caplog.set_level(logging.INFO)
    enabled = crawlers.build(DownloaderMiddlewareManager, crawlers.crawler())
    ours = [type(m) for m in enabled.middlewares if type(m).__module__.startswith("crawler.")]
    # In the order of their numbers (process_request runs in this order).
    assert ours == [CrawlDelayMiddleware, RetryAfterMiddleware, RecheckMiddleware,
                    CountingHttpCompressionMiddleware, OfflineCookiesMiddleware,
                    WarcCaptureMiddleware]
    assert not [r for r in caplog.records if r.getMessage().startswith("Disabled ")]
    without = crawlers.build(DownloaderMiddlewareManager, crawlers.crawler(
        PRESSARCHIVE_RECHECK_ENABLED=False, PRESSARCHIVE_WARC_ENABLED=False,
        PRESSARCHIVE_CRAWL_DELAY_ENABLED=False))
    ours = [type(m) for m in without.middlewares if type(m).__module__.startswith("crawler.")]
    assert ours == [RetryAfterMiddleware, CountingHttpCompressionMiddleware,
                    OfflineCookiesMiddleware]
    disabled = sorted((r.levelname, r.getMessage().split(":")[0]) for r in caplog.records
                      if r.getMessage().startswith("Disabled "))
    assert disabled == [("INFO", "Disabled crawler.crawldelay.CrawlDelayMiddleware"),
                        ("INFO", "Disabled crawler.recheck.RecheckMiddleware"),
                        ("INFO", "Disabled crawler.warcmiddleware.WarcCaptureMiddleware")]


# --- CrawlDelayMiddleware (the crawl: tests/test_crawl_delay.py) ---------------------


def test_crawl_delay_is_switched_off_by_its_setting_or_without_robots(crawlers):
    with pytest.raises(NotConfigured, match="PRESSARCHIVE_CRAWL_DELAY_ENABLED is off"):
        crawlers.build(CrawlDelayMiddleware,
                       crawlers.crawler(PRESSARCHIVE_CRAWL_DELAY_ENABLED=False))
    with pytest.raises(NotConfigured, match="ROBOTSTXT_OBEY is off"):
        crawlers.build(CrawlDelayMiddleware, crawlers.crawler(ROBOTSTXT_OBEY=False))


# --- RecheckMiddleware ---------------------------------------------------------------


def test_recheck_is_switched_off_by_its_setting(crawlers):
    crawler = crawlers.crawler(PRESSARCHIVE_RECHECK_ENABLED=False)
    with pytest.raises(NotConfigured, match="PRESSARCHIVE_RECHECK_ENABLED is off"):
        crawlers.build(RecheckMiddleware, crawler)


def test_recheck_skips_a_known_article_that_is_not_due(crawlers):
    crawler = crawlers.crawler()
    middleware = crawlers.build(RecheckMiddleware, crawler)
    capture_middleware = crawlers.build(WarcCaptureMiddleware, crawler)
    assert middleware.conditional is True and middleware.recheck_all is False
    assert middleware.process_request(article_request()) is None
    assert crawler.stats.get_value("recheck/new") == 1
    archived(capture_middleware, article_request())
    with pytest.raises(IgnoreRequest, match="not due"):
        middleware.process_request(article_request())
    assert crawler.stats.get_value("recheck/not_due") == 1
    # A retry within the run, and a page that is not an article, are never held back.
    assert middleware.process_request(article_request(**{meta.RETRY_TIMES: 1})) is None
    assert middleware.process_request(Request(ARTICLE_URL)) is None
    assert crawler.stats.get_value("recheck/not_due") == 1


def test_recheck_of_a_due_article_is_conditional(crawlers):
    crawler = crawlers.crawler(PRESSARCHIVE_RECHECK_ALL=True)
    middleware = crawlers.build(RecheckMiddleware, crawler)
    capture_middleware = crawlers.build(WarcCaptureMiddleware, crawler)
    first = article_request()
    archived(capture_middleware, first, html_response(first, ETag='"v1"',
                                           **{"Last-Modified": "Mon, 06 Jan 2025 10:00:00 GMT"}))
    request = article_request(**{meta.HANDLE_HTTPSTATUS_LIST: [404]})
    assert middleware.process_request(request) is None
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert request.headers[b"If-Modified-Since"] == b"Mon, 06 Jan 2025 10:00:00 GMT"
    assert request.meta[meta.CONDITIONAL] is True
    assert request.meta[meta.HANDLE_HTTPSTATUS_LIST] == [404, 304]
    assert crawler.stats.get_value("recheck/due") == 1
    assert crawler.stats.get_value("conditional/requests") == 1


def test_recheck_without_conditional_requests_fetches_in_full(crawlers):
    crawler = crawlers.crawler(PRESSARCHIVE_RECHECK_ALL=True,
                           PRESSARCHIVE_CONDITIONAL_REQUESTS=False)
    middleware = crawlers.build(RecheckMiddleware, crawler)
    capture_middleware = crawlers.build(WarcCaptureMiddleware, crawler)
    first = article_request()
    archived(capture_middleware, first, html_response(first, ETag='"v1"'))
    request = article_request()
    assert middleware.process_request(request) is None
    assert b"If-None-Match" not in request.headers
    assert meta.CONDITIONAL not in request.meta


# --- ArticlePipeline and its log formatter -------------------------------------------


def test_article_pipeline_is_switched_off_by_its_setting(crawlers):
    crawler = crawlers.crawler(PRESSARCHIVE_INDEX_ENABLED=False)
    with pytest.raises(NotConfigured, match="PRESSARCHIVE_INDEX_ENABLED is off"):
        crawlers.build(ArticlePipeline, crawler)


def test_article_pipeline_never_indexes_what_was_not_archived(crawlers):
    crawler = crawlers.crawler()
    pipeline = crawlers.build(ArticlePipeline, crawler)
    assert pipeline.source is SOURCE and pipeline.config_hash
    with pytest.raises(DropItem, match="no WARC capture"):
        run(pipeline.process_item({"url": ARTICLE_URL, "source": "example", "capture": None,
                                   "body": PAGE}))
    assert crawler.stats.get_value("articles/not_archived") == 1


def test_article_pipeline_records_a_truncated_page_without_extracting_it(crawlers):
    crawler = crawlers.crawler()
    pipeline = crawlers.build(ArticlePipeline, crawler)
    capture_middleware = crawlers.build(WarcCaptureMiddleware, crawler)
    request = article_request(**{meta.TRUNCATED: "length"})
    capture = archived(capture_middleware, request)
    result = run(pipeline.process_item({"url": ARTICLE_URL, "source": "example",
                                        "capture": capture, "body": PAGE}))
    assert result == {"url": ARTICLE_URL, "source": "example", "status": "truncated"}
    assert crawler.stats.get_value("articles/truncated") == 1
    assert pipeline.session._extractors is None  # no extraction worker was asked
    crawlers.close(crawler)
    # spider_closed reported the (unused) workers' totals.
    assert crawler.stats.get_value("extract/workers_cpu_seconds") == 0


def seed_article_body(name: str) -> bytes:
    """A sample site's seed article page as the site serves it."""
    from urllib.parse import urlsplit

    from archive.samplesites import seed_pages
    from archive.samplesites.registry import all_sites

    url = urlsplit(seed_pages()[name].url)
    return all_sites()[name].lookup(url.path, url.query).body


def test_an_article_whose_claims_raise_is_indexed_without_them_by_crawl_and_reextract(
        crawlers, archive, monkeypatch, caplog):
    """The claims step of archive/articles.py fails alone: the article is indexed
    without claims, one line with its URL is logged and claims/errors counts it, in the
    crawl's pipeline and in reextract alike (both call record_extraction)."""
    import sqlite3

    from twisted.internet import defer

    import archive.articles as articles
    from archive.reextract import ReextractOptions, run_reextract

    body = seed_article_body("ina")  # "37,800 sorties": claims when nothing raises
    crawler = crawlers.crawler()
    pipeline = crawlers.build(ArticlePipeline, crawler)
    capture_middleware = crawlers.build(WarcCaptureMiddleware, crawler)
    capture = archived(capture_middleware, article_request(),
                       html_response(article_request(), body=body))
    # The extraction is real (a worker process); the reactor's thread hand-off is not
    # running here, so the call is made in place.
    monkeypatch.setattr(pipeline.session, "call_in_thread",
                        lambda func, *args: defer.succeed(func(*args)))
    real_claims = articles.extract_claims

    def broken(text: str, language: str):
        raise ValueError("a bug in\nthe claims rules")

    monkeypatch.setattr(articles, "extract_claims", broken)
    caplog.set_level(logging.INFO)
    result = run(pipeline.process_item({"url": ARTICLE_URL, "source": "example",
                                        "capture": capture, "body": body}))
    crawlers.close(crawler)
    assert result["status"] == "ok"
    assert crawler.stats.get_value("articles/new") == 1
    assert crawler.stats.get_value("claims/errors") == 1
    logged = [r.getMessage() for r in caplog.records if r.name == "archive.articles"]
    assert logged == [f"claims not extracted from {ARTICLE_URL} (indexed without them): "
                      "ValueError: a bug in the claims rules"]

    def indexed() -> tuple[tuple, int]:
        conn = sqlite3.connect(archive / "index.db")
        try:
            article = conn.execute("select url, title, published, text from articles"
                                   ).fetchone()
            return article, conn.execute("select count(*) from claims").fetchone()[0]
        finally:
            conn.close()

    crawled, claims = indexed()
    assert crawled[0] == ARTICLE_URL and "37,800" in crawled[3]
    assert claims == 0
    assert real_claims(crawled[3], "en"), "the page has claims when nothing raises"

    caplog.clear()
    report = run_reextract(ReextractOptions(archive=archive, sources={"example": SOURCE},
                                            workers=1, quiet=True))
    assert indexed() == (crawled, 0)
    assert report.outcomes["claims/errors"] == 1
    assert "claims/errors 1" in report.summary()
    assert len([r for r in caplog.records if r.name == "archive.articles"]) == 1


def test_item_pipeline_manager_logs_the_switched_off_pipeline_at_info(crawlers, caplog):
    crawler = crawlers.crawler(PRESSARCHIVE_INDEX_ENABLED=False)  # QuietListings applied
    caplog.set_level(logging.DEBUG)
    manager = crawlers.build(ItemPipelineManager, crawler)
    assert manager.middlewares == ()
    disabled = [r for r in caplog.records if r.getMessage().startswith("Disabled ")]
    assert [(r.levelname, r.getMessage()) for r in disabled] == [(
        "INFO", "Disabled crawler.pipelines.ArticlePipeline: PRESSARCHIVE_INDEX_ENABLED is "
                "off: article pages are archived, not extracted nor indexed")]
    listing = [r for r in caplog.records if r.getMessage().startswith("Enabled item pipelines")]
    assert [r.levelname for r in listing] == ["DEBUG"]


def test_log_formatter_names_an_item_by_its_url(crawlers):
    crawler = crawlers.crawler()
    spider = crawlers.with_spider(crawler)
    assert isinstance(crawler.logformatter, ArchiveLogFormatter)
    item = {"url": ARTICLE_URL, "source": "example", "body": b"x" * 10_000}
    request = article_request()
    for entry in (crawler.logformatter.scraped(item, html_response(request), spider),
                  crawler.logformatter.dropped(item, DropItem("gone"), None, spider),
                  crawler.logformatter.item_error(item, ValueError("bad"), None, spider)):
        assert entry["args"]["item"] == f"<example {ARTICLE_URL}>"
        assert "xxxx" not in entry["msg"] % entry["args"]


# --- GcTuning --------------------------------------------------------------------------


@pytest.fixture
def restore_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    gctuning._applied = False


def test_gc_tuning_is_switched_off_by_a_zero_threshold(crawlers):
    crawler = crawlers.crawler(PRESSARCHIVE_GC_THRESHOLD=0)
    with pytest.raises(NotConfigured, match="PRESSARCHIVE_GC_THRESHOLD is 0"):
        crawlers.build(GcTuning, crawler)
    # Scrapy's extension manager built the crawler's extensions without it.
    assert not any(isinstance(e, GcTuning) for e in crawler.extensions.middlewares)


def test_gc_tuning_applies_its_threshold_when_the_engine_starts(crawlers, restore_gc):
    crawler = crawlers.crawler(PRESSARCHIVE_GC_THRESHOLD=23_456)
    [extension] = [e for e in crawler.extensions.middlewares if isinstance(e, GcTuning)]
    assert extension.threshold == 23_456
    gctuning._applied = False
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_threshold()[0] == 23_456


# --- QuietListings ---------------------------------------------------------------------


def test_quiet_listings_lowers_only_this_projects_switch_offs(crawlers):
    crawler = crawlers.crawler()
    assert [type(addon) for addon in crawler.addons.addons] == [QuietListings]
    logger = logging.getLogger(quietlog.DISABLED_LOGGER)
    assert any(isinstance(f, quietlog.OwnSwitchOffsAtInfo) for f in logger.filters)

    def level(clspath: str) -> str:
        record = logger.makeRecord(logger.name, logging.WARNING, __file__, 0,
                                   "Disabled %(clspath)s: %(eargs)s",
                                   ({"clspath": clspath, "eargs": "why"},), None)
        logger.filter(record)
        return record.levelname

    assert level("crawler.recheck.RecheckMiddleware") == "INFO"
    assert level("scrapy.extensions.feedexport.FeedExporter") == "WARNING"


def test_quiet_listings_joins_the_stats_dump_only_when_asked(crawlers):
    dump = "Dumping Scrapy stats:\n{'a': 1,\n 'b': 2}"
    stats_logger = logging.getLogger(quietlog.STATS_LOGGER)

    def logged() -> str:
        record = stats_logger.makeRecord(stats_logger.name, logging.INFO, __file__, 0,
                                         dump, (), None)
        stats_logger.filter(record)
        return record.getMessage()

    # Only this test's crawlers decide: any filter an earlier one left is taken off.
    stats_logger.filters[:] = [f for f in stats_logger.filters
                               if not isinstance(f, quietlog.OneLineStats)]
    crawlers.crawler()
    assert logged() == dump
    crawlers.crawler(PRESSARCHIVE_ONE_LINE_STATS=True)
    assert logged() == "Dumping Scrapy stats: {'a': 1, 'b': 2}"


# --- Scrapy's middlewares, changed -----------------------------------------------------


def test_retry_after_gives_up_with_one_counted_ignore_request(crawlers):
    crawler = crawlers.crawler(PRESSARCHIVE_RETRY_AFTER_MAX=5.0)
    crawlers.with_spider(crawler)
    middleware = crawlers.build(RetryAfterMiddleware, crawler)
    assert middleware.max_wait == 5.0
    request = Request(ARTICLE_URL)
    retry = middleware.process_exception(request, ConnectionRefusedError())
    assert isinstance(retry, Request) and retry.meta[meta.RETRY_TIMES] == 1
    spent = Request(ARTICLE_URL, meta={meta.RETRY_TIMES: project_settings.RETRY_TIMES})
    with pytest.raises(IgnoreRequest, match="download failed"):
        middleware.process_exception(spent, ConnectionRefusedError())
    assert crawler.stats.get_value("download/failed") == 1
    assert crawler.stats.get_value("download/failed/ConnectionRefusedError") == 1
    # A request that must not be retried is passed on as it is, not counted.
    assert middleware.process_exception(
        Request(ARTICLE_URL, meta={meta.DONT_RETRY: True}), ConnectionRefusedError()) is None
    assert crawler.stats.get_value("download/failed") == 1


def test_retry_after_retries_a_429(crawlers):
    crawler = crawlers.crawler()
    crawlers.with_spider(crawler)
    middleware = crawlers.build(RetryAfterMiddleware, crawler)
    request = Request(ARTICLE_URL)
    response = html_response(request, status=429, **{"Retry-After": "0"})
    retry = run(middleware.process_response(request, response))
    assert isinstance(retry, Request) and retry.meta[meta.RETRY_TIMES] == 1
    assert crawler.stats.get_value("retry/retry_after_waits") is None  # no wait asked


def test_retry_after_asks_what_the_answer_asks_and_a_bare_429_the_set_wait(crawlers):
    crawler = crawlers.crawler(PRESSARCHIVE_RETRY_429_WAIT=45.0, PRESSARCHIVE_RETRY_AFTER_MAX=30.0)
    crawlers.with_spider(crawler)
    middleware = crawlers.build(RetryAfterMiddleware, crawler)
    request = Request(ARTICLE_URL)

    def wait(status: int, **headers: str) -> float:
        return middleware.requested_wait(html_response(request, status=status, **headers))

    assert wait(429, **{"Retry-After": "7"}) == 7.0
    assert wait(503, **{"Retry-After": "120"}) == 30.0  # capped
    assert wait(429) == 30.0  # no Retry-After: PRESSARCHIVE_RETRY_429_WAIT, capped
    assert wait(503) == 0.0 and wait(200, **{"Retry-After": "7"}) == 0.0
    assert crawler.stats.get_value("retry/retry_after_waits") == 2
    assert crawler.stats.get_value("retry/429_waits_without_retry_after") == 1
    # Outside a running crawl there is no downloader slot to hold.
    assert pause_slot(crawler, request, 1.0) is False
    off = crawlers.build(RetryAfterMiddleware, crawlers.crawler(PRESSARCHIVE_RETRY_429_WAIT=0))
    assert off.requested_wait(html_response(request, status=429)) == 0.0


def test_retry_after_is_switched_off_with_scrapys_retries(crawlers):
    assert issubclass(RetryAfterMiddleware, RetryMiddleware)
    with pytest.raises(NotConfigured):
        crawlers.build(RetryAfterMiddleware, crawlers.crawler(RETRY_ENABLED=False))


def test_http_compression_counts_a_decompression_bomb(crawlers):
    crawler = crawlers.crawler(DOWNLOAD_MAXSIZE=10_000, DOWNLOAD_WARNSIZE=0)
    middleware = crawlers.build(CountingHttpCompressionMiddleware, crawler)
    request = Request(ARTICLE_URL)
    bomb = Response(ARTICLE_URL, body=gzip.compress(b"\0" * 1_000_000), request=request,
                    headers={"Content-Encoding": "gzip"})
    with pytest.raises(IgnoreRequest):
        middleware.process_response(request, bomb)
    assert crawler.stats.get_value("httpcompression/response_ignored_count") == 1
    with pytest.raises(NotConfigured):
        crawlers.build(CountingHttpCompressionMiddleware,
                       crawlers.crawler(COMPRESSION_ENABLED=False))


def test_offline_cookies_refuse_a_cookie_for_a_public_suffix(crawlers):
    crawler = crawlers.crawler()
    middleware = crawlers.build(OfflineCookiesMiddleware, crawler)
    url = "https://www.example.co.uk/a"
    request = Request(url)
    middleware.process_request(request)
    response = Response(url, request=request, headers={"Set-Cookie": [
        "everyone=1; Domain=.co.uk; Path=/", "session=2; Domain=.example.co.uk; Path=/"]})
    middleware.process_response(request, response)
    # The cookie for all of .co.uk is dropped: not even its own host gets it back.
    for following in (Request("https://news.example.co.uk/b"), Request(url)):
        middleware.process_request(following)
        assert following.headers.getlist(b"Cookie") == [b"session=2"]
    # The suffix list is the one bundled with tldextract, private domains included.
    assert is_public_domain("co.uk") and is_public_domain("blogspot.com")
    assert not is_public_domain("example.co.uk")
    with pytest.raises(NotConfigured):
        crawlers.build(OfflineCookiesMiddleware, crawlers.crawler(COOKIES_ENABLED=False))


# --- SourceSpider ----------------------------------------------------------------------


def test_source_spider_marks_article_requests_and_hands_on_the_capture(crawlers):
    crawler = crawlers.crawler(PRESSARCHIVE_MAX_ARTICLES=1)
    spider = crawler.spidercls.from_crawler(crawler)
    assert isinstance(spider, SourceSpider) and spider.max_articles == 1
    request = spider.article_request(ARTICLE_URL, "feed")
    assert request.meta == {meta.ARTICLE: True}
    assert spider.article_request("https://news.example/article/2", "feed") is None
    assert spider.article_request("https://news.example/about", "feed") is None
    request.meta[meta.CAPTURE] = capture = object()
    [item] = spider.parse_article(html_response(request), found_in="feed")
    assert item["capture"] is capture and item["body"] == PAGE


def test_source_spider_yields_no_items_without_the_index(crawlers):
    crawler = crawlers.crawler(PRESSARCHIVE_INDEX_ENABLED=False)
    spider = crawler.spidercls.from_crawler(crawler)
    assert spider.index_articles is False
    assert list(spider.parse_article(html_response(article_request()))) == []
