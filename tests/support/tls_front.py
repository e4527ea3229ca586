"""A TLS front for a test's Redis, as stunnel or a managed service puts one: TLS to the client, the server behind."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import ssl
import subprocess
import threading
from pathlib import Path

import pytest


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by the openssl command (the test is skipped without it)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a certificate for the TLS front")
    cert, key = folder / "cert.pem", folder / "key.pem"
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
    names = ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(["openssl", *request, *names, "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


class TlsFront:
    """Accepts TLS connections on a loopback port and relays each to the Redis server's unix socket.

    ``url`` is the ``rediss://`` URL a client uses, with the certificate to trust; ``connections`` counts
    the TLS handshakes completed, so a test can tell its clients came through here.
    """

    def __init__(self, backend: Path, folder: Path):
        self.backend = backend
        self.cert, key = self_signed_certificate(folder)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(self.cert, key)
        self.port = 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._serve(),), daemon=True)

    @property
    def url(self) -> str:
        return f"rediss://127.0.0.1:{self.port}/0?ssl_ca_certs={self.cert}"

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._relay, "127.0.0.1", 0, ssl=self.context)
        self.port = server.sockets[0].getsockname()[1]
        self._started.set()
        async with server:
            await self._stop.wait()

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            backend_reader, backend_writer = await asyncio.open_unix_connection(self.backend)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(_pump(client_reader, backend_writer), _pump(backend_reader, client_writer))

    def __enter__(self) -> TlsFront:
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("the TLS front did not start listening within 10 s")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
        if not self._thread.is_alive():
            self._loop.close()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy one direction until it ends, then close the other side (which ends the opposite direction)."""
    with contextlib.suppress(ConnectionError, ssl.SSLError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()
