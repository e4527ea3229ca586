"""``scrapy fetch``, Scrapy's own, kept away from the database (see crawler.commands.looking)."""

from __future__ import annotations

from scrapy.commands.fetch import Command as ScrapyCommand

from crawler.commands.looking import LooksOnly


class Command(LooksOnly, ScrapyCommand):
    """Scrapy's ``fetch`` command; it never opens the crawl's database."""
