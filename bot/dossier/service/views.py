"""What the API shows of a stored dossier: public fields, and the owner masked."""

from __future__ import annotations

import hmac
import re
from datetime import date, datetime
from typing import Any, Dict, Mapping

from bot.dossier.statuses import STATUS_LABELS, days_overdue

_NON_DIGIT_RE = re.compile(r"\D")


def mask_name(name: str | None) -> str | None:
    """Keep the family name and initials: ``Nguyễn Văn An`` -> ``Nguyễn V*** A***``."""
    if not name or not name.strip():
        return None
    words = name.split()
    if len(words) == 1:
        return words[0][0] + "***"
    return " ".join([words[0]] + [w[0] + "***" for w in words[1:]])


def phone_matches(phone: str | None, verify: str | None) -> bool:
    """Whether ``verify`` is exactly the last 4 digits of ``phone`` (constant time)."""
    digits = _NON_DIGIT_RE.sub("", phone or "")
    given = (verify or "").strip()
    if len(digits) < 4 or not re.fullmatch(r"\d{4}", given):
        return False
    return hmac.compare_digest(digits[-4:], given)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _iso_utc(value: datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def public_view(
    row: Mapping[str, Any], today: date, verified: bool = False
) -> Dict[str, Any]:
    """The API representation of a stored dossier.

    Args:
        row: a row of the ``dossiers`` table.
        today: the local date that decides ``overdue``.
        verified: the caller proved the phone number; adds ``owner`` with the
            name masked. Phone, ID number and address are never returned.
    """
    late = days_overdue(row["due_at"], row["finished_at"], today, row["status"])
    view: Dict[str, Any] = {
        "code": row["code"],
        "status": row["status"],
        "status_label": STATUS_LABELS[row["status"]],
        "procedure_code": row["procedure_code"],
        "procedure_name": row["procedure_name"],
        "agency": row["agency"],
        "received_at": _iso(row["received_at"]),
        "due_at": _iso(row["due_at"]),
        "finished_at": _iso(row["finished_at"]),
        "missing_documents": list(row["missing_documents"] or []),
        "fee_due": row["fee_due"],
        "fee_amount": row["fee_amount"],
        "note": row["note"],
        "overdue": late > 0,
        "days_overdue": late,
        "updated_at": _iso_utc(row["updated_at"]),
    }
    if verified:
        view["owner"] = {"name": mask_name(row["owner_name"])}
    return view
