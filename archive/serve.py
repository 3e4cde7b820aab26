"""Serve an archive's index with Datasette, configured from settings/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from archive.errors import PressArchiveError
from archive.index import INDEX_FILENAME
from archive.sources import PROJECT_ROOT

DATASETTE_METADATA = PROJECT_ROOT / "settings" / "datasette-metadata.json"


def datasette_command(archive: Path, *, host: str, port: int) -> list[str]:
    db = archive / INDEX_FILENAME
    if not db.exists():
        raise PressArchiveError(f"no index at {db}: run `pressarchive crawl --archive {archive}`")
    return [
        sys.executable, "-m", "datasette", "serve", str(db),
        "--metadata", str(DATASETTE_METADATA),
        "--host", host, "--port", str(port),
        # The index is still written by later crawls: no immutable mode.
        "--setting", "sql_time_limit_ms", "3000",
        "--setting", "facet_time_limit_ms", "500",
    ]


def run_datasette(archive: Path, *, host: str = "127.0.0.1", port: int = 8001) -> int:
    command = datasette_command(archive, host=host, port=port)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0
