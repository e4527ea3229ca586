"""Extraction: page bytes to a clean article, its teasers and its signatures (crawl side, no database)."""
