"""Unit tests of the console's pure parts: session tokens, throttle, chat relay."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import httpx
import pytest

from bot.console.app import load_messages, render_page, to_jsonable
from bot.console.auth import LoginThrottle, SessionSigner
from bot.console.chat_proxy import (
    ChatRequestError,
    RasaChatProxy,
    clean_replies,
    parse_chat_request,
)


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_session_token_round_trip_and_expiry():
    clock = Clock()
    signer = SessionSigner("k" * 20, ttl=3600, clock=clock)
    token = signer.issue()
    assert signer.verify(token)
    clock.now += 3601
    assert not signer.verify(token)


def test_session_token_is_bound_to_the_key():
    token = SessionSigner("first-key").issue()
    assert not SessionSigner("second-key").verify(token)


@pytest.mark.parametrize("bad", [None, "", "abc", "1.2", "x.y.z", "1.2.3.4"])
def test_malformed_tokens_are_refused(bad):
    assert not SessionSigner("key").verify(bad)


def test_forged_issue_time_is_refused():
    signer = SessionSigner("key")
    issued, nonce, signature = signer.issue().split(".")
    assert not signer.verify(f"{int(issued) + 100}.{nonce}.{signature}")


def test_check_key():
    signer = SessionSigner("sésame")
    assert signer.check_key("sésame")
    assert not signer.check_key("sesame")
    assert not signer.check_key(None)


def test_empty_key_is_rejected():
    with pytest.raises(ValueError):
        SessionSigner("")


def test_throttle_window():
    clock = Clock(0.0)
    throttle = LoginThrottle(limit=2, window=60, clock=clock)
    throttle.failed("a")
    throttle.failed("a")
    assert throttle.blocked("a")
    assert not throttle.blocked("b")
    clock.now = 61
    assert not throttle.blocked("a")
    throttle.failed("a")
    throttle.succeeded("a")
    assert not throttle.blocked("a")


def test_parse_chat_request():
    assert parse_chat_request({"sender": "web-1", "message": " hi "}) == {
        "sender": "web-1",
        "message": "hi",
    }
    for body in [
        None,
        {"sender": "a b", "message": "x"},
        {"sender": "a", "message": 3},
    ]:
        with pytest.raises(ChatRequestError):
            parse_chat_request(body)


def test_clean_replies_keeps_text_buttons_images_only():
    data = [
        {"recipient_id": "other", "text": "a", "custom": {"x": 1}},
        {"image": "https://example.org/a.png"},
        {"buttons": [{"title": "T", "payload": "/p"}, "junk", {}]},
        {"custom": {"only": True}},
        "junk",
    ]
    assert clean_replies(data, "me") == [
        {"recipient_id": "me", "text": "a"},
        {"recipient_id": "me", "image": "https://example.org/a.png"},
        {"recipient_id": "me", "buttons": [{"title": "T", "payload": "/p"}]},
    ]
    assert clean_replies({"not": "a list"}, "me") is None


async def test_proxy_falls_back_on_server_error():
    transport = httpx.MockTransport(lambda request: httpx.Response(500))
    proxy = RasaChatProxy(
        "http://rasa.test",
        "fallback 1022",
        client=httpx.AsyncClient(transport=transport),
    )
    assert await proxy.send("me", "hi") == [
        {"recipient_id": "me", "text": "fallback 1022"}
    ]
    await proxy.close()


async def test_proxy_posts_to_rest_webhook():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.content))
        return httpx.Response(200, json=[{"text": "chào"}])

    proxy = RasaChatProxy(
        "http://rasa.test/",
        "fb",
        client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )
    assert await proxy.send("me", "hi") == [{"recipient_id": "me", "text": "chào"}]
    assert seen[0][0] == "http://rasa.test/webhooks/rest/webhook"
    await proxy.close()


def test_messages_have_vietnamese_texts_and_hotline():
    messages = load_messages()
    assert "CONSOLE_ACCESS_KEY" in messages["disabled"]
    assert "{hotline}" in messages["chat_unavailable"]
    assert all(value for value in messages.values())


def test_render_page_escapes_message():
    page = render_page("login.html", "<b>x</b>")
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<b>x</b>" not in page


def test_to_jsonable_handles_dataclasses_and_dates():
    @dataclass
    class Owner:
        name: str

    @dataclass
    class Thing:
        when: dt.date
        owner: Owner
        tags: tuple

    assert to_jsonable(Thing(dt.date(2026, 1, 2), Owner("A"), ("x",))) == {
        "when": "2026-01-02",
        "owner": {"name": "A"},
        "tags": ["x"],
    }


def test_throttle_forgets_idle_clients(monkeypatch):
    monkeypatch.setattr("bot.console.auth.MAX_TRACKED_CLIENTS", 3)
    clock = Clock(0.0)
    throttle = LoginThrottle(limit=5, window=10, clock=clock)
    for client in "abc":
        throttle.failed(client)
    clock.now = 11
    throttle.failed("d")
    assert set(throttle._failures) == {"d"}
