"""Spider loader that makes one spider per [[source]] block of the sources file.

`scrapy list` and `scrapy crawl NAME` see the configured sources; spiders in
SPIDER_MODULES (if any) are loaded too, as usual.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader

from archive.sources import load_sources
from crawler.spiders.source import make_spider_class


class SourceSpiderLoader(SpiderLoader):
    def __init__(self, settings: BaseSettings):
        self.sources_file = settings.get("PRESSARCHIVE_SOURCES_FILE") or None
        super().__init__(settings)

    def _load_all_spiders(self) -> None:
        super()._load_all_spiders()
        for source in load_sources(self.sources_file).values():
            spider_class = make_spider_class(source)
            self._found[source.name].append((__name__, spider_class.__name__))
            self._spiders[source.name] = spider_class
        self._check_name_duplicates()
