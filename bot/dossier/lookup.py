"""Pure logic behind the dossier-status conversation.

The Rasa action keeps the times of a conversation's previous lookups in a slot,
asks :func:`check_rate_limit` before every call to the one-stop API (a retry
with a wrong phone verification is a lookup too), and fills the response
``status_response(dossier)`` with ``status_vars(dossier)``.
"""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Tuple

from bot.dossier.messages import fmt
from bot.dossier.statuses import STATUS_LABELS, days_overdue, local_today

if TYPE_CHECKING:  # pragma: no cover
    from bot.dossier.client import Dossier

DEFAULT_MAX_CALLS = 5
DEFAULT_WINDOW_SECONDS = 600
OVERDUE_RESPONSE = "utter_dossier_overdue"


def check_rate_limit(
    timestamps: Iterable[Any] | None,
    now: float,
    max_calls: int = DEFAULT_MAX_CALLS,
    window: int = DEFAULT_WINDOW_SECONDS,
) -> Tuple[bool, int, List[float]]:
    """Sliding-window limit over the times of previous lookups.

    Args:
        timestamps: epoch seconds of earlier lookups, as kept in a slot; values
            that are not numbers, or are older than the window or in the future,
            are dropped.
        now: epoch seconds of the lookup being attempted.
        max_calls: lookups allowed within ``window``.
        window: length of the window in seconds.

    Returns:
        ``(allowed, retry_after_seconds, kept_timestamps)``: ``kept_timestamps``
        are the valid earlier ones, sorted, without ``now``. When allowed,
        ``retry_after_seconds`` is 0 and the caller stores ``kept + [now]``
        before the lookup; when refused, it stores ``kept`` (refused attempts
        do not extend the wait) and tells the citizen to come back after
        ``retry_after_seconds`` (at least 1).
    """
    kept: List[float] = []
    for value in timestamps or ():
        try:
            stamp = float(value)
        except (TypeError, ValueError):
            continue
        if now - window < stamp <= now and math.isfinite(stamp):
            kept.append(stamp)
    kept.sort()
    if len(kept) < max_calls:
        return True, 0, kept
    # A lookup is allowed again when enough of the kept ones have left the window.
    frees_at = kept[len(kept) - max_calls] + window
    return False, max(1, math.ceil(frees_at - now)), kept


def _date(value: date | None) -> str:
    return value.strftime(fmt("formats", "date")) if value else ""


def format_money(amount: int | None) -> str:
    """``1200000`` -> ``1.200.000 đồng`` (Vietnamese digit grouping); ``""`` if None."""
    if amount is None:
        return ""
    return fmt("formats", "money", amount=f"{amount:,}".replace(",", "."))


def fee_text(description: str | None, amount: int | None) -> str:
    """The financial obligation as one line: description and/or amount."""
    money = format_money(amount)
    if description and money:
        return fmt("formats", "fee", description=description, amount=money)
    return description or money


def _lateness(dossier: Dossier, today: date | None) -> Tuple[bool, int]:
    # The service's flag is the authority (a city's adapter may count working
    # days); the day count comes from the service or, failing that, the dates.
    late = dossier.days_overdue
    if late is None:
        late = days_overdue(
            dossier.due_at, dossier.finished_at, today or local_today(), dossier.status
        )
    overdue = bool(dossier.overdue)
    return overdue, max(late, 1) if overdue else 0


def status_vars(dossier: Dossier, today: date | None = None) -> Dict[str, Any]:
    """Template variables for the ``utter_dossier_status_<n>`` responses.

    Every value is a string, an int or a bool, never ``None`` (Rasa would print
    "None"); missing dates and texts are empty strings.

    Args:
        dossier: what :meth:`DossierClient.get` returned.
        today: the local date for ``days_overdue`` when the service does not
            send it (default: today in Vietnam).
    """
    overdue, late = _lateness(dossier, today)
    bullet = fmt("formats", "bullet")
    owner = (dossier.owner or {}).get("name") or ""
    return {
        "code": dossier.code,
        "status": dossier.status,
        "status_label": dossier.status_label or STATUS_LABELS[dossier.status],
        "procedure_code": dossier.procedure_code or "",
        "procedure_name": dossier.procedure_name or "",
        "agency": dossier.agency or "",
        "received_date": _date(dossier.received_at),
        "due_date": _date(dossier.due_at),
        "finished_date": _date(dossier.finished_at),
        "missing_documents": "\n".join(bullet + d for d in dossier.missing_documents),
        "fee_due": fee_text(dossier.fee_due, dossier.fee_amount),
        "note": dossier.note or "",
        "overdue": overdue,
        "days_overdue": late,
        "owner_name": owner,
    }


def status_response(dossier: Dossier) -> str:
    """The response that explains the dossier's status: ``utter_dossier_status_<n>``."""
    return f"utter_dossier_status_{int(dossier.status)}"


def overdue_response(dossier: Dossier, today: date | None = None) -> str | None:
    """``utter_dossier_overdue`` to send after the status when the dossier is late."""
    return OVERDUE_RESPONSE if _lateness(dossier, today)[0] else None
