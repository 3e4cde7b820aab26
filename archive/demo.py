"""The demo: sample sites, a crawl of every source through them, the index, Datasette."""

from __future__ import annotations

import threading
from pathlib import Path

import click

from archive.crawl import CrawlOptions, run_crawl
from archive.index.schema import INDEX_FILENAME, open_database


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
    db = open_database(archive / INDEX_FILENAME)
    warcs = sorted((archive / "warc").glob("*.warc.gz"))
    click.echo(f"WARC files: {len(warcs)} in {archive / 'warc'}")
    click.echo(f"index: {archive / INDEX_FILENAME}")
    for source, count in db.execute(
        "select source, count(*) from articles group by source order by source"
    ).fetchall():
        click.echo(f"  {source}: {count} articles")
    db.conn.close()
    click.echo(f"try: pressarchive search Ramadi --archive {archive}")
    if not serve:
        return 0
    from archive.serve import run_datasette

    click.echo(f"serving the index with Datasette at http://127.0.0.1:{port}/ (Ctrl-C stops)")
    return run_datasette(archive, port=port)
