"""Forward the web chat page's messages to Rasa's REST channel.

The browser talks only to the console's own origin (no CORS); this module relays
``{"sender", "message"}`` to ``{RASA_URL}/webhooks/rest/webhook`` and returns
Rasa's list of replies. When Rasa cannot be reached it returns a polite reply
with the hotline instead of an error, so the page always has something to show.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List

import httpx

logger = logging.getLogger(__name__)

REST_WEBHOOK_PATH = "/webhooks/rest/webhook"
CHAT_TIMEOUT_SECONDS = 20.0
CONNECT_TIMEOUT_SECONDS = 3.0
MAX_MESSAGE_CHARS = 2000
_SENDER_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class ChatRequestError(ValueError):
    """The browser sent a message the proxy will not forward."""


def parse_chat_request(body: Any) -> Dict[str, str]:
    """Validate the page's JSON body and return what Rasa expects.

    Raises:
        ChatRequestError: The body lacks a sender id or a non-empty message.
    """
    if not isinstance(body, dict):
        raise ChatRequestError("body must be a JSON object")
    sender = body.get("sender")
    message = body.get("message")
    if not isinstance(sender, str) or not _SENDER_RE.match(sender):
        raise ChatRequestError("bad sender id")
    if not isinstance(message, str) or not message.strip():
        raise ChatRequestError("empty message")
    if len(message) > MAX_MESSAGE_CHARS:
        raise ChatRequestError("message too long")
    return {"sender": sender, "message": message.strip()}


def clean_replies(data: Any, sender: str) -> List[Dict[str, Any]] | None:
    """Keep the reply fields the page renders; ``None`` when ``data`` is not a list."""
    if not isinstance(data, list):
        return None
    replies = []
    for item in data:
        if not isinstance(item, dict):
            continue
        reply: Dict[str, Any] = {"recipient_id": sender}
        if isinstance(item.get("text"), str):
            reply["text"] = item["text"]
        if isinstance(item.get("image"), str):
            reply["image"] = item["image"]
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in item.get("buttons") or []
            if isinstance(b, dict) and (b.get("title") or b.get("payload"))
        ]
        if buttons:
            reply["buttons"] = buttons
        if len(reply) > 1:
            replies.append(reply)
    return replies


class RasaChatProxy:
    """Relays chat messages to one Rasa server over a shared async HTTP client."""

    def __init__(
        self,
        rasa_url: str,
        fallback_text: str,
        timeout: float = CHAT_TIMEOUT_SECONDS,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        """Set up the relay; the HTTP client is created on first use.

        Args:
            rasa_url: Base URL of the Rasa server (no trailing slash).
            fallback_text: Reply sent when Rasa is down or answers badly.
            timeout: Seconds to wait for Rasa.
            client: An ``httpx.AsyncClient`` to use (tests inject one).
        """
        self.url = rasa_url.rstrip("/") + REST_WEBHOOK_PATH
        self.fallback_text = fallback_text
        self.timeout = timeout
        self._client = client

    async def send(self, sender: str, message: str) -> List[Dict[str, Any]]:
        """Rasa's replies to ``message`` from ``sender``, or the fallback reply."""
        if self._client is None:
            # A short connect timeout: a stopped Rasa should not keep citizens waiting.
            timeout = httpx.Timeout(self.timeout, connect=CONNECT_TIMEOUT_SECONDS)
            self._client = httpx.AsyncClient(timeout=timeout)
        try:
            response = await self._client.post(
                self.url, json={"sender": sender, "message": message}
            )
            response.raise_for_status()
            replies = clean_replies(response.json(), sender)
        except (httpx.HTTPError, ValueError) as exc:
            # No message text in the log: it may hold a citizen's personal data.
            logger.warning("Rasa REST channel unavailable: %s", type(exc).__name__)
            replies = None
        if replies is None:
            return [{"recipient_id": sender, "text": self.fallback_text}]
        return replies

    async def close(self) -> None:
        """Close the HTTP client, if one was opened."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
