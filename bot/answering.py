"""Decide what a procedure question is about: which procedure, which topic.

NLU gives the question type (intent) and maybe a procedure mention; the
conversation remembers the last procedure. This module turns those into one
decision the action renders, so the rules stay testable without Rasa.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

TOPIC_BY_INTENT = {
    "ask_procedure": "overview",
    "ask_documents": "documents",
    "ask_fee": "fee",
    "ask_processing_time": "processing_time",
    "ask_where_to_submit": "where",
    "ask_online_submission": "online",
    "ask_legal_basis": "legal_basis",
}
RESPONSE_BY_TOPIC = {
    "overview": "utter_answer_overview",
    "documents": "utter_answer_documents",
    "fee": "utter_answer_fee",
    "processing_time": "utter_answer_processing_time",
    "where": "utter_answer_where",
    "online": "utter_answer_online",
    "legal_basis": "utter_answer_legal_basis",
}
CHOOSE_INTENT = "choose_procedure"
MAX_CHOICES = 3
# Without an NLU mention, the whole message may still name a new procedure
# ("thế còn làm hộ chiếu?"), but a follow-up's question words can weakly match
# some procedure; only a strong match replaces the one under discussion.
SWITCH_SCORE = 0.8

ANSWER, CHOOSE, NOT_FOUND, ASK_WHICH = "answer", "choose", "not_found", "ask_which"


@dataclass
class Decision:
    """What to say: an answer, a choice between candidates, or a question back."""

    kind: str
    topic: str
    procedure: Optional[object] = None
    candidates: List[object] = field(default_factory=list)


def topic_for(
    intent: Optional[str], previous_topic: Optional[str], has_procedure: bool
) -> str:
    """Question type of this turn.

    A button choice or a bare procedure name after "which procedure?" keeps the
    topic the citizen asked about before.
    """
    if intent == CHOOSE_INTENT or (intent == "ask_procedure" and not has_procedure):
        return previous_topic or "overview"
    return TOPIC_BY_INTENT.get(intent or "", previous_topic or "overview")


def decide(
    catalogue,
    intent: Optional[str],
    text: str,
    mention: Optional[str] = None,
    chosen_code: Optional[str] = None,
    current_code: Optional[str] = None,
    previous_topic: Optional[str] = None,
) -> Decision:
    """Resolve the procedure of a question against the catalogue.

    Order: a button's code; the whole message; the NLU mention; the procedure
    already under discussion. Never answers a procedure the search is unsure
    of.
    """
    current = catalogue.get(current_code) if current_code else None
    topic = topic_for(intent, previous_topic, current is not None)

    if chosen_code:
        chosen = catalogue.get(chosen_code)
        if chosen is not None:
            return Decision(ANSWER, topic, procedure=chosen)

    # The whole message first: it tells apart what the NLU mention alone
    # cannot ("thẻ bhyt" in "mất thẻ bhyt" is "cấp lại"; "giấy khai sinh" in
    # "mất giấy khai sinh, sổ gốc ở xã cũng không còn" is "đăng ký lại khai
    # sinh"), and the search drops the question words itself.
    queries = [q for q in dict.fromkeys((text, mention)) if q and q.strip()]
    for query in queries:
        resolution = catalogue.resolve(query)
        if resolution.status == "confident":
            top_score = resolution.candidates[0].score if resolution.candidates else 1.0
            if mention or current is None or top_score >= SWITCH_SCORE:
                return Decision(ANSWER, topic, procedure=resolution.best)
            continue
        if resolution.status == "ambiguous" and (mention or current is None):
            # A follow-up like "còn lệ phí?" should not turn into a menu when we
            # already know the procedure; an explicit mention should.
            if current is not None and any(
                c.procedure.code == current.code for c in resolution.candidates
            ):
                return Decision(ANSWER, topic, procedure=current)
            if mention and query != mention:
                # The mention alone points, with confidence, at the message's
                # first choice: two readings agree, no menu needed.
                named = catalogue.resolve(mention)
                first = (
                    resolution.candidates[0].procedure
                    if resolution.candidates
                    else None
                )
                if (
                    named.status == "confident"
                    and first
                    and named.best.code == first.code
                ):
                    return Decision(ANSWER, topic, procedure=named.best)
            return Decision(
                CHOOSE, topic, candidates=resolution.candidates[:MAX_CHOICES]
            )
        if mention:
            # The citizen named something; if that name is unknown, say so rather
            # than falling back to an older procedure.
            continue
    if current is not None and not mention:
        return Decision(ANSWER, topic, procedure=current)
    if mention or intent == "ask_procedure":
        return Decision(NOT_FOUND, topic)
    return Decision(ASK_WHICH, topic)
