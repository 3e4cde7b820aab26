"""`pressarchive serve`: Datasette on the archive's index (archive/serve.py).
"""

from __future__ import annotations

import sys

import click

from archive.cli.common import archive_option, resolve_archive


@click.command()
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
