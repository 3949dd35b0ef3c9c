"""Loopback servers for the dossier tests: the real app and misbehaving stand-ins."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List

from sanic import Sanic

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on (bound then released)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class SanicThread:
    """Serve a Sanic app on a free loopback port from a background thread."""

    def __init__(self, app: Sanic):
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.server: Any = None
        self.port = 0
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the running service."""
        return f"http://{HOST}:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            sock = socket.socket()
            sock.bind((HOST, 0))
            self.port = sock.getsockname()[1]
            self.server = self.loop.run_until_complete(
                self.app.create_server(
                    sock=sock, return_asyncio_server=True, access_log=False
                )
            )
            self.loop.run_until_complete(self.server.startup())
            self.loop.run_until_complete(self.server.before_start())
            self.loop.run_until_complete(self.server.after_start())
        except BaseException as exc:  # reported by start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()

    def start(self) -> SanicThread:
        """Start serving; returns once the port accepts connections."""
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the service did not start in 10 s")
        if self._error:
            raise RuntimeError("the service failed to start") from self._error
        return self

    def stop(self) -> None:
        """Stop serving and end the thread."""

        async def shutdown() -> None:
            await self.server.before_stop()
            await self.server.close()
            await self.server.after_stop()

        if self.server is not None:
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


class StandIn:
    """A tiny HTTP server whose answers a test scripts; counts the requests.

    Args:
        respond: called for each GET with the request handler; returns
            ``(status, body bytes, headers)``. It may sleep to play a slow
            service (use :attr:`stop_event` to wake up early at shutdown).
    """

    def __init__(self, respond: Callable[[StandIn, BaseHTTPRequestHandler], Any]):
        self.respond = respond
        self.requests: List[Dict[str, Any]] = []
        self.stop_event = threading.Event()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stand_in.requests.append(
                    {"path": self.path, "headers": dict(self.headers)}
                )
                status, body, headers = stand_in.respond(stand_in, self)
                try:
                    self.send_response(status)
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{HOST}:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> StandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(5)


def json_body(data: Any) -> bytes:
    """UTF-8 JSON bytes."""
    return json.dumps(data, ensure_ascii=False).encode()
