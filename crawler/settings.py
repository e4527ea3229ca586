"""Settings of the crawl: Scrapy's own, then the project's (SQLITE_, DEDUP_, EXTRACT_, CRAWL_, STORE_)."""

BOT_NAME = "storyonce"
SPIDER_MODULES = ["crawler.spiders", "crawler.demo.spider"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"  # `scrapy crawl` whose exit status says how the run ended

# --- Politeness: obey robots.txt, adapt the pace to the server, say who we are -------------------
USER_AGENT = "storyonce/0.1 (news crawler)"
CRAWL_CONTACT = ""  # a URL or mailto: address where site operators reach you; added to USER_AGENT
# Identity: CRAWL_CONTACT in the user agent. Distributed: with REDIS_URL, one of N crawlers (see below).
# LeaveOutSwitchedOff: what COOKIES_ENABLED and the two control ports below turn off is not imported.
ADDONS = {
    "crawler.fetch.identity.Identity": 0,
    "crawler.distributed.addon.Distributed": 10,
    "crawler.switched_off.LeaveOutSwitchedOff": 20,
}
ROBOTSTXT_OBEY = True
CRAWL_ROBOTS_DELAY_MAX = 30.0  # seconds a robots.txt Crawl-delay may hold a host to; 0: not obeyed
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Scrapy's downloader sent every request waiting for a site at once when no delay spaced them (see the module).
DOWNLOADER = "crawler.fetch.downloader.SlotKeepingDownloader"
# Scrapy starts this many tasks for each response's output; a page gives one record and its links,
# and 100 (the default) cost 0.7 ms of the crawl process's CPU per page.
CONCURRENT_ITEMS = 16
# Scrapy sends no request while the responses waiting for their records to leave the pipelines add up
# to more than this. Its 5 MB is some 45 news pages: the crawl process stopped downloading before the
# workers had finished warming up (about 1 s) and left a core idle meanwhile. 32 MB (some 300 pages)
# lets it download ahead; the crawl process's peak memory grows by up to as much (17-30 MB on the corpus).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 32 * 1024 * 1024
COOKIES_ENABLED = False
# Scrapy checks each response's callback for a generator returning a value by reading and parsing its
# source: cached per bound method, which every request makes anew, so 1 ms of the crawl process per page
# (a tenth of fetching). The project's own callbacks are checked once, by its tests.
WARN_ON_GENERATOR_RETURN_VALUE = False
# No control ports: a scheduled crawler needs neither Scrapy's telnet console nor its remote-control
# HTTP endpoint, and each is a way into the process.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# --- Limits: what one bad page may cost ------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30  # seconds for a whole response, so a slow drip ends too
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # also after decompression; news pages are far smaller; Scrapy's is 1 GB
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DNS_TIMEOUT = 15  # Scrapy's is 60
RETRY_TIMES = 2  # 429, 5xx, timeouts and dropped connections; 403/404/410 are never retried
CRAWL_RETRY_AFTER_MAX = 30.0  # seconds a retry may wait for Retry-After; asked longer, retry next run
REDIRECT_MAX_TIMES = 10
URLLENGTH_LIMIT = 2083  # longer links are not followed (calendar-style traps grow their URLs)

# --- Security: only http(s), only the start URLs' sites, never a private address they did not name ---
CRAWL_ALLOW_PRIVATE_ADDRESSES = False  # True: links and redirects may lead to loopback/private addresses
CRAWL_RESOLVE = ""  # "name=address,...": fixed addresses for names, like /etc/hosts (still checked)
TWISTED_DNS_RESOLVER = "crawler.fetch.addresses.GuardedResolver"
DOWNLOAD_HANDLERS = {"file": None, "s3": None, "ftp": None, "data": None}

# --- Components ------------------------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt (100): a refused URL must not even cost a robots.txt fetch.
    "crawler.fetch.addresses.AddressMiddleware": 40,
    "crawler.fetch.scope.ScopeMiddleware": 50,
    # Replacements of Scrapy's own, in their places: robots.txt per RFC 9309, Retry-After, named
    # redirect and decompression failures.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.fetch.robots.RobotsPolicyMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.fetch.retry.RetryAfterMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.fetch.redirects.MetaRefreshPolicyMiddleware": 580,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.fetch.compression.SizeLimitedCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.fetch.redirects.RedirectPolicyMiddleware": 600,
}
ITEM_PIPELINES = {
    # The crawl side's last step (extraction and signatures), then the handoff to the writer side.
    "crawler.extract.pipeline.ExtractPipeline": 100,
    "crawler.store.pipeline.StorePipeline": 300,
}
SCHEDULER = "crawler.fetch.scheduler.JobScheduler"  # trusts JOBDIR only after a clean stop
SPIDER_MIDDLEWARES = {
    # Link depth is the spider's own argument (-a depth=N, or a site's depth), counted from start pages, so
    # DEPTH_LIMIT is refused (crawler.scrapy_settings): Scrapy's depth middleware would be one more layer that
    # every request and record goes through, for a count nothing reads.
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
}
STATS_CLASS = "crawler.stats.CrawlStats"
LOG_LEVEL = "INFO"

# --- Storage (SQLite) ------------------------------------------------------------------------------
SQLITE_PATH = "crawl.db"
SQLITE_BATCH_SIZE = 500  # pages per transaction
SQLITE_COMMIT_INTERVAL = 2.0  # seconds; a reader never waits longer than this for new rows
SQLITE_BUSY_TIMEOUT = 5.0  # seconds to wait for a lock held by a reader's checkpoint
STORE_HTML = False  # keep each article page's bytes (compressed) for `scrapy reextract`

# --- Extraction (trafilatura) ----------------------------------------------------------------------
EXTRACT_MIN_WORDS = 25  # fewer words after cleaning: no article (a listing when it shows teasers)
EXTRACT_FAVOR_PRECISION = False
EXTRACT_FAVOR_RECALL = False
EXTRACT_INCLUDE_TABLES = True
EXTRACT_MAX_TEASERS = 1000  # teasers kept from one page (in page order); an archive of every story keeps its first
EXTRACT_WORKERS = 0  # extraction processes; 0 = one per CPU, 1 = in-process (for debugging; no time limit)
EXTRACT_TIMEOUT = 20.0  # seconds one page may take; its worker is then killed and the page recorded
EXTRACT_WORKER_MAX_TASKS = 2000  # pages before a worker is replaced (parsers leak a little)
EXTRACT_WORKER_MAX_MEMORY_MB = 1024  # a worker grown past this is replaced after its page

# --- Site chrome (what recurs across a site's stories) ---------------------------------------------
CHROME_ENABLED = True
CHROME_MIN_STORIES = 3  # a short paragraph in this many different stories of a site is chrome
CHROME_MAX_CHARS = 300  # longer paragraphs are never taken for chrome

# --- Dedup (MinHash LSH) ---------------------------------------------------------------------------
DEDUP_THRESHOLD = 0.6  # estimated Jaccard of word 3-shingles at which two articles are linked
DEDUP_CONTAINMENT = 0.8  # ...or containment of the shorter in the longer (copies cut short); 0 = off
DEDUP_LSH_THRESHOLD = 0.5  # Jaccard the LSH banding is tuned to find (cut copies fall below THRESHOLD)
DEDUP_NUM_PERM = 128
DEDUP_SEED = 1
DEDUP_SHINGLE_SIZE = 3
DEDUP_SHINGLE_KIND = "word"
DEDUP_MIN_SHINGLES = 10  # shorter texts are matched only by exact hash
DEDUP_BANDS = 0  # 0 = chosen from the threshold (then stored with the index)
DEDUP_ROWS = 0

# --- Crawl behaviour ------------------------------------------------------------------------------
CRAWL_REFETCH_STORED = False  # True: download stored articles again when they are listed (conditionally)
CRAWL_REVISIT_AFTER = 6.0  # hours: a young stored article is downloaded again (conditionally) this often...
CRAWL_REVISIT_WITHIN = 2.0  # ...while it was first seen fewer than this many days ago (0: no revisits)
CRAWL_SUMMARY = True  # print the summary at the end (on stdout)
CRAWL_PROGRESS_INTERVAL = 30.0  # seconds between two progress lines in the log; 0 = none
LOGSTATS_INTERVAL = 0  # Scrapy's own "Crawled N pages, scraped M items": the progress line replaces it
# Scrapy's AutoThrottle brought a site below the delay its sites file asks for: ours never does.
EXTENSIONS = {
    "crawler.progress.Progress": 500,
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.fetch.throttle.SiteDelayAutoThrottle": 0,
}

# --- Several machines (Redis) --------------------------------------------------------------------
# With REDIS_URL set, `scrapy crawl` is one of N crawlers sharing queue, duplicate filter and page
# history in Redis, and `scrapy store` is the one writer of the SQLite file (crawler/distributed/).
REDIS_URL = ""  # redis://[:password@]host:port/db, rediss://... (TLS), unix:///path; empty = one machine
CRAWL_REDIS_KEY = "storyonce"  # prefix of every key of the shared crawl: one Redis can hold several
CRAWL_PEER_TIMEOUT = 60.0  # seconds: a crawler not heard of for this long counts as gone
CRAWL_REDIS_WAIT = 30.0  # seconds a crawler or the writer waits for Redis to come back before it stops
STORE_FOLLOW = False  # `scrapy store` keeps running after the crawl finished, storing the next runs

# --- Demo -----------------------------------------------------------------------------------------
DEMO_PORTS = "8371,8372"  # loopback ports of the sample Herald and Wire sites (0 = any free port)
