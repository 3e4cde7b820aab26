"""The demo: sample sites, a crawl of every source through them, the index, Datasette."""

from __future__ import annotations

import threading
from pathlib import Path

import click

from archive.crawl import CrawlOptions, run_crawl
from archive.index.queries import articles_per_source
from archive.layout import ArchiveLayout


def run_demo(archive: Path, *, serve: bool = True, port: int = 8001) -> int:
    from archive.samplesites import make_server

    server = make_server("127.0.0.1", 0)
    site_port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="sample-sites", daemon=True)
    thread.start()
    via = f"http://127.0.0.1:{site_port}"
    click.echo(f"sample sites of every source served at {via} (site chosen by Host header)")
    try:
        # The sample sites are local: no politeness delay needed against them.
        report = run_crawl(CrawlOptions(archive=archive, via=via, delay=0.0, log_level="WARNING"))
    finally:
        server.shutdown()
        server.server_close()
    click.echo(report.summary())
    layout = ArchiveLayout(archive)
    warcs = sorted(layout.warc_dir.glob("*.warc.gz"))
    click.echo(f"WARC files: {len(warcs)} in {layout.warc_dir}")
    click.echo(f"index: {layout.index_db}")
    with layout.read_index() as conn:
        for source, count in articles_per_source(conn):
            click.echo(f"  {source}: {count} articles")
    click.echo(f"try: pressarchive search Ramadi --archive {archive}")
    if not serve:
        return 0
    from archive.serve import run_datasette

    click.echo(f"serving the index with Datasette at http://127.0.0.1:{port}/ (Ctrl-C stops)")
    return run_datasette(archive, port=port)
