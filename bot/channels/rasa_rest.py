"""Async client of Rasa's REST channel, used by bridges that run outside Rasa.

Rasa answers ``POST {RASA_URL}/webhooks/rest/webhook`` with
``{"sender": id, "message": text}`` by a JSON list of bot messages, each with
``recipient_id`` and any of ``text``, ``buttons``, ``image`` and ``custom``.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

import httpx

logger = logging.getLogger(__name__)

REST_WEBHOOK_PATH = "/webhooks/rest/webhook"
RESTART_COMMAND = "/restart"
# Rasa may call the action server, which may call the dossier API: allow for it.
DEFAULT_TIMEOUT = 20.0
DEFAULT_CONNECT_TIMEOUT = 3.0


class RasaUnavailable(RuntimeError):
    """Rasa could not be reached, timed out or answered with an error."""


class RasaRestClient:
    """Sends citizens' messages to Rasa and returns its replies.

    One shared ``httpx.AsyncClient`` keeps connections to Rasa alive; it is made
    on first use so that it belongs to the running event loop.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        """Create the client.

        Args:
            base_url: Rasa server address, e.g. ``http://127.0.0.1:5005``.
            timeout: seconds to wait for Rasa's answer.
            client: an AsyncClient to use instead of a private one.
        """
        self.url = base_url.rstrip("/") + REST_WEBHOOK_PATH
        self.timeout = httpx.Timeout(
            timeout, connect=min(timeout, DEFAULT_CONNECT_TIMEOUT)
        )
        self._client = client
        self._owns_client = client is None

    @property
    def client(self) -> httpx.AsyncClient:
        """The shared HTTP client (created on first use)."""
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        return self._client

    async def send(
        self, sender_id: str, text: str, metadata: Dict[str, Any] | None = None
    ) -> List[Dict[str, Any]]:
        """Send one message to Rasa as ``sender_id`` and return its replies.

        Raises:
            RasaUnavailable: connection refused, timeout, non-2xx status or a body
                that is not a JSON list.
        """
        body: Dict[str, Any] = {"sender": str(sender_id), "message": text}
        if metadata:
            body["metadata"] = metadata
        try:
            response = await self.client.post(self.url, json=body, timeout=self.timeout)
        except httpx.TimeoutException as exc:
            raise RasaUnavailable("Rasa timed out") from exc
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 300:
            raise RasaUnavailable(f"Rasa answered HTTP {response.status_code}")
        try:
            replies = response.json()
        except ValueError as exc:
            raise RasaUnavailable("Rasa answered with invalid JSON") from exc
        if not isinstance(replies, list):
            raise RasaUnavailable("Rasa answered with something other than a list")
        return [r for r in replies if isinstance(r, dict)]

    async def restart(self, sender_id: str) -> None:
        """Reset the conversation of ``sender_id`` (Rasa's ``/restart`` command)."""
        await self.send(sender_id, RESTART_COMMAND)

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None
