"""``scrapy bench``, Scrapy's own, kept away from the database (see crawler.commands.looking)."""

from __future__ import annotations

from scrapy.commands.bench import Command as ScrapyCommand

from crawler.commands.looking import LooksOnly


class Command(LooksOnly, ScrapyCommand):
    """Scrapy's ``bench`` command; it never opens the crawl's database."""
