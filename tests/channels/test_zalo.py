"""The Zalo OA channel served by a real Sanic server against a loopback OA API."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
import uuid
from typing import Any, Callable, Dict, List

import httpx
import pytest
from rasa.core.channels.channel import UserMessage, register
from rasa.shared.exceptions import RasaException
from rasa.shared.utils.common import class_from_module_path
from rasa.shared.utils.io import read_config_file
from sanic import Sanic

from bot.channels.messages import message
from bot.channels.zalo import (
    SIGNATURE_HEADER,
    ExpiringStore,
    ZaloInput,
    choice_payload,
    expected_signature,
    render_choices,
    verify_signature,
)
from bot.channels.zalo_api import ZaloClient, ZaloTokenError, load_token_file

from .standins import ZaloApi, wait_until

APP_ID = "1234567890"
OA_SECRET = "oa-secret-key"
APP_SECRET = "app-secret"
USER = "8401234567890123456"


class FakeAgent:
    """Stands in for Rasa's agent: records messages, answers with scripted replies."""

    def __init__(self) -> None:
        self.received: List[UserMessage] = []
        self.reply: Callable[[str], List[Dict[str, Any]]] = lambda text: [
            {"text": f"Bạn vừa hỏi: {text}"}
        ]
        self.fail = False
        self.gate: asyncio.Event | None = None

    async def handle_message(self, msg: UserMessage) -> None:
        self.received.append(msg)
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("agent crashed")
        for reply in self.reply(msg.text):
            await msg.output_channel.send_response(msg.sender_id, dict(reply))


def text_event(
    text: str, msg_id: str | None = None, user: str = USER
) -> Dict[str, Any]:
    return {
        "app_id": APP_ID,
        "user_id_by_app": "5521",
        "event_name": "user_send_text",
        "timestamp": str(int(time.time() * 1000)),
        "sender": {"id": user},
        "recipient": {"id": "579745863508352884"},
        "message": {"text": text, "msg_id": msg_id or uuid.uuid4().hex},
    }


def signed(event: Dict[str, Any]) -> tuple:
    raw = json.dumps(event, ensure_ascii=False).encode()
    sig = expected_signature(APP_ID, raw, event["timestamp"], OA_SECRET)
    return raw, {SIGNATURE_HEADER: sig, "Content-Type": "application/json"}


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch):
    # Several Sanic apps start in one process: test mode keeps Sanic from
    # rewriting its HTTP class twice (what sanic-testing does too).
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture
async def zalo_api():
    server = await ZaloApi("access-1", "refresh-1", APP_SECRET).start()
    yield server
    await server.close()


class Harness:
    """The channel mounted as Rasa mounts it, on a real loopback Sanic server."""

    def __init__(self, channel: ZaloInput, agent: FakeAgent, url: str) -> None:
        self.channel = channel
        self.agent = agent
        self.url = url
        self.http = httpx.AsyncClient(timeout=5)

    async def post(self, event: Dict[str, Any]) -> httpx.Response:
        raw, headers = signed(event)
        return await self.http.post(self.url, content=raw, headers=headers)


@contextlib.asynccontextmanager
async def serve_channel(zalo_api: ZaloApi, **kwargs: Any):
    channel = ZaloInput(
        app_id=APP_ID,
        oa_secret_key=OA_SECRET,
        access_token=kwargs.pop("access_token", "access-1"),
        refresh_token="refresh-1",
        app_secret=APP_SECRET,
        api_base=zalo_api.url,
        oauth_base=zalo_api.url,
        **kwargs,
    )
    agent = FakeAgent()
    app = Sanic(f"zalo_test_{uuid.uuid4().hex}")
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")  # as `rasa run` mounts channels
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(
        sock=sock, return_asyncio_server=True, access_log=False
    )
    await server.startup()
    harness = Harness(channel, agent, f"http://127.0.0.1:{port}/webhooks/zalo/webhook")
    try:
        yield harness
    finally:
        await harness.http.aclose()
        await server.before_stop()  # the channel drains and closes its client
        server.close()
        await server.wait_closed()
        sock.close()


# -- pure pieces ------------------------------------------------------------------


def test_signature_is_plain_sha256_of_app_body_timestamp_secret():
    import hashlib

    raw = b'{"event_name":"user_send_text"}'
    want = hashlib.sha256(b"1234567890" + raw + b"1700000000000" + b"k").hexdigest()
    assert expected_signature("1234567890", raw, "1700000000000", "k") == f"mac={want}"
    assert verify_signature(f"mac={want}", "1234567890", raw, "1700000000000", "k")
    assert not verify_signature(
        f"mac={want}", "1234567890", raw + b" ", "1700000000000", "k"
    )
    assert not verify_signature(None, "1234567890", raw, "1700000000000", "k")


def test_numbered_choices_and_answers():
    text, payloads = render_choices(
        "Bạn muốn làm gì?",
        [
            {"title": "Hỏi lệ phí", "payload": "/ask_fee"},
            {"title": "Tra hồ sơ", "payload": "/check"},
        ],
        "Trả lời bằng số.",
    )
    assert text == "Bạn muốn làm gì?\n1. Hỏi lệ phí\n2. Tra hồ sơ\nTrả lời bằng số."
    assert payloads == ["/ask_fee", "/check"]
    assert choice_payload(" 2 ", payloads) == "/check"
    assert choice_payload("1.", payloads) == "/ask_fee"
    assert choice_payload("3", payloads) is None
    assert choice_payload("2 hồ sơ", payloads) is None


def test_expiring_store_is_bounded_and_expires():
    now = [0.0]
    store = ExpiringStore(ttl=10, max_items=3, clock=lambda: now[0])
    assert not store.seen("a")
    assert store.seen("a")
    for key in "bcd":
        store.put(key)
    assert len(store) == 3 and store.get("a") is None  # oldest dropped
    now[0] = 11
    assert len(store) == 0 and not store.seen("b")


def test_missing_credentials_fail_fast(monkeypatch):
    for name in ("ZALO_APP_ID", "ZALO_OA_SECRET_KEY", "ZALO_ACCESS_TOKEN"):
        monkeypatch.setenv(name, "")
    with pytest.raises(RasaException, match="oa_secret_key"):
        ZaloInput.from_credentials({"app_id": "1", "access_token": "t"})


def test_credentials_fall_back_to_environment(monkeypatch):
    monkeypatch.setenv("ZALO_OA_SECRET_KEY", "from-env")
    monkeypatch.setenv("ZALO_API_BASE", "http://127.0.0.1:9")
    channel = ZaloInput.from_credentials({"app_id": "42", "access_token": "tok"})
    assert channel.app_id == "42"
    assert channel._oa_secret_key == "from-env"
    assert channel.client.send_url == "http://127.0.0.1:9/v3.0/oa/message/cs"


# -- the webhook, for real ----------------------------------------------------------


async def test_full_exchange(zalo_api):
    async with serve_channel(zalo_api) as h:
        started = time.monotonic()
        answer = await h.post(text_event("Làm hộ chiếu cần gì?"))
        ack_seconds = time.monotonic() - started
        await wait_until(lambda: zalo_api.messages)
    assert answer.status_code == 200 and ack_seconds < 2
    msg = h.agent.received[0]
    assert (msg.text, msg.sender_id, msg.input_channel) == (
        "Làm hộ chiếu cần gì?",
        USER,
        "zalo",
    )
    assert zalo_api.messages[0] == {
        "recipient": {"user_id": USER},
        "message": {"text": "Bạn vừa hỏi: Làm hộ chiếu cần gì?"},
    }
    assert zalo_api.send_headers == ["access-1"]
    assert h.channel.client._client is None  # closed when the server stopped


async def test_ack_does_not_wait_for_rasa(zalo_api):
    async with serve_channel(zalo_api) as h:
        h.agent.gate = asyncio.Event()  # Rasa is busy until the gate opens
        started = time.monotonic()
        answer = await h.post(text_event("xin chào"))
        ack_seconds = time.monotonic() - started
        await asyncio.sleep(0.1)
        assert h.agent.received and zalo_api.messages == []
        h.agent.gate.set()
        await wait_until(lambda: zalo_api.messages)
    assert answer.status_code == 200 and ack_seconds < 0.5


async def test_bad_or_missing_signature_is_401(zalo_api):
    async with serve_channel(zalo_api) as h:
        raw, headers = signed(text_event("xin chào"))
        bad = await h.http.post(
            h.url, content=raw, headers={SIGNATURE_HEADER: "mac=" + "0" * 64}
        )
        missing = await h.http.post(h.url, content=raw)
        tampered = await h.http.post(
            h.url, content=raw.replace(b"xin", b"XIN"), headers=headers
        )
    assert (bad.status_code, missing.status_code, tampered.status_code) == (
        401,
        401,
        401,
    )
    assert h.agent.received == [] and zalo_api.messages == []


async def test_malformed_json_is_400_without_trace(zalo_api):
    async with serve_channel(zalo_api) as h:
        answer = await h.http.post(
            h.url, content=b'{"event_name": ', headers={SIGNATURE_HEADER: "mac=abc"}
        )
    assert answer.status_code == 400
    assert "Traceback" not in answer.text and "malformed" in answer.text


async def test_duplicates_are_ignored(zalo_api):
    event = text_event("xin chào", msg_id="msg-1")
    async with serve_channel(zalo_api) as h:
        answers = [await h.post(event) for _ in range(3)]
        await h.channel.drain()
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len(h.agent.received) == 1
    assert len(zalo_api.messages) == 1


async def test_buttons_as_numbered_choices_answered_with_2(zalo_api):
    async with serve_channel(zalo_api) as h:
        h.agent.reply = lambda text: (
            [
                {
                    "text": "Bạn muốn hỏi gì về thủ tục này?",
                    "buttons": [
                        {"title": "Giấy tờ cần nộp", "payload": "/ask_documents"},
                        {"title": "Lệ phí", "payload": "/ask_fee"},
                    ],
                }
            ]
            if text == "khai sinh"
            else [{"text": "Lệ phí: miễn phí."}]
        )
        await h.post(text_event("khai sinh"))
        await wait_until(lambda: zalo_api.messages)
        await h.post(text_event("2"))
        await wait_until(lambda: len(zalo_api.messages) == 2)
        await h.post(text_event("2"))  # choices are used once
        await wait_until(lambda: len(zalo_api.messages) == 3)
    first = zalo_api.texts()[0]
    assert "1. Giấy tờ cần nộp\n2. Lệ phí" in first
    assert message("choice_hint") in first
    assert [m.text for m in h.agent.received] == ["khai sinh", "/ask_fee", "2"]


async def test_long_reply_split_at_2000(zalo_api):
    sentence = (
        "Hồ sơ gồm tờ khai, bản sao giấy tờ tùy thân và giấy tờ chứng minh nơi cư trú. "
    )
    long_text = sentence * 60  # about 4,800 characters
    async with serve_channel(zalo_api) as h:
        h.agent.reply = lambda text: [{"text": long_text}]
        await h.post(text_event("hồ sơ"))
        await wait_until(lambda: len(zalo_api.messages) == 3)
    texts = zalo_api.texts()
    assert all(len(t) <= 2000 for t in texts)
    assert " ".join(texts) == long_text.strip()


async def test_token_refresh_once_for_concurrent_sends(zalo_api, tmp_path):
    token_file = tmp_path / "zalo-tokens.json"
    async with serve_channel(zalo_api, token_file=str(token_file)) as h:
        zalo_api.expire_token()
        users = [f"84900000000000000{i}" for i in range(5)]
        answers = await asyncio.gather(
            *(h.post(text_event(f"câu hỏi {i}", user=u)) for i, u in enumerate(users))
        )
        await wait_until(lambda: len(zalo_api.messages) == 5)
    assert all(a.status_code == 200 for a in answers)
    assert len(zalo_api.refreshes) == 1
    refresh = zalo_api.refreshes[0]
    assert refresh == {
        "refresh_token": "refresh-1",
        "app_id": APP_ID,
        "grant_type": "refresh_token",
        "secret_key": APP_SECRET,
    }
    assert sorted(m["recipient"]["user_id"] for m in zalo_api.messages) == sorted(users)
    assert zalo_api.send_headers.count("access-1") == 5  # each failed once…
    assert zalo_api.send_headers.count("access-2") == 5  # …then went through
    saved = load_token_file(token_file)
    assert (saved.access_token, saved.refresh_token) == ("access-2", "refresh-2")
    assert saved.expires_at > time.time() + 80000
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"


async def test_saved_token_file_wins_over_stale_credentials(zalo_api, tmp_path):
    token_file = tmp_path / "zalo-tokens.json"
    token_file.write_text(
        json.dumps({"access_token": "access-1", "refresh_token": "refresh-1"})
    )
    async with serve_channel(
        zalo_api, token_file=str(token_file), access_token="used-long-ago"
    ) as h:
        await h.post(text_event("xin chào"))
        await wait_until(lambda: zalo_api.messages)
    assert zalo_api.send_headers == ["access-1"] and zalo_api.refreshes == []


async def test_refused_refresh_raises_token_error(zalo_api):
    client = ZaloClient(
        app_id=APP_ID,
        access_token="expired",
        refresh_token="already-used",
        app_secret=APP_SECRET,
        api_base=zalo_api.url,
        oauth_base=zalo_api.url,
    )
    try:
        with pytest.raises(ZaloTokenError):
            await client.send_text(USER, "xin chào")
    finally:
        await client.aclose()
    assert len(zalo_api.refreshes) == 1 and zalo_api.messages == []


async def test_unsupported_events_get_polite_answer_or_are_ignored(zalo_api):
    sticker = dict(text_event(""), event_name="user_send_sticker")
    sticker["message"] = {"msg_id": "st-1", "attachments": [{"type": "sticker"}]}
    follow = {
        "app_id": APP_ID,
        "event_name": "follow",
        "timestamp": "1",
        "follower": {"id": USER},
        "source": "oa_profile",
    }
    unknown = {"app_id": APP_ID, "event_name": "something_new", "timestamp": "2"}
    async with serve_channel(zalo_api) as h:
        answers = [await h.post(e) for e in (sticker, follow, unknown)]
        await h.channel.drain()
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert zalo_api.texts() == [message("text_only")]
    assert h.agent.received == []


async def test_agent_failure_gets_polite_message_with_hotline(zalo_api):
    async with serve_channel(zalo_api) as h:
        h.agent.fail = True
        await h.post(text_event("xin chào"))
        await wait_until(lambda: zalo_api.messages)
    assert zalo_api.texts() == [message("internal_error")]
    assert "1022" in zalo_api.texts()[0]


async def test_health_route(zalo_api):
    async with serve_channel(zalo_api) as h:
        answer = await h.http.get(h.url.rsplit("/", 1)[0] + "/")
    assert answer.json() == {"status": "ok"}


def test_rasa_loads_the_channel_from_credentials_yml(tmp_path, monkeypatch):
    monkeypatch.setenv("ZALO_APP_ID", "777")
    monkeypatch.setenv("ZALO_OA_SECRET_KEY", "s")
    monkeypatch.setenv("ZALO_ACCESS_TOKEN", "a")
    monkeypatch.setenv("ZALO_REFRESH_TOKEN", "r")
    monkeypatch.setenv("ZALO_APP_SECRET", "x")
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(
        "bot.channels.zalo.ZaloInput:\n"
        "  app_id: ${ZALO_APP_ID}\n"
        "  oa_secret_key: ${ZALO_OA_SECRET_KEY}\n"
        "  access_token: ${ZALO_ACCESS_TOKEN}\n"
        "  refresh_token: ${ZALO_REFRESH_TOKEN}\n"
        "  app_secret: ${ZALO_APP_SECRET}\n"
    )
    # What rasa.core.run.create_http_input_channels does, without importing
    # TensorFlow: read the YAML (with ${ENV} substitution) and load the class.
    ((path, values),) = read_config_file(str(credentials)).items()
    channel = class_from_module_path(path).from_credentials(values)
    assert isinstance(channel, ZaloInput)
    assert channel.app_id == "777" and channel.client.tokens.refresh_token == "r"


async def test_tokens_rotated_by_another_process_are_adopted(zalo_api, tmp_path):
    token_file = tmp_path / "zalo-tokens.json"
    kwargs = dict(
        app_id=APP_ID,
        access_token="access-1",
        refresh_token="refresh-1",
        app_secret=APP_SECRET,
        api_base=zalo_api.url,
        oauth_base=zalo_api.url,
        token_file=token_file,
    )
    first, second = ZaloClient(**kwargs), ZaloClient(**kwargs)
    try:
        zalo_api.expire_token()
        await first.send_text(USER, "một")
        await second.send_text(USER, "hai")  # reads the file instead of refreshing
    finally:
        await first.aclose()
        await second.aclose()
    assert len(zalo_api.refreshes) == 1
    assert zalo_api.texts() == ["một", "hai"]
    assert second.tokens.refresh_token == "refresh-2"
