"""The feedback report reads what Rasa's own SQL tracker store wrote."""

import json

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.cli import main
from bot.feedback.report import build_report, mask_personal

DOMAIN = Domain.load("domain.yml")


def _user(text, intent):
    return UserUttered(text, {"name": intent, "confidence": 0.9})


@pytest.fixture
async def tracker_db(tmp_path):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    conversations = {
        "a": [
            _user("làm hộ chiếu cần gì", "ask_documents"),
            ActionExecuted("action_answer_procedure"),
            SlotSet("procedure_code", "1.001456"),
            _user("hữu ích", "feedback_positive"),
            SlotSet("feedback", "positive"),
        ],
        "b": [
            _user("lệ phí hộ chiếu", "ask_fee"),
            SlotSet("procedure_code", "1.001456"),
            SlotSet("procedure_code", "1.001193"),
            _user("chưa hữu ích", "feedback_negative"),
            SlotSet("feedback", "negative"),
            _user("xyz abc gọi 0912345678", "nlu_fallback"),
        ],
        "c": [
            _user("nuôi rồng cần giấy phép gì", "ask_procedure"),
            SlotSet("unanswered", "nuôi rồng cần giấy phép gì"),
            _user("Nuôi rồng cần giấy phép gì", "ask_procedure"),
            SlotSet("unanswered", "Nuôi rồng cần giấy phép gì"),
            SlotSet("feedback", "positive"),
        ],
    }
    for sender, events in conversations.items():
        await store.save(DialogueStateTracker.from_events(sender, events, DOMAIN.slots))
    return f"sqlite:///{path}"


def test_report_counts_procedures_ratings_and_unanswered(tracker_db):
    report = build_report(tracker_db, days=30, top=5)
    assert report["conversations"] == 3
    assert report["top_procedures"][0]["code"] == "1.001456"
    assert report["top_procedures"][0]["count"] == 2
    assert "hộ chiếu" in report["top_procedures"][0]["name"]
    assert report["ratings"] == {"useful": 2, "not_useful": 1, "satisfaction": 0.667}
    texts = {item["text"]: item["count"] for item in report["unanswered"]}
    assert texts["nuôi rồng cần giấy phép gì"] == 2  # same question, any case
    assert any("xyz abc" in t for t in texts)


def test_report_masks_phone_numbers(tracker_db):
    report = build_report(tracker_db)
    dumped = json.dumps(report, ensure_ascii=False)
    assert "0912345678" not in dumped
    assert mask_personal("sđt 0912 345 678 nhé") == "sđt •••••••• nhé"


def test_report_on_an_empty_store(tmp_path):
    report = build_report(f"sqlite:///{tmp_path / 'none.db'}")
    assert report["conversations"] == 0 and report["ratings"]["satisfaction"] is None


def test_report_cli_json(tracker_db, capsys):
    assert main(["report", "--db", tracker_db, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ratings"]["useful"] == 2
    assert main(["report", "--db", tracker_db]) == 0
    assert "Satisfaction: 67%" in capsys.readouterr().out
