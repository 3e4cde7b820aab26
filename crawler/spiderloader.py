"""Spider loader that makes one spider per [[source]] block of the sources file.

`scrapy list` and `scrapy crawl NAME` see the configured sources; spiders in
SPIDER_MODULES (if any) are loaded too, as usual.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import NoReturn

from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader

from archive import exitcodes
from archive.errors import PressArchiveError
from archive.sources import load_sources
from crawler import frontier
from crawler.backfill import window_from_settings
from crawler.spiders.source import SourceSpider, make_spider_class


def _fail(message: str) -> NoReturn:
    # `scrapy list` / `scrapy crawl` with a sources file or a setting that does not check
    # out: one line and the exit code `pressarchive` gives, not Scrapy's traceback
    # (pressarchive crawl has checked both before Scrapy starts).
    print(f"Error: {message}", file=sys.stderr)
    raise SystemExit(exitcodes.COULD_NOT_RUN) from None


class SourceSpiderLoader(SpiderLoader):
    def __init__(self, settings: BaseSettings):
        self.sources_file = settings.get("PRESSARCHIVE_SOURCES_FILE") or None
        self.base: type[SourceSpider] = SourceSpider
        if frontier.enabled(settings):
            # Imported only then: scrapy-redis (and redis) load for a shared crawl only.
            from crawler.frontier.spider import FrontierSourceSpider

            self.base = FrontierSourceSpider
        try:
            window_from_settings(settings, date.today())
        except ValueError as exc:
            _fail(str(exc))
        super().__init__(settings)

    def _load_all_spiders(self) -> None:
        super()._load_all_spiders()
        try:
            sources = load_sources(self.sources_file)
        except PressArchiveError as exc:
            _fail(str(exc))
        for source in sources.values():
            spider_class = make_spider_class(source, sources, self.base)
            self._found[source.name].append((__name__, spider_class.__name__))
            self._spiders[source.name] = spider_class
        self._check_name_duplicates()
