"""Status vocabulary and the overdue derivation."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.dossier.statuses import (
    CITIZEN_ACTION_STATUSES,
    FINAL_STATUSES,
    STATUS_LABELS,
    Status,
    days_overdue,
    is_overdue,
    is_valid_status,
    local_today,
    status_label,
)

DUE = date(2026, 11, 20)


def test_labels_follow_the_portal_vocabulary() -> None:
    assert sorted(STATUS_LABELS) == list(range(1, 11))
    assert status_label(1) == "Mới đăng ký"
    assert status_label(5) == "Yêu cầu bổ sung giấy tờ"
    assert status_label(6) == "Yêu cầu thực hiện nghĩa vụ tài chính"
    assert status_label(Status.RETURNED) == "Đã trả kết quả"


def test_citizen_action_and_final_statuses() -> None:
    assert CITIZEN_ACTION_STATUSES == {3, 5, 6}
    assert FINAL_STATUSES == {3, 7, 8, 10}


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (1, True),
        (10, True),
        (0, False),
        (11, False),
        (True, False),
        ("4", False),
        (None, False),
    ],
)
def test_is_valid_status(value: object, valid: bool) -> None:
    assert is_valid_status(value) is valid


@pytest.mark.parametrize(
    ("finished", "today", "status", "days"),
    [
        (None, date(2026, 11, 20), Status.PROCESSING, 0),  # due today: on time
        (None, date(2026, 11, 23), Status.PROCESSING, 3),  # in progress, late
        (date(2026, 11, 19), date(2026, 12, 30), Status.RETURNED, 0),  # early
        (date(2026, 11, 24), date(2026, 12, 30), Status.RETURNED, 4),  # finished late
        (None, date(2026, 11, 23), Status.WITHDRAWN, 0),  # no promise any more
        (None, date(2026, 11, 23), Status.REJECTED, 0),
        (None, date(2026, 11, 23), None, 3),  # no status: dates alone
    ],
)
def test_overdue_derivation(
    finished: date | None, today: date, status: int | None, days: int
) -> None:
    assert days_overdue(DUE, finished, today, status) == days
    assert is_overdue(DUE, finished, today, status) is (days > 0)


def test_no_due_date_is_never_overdue() -> None:
    assert not is_overdue(None, None, date(2030, 1, 1), Status.PROCESSING)


def test_local_today_is_vietnam_time() -> None:
    # 17:30 UTC is 00:30 the next day in Hanoi.
    assert local_today(datetime(2026, 11, 26, 17, 30, tzinfo=timezone.utc)) == date(
        2026, 11, 27
    )
    assert local_today(datetime(2026, 11, 26, 16, 59)) == date(2026, 11, 26)
