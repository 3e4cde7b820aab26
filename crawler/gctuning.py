"""Garbage collector settings for the crawl process (see archive/gc_tuning.py).

With CPython's defaults the collector took 2.6-3.3 s of the crawl process's CPU in
a 5,000-page crawl, twice bare Scrapy's, with pauses up to 100 ms during which no
response is handled. When the engine has started, everything created so far
(imports, settings, middlewares, spiders) is frozen and the youngest generation is
collected every PRESSARCHIVE_GC_THRESHOLD allocations.
"""

from __future__ import annotations

import gc
import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archive.gc_tuning import freeze_and_relax

logger = logging.getLogger(__name__)

# Applied once per process, whichever crawler's engine starts first.
_applied = False


class GcTuning:
    def __init__(self, threshold: int):
        self.threshold = threshold

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GcTuning:
        threshold = crawler.settings.getint("PRESSARCHIVE_GC_THRESHOLD")
        if threshold <= 0:
            raise NotConfigured(f"PRESSARCHIVE_GC_THRESHOLD is {threshold}: "
                                "Python's own garbage collector settings")
        extension = cls(threshold)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        return extension

    def engine_started(self) -> None:
        global _applied
        if _applied:
            return
        _applied = True
        freeze_and_relax(self.threshold)
        logger.debug("gc: %d objects frozen, threshold %d", gc.get_freeze_count(),
                     self.threshold)
