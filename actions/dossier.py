"""Dossier status: a form asks for the code, then a one-stop system lookup."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.dossier import lookup
from bot.dossier.client import (
    DossierClient,
    DossierError,
    DossierNotFound,
    InvalidDossierCode,
    VerificationFailed,
)
from bot.dossier.codes import extract_code, is_valid_code
from bot.dossier.verification import extract_verification
from bot.settings import Settings

logger = logging.getLogger(__name__)

MAX_CODE_ATTEMPTS = 3
_client: Optional[DossierClient] = None


def get_client() -> DossierClient:
    """The shared client, built on first use (cheap import, no I/O at start)."""
    global _client
    if _client is None:
        _client = DossierClient.from_settings(Settings.from_env())
    return _client


async def _lookup(code: str, verify: Optional[str]):
    """The blocking HTTP call, off the action server's event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        None, functools.partial(get_client().get, code, verify=verify)
    )


class ValidateDossierForm(FormValidationAction):
    """Accept a code in any reasonable writing; re-ask with an example, then give up."""

    def name(self) -> str:
        return "validate_dossier_form"

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> List[str]:
        if (tracker.get_slot("dossier_attempts") or 0) >= MAX_CODE_ATTEMPTS:
            return []  # ends the form; action_check_dossier offers the hotline
        return domain_slots

    def validate_dossier_code(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> Dict[str, Any]:
        code = extract_code(str(slot_value or "")) or extract_code(
            tracker.latest_message.get("text")
        )
        if code and is_valid_code(code):
            return {"dossier_code": code, "dossier_attempts": 0}
        attempts = (tracker.get_slot("dossier_attempts") or 0) + 1
        if attempts < MAX_CODE_ATTEMPTS:
            dispatcher.utter_message(response="utter_invalid_dossier_code")
        return {"dossier_code": None, "dossier_attempts": attempts}


class ActionCheckDossier(Action):
    """Look the dossier up and explain its status and the next step."""

    def name(self) -> str:
        return "action_check_dossier"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        code = tracker.get_slot("dossier_code")
        reset = [SlotSet("dossier_code", None), SlotSet("dossier_attempts", 0)]
        if not code:
            dispatcher.utter_message(response="utter_dossier_code_give_up")
            return reset

        now = time.time()
        allowed, retry_after, kept = lookup.check_rate_limit(
            tracker.get_slot("dossier_lookups") or [], now
        )
        if not allowed:
            minutes = max(1, -(-retry_after // 60))
            dispatcher.utter_message(
                response="utter_dossier_rate_limited", retry_minutes=minutes
            )
            return [*reset, SlotSet("dossier_lookups", kept)]
        kept = [*kept, now]
        events = [*reset, SlotSet("dossier_lookups", kept)]

        verify = extract_verification(tracker.latest_message.get("text"))
        try:
            dossier = await _lookup(code, verify)
        except VerificationFailed:
            # The status is not personal data: answer it without the owner's name.
            dispatcher.utter_message(response="utter_dossier_verification_failed")
            try:
                dossier = await _lookup(code, None)
            except DossierError as exc:
                return events + self._explain_error(dispatcher, exc, code)
        except DossierError as exc:
            return events + self._explain_error(dispatcher, exc, code)

        values = lookup.status_vars(dossier)
        dispatcher.utter_message(response=lookup.status_response(dossier), **values)
        if values.get("note"):
            dispatcher.utter_message(response="utter_dossier_note", **values)
        if values.get("overdue"):
            dispatcher.utter_message(response="utter_dossier_overdue", **values)
        if dossier.owner:
            dispatcher.utter_message(
                response="utter_dossier_owner", owner_name=dossier.owner.get("name", "")
            )
        return events

    @staticmethod
    def _explain_error(
        dispatcher: CollectingDispatcher, exc: DossierError, code: str
    ) -> List[Dict[str, Any]]:
        if isinstance(exc, (DossierNotFound, InvalidDossierCode)):
            dispatcher.utter_message(
                response="utter_dossier_not_found", dossier_code=code
            )
        else:
            # Only the exception class: messages may echo request data.
            logger.warning("dossier lookup failed: %s", type(exc).__name__)
            dispatcher.utter_message(response="utter_dossier_unavailable")
        return []
