"""Rasa's REST channel, hardened for citizens.

Same URL and JSON as Rasa's own (``POST /webhooks/rest/webhook`` with
``{"sender": ..., "message": ...}``), plus:

* malformed requests get a 400 with a JSON error, never a 500 or a trace;
* an enormous message is cut before NLU instead of tying up the server;
* when processing yields no reply at all (the action server is down, an action
  crashed), the citizen gets a polite apology with the hotline, not silence.

Configured in credentials.yml as ``bot.channels.rest_input.CitizenRestInput``.
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_speedups  # noqa: F401  (patches the Rasa server it loads in)
from bot.channels import admission
from bot.channels.messages import message as channel_message

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
# Commands that legitimately produce no reply.
SILENT_COMMANDS = ("/restart", "/session_start")


def _bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": "bad_request", "message": reason}, status=400)


def parse_request(body: Any) -> Dict[str, Any]:
    """Validate a webhook body; raises ValueError with a reason for the client."""
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    sender, text = body.get("sender"), body.get("message")
    if not isinstance(sender, (str, int)) or not str(sender).strip():
        raise ValueError("'sender' must be a non-empty string")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise ValueError("'message' must be a string")
    metadata = body.get("metadata")
    return {
        "sender": str(sender)[:MAX_SENDER_CHARS],
        "text": text[:MAX_MESSAGE_CHARS],
        "metadata": metadata if isinstance(metadata, dict) else None,
        "input_channel": body.get("input_channel")
        if isinstance(body.get("input_channel"), str)
        else None,
    }


class CitizenRestInput(RestInput):
    """REST channel that always answers: a reply, a 400, or an apology."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Routes ``GET /`` (health) and ``POST /webhook``."""
        hook = Blueprint("citizen_rest_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                fields = parse_request(request.json)
            except ValueError as exc:
                return _bad_request(str(exc))
            except Exception:  # Sanic raises on bodies that are not JSON
                return _bad_request("body must be JSON")
            collector = CollectingOutputChannel()
            try:
                async with admission.shared().turn():
                    await on_new_message(
                        UserMessage(
                            fields["text"],
                            collector,
                            fields["sender"],
                            input_channel=fields["input_channel"] or self.name(),
                            metadata=fields["metadata"],
                        )
                    )
            except CancelledError:
                logger.error("message processing timed out")
            except Exception as exc:
                # No message text here: it may hold personal data.
                logger.error("message processing failed: %s", type(exc).__name__)
            messages = collector.messages
            if not messages and not fields["text"].strip().startswith(SILENT_COMMANDS):
                messages = [
                    {
                        "recipient_id": fields["sender"],
                        "text": channel_message("rasa_unavailable"),
                    }
                ]
            return response.json(messages)

        return hook
