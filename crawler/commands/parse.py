"""``scrapy parse URL --spider news``: what the crawl would store for a page, without storing anything."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from scrapy.commands.parse import Command as ScrapyParseCommand

from crawler.commands.looking import LooksOnly
from crawler.config import ExtractConfig
from crawler.records import FetchedPage


class Command(LooksOnly, ScrapyParseCommand):
    """Scrapy's ``parse``, showing each fetched page as its extraction: the article (title, author,
    date, language, text, …) or why there is none, its teasers and what was cut. Nothing is stored."""

    def scraped_data(self, args: tuple[Any, ...]) -> list[Any]:
        # With --pipelines Scrapy would send each page through the extraction pipeline (the only one a
        # look runs) and then show it here, extracted again: what is shown is that pipeline's work.
        items, requests, opts, *rest = args
        if opts.pipelines:
            opts = argparse.Namespace(**{**vars(opts), "pipelines": False})
        return super().scraped_data((items, requests, opts, *rest))

    def add_items(self, lvl: int, new_items: list[Any]) -> None:
        super().add_items(lvl, [self._shown(item) for item in new_items])

    def _shown(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return {key: value for key, value in asdict(item).items() if key != "body"}
        # Imported here: Scrapy imports every command at startup, a crawl included, and trafilatura is slow to load.
        from crawler.extract.article import extract_page

        options = ExtractConfig.from_settings(self.settings).options
        extraction = extract_page(item.body, item.url, item.content_type, options)
        shown: dict[str, Any] = {"url": item.url, "status": item.status, "kind": extraction.kind}
        if extraction.reason:
            shown["reason"] = extraction.reason
        if extraction.article is not None:
            shown.update({k: v for k, v in asdict(extraction.article).items() if v is not None})
            shown["word_count"] = extraction.article.word_count
        shown["teasers"] = [f"{t.block or '-'}: {t.title} -> {t.url}" for t in extraction.teasers]
        if extraction.teasers_over_limit:
            shown["teasers_over_limit"] = extraction.teasers_over_limit  # shown, not stored (EXTRACT_MAX_TEASERS)
        shown["removed"] = [f"{reason}: {text}" for text, reason in extraction.removed]
        return shown
