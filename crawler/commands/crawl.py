"""``scrapy crawl`` with an exit status that tells cron and CI how the run ended."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

EXIT_FINISHED = 0
EXIT_FAILED = 1  # the crawl could not start, or could not write its database
EXIT_INTERRUPTED = 3  # stopped by a signal before the end; the next run does the rest

# Scrapy's finish reasons that mean the run did not get to the end of its work.
INTERRUPTED_REASONS = {"shutdown", None}


def exit_status(finish_reason: str | None, storage_failed: bool) -> int:
    """The process exit status for a crawl that started and ended with ``finish_reason``."""
    if storage_failed or finish_reason == "storage_error":
        return EXIT_FAILED
    if finish_reason in INTERRUPTED_REASONS:
        return EXIT_INTERRUPTED
    return EXIT_FINISHED  # "finished", or a limit the user set (CLOSESPIDER_*)


class Command(ScrapyCrawlCommand):
    """Scrapy's ``crawl``; exits 0 when the run finished, 1 when it could not start or could not store
    what it fetched (disk full, read-only database), 3 when a signal stopped it early."""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = EXIT_FAILED
            return
        stats = crawler.stats
        self.exitcode = exit_status(stats.get_value("finish_reason"), bool(stats.get_value("store/failed")))
