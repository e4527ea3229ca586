"""Scrapy's scheduler with a JOBDIR that is trusted only when the run before stopped cleanly mid-crawl."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.utils.job import job_dir
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

RESUME_MARKER = "resume.json"  # written beside Scrapy's own files when a stopped crawl may be resumed
JOB_FILES = ("requests.seen", "requests.queue")  # the dupefilter's and the scheduler's state
# Finish reasons after which every page handled was committed to the database and the queue was saved.
RESUMABLE = ("shutdown",)


class JobScheduler(Scheduler):
    """A JOBDIR resumes a crawl only after a clean stop (Ctrl-C, SIGTERM, a CLOSESPIDER limit).

    Scrapy keeps the requests it has seen (``requests.seen``) and the queue (``requests.queue``) in
    JOBDIR. After a clean stop both are whole, and the next run continues the crawl: it fetches what
    was queued and nothing the stopped run fetched, start pages included. After a run that finished,
    or one that was killed (whose files may name requests that were never fetched), both are cleared:
    the database says what is stored, and the next run starts afresh from it.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JobScheduler:
        jobdir = job_dir(crawler.settings)
        if jobdir:
            marker = Path(jobdir, RESUME_MARKER)
            if marker.exists():
                logger.info("resuming the crawl stopped in %s", jobdir)
                marker.unlink()
            else:
                _clear(jobdir)
        scheduler = super().from_crawler(crawler)
        assert isinstance(scheduler, JobScheduler)
        scheduler.jobdir = jobdir
        return scheduler

    jobdir: str | None = None

    def close(self, reason: str) -> Deferred[None] | None:
        pending = len(self)
        result = super().close(reason)
        if self.jobdir:
            if (reason in RESUMABLE or reason.startswith("closespider_")) and pending:
                Path(self.jobdir, RESUME_MARKER).write_text(json.dumps({"reason": reason, "pending": pending}))
                logger.info("%d requests saved in %s: the same command resumes the crawl", pending, self.jobdir)
            else:
                _clear(self.jobdir)
        return result


def _clear(jobdir: str) -> None:
    for name in JOB_FILES:
        path = Path(jobdir, name)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()
