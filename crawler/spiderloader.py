"""Spider loader that makes one spider per [[source]] block of the sources file.

`scrapy list` and `scrapy crawl NAME` see the configured sources; spiders in
SPIDER_MODULES (if any) are loaded too, as usual.
"""

from __future__ import annotations

import sys

from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader

from archive import exitcodes
from archive.errors import PressArchiveError
from archive.sources import load_sources
from crawler.spiders.source import make_spider_class


class SourceSpiderLoader(SpiderLoader):
    def __init__(self, settings: BaseSettings):
        self.sources_file = settings.get("PRESSARCHIVE_SOURCES_FILE") or None
        super().__init__(settings)

    def _load_all_spiders(self) -> None:
        super()._load_all_spiders()
        try:
            sources = load_sources(self.sources_file)
        except PressArchiveError as exc:
            # `scrapy list` / `scrapy crawl` on a sources file that does not check out:
            # one line and the exit code `pressarchive` gives, not Scrapy's traceback
            # (pressarchive crawl has checked the file before Scrapy starts).
            print(f"Error: {exc}", file=sys.stderr)
            raise SystemExit(exitcodes.COULD_NOT_RUN) from None
        for source in sources.values():
            spider_class = make_spider_class(source)
            self._found[source.name].append((__name__, spider_class.__name__))
            self._spiders[source.name] = spider_class
        self._check_name_duplicates()
