"""The one-off loading of a process that will extract pages (the worker processes and
the fork server they are forked from)."""

from __future__ import annotations

import datetime as dt

from archive.extract.printed import read_date
from archive.extract.task import ExtractionTask
from archive.extract.text import extract

_WARM_UP_PAGE = (
    b"<html lang='en'><head><title>Warm-up</title></head><body><article>"
    b"<p>Published 3 March 2015. " + b"A sentence of warm-up text for the extractor. " * 30
    + b"</p></article></body></html>"
)


_warmed_up = False


def warm_up() -> None:
    """Load now what trafilatura loads on first use, for worker processes to call before
    their first task; once per process (a worker forked from a warm process is warm).

    The expensive one: htmldate's fallback date parser (dateparser) builds its locale
    data on the first string it cannot parse, 2-4 s once per process. Paid inside a task,
    that would count against the task's timeout, so which page times out would depend
    on which page happened to be first.
    """
    global _warmed_up
    if _warmed_up:
        return
    _warmed_up = True
    try:
        from htmldate.extractors import get_external_parser

        get_external_parser().get_date_data("warm up 13 zzzz")
    except Exception:
        pass  # only a speed-up; a newer htmldate may have moved it
    extract(ExtractionTask(_WARM_UP_PAGE, "https://example.org/warm-up"))
    # The printed-date patterns (every month name of every system) compile on first use,
    # which that page does not reach.
    read_date("3 آب 2019", latest=dt.date(2019, 8, 3))


