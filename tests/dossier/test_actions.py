"""The dossier form and lookup actions against the reference service on loopback."""

from __future__ import annotations

import logging
import time

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk.executor import CollectingDispatcher

import actions.dossier as dossier_actions
from actions.dossier import MAX_CODE_ATTEMPTS, ActionCheckDossier, ValidateDossierForm
from bot.dossier.client import DossierClient
from bot.dossier.service.demo import _DEMO
from tests.core.trackers import tracker
from tests.dossier.servers import StandIn

DOMAIN = Domain.load("domain.yml").as_dict()
DEMO_BY_STATUS = {item["status"]: item for item in _DEMO if "0011" not in item["code"]}
OVERDUE = next(item for item in _DEMO if item["code"].endswith("0011"))


@pytest.fixture
def use_client(monkeypatch):
    """Point the actions' shared client at a given URL."""

    def point(url: str, **kwargs) -> DossierClient:
        client = DossierClient(url, **kwargs)
        monkeypatch.setattr(dossier_actions, "_client", client)
        return client

    return point


async def check(code, text=None, lookups=None):
    dispatcher = CollectingDispatcher()
    trk = tracker(
        text or code or "",
        "inform_dossier_code",
        slots={"dossier_code": code, "dossier_lookups": lookups or []},
    )
    events = await ActionCheckDossier().run(dispatcher, trk, DOMAIN)
    return [m["response"] for m in dispatcher.messages], dispatcher.messages, events


def validate(text, attempts=0):
    dispatcher = CollectingDispatcher()
    trk = tracker(
        text,
        "inform_dossier_code",
        slots={"dossier_attempts": attempts},
        active_loop="dossier_form",
    )
    result = ValidateDossierForm().validate_dossier_code(text, dispatcher, trk, DOMAIN)
    return result, [m["response"] for m in dispatcher.messages]


@pytest.mark.parametrize(
    "text",
    [
        "000.00.06.H26-261103-0001",
        "ma ho so 000.00.06.h26 - 261103 - 0001 nhe",
        "Giấy tiếp nhận: Mã hồ sơ: 000.00.06.H26–261103–0001. Ngày hẹn trả ...",
    ],
)
def test_form_accepts_codes_in_any_reasonable_writing(text):
    result, said = validate(text)
    code = "000.00.06.H26-261103-0001"
    assert result == {"dossier_code": code, "dossier_attempts": 0}
    assert said == []


def test_form_reasks_with_example_then_gives_up():
    result, said = validate("12345")
    assert result == {"dossier_code": None, "dossier_attempts": 1}
    assert said == ["utter_invalid_dossier_code"]
    result, said = validate("000.00.06.H26-261399-0001", attempts=1)  # no 99th of Dec
    assert result["dossier_code"] is None and said == ["utter_invalid_dossier_code"]
    result, said = validate("abc", attempts=MAX_CODE_ATTEMPTS - 1)
    assert result["dossier_attempts"] == MAX_CODE_ATTEMPTS and said == []


async def test_form_stops_asking_after_the_limit():
    trk = tracker("abc", slots={"dossier_attempts": MAX_CODE_ATTEMPTS})
    slots = await ValidateDossierForm().required_slots(
        ["dossier_code"], CollectingDispatcher(), trk, DOMAIN
    )
    assert slots == []


async def test_no_valid_code_offers_the_hotline():
    said, _, events = await check(None)
    assert said == ["utter_dossier_code_give_up"]
    reset = {"event": "slot", "name": "dossier_attempts", "value": 0, "timestamp": None}
    assert reset in events


@pytest.mark.parametrize("status", range(1, 11))
async def test_every_status_gets_its_explanation(service, use_client, status):
    use_client(service.url)
    item = DEMO_BY_STATUS[status]
    said, messages, events = await check(item["code"])
    assert said[0] == f"utter_dossier_status_{status}"
    if status in (3, 8):  # the agency's reason is passed on
        assert said[1] == "utter_dossier_note" and messages[1]["note"]
    assert messages[0]["code"] == item["code"]
    assert messages[0]["procedure_name"]
    assert "utter_dossier_owner" not in said  # no verification given
    if status == 5:
        assert messages[0]["missing_documents"].startswith("• ")
    if status == 6:
        assert "đồng" in messages[0]["fee_due"]
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["dossier_code"] is None and len(slots["dossier_lookups"]) == 1


async def test_overdue_dossier_says_so_with_hotline(service, use_client):
    use_client(service.url)
    said, messages, _ = await check(OVERDUE["code"])
    assert said == ["utter_dossier_status_4", "utter_dossier_overdue"]
    assert messages[1]["days_overdue"] > 0 and messages[1]["due_date"]


async def test_owner_shown_only_with_right_verification(service, use_client):
    use_client(service.url)
    item = DEMO_BY_STATUS[2]
    text = f"{item['code']} 4 số cuối sđt {item['owner'][1][-4:]}"
    said, messages, _ = await check(item["code"], text=text)
    assert said == ["utter_dossier_status_2", "utter_dossier_owner"]
    assert messages[1]["owner_name"] != item["owner"][0]  # masked
    assert messages[1]["owner_name"].split()[0] == item["owner"][0].split()[0]

    said, messages, _ = await check(item["code"], text=f"{item['code']} sdt 9999")
    assert said == ["utter_dossier_verification_failed", "utter_dossier_status_2"]
    assert all(item["owner"][0] not in str(m) for m in messages)


async def test_unknown_code_is_not_found(service, use_client):
    use_client(service.url)
    said, messages, _ = await check("000.00.06.H26-250101-9999")
    assert said == ["utter_dossier_not_found"]
    assert messages[0]["dossier_code"] == "000.00.06.H26-250101-9999"


async def test_rate_limit_per_conversation(service, use_client):
    use_client(service.url)
    now = time.time()
    said, messages, _ = await check(
        DEMO_BY_STATUS[4]["code"], lookups=[now - 60 * i for i in range(5)]
    )
    assert said == ["utter_dossier_rate_limited"]
    assert 1 <= messages[0]["retry_minutes"] <= 10
    old = [now - 3600] * 5  # an hour ago: outside the window
    said, _, _ = await check(DEMO_BY_STATUS[4]["code"], lookups=old)
    assert said == ["utter_dossier_status_4"]


async def test_backend_down_apologises_quickly(use_client):
    from tests.dossier.servers import free_port

    use_client(f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    said, _, _ = await check(DEMO_BY_STATUS[4]["code"])
    assert said == ["utter_dossier_unavailable"]
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("mode", ["slow", "garbage", "error"])
async def test_backend_faults_apologise_within_five_seconds(use_client, mode):
    def respond(stand_in, handler):
        if mode == "slow":
            stand_in.stop_event.wait(8)
            return 200, b"{}", {"Content-Type": "application/json"}
        if mode == "garbage":
            return 200, b"<html>oops</html>", {"Content-Type": "text/html"}
        return 500, b'{"error": "internal_error"}', {"Content-Type": "application/json"}

    with StandIn(respond) as stand_in:
        use_client(stand_in.url)
        started = time.monotonic()
        said, _, _ = await check(DEMO_BY_STATUS[4]["code"])
        elapsed = time.monotonic() - started
    assert said == ["utter_dossier_unavailable"]
    assert elapsed < 5


async def test_logs_hold_no_personal_data(service, use_client, caplog):
    use_client(service.url)
    caplog.set_level(logging.DEBUG)
    for item in _DEMO:
        phone = item["owner"][1]
        await check(item["code"], text=f"{item['code']} 4 so cuoi sdt {phone[-4:]}")
    logged = caplog.text
    for item in _DEMO:
        name, phone, id_number, address = item["owner"]
        for secret in (name, phone, id_number, address):
            assert secret not in logged
