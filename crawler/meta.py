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
# Set by the web-archive back-fill (crawler/spiders/webarchive.py) on a raw replay request:
# the archive.warc.origin.Origin of the capture it asks for. The WARC capture middleware
# gives it to the Exchange when the answer is that capture (Memento-Datetime, status 200).
ORIGIN = "pressarchive_origin"
# Seconds a 429/503 asked to wait, set when the response left the downloader (its
# slot paused then), read when the response reaches the retry middleware.
RETRY_AFTER_WAIT = "pressarchive_retry_after_wait"

# --- Scrapy's keys that the crawler reads or sets ------------------------------------
# How many times this request was retried (RetryMiddleware).
RETRY_TIMES = "retry_times"
# A request that RetryMiddleware must not retry.
DONT_RETRY = "dont_retry"
# Statuses that reach the callback instead of HttpErrorMiddleware's "Ignoring response".
HANDLE_HTTPSTATUS_LIST = "handle_httpstatus_list"
# Seconds from sending the request to the response head (read by AutoThrottle).
DOWNLOAD_LATENCY = "download_latency"
# The downloader slot (queue, delay, concurrency) a request goes through; by default its
# host. The back-fill puts CDX queries in a slot of their own, with their own delay.
DOWNLOAD_SLOT = "download_slot"
# AutoThrottle leaves the slot's delay alone for this request (a fixed CDX delay).
AUTOTHROTTLE_DONT_ADJUST_DELAY = "autothrottle_dont_adjust_delay"
# RedirectMiddleware passes a 3xx on instead of following it (a replay's redirect points
# to another capture than the one asked for).
DONT_REDIRECT = "dont_redirect"
