"""What an extraction is configured with, and the hash that names that configuration.

`ExtractionOptions.config_hash` is stored with every indexed article: it covers the
options, the versions of the code that applies them and a source's cleanup rules, so a
stored record says which configuration produced it (and re-extraction knows what to redo).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import htmldate
import lxml
import trafilatura

from archive.relevance import relevance_definition
from archive.sources import ExtractionRules

# Bump when the post-processing in archive.extract changes what a page yields: it is part
# of config_hash, so stored records show which pipeline produced them (and re-extraction
# knows what to redo). 3: dates from RDF comments and in the publisher's time zone;
# mostly-UTF-8 pages read as UTF-8; the fallback encoding follows the page's language.
# 4: dates printed in Arabic and French read; the source's date_xpaths; never the capture
# day unless the page says so. 5: each article's relevance to the lexicon's topic.
PIPELINE_VERSION = 5


@dataclass(frozen=True)
class ExtractionOptions:
    """trafilatura options as one hashable, picklable object."""

    # Off: on trafilatura's own evaluation and newspaper3k's pages, precision mode
    # cut whole article bodies (bench/quality_bench.py); the sources' cleanup
    # rules remove their chrome without it.
    favor_precision: bool = False
    include_comments: bool = False
    include_tables: bool = True
    # trafilatura's deduplication keeps a process-global LRU cache of text segments seen
    # before: a page's text would then depend on which pages the process extracted
    # earlier (and on which worker got it). That breaks re-extraction, so it stays off;
    # duplicates are a job for the index, which sees the whole archive.
    deduplicate: bool = False
    min_words: int = 20  # fewer words than this: status "empty"
    max_html_bytes: int = 20_000_000  # bigger bodies are not parsed: status "too_large"

    def config_hash(self, rules: ExtractionRules | None = None,
                    irrelevant: str = "index") -> str:
        """sha256 of these options plus the versions of the code that applies them, and of
        a source's rules when given (they change the text as much as the options do),
        the lexicon's definition of relevance and the source's `irrelevant` policy
        (they decide an article's relevance and whether it is indexed)."""
        payload: dict[str, Any] = {
            "relevance": relevance_definition(),
            "irrelevant": irrelevant,
            "options": dataclasses.asdict(self),
            "pipeline": PIPELINE_VERSION,
            "trafilatura": trafilatura.__version__,
            "htmldate": htmldate.__version__,
            "lxml": lxml.__version__,
        }
        if rules is not None:
            payload["rules"] = {k: list(v) for k, v in dataclasses.asdict(rules).items()}
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


DEFAULT_OPTIONS = ExtractionOptions()
