"""`pressarchive crawl`, `reextract`, `demo` and `sample-sites`: the commands that
write an archive (each library call takes the archive lock itself).
"""

from __future__ import annotations

import datetime
import re
import sys
from pathlib import Path

import click

from archive.cli.common import archive_option, is_date, resolve_archive


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not is_date(value):
        raise click.BadParameter(f"use YYYY-MM-DD, not {value!r}")
    return value


_SETTING_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _setting(ctx: click.Context, param: click.Parameter,
             values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """NAME=VALUE pairs; a name of ours that does not exist is a typo, not a new setting."""
    import crawler.settings as ours

    pairs = []
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not _SETTING_NAME.match(name):
            raise click.BadParameter(f"use NAME=VALUE with an upper-case NAME, not {value!r}")
        if name.startswith("PRESSARCHIVE_") and not hasattr(ours, name):
            raise click.BadParameter(f"no setting {name} (docs/settings.md lists them)")
        pairs.append((name, setting))
    return tuple(pairs)


@click.command()
@click.argument("sources", nargs=-1)
@archive_option
@click.option("--via", metavar="URL", help="Send every request to this server (e.g. the "
              "sample sites at http://127.0.0.1:PORT); the real URLs are kept in the archive.")
@click.option("--max-pages", type=click.IntRange(min=0), default=0,
              help="At most N article pages per source (0: no limit).")
@click.option("--delay", type=click.FloatRange(min=0), default=None,
              help="Seconds between requests to one host (default 1.0; AutoThrottle adapts).")
@click.option("--contact", metavar="URL", help="Operator contact URL for the user agent "
              "and warcinfo (default: PRESSARCHIVE_CONTACT_URL in crawler/settings.py).")
@click.option("--sources-file", type=click.Path(dir_okay=False), default=None,
              help="Source definitions (default: settings/sources.toml).")
@click.option("--workers", type=click.IntRange(min=0), default=0,
              help="Extraction worker processes (0: one per core).")
@click.option("--recheck-all", is_flag=True,
              help="Recheck every known article now, whatever its recheck schedule.")
@click.option("--no-conditional", is_flag=True,
              help="Recheck articles with full requests, not If-None-Match/If-Modified-Since.")
@click.option("--since", metavar="DATE", callback=_day, help="Back-fill: follow listings back "
              "until their items are older than DATE (YYYY-MM-DD), skip sitemap entries older "
              "than DATE, and fetch the sources' dated archive pages and sitemaps for every "
              "day from DATE on.")
@click.option("--until", metavar="DATE", callback=_day, help="With --since: the last day "
              "(YYYY-MM-DD) whose dated archive pages and sitemaps are fetched (default today).")
@click.option("--focus", metavar="TOPIC", help="Count the articles on and off TOPIC "
              "(coalition, of settings/lexicon.toml) in the summary and log those off it; "
              "a source's `irrelevant` setting decides whether they are indexed.")
@click.option("--frontier", metavar="URL", help="Share the crawl with other workers "
              "through this Redis server (redis://HOST:PORT/DB): queue, duplicate filter "
              "and start URLs there; this worker writes DIR/workers/NAME/.")
@click.option("--frontier-run", metavar="NAME", help="With --frontier: the shared run's "
              "name (default: today's UTC date); workers of one run share its queue.")
@click.option("--worker", metavar="NAME", help="With --frontier: this worker's name, in its "
              "folder and WARC file names (default: the host name).")
@click.option("--set", "-s", "settings", metavar="NAME=VALUE", multiple=True,
              callback=_setting, help="A setting for this crawl, Scrapy's or ours "
              "(docs/settings.md), as `scrapy crawl -s`; repeatable.")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]))
@click.option("--quiet", is_flag=True, help="No live progress line (shown only when stderr "
              "is a terminal); the summary still follows.")
def crawl(
    sources: tuple[str, ...], archive: str | None, via: str | None, max_pages: int,
    delay: float | None, contact: str | None, sources_file: str | None, workers: int,
    recheck_all: bool, no_conditional: bool, since: str | None, until: str | None,
    focus: str | None, frontier: str | None, frontier_run: str | None, worker: str | None,
    settings: tuple[tuple[str, str], ...], log_level: str, quiet: bool,
) -> None:
    """Crawl SOURCES (default: all) into the archive and index them."""
    from archive.backfill.window import make_window
    from archive.crawl import CrawlOptions, run_crawl

    try:
        make_window(since or "", until or "", datetime.date.today())
    except ValueError as exc:
        raise click.UsageError(str(exc), click.get_current_context()) from None
    options = CrawlOptions(
        archive=resolve_archive(archive), sources=sources, via=via or "",
        max_articles=max_pages, delay=delay, contact_url=contact,
        sources_file=sources_file, workers=workers, log_level=log_level,
        conditional=not no_conditional, recheck_all=recheck_all,
        since=since or "", until=until or "", focus=focus or "", quiet=quiet,
        frontier=frontier or "", frontier_run=frontier_run or "", worker=worker or "",
        settings=settings,
    )
    # A PressArchiveError (ArchiveLocked: exit 5) is one line, by the command group.
    report = run_crawl(options)
    click.echo(report.summary(), err=True)
    sys.exit(report.exit_code)


@click.command()
@archive_option
@click.option("--workers", type=click.IntRange(min=0), default=0,
              help="Extraction worker processes (0: one per core).")
@click.option("--source", help="Re-extract only this source (other rows are kept).")
@click.option("--since", metavar="DATE", help="Re-extract only captures made on or after "
              "DATE (YYYY-MM-DD); other rows are kept.")
@click.option("--from", "from_paths", multiple=True, type=click.Path(exists=True),
              help="Read these WARC files or folders (e.g. other crawlers' WARCs) instead of "
              "DIR/warc/; may be repeated. A shared crawl's DIR/workers is read worker by "
              "worker, merged by record date.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds before one page's extraction is killed and counted.")
@click.option("--compare", "compare_with", type=click.Path(dir_okay=False, exists=True),
              help="After rebuilding, report what changed against this older index.")
@click.option("--force", is_flag=True,
              help="Swap the rebuild in even if it has no trace of some articles of the "
              "current index (WARC files that could not be read).")
@click.option("--quiet", is_flag=True, help="No live progress line (shown only when stderr "
              "is a terminal); the summary still follows.")
def reextract(archive: str | None, workers: int, source: str | None, since: str | None,
              from_paths: tuple[str, ...], timeout: float, compare_with: str | None,
              force: bool, quiet: bool) -> None:
    """Rebuild the index from the WARC files alone (no network) and swap it in."""
    from archive.reextract import ReextractOptions, run_reextract, warc_inputs
    from archive.sources import load_sources

    if since and not is_date(since):
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--since")
    options = ReextractOptions(
        archive=resolve_archive(archive), sources=load_sources(), workers=workers,
        source=source, since=since, timeout=timeout,
        warc_paths=tuple(Path(p) for p in from_paths), force=force, quiet=quiet,
    )
    warc_inputs(options)  # a missing archive is reported before the lock creates DIR/state
    # Under the archive lock (taken by run_reextract): no crawl writes meanwhile. A
    # PressArchiveError (ArchiveLocked: exit 5) is one line, by the command group.
    report = run_reextract(options)
    click.echo(report.summary(), err=True)
    if compare_with:
        from archive.index.compare import compare_indexes

        click.echo(compare_indexes(Path(compare_with), report.index).format())


@click.command()
@click.option("--archive", "archive", metavar="DIR", default="demo-archive", show_default=True)
@click.option("--no-serve", is_flag=True, help="Stop after crawling and indexing.")
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True,
              help="Datasette port (the search page); checked before crawling.")
@click.option("--replay-port", type=click.IntRange(0, 65535), default=None,
              help="pywb port (the archived pages) [default: --port + 1]; 0: no replay.")
def demo(archive: str, no_serve: bool, port: int, replay_port: int | None) -> None:
    """Crawl the bundled sample sites of every source, index them, then serve."""
    from archive.cli.serving import default_replay_port
    from archive.demo import run_demo

    sys.exit(run_demo(Path(archive), serve=not no_serve, port=port,
                      replay_port=default_replay_port(port, replay_port)))


@click.command("sample-sites")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
# 1 to samplesites.EDITIONS[-1] (not imported here: it renders nothing, but loads the
# package; tests/test_samplesites_redesign.py checks the two agree).
@click.option("--edition", type=click.IntRange(1, 4), default=1, show_default=True,
              help="A later edition of the sites: 2 and 3 new, edited, deleted articles; "
              "4 TRT World redesigned.")
@click.option("--scale", type=click.IntRange(0, 20_000), default=0, show_default=True,
              help="Generate N extra article pages per source, for benchmarks.")
def sample_sites(host: str, port: int, edition: int, scale: int) -> None:
    """Serve the bundled copies of every source's site, chosen by Host header."""
    from archive.samplesites import serve

    try:
        serve(host, port, edition=edition, scale=scale)
    except OSError as exc:
        raise click.ClickException(f"cannot serve on {host}:{port}: {exc}") from exc
    except KeyboardInterrupt:
        pass
