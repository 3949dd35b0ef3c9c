"""The action-reply validation speed-up keeps Rasa's behaviour."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import bot.nlu.tokenizer  # noqa: F401  (the component every model loads)
from bot import rasa_speedups

VALID = {
    "events": [{"event": "slot", "name": "topic", "value": "fee", "timestamp": None}],
    "responses": [{"response": "utter_answer_fee", "buttons": []}],
}
INVALID = {"events": [{"event": "slot", "name": 3}], "responses": []}


def action() -> RemoteAction:
    return RemoteAction("action_answer_procedure", EndpointConfig("http://x"))


def test_loading_the_model_components_installs_it():
    assert RemoteAction._validate_action_result is rasa_speedups.validate_action_result


@pytest.mark.parametrize("result", [VALID, INVALID, {"events": "x"}, {}])
def test_same_verdict_as_plain_jsonschema(result):
    schema = RemoteAction.action_response_format_spec()
    try:
        jsonschema.validate(result, schema)
        expected = None
    except jsonschema.ValidationError as error:
        expected = error.message
    if expected is None:
        assert action()._validate_action_result(result) is True
    else:
        with pytest.raises(jsonschema.ValidationError) as caught:
            action()._validate_action_result(result)
        assert caught.value.message.startswith(expected)
        assert "Failed to validate Action server response" in caught.value.message


def test_sqlite_tracker_files_run_in_wal_mode(tmp_path):
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{tmp_path}/tracker.db")  # NullPool, like Rasa
    for value in range(3):
        with engine.connect() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS t (x)"))
            connection.execute(text(f"INSERT INTO t VALUES ({value})"))
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 3
    # The keeper connection stops each close from checkpointing the WAL away.
    assert (tmp_path / "tracker.db-wal").exists()


def test_in_memory_sqlite_is_left_alone():
    from sqlalchemy import create_engine, text

    with create_engine("sqlite://").connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "memory"


async def test_sqlite_tracker_store_keeps_one_connection_and_all_turns(tmp_path):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from sqlalchemy.pool import SingletonThreadPool

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    assert isinstance(store.engine.pool, SingletonThreadPool)
    tracker = DialogueStateTracker("citizen", slots=[])
    for turn in range(3):
        tracker.update(UserUttered(f"câu {turn}"))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
    again = await store.retrieve("citizen")
    texts = [e.text for e in again.events if isinstance(e, UserUttered)]
    assert texts == ["câu 0", "câu 1", "câu 2"]
