"""Fuzz the webhooks of one running server: odd text and broken requests.

Every reply must be below 500, leak no stack trace or source path, and the
server must still answer a normal message afterwards.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import List, Tuple

import aiohttp
import pytest
from scale_fuzz_inputs import (
    assert_inputs_clean,
    generate_messages,
    leaks,
    malformed_requests,
)

pytestmark = pytest.mark.slow

FUZZ_MESSAGES = 2000
CONCURRENCY = 8
MESSAGES_PER_SENDER = 10
TIME_BUDGET_SECONDS = 420.0
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=120)


def _problem(status: int, body: str) -> str | None:
    if status >= 500:
        return f"HTTP {status}"
    marker = leaks(body)
    if marker:
        return f"leaked {marker!r}"
    return None


async def _still_answers(server, first_message: str) -> None:
    async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:
        payload = {"sender": f"fuzz-after-{time.time_ns()}", "message": first_message}
        async with session.post(server.rest_url, json=payload) as resp:
            assert resp.status == 200, "server stopped answering normal messages"
            reply = await resp.json()
    assert server.alive(), "the Rasa process died"
    assert isinstance(reply, list) and reply, "no answer to a normal message"


async def test_generated_messages_never_break_the_rest_channel(rasa_server, scripts):
    messages = generate_messages(FUZZ_MESSAGES)
    assert len(messages) >= FUZZ_MESSAGES
    assert_inputs_clean(messages)
    queue: asyncio.Queue[Tuple[int, str, str]] = asyncio.Queue()
    for index, (category, text) in enumerate(messages):
        queue.put_nowait((index, category, text))
    problems: List[str] = []
    answered = 0
    deadline = time.perf_counter() + TIME_BUDGET_SECONDS

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal answered
        while not queue.empty() and time.perf_counter() < deadline:
            index, category, text = queue.get_nowait()
            # Neighbouring messages (in flight together) go to different
            # conversations: turns of one conversation wait for each other.
            sender = f"fuzz-{index % (len(messages) // MESSAGES_PER_SENDER)}"
            # json.dumps escapes lone surrogates as \udXXX, which JSON allows.
            body = json.dumps({"sender": sender, "message": text})
            try:
                async with session.post(
                    rasa_server.rest_url,
                    data=body,
                    headers={"Content-Type": "application/json"},
                ) as resp:
                    reply = await resp.text()
                    problem = _problem(resp.status, reply)
                    if problem is None and resp.status == 200:
                        parsed = json.loads(reply)
                        if not isinstance(parsed, list):
                            problem = "reply is not a JSON list"
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                problem = f"no reply ({type(exc).__name__})"
            answered += 1
            if problem:
                problems.append(f"#{index} {category} {text[:60]!r}: {problem}")

    async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:
        await asyncio.gather(*(worker(session) for _ in range(CONCURRENCY)))

    assert answered == len(messages), (
        f"only {answered} of {len(messages)} messages sent in {TIME_BUDGET_SECONDS} s"
    )
    assert not problems, f"{len(problems)} bad replies, e.g.:\n" + "\n".join(
        problems[:15]
    )
    await _still_answers(rasa_server, scripts[0][0])


async def _send_malformed(url: str) -> List[str]:
    problems = []
    async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:
        for name, body, content_type in malformed_requests():
            headers = {"Content-Type": content_type} if content_type else {}
            async with session.post(url, data=body, headers=headers) as resp:
                problem = _problem(resp.status, await resp.text(errors="replace"))
            if problem:
                problems.append(f"{name}: {problem}")
        for method in ("GET", "PUT", "DELETE", "PATCH"):
            async with session.request(method, url) as resp:
                problem = _problem(resp.status, await resp.text(errors="replace"))
            if problem:
                problems.append(f"{method}: {problem}")
    return problems


async def test_malformed_requests_to_rest_webhook(rasa_server, scripts):
    problems = await _send_malformed(rasa_server.rest_url)
    assert not problems, "REST webhook mishandled:\n" + "\n".join(problems)
    await _still_answers(rasa_server, scripts[0][0])


async def test_malformed_requests_to_zalo_webhook(rasa_server, scripts):
    if not rasa_server.zalo:
        pytest.skip("the project serves no Zalo channel at /webhooks/zalo/webhook")
    problems = await _send_malformed(rasa_server.zalo_url)
    assert not problems, "Zalo webhook mishandled:\n" + "\n".join(problems)
    await _still_answers(rasa_server, scripts[0][0])
