"""Serve a console app from a background thread (tests and the bench script).

Sanic's ``app.run`` wants the main thread (signal handlers); this runs the app
with ``create_server`` on its own event loop in a daemon thread instead::

    with BackgroundServer(create_app(settings)) as server:
        requests.get(server.url + "/healthz")
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

from sanic import Sanic

LOOPBACK = "127.0.0.1"
START_TIMEOUT_SECONDS = 30.0


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class BackgroundServer:
    """A Sanic app listening on a loopback port from a daemon thread."""

    def __init__(self, app: Sanic, host: str = LOOPBACK, port: int = 0) -> None:
        """Prepare to serve ``app`` on ``host:port`` (0 picks a free port)."""
        self.app = app
        self.host = host
        self.port = port or free_port(host)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        """Base URL of the running server."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> BackgroundServer:
        """Start serving; returns once the port accepts connections."""
        self._thread = threading.Thread(target=self._run, name="console", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_SECONDS):
            raise RuntimeError("console server did not start in time")
        if self._error is not None:
            raise RuntimeError("console server failed to start") from self._error
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        if self._loop is None or self._thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        future.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop = None

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._startup())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _startup(self) -> None:
        self._server = await self.app.create_server(
            host=self.host, port=self.port, return_asyncio_server=True, access_log=False
        )
        await self._server.startup()
        await self._server.before_start()
        await self._server.after_start()

    async def _shutdown(self) -> None:
        server = self._server
        await server.before_stop()
        for connection in list(server.connections):
            connection.close_if_idle()
        server.close()
        await server.wait_closed()
        await server.after_stop()
