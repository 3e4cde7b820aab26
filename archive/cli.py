"""The `pressarchive` command line: a thin edge over the library.

Errors a user can cause (a missing archive, a broken config, an unusable index)
become one line, "Error: ...", with the exit code archive/exitcodes.py documents:
the library raises PressArchiveError, and the command group turns every one that
reaches it into that line (exit 4, 5 for a held lock), as it does a command's own
click.ClickException. A bad option stays click's usage error (exit 2). Anything else
is a bug and keeps its traceback (exit 1).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from archive import __version__, exitcodes
from archive.errors import PressArchiveError

DEFAULT_ARCHIVES = ("archive-data", "demo-archive")


class UserError(click.ClickException):
    """An error the user can fix: "Error: MESSAGE" on stderr, and a documented exit code."""

    def __init__(self, message: str, exit_code: int = exitcodes.COULD_NOT_RUN) -> None:
        # One line whatever the message holds (a TOML or SQLite message, a file name).
        super().__init__(" ".join(message.split()))
        self.exit_code = exit_code


def user_error(exc: PressArchiveError) -> UserError:
    from archive.lock import ArchiveLocked

    code = exitcodes.LOCKED if isinstance(exc, ArchiveLocked) else exitcodes.COULD_NOT_RUN
    return UserError(str(exc), code)


class PressArchiveGroup(click.Group):
    """The command group: every user error of every command ends the same way."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except PressArchiveError as exc:
            raise user_error(exc) from exc
        except click.ClickException as exc:
            # A command's own ClickException is a user error too (the convention of
            # this package): exit 4, not the 1 of an unexpected error. Usage errors
            # (2) and codes set on purpose are kept.
            if exc.exit_code == 1:
                exc.exit_code = exitcodes.COULD_NOT_RUN
            raise


def resolve_archive(archive: str | None) -> Path:
    """--archive, else $PRESSARCHIVE_ARCHIVE, else ./archive-data or ./demo-archive."""
    if archive:
        return Path(archive)
    if os.environ.get("PRESSARCHIVE_ARCHIVE"):
        return Path(os.environ["PRESSARCHIVE_ARCHIVE"])
    for candidate in DEFAULT_ARCHIVES:
        if (Path(candidate) / "index.db").exists():
            return Path(candidate)
    return Path(DEFAULT_ARCHIVES[0])


archive_option = click.option(
    "--archive", "archive", metavar="DIR", envvar="PRESSARCHIVE_ARCHIVE",
    help="Archive directory (WARC files, index.db). "
    "Default: $PRESSARCHIVE_ARCHIVE, ./archive-data or ./demo-archive.",
)


@click.group(cls=PressArchiveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pressarchive")
def main() -> None:
    """Crawl, archive (WARC), extract and search press coverage."""


@main.command()
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
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]))
def crawl(
    sources: tuple[str, ...], archive: str | None, via: str | None, max_pages: int,
    delay: float | None, contact: str | None, sources_file: str | None, workers: int,
    recheck_all: bool, no_conditional: bool, log_level: str,
) -> None:
    """Crawl SOURCES (default: all) into the archive and index them."""
    from archive.crawl import CrawlOptions, run_crawl
    from archive.lock import ArchiveLocked

    options = CrawlOptions(
        archive=resolve_archive(archive), sources=sources, via=via or "",
        max_articles=max_pages, delay=delay, contact_url=contact,
        sources_file=sources_file, workers=workers, log_level=log_level,
        conditional=not no_conditional, recheck_all=recheck_all,
    )
    try:
        report = run_crawl(options)
    except ArchiveLocked as exc:
        _exit_with(str(exc), exitcodes.LOCKED)
    except PressArchiveError as exc:
        _exit_with(str(exc), exitcodes.COULD_NOT_RUN)
    click.echo(report.summary(), err=True)
    sys.exit(report.exit_code)


@main.command("sample-sites")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--edition", type=click.IntRange(1, 3), default=1, show_default=True,
              help="A later edition of the sites: new, edited, deleted articles.")
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


@main.command()
@click.argument("query")
@archive_option
@click.option("--source", help="Only this source.")
@click.option("--since", metavar="DATE", help="Only articles published on or after DATE "
              "(YYYY-MM-DD).")
@click.option("--limit", type=click.IntRange(min=1, max=10_000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def search(query: str, archive: str | None, source: str | None, since: str | None,
           limit: int, as_json: bool) -> None:
    """Full-text search of article titles and texts, best match first."""
    from archive.index import INDEX_FILENAME
    from archive.search import check_source_known
    from archive.search import search as run_search

    if since and not _is_date(since):
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--since")
    db_path = resolve_archive(archive) / INDEX_FILENAME
    hits = run_search(db_path, query, source=source, since=since, limit=limit)
    if not hits and source:
        check_source_known(db_path, source)
    for n, hit in enumerate(hits, 1):
        if as_json:
            click.echo(json.dumps(hit.to_dict(), ensure_ascii=False))
        else:
            click.echo(f"{n}. {hit.title}\n   {hit.source} | {hit.published or 'undated'} | "
                       f"{hit.url}\n   {hit.snippet}\n")
    if not hits and not as_json:
        click.echo("no match", err=True)


# Outcomes of `extract` that are the input's fault, not the page's: the file could not
# be read (or its extraction failed), or it is not HTML at all.
EXTRACT_FAILURES = ("error", "not_html")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--url", help="URL the page was served at (picks the source's cleanup rules).")
@click.option("--source", help="Apply this source's cleanup rules.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def extract(files: tuple[str, ...], url: str | None, source: str | None, as_json: bool) -> None:
    """Extract local HTML files (plain or .gz) exactly as the crawl does.

    A file that cannot be read or extracted, or is not HTML, is one "Error:" line on
    stderr; the exit status is then 4 if no file was extracted, 3 if some were."""
    from archive.extract import extract_file
    from archive.sources import load_sources, source_for_url

    sources = load_sources()
    if source and source not in sources:
        # As for crawl and reextract: exit 4, not a usage error.
        raise UserError(f"unknown source {source!r}; known: {', '.join(sources)}")
    chosen = sources[source] if source else (source_for_url(url, sources) if url else None)
    failed = 0
    for name in files:
        result = extract_file(Path(name), url=url, rules=chosen.extraction if chosen else None)
        if result["status"] in EXTRACT_FAILURES:
            failed += 1
            error = " ".join(result["error"].split())
            click.echo(f"Error: {error}" if name in error else f"Error: {name}: {error}",
                       err=True)
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
        else:
            click.echo(f"== {name}: {result['status']} {result.get('error') or ''}".rstrip())
            for key in ("title", "author", "published", "language", "canonical_url"):
                click.echo(f"{key}: {result.get(key, '')}")
            click.echo(f"\n{result.get('text', '')}\n")
    if failed:
        sys.exit(exitcodes.COULD_NOT_RUN if failed == len(files)
                 else exitcodes.FINISHED_WITH_ERRORS)


@main.command()
@archive_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option("--public/--no-public", default=None,
              help="Safe to publish: no SQL of one's own, no downloads, no file paths. "
              "Default: on unless --host is a loopback address.")
def serve(archive: str | None, host: str, port: int, public: bool | None) -> None:
    """Browse and search the index with Datasette."""
    from archive.serve import run_datasette

    # An unusable index is a PressArchiveError: the command group makes it one line, exit 4.
    sys.exit(run_datasette(resolve_archive(archive), host=host, port=port, public=public))


@main.command()
@click.option("--archive", "archive", metavar="DIR", default="demo-archive", show_default=True)
@click.option("--no-serve", is_flag=True, help="Stop after crawling and indexing.")
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True,
              help="Datasette port.")
def demo(archive: str, no_serve: bool, port: int) -> None:
    """Crawl the bundled sample sites of every source, index them, then serve."""
    from archive.demo import run_demo

    sys.exit(run_demo(Path(archive), serve=not no_serve, port=port))


@main.command()
@archive_option
@click.option("--workers", type=click.IntRange(min=0), default=0,
              help="Extraction worker processes (0: one per core).")
@click.option("--source", help="Re-extract only this source (other rows are kept).")
@click.option("--since", metavar="DATE", help="Re-extract only captures made on or after "
              "DATE (YYYY-MM-DD); other rows are kept.")
@click.option("--from", "from_paths", multiple=True, type=click.Path(exists=True),
              help="Read these WARC files or folders (e.g. other crawlers' WARCs) instead of "
              "DIR/warc/; may be repeated.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds before one page's extraction is killed and counted.")
@click.option("--compare", "compare_with", type=click.Path(dir_okay=False, exists=True),
              help="After rebuilding, report what changed against this older index.")
@click.option("--force", is_flag=True,
              help="Swap the rebuild in even if it has no trace of some articles of the "
              "current index (WARC files that could not be read).")
def reextract(archive: str | None, workers: int, source: str | None, since: str | None,
              from_paths: tuple[str, ...], timeout: float, compare_with: str | None,
              force: bool) -> None:
    """Rebuild the index from the WARC files alone (no network) and swap it in."""
    from archive.lock import ArchiveLocked
    from archive.reextract import ReextractOptions, run_reextract, warc_inputs
    from archive.sources import load_sources

    if since and not _is_date(since):
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--since")
    archive_dir = resolve_archive(archive)
    try:
        options = ReextractOptions(
            archive=archive_dir, sources=load_sources(), workers=workers, source=source,
            since=since, timeout=timeout, warc_paths=tuple(Path(p) for p in from_paths),
            force=force,
        )
        warc_inputs(options)  # a missing archive is reported before the lock creates DIR/state
        # Under the archive lock (taken by run_reextract): no crawl writes meanwhile.
        report = run_reextract(options)
    except ArchiveLocked as exc:
        _exit_with(str(exc), exitcodes.LOCKED)
    except PressArchiveError as exc:
        _exit_with(str(exc), exitcodes.COULD_NOT_RUN)
    click.echo(report.summary(), err=True)
    if compare_with:
        from archive.compare import compare_indexes

        click.echo(compare_indexes(Path(compare_with), report.index).format())


@main.command()
@click.argument("old", type=click.Path(dir_okay=False, exists=True))
@click.argument("new", type=click.Path(dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="The comparison as one JSON object.")
def compare(old: str, new: str, as_json: bool) -> None:
    """Compare two indexes per source (e.g. before and after a re-extraction)."""
    from archive.compare import compare_indexes

    comparison = compare_indexes(Path(old), Path(new))
    click.echo(json.dumps(comparison.to_dict(), ensure_ascii=False) if as_json
               else comparison.format())


@main.command()
@archive_option
@click.option("--runs", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many of the last runs to show.")
@click.option("--json", "as_json", is_flag=True, help="The status as one JSON object.")
def status(archive: str | None, runs: int, as_json: bool) -> None:
    """The last crawl runs and the health of each source."""
    from archive.status import archive_status

    report = archive_status(resolve_archive(archive), runs=runs)
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False) if as_json else report.format())


@main.command()
@click.argument("url", required=False)
@archive_option
@click.option("--edited", is_flag=True, help="List the articles that have several versions.")
@click.option("--all", "show_all", is_flag=True,
              help="Show the changes between every pair of versions, not just the last.")
def history(url: str | None, archive: str | None, edited: bool, show_all: bool) -> None:
    """The versions of an article and a word-level diff of its edits."""
    from archive.history import describe_changes, edited_articles, versions
    from archive.index import INDEX_FILENAME

    db_path = resolve_archive(archive) / INDEX_FILENAME
    if edited or not url:
        for row_url, source, title, count, changed in edited_articles(db_path):
            click.echo(f"{count} versions, last {changed}  {source}  {title}\n  {row_url}")
        return
    found = versions(db_path, url)
    for v in found:
        click.echo(f"version {v.version}: {v.fetched_at}  {v.word_count} words  "
                   f"{v.capture_record_id}  {v.title}")
    pairs = list(zip(found, found[1:], strict=False))
    for old, new in (pairs if show_all else pairs[-1:]):
        click.echo("\n" + describe_changes(old, new))


def _exit_with(message: str, code: int) -> None:
    """A user-facing failure: one line on stderr and a documented exit code."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _register_subcommands() -> None:
    # Imported here: these modules import archive.cli's options themselves.
    from archive.cli_export import export
    from archive.cli_verify import verify

    main.add_command(export)
    main.add_command(verify)


_register_subcommands()


def _is_date(value: str) -> bool:
    import datetime

    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


if __name__ == "__main__":
    main()
