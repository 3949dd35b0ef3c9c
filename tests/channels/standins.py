"""Loopback HTTP servers standing in for the Telegram Bot API, Zalo OA API and Rasa.

Each records what it receives and answers like the real service does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any, Callable, Dict, List, Tuple

from aiohttp import web
from aiohttp.test_utils import TestServer


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``predicate()`` is true, failing the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


class StandIn:
    """Base: an aiohttp app on a free loopback port."""

    def __init__(self) -> None:
        self.server: TestServer | None = None

    def make_app(self) -> web.Application:  # pragma: no cover - overridden
        raise NotImplementedError

    async def start(self) -> StandIn:
        self.server = TestServer(self.make_app(), host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")


class TelegramApi(StandIn):
    """Bot API stand-in: getMe, getUpdates (long polling), send* and friends."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.calls: List[Tuple[str, Dict[str, Any]]] = []
        self.updates: List[Dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._closing = False

    async def close(self) -> None:
        self._closing = True  # release a pending long poll
        self._new_update.set()
        await super().close()

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        return app

    # -- driving the bot --------------------------------------------------------
    def push(self, update: Dict[str, Any]) -> None:
        """Queue one update for the next getUpdates call."""
        update.setdefault("update_id", next(self._ids))
        self.updates.append(update)
        self._new_update.set()

    def sent(self, method: str) -> List[Dict[str, Any]]:
        """Parameters of every call to ``method`` so far."""
        return [params for name, params in self.calls if name == method]

    async def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0
    ) -> List[Dict]:
        await wait_until(lambda: len(self.sent(method)) >= count, timeout)
        return self.sent(method)

    # -- the API ---------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"},
                status=401,
            )
        method = request.match_info["method"]
        form = await request.post() if request.body_exists else {}
        params = {}
        for key, value in form.items():
            try:
                params[key] = json.loads(value)
            except (TypeError, ValueError):
                params[key] = value
        if method != "getUpdates":
            self.calls.append((method, params))
        result = await getattr(self, f"_{method}", self._true)(params)
        return web.json_response({"ok": True, "result": result})

    async def _true(self, params: Dict[str, Any]) -> Any:
        return True

    async def _getMe(self, params: Dict[str, Any]) -> Any:
        return {
            "id": int(self.token.split(":")[0]),
            "is_bot": True,
            "first_name": "Trợ lý",
            "username": "hanoi_test_bot",
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _getUpdates(self, params: Dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while True:
            ready = [u for u in self.updates if u["update_id"] >= offset]
            left = deadline - time.monotonic()
            if ready or left <= 0 or self._closing:
                return ready
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), left)
            except asyncio.TimeoutError:
                pass

    def _message(self, params: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": {"id": 1, "is_bot": True, "first_name": "Trợ lý"},
            **extra,
        }

    async def _sendMessage(self, params: Dict[str, Any]) -> Any:
        extra = {"text": str(params["text"])}
        if params.get("reply_markup"):
            extra["reply_markup"] = params["reply_markup"]
        return self._message(params, **extra)

    async def _sendPhoto(self, params: Dict[str, Any]) -> Any:
        photo = {"file_id": "AgAD1", "file_unique_id": "u1", "width": 1, "height": 1}
        return self._message(params, photo=[photo])


_USER = {"id": 4242, "is_bot": False, "first_name": "An", "language_code": "vi"}


def text_update(text: str, chat_id: int = 4242) -> Dict[str, Any]:
    """A private-chat message update; a leading ``/word`` is marked as a command."""
    message: Dict[str, Any] = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "An"},
        "from": dict(_USER, id=chat_id),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(command)}
        ]
    return {"message": message}


def callback_update(data: str, chat_id: int = 4242) -> Dict[str, Any]:
    """A pressed inline button under a bot message in a private chat."""
    return {
        "callback_query": {
            "id": f"cq{time.monotonic_ns()}",
            "from": dict(_USER, id=chat_id),
            "chat_instance": "ci-1",
            "data": data,
            "message": {
                "message_id": 100,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": 1, "is_bot": True, "first_name": "Trợ lý"},
                "text": "…",
            },
        }
    }


class FakeRasa(StandIn):
    """Rasa REST channel stand-in; ``reply(sender, message)`` scripts its answers."""

    def __init__(self, reply: Callable[[str, str], Any] | None = None) -> None:
        super().__init__()
        self.received: List[Dict[str, Any]] = []
        self.reply = reply or (lambda sender, text: [{"text": f"Bạn vừa hỏi: {text}"}])
        self.status = 200
        self.delay = 0.0

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            return web.Response(status=self.status, text="Internal Server Error")
        replies = self.reply(body["sender"], body["message"])
        return web.json_response(
            [dict(r, recipient_id=body["sender"]) for r in replies]
        )


class ZaloApi(StandIn):
    """Zalo OA API and OAuth stand-in (one server serves both bases).

    Sends with any token but ``valid_token`` fail with -216, as an expired token
    does; a refresh with the current one-use refresh token rotates both tokens.
    """

    def __init__(self, access_token: str, refresh_token: str, app_secret: str) -> None:
        super().__init__()
        self.valid_token = access_token
        self.refresh_token = refresh_token
        self.app_secret = app_secret
        self.messages: List[Dict[str, Any]] = []
        self.send_headers: List[str] = []
        self.refreshes: List[Dict[str, Any]] = []
        self.refresh_delay = 0.05
        self._rotation = itertools.count(2)

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._send)
        app.router.add_post("/v4/oa/access_token", self._refresh)
        return app

    def texts(self, user_id: str | None = None) -> List[str]:
        return [
            m["message"]["text"]
            for m in self.messages
            if user_id is None or m["recipient"]["user_id"] == user_id
        ]

    def expire_token(self) -> None:
        """Make the current access token invalid, as after 25 hours."""
        self.valid_token = "not-issued-yet"

    async def _send(self, request: web.Request) -> web.Response:
        token = request.headers.get("access_token", "")
        self.send_headers.append(token)
        if token != self.valid_token:
            return web.json_response(
                {"error": -216, "message": "Access token is invalid"}
            )
        body = await request.json()
        text = body.get("message", {}).get("text", "")
        if len(text) > 2000:
            return web.json_response({"error": -201, "message": "Text is too long"})
        self.messages.append(body)
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {"message_id": f"m{len(self.messages)}"},
            }
        )

    async def _refresh(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.refreshes.append(dict(form, secret_key=request.headers.get("secret_key")))
        await asyncio.sleep(self.refresh_delay)  # lets concurrent senders pile up
        if (
            request.headers.get("secret_key") != self.app_secret
            or form.get("grant_type") != "refresh_token"
            or form.get("refresh_token") != self.refresh_token
        ):
            return web.json_response(
                {"error": -14014, "error_name": "Invalid refresh token"}
            )
        n = next(self._rotation)
        self.valid_token = f"access-{n}"
        self.refresh_token = f"refresh-{n}"
        return web.json_response(
            {
                "access_token": self.valid_token,
                "refresh_token": self.refresh_token,
                "expires_in": "90000",
            }
        )
