"""Answer procedure questions from the catalogue."""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import answering
from bot.catalogue import load_catalogue
from bot.catalogue.answers import answer_vars
from bot.text import truncate

logger = logging.getLogger(__name__)

BUTTON_TITLE_LIMIT = 60


def _entity(tracker: Tracker, name: str):
    return next(tracker.get_latest_entity_values(name), None)


def _mention(tracker: Tracker):
    """All ``procedure`` spans of the message, in order: NLU may split one name."""
    entities = [
        e
        for e in (tracker.latest_message or {}).get("entities") or []
        if e.get("entity") == "procedure" and e.get("value")
    ]
    entities.sort(key=lambda e: e.get("start") or 0)
    return " ".join(str(e["value"]) for e in entities) or None


def choice_buttons(candidates) -> List[Dict[str, str]]:
    """One button per candidate procedure; the payload carries its code."""
    return [
        {
            "title": truncate(
                hit.procedure.short_name or hit.procedure.name, BUTTON_TITLE_LIMIT
            ),
            "payload": "/choose_procedure"
            + json.dumps({"procedure_code": hit.procedure.code}, ensure_ascii=False),
        }
        for hit in candidates
    ]


class ActionAnswerProcedure(Action):
    """Documents, fee, time, place, online filing, legal basis or an overview."""

    def name(self) -> str:
        return "action_answer_procedure"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        text = message.get("text") or ""
        try:
            decision = answering.decide(
                load_catalogue(),
                intent=intent,
                text="" if text.startswith("/") else text,
                mention=_mention(tracker),
                chosen_code=_entity(tracker, "procedure_code"),
                current_code=tracker.get_slot("procedure_code"),
                previous_topic=tracker.get_slot("topic"),
            )
        except Exception:  # a broken catalogue must not silence the bot
            logger.exception("catalogue lookup failed")
            dispatcher.utter_message(response="utter_catalogue_error")
            return []

        events: List[Dict[str, Any]] = [SlotSet("topic", decision.topic)]
        if decision.kind == answering.ANSWER:
            proc = decision.procedure
            values = answer_vars(proc, decision.topic)
            if values.get("missing"):
                dispatcher.utter_message(response="utter_topic_missing", **values)
            else:
                response = answering.RESPONSE_BY_TOPIC[decision.topic]
                dispatcher.utter_message(response=response, **values)
            dispatcher.utter_message(response="utter_ask_feedback")
            events.append(SlotSet("procedure_code", proc.code))
        elif decision.kind == answering.CHOOSE:
            dispatcher.utter_message(
                response="utter_did_you_mean",
                buttons=choice_buttons(decision.candidates),
            )
        elif decision.kind == answering.NOT_FOUND:
            dispatcher.utter_message(response="utter_procedure_not_found")
            events.append(SlotSet("unanswered", truncate(text, 500)))
        else:
            dispatcher.utter_message(response="utter_ask_which_procedure")
            events.append(SlotSet("procedure_code", None))
        return events
