"""Scrapy settings of the Press Archive crawler.

Every `PRESSARCHIVE_*` setting can also be given on the command line of
`pressarchive crawl`; docs/settings.md lists them all (a test checks that).
"""

from archive import user_agent

BOT_NAME = "pressarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# One spider per [[source]] block of the sources file.
SPIDER_LOADER_CLASS = "crawler.spiderloader.SourceSpiderLoader"

# --- Press Archive settings -------------------------------------------------
# Where WARC files, the index and state go; `pressarchive crawl --archive DIR`.
PRESSARCHIVE_ARCHIVE_DIR = "archive-data"
# Source definitions (one generic spider per [[source]] block).
PRESSARCHIVE_SOURCES_FILE = ""  # empty: settings/sources.toml of this checkout
# The operator's contact URL, sent in the user agent and written in warcinfo.
PRESSARCHIVE_CONTACT_URL = "https://github.com/pressarchive/pressarchive"
# Send every request to this server (e.g. http://127.0.0.1:8000, the bundled
# sample sites) while keeping the real URL everywhere else.
PRESSARCHIVE_VIA = ""
# At most this many article pages per source and run (0: no limit).
PRESSARCHIVE_MAX_ARTICLES = 0
# A body is cut (and archived with WARC-Truncated: length or time) at this size
# in bytes or after this many seconds; well below DOWNLOAD_MAXSIZE.
PRESSARCHIVE_MAX_RESPONSE_BYTES = 20 * 1024 * 1024
PRESSARCHIVE_MAX_RESPONSE_SECONDS = 120.0
# WARC files roll over at this size (bytes), always at a record boundary.
PRESSARCHIVE_WARC_MAX_FILE_BYTES = 1_000_000_000
# gzip level of WARC records (warcio uses 9; 6 is ~1.5x faster for ~the same size).
PRESSARCHIVE_WARC_GZIP_LEVEL = 6
# WARC records, capture rows and crawl state are written by a process of its own
# (off: in the crawl process, which then spends its CPU and waits on disk there).
PRESSARCHIVE_WARC_WRITER_PROCESS = True
# Archive every exchange as WARC records (crawler/warcmiddleware.py); the index is
# built from the WARC captures, so nothing is indexed without it.
PRESSARCHIVE_WARC_ENABLED = True
# Extract and index article pages (crawler/pipelines.py); off: a WARC-only crawl, the
# article pages are archived and the spider yields no items.
PRESSARCHIVE_INDEX_ENABLED = True
# A back-fill (`pressarchive crawl --since DATE --until DATE`, crawler/backfill.py):
# listings are followed back until their items are older than SINCE, sitemap entries
# older than SINCE are skipped, and the sources' dated archive pages and sitemaps are
# fetched for every day from SINCE to UNTIL (empty: today). Empty SINCE: no back-fill.
PRESSARCHIVE_SINCE = ""
PRESSARCHIVE_UNTIL = ""
# A back-fill never follows a listing past this many pages, whatever its dates say (a
# listing that paginates for ever, or shows its newest items on every page).
PRESSARCHIVE_SINCE_MAX_LISTING_PAGES = 1000
# `pressarchive crawl --focus TOPIC` (crawler/pipelines.py): each indexed article is
# counted as on or off the topic of settings/lexicon.toml (relevance/relevant,
# relevance/irrelevant) and one off it is logged; empty: no focus. Every article gets its
# relevance either way; whether one off the topic is indexed is its source's
# `irrelevant` setting (settings/sources.toml), so that reextract agrees.
PRESSARCHIVE_FOCUS = ""
# A back-fill from a web archive (`pressarchive backfill`, crawler/spiders/webarchive.py):
# the replay prefix (`--wayback`; a pywb collection: http://HOST:PORT/COLL/), the CDX
# endpoint (`--cdx`; empty: the Wayback Machine's own for its prefix, else PREFIX + "cdx"),
# index blocks per CDX page on a paging server (0: the server's default), the days whose
# captures are wanted (YYYY-MM-DD, empty: no bound) and at most how many captures a
# source fetches in a run (0: no limit).
PRESSARCHIVE_WAYBACK = "https://web.archive.org/web/"
PRESSARCHIVE_CDX = ""
PRESSARCHIVE_CDX_PAGE_SIZE = 0
PRESSARCHIVE_BACKFILL_FROM = ""
PRESSARCHIVE_BACKFILL_TO = ""
PRESSARCHIVE_BACKFILL_LIMIT = 0
# Seconds between two CDX queries, fixed (AutoThrottle does not shorten it): the Wayback
# Machine answers more than about 24 a minute with 429s, then blocks the address.
PRESSARCHIVE_CDX_DELAY = 2.5
# A back-fill stops after this many replays in a row got no capture (0: never): a web
# archive that blocks the address refuses them all, and more requests prolong the block.
PRESSARCHIVE_BACKFILL_MAX_FAILURES = 10
# The crawl shared by many workers (crawler/frontier/): the Redis server of the shared
# frontier (redis://HOST:PORT/DB; empty: a local crawl, Scrapy's own scheduler). With it,
# each source's queue, duplicate filter and start URLs live in Redis and this process
# writes DIR/workers/WORKER/ (its WARC files, index, state and lock).
PRESSARCHIVE_FRONTIER = ""
# The name of one crawl of all workers: their Redis keys (empty: today's UTC date, so
# workers started the same day share one run and the next day's run starts afresh).
PRESSARCHIVE_FRONTIER_RUN = ""
# This worker's name, in its folder, its WARC file names and their warcinfo (empty: the
# host name). Two processes of one name on one machine: the second exits locked.
PRESSARCHIVE_WORKER = ""
# A worker's spider closes once the run looked over (no start URL, nothing queued, no
# live worker with a request in flight) for this many seconds.
PRESSARCHIVE_FRONTIER_IDLE_CLOSE = 5.0
# With a frontier: how many requests a worker's spider holds at once (its
# CONCURRENT_REQUESTS). Scrapy's engine takes requests from the scheduler until that many
# are in its downloader, waiting for their host's delay included: the default 16 let the
# first worker take a small source's whole queue while a second one was idle.
PRESSARCHIVE_FRONTIER_PREFETCH = 2
# A worker's heartbeat lasts this many seconds (renewed every third of it): one silent
# for longer is dead, and the requests it had in flight go back to the queue.
PRESSARCHIVE_FRONTIER_HEARTBEAT = 60.0
# Requests to one host, from all workers together, at least its delay apart (a turn
# taken in Redis, crawler/frontier/politeness.py); off: each worker keeps its own delay,
# so N workers send N times one worker's rate to a host.
PRESSARCHIVE_FRONTIER_SHARED_DELAY = True
# Article pages another worker fetched are rechecked on their schedule and conditionally,
# and an unchanged answer archived as a revisit of that worker's record: each fetch's
# URL state also goes to one Redis hash all workers read (archive/shared_state.py). Off:
# each worker knows only what it fetched itself.
PRESSARCHIVE_FRONTIER_SHARED_STATE = True
# Requests to one host, from all workers together, at most its downloader slot's
# concurrency at once (CONCURRENT_REQUESTS_PER_DOMAIN): each holds a lease in Redis while
# it is downloaded (crawler/frontier/hostslots.py); off: N workers send N times as many.
PRESSARCHIVE_FRONTIER_SHARED_CONCURRENCY = True
# The run's keys in Redis expire this many seconds after they were last renewed.
PRESSARCHIVE_FRONTIER_KEY_TTL = 3 * 24 * 3600
# Extraction runs in this many worker processes (0: one per core).
PRESSARCHIVE_EXTRACT_WORKERS = 0
# A page whose extraction takes longer is killed and counted.
PRESSARCHIVE_EXTRACT_TIMEOUT = 30.0

USER_AGENT = user_agent(PRESSARCHIVE_CONTACT_URL)

# --- Politeness --------------------------------------------------------------
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_TIMES = 2
# Known article pages are fetched again only when due, and conditionally
# (crawler/recheck.py); off: every article page found is fetched in full every run.
PRESSARCHIVE_RECHECK_ENABLED = True
# Recheck article pages with If-None-Match / If-Modified-Since.
PRESSARCHIVE_CONDITIONAL_REQUESTS = True
# Recheck every known article now, whatever its schedule (recheck_after).
PRESSARCHIVE_RECHECK_ALL = False
# Longest wait honoured from a 429/503 Retry-After before retrying.
PRESSARCHIVE_RETRY_AFTER_MAX = 60.0
# How long a 429 without Retry-After holds its host (the Wayback Machine blocks an
# address that goes on after its 429s for a minute). 0: retried at once, as Scrapy does.
PRESSARCHIVE_RETRY_429_WAIT = 60.0
# robots.txt Crawl-delay honoured per host (crawler/crawldelay.py): that host's delay is
# max(DOWNLOAD_DELAY, Crawl-delay), at most PRESSARCHIVE_CRAWL_DELAY_MAX seconds.
PRESSARCHIVE_CRAWL_DELAY_ENABLED = True
PRESSARCHIVE_CRAWL_DELAY_MAX = 60.0
COOKIES_ENABLED = True

# --- Safety: risky Scrapy defaults changed on purpose ------------------------
DOWNLOAD_MAXSIZE = 50 * 1024 * 1024
DOWNLOAD_WARNSIZE = 10 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60
# A body cut by a dropped connection is archived (WARC-Truncated: disconnect)
# rather than lost; it is never indexed as an article.
DOWNLOAD_FAIL_ON_DATALOSS = False
TELNETCONSOLE_ENABLED = False
# Scrapy's remote control listens on a port; a scheduled crawler needs none.
REMOTE_CONTROL_ENABLED = False
# file:, data:, ftp: and s3: are never fetched: a redirect or a feed cannot
# point the crawler at local files.
DOWNLOAD_HANDLERS = {
    "http": "crawler.via.ViaDownloadHandler",
    "https": "crawler.via.ViaDownloadHandler",
    "file": None,
    "data": None,
    "ftp": None,
    "s3": None,
}
REDIRECT_MAX_TIMES = 10

# --- Speed ---------------------------------------------------------------------
# Scrapy re-reads and parses the source of a generator callback (inspect + ast) for
# almost every response to warn about `return value` in generators: its cache is keyed
# by the bound method, a new object per request. tests/test_spiders.py runs the same
# check once on our callbacks instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Scrapy runs each callback's output through CONCURRENT_ITEMS asyncio tasks, created
# for every response whatever it yields (100 by default: most of the engine's CPU per
# page in a profile). An article page yields one item, a listing a few dozen requests.
CONCURRENT_ITEMS = 16
# The crawl process's garbage collector: after start-up, what exists is frozen and the
# youngest generation is collected every this many allocations (0: Python's defaults,
# 700). See crawler/gctuning.py.
PRESSARCHIVE_GC_THRESHOLD = 10_000

# --- Components ----------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # Same places as Scrapy's own, with the changes in crawler/politeness.py.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.politeness.RetryAfterMiddleware": 550,
    # Right after Scrapy's RobotsTxtMiddleware (100): a host's robots.txt is read before
    # any of its requests gets here.
    "crawler.crawldelay.CrawlDelayMiddleware": 101,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.politeness.CountingHttpCompressionMiddleware": 590,
    # Next to the downloader: sees the request as sent and the response as
    # received, before HttpCompressionMiddleware (590) decodes the body.
    "crawler.warcmiddleware.WarcCaptureMiddleware": 990,
    # Skips article pages not due for a recheck; makes the others conditional.
    "crawler.recheck.RecheckMiddleware": 560,
    # Scrapy's cookie handling, with the public suffix list bundled with tldextract
    # instead of one downloaded outside the crawl (and never archived).
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "crawler.cookies.OfflineCookiesMiddleware": 700,
}
EXTENSIONS = {
    "crawler.gctuning.GcTuning": 0,
}
# Scrapy's listings of settings and components at DEBUG (75 lines a source and run).
ADDONS = {
    "crawler.quietlog.QuietListings": 0,
    # The shared frontier in Redis, when PRESSARCHIVE_FRONTIER names one.
    "crawler.frontier.addon.FrontierAddon": 10,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ArticlePipeline": 300,
}

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Not the 12-line library versions listing at every start: requirements.lock pins them.
LOG_VERSIONS: list[str] = []
# Each source's end-of-run stats in one log line, not Scrapy's 50-line listing
# (crawler/quietlog.py); `pressarchive crawl` turns it on, `scrapy crawl` keeps the listing.
PRESSARCHIVE_ONE_LINE_STATS = False
# Items are logged by their URL: an article item holds the whole page body.
LOG_FORMATTER = "crawler.pipelines.ArchiveLogFormatter"
