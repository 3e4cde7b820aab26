"""`pressarchive export ...`: the archive's CDXJ index and WACZ package.

Registered in archive/cli.py with ``main.add_command(export)``. This module does not import
archive.cli at import time (archive.cli imports it), only inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import click

from archive.errors import PressArchiveError

# The same option as archive.cli.archive_option (not imported, see the module docstring).
archive_option = click.option(
    "--archive", "archive", metavar="DIR", envvar="PRESSARCHIVE_ARCHIVE",
    help="Archive directory (WARC files, index.db). "
    "Default: $PRESSARCHIVE_ARCHIVE, ./archive-data or ./demo-archive.",
)


def _archive_dir(archive: str | None) -> Path:
    from archive.cli import resolve_archive

    return resolve_archive(archive)


@click.group()
def export() -> None:
    """Export the archive: a CDXJ index, a WACZ package."""


@export.command("cdxj")
@archive_option
def export_cdxj(archive: str | None) -> None:
    """Write DIR/indexes/index.cdxj (for pywb and other replay tools); print its path."""
    from archive.cdxj import write_cdxj
    from archive.warc.reader import ReadError

    errors: list[ReadError] = []
    try:
        path = write_cdxj(_archive_dir(archive), errors=errors)
    except PressArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    for error in errors:
        click.echo(f"warning: unreadable WARC data in {error.filename} at offset "
                   f"{error.offset}: {error.message}", err=True)
    click.echo(str(path))


@export.command("wacz")
@archive_option
@click.argument("out", metavar="OUT.wacz", type=click.Path(dir_okay=False))
@click.option("--title", help="Title of the package (default: 'Press Archive: DIR').")
@click.option("--text/--no-text", "include_text", default=False, show_default=True,
              help="Put each article's text in pages.jsonl (full-text search in "
              "ReplayWeb.page; a larger file).")
def export_wacz_command(archive: str | None, out: str, title: str | None,
                        include_text: bool) -> None:
    """Package the archive as a WACZ file: WARCs, CDXJ index, one page per article."""
    from archive.wacz import export_wacz

    try:
        summary = export_wacz(_archive_dir(archive), Path(out), title=title,
                              include_text=include_text)
    except PressArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(summary.summary(), err=True)
