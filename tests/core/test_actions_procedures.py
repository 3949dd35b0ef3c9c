"""Procedure, feedback and fallback actions on the real catalogue, no network."""

import json

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionDefaultAskAffirmation
from actions.feedback import ActionRecordUnanswered, ActionSaveFeedback
from actions.procedures import ActionAnswerProcedure
from tests.core.trackers import entity, tracker

DOMAIN = Domain.load("domain.yml").as_dict()
PASSPORT_CODE = "1.001456"


def run(action, trk):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, trk, DOMAIN)
    return dispatcher.messages, events


def slot(events, name):
    values = [
        e["value"] for e in events if e.get("event") == "slot" and e["name"] == name
    ]
    return values[-1] if values else "unset"


@pytest.mark.parametrize(
    "intent,response",
    [
        ("ask_documents", "utter_answer_documents"),
        ("ask_fee", "utter_answer_fee"),
        ("ask_processing_time", "utter_answer_processing_time"),
        ("ask_where_to_submit", "utter_answer_where"),
        ("ask_online_submission", "utter_answer_online"),
        ("ask_legal_basis", "utter_answer_legal_basis"),
        ("ask_procedure", "utter_answer_overview"),
    ],
)
def test_each_question_type_gets_its_answer(intent, response):
    trk = tracker("làm hộ chiếu", intent, [entity("procedure", "hộ chiếu")])
    messages, events = run(ActionAnswerProcedure(), trk)
    names = [m["response"] for m in messages]
    assert names[0] in (response, "utter_topic_missing")
    assert names[-1] == "utter_ask_feedback"
    first = messages[0]
    assert first["procedure_code"] == PASSPORT_CODE
    assert first["url"].startswith("https://dichvucong.gov.vn/")
    assert "Cổng Dịch vụ công" in first["source"]
    assert slot(events, "procedure_code") == PASSPORT_CODE


def test_documents_answer_lists_documents_and_is_chat_sized():
    trk = tracker(
        "đăng ký kết hôn cần gì",
        "ask_documents",
        [entity("procedure", "đăng ký kết hôn")],
    )
    messages, _ = run(ActionAnswerProcedure(), trk)
    details = messages[0]["details"]
    assert messages[0]["response"] == "utter_answer_documents"
    assert "•" in details and len(details) <= 1000


def test_follow_up_uses_procedure_in_slot():
    trk = tracker(
        "còn lệ phí thì sao?", "ask_fee", slots={"procedure_code": PASSPORT_CODE}
    )
    messages, events = run(ActionAnswerProcedure(), trk)
    assert messages[0]["procedure_code"] == PASSPORT_CODE
    assert slot(events, "topic") == "fee"


def test_question_without_procedure_asks_which():
    trk = tracker("lệ phí bao nhiêu vậy", "ask_fee")
    messages, events = run(ActionAnswerProcedure(), trk)
    assert [m["response"] for m in messages] == ["utter_ask_which_procedure"]
    assert slot(events, "topic") == "fee"


def test_unknown_procedure_is_not_found_and_recorded():
    trk = tracker(
        "thủ tục xin giấy phép nuôi rồng",
        "ask_procedure",
        [entity("procedure", "giấy phép nuôi rồng")],
    )
    messages, events = run(ActionAnswerProcedure(), trk)
    assert [m["response"] for m in messages] == ["utter_procedure_not_found"]
    assert "nuôi rồng" in slot(events, "unanswered")


def test_button_payload_answers_chosen_code_with_previous_topic():
    trk = tracker(
        '/choose_procedure{"procedure_code":"1.001193"}',
        "choose_procedure",
        [entity("procedure_code", "1.001193")],
        slots={"topic": "fee"},
    )
    messages, events = run(ActionAnswerProcedure(), trk)
    assert messages[0]["response"] in ("utter_answer_fee", "utter_topic_missing")
    assert slot(events, "procedure_code") == "1.001193"


def test_choice_buttons_carry_codes_when_search_is_unsure(monkeypatch):
    from bot import answering
    from bot.catalogue import load_catalogue

    cat = load_catalogue()
    hits = cat.search("khai sinh", top=3)
    monkeypatch.setattr(
        answering,
        "decide",
        lambda *a, **k: answering.Decision(
            answering.CHOOSE, "documents", candidates=hits
        ),
    )
    messages, _ = run(ActionAnswerProcedure(), tracker("khai sinh", "ask_documents"))
    buttons = messages[0]["buttons"]
    assert messages[0]["response"] == "utter_did_you_mean"
    assert len(buttons) == 3
    for button, hit in zip(buttons, hits):
        assert button["payload"].startswith("/choose_procedure")
        assert json.loads(button["payload"][len("/choose_procedure") :]) == {
            "procedure_code": hit.procedure.code
        }
        assert len(button["title"]) <= 60


def test_catalogue_failure_gives_polite_error(monkeypatch):
    import actions.procedures as module

    def broken():
        raise OSError("disk gone")

    monkeypatch.setattr(module, "load_catalogue", broken)
    messages, events = run(ActionAnswerProcedure(), tracker("hộ chiếu", "ask_fee"))
    assert [m["response"] for m in messages] == ["utter_catalogue_error"]
    assert events == []


@pytest.mark.parametrize(
    "intent,rating",
    [("feedback_positive", "positive"), ("feedback_negative", "negative")],
)
def test_feedback_is_stored_as_slot_event(intent, rating):
    messages, events = run(ActionSaveFeedback(), tracker("ok", intent))
    assert messages[0]["response"] == f"utter_feedback_thanks_{rating}"
    assert events[-1] == SlotSet("feedback", rating)


def test_unanswered_question_is_recorded_but_not_payloads():
    _, events = run(
        ActionRecordUnanswered(), tracker("thời tiết thế nào", "out_of_scope")
    )
    assert events == [SlotSet("unanswered", "thời tiết thế nào")]
    _, events = run(ActionRecordUnanswered(), tracker("/out_of_scope", "out_of_scope"))
    assert events == []


def test_two_stage_fallback_asks_with_vietnamese_label():
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "ask_fee", "confidence": 0.4},
    ]
    messages, _ = run(
        ActionDefaultAskAffirmation(), tracker("phi", "nlu_fallback", ranking=ranking)
    )
    assert messages[0]["response"] == "utter_ask_affirmation"
    assert messages[0]["intent"] == "ask_fee"
    assert messages[0]["intent_label"] == "hỏi về lệ phí"


def test_split_procedure_mention_is_joined():
    entities = [
        {"entity": "procedure", "value": "đăng ký thường trú cho", "start": 13,
         "end": 35},
        {"entity": "procedure", "value": "xóa", "start": 9, "end": 12},
    ]  # fmt: skip
    text = "tôi muốn xóa đăng ký thường trú cho bố tôi đã mất"
    trk = tracker(text, "ask_procedure", entities)
    messages, _ = run(ActionAnswerProcedure(), trk)
    name = messages[0].get("procedure_name", "").lower()
    assert "xóa đăng ký thường trú" in name or (
        messages[0]["response"] == "utter_did_you_mean"
    )
