"""The reference service over real HTTP on loopback (SQLite backend)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, timedelta
from typing import Any, Dict

import pytest
import requests

from bot.dossier.service.demo import demo_records
from tests.dossier.conftest import API_KEY, TODAY, Service

API = "/api/v1"
TIMEOUT = 5

# code: (status, overdue, days_overdue) as docs/demo-dossiers.md describes them.
DEMO_EXPECTED = {
    "000.00.06.H26-261103-0001": (1, False, 0),
    "000.00.06.H26-261104-0002": (2, False, 0),
    "000.00.11.H26-261020-0003": (3, False, 0),
    "000.00.21.H26-261105-0004": (4, False, 0),
    "000.00.11.H26-261027-0005": (5, False, 0),
    "000.00.41.H26-261012-0006": (6, False, 0),
    "000.00.51.H26-261030-0007": (7, False, 0),
    "000.00.21.H26-261015-0008": (8, False, 0),
    "000.00.31.H26-261102-0009": (9, False, 0),
    "000.00.06.H26-261028-0010": (10, False, 0),
    "000.00.21.H26-261009-0011": (4, True, 3),
    "000.00.41.H26-260915-0012": (10, True, 4),
}
PERSONAL_KEYS = {"owner_name", "owner_phone", "owner_id_number", "owner_address"}


def get(service: Service, path: str, **kwargs: Any) -> requests.Response:
    return requests.get(service.url + API + path, timeout=TIMEOUT, **kwargs)


def post(
    service: Service, path: str, body: Any, key: str | None = API_KEY
) -> requests.Response:
    headers = {"X-API-Key": key} if key else {}
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return requests.post(
        service.url + API + path, data=data, headers=headers, timeout=TIMEOUT
    )


def assert_error(response: requests.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["message"], str) and body["message"]
    assert "Traceback" not in response.text


def unique_code(agency: str = "000.00.77.H26", day: date = TODAY) -> str:
    return f"{agency}-{day:%y%m%d}-{uuid.uuid4().int % 10000:04d}"


def new_dossier(service: Service, **fields: Any) -> Dict[str, Any]:
    body = {
        "code": unique_code(),
        "procedure_code": "1.004222",
        "procedure_name": "Đăng ký thường trú",
        "agency": "Công an phường Cầu Giấy",
        "due_at": (TODAY + timedelta(days=10)).isoformat(),
        "owner": {
            "name": "Phan Văn Thử",
            "phone": "0900 000 987",
            "id_number": "001099000987",
            "address": "Số 99 phố Giả Định, Hà Nội",
        },
        **fields,
    }
    for _ in range(5):  # a random sequence may collide with an earlier test's
        response = post(service, "/dossiers", body)
        if response.status_code != 409:
            break
        body["code"] = unique_code()
    assert response.status_code == 201, response.text
    return response.json()


def test_health(service: Service) -> None:
    response = get(service, "/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "api_version": "1", "database": "ok"}


@pytest.mark.parametrize("code", sorted(DEMO_EXPECTED))
def test_every_demo_status(service: Service, code: str) -> None:
    status, overdue, days = DEMO_EXPECTED[code]
    response = get(service, f"/dossiers/{code}")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["overdue"] is overdue
    assert body["days_overdue"] == days
    assert body["status_label"]
    assert date.fromisoformat(body["received_at"]) == date(
        2000 + int(code[14:16]), int(code[16:18]), int(code[18:20])
    )
    assert "owner" not in body and not PERSONAL_KEYS & set(body)
    assert (body["missing_documents"] != []) is (status == 5)
    assert (body["fee_due"] is not None) is (status == 6)
    assert (body["finished_at"] is not None) is (status in (9, 10))
    if status == 1:
        assert body["due_at"] is None


def test_demo_covers_every_status_and_overdue_cases() -> None:
    records = demo_records(TODAY)
    assert {r["status"] for r in records} == set(range(1, 11))
    assert {r["code"] for r in records} == set(DEMO_EXPECTED)
    for record in records:
        assert re.fullmatch(r"000\.00\.\d\d\.H26-\d{6}-\d{4}", record["code"])
        for key in ("due_at", "finished_at"):
            assert record[key] is None or record[key] >= record["received_at"]


def test_demo_seed_is_idempotent(service: Service) -> None:
    from bot.dossier.service import seed_demo

    before = service.store.get("000.00.06.H26-261103-0001")
    assert seed_demo(service.store, TODAY) == len(DEMO_EXPECTED)
    after = service.store.get("000.00.06.H26-261103-0001")
    assert after["id"] == before["id"]
    assert len(service.store.history("000.00.06.H26-261103-0001")) == 1


def test_lower_case_code_in_the_path(service: Service) -> None:
    response = get(service, "/dossiers/000.00.21.h26-261105-0004")
    assert response.status_code == 200
    assert response.json()["code"] == "000.00.21.H26-261105-0004"


@pytest.mark.parametrize(
    "code", ["abc", "000.00.06.H26-231399-0001", "000.00.06.H26-231027-03610"]
)
def test_malformed_code_is_400(service: Service, code: str) -> None:
    assert_error(get(service, f"/dossiers/{code}"), 400, "invalid_code")


def test_unknown_dossier_is_404(service: Service) -> None:
    assert_error(get(service, "/dossiers/000.00.06.H26-200101-0001"), 404, "not_found")


def test_unknown_endpoint_and_method(service: Service) -> None:
    assert_error(get(service, "/nothing"), 404, "unknown_endpoint")
    response = requests.delete(
        f"{service.url}{API}/dossiers/000.00.06.H26-261103-0001", timeout=TIMEOUT
    )
    assert_error(response, 405, "method_not_allowed")


def test_right_verification_shows_the_masked_owner(service: Service) -> None:
    response = get(service, "/dossiers/000.00.41.H26-260915-0012?verify=1212")
    assert response.status_code == 200
    body = response.json()
    assert body["owner"] == {"name": "Lý T*** Q***"}
    assert "0900001212" not in response.text
    assert "001190001212" not in response.text
    assert "Giả Định" not in response.text
    assert "Lý Thị Quỳnh" not in response.text


def test_verification_header_takes_precedence(service: Service) -> None:
    code = "000.00.31.H26-261102-0009"
    ok = get(
        service, f"/dossiers/{code}?verify=0000", headers={"X-Dossier-Verify": "0909"}
    )
    assert ok.status_code == 200
    assert ok.json()["owner"] == {"name": "Đỗ V*** M***"}


@pytest.mark.parametrize("verify", ["9999", "12", "abcd", "01212"])
def test_wrong_verification_is_403(service: Service, verify: str) -> None:
    created = new_dossier(service)
    response = get(service, f"/dossiers/{created['code']}", params={"verify": verify})
    assert_error(response, 403, "verification_failed")
    assert "Phan" not in response.text


def test_repeated_wrong_verifications_lock_the_dossier(service: Service) -> None:
    code = new_dossier(service)["code"]
    for _ in range(5):
        response = get(
            service, f"/dossiers/{code}", headers={"X-Dossier-Verify": "1111"}
        )
        assert_error(response, 403, "verification_failed")
    locked = get(service, f"/dossiers/{code}", headers={"X-Dossier-Verify": "0987"})
    assert_error(locked, 429, "too_many_attempts")
    assert 0 < int(locked.headers["Retry-After"]) <= 900
    # The status itself stays readable without verification.
    assert get(service, f"/dossiers/{code}").status_code == 200


def test_create_needs_the_key(service: Service) -> None:
    body = {"agency_code": "000.00.77.H26", "procedure_name": "x", "agency": "y"}
    assert_error(post(service, "/dossiers", body, key=None), 401, "unauthorized")
    assert_error(post(service, "/dossiers", body, key="wrong"), 401, "unauthorized")


def test_writes_are_refused_without_a_configured_key(keyless_service: Service) -> None:
    body = {"agency_code": "000.00.77.H26", "procedure_name": "x", "agency": "y"}
    assert_error(
        post(keyless_service, "/dossiers", body, key=None), 403, "writes_disabled"
    )
    assert_error(
        post(keyless_service, "/dossiers", body, key="any"), 403, "writes_disabled"
    )
    moved = post(
        keyless_service,
        "/dossiers/000.00.06.H26-261103-0001/status",
        {"status": 2},
        "k",
    )
    assert_error(moved, 403, "writes_disabled")
    assert keyless_service.store.get("000.00.06.H26-261103-0001")["status"] == 1


def test_create_with_the_key(service: Service) -> None:
    created = new_dossier(service, note="Tiếp nhận trực tiếp")
    assert created["status"] == 2
    assert created["received_at"] == f"20{created['code'][14:16]}-11-27"
    assert created["note"] == "Tiếp nhận trực tiếp"
    assert "owner" not in created and "Phan" not in json.dumps(created)
    stored = get(service, f"/dossiers/{created['code']}?verify=0987").json()
    assert stored["owner"] == {"name": "Phan V*** T***"}


def test_create_numbers_the_dossier_when_no_code_is_given(service: Service) -> None:
    agency = f"000.{uuid.uuid4().hex[:2].upper()}.88.H26"
    body = {"agency_code": agency, "procedure_name": "Thủ tục thử", "agency": "UBND"}
    first = post(service, "/dossiers", body).json()["code"]
    second = post(service, "/dossiers", body).json()["code"]
    assert first == f"{agency}-{TODAY:%y%m%d}-0001"
    assert second == f"{agency}-{TODAY:%y%m%d}-0002"


def test_create_refuses_a_duplicate_code(service: Service) -> None:
    code = new_dossier(service)["code"]
    body = {"code": code, "procedure_name": "x", "agency": "y"}
    assert_error(post(service, "/dossiers", body), 409, "already_exists")


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        [],
        {"agency_code": "000.00.77.H26", "agency": "y"},  # no procedure name
        {"procedure_name": "x", "agency": "y"},  # neither code nor agency code
        {"code": "000.00.77.H26-231399-0001", "procedure_name": "x", "agency": "y"},
        {
            "code": "000.00.77.H26-261120-0001",
            "received_at": "2026-11-21",
            "procedure_name": "x",
            "agency": "y",
        },
        {
            "agency_code": "000.00.77.H26",
            "procedure_name": "x",
            "agency": "y",
            "status": 11,
        },
        {
            "agency_code": "000.00.77.H26",
            "procedure_name": "x",
            "agency": "y",
            "status": 5,
        },
        {
            "agency_code": "000.00.77.H26",
            "procedure_name": "x",
            "agency": "y",
            "status": 6,
        },
        {
            "agency_code": "000.00.77.H26",
            "procedure_name": "x",
            "agency": "y",
            "due_at": "2020-01-01",
        },
        {
            "agency_code": "000.00.77.H26",
            "procedure_name": "x",
            "agency": "y",
            "due_at": "27/11/2026",
        },
        {
            "agency_code": "000.00.77.H26",
            "procedure_name": "x",
            "agency": "y",
            "fee_amount": -5,
            "status": 6,
        },
        {
            "agency_code": "000.00.77.H26",
            "procedure_name": "x",
            "agency": "y",
            "owner": {"phone": "abc"},
        },
    ],
)
def test_create_rejects_bad_bodies(service: Service, body: Any) -> None:
    response = post(service, "/dossiers", body)
    assert response.status_code == 400
    assert response.json()["error"] in {"invalid_json", "invalid_request"}


def test_move_through_the_workflow(service: Service) -> None:
    code = new_dossier(service)["code"]
    path = f"/dossiers/{code}/status"

    assert_error(post(service, path, {"status": 4}, key=None), 401, "unauthorized")

    moved = post(service, path, {"status": 4})
    assert moved.status_code == 200 and moved.json()["status"] == 4

    docs = ["Bản sao giấy khai sinh", "Giấy xác nhận cư trú"]
    body = post(service, path, {"status": 5, "missing_documents": docs}).json()
    assert body["missing_documents"] == docs
    assert body["status_label"] == "Yêu cầu bổ sung giấy tờ"

    new_due = (TODAY + timedelta(days=20)).isoformat()
    body = post(service, path, {"status": 4, "due_at": new_due}).json()
    assert body["missing_documents"] == [] and body["due_at"] == new_due

    body = post(
        service, path, {"status": 6, "fee_due": "Lệ phí", "fee_amount": 200000}
    ).json()
    assert (body["fee_due"], body["fee_amount"]) == ("Lệ phí", 200000)

    body = post(service, path, {"status": 9, "note": "Có kết quả"}).json()
    assert body["fee_due"] is None and body["fee_amount"] is None
    assert body["finished_at"] == TODAY.isoformat()
    assert body["overdue"] is False and body["note"] == "Có kết quả"

    body = post(service, path, {"status": 10}).json()
    assert body["status"] == 10 and body["finished_at"] == TODAY.isoformat()

    assert_error(post(service, path, {"status": 4}), 409, "invalid_transition")
    assert [e["status"] for e in service.store.history(code)] == [2, 4, 5, 4, 6, 9, 10]


def test_finished_late_is_overdue(service: Service) -> None:
    due = (TODAY - timedelta(days=2)).isoformat()
    received = TODAY - timedelta(days=30)
    code = unique_code(day=received)
    new_dossier(service, code=code, due_at=due)
    body = post(service, f"/dossiers/{code}/status", {"status": 9}).json()
    assert body["overdue"] is True and body["days_overdue"] == 2


def test_move_errors(service: Service) -> None:
    assert_error(
        post(service, "/dossiers/000.00.06.H26-200101-0001/status", {"status": 4}),
        404,
        "not_found",
    )
    assert_error(
        post(service, "/dossiers/bad/status", {"status": 4}), 400, "invalid_code"
    )
    code = new_dossier(service)["code"]
    assert_error(
        post(service, f"/dossiers/{code}/status", {"status": 1}),
        409,
        "invalid_transition",
    )
    assert_error(
        post(service, f"/dossiers/{code}/status", {"status": 5}), 400, "invalid_request"
    )
    assert_error(post(service, f"/dossiers/{code}/status", "{"), 400, "invalid_json")
    assert_error(
        post(
            service,
            f"/dossiers/{code}/status",
            {"status": 4, "finished_at": "2026-11-01"},
        ),
        400,
        "invalid_request",
    )


def test_docs_table_matches_the_demo_data() -> None:
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "demo-dossiers.md"
    rows = re.findall(
        r"^\| `([^`]+)` \| (\d+) [^|]+\|[^|]+\| (\d{4}) \|", doc.read_text(), re.M
    )
    assert len(rows) == len(DEMO_EXPECTED)
    phones = {r["code"]: r["owner_phone"] for r in demo_records(TODAY)}
    for code, status, verify in rows:
        assert DEMO_EXPECTED[code][0] == int(status)
        assert phones[code].endswith(verify)
