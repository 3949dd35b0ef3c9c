"""Zalo Official Account channel for Rasa, served at ``/webhooks/zalo/webhook``.

Zalo calls the webhook with events such as ``user_send_text`` (``sender.id``,
``message.text``, ``message.msg_id``, ``timestamp``) and signs each call with
``X-ZEvent-Signature: mac=<sha256_hex(app_id + raw_body + timestamp +
oa_secret_key)>`` (plain SHA-256). Zalo retries a call that is not answered
with 200 within 2 seconds, so the webhook checks the signature, acknowledges at
once and lets Rasa answer in a background task; retried events are dropped by
``msg_id``.

Replies go out through the OA API (see :mod:`bot.channels.zalo_api`): texts
split at 2,000 characters, buttons as numbered choices that the citizen answers
with "1", "2"…

credentials.yml::

    bot.channels.zalo.ZaloInput:
      app_id: ${ZALO_APP_ID}
      oa_secret_key: ${ZALO_OA_SECRET_KEY}
      access_token: ${ZALO_ACCESS_TOKEN}
      refresh_token: ${ZALO_REFRESH_TOKEN}
      app_secret: ${ZALO_APP_SECRET}

Keys left out or empty fall back to the environment (ZALO_*; ZALO_TOKEN_FILE
for ``token_file``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import re
import time
from collections import OrderedDict
from pathlib import Path
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Set,
    Tuple,
)

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import admission
from bot.channels.messages import message
from bot.channels.zalo_api import ZaloClient, ZaloError
from bot.settings import DEFAULT_ZALO_API_BASE, DEFAULT_ZALO_OAUTH_BASE, Settings
from bot.text import split_message

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ZEvent-Signature"
ZALO_TEXT_LIMIT = 2000
TEXT_EVENT = "user_send_text"
# Citizen events we cannot read: answered with a short "text only" note.
NON_TEXT_EVENTS = frozenset(
    {
        "user_send_image",
        "user_send_sticker",
        "user_send_gif",
        "user_send_audio",
        "user_send_video",
        "user_send_file",
        "user_send_location",
        "user_send_link",
        "user_send_business_card",
    }
)
DEDUP_TTL = 600.0  # Zalo retries within minutes; keep ids a little longer
DEDUP_MAX = 10_000
CHOICES_TTL = 1800.0  # numbered choices older than this are forgotten
CHOICES_MAX = 10_000
SHUTDOWN_GRACE = 10.0  # seconds given to replies in flight when Rasa stops
CREDENTIAL_KEYS = (
    "app_id",
    "oa_secret_key",
    "access_token",
    "refresh_token",
    "app_secret",
    "api_base",
    "oauth_base",
    "token_file",
)
_NUMBER_RE = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def expected_signature(
    app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str
) -> str:
    """The ``X-ZEvent-Signature`` value Zalo sends for this body."""
    digest = hashlib.sha256(
        app_id.encode() + raw_body + timestamp.encode() + oa_secret_key.encode()
    ).hexdigest()
    return f"mac={digest}"


def verify_signature(
    header: str | None, app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str
) -> bool:
    """Whether ``header`` is Zalo's signature of ``raw_body`` (constant-time check)."""
    if not header:
        return False
    expected = expected_signature(app_id, raw_body, timestamp, oa_secret_key)
    return hmac.compare_digest(header.strip().encode(), expected.encode())


class ExpiringStore:
    """A bounded mapping whose entries expire (oldest dropped first when full)."""

    def __init__(
        self, ttl: float, max_items: int, clock: Callable[[], float] = time.monotonic
    ):
        self.ttl = ttl
        self.max_items = max_items
        self.clock = clock
        self._items: OrderedDict[str, Tuple[float, Any]] = OrderedDict()

    def _purge(self) -> None:
        now = self.clock()
        while self._items:
            _key, (stamp, _) = next(iter(self._items.items()))
            if now - stamp < self.ttl and len(self._items) <= self.max_items:
                break
            self._items.popitem(last=False)

    def put(self, key: str, value: Any = True) -> None:
        """Store ``value`` under ``key`` (refreshing its age)."""
        self._items.pop(key, None)
        self._items[key] = (self.clock(), value)
        self._purge()

    def get(self, key: str) -> Any:
        """The live value under ``key``, or ``None``."""
        self._purge()
        item = self._items.get(key)
        return item[1] if item else None

    def pop(self, key: str) -> Any:
        """Remove and return the live value under ``key``, or ``None``."""
        self._purge()
        item = self._items.pop(key, None)
        return item[1] if item else None

    def seen(self, key: str) -> bool:
        """True if ``key`` was stored and is still live; otherwise store it."""
        if self.get(key) is not None:
            return True
        self.put(key)
        return False

    def __len__(self) -> int:
        self._purge()
        return len(self._items)


def render_choices(
    text: str | None, buttons: Iterable[Mapping[str, Any]], hint: str
) -> Tuple[str, List[str]]:
    """Buttons as a numbered list under the text, and the payload of each number.

    Returns:
        ``(text, payloads)`` where ``payloads[i]`` answers choice ``i + 1``.
    """
    lines = [text.strip()] if text and text.strip() else []
    payloads: List[str] = []
    for button in buttons:
        if not isinstance(button, Mapping):
            continue
        payload = str(button.get("payload") or button.get("url") or "").strip()
        title = str(button.get("title") or payload).strip()
        if not payload or not title:
            continue
        payloads.append(payload)
        lines.append(f"{len(payloads)}. {title}")
    if payloads:
        lines.append(hint)
    return "\n".join(lines), payloads


def choice_payload(text: str, payloads: List[str]) -> str | None:
    """The payload a reply like ``"2"`` picks, or ``None``."""
    match = _NUMBER_RE.match(text or "")
    if not match:
        return None
    index = int(match.group(1))
    return payloads[index - 1] if 1 <= index <= len(payloads) else None


class ZaloOutput(OutputChannel):
    """Sends Rasa's replies to one Zalo follower through the OA API."""

    @classmethod
    def name(cls) -> str:
        """Channel name, as in credentials.yml."""
        return "zalo"

    def __init__(self, client: ZaloClient, choices: ExpiringStore) -> None:
        self.client = client
        self.choices = choices

    async def send_text_message(
        self, recipient_id: str, text: str, **kwargs: Any
    ) -> None:
        """Send ``text``, split in messages of at most 2,000 characters."""
        for chunk in split_message(text, ZALO_TEXT_LIMIT):
            await self.client.send_text(recipient_id, chunk)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send buttons as numbered choices and remember them for the reply."""
        rendered, payloads = render_choices(
            text or message("choose_prompt"), buttons, message("choice_hint")
        )
        if payloads:
            self.choices.put(str(recipient_id), payloads)
        await self.send_text_message(recipient_id, rendered)

    async def send_image_url(
        self, recipient_id: str, image: str, **kwargs: Any
    ) -> None:
        """Send the image's link (Zalo shows a preview of it)."""
        await self.send_text_message(recipient_id, image)

    async def send_attachment(
        self, recipient_id: str, attachment: Any, **kwargs: Any
    ) -> None:
        """Send an attachment as its link or text."""
        await self.send_text_message(recipient_id, str(attachment))

    async def send_custom_json(
        self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any
    ) -> None:
        """Send a custom payload's ``text`` if it has one; never raw JSON."""
        text = json_message.get("text") if isinstance(json_message, Mapping) else None
        if text:
            await self.send_text_message(recipient_id, str(text))


class ZaloInput(InputChannel):
    """Rasa input channel receiving the Zalo OA webhook."""

    @classmethod
    def name(cls) -> str:
        """URL prefix and channel name: ``/webhooks/zalo/webhook``."""
        return "zalo"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> ZaloInput:
        """Build from credentials.yml, falling back to ZALO_* environment variables.

        Raises:
            RasaException: app_id, oa_secret_key or access_token is missing.
        """
        credentials = credentials or {}
        settings = Settings.from_env()
        env = {
            "app_id": settings.zalo_app_id,
            "oa_secret_key": settings.zalo_oa_secret_key,
            "access_token": settings.zalo_access_token,
            "refresh_token": settings.zalo_refresh_token,
            "app_secret": settings.zalo_app_secret,
            "api_base": settings.zalo_api_base,
            "oauth_base": settings.zalo_oauth_base,
            "token_file": os.environ.get("ZALO_TOKEN_FILE"),
        }
        values = {k: credentials.get(k) or env[k] for k in CREDENTIAL_KEYS}
        missing = [
            k for k in ("app_id", "oa_secret_key", "access_token") if not values[k]
        ]
        if missing:
            raise RasaException(
                "Zalo channel: missing credential(s) "
                + ", ".join(missing)
                + " (set them in credentials.yml or as ZALO_* environment variables)"
            )
        return cls(**{k: str(v) for k, v in values.items() if v})

    def __init__(
        self,
        app_id: str,
        oa_secret_key: str,
        access_token: str,
        refresh_token: str | None = None,
        app_secret: str | None = None,
        api_base: str = DEFAULT_ZALO_API_BASE,
        oauth_base: str = DEFAULT_ZALO_OAUTH_BASE,
        token_file: str | None = None,
        client: ZaloClient | None = None,
    ) -> None:
        """Create the channel; nothing touches the network until a message arrives."""
        self.app_id = str(app_id)
        self._oa_secret_key = str(oa_secret_key)
        self.client = client or ZaloClient(
            app_id=self.app_id,
            access_token=access_token,
            refresh_token=refresh_token,
            app_secret=app_secret,
            api_base=api_base,
            oauth_base=oauth_base,
            token_file=Path(token_file) if token_file else None,
        )
        self.recent = ExpiringStore(DEDUP_TTL, DEDUP_MAX)
        self.choices = ExpiringStore(CHOICES_TTL, CHOICES_MAX)
        self._tasks: Set[asyncio.Task[None]] = set()

    def get_output_channel(self) -> ZaloOutput:
        """An output channel that can message any follower."""
        return ZaloOutput(self.client, self.choices)

    async def drain(self) -> None:
        """Wait for the background tasks started so far (used by tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Routes: ``GET /`` (health) and ``POST /webhook`` (Zalo events)."""
        zalo_webhook = Blueprint("zalo_webhook", __name__)

        @zalo_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @zalo_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return self.accept(request.body or b"", request.headers, on_new_message)

        @zalo_webhook.listener("before_server_stop")
        async def finish(app: Any, loop: Any) -> None:
            # Let replies in flight go out, then close the HTTP client.
            try:
                await asyncio.wait_for(self.drain(), SHUTDOWN_GRACE)
            except asyncio.TimeoutError:
                logger.warning("Zalo replies still pending at shutdown were dropped")
            await self.client.aclose()

        return zalo_webhook

    def accept(
        self,
        raw_body: bytes,
        headers: Mapping[str, str],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> HTTPResponse:
        """Check one webhook call and start handling it in the background."""
        signature = headers.get(SIGNATURE_HEADER)
        if not signature:
            return response.json({"error": "missing signature"}, status=401)
        try:
            event = json.loads(raw_body)
        except ValueError:
            return response.json({"error": "malformed JSON"}, status=400)
        if not isinstance(event, dict):
            return response.json({"error": "malformed event"}, status=400)
        timestamp = str(event.get("timestamp", ""))
        if not verify_signature(
            signature, self.app_id, raw_body, timestamp, self._oa_secret_key
        ):
            logger.warning("Zalo webhook call with a bad signature refused")
            return response.json({"error": "bad signature"}, status=401)
        msg = event.get("message")
        msg_id = msg.get("msg_id") if isinstance(msg, dict) else None
        if msg_id and self.recent.seen(str(msg_id)):
            return response.json({"status": "duplicate"})
        task = asyncio.get_running_loop().create_task(
            self.handle_event(event, on_new_message)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return response.json({"status": "ok"})

    async def handle_event(
        self,
        event: Dict[str, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """Answer one verified event; never raises (it runs unattended)."""
        name = str(event.get("event_name") or "")
        sender = event.get("sender") if isinstance(event.get("sender"), dict) else {}
        user_id = str(sender.get("id") or "")
        if not user_id or not (name == TEXT_EVENT or name in NON_TEXT_EVENTS):
            logger.debug("Zalo event %r ignored", name)
            return
        output = self.get_output_channel()
        try:
            if name in NON_TEXT_EVENTS:
                await output.send_text_message(user_id, message("text_only"))
                return
            msg = event.get("message") if isinstance(event.get("message"), dict) else {}
            text = str(msg.get("text") or "").strip()
            if not text:
                return
            payloads = self.choices.pop(user_id) or []
            text = choice_payload(text, payloads) or text
            msg_id = str(msg.get("msg_id")) if msg.get("msg_id") else None
            async with admission.shared().turn():
                await on_new_message(
                    UserMessage(
                        text,
                        output,
                        user_id,
                        input_channel=self.name(),
                        message_id=msg_id,
                    )
                )
        except ZaloError as exc:
            logger.error("Zalo reply not delivered: %s", exc)
        except Exception:
            logger.exception("Zalo event %r failed", name)
            try:
                await output.send_text_message(user_id, message("internal_error"))
            except ZaloError as exc:
                logger.error("Zalo error notice not delivered: %s", exc)
