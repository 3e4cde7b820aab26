"""Scrapy's start-up listings at DEBUG, and its end-of-run stats in one line per source.

Every crawler of a run (one per source) logs, at INFO, its overridden settings, its
enabled add-ons, extensions, middlewares and pipelines, and at the end its whole stats
dictionary: about 130 lines per source, so a recheck crawl of five sources that fetched
85 pages wrote 600 lines to stderr, which cron mails and journald keeps. The listings
only repeat crawler/settings.py: they are logged at DEBUG (`--log-level DEBUG` shows
them). The stats are what a run did: with PRESSARCHIVE_ONE_LINE_STATS (`pressarchive
crawl` sets it; its summary and the `crawls` table say the rest) each source's dump is
one line, the same dict; plain `scrapy crawl` keeps Scrapy's listing.

A component of this project switched off by its setting says so when it raises
NotConfigured ("PRESSARCHIVE_INDEX_ENABLED is off: ..."); Scrapy logs that reason as a
WARNING ("Disabled crawler.pipelines.ArticlePipeline: ..."), meant for a component that
could not start. A setting the operator chose is not a problem: the line is logged at
INFO, so that a scheduled run (`--log-level WARNING`, mailed by cron) stays quiet.
Scrapy's own components keep their warnings.
"""

from __future__ import annotations

import logging

from scrapy.settings import BaseSettings

# Logger name -> the start of each of its messages that is a listing, not an event.
LISTINGS = {
    "scrapy.crawler": ("Overridden settings:",),
    "scrapy.addons": ("Enabled addons:",),
    "scrapy.middleware": ("Enabled ",),
}
STATS_LOGGER = "scrapy.statscollectors"
STATS_DUMP = "Dumping Scrapy stats:"
# Scrapy's component managers log a NotConfigured with a reason on this logger.
DISABLED_LOGGER = "scrapy.middleware"
DISABLED = "Disabled "
OWN_COMPONENTS = "crawler."


class ListingsAtDebug(logging.Filter):
    """Lowers the listed messages of one logger to DEBUG; handlers at INFO drop them."""

    def __init__(self, prefixes: tuple[str, ...]):
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        if (record.levelno == logging.INFO and isinstance(record.msg, str)
                and record.msg.startswith(self.prefixes)):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


class OneLineStats(logging.Filter):
    """Scrapy's pretty-printed stats dump joined into one line (keys and values kept)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith(STATS_DUMP):
            record.msg = " ".join(record.msg.split())
        return True


class OwnSwitchOffsAtInfo(logging.Filter):
    """Scrapy's "Disabled <component>: <reason>" warning at INFO for this project's
    components, which raise NotConfigured with a reason when their setting is off."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (record.levelno == logging.WARNING and isinstance(record.msg, str)
                and record.msg.startswith(DISABLED) and isinstance(record.args, dict)
                and str(record.args.get("clspath", "")).startswith(OWN_COMPONENTS)):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def _add_once(logger: logging.Logger, log_filter: logging.Filter) -> None:
    # The loggers are the process's, shared by every crawler of a run.
    if not any(type(f) is type(log_filter) for f in logger.filters):
        logger.addFilter(log_filter)


class QuietListings:
    """A Scrapy add-on: add-ons are applied before a crawler logs anything of its own (the
    first listing is that of the add-ons), where an extension would come too late."""

    def update_settings(self, settings: BaseSettings) -> None:
        for name, prefixes in LISTINGS.items():
            _add_once(logging.getLogger(name), ListingsAtDebug(prefixes))
        _add_once(logging.getLogger(DISABLED_LOGGER), OwnSwitchOffsAtInfo())
        if settings.getbool("PRESSARCHIVE_ONE_LINE_STATS"):
            _add_once(logging.getLogger(STATS_LOGGER), OneLineStats())
