"""Fetching: discovery, scope, addresses, robots.txt, retries and redirects (crawl side, no database)."""
