"""Back-filling the past: captures from web archives (the Wayback Machine, any pywb or
CDX server, Common Crawl) and other crawlers' WARC, ARC and WACZ files."""
