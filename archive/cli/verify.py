"""`pressarchive verify`: check (and with --repair, first repair) an archive's WARC files.

Registered in archive/cli/__init__.py.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from typing import TYPE_CHECKING

import click

from archive.cli.common import archive_option, resolve_archive

if TYPE_CHECKING:
    from archive.layout import ArchiveLayout, WarcFolder


@click.command()
@archive_option
@click.option("--repair", is_flag=True,
              help="First repair torn .open files left by a crashed crawl: keep every "
              "complete record group, cut the partial tail, close the file.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.pass_context
def verify(ctx: click.Context, archive: str | None, repair: bool, as_json: bool) -> None:
    """Check every WARC file (gzip members, lengths, digests, pairs) and the index.

    Every WARC folder: DIR/warc and, for a shared crawl, each DIR/workers/NAME/warc, as
    one archive. Exit status 0 if everything is fine, 6 if problems remain (listed with
    file and offset). --repair takes the archive lock, and the lock of each worker with
    a .open file (exit 5 while a crawl runs).
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
    # A shared crawl's archive may have no warc/ of its own: its workers' folders count.
    if not layout.warc_folders() and not layout.index_db.exists():
        raise click.ClickException(
            f"{archive_dir} is not an archive: it has no {layout.warc_dir.name}/ directory "
            f"and no {layout.index_db.name}"
        )
    actions = []
    if repair:
        try:
            # Under the lock: a running crawl's .open file is never cut (ArchiveLocked,
            # exit 5), and every other .open file is torn, whatever pid its name has.
            # A worker's folder is under that worker's own lock (DIR/workers/NAME): all
            # are taken before any file is cut, so a running worker stops the repair
            # before it starts, not halfway.
            folders = repaired_folders(layout)
            with ExitStack() as held:
                locks = [held.enter_context(holding_lock(folder.path.parent,
                                                         "verify --repair"))
                         for folder in folders]
                for folder, lock in zip(folders, locks, strict=True):
                    actions += repair_open_files(folder.path, lock=lock)
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


def repaired_folders(layout: ArchiveLayout) -> list[WarcFolder]:
    """The folders --repair repairs: DIR/warc (its lock taken even when it has no warc/
    yet, as before), and each worker's folder that holds a `.open` file (a worker with
    none is not locked: its crawl may be running, and nothing of it is cut)."""
    from archive.layout import WarcFolder
    from archive.warc.writer import OPEN_SUFFIX

    own = WarcFolder(layout.warc_dir)
    return [own] + [folder for folder in layout.warc_folders() if folder.worker
                    and any(folder.path.glob("*" + OPEN_SUFFIX))]
