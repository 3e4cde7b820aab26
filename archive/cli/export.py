"""`pressarchive export ...`: the archive's CDXJ index and WACZ package.

Registered in archive/cli/__init__.py.

A file of DIR/warc from which no record can be read (random bytes, a text file named
.warc.gz) is left out of the index and the package, and named; so is damage further into
a file (its records before the damage are kept). Either way the export is done and the
command exits 3 (FINISHED_WITH_ERRORS), after one "Error:" line; nothing usable to export
or an output that cannot be written is exit 4.
"""

from __future__ import annotations

from pathlib import Path

import click

from archive.cli.common import UserError, archive_option, resolve_archive
from archive.errors import PressArchiveError


@click.group()
def export() -> None:
    """Export the archive: a CDXJ index, a WACZ package."""


def _incomplete(left_out: list[str], damaged: list[str], what: str) -> click.ClickException:
    """The one line (exit 3) of an export that was made without some WARC data."""
    from archive import exitcodes

    parts = []
    if left_out:
        parts.append(f"{len(left_out)} file(s) left out of {what} (no WARC or ARC record "
                     f"could be read): {', '.join(left_out)}")
    if damaged:
        parts.append(f"{len(damaged)} file(s) read only up to damage: {', '.join(damaged)}")
    return UserError("; ".join(parts) + " (see the lines above)",
                     exitcodes.FINISHED_WITH_ERRORS)


@export.command("cdxj")
@archive_option
def export_cdxj(archive: str | None) -> None:
    """Write DIR/indexes/index.cdxj (for pywb and other replay tools); print its path."""
    from archive.warc.cdxj import write_cdxj
    from archive.warc.reader import ReadError

    errors: list[ReadError] = []
    left_out: dict[Path, str] = {}
    try:
        # Each unreadable spot is logged as one line as it is met (archive.warc.reader).
        path = write_cdxj(resolve_archive(archive), errors=errors, left_out=left_out)
    except PressArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(path))
    left_names = [p.name for p in left_out]
    damaged = sorted({e.filename for e in errors} - set(left_names))
    if left_names or damaged:
        raise _incomplete(left_names, damaged, "the index")


@export.command("wacz")
@archive_option
# Checked by export_wacz, so that every unusable output is the same one line (exit 4).
@click.argument("out", metavar="OUT.wacz", type=click.Path())
@click.option("--title", help="Title of the package (default: 'Press Archive: DIR').")
@click.option("--text/--no-text", "include_text", default=False, show_default=True,
              help="Put each article's text in pages.jsonl (full-text search in "
              "ReplayWeb.page; a larger file).")
def export_wacz_command(archive: str | None, out: str, title: str | None,
                        include_text: bool) -> None:
    """Package the archive as a WACZ file: WARCs, CDXJ index, one page per article."""
    from archive.wacz import export_wacz

    try:
        summary = export_wacz(resolve_archive(archive), Path(out), title=title,
                              include_text=include_text)
    except PressArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(summary.summary(), err=True)
    if not summary.complete:
        raise _incomplete(list(summary.left_out), summary.damaged, "the package")
