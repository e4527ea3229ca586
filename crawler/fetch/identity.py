"""Who the crawler says it is: its name and version, and the operator's contact (``CRAWL_CONTACT``)."""

from __future__ import annotations

from scrapy.settings import BaseSettings

from crawler import settings as defaults


def user_agent(contact: str) -> str:
    """The project's user agent with the operator's contact (a URL or ``mailto:`` address) in it."""
    name, _, comment = defaults.USER_AGENT.partition(" (")
    return f"{name} ({comment.rstrip(')')}; +{contact})"


class Identity:
    """Add-on: puts ``CRAWL_CONTACT`` into the user agent, so a site's operator can reach whoever runs the crawl.

    A ``USER_AGENT`` the user set themselves is left as it is.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        contact = str(settings.get("CRAWL_CONTACT") or "").strip()
        if contact and settings.get("USER_AGENT") == defaults.USER_AGENT:
            settings.set("USER_AGENT", user_agent(contact), priority=settings.getpriority("USER_AGENT") or "project")
