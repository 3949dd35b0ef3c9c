"""The client: answers, faults and the time budget, against loopback servers."""

from __future__ import annotations

import json
import time
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import responses

from bot.dossier.client import (
    DEFAULT_TOTAL_TIMEOUT,
    Dossier,
    DossierBadResponse,
    DossierClient,
    DossierError,
    DossierNotFound,
    DossierUnavailable,
    InvalidDossierCode,
    VerificationFailed,
)
from tests.dossier.conftest import Service
from tests.dossier.servers import StandIn, free_port, json_body

CODE = "000.00.21.H26-261009-0011"
BUDGET = 5.0  # a citizen gets an answer, or an apology, within 5 s

GOOD_BODY = {
    "code": CODE,
    "status": 4,
    "status_label": "Đang xử lý",
    "procedure_code": "3.000333",
    "procedure_name": "Cấp Phiếu Lý lịch tư pháp",
    "agency": "Công an thành phố Hà Nội",
    "received_at": "2026-10-09",
    "due_at": "2026-11-24",
    "finished_at": None,
    "missing_documents": [],
    "fee_due": None,
    "fee_amount": None,
    "note": None,
    "overdue": True,
    "days_overdue": 3,
    "updated_at": "2026-11-26T17:00:00Z",
}


def test_exception_tree() -> None:
    for exc in (
        DossierNotFound,
        InvalidDossierCode,
        VerificationFailed,
        DossierUnavailable,
        DossierBadResponse,
    ):
        assert issubclass(exc, DossierError)
        assert exc.__doc__ and "\n" not in exc.__doc__.strip()


def test_get_a_dossier(client: DossierClient) -> None:
    dossier = client.get("000.00.21.h26 - 261009 - 0011")
    assert dossier.code == CODE
    assert dossier.status == 4 and dossier.status_label == "Đang xử lý"
    assert dossier.received_at == date(2026, 10, 9)
    assert isinstance(dossier.due_at, date) and dossier.finished_at is None
    assert dossier.overdue is True and dossier.days_overdue == 3
    assert isinstance(dossier.updated_at, datetime) and dossier.updated_at.tzinfo
    assert dossier.owner is None


@pytest.mark.parametrize("status", range(1, 11))
def test_every_status_through_the_client(client: DossierClient, status: int) -> None:
    from tests.dossier.test_service import DEMO_EXPECTED

    code = next(c for c, (s, overdue, _) in DEMO_EXPECTED.items() if s == status)
    dossier = client.get(code)
    assert dossier.status == status
    if status == 5:
        assert len(dossier.missing_documents) == 2
    if status == 6:
        assert dossier.fee_amount == 1250000 and dossier.fee_due
    if status in (9, 10):
        assert isinstance(dossier.finished_at, date)


def test_right_verification_gives_the_masked_owner(client: DossierClient) -> None:
    dossier = client.get("000.00.41.H26-260915-0012", verify="1212")
    assert dossier.owner == {"name": "Lý T*** Q***"}
    assert "owner" not in repr(dossier)


def test_wrong_verification(client: DossierClient) -> None:
    with pytest.raises(VerificationFailed) as info:
        client.get("000.00.06.H26-261104-0002", verify="0000")
    assert not info.value.locked


def test_locked_verification(service: Service, client: DossierClient) -> None:
    from tests.dossier.test_service import new_dossier

    code = new_dossier(service)["code"]
    for _ in range(5):
        with pytest.raises(VerificationFailed):
            client.get(code, verify="4321")
    with pytest.raises(VerificationFailed) as info:
        client.get(code, verify="0987")
    assert info.value.locked and 0 < info.value.retry_after <= 900


def test_malformed_verification_is_refused_without_a_request() -> None:
    with StandIn(lambda s, h: (200, json_body(GOOD_BODY), {})) as stand_in:
        with pytest.raises(VerificationFailed):
            DossierClient(stand_in.url).get(CODE, verify="12a4")
        assert stand_in.requests == []


def test_not_found(client: DossierClient) -> None:
    with pytest.raises(DossierNotFound):
        client.get("000.00.06.H26-200101-0001")


@pytest.mark.parametrize("code", ["", "hello", "000.00.06.H26-231399-0001"])
def test_malformed_code_is_refused_without_a_request(code: str) -> None:
    with StandIn(lambda s, h: (200, json_body(GOOD_BODY), {})) as stand_in:
        with pytest.raises(InvalidDossierCode):
            DossierClient(stand_in.url).get(code)
        assert stand_in.requests == []


def test_health(service: Service) -> None:
    assert DossierClient(service.url).health() is True
    assert DossierClient(f"http://127.0.0.1:{free_port()}").health() is False


def test_from_settings_uses_the_configuration() -> None:
    settings = SimpleNamespace(
        dossier_api_url="http://127.0.0.1:5999",
        dossier_api_key="k",
        dossier_timeout=1.5,
    )
    client = DossierClient.from_settings(settings)
    assert (client.base_url, client.api_key, client.timeout) == (
        "http://127.0.0.1:5999",
        "k",
        1.5,
    )


def test_headers_sent(service: Service) -> None:
    with StandIn(lambda s, h: (200, json_body(GOOD_BODY), {})) as stand_in:
        DossierClient(stand_in.url, api_key="secret-key").get(CODE, verify="1 2 3 4")
        request = stand_in.requests[0]
    assert request["path"] == f"/api/v1/dossiers/{CODE}"  # digits not in the URL
    assert request["headers"]["X-Dossier-Verify"] == "1234"
    assert request["headers"]["X-API-Key"] == "secret-key"


def test_owner_is_dropped_unless_verified() -> None:
    body = {**GOOD_BODY, "owner": {"name": "Nguyễn V*** A***"}}
    with StandIn(lambda s, h: (200, json_body(body), {})) as stand_in:
        assert DossierClient(stand_in.url).get(CODE).owner is None


# --- faults, each within the time budget, with the default timeouts -------------


def test_server_down() -> None:
    client = DossierClient(f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    with pytest.raises(DossierUnavailable) as info:
        client.get(CODE)
    elapsed = time.monotonic() - started
    assert info.value.reason == "cannot connect"
    assert 0.6 <= elapsed < 2.0  # three refused connections, 0.2 + 0.4 s of backoff


def test_slow_server_times_out_within_the_budget() -> None:
    def slow(stand_in: StandIn, handler: Any) -> Any:
        stand_in.stop_event.wait(10)
        return 200, json_body(GOOD_BODY), {}

    with StandIn(slow) as stand_in:
        client = DossierClient(stand_in.url)
        started = time.monotonic()
        with pytest.raises(DossierUnavailable) as info:
            client.get(CODE)
        elapsed = time.monotonic() - started
        attempts = len(stand_in.requests)
    assert info.value.reason == "timed out"
    assert 3.0 <= elapsed <= DEFAULT_TOTAL_TIMEOUT + 0.3 < BUDGET
    assert attempts == 2  # 3 s, then what is left of the budget


def test_garbage_body() -> None:
    garbage = b"<html><body>Bad gateway page</body></html>"
    with StandIn(lambda s, h: (200, garbage, {})) as stand_in:
        with pytest.raises(DossierBadResponse):
            DossierClient(stand_in.url).get(CODE)
        assert len(stand_in.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        [],
        {**GOOD_BODY, "status": 11},
        {**GOOD_BODY, "status": "4"},
        {**GOOD_BODY, "due_at": "24/11/2026"},
        {**GOOD_BODY, "missing_documents": "none"},
        {**GOOD_BODY, "overdue": "yes"},
        {k: v for k, v in GOOD_BODY.items() if k != "procedure_name"},
        {**GOOD_BODY, "code": "000.00.21.H26-261009-0012"},  # another dossier
    ],
)
def test_schema_violations(body: Any) -> None:
    with StandIn(lambda s, h: (200, json_body(body), {})) as stand_in:
        with pytest.raises(DossierBadResponse):
            DossierClient(stand_in.url).get(CODE)


def test_huge_body() -> None:
    huge = json_body({**GOOD_BODY, "note": "x" * 400_000})
    with StandIn(lambda s, h: (200, huge, {})) as stand_in:
        with pytest.raises(DossierBadResponse):
            DossierClient(stand_in.url).get(CODE)


def test_500_is_unavailable_and_not_retried() -> None:
    with StandIn(lambda s, h: (500, b"Internal Server Error", {})) as stand_in:
        started = time.monotonic()
        with pytest.raises(DossierUnavailable):
            DossierClient(stand_in.url).get(CODE)
        assert time.monotonic() - started < 1.0
        assert len(stand_in.requests) == 1


def test_503_is_retried_then_succeeds() -> None:
    def flaky(stand_in: StandIn, handler: Any) -> Any:
        if len(stand_in.requests) < 3:
            return 503, json_body({"error": "database_unavailable", "message": "x"}), {}
        return 200, json_body(GOOD_BODY), {}

    with StandIn(flaky) as stand_in:
        dossier = DossierClient(stand_in.url).get(CODE)
        assert len(stand_in.requests) == 3
    assert dossier.code == CODE


def test_503_forever_gives_up_after_the_retries() -> None:
    with StandIn(lambda s, h: (503, b"", {})) as stand_in:
        started = time.monotonic()
        with pytest.raises(DossierUnavailable):
            DossierClient(stand_in.url).get(CODE)
        assert time.monotonic() - started < 1.5
        assert len(stand_in.requests) == 3


def test_wrong_base_url_is_unavailable_not_not_found(service: Service) -> None:
    with pytest.raises(DossierUnavailable):
        DossierClient(service.url + "/wrong").get(CODE)


# --- answer mapping, with the HTTP layer mocked -----------------------------------

BASE = "http://dossiers.test"
URL = f"{BASE}/api/v1/dossiers/{CODE}"


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "headers", "exc"),
    [
        (400, {"error": "invalid_code", "message": "x"}, {}, InvalidDossierCode),
        (404, {"error": "not_found", "message": "x"}, {}, DossierNotFound),
        (403, {"error": "verification_failed", "message": "x"}, {}, VerificationFailed),
        (
            429,
            {"error": "too_many_attempts", "message": "x"},
            {"Retry-After": "42"},
            VerificationFailed,
        ),
        (401, {"error": "unauthorized", "message": "x"}, {}, DossierUnavailable),
        (403, {"error": "forbidden", "message": "x"}, {}, DossierUnavailable),
        (404, None, {}, DossierUnavailable),
        (429, None, {}, DossierUnavailable),  # no verification: a throttling gateway
        (418, {"error": "teapot", "message": "x"}, {}, DossierBadResponse),
        (504, None, {}, DossierUnavailable),
    ],
)
def test_status_mapping(status: int, body: Any, headers: dict, exc: type) -> None:
    responses.add(
        responses.GET,
        URL,
        status=status,
        body=json.dumps(body) if body is not None else "<html>error</html>",
        headers=headers,
    )
    verify = "1234" if body and body["error"] == "too_many_attempts" else None
    with pytest.raises(exc) as info:
        DossierClient(BASE, backoff=0).get(CODE, verify=verify)
    if verify:
        assert info.value.retry_after == 42


@responses.activate
def test_connection_error_is_retried_then_unavailable() -> None:
    responses.add(responses.GET, URL, body=requests.ConnectionError("refused"))
    with pytest.raises(DossierUnavailable):
        DossierClient(BASE, retries=2, backoff=0).get(CODE)
    assert len(responses.calls) == 3


def test_dossier_to_dict_is_json_ready() -> None:
    dossier = Dossier.from_json(GOOD_BODY)
    data = dossier.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["received_at"] == "2026-10-09"
    assert data["missing_documents"] == []
