"""Capture: each HTTP exchange of a crawl stored as WARC records, a capture row and
the URL's crawl state, in one transaction per batch (see docs/architecture.md).

`exchange` is what the crawl hands over, `store` writes it, `rows` makes the capture
row of a stored record (for the crawl and the rebuilds alike), `writer_process` runs
the store in a process of its own. Nothing here imports Scrapy or Twisted: the
writer process never loads them.
"""
