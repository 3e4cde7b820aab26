"""The demo: sample sites, a crawl of every source through them, China Topix's 2015
pages back-filled from the sample web archive (pywb), the index, Datasette."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import click

from archive.crawl import CrawlOptions, run_crawl
from archive.index.queries import articles_per_source, backfilled_articles
from archive.layout import ArchiveLayout

# The source the demo back-fills: a gap in the sources dossier, whose pages survive only
# in web archives.
BACKFILLED_SOURCE = "chinatopix"
# A NINA report two other sample outlets republished (pressarchive story groups them).
REPUBLISHED_REPORT = "https://www.ninanews.com/Website/News/Details?key=721506"


def run_demo(archive: Path, *, serve: bool = True, port: int = 8001,
             replay_port: int = 8002) -> int:
    from archive.samplesites import make_server

    if serve:
        from archive.serve import check_ports

        # Before the crawl, not after minutes of it: a taken port is one line now.
        check_ports("127.0.0.1", port, replay_port)

    server = make_server("127.0.0.1", 0)
    site_port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="sample-sites", daemon=True)
    thread.start()
    via = f"http://127.0.0.1:{site_port}"
    click.echo(f"sample sites of every source served at {via} (site chosen by Host header)")
    try:
        # The sample sites are local: no politeness delay needed against them, nor the
        # Crawl-delay their robots.txt may copy from the real sites (a real crawl honours it).
        report = run_crawl(CrawlOptions(archive=archive, via=via, delay=0.0, log_level="WARNING",
                                        crawl_delay=False))
    finally:
        server.shutdown()
        server.server_close()
    click.echo(report.summary())
    backfill_from_sample_web_archive(archive)
    layout = ArchiveLayout(archive)
    warcs = sorted(layout.warc_dir.glob("*.warc.gz"))
    click.echo(f"WARC files: {len(warcs)} in {layout.warc_dir}")
    click.echo(f"index: {layout.index_db}")
    with layout.read_index() as conn:
        for source, count in articles_per_source(conn):
            click.echo(f"  {source}: {count} articles")
        for row in backfilled_articles(conn, BACKFILLED_SOURCE):
            click.echo(f"  from the web archive: {row['published'] or '(no date)'} "
                       f"{row['title']} <{row['url']}>, captured {row['fetched_at']}")
    click.echo(f"try: pressarchive search Ramadi --archive {archive}")
    # Arabic as a reader types it: no article, no hamza on the alef (الموصل, أعلن).
    for example in ("search موصل --source aawsat_ar", "search Daesh --topic coalition",
                    "claims --counted sorties", f"story {REPUBLISHED_REPORT}", "health"):
        click.echo(f"     pressarchive {example} --archive {archive}")
    if not serve:
        return 0
    from archive.serve import run_datasette

    click.echo(f"serving the search page at http://127.0.0.1:{port}/ and the archived pages "
               f"with pywb at http://127.0.0.1:{replay_port}/ (Ctrl-C stops)")
    return run_datasette(archive, port=port, replay_port=replay_port)


def backfill_from_sample_web_archive(archive: Path) -> None:
    """`pressarchive backfill chinatopix` against the sample web archive, served by pywb
    (from .venv-tools, which `make demo` creates) from a temporary folder.

    In a process of its own: the crawl above has run Twisted's reactor in this one,
    and a reactor cannot be started twice."""
    from archive.samplesites.webarchive import build_web_archive, serve_web_archive
    from archive.samplesites.webarchive.pywb import PywbError

    with tempfile.TemporaryDirectory(prefix="pressarchive-demo-webarchive-") as scratch:
        try:
            web = build_web_archive(Path(scratch) / "wayback")
            with serve_web_archive(web) as prefix:
                click.echo(f"sample web archive served by pywb at {prefix}: back-filling "
                           f"{BACKFILLED_SOURCE} from its 2015 captures")
                # The web archive is local: no politeness delay needed against it.
                result = subprocess.run(
                    [sys.executable, "-m", "archive.cli", "backfill", BACKFILLED_SOURCE,
                     "--archive", str(archive), "--wayback", prefix, "--delay", "0",
                     "--cdx-delay", "0", "--log-level", "WARNING"],
                    capture_output=True, text=True, check=False)
        except PywbError as exc:
            click.echo(f"{BACKFILLED_SOURCE} not back-filled: {exc}".splitlines()[0])
            return
    lines = result.stderr.splitlines()
    # The summary (from "archive:" on), or what went wrong.
    start = next((i for i, line in enumerate(lines) if line.startswith("archive: ")), 0)
    click.echo("\n".join(lines[start:]))
