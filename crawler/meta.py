"""Every `request.meta` / `response.meta` key the crawler reads or writes, in one place.

Scrapy copies a request's meta to its response (`response.meta` is the request's),
and to the new request of a retry or a redirect: `crawler.via.COPIED_META_KEYS` are the
keys a new transfer must not inherit from an earlier one.
"""

from __future__ import annotations

# --- Press Archive's own keys -------------------------------------------------------
# Set by the spider on an article page request (crawler/spiders/source.py): the
# RecheckMiddleware decides whether it is due, the WARC capture marks it as an article.
ARTICLE = "pressarchive_article"
# Set by the RecheckMiddleware when it added If-None-Match / If-Modified-Since: a 304
# answer is then archived as a server-not-modified revisit.
CONDITIONAL = "pressarchive_conditional"
# When the transfer started (time.time()): the WARC-Date, and the start of the time
# limit. Set by the download handler (crawler/via.py).
STARTED_AT = "pressarchive_started_at"
# The status line and header lines as received (crawler.rawhttp.RawHead).
RAW_HEAD = "pressarchive_raw_head"
# Why this crawler cut the body: "length" or "time" (WARC-Truncated).
TRUNCATED = "pressarchive_truncated"
# Body bytes received so far (the bytes_received handler of the WARC capture).
BYTES_RECEIVED = "pressarchive_bytes_received"
# The server a --via request was sent to (http://HOST:PORT).
VIA = "pressarchive_via"
# The archive.index.schema.Capture of the response, set by the WARC capture middleware; the
# spider hands it to the article pipeline in the item.
CAPTURE = "warc_capture"

# --- Scrapy's keys that the crawler reads or sets ------------------------------------
# How many times this request was retried (RetryMiddleware).
RETRY_TIMES = "retry_times"
# A request that RetryMiddleware must not retry.
DONT_RETRY = "dont_retry"
# Statuses that reach the callback instead of HttpErrorMiddleware's "Ignoring response".
HANDLE_HTTPSTATUS_LIST = "handle_httpstatus_list"
# Seconds from sending the request to the response head (read by AutoThrottle).
DOWNLOAD_LATENCY = "download_latency"
