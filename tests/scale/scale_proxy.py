"""A small round-robin reverse proxy for the multi-instance tests.

Messages of one conversation (same ``sender``) go to the instances in turn, so
consecutive turns of a conversation are served by different Rasa servers. An
upstream that refuses connections is dropped and the request goes to the next
one; an upstream that dies while answering gives a 502 (the client may retry),
as a real load balancer would.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from typing import Dict, List, Set

import aiohttp
from aiohttp import web

from bench.processes import port_open

FORWARD_TIMEOUT = aiohttp.ClientTimeout(total=60)
HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding"}


def _sender_of(body: bytes) -> str | None:
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    return str(payload.get("sender")) if isinstance(payload, dict) else None


class RoundRobinProxy:
    """Forward every request to one of ``upstreams`` (``host:port``)."""

    def __init__(self, upstreams: List[int]):
        """Create a proxy in front of loopback ``upstreams`` (ports)."""
        self.upstreams = list(upstreams)
        self.dead: Set[int] = set()
        self.turns: Dict[str, int] = defaultdict(int)
        self.served: Counter = Counter()
        self.routes: Dict[str, List[int]] = defaultdict(list)
        self._counter = 0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """Base URL of the proxy."""
        return f"http://127.0.0.1:{self.port}"

    def _candidates(self, sender: str | None) -> List[int]:
        alive = [port for port in self.upstreams if port not in self.dead]
        if not alive:
            return []
        if sender is None:
            start = self._counter
            self._counter += 1
        else:
            start = self.turns[sender]
            self.turns[sender] += 1
        start %= len(alive)
        return alive[start:] + alive[:start]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        sender = _sender_of(body) if request.method == "POST" else None
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS
        }
        assert self._session is not None
        for port in self._candidates(sender):
            url = f"http://127.0.0.1:{port}{request.path_qs}"
            try:
                async with self._session.request(
                    request.method, url, data=body, headers=headers
                ) as resp:
                    payload = await resp.read()
                    self.served[port] += 1
                    if sender is not None:
                        self.routes[sender].append(port)
                    return web.Response(
                        status=resp.status,
                        body=payload,
                        content_type=resp.content_type,
                    )
            except aiohttp.ClientConnectorError:
                self.dead.add(port)  # not delivered: safe to try the next one
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
                if not port_open(port):
                    self.dead.add(port)
                return web.Response(status=502, text="upstream failed")
            except asyncio.TimeoutError:
                return web.Response(status=504, text="upstream timed out")
        return web.Response(status=503, text="no upstream left")

    async def start(self) -> RoundRobinProxy:
        """Listen on a free loopback port."""
        # One connection per request: a dead instance is noticed at once and no
        # stale keep-alive connection is mistaken for a failure.
        connector = aiohttp.TCPConnector(force_close=True, limit=200)
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=FORWARD_TIMEOUT
        )
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        """Stop listening and close the upstream session."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> RoundRobinProxy:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
