"""The same crawl on several machines: crawlers share a frontier in Redis and hand records to one writer."""
