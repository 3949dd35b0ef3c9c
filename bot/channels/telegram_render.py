"""Pure functions that turn Rasa's JSON replies into Telegram messages.

Nothing here talks to the network, so the rendering rules (splitting at 4,096
characters, inline keyboards, 64-byte callback data) are tested in isolation.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, MutableMapping, Tuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.text import split_message

TELEGRAM_TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for callback_data
PAYLOAD_PREFIX = "p:"  # the payload itself follows
KEY_PREFIX = "k:"  # a short key follows, resolved from chat_data
MAX_REMEMBERED_BUTTONS = 256  # per chat, oldest forgotten first


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to send: a text (with an optional keyboard) or a photo."""

    text: str | None = None
    photo: str | None = None
    reply_markup: InlineKeyboardMarkup | None = None


@dataclass
class RenderedReply:
    """Messages to send, and the long button payloads to remember for callbacks."""

    messages: List[OutgoingMessage] = field(default_factory=list)
    button_keys: Dict[str, str] = field(default_factory=dict)


def callback_data_for(payload: str) -> Tuple[str, str | None]:
    """Callback data for a button payload.

    Short payloads travel inside the button; a long one is replaced by a stable
    short key that the bot remembers per chat.

    Returns:
        ``(callback_data, key)``, ``key`` being ``None`` when nothing needs
        remembering.
    """
    direct = PAYLOAD_PREFIX + payload
    if len(direct.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
        return direct, None
    key = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]
    return KEY_PREFIX + key, key


def payload_from_callback(
    data: str | None, remembered: Mapping[str, str]
) -> str | None:
    """The payload a pressed button stands for, or ``None`` if it is unknown."""
    if not data:
        return None
    if data.startswith(PAYLOAD_PREFIX):
        return data[len(PAYLOAD_PREFIX) :] or None
    if data.startswith(KEY_PREFIX):
        return remembered.get(data[len(KEY_PREFIX) :])
    return None


def remember_buttons(
    store: MutableMapping[str, Any],
    keys: Mapping[str, str],
    limit: int = MAX_REMEMBERED_BUTTONS,
) -> None:
    """Add ``keys`` to a chat's bounded button memory (oldest dropped first)."""
    memory = store.get("buttons")
    if not isinstance(memory, OrderedDict):
        memory = OrderedDict(memory or {})
        store["buttons"] = memory
    for key, payload in keys.items():
        memory[key] = payload
        memory.move_to_end(key)
    while len(memory) > limit:
        memory.popitem(last=False)


def build_keyboard(
    buttons: Iterable[Mapping[str, Any]],
) -> Tuple[InlineKeyboardMarkup | None, Dict[str, str]]:
    """An inline keyboard with one button per row (Vietnamese titles are long).

    Buttons with a ``url`` (or ``type: web_url``) open the link; others send their
    payload back through a callback query.
    """
    rows: List[List[InlineKeyboardButton]] = []
    keys: Dict[str, str] = {}
    for button in buttons:
        if not isinstance(button, Mapping):
            continue
        payload = str(button.get("payload") or "").strip()
        title = str(button.get("title") or payload).strip()
        url = button.get("url") or (
            payload if button.get("type") == "web_url" else None
        )
        if not title:
            continue
        if url:
            rows.append([InlineKeyboardButton(title, url=str(url))])
        elif payload:
            data, key = callback_data_for(payload)
            if key:
                keys[key] = payload
            rows.append([InlineKeyboardButton(title, callback_data=data)])
    return (InlineKeyboardMarkup(rows) if rows else None), keys


def _text_of(reply: Mapping[str, Any]) -> str:
    text = reply.get("text")
    if not text and isinstance(reply.get("custom"), Mapping):
        text = reply["custom"].get("text")
    return str(text).strip() if text else ""


def render_replies(
    replies: Iterable[Mapping[str, Any]],
    *,
    choose_prompt: str,
    limit: int = TELEGRAM_TEXT_LIMIT,
) -> RenderedReply:
    """Telegram messages for Rasa's replies, in Rasa's order (text, then image).

    Args:
        replies: Rasa REST channel answer (list of message dicts).
        choose_prompt: text shown above buttons that come without any text.
        limit: longest text of one Telegram message.

    Returns:
        The messages to send and the button keys to remember.
    """
    rendered = RenderedReply()
    for reply in replies:
        text = _text_of(reply)
        keyboard, keys = build_keyboard(reply.get("buttons") or [])
        rendered.button_keys.update(keys)
        if keyboard and not text:
            text = choose_prompt
        chunks = split_message(text, limit) if text else []
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            rendered.messages.append(
                OutgoingMessage(text=chunk, reply_markup=keyboard if last else None)
            )
        image = reply.get("image")
        if image:
            rendered.messages.append(OutgoingMessage(photo=str(image)))
    return rendered
