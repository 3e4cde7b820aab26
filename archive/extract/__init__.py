"""The one extraction path: archived HTML bytes -> text and metadata.

The live crawl, offline re-extraction, reconciliation and the `pressarchive extract`
debug command all hand a page over as an `ExtractionTask` to `extract`, so a page
extracted twice gives the same record. It is deterministic for the same task (bytes,
options, rules and `captured_at`), and never raises for bad input: every failure becomes
a result with a status.

It is CPU-bound and has no timeout of its own (trafilatura offers none from Python); the
crawl runs it in killable processes through `archive.extract.pool.ExtractorPool`.

Modules, each importing only those above it:

- options   ExtractionOptions, DEFAULT_OPTIONS, config_hash, PIPELINE_VERSION
- task      ExtractionTask (a page in), ExtractionResult (out), STATUSES
- words     word counts, whitespace
- charset   bytes to text: encodings, binary data
- parse     text to the lxml tree, comments, the visible headings
- rules     a source's cleanup rules and soft-404 markers applied
- printed   dates as pages print them: Arabic (every month system), French, English
- dates     the publication date
- metadata  title, headings, canonical URL, language, organisation authors
- text      extract(task), extract_html(body, url, ...): the extraction itself
- warmup    warm_up(): a worker process's one-off loading
- files     extract_file(): a saved file, plain or .gz

The worker pool, which this package does not import (its users do, by module):

- worker       one worker process: its loop in the child, the parent's handle on it
- warm_worker  imported by the workers' fork server: trafilatura loaded and warmed once
- pool         ExtractorPool: extract(task) in killable, recycled worker processes
"""

from archive.extract.charset import decode_html
from archive.extract.files import extract_file
from archive.extract.options import DEFAULT_OPTIONS, PIPELINE_VERSION, ExtractionOptions
from archive.extract.task import STATUSES, ExtractionResult, ExtractionTask
from archive.extract.text import extract, extract_html
from archive.extract.warmup import warm_up
from archive.extract.words import count_words

__all__ = [
    "DEFAULT_OPTIONS",
    "PIPELINE_VERSION",
    "STATUSES",
    "ExtractionOptions",
    "ExtractionResult",
    "ExtractionTask",
    "count_words",
    "decode_html",
    "extract",
    "extract_file",
    "extract_html",
    "warm_up",
]
