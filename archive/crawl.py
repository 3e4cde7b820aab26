"""Run the Scrapy crawl of one or more sources into an archive directory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive import __version__
from archive.cdxj import write_cdxj
from archive.errors import PressArchiveError
from archive.sources import load_sources


def user_agent(contact_url: str) -> str:
    return f"PressArchive/{__version__} (+{contact_url}; research web archive)"


@dataclass(frozen=True)
class CrawlOptions:
    archive: Path
    sources: tuple[str, ...] = ()
    via: str = ""
    max_articles: int = 0
    delay: float | None = None
    contact_url: str | None = None
    sources_file: str | None = None
    workers: int = 0
    log_level: str = "INFO"
    conditional: bool = True
    recheck_all: bool = False


@dataclass
class CrawlReport:
    archive: Path
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    cdxj: Path | None = None

    def summary(self) -> str:
        lines = [f"archive: {self.archive}"]
        for name, stats in self.stats.items():
            not_indexed = sum(
                v for k, v in stats.items() if k.startswith("articles/") and k != "articles/ok"
            )
            lines.append(
                f"{name}: {stats.get('warc/responses', 0)} responses archived, "
                f"{stats.get('articles/ok', 0)} articles indexed, "
                f"{not_indexed} pages not indexed, finish: {stats.get('finish_reason', '?')}"
            )
        if self.cdxj:
            lines.append(f"CDXJ index: {self.cdxj}")
        return "\n".join(lines)


def crawl_settings(options: CrawlOptions) -> Any:
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    overrides: dict[str, Any] = {
        "PRESSARCHIVE_ARCHIVE_DIR": str(options.archive),
        "PRESSARCHIVE_VIA": options.via,
        "PRESSARCHIVE_MAX_ARTICLES": options.max_articles,
        "PRESSARCHIVE_EXTRACT_WORKERS": options.workers,
        "LOG_LEVEL": options.log_level,
        "PRESSARCHIVE_CONDITIONAL_REQUESTS": options.conditional,
        "PRESSARCHIVE_RECHECK_ALL": options.recheck_all,
    }
    if options.sources_file:
        overrides["PRESSARCHIVE_SOURCES_FILE"] = options.sources_file
    if options.contact_url:
        overrides["PRESSARCHIVE_CONTACT_URL"] = options.contact_url
        overrides["USER_AGENT"] = user_agent(options.contact_url)
    if options.delay is not None:
        overrides["DOWNLOAD_DELAY"] = options.delay
        overrides["AUTOTHROTTLE_START_DELAY"] = max(options.delay, 0.01)
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_crawl(options: CrawlOptions) -> CrawlReport:
    """Crawl the sources concurrently in one Scrapy process; blocks until done."""
    from scrapy.crawler import CrawlerProcess

    from crawler.via import parse_via

    known = load_sources(options.sources_file)
    names = list(options.sources) or list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise PressArchiveError(
            f"unknown source(s): {', '.join(unknown)}; known: {', '.join(known)}"
        )
    if options.via:
        parse_via(options.via)
    try:
        options.archive.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PressArchiveError(
            f"cannot create archive directory {options.archive}: {exc}"
        ) from exc

    process = CrawlerProcess(crawl_settings(options))
    crawlers = []
    for name in names:
        crawler = process.create_crawler(name)
        crawlers.append(crawler)
        process.crawl(crawler)
    process.start()
    report = CrawlReport(archive=options.archive)
    for crawler in crawlers:
        report.stats[crawler.spidercls.name] = crawler.stats.get_stats()
    # Replay tools (pywb) read this index; it is rebuilt from the closed WARC files.
    report.cdxj = write_cdxj(options.archive)
    return report
