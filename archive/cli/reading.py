"""`pressarchive search`, `claims`, `story`, `status`, `history`, `compare` and `health`: the
commands that only read an index (opened read-only by the library).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from archive.cli.common import archive_option, is_date, resolve_archive


@click.command()
@click.argument("query")
@archive_option
@click.option("--source", help="Only this source.")
@click.option("--since", metavar="DATE", help="Only articles published on or after DATE "
              "(YYYY-MM-DD).")
@click.option("--limit", type=click.IntRange(min=1, max=10_000), default=20, show_default=True)
@click.option("--synonyms/--no-synonyms", default=True, show_default=True,
              help="Look for a term of settings/lexicon.toml (ISIS, Daesh, داعش...) as any "
              "term of its group.")
@click.option("--topic", metavar="TOPIC", help="Only the articles about TOPIC (coalition: "
              "the relevance settings/lexicon.toml defines).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, with the "
              "hit's citation: outlet, author, archived date, WARC record id, digest.")
def search(query: str, archive: str | None, source: str | None, since: str | None,
           limit: int, synonyms: bool, topic: str | None, as_json: bool) -> None:
    """Full-text search of article titles and texts, best match first."""
    from archive.index.search import check_source_known, query_synonyms, search_notice
    from archive.index.search import search as run_search
    from archive.layout import ArchiveLayout

    if since and not is_date(since):
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--since")
    db_path = ArchiveLayout(resolve_archive(archive)).index_db
    hits = run_search(db_path, query, source=source, since=since, limit=limit,
                      synonyms=synonyms, topic=topic)
    if not hits and source:
        check_source_known(db_path, source)
    notice = search_notice(db_path)
    if notice:
        click.echo(f"note: {notice}", err=True)
    # What was looked for besides the words typed; on stderr with --json, whose
    # output is one hit per line.
    for line in query_synonyms(query) if synonyms else []:
        click.echo(f"synonyms: {line} (--no-synonyms: the words alone)", err=as_json)
    if hits and synonyms and not as_json and query_synonyms(query):
        click.echo()
    cited = _citations(db_path, [hit.url for hit in hits]) if as_json else {}
    for n, hit in enumerate(hits, 1):
        if as_json:
            # The hit's own keys first, then its citation's (archive/web/citation.py).
            fields = hit.to_dict()
            if hit.url in cited:
                from archive.web.citation import json_fields

                fields.update({k: v for k, v in json_fields(cited[hit.url]).items()
                               if k not in fields})
            click.echo(json.dumps(fields, ensure_ascii=False))
        else:
            click.echo(f"{n}. {hit.title}\n   {hit.source} | {hit.published or 'undated'} | "
                       f"{hit.url}\n   {hit.snippet}\n")
    if not hits and not as_json:
        click.echo("no match", err=True)


def _citations(db_path: Path, urls: list[str]) -> dict:
    from archive.layout import read_index
    from archive.web.citation import citations_of

    with read_index(db_path) as conn:
        return citations_of(conn, urls)


@click.command()
@archive_option
@click.option("--runs", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many of the last runs to show.")
@click.option("--json", "as_json", is_flag=True, help="The status as one JSON object.")
def status(archive: str | None, runs: int, as_json: bool) -> None:
    """The last crawl runs and the health of each source."""
    from archive.status import archive_status

    report = archive_status(resolve_archive(archive), runs=runs)
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False) if as_json else report.format())


@click.command()
@click.argument("url", required=False)
@archive_option
@click.option("--edited", is_flag=True, help="List the articles that have several versions.")
@click.option("--all", "show_all", is_flag=True,
              help="Show the changes between every pair of versions, not just the last.")
def history(url: str | None, archive: str | None, edited: bool, show_all: bool) -> None:
    """The versions of an article and a word-level diff of its edits."""
    from archive.index.history import describe_changes, edited_articles, versions
    from archive.layout import ArchiveLayout

    db_path = ArchiveLayout(resolve_archive(archive)).index_db
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


@click.command()
@click.argument("old", type=click.Path(dir_okay=False, exists=True))
@click.argument("new", type=click.Path(dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="The comparison as one JSON object.")
def compare(old: str, new: str, as_json: bool) -> None:
    """Compare two indexes per source (e.g. before and after a re-extraction)."""
    from archive.index.compare import compare_indexes

    comparison = compare_indexes(Path(old), Path(new))
    click.echo(json.dumps(comparison.to_dict(), ensure_ascii=False) if as_json
               else comparison.format())


@click.command()
@click.argument("query", required=False, default="")
@archive_option
@click.option("--counted", metavar="THING", help="Only claims counting THING (militants, "
              "airstrikes, sorties, troops, displaced...: settings/claims.toml).")
@click.option("--speaker", metavar="NAME", help="Only claims whose speaker contains NAME.")
@click.option("--source", help="Only this source.")
@click.option("--since", metavar="DATE", help="Only articles published on or after DATE "
              "(YYYY-MM-DD).")
@click.option("--limit", type=click.IntRange(min=1, max=100_000), default=1_000,
              show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header line.")
def claims(query: str, archive: str | None, counted: str | None, speaker: str | None,
           source: str | None, since: str | None, limit: int, as_json: bool,
           as_csv: bool) -> None:
    """Quantity claims (who said what number about what), by article date."""
    import csv
    import sys

    from archive.index.claims import FIELDS, find_claims, format_claim
    from archive.index.search import check_source_known
    from archive.layout import ArchiveLayout

    if since and not is_date(since):
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--since")
    if as_json and as_csv:
        raise click.UsageError("--json and --csv exclude each other")
    db_path = ArchiveLayout(resolve_archive(archive)).index_db
    hits = find_claims(db_path, query, counted=counted or "", speaker=speaker or "",
                       source=source or "", since=since or "", limit=limit)
    if not hits and source:
        check_source_known(db_path, source)
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(FIELDS)
        for hit in hits:
            writer.writerow([getattr(hit, f) for f in FIELDS])
        return
    for hit in hits:
        click.echo(json.dumps(hit.to_dict(), ensure_ascii=False) if as_json
                   else format_claim(hit))
    if not hits and not as_json:
        click.echo("no claims", err=True)


def _citations(db_path: Path, urls: list[str]) -> dict:
    from archive.layout import read_index
    from archive.web.citation import citations_of

    with read_index(db_path) as conn:
        return citations_of(conn, urls)


@click.command()
@click.argument("url")
@archive_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per copy.")
def story(url: str, archive: str | None, as_json: bool) -> None:
    """The copies of an article (the same text at other outlets or URLs), earliest first,
    with their similarity to the origin and what each changes."""
    from archive.index.stories import find_story, format_copy
    from archive.layout import ArchiveLayout

    copies = find_story(ArchiveLayout(resolve_archive(archive)).index_db, url)
    for copy in copies:
        click.echo(json.dumps(copy.to_dict(), ensure_ascii=False) if as_json
                   else format_copy(copy))
    if len(copies) == 1 and not as_json:
        click.echo("no other copies", err=True)


@click.command()
@archive_option
@click.option("--source", help="Only this source.")
@click.option("--json", "as_json", is_flag=True, help="The figures as one JSON object.")
@click.pass_context
def health(ctx: click.Context, archive: str | None, source: str | None, as_json: bool) -> None:
    """Extraction health per crawl and source; flags a source whose figures fell sharply
    (a site redesign). Exit status 6 when a source is flagged."""
    from archive import exitcodes
    from archive.health import health_report

    report = health_report(resolve_archive(archive), source)
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False) if as_json else report.format())
    ctx.exit(exitcodes.PROBLEMS_FOUND if report.flagged() else exitcodes.OK)
