"""What the tests share: loopback sites, one crawl launcher, the writer side opened outside Scrapy."""
