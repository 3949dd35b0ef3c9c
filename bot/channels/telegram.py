"""Telegram bridge: python-telegram-bot in front of Rasa's REST channel.

Each text message is forwarded to Rasa with the chat id as sender; Rasa's
replies come back as Telegram messages (long texts split at sentence
boundaries, buttons as inline keyboards, images as photos).

Usage::

    # long polling (default)
    TELEGRAM_BOT_TOKEN=123:abc RASA_URL=http://127.0.0.1:5005 \\
        .venv/bin/python -m bot.channels.telegram

    # webhook, behind a TLS reverse proxy that forwards to 127.0.0.1:8443
    TELEGRAM_BOT_TOKEN=123:abc TELEGRAM_WEBHOOK_URL=https://bot.example.vn/telegram \\
    TELEGRAM_SECRET_TOKEN=long-random-string \\
        .venv/bin/python -m bot.channels.telegram --listen 127.0.0.1 --port 8443

Commands: /start and /help (Vietnamese help), /huy (reset the conversation).
``TELEGRAM_API_BASE`` points the bot at another Bot API server (tests use a
loopback stand-in).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import logging
import secrets
import signal
from typing import AsyncIterator, Sequence
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.messages import message
from bot.channels.rasa_rest import RasaRestClient, RasaUnavailable
from bot.channels.telegram_render import (
    OutgoingMessage,
    payload_from_callback,
    remember_buttons,
    render_replies,
)
from bot.settings import Settings, SettingsError

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TYPING_INTERVAL = 4.0  # Telegram shows "typing…" for about 5 seconds
# Updates are handled concurrently so one slow answer does not hold up other
# citizens; Rasa's lock store keeps each conversation in order.
CONCURRENT_UPDATES = 32
DEFAULT_LISTEN = "127.0.0.1"
DEFAULT_PORT = 8443
RASA_KEY = "rasa"
COMMANDS = ("start", "help", "huy")


def _rasa(context: ContextTypes.DEFAULT_TYPE) -> RasaRestClient:
    return context.application.bot_data[RASA_KEY]


@contextlib.asynccontextmanager
async def typing(
    bot, chat_id: int, interval: float = TYPING_INTERVAL
) -> AsyncIterator[None]:
    """Show "typing…" in ``chat_id`` until the block ends."""

    async def action() -> None:
        try:
            await bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
        except TelegramError as exc:  # cosmetic: never fail the reply for it
            logger.debug("send_chat_action failed: %s", exc)

    async def repeat() -> None:
        while True:
            await asyncio.sleep(interval)
            await action()

    await action()
    task = asyncio.create_task(repeat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def send_rendered(bot, chat_id: int, messages: Sequence[OutgoingMessage]) -> None:
    """Send rendered messages in order (plain text, so links stay as they are)."""
    for out in messages:
        if out.photo:
            await bot.send_photo(chat_id=chat_id, photo=out.photo)
        else:
            await bot.send_message(
                chat_id=chat_id, text=out.text, reply_markup=out.reply_markup
            )


async def ask_rasa(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str
) -> None:
    """Forward ``text`` to Rasa for this chat and send the replies back."""
    chat_id = update.effective_chat.id
    try:
        async with typing(context.bot, chat_id):
            replies = await _rasa(context).send(str(chat_id), text)
    except RasaUnavailable as exc:
        logger.warning("Rasa unavailable for a Telegram chat: %s", exc)
        await context.bot.send_message(
            chat_id=chat_id, text=message("rasa_unavailable")
        )
        return
    rendered = render_replies(replies, choose_prompt=message("choose_prompt"))
    if rendered.button_keys:
        remember_buttons(context.chat_data, rendered.button_keys)
    await send_rendered(context.bot, chat_id, rendered.messages)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: welcome in Vietnamese."""
    await update.effective_message.reply_text(message("start"))


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: how to use the assistant."""
    await update.effective_message.reply_text(message("help"))


async def on_reset(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/huy: reset the Rasa conversation, then confirm."""
    try:
        await _rasa(context).restart(str(update.effective_chat.id))
    except RasaUnavailable as exc:
        logger.warning("Rasa unavailable on /huy: %s", exc)
        await update.effective_message.reply_text(message("rasa_unavailable"))
        return
    context.chat_data.pop("buttons", None)
    await update.effective_message.reply_text(message("restarted"))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A citizen's text message: ask Rasa."""
    await ask_rasa(update, context, update.effective_message.text)


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice…: say politely that only text is understood."""
    await update.effective_message.reply_text(message("text_only"))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An inline button was pressed: send its payload to Rasa."""
    query = update.callback_query
    payload = payload_from_callback(query.data, context.chat_data.get("buttons") or {})
    if payload is None:
        await query.answer(text=message("button_expired"))
        return
    await query.answer()
    await ask_rasa(update, context, payload)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error and tell the citizen something went wrong, never silence."""
    logger.error("Telegram handler failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                chat_id=update.effective_chat.id, text=message("internal_error")
            )


async def set_commands(application: Application) -> None:
    """Publish the command menu (/start, /help, /huy) with Vietnamese descriptions."""
    commands = [(name, message(f"command_{name}")) for name in COMMANDS]
    try:
        await application.bot.set_my_commands(commands)
    except TelegramError as exc:  # the menu is a convenience, not a reason to stop
        logger.warning("setMyCommands failed: %s", exc)


async def close_rasa(application: Application) -> None:
    """Close the Rasa client (run_polling calls this as ``post_shutdown``)."""
    await application.bot_data[RASA_KEY].aclose()


def build_application(
    settings: Settings, rasa: RasaRestClient | None = None
) -> Application:
    """The bot ``Application`` with every handler registered.

    Args:
        settings: TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE and RASA_URL are used.
        rasa: Rasa client to use instead of one built from ``settings``.

    Raises:
        SettingsError: TELEGRAM_BOT_TOKEN is missing.
    """
    settings.require("telegram_bot_token")
    base = settings.telegram_api_base.rstrip("/")
    rasa = rasa or RasaRestClient(settings.rasa_url)
    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(set_commands)
        .post_shutdown(close_rasa)
        .build()
    )
    application.bot_data[RASA_KEY] = rasa
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(CommandHandler("help", on_help))
    application.add_handler(CommandHandler("huy", on_reset))
    new_message = filters.UpdateType.MESSAGE
    application.add_handler(MessageHandler(new_message & filters.COMMAND, on_help))
    application.add_handler(MessageHandler(new_message & filters.TEXT, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    other = new_message & filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL
    application.add_handler(MessageHandler(other, on_other))
    application.add_error_handler(on_error)
    return application


def webhook_app(
    application: Application, secret_token: str, path: str
) -> web.Application:
    """An aiohttp app that receives Telegram's webhook calls at ``path``.

    Requests without Telegram's secret token header are refused with 403.
    """

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret_token.encode()):
            return web.Response(status=403, text="forbidden")
        try:
            update = Update.de_json(await request.json(), application.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400, text="bad update")
        await application.update_queue.put(update)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post(path, receive)
    return app


async def run_webhook(
    application: Application,
    settings: Settings,
    listen: str = DEFAULT_LISTEN,
    port: int = DEFAULT_PORT,
    stop: asyncio.Event | None = None,
) -> None:
    """Register the webhook with Telegram and serve it until ``stop`` is set.

    Telegram sends the secret token (TELEGRAM_SECRET_TOKEN, or a random one made
    at start) in every call, so calls from anyone else are refused.
    """
    url = settings.telegram_webhook_url
    secret = settings.telegram_secret_token or secrets.token_urlsafe(32)
    stop = stop or asyncio.Event()
    runner = web.AppRunner(webhook_app(application, secret, urlsplit(url).path or "/"))
    async with application:
        await application.bot.set_webhook(
            url=url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )
        await set_commands(application)
        await application.start()
        await runner.setup()
        await web.TCPSite(runner, listen, port).start()
        logger.info("Telegram webhook listening on %s:%s", listen, port)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
            await application.stop()
            await close_rasa(application)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Telegram bridge to Rasa.")
    parser.add_argument("--listen", default=DEFAULT_LISTEN, help="webhook bind address")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="webhook port")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bridge: long polling, or a webhook when TELEGRAM_WEBHOOK_URL is set."""
    args = _parse_args(argv)
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO
    )
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = Settings.from_env()
    try:
        application = build_application(settings)
    except SettingsError as exc:
        logger.error("%s", exc)
        return 2
    if not settings.telegram_webhook_url:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
        return 0

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_webhook(application, settings, args.listen, args.port, stop)

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
