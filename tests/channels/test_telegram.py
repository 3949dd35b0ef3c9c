"""The Telegram bridge driven for real against loopback Bot API and Rasa stand-ins."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest

from bot.channels.messages import message
from bot.channels.rasa_rest import RasaRestClient
from bot.channels.telegram import (
    SECRET_HEADER,
    build_application,
    close_rasa,
    run_webhook,
)
from bot.settings import Settings, SettingsError

from .conftest import BOT_TOKEN
from .standins import callback_update, text_update, wait_until

CHAT = 4242
ROOT = Path(__file__).resolve().parents[2]


def _settings(telegram_api, rasa_url: str, **extra) -> Settings:
    return Settings(
        telegram_bot_token=BOT_TOKEN,
        telegram_api_base=telegram_api.url,
        rasa_url=rasa_url,
        **extra,
    )


@contextlib.asynccontextmanager
async def polling_bot(telegram_api, rasa_url: str, timeout: float = 5.0):
    """The real Application, long-polling the stand-in."""
    rasa_client = RasaRestClient(rasa_url, timeout=timeout)
    application = build_application(_settings(telegram_api, rasa_url), rasa=rasa_client)
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            await close_rasa(application)


async def test_full_exchange_text_to_rasa_and_back(telegram_api, rasa):
    async with polling_bot(telegram_api, rasa.url):
        telegram_api.push(text_update("Làm căn cước cần giấy tờ gì?"))
        sent = await telegram_api.wait_for("sendMessage")
    assert rasa.received == [
        {"sender": str(CHAT), "message": "Làm căn cước cần giấy tờ gì?"}
    ]
    assert sent[0]["chat_id"] == CHAT
    assert sent[0]["text"] == "Bạn vừa hỏi: Làm căn cước cần giấy tờ gì?"
    actions = telegram_api.sent("sendChatAction")
    assert actions and actions[0] == {"chat_id": CHAT, "action": "typing"}
    # "typing…" is shown before the answer arrives.
    names = [name for name, _ in telegram_api.calls]
    assert names.index("sendChatAction") < names.index("sendMessage")
    assert names[0] == "getMe"


async def test_buttons_become_inline_keyboard_and_callbacks_reach_rasa(
    telegram_api, rasa
):
    long_payload = '/ask_fee{"procedure": "Đăng ký khai sinh có yếu tố nước ngoài"}'
    rasa.reply = lambda sender, text: [
        {
            "text": "Bạn muốn hỏi về thủ tục nào?",
            "buttons": [
                {"title": "Khai sinh", "payload": "/ask_fee"},
                {"title": "Khai sinh có yếu tố nước ngoài", "payload": long_payload},
                {"title": "Cổng dịch vụ công", "url": "https://dichvucong.gov.vn"},
            ],
        }
    ]
    async with polling_bot(telegram_api, rasa.url):
        telegram_api.push(text_update("lệ phí khai sinh"))
        sent = await telegram_api.wait_for("sendMessage")
        keyboard = sent[0]["reply_markup"]["inline_keyboard"]
        datas = [row[0].get("callback_data") for row in keyboard]
        assert datas[0] == "p:/ask_fee"
        assert datas[1].startswith("k:") and len(datas[1].encode()) <= 64
        assert keyboard[2][0]["url"] == "https://dichvucong.gov.vn"

        rasa.reply = lambda sender, text: [{"text": "Lệ phí: 8.000 đồng."}]
        telegram_api.push(callback_update(datas[1]))
        await telegram_api.wait_for("sendMessage", 2)
        answered = await telegram_api.wait_for("answerCallbackQuery")
    assert rasa.received[-1] == {"sender": str(CHAT), "message": long_payload}
    assert answered[0]["callback_query_id"].startswith("cq")
    assert telegram_api.sent("sendMessage")[1]["text"] == "Lệ phí: 8.000 đồng."


async def test_unknown_button_key_is_answered_not_sent_to_rasa(telegram_api, rasa):
    async with polling_bot(telegram_api, rasa.url):
        telegram_api.push(callback_update("k:forgotten-after-restart"))
        answered = await telegram_api.wait_for("answerCallbackQuery")
    assert answered[0]["text"] == message("button_expired")
    assert rasa.received == []


async def test_long_reply_is_split_under_4096(telegram_api, rasa):
    sentence = "Công dân mang theo căn cước công dân và tờ khai theo mẫu quy định. "
    long_text = sentence * 150  # about 10,000 characters
    rasa.reply = lambda sender, text: [{"text": long_text}]
    async with polling_bot(telegram_api, rasa.url):
        telegram_api.push(text_update("giấy tờ"))
        await telegram_api.wait_for("sendMessage", 3)
        await asyncio.sleep(0.1)
    texts = [p["text"] for p in telegram_api.sent("sendMessage")]
    assert len(texts) == 3
    assert all(len(t) <= 4096 for t in texts)
    assert all(t.endswith(".") for t in texts)  # cut at sentence boundaries
    assert " ".join(texts) == long_text.strip()


async def test_image_is_sent_as_photo_and_links_kept(telegram_api, rasa):
    rasa.reply = lambda sender, text: [
        {
            "text": "Mẫu tờ khai: https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc.html?id=1"
        },
        {"image": "https://example.org/to-khai.png"},
    ]
    async with polling_bot(telegram_api, rasa.url):
        telegram_api.push(text_update("mẫu tờ khai"))
        photos = await telegram_api.wait_for("sendPhoto")
    assert photos[0]["photo"] == "https://example.org/to-khai.png"
    text = telegram_api.sent("sendMessage")[0]
    assert "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc.html?id=1" in text["text"]
    assert "parse_mode" not in text


@pytest.mark.parametrize("failure", ["down", "http500", "timeout"])
async def test_rasa_failure_gets_polite_message_with_hotline(
    telegram_api, rasa, failure
):
    rasa_url = rasa.url
    if failure == "down":
        await rasa.close()  # nothing listens on that port any more
    elif failure == "http500":
        rasa.status = 500
    else:
        rasa.delay = 2.0
    async with polling_bot(telegram_api, rasa_url, timeout=0.5):
        telegram_api.push(text_update("xin chào"))
        sent = await telegram_api.wait_for("sendMessage")
    assert sent[0]["text"] == message("rasa_unavailable")
    assert "1022" in sent[0]["text"]


async def test_start_and_help_are_vietnamese_and_skip_rasa(telegram_api, rasa):
    async with polling_bot(telegram_api, rasa.url):
        telegram_api.push(text_update("/start"))
        await telegram_api.wait_for("sendMessage")
        telegram_api.push(text_update("/help"))
        sent = await telegram_api.wait_for("sendMessage", 2)
    assert sent[0]["text"] == message("start")
    assert sent[1]["text"] == message("help")
    assert "thủ tục hành chính" in sent[0]["text"]
    assert rasa.received == []


async def test_huy_restarts_the_rasa_conversation(telegram_api, rasa):
    rasa.reply = lambda sender, text: []
    async with polling_bot(telegram_api, rasa.url):
        telegram_api.push(text_update("/huy"))
        sent = await telegram_api.wait_for("sendMessage")
    assert rasa.received == [{"sender": str(CHAT), "message": "/restart"}]
    assert sent[0]["text"] == message("restarted")


async def test_sticker_gets_text_only_answer(telegram_api, rasa):
    update = text_update("x")
    del update["message"]["text"]
    update["message"]["sticker"] = {
        "file_id": "s1",
        "file_unique_id": "su1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    async with polling_bot(telegram_api, rasa.url):
        telegram_api.push(update)
        sent = await telegram_api.wait_for("sendMessage")
    assert sent[0]["text"] == message("text_only")
    assert rasa.received == []


async def test_handler_crash_goes_to_error_handler_with_polite_message(
    telegram_api, rasa
):
    rasa.reply = lambda sender, text: [{"text": "ok"}]
    async with polling_bot(telegram_api, rasa.url) as application:

        async def explode(*args, **kwargs):
            raise RuntimeError("boom")

        application.bot_data["rasa"].send = explode
        telegram_api.push(text_update("xin chào"))
        sent = await telegram_api.wait_for("sendMessage")
    assert sent[0]["text"] == message("internal_error")


async def test_missing_token_fails_fast():
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN"):
        build_application(Settings())


async def test_webhook_mode_checks_secret_and_handles_updates(
    telegram_api, rasa, unused_tcp_port
):
    settings = _settings(
        telegram_api,
        rasa.url,
        telegram_webhook_url="https://bot.example.vn/telegram/hook",
        telegram_secret_token="s3cret-Token_1",
    )
    application = build_application(settings, rasa=RasaRestClient(rasa.url))
    stop = asyncio.Event()
    server = asyncio.create_task(
        run_webhook(application, settings, "127.0.0.1", unused_tcp_port, stop)
    )
    try:
        registered = await telegram_api.wait_for("setWebhook")
        assert registered[0]["url"] == "https://bot.example.vn/telegram/hook"
        assert registered[0]["secret_token"] == "s3cret-Token_1"
        assert len(await telegram_api.wait_for("setMyCommands")) == 1
        url = f"http://127.0.0.1:{unused_tcp_port}/telegram/hook"
        update = dict(text_update("xin chào"), update_id=7)
        async with httpx.AsyncClient() as client:
            for _ in range(100):  # the site starts right after setWebhook
                with contextlib.suppress(httpx.ConnectError):
                    wrong = await client.post(
                        url, json=update, headers={SECRET_HEADER: "x"}
                    )
                    break
                await asyncio.sleep(0.02)
            missing = await client.post(url, json=update)
            bad_json = await client.post(
                url, content=b"{", headers={SECRET_HEADER: "s3cret-Token_1"}
            )
            good = await client.post(
                url, json=update, headers={SECRET_HEADER: "s3cret-Token_1"}
            )
        assert (wrong.status_code, missing.status_code) == (403, 403)
        assert bad_json.status_code == 400
        assert good.status_code == 200
        sent = await telegram_api.wait_for("sendMessage")
        assert sent[0]["text"] == "Bạn vừa hỏi: xin chào"
        assert len(rasa.received) == 1
    finally:
        stop.set()
        await asyncio.wait_for(server, 5)
    await wait_until(server.done)


async def test_module_runs_with_long_polling_and_never_logs_the_token(
    telegram_api, rasa, tmp_path
):
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_API_BASE": telegram_api.url,
        "RASA_URL": rasa.url,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.channels.telegram",
        cwd=tmp_path,  # no .env there
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        telegram_api.push(text_update("xin chào"))
        sent = await telegram_api.wait_for("sendMessage", timeout=30)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert sent[0]["text"] == "Bạn vừa hỏi: xin chào"
    assert process.returncode == 0
    (menu,) = telegram_api.sent("setMyCommands")
    assert [c["command"] for c in menu["commands"]] == ["start", "help", "huy"]
    assert menu["commands"][2]["description"] == message("command_huy")
    logs = (out + err).decode()
    assert "Application started" in logs
    assert BOT_TOKEN not in logs and "xin chào" not in logs
