"""What every test site built on one LoopbackServer has: its address, and ``with`` to start and stop it."""

from __future__ import annotations

from typing import Self

from crawler.demo.server import LoopbackServer


class ServedByLoopback:
    """A test site serving through ``self.server``; a subclass sets it in its ``__init__``."""

    server: LoopbackServer

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def url(self, path: str) -> str:
        return self.server.url(path)

    def __enter__(self) -> Self:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
