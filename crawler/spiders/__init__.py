"""The crawl's spiders: ``news`` for any site, ``demo`` for the bundled sample site."""
