"""The crawl process loads no extractor (trafilatura runs in the workers), no numpy, and no component its settings
switched off; the workers' fork server loads no scipy."""

from __future__ import annotations

import ast
import pickle

from crawler.extract.results import Article, PageAnalysis, PageExtraction
from crawler.extract.signing import sign_text
from crawler.records import AnalysedPage
from dedup import SignatureScheme
from tests.support.fresh_python import run_python

CRAWL_PROCESS_MODULES = [
    "crawler.commands.crawl",
    "crawler.spiders.news",
    "crawler.extract.pipeline",
    "crawler.store.pipeline",
    "crawler.records",
    "crawler.config",
]


def test_the_crawl_process_modules_do_not_import_trafilatura():
    code = (
        f"import {', '.join(CRAWL_PROCESS_MODULES)}, sys; "
        "print(sorted(m for m in ('trafilatura', 'htmldate', 'justext') if m in sys.modules))"
    )
    assert run_python(code).strip() == "[]"


def test_the_commands_scrapy_imports_before_running_one_load_neither_numpy_nor_the_database_library():
    """Scrapy imports every command module of the project before it runs one: `scrapy crawl` reaches its
    workers' warm-up sooner when none of them loads numpy or sqlite-utils (its writer loads them after)."""
    code = (
        "import sys; from scrapy.utils.misc import walk_modules_iter; list(walk_modules_iter('crawler.commands')); "
        "print(sorted(m for m in ('numpy', 'sqlite_utils') if m in sys.modules))"
    )
    assert run_python(code).strip() == "[]"


def test_the_workers_fork_server_warms_up_without_scipy():
    """The fork server imports the extractor and analyses a sample page, signing it, at every crawl's start:
    datasketch's package would add scipy (0.3 s of a core) before the first page can be extracted."""
    code = "import crawler.extract.analysis, crawler.extract.warmup, sys; print('scipy' in sys.modules)"
    assert run_python(code).strip() == "False"


# A Crawler of the project's settings with its extensions and downloader middlewares built, as a crawl
# starts; then which of the modules of switched-off components it imported.
BUILD_COMPONENTS = """
import sys
from scrapy.utils.project import get_project_settings
from scrapy.utils.reactor import install_reactor
settings = get_project_settings()
install_reactor(settings["TWISTED_REACTOR"])  # the crawl's own reactor, as `scrapy crawl` installs it
from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
from scrapy.crawler import Crawler
from crawler.spiders.news import NewsSpider
for argument in sys.argv[1:]:
    settings.set(*argument.split("=", 1), priority="cmdline")
crawler = Crawler(NewsSpider, settings)
crawler._apply_settings()
middlewares = DownloaderMiddlewareManager.from_crawler(crawler).middlewares
print(sorted(m for m in ("aiohttp", "tldextract", "scrapy.downloadermiddlewares.cookies",
                         "scrapy.extensions.remote_control", "scrapy.extensions.telnet") if m in sys.modules))
print(any(type(m).__name__ == "CookiesMiddleware" for m in middlewares))
"""


def build_components(*settings: str) -> list[str]:
    return run_python(BUILD_COMPONENTS, *settings).split("\n")


def test_components_switched_off_by_their_setting_are_not_imported():
    imported, cookies = build_components()[:2]
    assert imported == "[]"  # no aiohttp for the remote control, no tldextract for cookies
    assert cookies == "False"


def test_a_component_switched_on_again_is_loaded():
    imported, cookies = build_components("COOKIES_ENABLED=True")[:2]
    assert "scrapy.downloadermiddlewares.cookies" in imported and "aiohttp" not in imported
    assert cookies == "True"


TLS_ALIASES = """
import inspect
{prepare}
import scrapy.core.downloader.contextfactory as factories, scrapy.core.downloader.tls as tls, scrapy.utils.deprecate
print(tls.ScrapyClientTLSOptions.__module__, factories.ScrapyClientContextFactory.__module__,
      factories.AcceptableProtocolsContextFactory.__module__, scrapy.utils.deprecate.inspect is inspect)
"""


def test_the_tls_factories_imported_early_name_their_modules_as_scrapy_does():
    """The crawl imports them without Scrapy's inspect.stack() (60-100 ms before the first request); the
    deprecated aliases made then name the same modules, and Scrapy has its own inspect back afterwards."""
    as_scrapy_does = run_python(TLS_ALIASES.format(prepare="")).split()
    early = run_python(
        TLS_ALIASES.format(prepare="from crawler.commands.crawl import _import_tls_context_factories as i; i()")
    ).split()
    assert early == as_scrapy_does
    factories = "scrapy.core.downloader.contextfactory"
    assert early == ["scrapy.core.downloader.tls", factories, factories, "True"]


STORE_SIGNED_PAGES = """
import pickle, sqlite3, sys
from tests.support.store import open_writer
pages = pickle.loads(open(sys.argv[1], "rb").read())  # as the crawl process receives them from its workers
writer = open_writer(sys.argv[2], CHROME_ENABLED=False)
for page in pages:
    writer.write(page)
writer.finish("finished")
print(sqlite3.connect(sys.argv[2]).execute("SELECT url, duplicate_of, similarity FROM articles ORDER BY id").fetchall())
print("numpy" in sys.modules, "datasketch" in sys.modules)
"""


def test_the_crawl_process_stores_and_compares_signatures_without_numpy(tmp_path):
    """Workers sign pages with datasketch (numpy); the crawl process receives the signatures, finds near-duplicates
    among them and stores them without loading numpy (0.2 s of a core, once at every crawl)."""
    scheme = SignatureScheme()
    words = [f"harbour{n}" for n in range(150)]
    edited = [*words[:140], *(f"changed{n}" for n in range(10))]
    pages = []
    for url, text in (("http://x.org/a", " ".join(words)), ("http://x.org/b", " ".join(edited))):
        analysis = PageAnalysis(PageExtraction("article", article=Article(text=text)), sign_text(text, scheme))
        pages.append(AnalysedPage(url, 200, analysis))
    (tmp_path / "pages.pickle").write_bytes(pickle.dumps(pages))
    output = run_python(STORE_SIGNED_PAGES, str(tmp_path / "pages.pickle"), str(tmp_path / "crawl.db"))
    stored, loaded = output.splitlines()
    first, copy = ast.literal_eval(stored)
    assert first == ("http://x.org/a", None, None)
    assert copy[:2] == ("http://x.org/b", 1) and 0.6 < copy[2] < 1.0  # found as a near-duplicate, by its signature
    assert loaded == "False False"
