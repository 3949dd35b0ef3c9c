"""Fixtures: loopback stand-ins for Rasa and the Telegram Bot API."""

from __future__ import annotations

import pytest

from .standins import FakeRasa, TelegramApi

BOT_TOKEN = "123456:TEST-token"


@pytest.fixture
async def rasa():
    server = await FakeRasa().start()
    yield server
    await server.close()


@pytest.fixture
async def telegram_api():
    server = await TelegramApi(BOT_TOKEN).start()
    yield server
    await server.close()
