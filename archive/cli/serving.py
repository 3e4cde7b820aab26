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
@click.option("--replay-port", type=click.IntRange(0, 65535), default=None,
              help="Port of pywb, which replays the archived pages on 127.0.0.1 "
              "[default: --port + 1]; 0: no replay.")
def serve(archive: str | None, host: str, port: int, public: bool | None,
          replay_port: int | None) -> None:
    """Search and read the archive in a browser: Datasette, and pywb replaying the pages."""
    from archive.serve import run_datasette

    # An unusable index or a port in use is a PressArchiveError: the command group makes
    # it one line, exit 4.
    sys.exit(run_datasette(resolve_archive(archive), host=host, port=port, public=public,
                           replay_port=default_replay_port(port, replay_port)))


def default_replay_port(port: int, replay_port: int | None) -> int:
    """--replay-port, by default the port after Datasette's (0: no replay)."""
    if replay_port is None:
        return port + 1 if port < 65535 else 0
    return replay_port
