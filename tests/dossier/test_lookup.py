"""Pure logic of the conversation: rate limit and response variables."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.dossier.client import Dossier
from bot.dossier.lookup import (
    check_rate_limit,
    fee_text,
    format_money,
    overdue_response,
    status_response,
    status_vars,
)

NOW = 1_800_000_000.0


def test_rate_limit_allows_until_the_limit() -> None:
    stamps: list = []
    for i in range(5):
        allowed, retry, kept = check_rate_limit(stamps, NOW + i)
        assert allowed and retry == 0
        assert kept == stamps  # 'now' is not added: the caller appends it
        stamps = [*kept, NOW + i]
    allowed, retry, kept = check_rate_limit(stamps, NOW + 5)
    assert not allowed
    assert kept == stamps
    # The first lookup (at NOW) leaves the 600 s window at NOW + 600.
    assert retry == 595


def test_rate_limit_window_slides() -> None:
    stamps = [NOW + i for i in range(5)]
    allowed, _, kept = check_rate_limit(stamps, NOW + 600)
    assert allowed
    assert kept == [NOW + i for i in range(1, 5)]


def test_refused_attempts_do_not_extend_the_wait() -> None:
    stamps = [NOW + i for i in range(5)]
    _, first_retry, kept = check_rate_limit(stamps, NOW + 100)
    _, second_retry, kept = check_rate_limit(kept, NOW + 200)
    assert first_retry - second_retry == 100
    assert len(kept) == 5


def test_rate_limit_ignores_garbage_and_future_stamps() -> None:
    stamps = ["x", None, NOW - 10_000, NOW + 50, float("nan"), str(NOW - 1)]
    allowed, retry, kept = check_rate_limit(stamps, NOW, max_calls=2)
    assert allowed and retry == 0
    assert kept == [NOW - 1]


def test_rate_limit_with_more_stamps_than_allowed() -> None:
    # A lowered limit: enough stamps must expire to get under it.
    stamps = [NOW + i for i in range(6)]
    allowed, retry, _ = check_rate_limit(stamps, NOW + 10, max_calls=3, window=60)
    assert not allowed
    assert retry == (NOW + 3 + 60) - (NOW + 10)


def test_wrong_verifications_count_as_lookups() -> None:
    # Each verification attempt is a lookup: the sixth in ten minutes is refused.
    stamps: list = []
    for i in range(5):
        allowed, _, kept = check_rate_limit(stamps, NOW + 10 * i)
        assert allowed
        stamps = [*kept, NOW + 10 * i]  # a wrong verification, recorded like any
    assert check_rate_limit(stamps, NOW + 60)[0] is False


def _dossier(**fields) -> Dossier:
    base = Dossier(
        code="000.00.11.H26-261027-0005",
        status=5,
        status_label="Yêu cầu bổ sung giấy tờ",
        procedure_name="Đăng ký thường trú",
        agency="Công an phường Cầu Giấy",
        procedure_code="1.004222",
        received_at=date(2026, 10, 27),
        due_at=date(2026, 12, 7),
        missing_documents=("Giấy tờ chứng minh chỗ ở hợp pháp", "Văn bản đồng ý"),
        overdue=False,
        days_overdue=0,
    )
    return replace(base, **fields)


def test_status_vars_fill_every_template_variable() -> None:
    values = status_vars(_dossier(), today=date(2026, 11, 27))
    assert values == {
        "code": "000.00.11.H26-261027-0005",
        "status": 5,
        "status_label": "Yêu cầu bổ sung giấy tờ",
        "procedure_code": "1.004222",
        "procedure_name": "Đăng ký thường trú",
        "agency": "Công an phường Cầu Giấy",
        "received_date": "27/10/2026",
        "due_date": "07/12/2026",
        "finished_date": "",
        "missing_documents": "• Giấy tờ chứng minh chỗ ở hợp pháp\n• Văn bản đồng ý",
        "fee_due": "",
        "note": "",
        "overdue": False,
        "days_overdue": 0,
        "owner_name": "",
    }
    assert None not in values.values()


def test_status_vars_of_a_late_dossier_without_a_day_count() -> None:
    dossier = _dossier(status=4, overdue=True, days_overdue=None, missing_documents=())
    values = status_vars(dossier, today=date(2026, 12, 10))
    assert values["overdue"] is True
    assert values["days_overdue"] == 3
    assert values["missing_documents"] == ""


def test_status_vars_fee_and_owner() -> None:
    dossier = _dossier(
        status=6,
        missing_documents=(),
        fee_due="Lệ phí trước bạ nhà, đất",
        fee_amount=1250000,
        owner={"name": "Vũ T*** G***"},
    )
    values = status_vars(dossier)
    assert values["fee_due"] == "Lệ phí trước bạ nhà, đất: 1.250.000 đồng"
    assert values["owner_name"] == "Vũ T*** G***"


@pytest.mark.parametrize(
    ("description", "amount", "text"),
    [
        ("Lệ phí", None, "Lệ phí"),
        (None, 50000, "50.000 đồng"),
        (None, None, ""),
    ],
)
def test_fee_text(description: str | None, amount: int | None, text: str) -> None:
    assert fee_text(description, amount) == text


def test_format_money_groups_thousands_with_dots() -> None:
    assert format_money(1234567) == "1.234.567 đồng"
    assert format_money(None) == ""


@pytest.mark.parametrize("status", range(1, 11))
def test_status_response_names(status: int) -> None:
    assert status_response(_dossier(status=status)) == f"utter_dossier_status_{status}"


def test_overdue_response_only_when_late() -> None:
    assert overdue_response(_dossier()) is None
    late = _dossier(status=4, overdue=True, days_overdue=2)
    assert overdue_response(late) == "utter_dossier_overdue"
