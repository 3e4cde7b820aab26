"""Plain `scrapy crawl` runs of one source against the sample sites, and the rows they
leave in the index."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

SCRAPY = Path(sys.executable).with_name("scrapy")


def scrapy_crawl(archive: Path, sample_sites_url: str, source: str, **settings: str
                 ) -> subprocess.Popen:
    args = [str(SCRAPY), "crawl", source]
    base = {"PRESSARCHIVE_ARCHIVE_DIR": str(archive), "PRESSARCHIVE_VIA": sample_sites_url,
            "DOWNLOAD_DELAY": "0", "PRESSARCHIVE_EXTRACT_WORKERS": "1"}
    for key, value in {**base, **settings}.items():
        args += ["-s", f"{key}={value}"]
    return subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))


def rows(archive: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(archive / "index.db")
    try:
        return sorted(conn.execute(sql).fetchall())
    finally:
        conn.close()
