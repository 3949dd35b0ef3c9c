"""Dossier status vocabulary of the one-stop systems that sync with the portal.

Numbers and labels are the ones the National Public Service Portal uses. "Quá
hạn" (overdue) is not a status: it is derived from the dates, see
:func:`is_overdue`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from enum import IntEnum
from typing import Dict, FrozenSet


class Status(IntEnum):
    """Status numbers as the one-stop systems send them."""

    NEW = 1
    RECEIVED = 2
    REJECTED = 3
    PROCESSING = 4
    NEEDS_DOCUMENTS = 5
    NEEDS_PAYMENT = 6
    WITHDRAWN = 7
    STOPPED = 8
    DONE = 9
    RETURNED = 10


STATUS_LABELS: Dict[int, str] = {
    Status.NEW: "Mới đăng ký",
    Status.RECEIVED: "Được tiếp nhận",
    Status.REJECTED: "Không được tiếp nhận",
    Status.PROCESSING: "Đang xử lý",
    Status.NEEDS_DOCUMENTS: "Yêu cầu bổ sung giấy tờ",
    Status.NEEDS_PAYMENT: "Yêu cầu thực hiện nghĩa vụ tài chính",
    Status.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    Status.STOPPED: "Dừng xử lý",
    Status.DONE: "Đã xử lý xong",
    Status.RETURNED: "Đã trả kết quả",
}
OVERDUE_LABEL = "Quá hạn"

FINAL_STATUSES: FrozenSet[int] = frozenset(
    {Status.REJECTED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED}
)
"""Nothing happens to the dossier after these."""

FINISHED_STATUSES: FrozenSet[int] = frozenset({Status.DONE, Status.RETURNED})
"""The result is ready: the date it got here is the dossier's ``finished_at``."""

CITIZEN_ACTION_STATUSES: FrozenSet[int] = frozenset(
    {Status.REJECTED, Status.NEEDS_DOCUMENTS, Status.NEEDS_PAYMENT}
)
"""The citizen must act: file again, bring documents, or pay."""

NO_DEADLINE_STATUSES: FrozenSet[int] = frozenset(
    {Status.NEW, Status.REJECTED, Status.WITHDRAWN, Status.STOPPED}
)
"""No promised result, so the dossier cannot be overdue."""


def is_valid_status(value: object) -> bool:
    """Whether ``value`` is one of the ten status numbers (bools excluded)."""
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value in STATUS_LABELS
    )


def status_label(status: int) -> str:
    """The Vietnamese label of a status number; ``KeyError`` if unknown."""
    return STATUS_LABELS[status]


def days_overdue(
    due_at: date | None,
    finished_at: date | None,
    today: date,
    status: int | None = None,
) -> int:
    """Days the result came, or is still coming, after the promised return date.

    Args:
        due_at: the promised return date (ngày hẹn trả); ``None`` if not set.
        finished_at: the date the result was ready; ``None`` while in progress.
        today: the reference day for a dossier still in progress.
        status: when given, statuses without a promised result
            (:data:`NO_DEADLINE_STATUSES`) are never overdue.

    Returns:
        0 when on time, otherwise the number of days late.
    """
    if due_at is None or (status is not None and status in NO_DEADLINE_STATUSES):
        return 0
    end = finished_at or today
    return max(0, (end - due_at).days)


def is_overdue(
    due_at: date | None,
    finished_at: date | None,
    today: date,
    status: int | None = None,
) -> bool:
    """Whether the dossier is "Quá hạn": finished, or today, after ``due_at``."""
    return days_overdue(due_at, finished_at, today, status) > 0


VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
"""Vietnam has one time zone and no daylight saving: a fixed offset is exact."""


def local_today(now: datetime | None = None) -> date:
    """Today's date in Vietnam, which decides whether a dossier is overdue."""
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(VIETNAM_TZ).date()
