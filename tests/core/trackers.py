"""Build rasa-sdk trackers for action tests."""

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker


def tracker(
    text: str = "",
    intent: Optional[str] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    slots: Optional[Dict[str, Any]] = None,
    ranking: Optional[List[Dict[str, Any]]] = None,
    sender: str = "test-user",
    active_loop: Optional[str] = None,
) -> Tracker:
    """A tracker whose latest message is ``text`` classified as ``intent``."""
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9} if intent else {},
        "entities": entities or [],
        "intent_ranking": ranking or [],
    }
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": slots or {},
            "latest_message": message,
            "events": [{"event": "user", "text": text, "parse_data": message}],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )


def entity(name: str, value: str) -> Dict[str, Any]:
    """An entity as NLU would give it."""
    return {"entity": name, "value": value, "start": 0, "end": len(value)}
