"""`python -m archive.samplesites.webarchive [--target DIR]`: build the sample web archive and
the CC-NEWS set and serve them on 127.0.0.1 until Ctrl-C (for the demo and by hand)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

from archive.samplesites.webarchive import (
    build_cc_news,
    build_web_archive,
    serve_cc_news,
    serve_web_archive,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", type=Path, help="an empty or new directory (default: a "
                        "temporary one, removed at exit)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="webarchive-") as scratch:
        target = args.target or Path(scratch)
        archive = build_web_archive(target / "wayback")
        ccnews = build_cc_news(target / "ccnews")
        with serve_web_archive(archive) as prefix, serve_cc_news(ccnews) as cc:
            sys.stderr.write(
                f"web archive: {len(archive.captures)} captures, replay {prefix}"
                "<timestamp>id_/<url>\n"
                f"  CDX API: {prefix}cdx?url=www.chinatopix.com/&matchType=prefix&output=json\n"
                f"CC-NEWS files: {cc.files.base_url}{ccnews.paths_files[0]} (Range requests)\n"
                f"  index: {cc.index_url}?url=www.trtworld.com/&matchType=prefix&output=json\n"
                "Ctrl-C stops\n")
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
