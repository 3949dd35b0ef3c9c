"""The domain, the rules and the actions agree on names."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RESPONSES = set(DOMAIN["responses"])
CODE = "\n".join(
    p.read_text(encoding="utf-8")
    for p in [*ROOT.glob("actions/*.py"), *ROOT.glob("bot/**/*.py")]
)
DATA = "\n".join(p.read_text(encoding="utf-8") for p in ROOT.glob("nlu_data/**/*.yml"))
DESIGN_INTENTS = {
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "ask_procedure",
    "ask_documents",
    "ask_fee",
    "ask_processing_time",
    "ask_where_to_submit",
    "ask_online_submission",
    "check_dossier_status",
    "inform_dossier_code",
    "request_human",
    "bot_challenge",
    "out_of_scope",
}


def _referenced_in_code():
    names = set(re.findall(r"\"(utter_[a-z0-9_]+)\"", CODE))
    # Responses chosen by pattern: utter_feedback_thanks_{rating},
    # utter_dossier_status_{n}, utter_label_{intent}.
    names |= {
        r
        for r in RESPONSES
        if r.startswith(
            ("utter_feedback_thanks_", "utter_dossier_status_", "utter_label_")
        )
    }
    return names


def test_design_contract_intents_and_entities_exist():
    assert DESIGN_INTENTS <= set(DOMAIN["intents"])
    assert {"procedure", "dossier_code"} <= set(DOMAIN["entities"])


def test_every_response_named_in_code_exists():
    missing = {n for n in re.findall(r"\"(utter_[a-z0-9_]+)\"", CODE)} - RESPONSES
    assert not missing, f"responses used in code but not in domain.yml: {missing}"


def test_every_response_is_used_somewhere():
    used = _referenced_in_code() | set(re.findall(r"(utter_[a-z0-9_]+)", DATA))
    used.add("utter_ask_dossier_code")  # asked by the form itself
    used.add("utter_ask_rephrase")  # asked by Rasa's two-stage fallback
    used.add("utter_default")  # said by Rasa's default fallback action
    unused = RESPONSES - used
    assert not unused, f"responses nobody uses: {unused}"


def test_every_label_response_names_a_real_intent():
    labels = {
        r[len("utter_label_") :] for r in RESPONSES if r.startswith("utter_label_")
    }
    assert labels <= set(DOMAIN["intents"])
    assert {"ask_fee", "check_dossier_status", "request_human"} <= labels


def test_custom_actions_are_declared():
    declared = set(DOMAIN["actions"])
    defined = set(re.findall(r'return "((?:action|validate)_[a-z_]+)"', CODE))
    assert defined == declared


def test_responses_are_vietnamese_with_diacritics():
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            text = variant["text"]
            assert any(ord(c) > 127 for c in text), (
                f"{name} has no diacritics: {text!r}"
            )


def test_lookup_tables_are_generated_from_the_current_overlay():
    from bot.nlu.lookups import main

    assert main(["--check"]) == 0, "run: python -m bot.nlu.lookups"


def test_no_response_has_a_blank_line():
    # Rasa's REST channel splits a text at blank lines into separate messages,
    # which would tear an answer from its source line on Telegram and Zalo.
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            assert "\n\n" not in variant["text"], name
