"""`pressarchive verify`: check (and with --repair, first repair) an archive's WARC files.

Registered in archive/cli/__init__.py.
"""

from __future__ import annotations

import json

import click

from archive.cli.common import archive_option, resolve_archive


@click.command()
@archive_option
@click.option("--repair", is_flag=True,
              help="First repair torn .open files left by a crashed crawl: keep every "
              "complete record group, cut the partial tail, close the file.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.pass_context
def verify(ctx: click.Context, archive: str | None, repair: bool, as_json: bool) -> None:
    """Check every WARC file (gzip members, lengths, digests, pairs) and the index.

    Exit status 0 if everything is fine, 6 if problems remain (listed with file and
    offset). --repair takes the archive lock (exit 5 while a crawl runs).
    """
    from archive import exitcodes
    from archive.layout import ArchiveLayout
    from archive.lock import holding_lock
    from archive.warc.repair import repair_open_files
    from archive.warc.verify import VerifyError, verify_archive

    archive_dir = resolve_archive(archive)
    layout = ArchiveLayout(archive_dir)
    if not archive_dir.is_dir():
        raise click.ClickException(f"no archive directory at {archive_dir}")
    if not layout.warc_dir.is_dir() and not layout.index_db.exists():
        raise click.ClickException(
            f"{archive_dir} is not an archive: it has no {layout.warc_dir.name}/ directory "
            f"and no {layout.index_db.name}"
        )
    actions = []
    if repair:
        try:
            # Under the lock: a running crawl's .open file is never cut (ArchiveLocked,
            # exit 5), and every other .open file is torn, whatever pid its name has.
            with holding_lock(archive_dir, "verify --repair") as lock:
                actions = repair_open_files(layout.warc_dir, lock=lock)
        except OSError as exc:
            raise click.ClickException(f"repair failed: {exc}") from exc
        if not as_json:
            for action in actions:
                click.echo(f"repair: {action}")
            if not actions:
                click.echo("repair: no .open file to repair")
    try:
        report = verify_archive(archive_dir, index_db=layout.index_db)
    except VerifyError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        result = report.to_dict()
        result["repairs"] = [action.to_dict() for action in actions]
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        click.echo(report.format())
    ctx.exit(exitcodes.OK if report.ok else exitcodes.PROBLEMS_FOUND)
