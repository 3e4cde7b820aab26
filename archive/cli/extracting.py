"""`pressarchive extract`: local HTML files through the crawl's extraction.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from archive import exitcodes
from archive.cli.common import UserError

# Outcomes of `extract` that are the input's fault, not the page's: the file could not
# be read (or its extraction failed), or it is not HTML at all.
EXTRACT_FAILURES = ("error", "not_html")


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--url", help="URL the page was served at (picks the source's cleanup rules).")
@click.option("--source", help="Apply this source's cleanup rules.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def extract(files: tuple[str, ...], url: str | None, source: str | None, as_json: bool) -> None:
    """Extract local HTML files (plain or .gz) exactly as the crawl does.

    A file that cannot be read or extracted, or is not HTML, is one "Error:" line on
    stderr; the exit status is then 4 if no file was extracted, 3 if some were."""
    from archive.extract import extract_file
    from archive.sources import load_sources, source_for_url

    sources = load_sources()
    if source and source not in sources:
        # As for crawl and reextract: exit 4, not a usage error.
        raise UserError(f"unknown source {source!r}; known: {', '.join(sources)}")
    chosen = sources[source] if source else (source_for_url(url, sources) if url else None)
    failed = 0
    for name in files:
        result = extract_file(Path(name), url=url, rules=chosen.extraction if chosen else None)
        if result["status"] in EXTRACT_FAILURES:
            failed += 1
            error = " ".join(result["error"].split())
            click.echo(f"Error: {error}" if name in error else f"Error: {name}: {error}",
                       err=True)
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
        else:
            click.echo(f"== {name}: {result['status']} {result.get('error') or ''}".rstrip())
            for key in ("title", "author", "published", "language", "canonical_url"):
                click.echo(f"{key}: {result.get(key, '')}")
            click.echo(f"\n{result.get('text', '')}\n")
    if failed:
        sys.exit(exitcodes.COULD_NOT_RUN if failed == len(files)
                 else exitcodes.FINISHED_WITH_ERRORS)
