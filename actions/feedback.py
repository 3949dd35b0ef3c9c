"""Ratings and unanswered questions, kept as slot events in the tracker store.

``citizen-bot report`` reads them back from the tracker store.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.text import truncate

POSITIVE, NEGATIVE = "positive", "negative"


class ActionSaveFeedback(Action):
    """Store the citizen's rating of the last answer."""

    def name(self) -> str:
        return "action_save_feedback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        rating = POSITIVE if intent == "feedback_positive" else NEGATIVE
        dispatcher.utter_message(response=f"utter_feedback_thanks_{rating}")
        # Set to None first so two equal ratings in a row are two events.
        return [SlotSet("feedback", None), SlotSet("feedback", rating)]


class ActionRecordUnanswered(Action):
    """Remember a question the bot could not answer, for the staff report."""

    def name(self) -> str:
        return "action_record_unanswered"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        if not text or text.startswith("/"):
            return []
        return [SlotSet("unanswered", truncate(text, 500))]
