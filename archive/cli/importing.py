"""`pressarchive import`: other crawlers' WARC, ARC and WACZ files into the archive (the
library call, archive/backfill/importer.py, takes the archive lock itself)."""

from __future__ import annotations

import sys

import click

from archive.cli.common import archive_option, is_date, resolve_archive


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not is_date(value):
        raise click.BadParameter(f"use YYYY-MM-DD, not {value!r}")
    return value


@click.command("import")
@click.argument("inputs", nargs=-1, required=True, metavar="FILE_OR_URL...")
@archive_option
@click.option("--source", metavar="S", help="Also import pages of hosts no configured source "
              "owns, filed under the source name S (extracted with no source's rules).")
@click.option("--from", "from_", metavar="DATE", callback=_day,
              help="Keep only captures made on or after DATE (YYYY-MM-DD).")
@click.option("--to", metavar="DATE", callback=_day,
              help="Keep only captures made on or before DATE (YYYY-MM-DD).")
@click.option("--workers", type=click.IntRange(min=0), default=0,
              help="Extraction worker processes (0: one per core).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds before one page's extraction is killed and counted.")
@click.option("--contact", metavar="URL", help="Operator contact URL for the user agent of "
              "downloads (default: PRESSARCHIVE_CONTACT_URL in crawler/settings.py).")
@click.option("--sources-file", type=click.Path(dir_okay=False), default=None,
              help="Source definitions (default: settings/sources.toml).")
@click.option("--quiet", is_flag=True, help="No live progress line (shown only when stderr "
              "is a terminal); the summary still follows.")
def import_files(inputs: tuple[str, ...], archive: str | None, source: str | None,
                 from_: str | None, to: str | None, workers: int, timeout: float,
                 contact: str | None, sources_file: str | None, quiet: bool) -> None:
    """Copy what other crawlers' WARC, ARC and WACZ files (or URLs) hold of the sources
    into the archive, verbatim with their provenance, and index it."""
    from archive import user_agent
    from archive.backfill.importer import ImportOptions, run_import
    from archive.sources import load_sources
    from crawler.settings import PRESSARCHIVE_CONTACT_URL

    if from_ and to and to < from_:
        raise click.UsageError(f"--to {to} is before --from {from_}")
    options = ImportOptions(
        archive=resolve_archive(archive), sources=load_sources(sources_file), inputs=inputs,
        source=source or "", from_=from_ or "", to=to or "", workers=workers,
        timeout=timeout, user_agent=user_agent(contact or PRESSARCHIVE_CONTACT_URL),
        quiet=quiet)
    # A missing input or a bad --source is one line (exit 4), ArchiveLocked exit 5: by the
    # command group, from PressArchiveError.
    report = run_import(options)
    click.echo(report.summary(), err=True)
    sys.exit(report.exit_code)
