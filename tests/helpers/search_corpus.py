"""A synthetic corpus of article rows for the search tests (phrases and words at
known frequencies)."""

from __future__ import annotations

from archive.index.schema import ArticleRow

SOURCES = ("ina", "nina", "trtworld")


def article(i: int) -> ArticleRow:
    """Row i: "mosul" everywhere; "ramadi" in one row in five, more often in some;
    "haider al abadi" as a phrase in one row in seven."""
    words = ["The coalition said Mosul."]
    if i % 5 == 0:
        words.append(" ".join(["Ramadi"] * (1 + i % 4)))
    if i % 7 == 0:
        words.append("Prime minister Haider al Abadi spoke.")
    else:
        words.append("Abadi and Haider met al-Qaeda.")
    words.append(" filler" * (i % 13))
    url = f"https://x.org/{i}"
    text = " ".join(words)
    return ArticleRow(
        url=url, source=SOURCES[i % 3], title=f"Ramadi report {i}" if i % 50 == 0 else f"T {i}",
        author="", published=f"{2014 + i * 7 % 11}-06-{1 + i % 28:02d}", language="en",
        canonical_url=url, text=text, word_count=len(text.split()),
        capture_record_id=f"<urn:uuid:{i:08d}>", warc_file="a.warc.gz", warc_offset=i,
        payload_digest="sha1:X", fetched_at="2026-11-21T10:00:00Z", extractor="trafilatura",
        extractor_version="2.3.1", config_hash="abc",
    )
