"""`pressarchive backfill`: the sources' past from a web archive (the Wayback Machine, or
any pywb or CDX server), archived and indexed like a crawl (archive/backfill/run.py).

Other places to back-fill from (Common Crawl, other crawlers' WARC files) are further
options of this command, each calling its own library function.
"""

from __future__ import annotations

import sys

import click

from archive.backfill.wayback import WAYBACK_PREFIX
from archive.cli.common import archive_option, is_date, resolve_archive


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
def backfill(sources: tuple[str, ...], archive: str | None, wayback: str, cdx: str | None,
             since: str | None, until: str | None, limit: int, delay: float | None,
             cdx_delay: float | None, cdx_page_size: int, max_failures: int | None,
             contact: str | None,
             sources_file: str | None, workers: int, log_level: str) -> None:
    """Back-fill SOURCES from a web archive: captures of their article pages, fetched raw,
    archived as fetched and indexed under their original URL and date."""
    from archive.backfill.run import BackfillOptions, run_backfill

    if since and until and until < since:
        raise click.UsageError(f"--to {until} is before --from {since}",
                               click.get_current_context())
    options = BackfillOptions(
        archive=resolve_archive(archive), sources=sources, wayback=wayback, cdx=cdx or "",
        since=since or "", until=until or "", limit=limit, delay=delay, cdx_delay=cdx_delay,
        cdx_page_size=cdx_page_size, max_failures=max_failures, contact_url=contact,
        sources_file=sources_file, workers=workers, log_level=log_level,
    )
    # A PressArchiveError (a bad URL, an unknown source, a CDX server that never answered;
    # ArchiveLocked: exit 5) is one line, by the command group.
    report = run_backfill(options)
    click.echo(report.summary(), err=True)
    sys.exit(report.exit_code)
