"""storyonce: a Scrapy news crawler that stores every story once, without page chrome."""

__version__ = "0.1.0"
