"""Two-stage fallback with Vietnamese labels instead of intent names."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

FALLBACK_INTENT = "nlu_fallback"


class ActionDefaultAskAffirmation(Action):
    """Ask "Có phải bạn muốn …?" for the most likely intent."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        candidates = [
            r.get("name") for r in ranking if r.get("name") != FALLBACK_INTENT
        ]
        responses = domain.get("responses", {})
        for intent in candidates:
            label = responses.get(f"utter_label_{intent}")
            if label:
                dispatcher.utter_message(
                    response="utter_ask_affirmation",
                    intent=intent,
                    intent_label=label[0].get("text", intent),
                )
                return []
        dispatcher.utter_message(response="utter_ask_affirmation_generic")
        return []
