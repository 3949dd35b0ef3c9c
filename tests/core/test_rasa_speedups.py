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
