"""Scrapy components whose own setting turns them off are left out of the crawl, not imported to be told so."""

from __future__ import annotations

from scrapy.settings import BaseSettings

# Scrapy imports every component in its lists, then asks each whether its setting enables it. These
# three are off in this project (no cookies, no control ports), and their modules cost every start
# their imports: the remote control's aiohttp and the cookie middleware's tldextract and requests
# take about 100 ms of the 0.6 s before the first request. Turned on again by their setting
# (`-s COOKIES_ENABLED=True`), they are loaded as usual.
SWITCHED_OFF_BY = {
    "COOKIES_ENABLED": ("DOWNLOADER_MIDDLEWARES", "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"),
    "REMOTE_CONTROL_ENABLED": ("EXTENSIONS", "scrapy.extensions.remote_control.RemoteControl"),
    "TELNETCONSOLE_ENABLED": ("EXTENSIONS", "scrapy.extensions.telnet.TelnetConsole"),
}


class LeaveOutSwitchedOff:
    """Scrapy add-on: takes the components their setting switched off out of Scrapy's base lists.

    Out of the base list, not set to None in the project's: Scrapy imports every key of those to
    match it with the base list's, the keys set to None included.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        for switch, (components, path) in SWITCHED_OFF_BY.items():
            base = f"{components}_BASE"
            listed = settings.getdict(base)
            if settings.getbool(switch) or path not in listed:
                continue
            del listed[path]
            settings.set(base, listed, priority="addon")
