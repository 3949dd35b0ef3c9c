"""Validation of the JSON bodies the write endpoints accept."""

from __future__ import annotations

from datetime import date
from typing import Any, Dict, List, Mapping

from bot.dossier.codes import AGENCY_RE, is_valid_code, parse_code
from bot.dossier.service.store import StatusChange
from bot.dossier.statuses import FINISHED_STATUSES, Status, is_valid_status

MAX_TEXT = 2000
MAX_DOCUMENTS = 50


class InvalidRequest(ValueError):
    """The body is not what the endpoint accepts; the message names the field."""


def _object(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object")
    return body


def _text(body: Mapping[str, Any], key: str, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidRequest(f"'{key}' is required")
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise InvalidRequest(
            f"'{key}' must be a string of at most {MAX_TEXT} characters"
        )
    return value.strip()


def _date(body: Mapping[str, Any], key: str) -> date | None:
    value = body.get(key)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(f"'{key}' must be a date as YYYY-MM-DD") from exc


def _status(body: Mapping[str, Any], default: int | None = None) -> int:
    value = body.get("status", default)
    if not is_valid_status(value):
        raise InvalidRequest("'status' must be an integer from 1 to 10")
    return int(value)


def _documents(body: Mapping[str, Any]) -> List[str] | None:
    value = body.get("missing_documents")
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) > MAX_DOCUMENTS
        or not all(
            isinstance(v, str) and v.strip() and len(v) <= MAX_TEXT for v in value
        )
    ):
        raise InvalidRequest(
            f"'missing_documents' must be a list of at most {MAX_DOCUMENTS} "
            "non-empty strings"
        )
    return [v.strip() for v in value]


def _amount(body: Mapping[str, Any]) -> int | None:
    value = body.get("fee_amount")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidRequest("'fee_amount' must be a non-negative integer (VND)")
    return value


def _check_status_extras(
    status: int, documents: List[str] | None, fee: str | None, amount: int | None
) -> None:
    if status == Status.NEEDS_DOCUMENTS and not documents:
        raise InvalidRequest("status 5 needs a non-empty 'missing_documents' list")
    if status == Status.NEEDS_PAYMENT and fee is None and amount is None:
        raise InvalidRequest("status 6 needs 'fee_due' or 'fee_amount'")


def _owner(body: Mapping[str, Any]) -> Dict[str, str | None]:
    owner = body.get("owner")
    if owner is None:
        return {}
    if not isinstance(owner, dict):
        raise InvalidRequest("'owner' must be an object")
    phone = _text(owner, "phone")
    if phone is not None and sum(c.isdigit() for c in phone) < 4:
        raise InvalidRequest("'owner.phone' must hold at least 4 digits")
    return {
        "owner_name": _text(owner, "name"),
        "owner_phone": phone,
        "owner_id_number": _text(owner, "id_number"),
        "owner_address": _text(owner, "address"),
    }


def parse_new_dossier(body: Any, today: date) -> Dict[str, Any]:
    """Column values for a new dossier from a ``POST /api/v1/dossiers`` body.

    The receipt date defaults to the code's date (or today when the service
    numbers the dossier) and must agree with the code.

    Raises:
        InvalidRequest: a field is missing or malformed.
    """
    body = _object(body)
    code = _text(body, "code")
    agency_code = _text(body, "agency_code")
    received = _date(body, "received_at")
    if code is not None:
        code = code.upper()
        if not is_valid_code(code):
            raise InvalidRequest(
                "'code' is not a dossier code like 000.00.06.H26-231027-0361"
            )
        code_date = parse_code(code).received
        if received is not None and received != code_date:
            raise InvalidRequest("'received_at' must be the date written in the code")
        received = code_date
    elif agency_code is None or not AGENCY_RE.match(agency_code.upper()):
        raise InvalidRequest("give 'code', or 'agency_code' like 000.00.06.H26")
    received = received or today
    status = _status(body, default=Status.RECEIVED)
    due = _date(body, "due_at")
    if due is not None and due < received:
        raise InvalidRequest("'due_at' cannot be before 'received_at'")
    finished = _date(body, "finished_at")
    if status in FINISHED_STATUSES:
        finished = finished or today
    elif finished is not None:
        raise InvalidRequest("'finished_at' is only for statuses 9 and 10")
    documents = _documents(body)
    fee, amount = _text(body, "fee_due"), _amount(body)
    _check_status_extras(status, documents, fee, amount)
    return {
        "code": code,
        "agency_code": None if code else agency_code.upper(),
        "status": status,
        "procedure_code": _text(body, "procedure_code"),
        "procedure_name": _text(body, "procedure_name", required=True),
        "agency": _text(body, "agency", required=True),
        "received_at": received,
        "due_at": due,
        "finished_at": finished,
        "missing_documents": documents if status == Status.NEEDS_DOCUMENTS else [],
        "fee_due": fee if status == Status.NEEDS_PAYMENT else None,
        "fee_amount": amount if status == Status.NEEDS_PAYMENT else None,
        "note": _text(body, "note"),
        **_owner(body),
    }


def parse_status_change(body: Any) -> StatusChange:
    """A status change from a ``POST /api/v1/dossiers/{code}/status`` body.

    Raises:
        InvalidRequest: a field is missing or malformed.
    """
    body = _object(body)
    status = _status(body)
    documents = _documents(body)
    fee, amount = _text(body, "fee_due"), _amount(body)
    _check_status_extras(status, documents, fee, amount)
    finished = _date(body, "finished_at")
    if finished is not None and status not in FINISHED_STATUSES:
        raise InvalidRequest("'finished_at' is only for statuses 9 and 10")
    return StatusChange(
        status=status,
        note=_text(body, "note"),
        missing_documents=documents,
        fee_due=fee,
        fee_amount=amount,
        due_at=_date(body, "due_at"),
        finished_at=finished,
    )
