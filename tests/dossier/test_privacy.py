"""No personal data, and never the verification digits, in any log line."""

from __future__ import annotations

import http.client
import logging
from types import SimpleNamespace
from typing import Any, Dict

import pytest
import requests

from bot.dossier.cli import cmd_dossier
from bot.dossier.client import DossierClient, VerificationFailed
from tests.dossier.conftest import API_KEY, Service

OWNER = {
    "name": "Tạ Thị Riêng",
    "phone": "0987 65 {last4}",
    "id_number": "001186004321",
    "address": "Số 42 ngõ Kín Đáo, phường Tây Hồ, Hà Nội",
}


def pick_last4(port: int) -> str:
    """Four digits that cannot show up in a log line by accident (e.g. the port)."""
    for candidate in ("7359", "8462", "9573", "6048"):
        if candidate not in str(port):
            return candidate
    raise AssertionError("unreachable")


@pytest.fixture
def private_dossier(service: Service) -> Dict[str, Any]:
    last4 = pick_last4(int(service.url.rsplit(":", 1)[1]))
    owner = {**OWNER, "phone": OWNER["phone"].format(last4=last4)}
    body = {
        "agency_code": "000.00.93.H26",
        "procedure_name": "Đăng ký thường trú",
        "agency": "Công an phường Tây Hồ",
        "owner": owner,
    }
    response = requests.post(
        f"{service.url}/api/v1/dossiers",
        json=body,
        headers={"X-API-Key": API_KEY},
        timeout=5,
    )
    assert response.status_code == 201
    return {"code": response.json()["code"], "owner": owner, "last4": last4}


def test_lookups_with_verification_log_nothing_personal(
    service: Service, private_dossier: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    code, owner, last4 = (
        private_dossier["code"],
        private_dossier["owner"],
        private_dossier["last4"],
    )
    wrong = "1" + last4[1:] if last4[0] != "1" else "2" + last4[1:]
    caplog.set_level(logging.DEBUG)  # everything: ours, urllib3's, Sanic's

    client = DossierClient(service.url)
    verified = client.get(code, verify=last4)
    assert verified.owner == {"name": "Tạ T*** R***"}
    with pytest.raises(VerificationFailed):
        client.get(code, verify=wrong)
    # The query-string form too: the service's access log must not print it.
    # (http.client, unlike urllib3, logs nothing of its own on the test's side.)
    host, port = service.url.rsplit("/", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request("GET", f"/api/v1/dossiers/{code}?verify={last4}")
    assert conn.getresponse().status == 200
    conn.close()
    args = SimpleNamespace(code=[code], verify=last4, json=False)
    assert cmd_dossier(args, client=client) == 0
    down = DossierClient("http://127.0.0.1:9", retries=0)
    with pytest.raises(Exception):  # noqa: B017 - any failure; only logs matter here
        down.get(code, verify=last4)

    assert caplog.records, "the lookups should have logged something"
    logged = "\n".join(
        f"{record.name} {record.getMessage()} {record.args!r}"
        for record in caplog.records
    )
    secrets = [
        owner["name"],
        "Riêng",
        owner["phone"],
        owner["phone"].replace(" ", ""),
        owner["id_number"],
        owner["address"],
        "Kín Đáo",
        last4,
        wrong,
    ]
    for secret in secrets:
        assert secret not in logged, f"{secret!r} leaked into the logs"
    assert code in logged  # the logs do name the dossier, which is not personal
