"""Listing a page's links: in the crawl process from a second parse (as it was), or in the worker from its tree.

    PYTHONPATH=. python -m benchmarks.link_listing [--limit N] [--rounds N]

A crawl follows the links of every page above its depth limit; at the default depth (1) that is every
page a start sitemap or feed lists. The crawl process used to parse each such page a second time
(``page_links`` on Scrapy's response) on the reactor thread that also downloads; the extraction worker
now lists them from the tree it parses anyway (``extract_page(list_links=True)``). This runs both on
every corpus page, in alternating order, each with the normalised-address cache emptied first (a cold
start for both: a site's pages share most links, so a crawl of one site finds it warmer), sums each
one's thread CPU, and checks that both give every page the same links. It also times what the crawl
process still does with the worker's list: links to files left out, each link's scope checked.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.corpus import load_corpus
from benchmarks.harness import PROJECT_SETTINGS, load_average


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="use only the first N corpus pages")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over the pages (default 2)")
    options = parser.parse_args(argv)
    if options.rounds < 1:
        parser.error("--rounds must be at least 1")

    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    import crawler.extract.warmup  # noqa: F401 -- a worker's process
    from crawler.extract.article import extract_page
    from crawler.fetch.links import page_links, pages_among
    from crawler.spiders.news import NewsSpider
    from crawler.urls import forget_spellings, normalize_url

    pages = load_corpus(options.limit)
    print(f"link_listing: {len(pages)} corpus pages, {options.rounds} rounds; load average {load_average()} at start")
    # The crawl's own scope check, on the corpus's loopback site (links out of it counted by host).
    spider = NewsSpider.from_crawler(
        get_crawler(NewsSpider, PROJECT_SETTINGS), urls="http://127.0.0.1:8000/sitemap.xml"
    )
    crawl_process = worker = following = 0.0
    links = differ = 0
    for number in range(options.rounds):
        for index, page in enumerate(pages):
            url = normalize_url(f"http://127.0.0.1:8000/{page.path}")
            headers = {"Content-Type": "text/html"}
            found: dict[str, list[str]] = {}
            spent: dict[str, float] = {}
            ways = ("crawl process", "worker") if (index + number) % 2 == 0 else ("worker", "crawl process")
            for way in ways:
                forget_spellings()
                if way == "crawl process":
                    started = time.thread_time()
                    found[way] = page_links(HtmlResponse(url, body=page.html, headers=headers))
                    spent[way] = time.thread_time() - started
                else:
                    extraction = extract_page(page.html, url, "text/html", list_links=True)
                    spent[way] = extraction.cpu_s.get("links", 0.0)
                    started = time.thread_time()  # what the crawl process does with the list: files out, scope
                    found[way] = pages_among(extraction.links or [])
                    for link in found[way]:
                        spider.in_scope(link)
                    following += time.thread_time() - started
            crawl_process += spent["crawl process"]
            worker += spent["worker"]
            links += len(found["worker"])
            differ += found["worker"] != found["crawl process"]
    count = len(pages) * options.rounds
    print(f"links a page: {links / count:.0f}")
    print(f"crawl process (parse again, list): {crawl_process * 1000 / count:6.2f} ms/page of the reactor thread")
    print(f"worker (list from its tree):       {worker * 1000 / count:6.2f} ms/page of a worker")
    print(f"CPU a page, worker / crawl process: {worker / crawl_process:.3f}")
    print(f"crawl process, the worker's list (files left out, scope checked): {following * 1000 / count:.2f} ms/page")
    print(f"check: {'OK, the same links on every page' if not differ else f'{differ} pages listed differently'}")
    return 0 if not differ else 1


if __name__ == "__main__":
    raise SystemExit(main())
