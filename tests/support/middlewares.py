"""A project's own spider middleware, written on Scrapy's ``BaseSpiderMiddleware.get_processed_request``."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware


class SkipDrafts(BaseSpiderMiddleware):
    """Drops the links to pages under ``/drafts/`` (counted in ``skip_drafts/dropped``) and marks the other links
    it is asked about with an ``X-Shaped`` header; start requests pass untouched."""

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if response is None:
            return request
        if "/drafts/" in request.url:
            self.crawler.stats.inc_value("skip_drafts/dropped")
            return None
        request.headers["X-Shaped"] = "yes"
        return request
