"""`pressarchive backfill`: the sources' past from a web archive (the Wayback Machine, or
any pywb or CDX server), archived and indexed like a crawl (archive/backfill/run.py).

With --commoncrawl the captures come from Common Crawl instead: its URL index lists them,
each record is fetched alone by a Range request and kept verbatim
(archive/backfill/commoncrawl.py). Other crawlers' files are `pressarchive import`.
"""

from __future__ import annotations

import re
import sys

import click

from archive.backfill.wayback import WAYBACK_PREFIX
from archive.cli.common import archive_option, is_date, resolve_archive

CC_INDEX = "https://index.commoncrawl.org/{crawl}-index"
CC_DATA = "https://data.commoncrawl.org/"
_CRAWL_ID = re.compile(r"^CC-(MAIN|NEWS)-\d{4}-\d{2}$")


def _crawls(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
            ) -> tuple[str, ...]:
    for crawl in value:
        if not _CRAWL_ID.match(crawl):
            raise click.BadParameter(f"a crawl is named like CC-MAIN-2015-14, not {crawl!r}")
    return value


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not is_date(value):
        raise click.BadParameter(f"use YYYY-MM-DD, not {value!r}")
    return value


@click.command()
@click.argument("sources", nargs=-1, required=True)
@archive_option
@click.option("--wayback", metavar="URL", default=WAYBACK_PREFIX, show_default=True,
              help="Replay prefix of the web archive: PREFIX + TIMESTAMP + 'id_/' + URL "
              "replays a capture unchanged (a pywb collection: http://HOST:PORT/COLL/).")
@click.option("--cdx", metavar="URL", help="CDX endpoint (default: the Wayback Machine's "
              "for its prefix, else PREFIX + 'cdx', where pywb serves it).")
@click.option("--from", "since", metavar="DATE", callback=_day,
              help="Only captures made on or after DATE (YYYY-MM-DD).")
@click.option("--to", "until", metavar="DATE", callback=_day,
              help="Only captures made on or before DATE (YYYY-MM-DD).")
@click.option("--commoncrawl", is_flag=True, help="Back-fill from Common Crawl: its URL "
              "index per --crawl, each record fetched by a Range request and kept verbatim.")
@click.option("--crawl", "crawls", multiple=True, metavar="CC-MAIN-YYYY-WW", callback=_crawls,
              help="A Common Crawl crawl to search (repeatable; with --commoncrawl).")
@click.option("--cc-index", metavar="URL", default=CC_INDEX, show_default=True,
              help="Common Crawl URL index; {crawl} is replaced by each --crawl (without it, "
              "one collection, e.g. a local pywb).")
@click.option("--cc-data", metavar="URL", default=CC_DATA, show_default=True,
              help="Where the index's WARC filenames are fetched from.")
@click.option("--limit", type=click.IntRange(min=0), default=0,
              help="At most N captures fetched per source in this run (0: no limit).")
@click.option("--delay", type=click.FloatRange(min=0), default=None,
              help="Seconds between two replays (default 1.0; AutoThrottle lengthens it).")
@click.option("--cdx-delay", type=click.FloatRange(min=0), default=None,
              help="Seconds between two CDX queries (default 2.5).")
@click.option("--cdx-page-size", type=click.IntRange(min=0), default=0,
              help="Index blocks per CDX page on a server that pages (0: its default).")
@click.option("--max-failures", type=click.IntRange(min=0), default=None,
              help="Stop a source after N captures in a row could not be fetched (default "
              "10; 0: never): a web archive that blocks this address refuses them all.")
@click.option("--contact", metavar="URL", help="Operator contact URL for the user agent "
              "and warcinfo.")
@click.option("--sources-file", type=click.Path(dir_okay=False), default=None,
              help="Source definitions (default: settings/sources.toml).")
@click.option("--workers", type=click.IntRange(min=0), default=0,
              help="Extraction worker processes (0: one per core).")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]))
@click.option("--quiet", is_flag=True, help="No live progress line (shown only when stderr "
              "is a terminal); the summary still follows.")
def backfill(sources: tuple[str, ...], archive: str | None, wayback: str, cdx: str | None,
             since: str | None, until: str | None, limit: int, delay: float | None,
             cdx_delay: float | None, cdx_page_size: int, max_failures: int | None,
             contact: str | None, commoncrawl: bool, crawls: tuple[str, ...],
             cc_index: str, cc_data: str,
             sources_file: str | None, workers: int, log_level: str, quiet: bool) -> None:
    """Back-fill SOURCES from a web archive: captures of their article pages, fetched raw,
    archived as fetched and indexed under their original URL and date."""
    from archive.backfill.run import BackfillOptions, run_backfill

    if since and until and until < since:
        raise click.UsageError(f"--to {until} is before --from {since}",
                               click.get_current_context())
    if commoncrawl:
        _commoncrawl(sources, archive, crawls, cc_index, cc_data, since, until, limit,
                     delay, contact, sources_file, workers)
        return
    if crawls:
        raise click.UsageError("--crawl is for --commoncrawl", click.get_current_context())
    options = BackfillOptions(
        archive=resolve_archive(archive), sources=sources, wayback=wayback, cdx=cdx or "",
        since=since or "", until=until or "", limit=limit, delay=delay, cdx_delay=cdx_delay,
        cdx_page_size=cdx_page_size, max_failures=max_failures, contact_url=contact,
        sources_file=sources_file, workers=workers, log_level=log_level, quiet=quiet,
    )
    # A PressArchiveError (a bad URL, an unknown source, a CDX server that never answered;
    # ArchiveLocked: exit 5) is one line, by the command group.
    report = run_backfill(options)
    click.echo(report.summary(), err=True)
    sys.exit(report.exit_code)


def _commoncrawl(names: tuple[str, ...], archive: str | None, crawls: tuple[str, ...],
                 index_url: str, data_url: str, since: str | None, until: str | None,
                 limit: int, delay: float | None, contact: str | None,
                 sources_file: str | None, workers: int) -> None:
    from archive import user_agent
    from archive.backfill.commoncrawl import run_commoncrawl_backfill
    from archive.sources import load_sources
    from crawler.settings import PRESSARCHIVE_CONTACT_URL

    if "{crawl}" in index_url and not crawls:
        raise click.UsageError("--commoncrawl needs at least one --crawl CC-MAIN-YYYY-WW "
                               "(the crawls are listed at https://index.commoncrawl.org/)",
                               click.get_current_context())
    # Every source, not only NAMES: the start-up reconcile files what earlier runs left.
    # An unknown name or a held lock is one line (PressArchiveError), by the command group.
    report = run_commoncrawl_backfill(
        resolve_archive(archive), load_sources(sources_file), crawls,
        index_url=index_url, data_url=data_url, from_=since or "", to=until or "",
        limit=limit, names=names, delay=1.0 if delay is None else delay, workers=workers,
        agent=user_agent(contact or PRESSARCHIVE_CONTACT_URL))
    click.echo(report.summary(), err=True)
    sys.exit(report.exit_code)
