"""Quantity claims in article texts: who said what number about what.

Rules, not a model (docs/benchmarks.md has what they get right on the labelled set of
tests/data/claims_labels.jsonl, and what they cost next to trafilatura). This package
imports neither trafilatura nor Scrapy: the archive writer process runs it when it
indexes an article.

Modules, each importing only those above it:

- vocabulary  settings/claims.toml: counted things, qualifiers, attribution words; its hash
- tokens      sentences and tokens of a text (English and Arabic)
- numbers     a number as written to its value (digits, Eastern Arabic digits, words)
- speakers    who a sentence attributes what it says to
- extract     extract_claims(text, language): the claims of an article
"""

from archive.claims.extract import CLAIMS_EXTRACTOR, CLAIMS_VERSION, Claim, extract_claims
from archive.claims.vocabulary import claims_config_hash

__all__ = ["CLAIMS_EXTRACTOR", "CLAIMS_VERSION", "Claim", "claims_config_hash",
           "extract_claims"]
