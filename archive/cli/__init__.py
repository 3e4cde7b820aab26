"""The `pressarchive` command line: a thin edge over the library.

One module per family of commands, each a plain click command that calls one library
function; this module makes the group and registers every command explicitly. What the
commands share (the `--archive` option, choosing the archive folder, turning an error a
user can cause into one "Error:" line with a documented exit code) is in common.py.
"""

from __future__ import annotations

import click

from archive import __version__
from archive.cli.backfill import backfill
from archive.cli.common import PressArchiveGroup, UserError, resolve_archive
from archive.cli.crawling import crawl, demo, reextract, sample_sites
from archive.cli.export import export
from archive.cli.extracting import extract
from archive.cli.importing import import_files
from archive.cli.reading import claims, compare, health, history, search, status, story
from archive.cli.serving import serve
from archive.cli.verify import verify

__all__ = ["main", "resolve_archive", "UserError"]


@click.group(cls=PressArchiveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pressarchive")
def main() -> None:
    """Crawl, archive (WARC), extract and search press coverage."""


for command in (crawl, backfill, reextract, import_files, demo, sample_sites, search, claims, story,
                status, history, compare, health, extract, serve, export, verify):
    main.add_command(command)
