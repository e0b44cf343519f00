"""A TCP proxy in front of the test Redis that can be stopped and started: while stopped, new
connections are refused and open ones are cut, exactly what clients see when Redis goes down."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from urllib.parse import urlparse


class RedisProxy:
    def __init__(self, upstream_url: str) -> None:
        u = urlparse(upstream_url)
        self.unix_path = u.path if u.scheme == "unix" else None
        self.up_host = u.hostname or "127.0.0.1"
        self.up_port = u.port or 6379
        self.db = (u.path.strip("/") or "0") if u.scheme != "unix" else "0"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="redis-proxy", daemon=True)
        self.thread.start()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/{self.db}"

    async def _pipe(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await r.read(65536):
                w.write(data)
                await w.drain()
        with contextlib.suppress(Exception):
            w.close()

    async def _client(self, cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        if self.unix_path:
            ur, uw = await asyncio.open_unix_connection(self.unix_path)
        else:
            ur, uw = await asyncio.open_connection(self.up_host, self.up_port)
        self.writers |= {cw, uw}
        await asyncio.gather(self._pipe(cr, uw), self._pipe(ur, cw))
        self.writers -= {cw, uw}

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port, reuse_address=True)

    async def _stop(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for w in list(self.writers):
            with contextlib.suppress(Exception):
                w.transport.abort()
        self.writers.clear()

    def start(self) -> None:
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(5)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(5)

    def close(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
