"""JSON Schema of a stored procedure record, and the checks the importer runs.

The schema is the contract of ``data/procedures.json.gz``: the importer refuses to
write a record that does not satisfy it, and the tests validate the committed file.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from jsonschema import Draft7Validator

CODE_RE = re.compile(r"^\d\.\d{6}$")
KNOWN_LEVELS = ("Cấp bộ", "Cấp tỉnh", "Cấp xã", "Cơ quan khác")
STATUSES = ("complete", "partial")

_STR = {"type": "string"}
_NUM_OR_NULL = {"type": ["number", "null"]}

CHANNEL_SCHEMA: Dict[str, Any] = {
    "type": "object",
    "required": ["kind", "label", "time_value", "time_unit", "fee_text", "fee_amount"],
    "properties": {
        "kind": {"enum": ["in_person", "online", "postal"]},
        "label": _STR,
        "time_value": _NUM_OR_NULL,
        "time_unit": {"type": ["string", "null"]},
        "time_text": _STR,
        "fee_text": _STR,
        "fee_amount": _NUM_OR_NULL,
        "fee_currency": {"enum": ["VND", "USD", "EUR", None]},
        "description": _STR,
    },
    "additionalProperties": False,
}

PROCEDURE_SCHEMA: Dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": [
        "code",
        "name",
        "url",
        "levels",
        "field",
        "channels",
        "documents",
        "legal_basis",
        "result",
        "source",
        "import_status",
    ],
    "properties": {
        "code": {"type": "string", "pattern": CODE_RE.pattern},
        "name": {"type": "string", "minLength": 3},
        "url": {"type": "string", "pattern": r"^https://dichvucong\.gov\.vn/"},
        "short_name": _STR,
        "levels": {
            "type": "array",
            "minItems": 1,
            "items": {"enum": list(KNOWN_LEVELS)},
        },
        "field": {"type": "string", "minLength": 1},
        "channels": {"type": "array", "items": CHANNEL_SCHEMA},
        "documents": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "form", "copies", "group"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "form": _STR,
                    "copies": _STR,
                    "group": _STR,
                },
                "additionalProperties": False,
            },
        },
        "legal_basis": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "number"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "number": _STR,
                },
                "additionalProperties": False,
            },
        },
        "result": {"type": "array", "items": _STR},
        "source": {
            "type": "object",
            "required": ["name", "url"],
            "properties": {"name": _STR, "url": _STR},
        },
        "import_status": {
            "type": "object",
            "required": ["status", "missing", "problems"],
            "properties": {
                "status": {"enum": list(STATUSES)},
                "missing": {"type": "array", "items": _STR},
                "problems": {"type": "array", "items": _STR},
            },
        },
    },
}

_VALIDATOR = Draft7Validator(PROCEDURE_SCHEMA)


def validate_record(record: Dict[str, Any]) -> List[str]:
    """Every schema violation of one stored record, as readable messages."""
    errors = []
    for error in sorted(_VALIDATOR.iter_errors(record), key=lambda e: list(e.path)):
        where = "/".join(str(p) for p in error.path) or "(record)"
        errors.append(f"{where}: {error.message}")
    status = record.get("import_status") or {}
    if status.get("status") == "complete" and status.get("missing"):
        errors.append("import_status: complete but parts are missing")
    return errors
