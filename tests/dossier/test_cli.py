"""``citizen-bot dossier``: staff output, JSON, and exit codes."""

from __future__ import annotations

import json
from io import StringIO
from types import SimpleNamespace

import pytest

from bot.cli import main as citizen_bot
from bot.dossier.cli import cmd_dossier
from bot.dossier.client import DossierClient
from tests.dossier.conftest import Service
from tests.dossier.servers import free_port


def run(service_url: str, *words: str, verify: str | None = None, as_json=False):
    out = StringIO()
    args = SimpleNamespace(code=list(words), verify=verify, json=as_json)
    code = cmd_dossier(args, client=DossierClient(service_url), out=out)
    return code, out.getvalue()


def test_text_output_for_staff(service: Service) -> None:
    code, text = run(service.url, "000.00.21.h26", "-", "261009", "-", "0011")
    assert code == 0
    assert "000.00.21.H26-261009-0011" in text
    assert "Đang xử lý" in text and "QUÁ HẠN 3 ngày" in text
    assert "24/11/2026" in text  # the promised date, dd/mm/yyyy


def test_missing_documents_and_fee_are_listed(service: Service) -> None:
    _, text = run(service.url, "000.00.11.H26-261027-0005")
    assert "• Văn bản đồng ý cho đăng ký thường trú của chủ hộ" in text
    _, text = run(service.url, "000.00.41.H26-261012-0006")
    assert "1.250.000 đồng" in text


def test_json_output(service: Service) -> None:
    code, text = run(
        service.url, "000.00.41.H26-260915-0012", verify="1212", as_json=True
    )
    assert code == 0
    data = json.loads(text)
    assert (
        data["status"] == 10 and data["overdue"] is True and data["days_overdue"] == 4
    )
    assert data["owner"] == {"name": "Lý T*** Q***"}
    assert data["finished_at"] == "2026-11-11"


@pytest.mark.parametrize(
    "words",
    [["hello"], ["000.00.06.H26-231399-0001"], ["000.00.06.H26-200101-0001"]],
)
def test_bad_or_unknown_code_exits_2(
    service: Service, words: list, capsys: pytest.CaptureFixture
) -> None:
    code, text = run(service.url, *words)
    assert code == 2 and text == ""
    assert capsys.readouterr().err.strip()


def test_wrong_verification_exits_2(service: Service, capsys) -> None:
    code, _ = run(service.url, "000.00.06.H26-261104-0002", verify="9999")
    assert code == 2
    assert "không khớp" in capsys.readouterr().err


def test_backend_down_exits_3(capsys: pytest.CaptureFixture) -> None:
    code, _ = run(f"http://127.0.0.1:{free_port()}", "000.00.06.H26-261104-0002")
    assert code == 3
    assert "không trả lời" in capsys.readouterr().err


def test_through_the_citizen_bot_command(
    service: Service, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("DOSSIER_API_URL", service.url)
    assert citizen_bot(["dossier", "000.00.31.H26-261102-0009", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == 9
    monkeypatch.setenv("DOSSIER_API_URL", f"http://127.0.0.1:{free_port()}")
    assert citizen_bot(["dossier", "000.00.31.H26-261102-0009"]) == 3
